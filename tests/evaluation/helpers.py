"""Small hand-built recordings: a site, a radar at the site, truths on straight lines, exact
polar detections of them at 1 s scans, and tracks placed wherever a test wants them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from raqib.geo import enu_to_geodetic, enu_to_polar
from raqib.model import Detection, Sensor, Site, Track, Truth
from tests.tracks import placed_track

SITE = Site(lat_deg=33.2625, lon_deg=44.2346, alt_m=35.0, name="ORBI")
RADAR = Sensor(
    sensor_id="radar-1",
    kind="radar",
    lat_deg=SITE.lat_deg,
    lon_deg=SITE.lon_deg,
    alt_m=SITE.alt_m,
    sigma_range_m=5.0,
    sigma_azimuth_deg=0.2,
    sigma_elevation_deg=0.3,
    period_s=1.0,
)

# Two drones flying east, 400 m apart, for 10 s at 20 m/s.
STARTS = {"drone-a": np.array([-2000.0, 1000.0, 100.0]), "drone-b": np.array([-2000.0, 1400.0, 120.0])}
VELOCITY = np.array([20.0, 0.0, 0.0])
SCAN_TIMES = np.arange(0.0, 11.0)


def _split(enu: np.ndarray) -> tuple[float, float, float]:
    return float(enu[0]), float(enu[1]), float(enu[2])


def truth_enu(target: str, time_s: float) -> np.ndarray:
    return STARTS[target] + VELOCITY * time_s


def truth_records(times: np.ndarray = SCAN_TIMES) -> list[Truth]:
    records = []
    for target in STARTS:
        for t in times:
            lat, lon, alt = enu_to_geodetic(*_split(truth_enu(target, float(t))), SITE)
            records.append(
                Truth(
                    time_s=float(t),
                    target_id=target,
                    lat_deg=float(lat),
                    lon_deg=float(lon),
                    alt_m=float(alt),
                    vel_e_ms=20.0,
                )
            )
    return records


def detection_records(
    times: np.ndarray = SCAN_TIMES, targets: tuple[str, ...] = tuple(STARTS)
) -> list[Detection]:
    records = []
    for t in times:
        for target in targets:
            range_m, azimuth_deg, elevation_deg = enu_to_polar(truth_enu(target, float(t)))
            records.append(
                Detection(
                    time_s=float(t),
                    sensor_id="radar-1",
                    range_m=float(range_m),
                    azimuth_deg=float(azimuth_deg),
                    elevation_deg=float(elevation_deg),
                )
            )
    return records


def track_record(time_s: float, track_id: int, enu: np.ndarray) -> Track:
    return placed_track(SITE, track_id, time_s, enu, (20.0, 0.0, 0.0), sigmas_enu=None)


def tracks_following(
    assign: Callable[[float], dict[int, np.ndarray]], times: np.ndarray = SCAN_TIMES
) -> list[Track]:
    """Track records after each scan: ``assign(t)`` maps track id -> ENU position at t."""
    return [
        track_record(float(t), track_id, enu) for t in times for track_id, enu in assign(float(t)).items()
    ]


def _time_of(record: Truth | Detection) -> float:
    return record.time_s


def recording(times: np.ndarray = SCAN_TIMES) -> list[object]:
    records: list[object] = [SITE, RADAR]
    lines: list[Truth | Detection] = [*truth_records(times), *detection_records(times)]
    in_time_order = sorted(lines, key=_time_of)
    records.extend(in_time_order)
    return records


def contract_line(record: object) -> str:
    """One CONTRACT.md line, written here by hand so the test checks the reader against the contract."""
    if isinstance(record, Site):
        obj: dict[str, object] = {
            "type": "site",
            "lat": record.lat_deg,
            "lon": record.lon_deg,
            "alt": record.alt_m,
            "name": record.name,
        }
    elif isinstance(record, Sensor):
        obj = {
            "type": "sensor",
            "id": record.sensor_id,
            "kind": record.kind,
            "lat": record.lat_deg,
            "lon": record.lon_deg,
            "alt": record.alt_m,
            "sigma_range_m": record.sigma_range_m,
        }
    elif isinstance(record, Detection):
        obj = {
            "type": "detection",
            "time": record.time_s,
            "sensor": record.sensor_id,
            "range_m": record.range_m,
            "azimuth_deg": record.azimuth_deg,
            "elevation_deg": record.elevation_deg,
        }
    elif isinstance(record, Truth):
        obj = {
            "type": "truth",
            "time": record.time_s,
            "id": record.target_id,
            "lat": record.lat_deg,
            "lon": record.lon_deg,
            "alt": record.alt_m,
        }
    elif isinstance(record, Track):
        obj = {
            "type": "track",
            "time": record.time_s,
            "id": record.track_id,
            "lat": record.lat_deg,
            "lon": record.lon_deg,
            "alt": record.alt_m,
            "vel_e": record.vel_e_ms,
            "vel_n": record.vel_n_ms,
            "vel_u": record.vel_u_ms,
        }
    else:
        raise TypeError(type(record).__name__)
    return json.dumps(obj)


def write_lines(path: Path, records: Iterable[object]) -> None:
    path.write_text("".join(contract_line(record) + "\n" for record in records))
