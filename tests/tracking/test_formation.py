"""The formation prior (raqib.tracking.formation): a young track amid established tracks that fly
alike takes their velocity; a track that flies otherwise, or alone, is left to its own plots."""

from __future__ import annotations

import numpy as np

from raqib.tracking.formation import FormationConfig, apply_formation_prior
from raqib.tracking.motion import BALLISTIC, N_MODELS
from raqib.tracking.store import TrackStore
from raqib.tracking.tracker import Tracker, TrackerConfig
from tests.tracking.helpers import RADAR, SITE, radar_detections

GROUP_VELOCITY = np.array([-25.0, 0.0, 0.0])
FREE_SIGMA_MS = TrackerConfig().initial_horizontal_speed_sigma_ms  # 40 m/s


def _store(
    positions_en: list[tuple[float, float]],
    velocities_en: list[tuple[float, float]],
    hits: list[int],
    velocity_sigma_ms: list[float],
) -> TrackStore:
    store = TrackStore.new(len(hits), 1)
    rows = zip(positions_en, velocities_en, hits, velocity_sigma_ms, strict=True)
    for row, ((e, n), (ve, vn), h, sigma) in enumerate(rows):
        store.x[row] = [e, n, 100.0, ve, vn, 0.0]
        store.p[row] = np.diag([30.0**2] * 3 + [sigma**2, sigma**2, 1.0])
        store.hits[row] = h
    store.mu[:] = np.full(N_MODELS, 1.0 / N_MODELS)
    return store


def _group(
    young_position: tuple[float, float],
    young_velocity: tuple[float, float],
    young_sigma_ms: float,
    donors: int = 4,
) -> TrackStore:
    """``donors`` established tracks 60 m apart flying west at 25 m/s, then one young track."""
    positions = [(60.0 * k, 0.0) for k in range(donors)] + [young_position]
    velocities = [(-25.0 + 0.5 * (-1) ** k, 0.0) for k in range(donors)] + [young_velocity]
    return _store(positions, velocities, [8] * donors + [3], [2.0] * donors + [young_sigma_ms])


def test_a_young_track_in_a_formation_takes_the_groups_velocity() -> None:
    store = _group((90.0, 30.0), (0.0, 0.0), 30.0)
    before_ballistic, before_mu = store.x[4, BALLISTIC].copy(), store.mu[4].copy()
    updated = apply_formation_prior(store, np.array([4]), FormationConfig(), FREE_SIGMA_MS)
    assert updated.tolist() == [4]
    # The group's mean, -25 m/s, known to 5 m/s, against the track's own 0 +- 30 m/s: as a member
    # (-24.3 m/s, 4.9 m/s) with probability 0.95 by the mixture's odds, free otherwise, that is
    # -23.1 m/s to 9.7 m/s.
    assert np.allclose(store.x[4, :BALLISTIC, 3], -23.1, atol=0.2)
    assert np.allclose(store.x[4, :BALLISTIC, 4], 0.0, atol=0.1)
    assert np.allclose(np.sqrt(store.p[4, :BALLISTIC, 3, 3]), 9.7, atol=0.2)
    # A prior on the air models' velocity: the round's model and the mode probabilities are untouched.
    assert np.array_equal(store.x[4, BALLISTIC], before_ballistic)
    assert np.array_equal(store.mu[4], before_mu)


def test_a_track_far_from_the_group_or_with_too_few_neighbours_is_left_alone() -> None:
    far = _group((1500.0, 0.0), (0.0, 0.0), 30.0)
    few = _group((90.0, 30.0), (0.0, 0.0), 30.0, donors=2)
    for store in (far, few):
        before = store.x.copy()
        young = np.array([len(store) - 1])
        assert len(apply_formation_prior(store, young, FormationConfig(), FREE_SIGMA_MS)) == 0
        assert np.array_equal(store.x, before)


def test_a_track_whose_own_plots_say_it_flies_otherwise_keeps_its_velocity() -> None:
    """A drone crossing the group northwards at 25 m/s, its velocity known to 3 m/s: the
    group's 35 m/s away is no member's, and the mixture lets it go."""
    store = _group((90.0, 30.0), (0.0, 25.0), 3.0)
    apply_formation_prior(store, np.array([4]), FormationConfig(), FREE_SIGMA_MS)
    assert np.allclose(store.x[4, :BALLISTIC, 3:5], [0.0, 25.0], atol=0.5)


def _fly(seed: int, formation: bool, crossing: bool = False) -> tuple[float, int, list[float]]:
    """Sixteen drones in a 4 x 4 grid 60 m apart, 7 km out, flying west at 25 m/s, seen by a
    radar whose cross-range noise (0.3 degrees: 37 m) is as wide as their spacing; with
    ``crossing``, a seventeenth flies north through them. Returns the rms velocity error of
    the formation's tracks over 5-20 s, the number of tracks at 30 s, and the crossing
    drone's track's velocity error over the last 10 s."""
    rng = np.random.default_rng(seed)
    config = TrackerConfig() if formation else TrackerConfig(formation=FormationConfig(enabled=False))
    tracker = Tracker(SITE, [RADAR], config)
    grid = np.array(
        [(60.0 * i, 7000.0 + 60.0 * j, 100.0 + 20.0 * ((i + j) % 3)) for i in range(4) for j in range(4)]
    )
    crossing_velocity = np.array([0.0, 25.0, 0.0])
    group_errors: list[float] = []
    crossing_errors: list[float] = []
    tracks = []
    for k in range(30):
        time_s = float(k)
        truths = grid + GROUP_VELOCITY * time_s
        if crossing:
            truths = np.vstack([truths, [-60.0, 6700.0 + 25.0 * time_s, 110.0]])
        tracks = tracker.step(radar_detections(truths, time_s, rng, pd=0.9), time_s)
        for track in tracks:
            nearest = int(
                np.argmin(np.linalg.norm(truths - [track.east_m, track.north_m, track.up_m], axis=1))
            )
            velocity = np.array([track.vel_e_ms, track.vel_n_ms, track.vel_u_ms])
            if crossing and nearest == len(truths) - 1:
                if time_s >= 20.0:
                    crossing_errors.append(float(np.linalg.norm(velocity[:2] - crossing_velocity[:2])))
            elif 5.0 <= time_s < 20.0:
                group_errors.append(float(np.linalg.norm(velocity[:2] - GROUP_VELOCITY[:2])))
    return float(np.sqrt(np.mean(np.square(group_errors)))), len(tracks), crossing_errors


def test_a_formations_young_tracks_know_their_velocity_sooner() -> None:
    """Measured over these seeds: 17.9 m/s rms without the prior, 10.3 m/s with it; a track on
    every drone at the end with it (three of the six runs end a track short without it)."""
    seeds = range(6)
    without = [_fly(seed, formation=False) for seed in seeds]
    with_prior = [_fly(seed, formation=True) for seed in seeds]
    assert np.mean([r[0] for r in with_prior]) < 0.7 * np.mean([r[0] for r in without])
    assert sum(r[1] for r in with_prior) >= 16 * len(seeds) - 1


def test_a_drone_crossing_the_formation_keeps_its_own_velocity() -> None:
    """Without the mixture (every neighbour taken for a member) its velocity was 5-20 m/s off
    over the last 10 s; with it, 0.2-3 m/s, as with no prior at all."""
    for seed in range(4):
        _, _, errors = _fly(seed, formation=True, crossing=True)
        assert errors, "the crossing drone has a track"
        assert max(errors[-5:]) < 5.0
