"""Targets move as their scenario says: paths with bounded turns and climbs, birds that wander
within their area, rounds that fly under gravity and drag to the ground."""

from __future__ import annotations

import msgspec
import numpy as np
import pytest

from raqib.geo import geodetic_to_enu
from raqib.model import Site
from raqib.scenario.ballistics import (
    GRAVITY_MS2,
    drag_per_m,
    fly_to_impact,
    launch_velocity,
    solve_elevation,
)
from raqib.scenario.frames import SensorFrame, height_above_ground_m, up_for_height_m
from raqib.scenario.motion import Fleet
from raqib.scenario.spec import BallisticSpec, ErraticSpec, PathSpec, TargetSpec

SITE = Site(lat_deg=33.2625, lon_deg=44.2346, alt_m=35.0)


def latlon(east_m: float, north_m: float) -> tuple[float, float]:
    from raqib.geo import enu_to_geodetic

    lat, lon, _ = enu_to_geodetic(east_m, north_m, 0.0, SITE)
    return float(lat), float(lon)


def run(fleet: Fleet, until_s: float, step_s: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """Positions, velocities and flying flags sampled every step_s, and every ending."""
    positions, velocities, flying, endings = [], [], [], []
    for time_s in np.arange(step_s, until_s + 1e-9, step_s):
        endings += fleet.advance_to(float(time_s))
        positions.append(fleet.position_m.copy())
        velocities.append(fleet.velocity_ms.copy())
        flying.append(fleet.flying.copy())
    return np.array(positions), np.array(velocities), np.array(flying), endings


def path_target(points_en: list[tuple[float, float, float]], **fields: object) -> TargetSpec:
    waypoints = tuple((*latlon(e, n), h) for e, n, h in points_en)
    options = {"speed_ms": 40.0, "max_turn_rate_deg_s": 10.0, "max_climb_ms": 5.0, **fields}
    return TargetSpec(id="p", target_class="drone", path=PathSpec(waypoints=waypoints, **options))  # type: ignore[arg-type]


def test_a_path_passes_its_waypoints_at_constant_speed_and_ends_at_the_last() -> None:
    corners = [(0.0, 0.0, 100.0), (3000.0, 0.0, 100.0), (3000.0, 3000.0, 250.0), (0.0, 3000.0, 250.0)]
    fleet = Fleet([path_target(corners)], SITE, np.random.default_rng(0))
    positions, velocities, flying, endings = run(fleet, 400.0, 0.25)
    track = positions[flying[:, 0], 0]
    horizontal_speed = np.hypot(velocities[flying[:, 0], 0, 0], velocities[flying[:, 0], 0, 1])
    assert horizontal_speed == pytest.approx(40.0)
    for east, north, _ in corners[1:3]:
        # fly-by turns cut the corner by at most R (1 - cos 45deg) / cos 45deg for a 90deg turn
        radius = 40.0 / np.radians(10.0)
        assert np.hypot(track[:, 0] - east, track[:, 1] - north).min() < radius * 0.5
    (ending,) = endings
    assert ending.reason == "arrived"
    assert np.hypot(*(ending.position_m[:2] - np.array(corners[-1][:2]))) < 40.0 * 0.25 + 1.0
    assert height_above_ground_m(ending.position_m) == pytest.approx(250.0, abs=2.0)
    assert not flying[-1, 0]
    # heading changes at most 10 deg/s; climbs at most 5 m/s
    heading = np.unwrap(np.arctan2(velocities[flying[:, 0], 0, 0], velocities[flying[:, 0], 0, 1]))
    assert np.abs(np.diff(np.degrees(heading))).max() <= 10.0 * 0.25 + 1e-6
    assert np.abs(velocities[flying[:, 0], 0, 2]).max() <= 5.0 + 1e-9


def test_a_path_climbs_smoothly_between_waypoint_heights() -> None:
    fleet = Fleet([path_target([(0.0, 0.0, 0.0), (0.0, 4000.0, 400.0)])], SITE, np.random.default_rng(0))
    positions, _, flying, _ = run(fleet, 120.0, 1.0)
    heights = height_above_ground_m(positions[flying[:, 0], 0])
    assert np.all(np.diff(heights) >= -1e-6)
    assert heights[-1] == pytest.approx(400.0, abs=10.0)


def test_a_looping_path_keeps_flying_until_its_end_time() -> None:
    square = [(0.0, 0.0, 50.0), (800.0, 0.0, 50.0), (800.0, 800.0, 50.0), (0.0, 800.0, 50.0)]
    target = path_target(square, speed_ms=12.0, max_turn_rate_deg_s=30.0, loop=True)
    target = msgspec.structs.replace(target, end_time_s=700.0)
    fleet = Fleet([target], SITE, np.random.default_rng(0))
    positions, _, flying, endings = run(fleet, 720.0, 1.0)
    assert flying[:699, 0].all() and not flying[-1, 0]
    assert [e.reason for e in endings] == ["ended"]
    track = positions[:699, 0]
    assert track[:, 0].min() > -50 and track[:, 0].max() < 850 and track[:, 1].min() > -50
    assert track[:, 1].max() < 850
    laps = 700 * 12.0 / 3200.0  # over two laps: the start corner is passed again
    assert laps > 2 and np.hypot(track[400:, 0], track[400:, 1]).min() < 60.0


def test_targets_wait_for_their_start_time() -> None:
    target = path_target([(0.0, 0.0, 100.0), (5000.0, 0.0, 100.0)])
    late = msgspec.structs.replace(target, start_time_s=10.25)
    fleet = Fleet([late], SITE, np.random.default_rng(0))
    fleet.advance_to(10.0)
    assert not fleet.flying[0] and np.isnan(fleet.position_m[0]).all()
    fleet.advance_to(11.25)
    assert fleet.flying[0]
    assert fleet.position_m[0, 0] == pytest.approx(40.0, abs=0.01)  # exactly 1 s of flight


def test_birds_wander_at_their_speeds_and_heights_and_stay_near_their_area() -> None:
    lat, lon = latlon(1000.0, -500.0)
    bird = ErraticSpec(lat=lat, lon=lon, radius_m=300.0, alt_agl_m=(10.0, 50.0), speed_ms=(6.0, 12.0))
    birds = [TargetSpec(id=f"b{i}", target_class="bird", erratic=bird) for i in range(40)]
    fleet = Fleet(birds, SITE, np.random.default_rng(3))
    positions, velocities, flying, _ = run(fleet, 300.0, 1.0)
    assert flying.all()
    distance = np.hypot(positions[..., 0] - 1000.0, positions[..., 1] + 500.0)
    turn_radius = 12.0 / np.radians(45.0)
    assert distance.max() < 300.0 + 2 * turn_radius + 12.0
    assert np.median(distance) < 300.0
    speed = np.hypot(velocities[..., 0], velocities[..., 1])
    assert speed.min() >= 6.0 - 1e-9 and speed.max() <= 12.0 + 1e-9
    heights = height_above_ground_m(positions)
    assert heights.min() > 5.0 and heights.max() < 55.0
    # they do wander: headings change a lot over five minutes
    heading_change = np.abs(
        np.diff(np.unwrap(np.arctan2(velocities[..., 0], velocities[..., 1]), axis=0), axis=0)
    )
    assert np.degrees(heading_change.sum(axis=0)).min() > 90.0


def test_birds_are_the_same_for_the_same_seed() -> None:
    lat, lon = latlon(0.0, 0.0)
    bird = TargetSpec(id="b", target_class="bird", erratic=ErraticSpec(lat=lat, lon=lon, radius_m=200.0))
    first = run(Fleet([bird, bird], SITE, np.random.default_rng(9)), 60.0)[0]
    second = run(Fleet([bird, bird], SITE, np.random.default_rng(9)), 60.0)[0]
    other = run(Fleet([bird, bird], SITE, np.random.default_rng(10)), 60.0)[0]
    assert np.array_equal(first, second)
    assert not np.allclose(first, other)


def test_vacuum_range_matches_the_textbook_formula() -> None:
    velocity = launch_velocity(0.0, 45.0, 300.0)
    impact = fly_to_impact([0.0, 0.0, 0.0], velocity, 0.0)
    flat_range = 300.0**2 / GRAVITY_MS2
    landed = float(np.hypot(*impact.position_m[0, :2]))
    assert landed == pytest.approx(flat_range, rel=2e-3)  # the Earth's curve adds a few metres
    assert impact.time_s[0] == pytest.approx(2 * 300.0 * np.sin(np.radians(45.0)) / GRAVITY_MS2, rel=2e-3)
    assert height_above_ground_m(impact.position_m)[0] == pytest.approx(0.0, abs=0.01)


def test_drag_shortens_the_range() -> None:
    velocity = launch_velocity([30.0, 30.0, 30.0], [20.0, 20.0, 20.0], [375.0, 375.0, 375.0])
    k = [0.0, drag_per_m(12000.0), drag_per_m(6000.0)]
    impact = fly_to_impact(np.zeros((3, 3)), velocity, k)
    ranges = np.hypot(impact.position_m[:, 0], impact.position_m[:, 1])
    assert ranges[0] > ranges[1] > ranges[2]
    assert ranges[2] < 0.75 * ranges[0]
    assert np.degrees(np.arctan2(impact.position_m[:, 0], impact.position_m[:, 1])) == pytest.approx(30.0)


def test_solved_elevations_land_on_the_aim_point() -> None:
    launch = np.array([-6000.0, -1500.0, float(up_for_height_m(-6000.0, -1500.0, 0.0))])
    k = drag_per_m(6000.0)
    for aim, high in (((120.0, -40.0), False), ((120.0, -40.0), True), ((-3000.0, -800.0), False)):
        azimuth, elevation = solve_elevation(launch, aim, 375.0, k, high_angle=high)
        impact = fly_to_impact(launch, launch_velocity(azimuth, elevation, 375.0), k)
        assert impact.position_m[0, :2] == pytest.approx(aim, abs=0.5)
        assert (elevation > 45.0) == high
    with pytest.raises(ValueError, match="out of reach"):
        solve_elevation(launch, (60_000.0, 0.0), 375.0, k)


def test_a_simulated_round_lands_where_the_integrator_says() -> None:
    lat, lon = latlon(-5000.0, 0.0)
    spec = BallisticSpec(
        lat=lat,
        lon=lon,
        azimuth_deg=88.0,
        elevation_deg=30.0,
        speed_ms=350.0,
        ballistic_coefficient_kg_m2=5000.0,
    )
    fleet = Fleet(
        [TargetSpec(id="r", target_class="rocket", start_time_s=3.0, ballistic=spec)],
        SITE,
        np.random.default_rng(0),
    )
    _, _, flying, endings = run(fleet, 90.0, 0.5)
    (ending,) = endings
    launch_e, launch_n, _ = geodetic_to_enu(lat, lon, SITE.alt_m, SITE)
    launch = [float(launch_e), float(launch_n), float(up_for_height_m(launch_e, launch_n, 0.0))]
    expected = fly_to_impact(launch, launch_velocity(88.0, 30.0, 350.0), drag_per_m(5000.0))
    assert ending.reason == "impact"
    assert ending.time_s == pytest.approx(3.0 + expected.time_s[0], abs=0.01)
    assert ending.position_m[:2] == pytest.approx(expected.position_m[0, :2], abs=0.5)
    assert height_above_ground_m(ending.position_m) == pytest.approx(0.0, abs=1e-6)
    assert ending.velocity_ms[2] < 0
    assert not flying[-1, 0]


def test_a_sensor_frame_is_the_geodetic_round_trip() -> None:
    lat, lon = latlon(2500.0, -1800.0)
    frame = SensorFrame(SITE, lat, lon, 60.0)
    points = np.array([[0.0, 0.0, 0.0], [9000.0, -4000.0, 800.0], [-12000.0, 7000.0, 3000.0]])
    from raqib.geo import enu_to_geodetic

    plat, plon, palt = enu_to_geodetic(points[:, 0], points[:, 1], points[:, 2], SITE)
    e, n, u = geodetic_to_enu(plat, plon, palt, Site(lat_deg=lat, lon_deg=lon, alt_m=60.0))
    assert frame.to_sensor(points) == pytest.approx(np.stack([e, n, u], axis=1), abs=1e-3)
    assert frame.to_sensor(frame.position_m[None, :]) == pytest.approx(np.zeros((1, 3)), abs=1e-6)
