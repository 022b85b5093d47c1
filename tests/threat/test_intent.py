"""The goal posterior (raqib.threat.intent): which zone a drone in straight flight is heading
for, from its heading. Small scenes with known answers."""

from __future__ import annotations

import msgspec
import numpy as np

from raqib.alerts.engine import AlertConfig
from raqib.model import Site, Threat, Track, Zone
from raqib.threat.intent import IntentConfig, angular_intervals, goal_posterior
from raqib.threat.zones import ZoneGeometry
from tests.threat.tracks import drone_track

RAISE = AlertConfig().raise_probability
SITE = Site(name="test", lat_deg=33.3, lon_deg=44.4, alt_m=40.0)


def _square(zone_id: str, east0: float, east1: float, north0: float, north1: float) -> ZoneGeometry:
    from raqib.geo import enu_to_geodetic

    corners = [(east0, north0), (east1, north0), (east1, north1), (east0, north1)]
    lat, lon, _ = enu_to_geodetic(
        np.array([c[0] for c in corners]), np.array([c[1] for c in corners]), 0.0, SITE
    )
    zone = Zone(zone_id=zone_id, name=zone_id, polygon=tuple(zip(lat.tolist(), lon.tolist(), strict=True)))
    return ZoneGeometry.from_zone(zone, SITE)


BLOCKS = [_square("west", -400.0, -100.0, -150.0, 150.0), _square("east", 100.0, 400.0, -150.0, 150.0)]


def _posterior(position, heading_deg: float, heading_sigma_deg: float, zones, speed_ms: float = 30.0):
    """One drone at ``position`` flying ``heading_deg`` (clockwise from north) with that heading
    uncertainty (isotropic velocity covariance)."""
    heading = np.radians(heading_deg)
    velocity = speed_ms * np.array([[np.sin(heading), np.cos(heading)]])
    sigma_v = speed_ms * np.radians(heading_sigma_deg)
    cov = np.eye(2)[None] * sigma_v**2
    return goal_posterior(np.array([position], float), velocity, cov, zones, 240.0)


def _bearing_deg(start, end) -> float:
    return float(np.degrees(np.arctan2(end[0] - start[0], end[1] - start[1])))


def test_the_interval_of_a_block_seen_from_far_is_its_angular_width() -> None:
    lo, hi = angular_intervals(np.array([[-250.0, 5000.0]]), BLOCKS[:1])
    # 300 m across at 4.85-5.15 km: a little over 3.3 degrees.
    assert 3.2 < np.degrees(hi - lo)[0, 0] < 3.6


def test_a_drone_pointing_at_one_of_two_adjacent_blocks_from_4_km_is_heading_for_it_alone() -> None:
    start = (-250.0 - 2800.0, 2800.0)
    to_west = _bearing_deg(start, (-250.0, 0.0))
    goals = _posterior(start, to_west, 1.0, BLOCKS)
    west, east = goals.probability[0]
    assert west >= 0.6  # well above the alert engine's raise probability
    assert east < 0.2  # below its hold probability
    assert goals.time_to_zone_s[0, 0] < 4000.0 / 30.0


def test_a_drone_pointing_between_two_blocks_is_heading_for_one_of_them_and_neither_is_preferred() -> None:
    """A heading at the 200 m gap between the blocks, 5 km out, is an attacker's aim at one
    of them, off by about its own spread: the two share the goal evenly, each below what a
    heading squarely on one gives it, and together well above the prior (both are at risk)."""
    start = (-3500.0, 3500.0)
    for sigma_deg in (1.0, 4.0, 8.0):
        gap = _posterior(start, _bearing_deg(start, (0.0, 0.0)), sigma_deg, BLOCKS).probability[0]
        west_on = _posterior(start, _bearing_deg(start, (-250.0, 0.0)), sigma_deg, BLOCKS).probability[0]
        assert abs(gap[0] - gap[1]) < 0.05
        assert gap[0] < west_on[0] and gap[1] < west_on[0]
        assert gap.sum() > 0.6


def test_a_drone_heading_for_the_far_block_crosses_the_near_one_on_its_way() -> None:
    """From 4 km west, on the line through both blocks: the heading cannot tell which block is
    the goal, but either way the drone flies into the west block first. The west block gets
    the east block's goal as well (the east block hides behind it almost entirely); the east
    block gets nothing of the west one's (a drone heading for the west block stops there)."""
    goals = _posterior((-4250.0, 0.0), 90.0, 2.0, BLOCKS)
    west, east = goals.probability[0]
    through_west, through_east = goals.through_probability[0]
    assert abs(west - east) < 0.2  # the heading alone does not tell them apart
    assert west < RAISE + 0.15
    assert through_east == 0.0
    assert 0.8 * east <= through_west <= east
    assert west + through_west >= 0.6


def test_a_farther_zone_beside_the_course_lends_nothing_to_the_near_one() -> None:
    """Aimed at a block 4 km ahead, passing a shed 2 km ahead 300 m to one side: the shed is
    nearer but beside the course, not across it, so the block's goal puts nothing on it."""
    block = _square("block", -150.0, 150.0, -150.0, 150.0)
    shed = _square("shed", 300.0, 600.0, 1900.0, 2200.0)
    goals = _posterior((0.0, 4150.0), 180.0, 1.0, [block, shed])
    assert goals.probability[0, 0] > 0.5
    assert goals.through_probability[0, 1] == 0.0


def test_a_goal_beyond_the_horizon_still_crosses_a_zone_within_it() -> None:
    """The near block 3 km ahead is in reach; a depot 7 km ahead on the same line is not
    (5.5 km): the depot is not reported, but a drone heading for it crosses the block."""
    block = _square("block", -150.0, 150.0, 2850.0, 3150.0)
    depot = _square("depot", -400.0, 400.0, -400.0, 400.0)
    goals = _posterior((0.0, 6000.0), 180.0, 1.0, [block, depot])
    assert goals.probability[0, 1] == 0.0 and goals.through_probability[0, 1] == 0.0
    assert goals.through_probability[0, 0] > 0.1
    assert goals.probability[0, 0] + goals.through_probability[0, 0] > 0.7


def test_pointing_at_a_large_zone_close_by_is_weak_evidence() -> None:
    """A 400 m depot 400 m away spans 53 degrees: a loiterer's straight leg at it is no sign
    of an attack, where the same heading at a small zone 4 km away is."""
    depot = _square("depot", -200.0, 200.0, 600.0, 1000.0)
    near = _posterior((0.0, 1400.0), 180.0, 3.0, [depot], speed_ms=8.0)
    assert near.probability[0, 0] < RAISE
    far_block = _square("block", -150.0, 150.0, -150.0, 150.0)
    far = _posterior((0.0, 4000.0), 180.0, 1.0, [far_block])
    assert far.probability[0, 0] > 0.7


def test_an_unknown_heading_leaves_the_prior() -> None:
    goals = _posterior((-3500.0, 3500.0), 135.0, 170.0, BLOCKS)
    prior = IntentConfig().goal_prior
    assert np.all(goals.probability[0] < 2 * prior)
    assert goals.none_probability[0] > 0.85


def test_a_zone_out_of_reach_competes_for_the_heading_but_is_not_reported() -> None:
    far = _square("far", -150.0, 150.0, -150.0, 150.0)
    start = (0.0, 6000.0)  # 5.85 km from its edge, beyond intent's 5.5 km
    goals = _posterior(start, 180.0, 1.0, [far])
    assert goals.probability[0, 0] == 0.0 and np.isinf(goals.time_to_zone_s[0, 0])
    assert goals.none_probability[0] < 0.5  # the heading still says it is going there
    slow = _posterior((0.0, 4000.0), 180.0, 1.0, [far], speed_ms=10.0)  # 385 s away: beyond 240 s
    assert slow.probability[0, 0] == 0.0


def test_a_slow_drone_is_read_as_far_out_as_a_fast_one() -> None:
    """The horizon is a distance: a 25 m/s drone pointing at a block 4.6 km away (184 s) is
    heading for it as surely as a 40 m/s one (115 s). A 150 s horizon hid the slow one's goal
    until it was 3.7 km out."""
    block = _square("block", -150.0, 150.0, -150.0, 150.0)
    for speed_ms in (25.0, 40.0):
        goals = _posterior((0.0, 4750.0), 180.0, 1.0, [block], speed_ms=speed_ms)
        assert goals.probability[0, 0] > 0.7
        assert abs(goals.time_to_zone_s[0, 0] - 4600.0 / speed_ms) < 1.0


def test_a_drone_inside_a_zone_is_not_heading_for_it_and_a_hover_says_nothing() -> None:
    block = BLOCKS[0]
    inside = _posterior((-250.0, 0.0), 90.0, 1.0, [block])
    assert inside.probability[0, 0] == 0.0
    hover = _posterior((-250.0, 2000.0), 180.0, 1.0, [block], speed_ms=1.0)
    assert hover.probability[0, 0] == 0.0


# ------------------------------------------------------------------ through the evaluator


def _zone_latlon(zone_id: str, east0: float, east1: float, north0: float, north1: float) -> Zone:
    return _square(zone_id, east0, east1, north0, north1).zone


def _track(time_s: float, east: float, north: float, ve: float, vn: float, sigma_v: float = 1.0) -> Track:
    return drone_track(
        time_s, east, north, ve, vn, cov_diag=(100.0, 100.0, 100.0, sigma_v**2, sigma_v**2, 1.0), up_m=60.0
    )


def _polygon_path(corners: np.ndarray, speed_ms: float, duration_s: float, step_s: float = 0.5):
    """Positions and velocities flying round a closed polygon at constant speed."""
    legs = np.roll(corners, -1, axis=0) - corners
    lengths = np.linalg.norm(legs, axis=1)
    ends = np.cumsum(lengths)
    times = np.arange(0.0, duration_s, step_s)
    along = (times * speed_ms) % ends[-1]
    leg = np.searchsorted(ends, along, side="right")
    start = ends[leg] - lengths[leg]
    unit = legs[leg] / lengths[leg, None]
    return times, corners[leg] + unit * (along - start)[:, None], unit * speed_ms


def _alerts(zones: list[Zone], times, positions, velocities) -> list:
    from raqib.alerts.engine import AlertEngine
    from raqib.threat.evaluate import ThreatEvaluator

    evaluator = ThreatEvaluator(SITE, zones)
    engine = AlertEngine()
    rng = np.random.default_rng(5)
    for time_s, pos, vel in zip(times, positions, velocities, strict=True):
        noisy = pos + rng.normal(0.0, 5.0, 2)
        engine.update(evaluator.evaluate([_track(float(time_s), *noisy, *vel)], float(time_s)), float(time_s))
    return engine.alerts


def test_drones_loitering_beside_a_depot_are_not_warned() -> None:
    """loiter-near-zone, simulated and tracked, its first 90 s: its slow drone flies a hexagon
    of 100 m radius 350 m north of the 400 m depot at 8 m/s, and one 12 s leg of every lap
    points straight at the depot, 45 s away. Trusting that line five times as far as it had
    been flown straight (as raqib did) raised an alert in 4 of 6 seeds; its heading at so
    large and near a zone is no sign of an attack either."""
    import re
    from pathlib import Path

    from raqib.pipeline import Pipeline
    from raqib.scenario import Simulator, loads_scenario

    path = Path(__file__).resolve().parents[2] / "bench" / "warning_scenarios" / "loiter-near-zone.toml"
    text = re.sub(r"duration_s = [0-9.]+", "duration_s = 90.0", path.read_text(encoding="utf-8"))
    scenario = loads_scenario(text)
    for seed in range(4):
        pipeline = Pipeline(scenario.site, scenario.zones, scenario.sensors, scenario.authorisations)
        for time_s, detections, _ in Simulator(scenario, seed).scans():
            pipeline.step(detections, time_s)
        assert pipeline.alerts == [], (seed, pipeline.alerts)


def test_a_drone_first_seen_on_its_orbit_is_not_warned_for_a_zone_its_first_seconds_point_at() -> None:
    """loiter-near-zone seed 19, its first 40 s: the orbiting drone (200 m circle 500 m west of
    the depot) is first seen on the arc that points east, and 12 s later its straight-looking
    track reaches the depot in 32 s. Trusted five times as far as it had been seen, that line
    raised an alert at 12.8 s (bench_warnings, 20 seeds); three times, it does not."""
    import re
    from pathlib import Path

    from raqib.pipeline import Pipeline
    from raqib.scenario import Simulator, loads_scenario

    path = Path(__file__).resolve().parents[2] / "bench" / "warning_scenarios" / "loiter-near-zone.toml"
    text = re.sub(r"duration_s = [0-9.]+", "duration_s = 40.0", path.read_text(encoding="utf-8"))
    scenario = loads_scenario(text)
    pipeline = Pipeline(scenario.site, scenario.zones, scenario.sensors, scenario.authorisations)
    for time_s, detections, _ in Simulator(scenario, 19).scans():
        pipeline.step(detections, time_s)
    assert pipeline.alerts == []


def test_a_drone_straight_at_one_of_two_blocks_from_5_km_warns_that_block_early_and_alone() -> None:
    """Two 300 m blocks 200 m apart; a drone at 30 m/s from 5 km at the west one, with the
    filter's 1 m/s (2 degrees) velocity. Its own block is warned once its straight run is long
    enough to read (16 s) and the alert's debounce has passed; the east block never."""
    zones = [
        _zone_latlon("west", -400.0, -100.0, -150.0, 150.0),
        _zone_latlon("east", 100.0, 400.0, -150.0, 150.0),
    ]
    start, target = np.array([-250.0 - 3500.0, 3600.0]), np.array([-250.0, 0.0])
    velocity = (target - start) / np.linalg.norm(target - start) * 30.0
    times = np.arange(0.0, 60.0, 0.5)
    positions = start + velocity * times[:, None]
    alerts = _alerts(zones, times, positions, np.tile(velocity, (len(times), 1)))
    assert [a.zone_id for a in alerts] == ["west"]
    assert alerts[0].raised_time_s <= 24.0  # trusting its line 5x as far as it was flown: 31 s


def test_a_zone_on_the_way_to_the_likely_goal_is_still_at_risk() -> None:
    """A drone 3.3 km out flies straight at a small block, and a depot lies across its path
    600 m ahead. Its heading makes the block the likely goal, and under that goal alone it
    would not be "heading for" the depot; but its line carries it into the depot in 20 s, well
    within what its straight run is trusted for: the depot is at risk all the same."""
    from raqib.threat.evaluate import ThreatEvaluator

    depot = _zone_latlon("depot", -300.0, 300.0, 2000.0, 2700.0)
    block = _zone_latlon("block", -150.0, 150.0, -150.0, 150.0)
    evaluator = ThreatEvaluator(SITE, [depot, block])
    threats = []
    for time_s in np.arange(0.0, 30.5, 0.5):
        north = 4200.0 - 30.0 * time_s
        threats = evaluator.evaluate([_track(float(time_s), 0.0, north, 0.0, -30.0)], float(time_s))
    by_zone = {th.zone_id: th.probability for th in threats}
    assert by_zone["block"] >= RAISE
    assert by_zone["depot"] >= 0.9


def test_the_near_block_on_the_line_through_both_is_surely_at_risk_as_soon_as_the_goal_is_read() -> None:
    """From 4.4 km west along the line through both blocks: whichever block it is heading for,
    it enters the west one first. At its first read (12 s of straight track) the west block is
    at risk with the east block's goal added to its own (about 0.4 alone, like the east)."""
    from raqib.threat.evaluate import ThreatEvaluator

    zones = [
        _zone_latlon("west", -400.0, -100.0, -150.0, 150.0),
        _zone_latlon("east", 100.0, 400.0, -150.0, 150.0),
    ]
    evaluator = ThreatEvaluator(SITE, zones)
    first: dict[str, Threat] = {}
    for time_s in np.arange(0.0, 14.5, 0.5):
        track = _track(float(time_s), -4400.0 + 30.0 * time_s, 0.0, 30.0, 0.0)
        for threat in evaluator.evaluate([track], float(time_s)):
            first.setdefault(threat.zone_id, threat)
    assert first["west"].probability >= 0.7
    assert first["east"].probability < first["west"].probability - 0.25
    # All of it read from the heading (the line alone is trusted only 3x its 12 s): the alert
    # engine raises it without the debounce a moment's line needs.
    assert first["west"].heading_probability == first["west"].probability


def test_a_goal_read_from_a_straight_run_is_not_dropped_when_the_window_test_flickers() -> None:
    """swarm-two-zones seed 0, its first 38 s: west-1 flies straight in from 5 km. Its goal is
    read from 16 s of straight track at 27.8 s; at 29.8 s the 16 s window failed the noisy
    straightness test for one look (12 s passed), intent dropped the goal, the alert's debounce
    started again, and the block was warned at 35.8 s instead of 31.8 s. The goal is now held
    while the run stays straight for 8 s and its heading agrees. (Its goal is read sooner now,
    from 12 s of a track seen on nothing but its line: at 23.8 s.)"""
    import re
    from pathlib import Path

    from raqib.pipeline import Pipeline
    from raqib.scenario import Simulator, loads_scenario

    path = Path(__file__).resolve().parents[2] / "bench" / "warning_scenarios" / "swarm-two-zones.toml"
    text = re.sub(r"duration_s = [0-9.]+", "duration_s = 41.0", path.read_text(encoding="utf-8"))
    scenario = loads_scenario(text)
    pipeline = Pipeline(scenario.site, scenario.zones, scenario.sensors, scenario.authorisations)
    looks: dict[int, list[float]] = {}
    for time_s, detections, _ in Simulator(scenario, 0).scans():
        if time_s > 38.0:
            break
        for threat in pipeline.step(detections, time_s).threats:
            if threat.zone_id == "west-block" and threat.probability >= 0.3:
                looks.setdefault(threat.track_id, []).append(threat.time_s)
    first = min(looks, key=lambda track_id: looks[track_id][0])
    times = np.array(looks[first])
    assert 22.0 <= times[0] <= 26.0 and times[-1] >= 34.0, times
    assert np.all(np.diff(times) <= 1.01), times  # every look of its radar, none missed
    west = [a for a in pipeline.alerts if a.zone_id == "west-block"]
    assert west and west[0].raised_time_s <= times[0] + 4.5


def test_a_held_goal_is_let_go_when_the_heading_turns() -> None:
    """The hold is for the same straight run only: a velocity that has turned (out of chi-square
    agreement with the one the goal was read from) does not keep it, nor does a new track."""
    from raqib.threat.evaluate import ThreatEvaluator

    evaluator = ThreatEvaluator(SITE, [_zone_latlon("west", -400.0, -100.0, -150.0, 150.0)])
    evaluator._goal_heading = {7: (np.array([30.0, 0.0]), 1.0)}
    tracks = [_track(0.0, -4000.0, 0.0, 30.0, 0.0), _track(0.0, -4000.0, 500.0, 30.0, 0.0)]
    tracks[0] = msgspec.structs.replace(tracks[0], track_id=7)
    tracks[1] = msgspec.structs.replace(tracks[1], track_id=8)
    same = evaluator._holds_goal(tracks, np.array([[30.5, 1.0], [30.0, 0.0]]), np.array([1.0, 1.0]))
    turned = evaluator._holds_goal(tracks, np.array([[26.0, 15.0], [30.0, 0.0]]), np.array([1.0, 1.0]))
    assert same.tolist() == [True, False] and turned.tolist() == [False, False]


def test_a_drone_seen_on_nothing_but_its_line_is_read_sooner_than_one_out_of_a_turn() -> None:
    """From 4 km at a block: a drone on that line since it was first seen is heading for it
    after 12 s of track; one that came round onto the same line from another leg waits for
    16 s of it (coming out of a turn, a heading sweeps past zones it is not aimed at)."""
    from raqib.threat.evaluate import ThreatEvaluator

    block = _zone_latlon("block", -150.0, 150.0, -150.0, 150.0)
    inbound = np.array([0.0, -30.0])

    def first_at_risk_s(positions, velocities, times, start_s: float) -> float:
        evaluator = ThreatEvaluator(SITE, [block])
        for time_s, pos, vel in zip(times, positions, velocities, strict=True):
            threats = evaluator.evaluate([_track(float(time_s), *pos, *vel)], float(time_s))
            if time_s >= start_s and any(th.probability >= RAISE for th in threats):
                return float(time_s) - start_s
        return np.inf

    times = np.arange(0.0, 30.0, 0.5)
    straight = np.array([0.0, 4200.0]) + inbound * times[:, None]
    assert 11.0 <= first_at_risk_s(straight, np.tile(inbound, (len(times), 1)), times, 0.0) <= 13.0

    # 30 s flying east along the same approach, then the same line in from its turn at 30 s.
    times = np.arange(0.0, 60.0, 0.5)
    east = np.array([30.0, 0.0])
    turn = np.array([0.0, 4200.0])
    after = times >= 30.0
    positions = np.where(
        after[:, None], turn + inbound * (times - 30.0)[:, None], turn + east * (times - 30.0)[:, None]
    )
    velocities = np.where(after[:, None], inbound, east)
    assert first_at_risk_s(positions, velocities, times, 30.0) >= 15.0
