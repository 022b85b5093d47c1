"""CAT048 monoradar target reports -> polar Detections.

Items read (edition pinned in AsterixConfig; 1.27-1.32 share these):
    I048/010  SAC, SIC                      data source
    I048/140  time of day                   1/128 s since UTC midnight
    I048/020  TYP, SIM, RAB, TST            report type; TYP 0 (no detection) is a coasted
                                            track, not a measurement, and is skipped
    I048/040  RHO, THETA                    slant range 1/256 NM; azimuth 360/2^16 deg
    I048/090  FL                            Mode C flight level, 1/4 FL
    I048/110  3DH                           height of a 3-D radar, 25 ft above mean sea level
    I048/120  CAL (D)                       calculated Doppler speed, m/s (kept unless doubtful)
    I048/161  TRN, I048/170                 present on radar track reports (counted as tracks)
    I048/220  aircraft address              24-bit Mode S address
    I048/240  aircraft identification       8 characters
    I048/RE   ERR                           extended range, 1/256 NM, for targets past
                                            256 NM (signalled by I048/020 ERR; RHO is then
                                            pinned at its maximum)

Height. With I110, elevation is solved from the slant range and the radar's own height on a
spherical earth (no refraction; mean sea level taken as the ellipsoid, an error of the
local geoid height, tens of metres). Without I110, the Mode C flight level, where present,
gives the elevation the same way from the pressure altitude (FL x 100 ft), with an elevation
sigma that carries the pressure altitude's error (PRESSURE_ALT_SIGMA_M: the day's pressure and
the geoid, often hundreds of metres) — so every plot is an ordinary polar detection of the
recording contract. With neither, elevation stays None (a 2-D plot).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from asterix.base import Bits, Explicit

from raqib.model import Detection, Sensor
from raqib.sensors.asterix import items
from raqib.sensors.asterix.clock import SECONDS_PER_DAY, tod_to_unix
from raqib.sensors.asterix.config import reserved_expansion_spec

CATEGORY = 48
EARTH_RADIUS_M = 6_371_008.8  # mean radius of the WGS84 ellipsoid


@dataclass(frozen=True, slots=True)
class Cat048Report:
    """What raqib keeps of one target report, in SI units."""

    sac: int
    sic: int
    time_of_day_s: float
    range_m: float
    azimuth_deg: float
    is_track: bool
    test_target: bool  # simulated, test or field-monitor (fixed transponder) report
    pressure_alt_m: float | None = None
    height_msl_m: float | None = None
    range_rate_ms: float | None = None
    identity: str | None = None
    callsign: str | None = None
    track_number: int | None = None


def read(record: Any) -> Cat048Report | None:
    """One record, or None for a report without a detection (a coasted track's TYP 0)."""
    sac, sic = items.source(record)
    tod = items.si(record, "140")
    if tod is None:
        raise items.RecordError("no time of day I048/140")
    if not 0.0 <= tod < SECONDS_PER_DAY:
        raise items.RecordError(f"time of day {tod:.3f} s is past midnight (is the edition right?)")
    if items.uint(record, "020", "TYP") == 0:
        return None
    rho = items.si(record, "040", "RHO")
    theta = items.si(record, "040", "THETA")
    if rho is None or theta is None:
        raise items.RecordError("no polar position I048/040")
    if items.flag(record, "020", "ERR"):
        rho = _extended_range_m(record)
    test = (
        items.flag(record, "020", "SIM")
        or items.flag(record, "020", "RAB")
        or items.flag(record, "020", "TST")
    )
    doppler = None
    if items.has(record, "120") and not items.flag(record, "120", "CAL", "D"):
        doppler = items.si(record, "120", "CAL", "CAL")
    return Cat048Report(
        sac=sac,
        sic=sic,
        time_of_day_s=tod,
        range_m=rho,
        azimuth_deg=theta,
        is_track=items.has(record, "161") or items.has(record, "170"),
        test_target=test,
        pressure_alt_m=items.si(record, "090", "FL"),
        height_msl_m=items.si(record, "110", "3DH"),
        range_rate_ms=doppler,
        identity=items.icao_address(record, "220"),
        callsign=items.text(record, "240"),
        track_number=items.uint(record, "161", "TRN"),
    )


def _extended_range_m(record: Any) -> float:
    field = items.variation(record, "RE")
    expansion_spec = reserved_expansion_spec(CATEGORY)
    if not isinstance(field, Explicit) or expansion_spec is None:
        raise items.RecordError("range past 256 NM (I048/020 ERR) without a reserved expansion field")
    parsed = expansion_spec.cv_expansion.parse(Bits.from_bytes(field.get_bytes()))
    if isinstance(parsed, ValueError):
        raise items.RecordError(f"unreadable reserved expansion field: {parsed}")
    range_m = items.si(parsed[0], "ERR")
    if range_m is None:
        raise items.RecordError("range past 256 NM (I048/020 ERR) but no extended range in the RE field")
    return range_m


PRESSURE_ALT_SIGMA_M = 150.0


def elevation_deg(range_m: Any, target_height_m: Any, sensor_height_m: float) -> Any:
    """Elevation of a target at slant ``range_m`` and ``target_height_m`` seen from a sensor at
    ``sensor_height_m``, on a sphere; NaN where the three cannot meet (or range is 0).

        (R + h)^2 = (R + h_s)^2 + r^2 + 2 (R + h_s) r sin(el)     (law of cosines)
    """
    r = np.asarray(range_m, dtype=float)
    target_radius = EARTH_RADIUS_M + np.asarray(target_height_m, dtype=float)
    sensor_radius = EARTH_RADIUS_M + sensor_height_m
    with np.errstate(divide="ignore", invalid="ignore"):
        sin_el = (target_radius**2 - sensor_radius**2 - r**2) / (2.0 * sensor_radius * r)
    sin_el = np.where((r > 0) & (np.abs(sin_el) <= 1.0), sin_el, np.nan)
    return np.degrees(np.arcsin(sin_el))


def detections(reports: Sequence[Cat048Report], receive_time_s: float, sensor: Sensor) -> list[Detection]:
    """One polar Detection per report, in order (time and elevation computed for all at once)."""
    if not reports:
        return []
    times = tod_to_unix(np.array([r.time_of_day_s for r in reports]), receive_time_s)
    from_pressure = np.array([r.height_msl_m is None and r.pressure_alt_m is not None for r in reports])
    heights = np.array(
        [
            r.height_msl_m
            if r.height_msl_m is not None
            else (r.pressure_alt_m if r.pressure_alt_m is not None else np.nan)
            for r in reports
        ]
    )
    ranges = np.array([r.range_m for r in reports])
    elevations = elevation_deg(ranges, heights, sensor.alt_m)
    # The pressure altitude's error, seen as an angle from the radar.
    with np.errstate(divide="ignore"):
        pressure_sigma_deg = np.degrees(PRESSURE_ALT_SIGMA_M / np.maximum(ranges, 1.0))
    return [
        Detection(
            time_s=float(time_s),
            sensor_id=sensor.sensor_id,
            range_m=report.range_m,
            azimuth_deg=report.azimuth_deg,
            elevation_deg=None if np.isnan(elevation) else float(elevation),
            sigma_elevation_deg=float(sigma) if pressure and not np.isnan(elevation) else None,
            range_rate_ms=report.range_rate_ms,
            identity=report.identity,
            callsign=report.callsign,
            time_source="sensor",
        )
        for report, time_s, elevation, pressure, sigma in zip(
            reports, times, elevations, from_pressure, pressure_sigma_deg, strict=True
        )
    ]
