"""The simulator's speed: one radar scan over many targets and clutter, and whole scenarios.

Run: .venv/bin/python bench/simulate.py

Prints the mean time of one radar scan over 1000 flying targets with 1000 clutter detections
(the target: a few milliseconds), and the wall time and real-time factor of simulating each
built-in scenario."""

from __future__ import annotations

import time

import numpy as np

from raqib.geo import enu_to_geodetic
from raqib.model import Site
from raqib.scenario import list_scenarios, load_scenario, simulate
from raqib.scenario.sensor_models import TargetStates, TargetTable, sensor_model
from raqib.scenario.spec import PathSpec, SensorSpec, TargetSpec

SITE = Site(lat_deg=33.2625, lon_deg=44.2346, alt_m=35.0)


def radar_scan(targets: int, clutter: float, repeats: int = 50) -> float:
    """Mean seconds per scan of one radar over ``targets`` flying targets plus Poisson clutter."""
    spec = SensorSpec(
        id="radar-1",
        kind="radar",
        lat=33.2625,
        lon=44.2346,
        alt=45.0,
        sigma_range_m=10.0,
        sigma_azimuth_deg=0.5,
        sigma_elevation_deg=0.5,
        sigma_range_rate_ms=0.5,
        pd=0.9,
        clutter_rate=clutter,
        max_range_m=15000.0,
    )
    path = PathSpec(waypoints=((33.0, 44.0, 100.0), (33.1, 44.0, 100.0)), speed_ms=30.0)
    fleet = [TargetSpec(id=f"t{i}", target_class="drone", path=path, rcs_dbsm=-15.0) for i in range(targets)]
    rng = np.random.default_rng(0)
    azimuth = rng.uniform(0, 2 * np.pi, targets)
    distance = rng.uniform(500, 12000, targets)
    position = np.stack(
        [distance * np.sin(azimuth), distance * np.cos(azimuth), rng.uniform(30, 500, targets)], 1
    )
    lat, lon, alt = enu_to_geodetic(position[:, 0], position[:, 1], position[:, 2], SITE)
    states = TargetStates(position, np.zeros_like(position), np.ones(targets, bool), lat, lon, alt)
    model = sensor_model(spec, SITE, TargetTable.of(fleet), np.random.default_rng(1))
    model.scan(0.0, states)
    start = time.perf_counter()
    detections = 0
    for k in range(repeats):
        detections += len(model.scan(float(k), states))
    elapsed = (time.perf_counter() - start) / repeats
    print(
        f"radar scan: {targets} targets + {clutter:.0f} clutter -> {detections / repeats:.0f} detections "
        f"in {elapsed * 1e3:.2f} ms"
    )
    return elapsed


def scenarios() -> None:
    for name in list_scenarios():
        scenario = load_scenario(name)
        start = time.perf_counter()
        records = sum(1 for _ in simulate(scenario, seed=0))
        elapsed = time.perf_counter() - start
        print(
            f"{name:18} {scenario.duration_s:6.0f} s simulated: {records:7d} records in {elapsed:5.2f} s "
            f"({scenario.duration_s / elapsed:5.0f}x real time, {records / elapsed / 1e3:4.0f} k records/s)"
        )


if __name__ == "__main__":
    radar_scan(1000, 1000.0)
    radar_scan(100, 10.0)
    scenarios()
