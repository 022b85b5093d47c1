"""The straight-run velocity (raqib.threat.straight) and how threat evaluation uses it: a
drone that has flown straight for half a minute is judged on the heading its history shows, so
the right one of two adjacent zones is warned far out; a drone orbiting near a zone is not
flown straight into it."""

from __future__ import annotations

import numpy as np

from raqib.alerts.engine import AlertConfig
from raqib.model import Site, Track, Zone
from raqib.threat.evaluate import ThreatConfig, ThreatEvaluator
from raqib.threat.straight import StraightConfig, StraightLineEstimator
from tests.threat.tracks import drone_track

RAISE = AlertConfig().raise_probability
SITE = Site(name="test", lat_deg=33.3, lon_deg=44.4, alt_m=40.0)


def _feed(
    estimator: StraightLineEstimator,
    positions: np.ndarray,
    times: np.ndarray,
    sigma_m: float,
    smooth: np.ndarray,
):
    """Feeds noisy positions; the tracker's velocity is that of the noise-free path ``smooth``."""
    velocity = np.gradient(smooth, times, axis=0)
    fit = None
    for k, time_s in enumerate(times):
        fit = estimator.update(
            [1],
            float(time_s),
            positions[k : k + 1],
            np.array([sigma_m**2]),
            velocity[k : k + 1],
            np.eye(2)[None] * 4.0,
        )
    assert fit is not None
    return fit


def test_a_long_straight_run_knows_its_heading_far_better_than_a_short_one() -> None:
    rng = np.random.default_rng(1)
    times = np.arange(0.0, 60.0, 0.5)
    heading = np.radians(30.0)
    truth = np.stack([np.sin(heading) * 30.0 * times, np.cos(heading) * 30.0 * times], axis=1)
    noisy = truth + rng.normal(0.0, 5.0, truth.shape)
    short = _feed(StraightLineEstimator(), noisy[:20], times[:20], 5.0, truth[:20])
    long = _feed(StraightLineEstimator(), noisy, times, 5.0, truth)
    assert short.valid[0] and long.valid[0]
    assert long.baseline_s[0] > 40.0
    assert long.velocity_var_ms2[0] < short.velocity_var_ms2[0] / 10
    fitted = np.arctan2(long.velocity_en_ms[0, 0], long.velocity_en_ms[0, 1])
    assert abs(np.degrees(fitted - heading)) < 3 * np.degrees(np.sqrt(long.velocity_var_ms2[0]) / 30.0) + 0.1
    assert not long.loitering[0]


def test_a_circle_is_neither_a_long_straight_run_nor_transit() -> None:
    times = np.arange(0.0, 60.0, 0.5)
    omega = 15.0 / 200.0  # 200 m radius at 15 m/s
    circle = 200.0 * np.stack([np.cos(omega * times), np.sin(omega * times)], axis=1)
    fit = _feed(StraightLineEstimator(), circle, times, 5.0, circle)
    assert not fit.valid[0] or fit.baseline_s[0] <= 12.0
    assert fit.loitering[0]


def test_a_straight_run_after_a_turn_is_bent_and_one_seen_on_nothing_else_is_not() -> None:
    """``bent``: the history shows the track flying otherwise before its present straight run
    (the evaluator then trusts the line only twice as far as it was flown, not five times)."""
    times = np.arange(0.0, 50.0, 0.5)
    east = np.where(times < 25.0, 15.0 * times, 15.0 * 25.0)
    north = np.where(times < 25.0, 0.0, 15.0 * (times - 25.0))  # a right-angle turn at 25 s
    dogleg = np.stack([east, north], axis=1)
    turned = _feed(StraightLineEstimator(), dogleg, times, 5.0, dogleg)
    assert turned.valid[0] and turned.bent[0]
    line = np.stack([15.0 * times, np.zeros_like(times)], axis=1)
    straight = _feed(StraightLineEstimator(), line, times, 5.0, line)
    assert straight.valid[0] and not straight.bent[0]


def _track(
    track_id: int, time_s: float, east: float, north: float, ve: float, vn: float, first: float
) -> Track:
    # A filter's 3 m/s: about 6 degrees at 30 m/s.
    cov_diag = (400.0, 400.0, 100.0, 9.0, 9.0, 4.0)
    return drone_track(
        time_s, east, north, ve, vn, cov_diag=cov_diag, up_m=100.0, track_id=track_id, first=first
    )


def _blocks() -> list[Zone]:
    """Two 300 m blocks 200 m apart, as the swarm scenario has them (polygons in lat/lon)."""
    from raqib.geo import enu_to_geodetic

    zones = []
    for zone_id, (e0, e1) in {"west": (-400.0, -100.0), "east": (100.0, 400.0)}.items():
        corners = [(e0, -150.0), (e1, -150.0), (e1, 150.0), (e0, 150.0)]
        lat, lon, _ = enu_to_geodetic(
            np.array([c[0] for c in corners]), np.array([c[1] for c in corners]), 0.0, SITE
        )
        zones.append(
            Zone(zone_id=zone_id, name=zone_id, polygon=tuple(zip(lat.tolist(), lon.tolist(), strict=True)))
        )
    return zones


def test_a_drone_straight_in_from_4_km_warns_its_own_block_and_not_its_neighbour() -> None:
    """With the filter's 6-degree heading alone both blocks look alike at 4 km; after 40 s of
    straight flight the history tells them apart: the drone is heading for its own block
    (intent.py; at 3 km, 100 s out, beyond what its kinematics alone are trusted for)."""

    def final_probabilities(config: ThreatConfig | None) -> dict[str, float]:
        evaluator = ThreatEvaluator(SITE, _blocks(), config=config)
        rng = np.random.default_rng(3)
        start, target = np.array([-250.0 - 3000.0, 3000.0]), np.array([-250.0, 0.0])
        velocity = (target - start) / np.linalg.norm(target - start) * 30.0
        threats = []
        for time_s in np.arange(0.0, 40.0, 0.5):
            pos = start + velocity * time_s + rng.normal(0.0, 8.0, 2)
            noisy_v = velocity + rng.normal(0.0, 2.0, 2)
            threats = evaluator.evaluate([_track(1, time_s, *pos, *noisy_v, first=0.0)], time_s)
        return {th.zone_id: th.probability for th in threats}

    with_history = final_probabilities(None)
    assert with_history.get("west", 0.0) >= 0.5  # above the alert engine's raise probability
    assert with_history.get("east", 0.0) < 0.2  # below its hold probability
    no_straight_run = ThreatConfig(straight=StraightConfig(straight_sigmas=0.0))
    filter_alone = final_probabilities(no_straight_run)
    assert filter_alone.get("west", 0.0) < RAISE


def test_a_young_track_is_not_extrapolated_minutes_ahead() -> None:
    """Seen for 11.5 s, a drone 2.2 km out and pointing at a zone is not yet judged to enter it
    in 64 s: it has not shown that it flies straight for that long (an orbiting drone points
    at a zone for a few seconds at a time). From 12 s its heading is read for a goal
    (intent.py), which is another matter."""
    zone = _blocks()[0]
    evaluator = ThreatEvaluator(SITE, [zone])
    start, velocity = np.array([-250.0, 2550.0]), np.array([0.0, -30.0])
    threats = []
    for time_s in np.arange(0.0, 12.0, 0.5):
        pos = start + velocity * time_s
        threats = evaluator.evaluate([_track(1, time_s, *pos, *velocity, first=0.0)], time_s)
    assert all(th.probability < 0.1 for th in threats)  # without the limit: 0.42, entry in 64 s
    # The same drone, followed straight for 14 s more, is judged at risk.
    for time_s in np.arange(12.0, 26.0, 0.5):
        pos = start + velocity * time_s
        threats = evaluator.evaluate([_track(1, time_s, *pos, *velocity, first=0.0)], time_s)
    assert threats and threats[0].probability >= 0.6  # well above the alert engine's raise probability
