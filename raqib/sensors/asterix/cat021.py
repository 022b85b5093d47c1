"""CAT021 ADS-B target reports -> position Detections.

Items read (editions 2.1-2.7; the 0.23-0.26 differences noted):
    I021/010  SAC, SIC                      data source (the ground station)
    I021/080  target address                24-bit ICAO address
    I021/131  LAT, LON                      high-resolution WGS-84, 180/2^30 deg (in 0.2x,
                                            I131 is a signal amplitude and is not read)
    I021/130  LAT, LON                      WGS-84, 180/2^23 deg, when I131 is absent
    I021/071  time of applicability for position    } 1/128 s since UTC midnight, the first
    I021/073  time of reception for position        } present; 0.2x editions: I030 time of
    I021/077  time of report transmission           } day. None at all: the receive time.
    I021/140  geometric height              6.25 ft above the WGS-84 ellipsoid
    I021/145  flight level                  1/4 FL, pressure altitude (approximate height)
    I021/160  GS, TA                        ground speed 2^-14 NM/s, track angle 360/2^16 deg
    I021/157  GVR (else I021/155 BVR)       vertical rate, 6.25 ft/min
    I021/170  target identification         8 characters
    I021/040  SIM, TST, RAB                 simulated, test and field-monitor reports dropped
    I021/090  NACP, NUCPNIC                 position accuracy category (see below)
    I021/210  VN                            ADS-B version: 0 means I090 carries NUCp

Horizontal sigma. NACp (ADS-B versions 1 and 2) bounds the 95 % horizontal position error
(EPU); NUCp (version 0) gives a 95 % accuracy bound too. For a circular two-dimensional
normal error the 95 % radius is 2.45 sigma, so ``sigma_h_m = bound / 2.45``: NACp 8
(EPU < 0.05 NM = 92.6 m) gives 37.8 m, NACp 10 (< 10 m) gives 4.1 m. Category 0 (unknown)
and the reserved values give no sigma, nor do the 0.2x editions' figure of merit.
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

CATEGORY = 21
SIGMA_PER_95_BOUND_2D = 1.0 / 2.4477  # sqrt(-2 ln 0.05)
NM = items.NM_M

# 95 % horizontal position bound (m) per category; index = category value.
NACP_BOUND_M: tuple[float | None, ...] = (
    None, 10 * NM, 4 * NM, 2 * NM, 1 * NM, 0.5 * NM, 0.3 * NM, 0.1 * NM, 0.05 * NM, 30.0, 10.0, 3.0,
)  # fmt: skip
NUCP_BOUND_M: tuple[float | None, ...] = (
    None, 10 * NM, 5 * NM, 1 * NM, 0.5 * NM, 0.25 * NM, 0.1 * NM, 0.05 * NM, 10.0, 3.0,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Cat021Report:
    sac: int
    sic: int
    time_of_day_s: float | None  # None: the report carries no time
    identity: str
    lat_deg: float
    lon_deg: float
    test_target: bool
    alt_m: float | None = None
    ground_speed_ms: float | None = None
    track_deg: float | None = None
    vel_u_ms: float | None = None
    sigma_h_m: float | None = None
    callsign: str | None = None


def sigma_from_category(category: int | None, bounds: tuple[float | None, ...]) -> float | None:
    """One-sigma horizontal error (m) from a NACp or NUCp value and its table of 95 % bounds."""
    if category is None or not 0 <= category < len(bounds):
        return None
    bound = bounds[category]
    return None if bound is None else bound * SIGMA_PER_95_BOUND_2D


def read(record: Any) -> Cat021Report | None:
    """One record, or None for a report without a position (velocity or status only)."""
    sac, sic = items.source(record)
    identity = items.icao_address(record, "080")
    if identity is None:
        raise items.RecordError("no target address I021/080")
    tod = items.first_si(record, ("071",), ("073",), ("030",), ("077",))
    if tod is not None and not 0.0 <= tod < SECONDS_PER_DAY:
        raise items.RecordError(f"time of day {tod:.3f} s is past midnight (is the edition right?)")
    lat, lon = items.si(record, "131", "LAT"), items.si(record, "131", "LON")
    if lat is None or lon is None:
        lat, lon = items.si(record, "130", "LAT"), items.si(record, "130", "LON")
    if lat is None or lon is None:
        return None
    if abs(lat) > 90.0 or abs(lon) > 180.0:
        raise items.RecordError(f"position {lat:.4f}, {lon:.4f} is off the earth (is the edition right?)")
    test = (
        items.flag(record, "040", "SIM")
        or items.flag(record, "040", "TST")
        or items.flag(record, "040", "RAB")
    )
    # 2.x: groups with a range-exceeded bit; 0.2x: single elements.
    vertical = items.first_si(record, ("157", "GVR"), ("155", "BVR"), ("157",), ("155",))
    height = items.si(record, "140")
    return Cat021Report(
        sac=sac,
        sic=sic,
        time_of_day_s=tod,
        identity=identity,
        lat_deg=lat,
        lon_deg=lon,
        test_target=test,
        alt_m=height if height is not None else items.si(record, "145"),
        ground_speed_ms=items.si(record, "160", "GS"),
        track_deg=items.si(record, "160", "TA"),
        vel_u_ms=vertical,
        sigma_h_m=_sigma_h(record),
        callsign=items.text(record, "170"),
    )


def _sigma_h(record: Any) -> float | None:
    nacp = items.uint(record, "090", "NACP")
    if nacp is not None:
        return sigma_from_category(nacp, NACP_BOUND_M)
    if items.uint(record, "210", "VN") == 0:
        return sigma_from_category(items.uint(record, "090", "NUCPNIC"), NUCP_BOUND_M)
    return None


def detections(reports: Sequence[Cat021Report], receive_time_s: float, sensor: Sensor) -> list[Detection]:
    """One position Detection per report, in order."""
    if not reports:
        return []
    tods = np.array([math.nan if r.time_of_day_s is None else r.time_of_day_s for r in reports])
    times = np.where(np.isnan(tods), receive_time_s, tod_to_unix(np.nan_to_num(tods), receive_time_s))
    speed = np.array([math.nan if r.ground_speed_ms is None else r.ground_speed_ms for r in reports])
    track = np.radians([math.nan if r.track_deg is None else r.track_deg for r in reports])
    vel_e = speed * np.sin(track)
    vel_n = speed * np.cos(track)
    return [
        Detection(
            time_s=float(time_s),
            sensor_id=sensor.sensor_id,
            lat_deg=r.lat_deg,
            lon_deg=r.lon_deg,
            alt_m=r.alt_m,
            vel_e_ms=None if math.isnan(ve) else float(ve),
            vel_n_ms=None if math.isnan(vn) else float(vn),
            vel_u_ms=r.vel_u_ms,
            sigma_h_m=r.sigma_h_m,
            identity=r.identity,
            callsign=r.callsign,
            time_source="receive" if r.time_of_day_s is None else "sensor",
        )
        for r, time_s, ve, vn in zip(reports, times, vel_e, vel_n, strict=True)
    ]
