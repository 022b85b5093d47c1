"""Simulated sensors measure what they should: noise, detection probability, clutter, coverage."""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np
import pytest
from scipy import stats

from raqib.geo import enu_to_geodetic, enu_to_polar, geodetic_to_enu, wrap_deg
from raqib.model import Detection, Site
from raqib.scenario.sensor_models import TargetStates, TargetTable, sensor_model
from raqib.scenario.spec import SENSOR_DEFAULTS, PathSpec, Point, SensorSpec, TargetSpec

SITE = Site(lat_deg=33.2625, lon_deg=44.2346, alt_m=35.0)
PATH = PathSpec(waypoints=((33.0, 44.0, 0.0), (33.1, 44.0, 0.0)), speed_ms=10.0)


def sensor(kind: str, **fields: Any) -> SensorSpec:
    base = {"id": f"{kind}-1", "kind": kind, "lat": 33.27, "lon": 44.22, "alt": 50.0, "period_s": 1.0}
    base.update(SENSOR_DEFAULTS[kind])
    base.update(fields)
    return SensorSpec(**base)  # type: ignore[arg-type]


def targets(count: int, **fields: Any) -> list[TargetSpec]:
    return [
        TargetSpec(id=f"t{i}", target_class="drone", path=PATH, rcs_dbsm=-10.0, **fields)
        for i in range(count)
    ]


def states(position_m: np.ndarray, flying: np.ndarray | None = None) -> TargetStates:
    lat, lon, alt = enu_to_geodetic(position_m[:, 0], position_m[:, 1], position_m[:, 2], SITE)
    fly = np.ones(len(position_m), bool) if flying is None else flying
    velocity = np.tile([3.0, -4.0, 0.5], (len(position_m), 1))
    return TargetStates(position_m, velocity, fly, np.atleast_1d(lat), np.atleast_1d(lon), np.atleast_1d(alt))


def ring(count: int, range_m: float, up_m: float, rng: np.random.Generator) -> np.ndarray:
    azimuth = rng.uniform(0, 2 * np.pi, count)
    return np.stack([range_m * np.sin(azimuth), range_m * np.cos(azimuth), np.full(count, up_m)], axis=1)


def radar_truth(spec: SensorSpec, position_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Range, azimuth, elevation in the sensor's own frame, through WGS84 (not SensorFrame)."""
    lat, lon, alt = enu_to_geodetic(position_m[:, 0], position_m[:, 1], position_m[:, 2], SITE)
    e, n, u = geodetic_to_enu(lat, lon, alt, Site(lat_deg=spec.lat, lon_deg=spec.lon, alt_m=spec.alt))
    return enu_to_polar(np.stack([np.atleast_1d(e), np.atleast_1d(n), np.atleast_1d(u)], axis=1))


def test_radar_noise_matches_its_sigmas() -> None:
    spec = sensor(
        "radar",
        sigma_range_m=12.0,
        sigma_azimuth_deg=0.7,
        sigma_elevation_deg=0.4,
        pd=1.0,
        sigma_range_rate_ms=0.8,
    )
    position = np.array([[-2500.0, 3100.0, 600.0]])
    true_range, true_az, true_el = radar_truth(spec, position)
    model = sensor_model(spec, SITE, TargetTable.of(targets(1)), np.random.default_rng(2))
    detections = [d for t in range(4000) for d in model.scan(float(t), states(position))]
    assert len(detections) == 4000
    range_error = np.array([d.range_m for d in detections], float) - true_range[0]
    az_error = wrap_deg(np.array([d.azimuth_deg for d in detections], float) - true_az[0])
    el_error = np.array([d.elevation_deg for d in detections], float) - true_el[0]
    rate_error = np.array([d.range_rate_ms for d in detections], float)
    rate_error -= np.mean(rate_error)
    assert np.std(range_error) == pytest.approx(12.0, rel=0.05)
    assert np.std(az_error) == pytest.approx(0.7, rel=0.05)
    assert np.std(el_error) == pytest.approx(0.4, rel=0.05)
    assert np.std(rate_error) == pytest.approx(0.8, rel=0.05)
    # unbiased: the means are within 4 standard errors of the truth
    for errors, sigma in ((range_error, 12.0), (az_error, 0.7), (el_error, 0.4)):
        assert abs(np.mean(errors)) < 4 * sigma / np.sqrt(4000)
    assert all(d.sensor_id == "radar-1" and d.is_polar and d.rcs_dbsm is not None for d in detections)
    assert [d.time_s for d in detections[:3]] == [0.0, 1.0, 2.0]


def test_radar_range_rate_is_the_radial_speed() -> None:
    spec = sensor(
        "radar",
        sigma_range_m=0.0,
        sigma_azimuth_deg=0.0,
        sigma_elevation_deg=0.0,
        pd=1.0,
        sigma_range_rate_ms=0.0,
        lat=SITE.lat_deg,
        lon=SITE.lon_deg,
        alt=SITE.alt_m,
    )
    position = np.array([[3000.0, 4000.0, 0.0]])  # 5 km away, bearing 36.87 deg
    model = sensor_model(spec, SITE, TargetTable.of(targets(1)), np.random.default_rng(2))
    (detection,) = model.scan(0.0, states(position))
    assert detection.range_rate_ms == pytest.approx((3.0 * 3000 - 4.0 * 4000) / 5000, abs=1e-3)
    assert detection.range_m == pytest.approx(5000.0, abs=0.01)
    assert detection.azimuth_deg == pytest.approx(36.8699, abs=1e-3)


def test_radar_detection_probability_matches_pd() -> None:
    spec = sensor("radar", pd=0.73)
    model = sensor_model(spec, SITE, TargetTable.of(targets(500)), np.random.default_rng(5))
    position = ring(500, 3000.0, 300.0, np.random.default_rng(6))
    counts = [len(model.scan(float(t), states(position))) for t in range(40)]
    assert np.sum(counts) / (500 * 40) == pytest.approx(0.73, abs=0.01)


def test_radar_sees_only_flying_targets_within_its_field_of_view() -> None:
    spec = sensor(
        "radar",
        pd=1.0,
        max_range_m=5000.0,
        min_range_m=200.0,
        azimuth_min_deg=300.0,
        azimuth_max_deg=420.0,
        elevation_min_deg=0.0,
        elevation_max_deg=30.0,
        lat=SITE.lat_deg,
        lon=SITE.lon_deg,
        alt=SITE.alt_m,
    )
    rng = np.random.default_rng(3)
    count = 4000
    azimuth = rng.uniform(0, 360, count)
    range_m = rng.uniform(50, 7000, count)
    elevation = rng.uniform(-10, 60, count)
    position = np.stack(
        [
            range_m * np.cos(np.radians(elevation)) * np.sin(np.radians(azimuth)),
            range_m * np.cos(np.radians(elevation)) * np.cos(np.radians(azimuth)),
            range_m * np.sin(np.radians(elevation)),
        ],
        axis=1,
    )
    flying = rng.random(count) < 0.8
    model = sensor_model(spec, SITE, TargetTable.of(targets(count)), np.random.default_rng(4))
    detections = model.scan(0.0, states(position, flying))
    true_range, true_az, true_el = enu_to_polar(position)
    expected = (
        flying
        & (true_range >= 200)
        & (true_range <= 5000)
        & ((true_az >= 300) | (true_az <= 60))
        & (true_el >= 0)
        & (true_el <= 30)
    )
    assert len(detections) == int(expected.sum())
    assert all(d.range_m is not None and 150 < d.range_m < 5050 for d in detections)


def test_clutter_count_is_poisson_and_fills_the_field_of_view() -> None:
    spec = sensor(
        "radar",
        pd=1.0,
        clutter_rate=25.0,
        max_range_m=8000.0,
        min_range_m=500.0,
        azimuth_min_deg=-45.0,
        azimuth_max_deg=45.0,
        elevation_min_deg=0.0,
        elevation_max_deg=20.0,
    )
    model = sensor_model(spec, SITE, TargetTable.of([]), np.random.default_rng(11))
    empty = states(np.zeros((0, 3)))
    scans = [model.scan(float(t), empty) for t in range(600)]
    counts = np.array([len(s) for s in scans])
    assert counts.mean() == pytest.approx(25.0, rel=0.03)
    assert counts.var() == pytest.approx(25.0, rel=0.15)  # Poisson: variance = mean
    clutter = [d for s in scans for d in s]
    ranges = np.array([d.range_m for d in clutter])
    azimuths = wrap_deg(np.array([d.azimuth_deg for d in clutter]))
    elevations = np.array([d.elevation_deg for d in clutter])
    assert ranges.min() >= 500 and ranges.max() <= 8000
    assert azimuths.min() >= -45 and azimuths.max() <= 45
    assert elevations.min() >= 0 and elevations.max() <= 20
    # uniform over the volume: range density ~ r^2, azimuth uniform, sin(elevation) uniform
    range_cdf = lambda r: (r**3 - 500.0**3) / (8000.0**3 - 500.0**3)  # noqa: E731
    assert stats.kstest(ranges, range_cdf).pvalue > 0.001
    assert stats.kstest(azimuths, stats.uniform(-45, 90).cdf).pvalue > 0.001
    sin_top = np.sin(np.radians(20.0))
    assert stats.kstest(np.sin(np.radians(elevations)) / sin_top, "uniform").pvalue > 0.001
    assert np.median([d.rcs_dbsm for d in clutter]) == pytest.approx(spec.clutter_rcs_dbsm, abs=0.5)


def test_adsb_reports_only_equipped_targets_with_their_identity() -> None:
    spec = sensor("adsb", pd=1.0, sigma_h_m=20.0, sigma_v_m=10.0)
    fleet = [
        TargetSpec(
            id=f"t{i}",
            target_class="aircraft",
            path=PATH,
            broadcasts=("adsb",) if i % 3 == 0 else (),
            identity=f"{0x738000 + i:06X}",
            callsign=f"IAW{i}",
        )
        for i in range(900)
    ]
    model = sensor_model(spec, SITE, TargetTable.of(fleet), np.random.default_rng(8))
    position = ring(900, 20_000.0, 3000.0, np.random.default_rng(9))
    truth = states(position)
    detections = model.scan(3.0, truth)
    assert len(detections) == 300
    by_identity = {d.identity: d for d in detections}
    assert set(by_identity) == {f"{0x738000 + i:06X}" for i in range(0, 900, 3)}
    north_errors, up_errors = [], []
    for i in range(0, 900, 3):
        d = by_identity[f"{0x738000 + i:06X}"]
        assert d.is_position and d.callsign == f"IAW{i}" and d.class_hint == "aircraft"
        _e, n, u = geodetic_to_enu(d.lat_deg, d.lon_deg, d.alt_m, SITE)
        north_errors.append(float(n) - position[i, 1])
        up_errors.append(float(u) - position[i, 2])
        assert d.vel_e_ms == pytest.approx(3.0, abs=6) and d.operator_lat_deg is None
    assert np.std(north_errors) == pytest.approx(20.0, rel=0.15)
    assert np.std(up_errors) == pytest.approx(10.0, rel=0.15)


def test_remote_id_is_heard_only_within_receive_range() -> None:
    spec = sensor("remoteid", pd=1.0, max_range_m=2000.0, lat=SITE.lat_deg, lon=SITE.lon_deg, alt=SITE.alt_m)
    fleet = targets(400, broadcasts=("remoteid",), identity="SERIAL", operator=Point(lat=33.26, lon=44.23))
    fleet = [msgspec.structs.replace(t, identity=f"SN{i:04d}") for i, t in enumerate(fleet)]
    distances = np.linspace(100.0, 4000.0, 400)
    position = np.stack([distances, np.zeros(400), np.full(400, 60.0)], axis=1)
    model = sensor_model(spec, SITE, TargetTable.of(fleet), np.random.default_rng(1))
    detections = model.scan(0.0, states(position))
    heard = {int(d.identity[2:]) for d in detections if d.identity}
    expected = {i for i in range(400) if np.hypot(distances[i], 60.0 - 10.0) <= 2000.0}
    assert heard == expected
    assert all(d.operator_lat_deg == 33.26 and d.operator_lon_deg == 44.23 for d in detections)
    assert all(d.class_hint == "drone" for d in detections)


def test_rf_bearings_match_truth_within_noise_and_only_for_emitters() -> None:
    spec = sensor("rf", pd=1.0, sigma_azimuth_deg=2.5, max_range_m=6000.0)
    count = 2000
    fleet = [msgspec.structs.replace(t, rf_emitter=i % 2 == 0) for i, t in enumerate(targets(count))]
    rng = np.random.default_rng(21)
    position = ring(count, 3000.0, 200.0, rng)
    model = sensor_model(spec, SITE, TargetTable.of(fleet), np.random.default_rng(22))
    detections = model.scan(1.0, states(position))
    assert len(detections) == count // 2
    assert all(d.is_bearing and d.elevation_deg is None for d in detections)
    _, true_az, _ = radar_truth(spec, position[::2])
    measured = np.sort(np.array([d.azimuth_deg for d in detections]))
    # bearings of emitters only: the sorted sets agree within a few sigmas everywhere
    errors = wrap_deg(measured - np.sort(true_az))
    assert np.abs(errors).max() < 5 * 2.5
    with_elevation = sensor_model(
        sensor("rf", pd=1.0, sigma_elevation_deg=3.0), SITE, TargetTable.of(fleet), np.random.default_rng(1)
    )
    assert all(d.elevation_deg is not None for d in with_elevation.scan(1.0, states(position)))


def test_rf_bearing_noise_matches_sigma() -> None:
    spec = sensor("rf", pd=1.0, sigma_azimuth_deg=1.5, lat=SITE.lat_deg, lon=SITE.lon_deg, alt=SITE.alt_m)
    model = sensor_model(spec, SITE, TargetTable.of(targets(1, rf_emitter=True)), np.random.default_rng(4))
    position = np.array([[1000.0, 1000.0, 100.0]])
    bearings = [model.scan(float(t), states(position))[0].azimuth_deg for t in range(3000)]
    errors = wrap_deg(np.array(bearings, float) - 45.0)
    assert np.std(errors) == pytest.approx(1.5, rel=0.06)
    assert abs(np.mean(errors)) < 0.1


def test_a_sensor_reports_nothing_of_targets_not_flying() -> None:
    position = ring(50, 1000.0, 100.0, np.random.default_rng(0))
    grounded = np.zeros(50, bool)
    fleet = targets(
        50, rf_emitter=True, broadcasts=("adsb", "remoteid"), identity="X", operator=Point(lat=33.0, lon=44.0)
    )
    for kind in ("radar", "adsb", "remoteid", "rf"):
        model = sensor_model(sensor(kind, pd=1.0), SITE, TargetTable.of(fleet), np.random.default_rng(0))
        assert model.scan(0.0, states(position, grounded)) == []


def test_detections_are_plain_contract_records() -> None:
    model = sensor_model(
        sensor("radar", clutter_rate=5.0), SITE, TargetTable.of(targets(10)), np.random.default_rng(0)
    )
    for detection in model.scan(2.5, states(ring(10, 2000.0, 100.0, np.random.default_rng(1)))):
        assert type(detection) is Detection
        assert isinstance(detection.range_m, float) and isinstance(detection.azimuth_deg, float)
