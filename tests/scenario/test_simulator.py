"""The simulator loop: deterministic per seed, time-ordered, truth at every step, sensors on
their own schedules."""

from __future__ import annotations

import msgspec
import numpy as np
import pytest

from raqib.geo import enu_to_polar, geodetic_to_enu
from raqib.model import Detection, Sensor, Site, Truth
from raqib.scenario import Simulator, load_scenario, loads_scenario, simulate

SCENARIO = """
[scenario]
name = "schedule"
start_time = 2024-05-01T12:00:00Z
duration_s = 30

[site]
lat = 33.2625
lon = 44.2346
alt = 35

[[sensors]]
id = "radar-1"
kind = "radar"
lat = 33.2625
lon = 44.2346
alt = 40
pd = 1.0
period_s = 1.0
latency_s = LATENCY

[[sensors]]
id = "rid-1"
kind = "remoteid"
lat = 33.2625
lon = 44.2346
alt = 40
pd = 1.0
period_s = 2.0
phase_s = 0.5

[[targets]]
id = "d1"
class = "drone"
start_time_s = 2.0
broadcasts = ["remoteid"]
identity = "SN-1"
operator = { lat = 33.26, lon = 44.23 }
[targets.path]
waypoints = [[33.2715, 44.2346, 100], [33.2535, 44.2346, 100]]
speed_ms = 20
"""


def encoded(records: list) -> list[bytes]:
    return [msgspec.json.encode(r) for r in records]


def test_the_same_seed_gives_the_same_records() -> None:
    scenario = load_scenario("baghdad-rockets")
    first = encoded(list(simulate(scenario, seed=5)))
    assert first == encoded(list(simulate(scenario, seed=5)))
    other = encoded(list(simulate(scenario, seed=6)))
    assert first != other
    assert len(first) > 1000


def test_a_recording_is_site_then_sensors_then_time_ordered_lines() -> None:
    scenario = load_scenario("baghdad-rockets")
    records = list(simulate(scenario, seed=1))
    assert records[0] == scenario.site and isinstance(records[0], Site)
    assert records[1 : 1 + len(scenario.sensors)] == list(scenario.sensors)
    rest = records[1 + len(scenario.sensors) :]
    assert all(isinstance(r, Truth | Detection) for r in rest)
    times = [r.time_s for r in rest if isinstance(r, Truth | Detection)]
    assert times == sorted(times)
    assert {r.sensor_id for r in rest if isinstance(r, Detection)} == {"radar-1", "adsb-1", "rf-1"}
    assert all(0.0 <= t <= scenario.duration_s for t in times)


def test_every_flying_target_has_truth_at_every_step() -> None:
    scenario = loads_scenario(SCENARIO.replace("LATENCY", "0"))
    steps = list(Simulator(scenario, seed=0).scans())
    for time_s, _, truths in steps:
        ids = [t.target_id for t in truths]
        assert ids == (["d1"] if 2.0 <= time_s <= 2.0 + 2000.0 / 20.0 else [])
        assert all(t.time_s == time_s and t.target_class == "drone" for t in truths)


def test_sensors_scan_on_their_own_period_and_phase() -> None:
    scenario = loads_scenario(SCENARIO.replace("LATENCY", "0"))
    steps = list(Simulator(scenario, seed=0).scans())
    assert [t for t, _, _ in steps] == sorted(
        {float(t) for t in range(31)} | {0.5 + 2 * k for k in range(15)}
    )
    for time_s, detections, _ in steps:
        for detection in detections:
            assert detection.time_s == time_s
            if detection.sensor_id == "rid-1":
                assert (time_s - 0.5) % 2.0 == 0.0
                assert detection.identity == "SN-1" and detection.operator_lat_deg == 33.26
            else:
                assert time_s == int(time_s)


def test_late_scans_are_delivered_after_their_latency_with_their_own_time() -> None:
    scenario = loads_scenario(SCENARIO.replace("LATENCY", "0.3"))
    steps = list(Simulator(scenario, seed=0).scans())
    radar = [(time_s, d.time_s) for time_s, ds, _ in steps for d in ds if d.sensor_id == "radar-1"]
    assert radar and all(delivered == pytest.approx(measured + 0.3) for delivered, measured in radar)
    assert 1.3 in [t for t, _, _ in steps]


def test_radar_detections_follow_the_truth() -> None:
    scenario = load_scenario("single-drone")
    radar = scenario.sensors[0]
    origin = Site(lat_deg=radar.lat_deg, lon_deg=radar.lon_deg, alt_m=radar.alt_m)
    matched = 0
    for _time_s, detections, truths in Simulator(scenario, seed=2).scans():
        if not truths or not detections:
            continue
        (truth,) = truths
        e, n, u = geodetic_to_enu(truth.lat_deg, truth.lon_deg, truth.alt_m, origin)
        true_range, true_az, _true_el = enu_to_polar(np.array([float(e), float(n), float(u)]))
        (detection,) = detections
        assert detection.range_m is not None and detection.azimuth_deg is not None
        assert detection.range_m == pytest.approx(float(true_range), abs=5 * 5.0)
        assert abs((detection.azimuth_deg - float(true_az) + 180) % 360 - 180) < 5 * 0.3
        matched += 1
    assert matched > 100


def test_a_round_ends_on_the_ground_and_is_never_seen_again() -> None:
    scenario = load_scenario("single-rocket")
    records = list(simulate(scenario, seed=0))
    truths = [r for r in records if isinstance(r, Truth)]
    last = truths[-1]
    assert last.target_id == "round-1"
    assert last.alt_m == pytest.approx(scenario.site.alt_m, abs=0.01)
    assert last.vel_u_ms < -100.0
    assert 40.0 < last.time_s - 10.0 < 50.0  # a mortar's flight time
    detections = [r for r in records if isinstance(r, Detection)]
    assert len(detections) > 60  # a 0.5 s radar over a 44 s flight, pd 0.95
    assert all(d.time_s <= last.time_s for d in detections)  # no clutter here: nothing after impact
    assert all(t.time_s <= last.time_s for t in truths)


def test_sensor_records_carry_the_effective_accuracy() -> None:
    scenario = load_scenario("clutter-only")
    (radar,) = scenario.sensors
    assert isinstance(radar, Sensor) and radar.clutter_rate == 30.0 and radar.sigma_range_m == 10.0
    steps = list(Simulator(scenario, seed=3).scans())
    counts = [len(detections) for _, detections, _ in steps]
    assert np.mean(counts) == pytest.approx(30.0, rel=0.1)
    assert all(not truths for _, _, truths in steps)
