"""CAT062 system tracks (SDPS) -> position Detections.

Items read (editions 1.16-1.21 share these):
    I062/010  SAC, SIC                      data source
    I062/070  time of track information     1/128 s since UTC midnight
    I062/040  track number
    I062/105  LAT, LON                      WGS-84, 180/2^25 deg
    I062/100  X, Y                          0.5 m on the SDPS's stereographic plane (used
                                            when I105 is absent, with the configured
                                            system reference point)
    I062/130  geometric altitude            6.25 ft above the WGS-84 ellipsoid, used when
                                            I080 SRC says measured and MRH prefers it
    I062/135  CTB barometric altitude       1/4 FL   } pressure altitude: approximate
    I062/136  measured flight level         1/4 FL   } height (see cat048.py)
    I062/185  VX, VY                        0.25 m/s on the plane, taken as east and north
    I062/220  rate of climb/descent         6.25 ft/min
    I062/080  SIM, SRC, MRH                 simulated tracks are counted and dropped;
                                            source and reliability of the geometric altitude
    I062/380  ADR, ID                       target address (24 bits), identification
    I062/245  CHR                           target identification, when I380/ID is absent
    I062/500  APC X/Y, AGA, ABA, ATV X/Y    one-sigma accuracies: position (m), geometric
                                            (ft) or barometric (FL) altitude, velocity (m/s)

The identity is the target address, or ``trk:<track number>`` for tracks without one.
The horizontal sigma is the RMS of the X and Y accuracies, sqrt((sx^2 + sy^2) / 2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from raqib.model import Detection, Sensor
from raqib.sensors.asterix import items
from raqib.sensors.asterix.clock import SECONDS_PER_DAY, tod_to_unix
from raqib.sensors.asterix.config import AsterixConfig

CATEGORY = 62
# I062/080 SRC values for a geometric altitude that was measured: GNSS, 3-D radar,
# triangulation, multilateration (not: none, from coverage, speed table, default).
MEASURED_HEIGHT_SOURCES = frozenset({1, 2, 3, 7})
WGS84_A_M = 6_378_137.0
WGS84_E2 = 6.694_379_990_14e-3


@dataclass(frozen=True, slots=True)
class Cat062Report:
    sac: int
    sic: int
    time_of_day_s: float
    track_number: int
    test_target: bool
    lat_deg: float | None = None
    lon_deg: float | None = None
    x_m: float | None = None
    y_m: float | None = None
    alt_m: float | None = None
    vel_e_ms: float | None = None
    vel_n_ms: float | None = None
    vel_u_ms: float | None = None
    sigma_h_m: float | None = None
    sigma_v_m: float | None = None
    sigma_vel_ms: float | None = None
    identity: str | None = None
    callsign: str | None = None


def read(record: Any, config: AsterixConfig) -> Cat062Report:
    sac, sic = items.source(record)
    tod = items.si(record, "070")
    if tod is None:
        raise items.RecordError("no time of track I062/070")
    if not 0.0 <= tod < SECONDS_PER_DAY:
        raise items.RecordError(f"time of track {tod:.3f} s is past midnight (is the edition right?)")
    track_number = items.uint(record, "040")
    if track_number is None:
        raise items.RecordError("no track number I062/040")
    lat, lon = items.si(record, "105", "LAT"), items.si(record, "105", "LON")
    x, y = items.si(record, "100", "X"), items.si(record, "100", "Y")
    if lat is not None and lon is not None:
        if abs(lat) > 90.0 or abs(lon) > 180.0:
            raise items.RecordError(f"position {lat:.4f}, {lon:.4f} is off the earth (is the edition right?)")
    elif x is None or y is None:
        raise items.RecordError("no position: neither I062/105 nor I062/100")
    elif config.system_ref_lat_deg is None:
        raise items.RecordError("only a Cartesian position I062/100 and no system reference point configured")
    callsign = items.text(record, "380", "ID")
    if callsign is None and items.uint(record, "245", "STI") != 3:  # STI 3: invalid
        callsign = items.text(record, "245", "CHR")
    address = items.icao_address(record, "380", "ADR")
    return Cat062Report(
        sac=sac,
        sic=sic,
        time_of_day_s=tod,
        track_number=track_number,
        test_target=items.flag(record, "080", "SIM"),
        lat_deg=lat,
        lon_deg=lon,
        x_m=x,
        y_m=y,
        alt_m=_altitude_m(record),
        vel_e_ms=items.si(record, "185", "VX"),
        vel_n_ms=items.si(record, "185", "VY"),
        vel_u_ms=items.si(record, "220"),
        sigma_h_m=_rms(items.si(record, "500", "APC", "X"), items.si(record, "500", "APC", "Y")),
        sigma_v_m=_first(items.si(record, "500", "AGA"), items.si(record, "500", "ABA")),
        sigma_vel_ms=_rms(items.si(record, "500", "ATV", "X"), items.si(record, "500", "ATV", "Y")),
        identity=address if address is not None else f"trk:{track_number}",
        callsign=callsign,
    )


def _altitude_m(record: Any) -> float | None:
    """The geometric altitude when the tracker measured it and holds it the more reliable
    (I080 SRC and MRH), else the barometric one (pressure altitude, approximate), else None:
    a height guessed from coverage or a default is worse than none."""
    geometric = items.si(record, "130")
    barometric = _first(items.si(record, "135", "CTB"), items.si(record, "136"))
    measured = items.uint(record, "080", "SRC") in MEASURED_HEIGHT_SOURCES
    if geometric is not None and measured and (barometric is None or items.flag(record, "080", "MRH")):
        return geometric
    return barometric


def _first(*values: float | None) -> float | None:
    return next((value for value in values if value is not None), None)


def _rms(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    return math.sqrt((a * a + b * b) / 2.0)


def stereographic_to_geodetic(
    x_m: Any, y_m: Any, ref_lat_deg: float, ref_lon_deg: float, ref_height_m: float = 0.0
) -> tuple[Any, Any]:
    """Latitude and longitude (deg) of points on a stereographic plane tangent at the
    reference point, on the sphere of the ellipsoid's Gaussian radius there (plus the plane's
    height): the inverse oblique stereographic projection on a sphere (Snyder, Map
    Projections: A Working Manual, USGS 1987).

        c   = 2 atan(rho / 2R)
        lat = asin(cos c sin lat0 + y sin c cos lat0 / rho)
        lon = lon0 + atan2(x sin c, rho cos lat0 cos c - y sin lat0 sin c)
    """
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    lat0 = math.radians(ref_lat_deg)
    sin2 = math.sin(lat0) ** 2
    radius = WGS84_A_M * math.sqrt(1.0 - WGS84_E2) / (1.0 - WGS84_E2 * sin2) + ref_height_m
    rho = np.hypot(x, y)
    c = 2.0 * np.arctan2(rho, 2.0 * radius)
    safe_rho = np.where(rho > 0.0, rho, 1.0)
    sin_lat = np.cos(c) * math.sin(lat0) + np.where(rho > 0.0, y * np.sin(c) * math.cos(lat0) / safe_rho, 0.0)
    lat = np.degrees(np.arcsin(np.clip(sin_lat, -1.0, 1.0)))
    dlon = np.arctan2(x * np.sin(c), rho * math.cos(lat0) * np.cos(c) - y * math.sin(lat0) * np.sin(c))
    lon = (ref_lon_deg + np.degrees(dlon) + 180.0) % 360.0 - 180.0
    return lat, lon


def detections(
    reports: Sequence[Cat062Report], receive_time_s: float, config: AsterixConfig
) -> list[Detection]:
    """One position Detection per report, in order."""
    if not reports:
        return []
    times = tod_to_unix(np.array([r.time_of_day_s for r in reports]), receive_time_s)
    lat = np.array([np.nan if r.lat_deg is None else r.lat_deg for r in reports])
    lon = np.array([np.nan if r.lon_deg is None else r.lon_deg for r in reports])
    cartesian = np.isnan(lat)
    ref_lat, ref_lon = config.system_ref_lat_deg, config.system_ref_lon_deg
    if cartesian.any() and ref_lat is not None and ref_lon is not None:  # read() saw to both
        x = np.array([r.x_m for r, c in zip(reports, cartesian, strict=True) if c], dtype=float)
        y = np.array([r.y_m for r, c in zip(reports, cartesian, strict=True) if c], dtype=float)
        lat[cartesian], lon[cartesian] = stereographic_to_geodetic(
            x, y, ref_lat, ref_lon, config.system_ref_height_m
        )
    sensor: Sensor = config.sensor
    return [
        Detection(
            time_s=float(time_s),
            sensor_id=sensor.sensor_id,
            lat_deg=float(lat_i),
            lon_deg=float(lon_i),
            alt_m=r.alt_m,
            vel_e_ms=r.vel_e_ms,
            vel_n_ms=r.vel_n_ms,
            vel_u_ms=r.vel_u_ms,
            sigma_h_m=r.sigma_h_m,
            sigma_v_m=r.sigma_v_m,
            sigma_vel_ms=r.sigma_vel_ms,
            identity=r.identity,
            callsign=r.callsign,
            time_source="sensor",
        )
        for r, time_s, lat_i, lon_i in zip(reports, times, lat, lon, strict=True)
    ]
