"""The tracker on small scenes with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from raqib.model import Detection
from raqib.tracking.tracker import Tracker, TrackerConfig
from tests.tracking.helpers import ADSB, RADAR, RF, SITE, position_report, radar_detections


def _run(tracker: Tracker, truth: np.ndarray, seconds: int, rng: np.random.Generator, **kw: object):
    tracks = []
    for k in range(seconds):
        tracks = tracker.step(radar_detections(truth[k], float(k), rng, **kw), float(k))  # type: ignore[arg-type]
    return tracks


def test_single_drone_is_confirmed_within_three_scans_and_followed_closely() -> None:
    rng = np.random.default_rng(1)
    start, velocity = np.array([4000.0, 3000.0, 150.0]), np.array([-30.0, -20.0, 0.0])
    tracker = Tracker(SITE, [RADAR])
    confirmed_at = None
    errors = []
    velocity_errors = []
    for k in range(60):
        truth = start + velocity * k
        tracks = tracker.step(radar_detections(truth, float(k), rng), float(k))
        if tracks and confirmed_at is None:
            confirmed_at = k
        if k > 20:
            assert len(tracks) == 1
            est = np.array([tracks[0].east_m, tracks[0].north_m, tracks[0].up_m])
            errors.append(np.linalg.norm(est - truth))
            velocity_errors.append(
                np.hypot(tracks[0].vel_e_ms - velocity[0], tracks[0].vel_n_ms - velocity[1])
            )
    assert confirmed_at is not None and confirmed_at <= 2  # third scan, counting from 0
    # Radar noise here is ~10 m in range and ~25 m across at 5 km: the filter must beat it.
    assert np.mean(errors) < 20.0
    assert np.mean(velocity_errors) < 3.0 and max(velocity_errors) < 10.0


def test_track_id_is_stable_and_clutter_makes_no_confirmed_track() -> None:
    rng = np.random.default_rng(2)
    tracker = Tracker(SITE, [RADAR])
    ids = set()
    for k in range(40):
        truth = np.array([2000.0 + 25 * k, -1000.0, 200.0])
        tracks = tracker.step(radar_detections(truth, float(k), rng, pd=0.9, clutter=5), float(k))
        ids |= {t.track_id for t in tracks}
    assert len(ids) == 1
    assert len(tracks) == 1


def test_two_crossing_targets_keep_their_identities() -> None:
    rng = np.random.default_rng(3)
    tracker = Tracker(SITE, [RADAR])
    history: dict[int, list[np.ndarray]] = {}
    for k in range(60):
        a = np.array([-1500.0 + 50 * k, 0.0 + 0.0 * k, 300.0])
        b = np.array([0.0, -1500.0 + 50 * k, 300.0])  # they cross at (0, 0) near k = 30 at 90 degrees
        tracks = tracker.step(radar_detections(np.stack([a, b]), float(k), rng), float(k))
        for t in tracks:
            history.setdefault(t.track_id, []).append(np.array([t.vel_e_ms, t.vel_n_ms]))
    long_tracks = {tid: np.array(v) for tid, v in history.items() if len(v) > 40}
    assert len(long_tracks) == 2
    # Each track heads the same way before and after the crossing: no swap.
    for v in long_tracks.values():
        before, after = np.degrees(np.arctan2(v[5][0], v[5][1])), np.degrees(np.arctan2(v[-1][0], v[-1][1]))
        assert abs((after - before + 180) % 360 - 180) < 10
    headings = sorted(np.degrees(np.arctan2(v[-1][0], v[-1][1])) for v in long_tracks.values())
    assert abs(headings[0]) < 10
    assert abs(headings[1] - 90) < 10


def test_adsb_and_radar_on_one_aircraft_make_one_track_with_its_identity() -> None:
    rng = np.random.default_rng(4)
    tracker = Tracker(SITE, [RADAR, ADSB])
    velocity = np.array([-70.0, 10.0, -3.0])
    for k in range(30):
        truth = np.array([6000.0, 1000.0, 900.0]) + velocity * k
        report = position_report(truth, velocity, k + 0.5, "4CA1FA", rng)
        dets = [*radar_detections(truth, float(k), rng), report]
        tracks = tracker.step(dets, k + 0.5)
    assert len(tracks) == 1
    assert tracks[0].identity == "4CA1FA"
    assert set(tracks[0].sources) == {"radar", "adsb"}


def test_reports_with_different_identities_never_share_a_track() -> None:
    rng = np.random.default_rng(5)
    tracker = Tracker(SITE, [ADSB])
    v = np.array([60.0, 0.0, 0.0])
    for k in range(20):
        p = np.array([0.0, 0.0, 500.0]) + v * k
        dets = [
            position_report(p, v, float(k), "AAAAAA", rng),
            position_report(p + np.array([0.0, 30.0, 0.0]), v, float(k), "BBBBBB", rng),
        ]
        tracks = tracker.step(dets, float(k))
    assert sorted(t.identity for t in tracks) == ["AAAAAA", "BBBBBB"]


def test_bearings_update_an_existing_track_but_never_start_one() -> None:
    rng = np.random.default_rng(6)
    tracker = Tracker(SITE, [RADAR, RF])
    for k in range(10):
        truth = np.array([3000.0, 3000.0, 100.0])
        tracker.step(radar_detections(truth, float(k), rng), float(k))
    for k in range(10, 20):
        # The radar loses it; the direction finder still hears it, and keeps it alive.
        bearing = Detection(time_s=float(k), sensor_id="rf", azimuth_deg=45.0 + rng.normal(0, 1.0))
        tracks = tracker.step([bearing], float(k))
    assert len(tracks) == 1
    assert "rf" in tracks[0].sources
    lonely = Tracker(SITE, [RF])
    for k in range(10):
        assert lonely.step([Detection(time_s=float(k), sensor_id="rf", azimuth_deg=10.0)], float(k)) == []
    assert len(lonely.store) == 0


def test_a_scan_older_than_the_clock_is_counted_and_not_applied() -> None:
    rng = np.random.default_rng(7)
    tracker = Tracker(SITE, [RADAR])
    tracker.step(radar_detections(np.array([1000.0, 0, 100]), 10.0, rng), 10.0)
    tracker.step(radar_detections(np.array([1000.0, 0, 100]), 9.0, rng), 10.0)
    assert tracker.stats.late_scans == 1


def test_a_track_is_deleted_after_its_target_is_gone() -> None:
    rng = np.random.default_rng(8)
    tracker = Tracker(SITE, [RADAR])
    for k in range(10):
        tracks = tracker.step(radar_detections(np.array([2000.0 + 20 * k, 0, 100]), float(k), rng), float(k))
    assert len(tracks) == 1
    for k in range(10, 25):
        tracks = tracker.step([], float(k))
    assert tracks == []
    assert len(tracker.store) == 0


def test_an_unknown_association_is_refused_when_configured() -> None:
    with pytest.raises(ValueError, match="association must be one of gnn, jpda, not 'mht'"):
        TrackerConfig(association="mht")
