"""Evaluating tracks against a recording: what a user would see for good and bad trackers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.evaluation import (
    DetectionPoints,
    EvaluationConfig,
    EvaluationError,
    PointSeries,
    evaluate_records,
    evaluate_series,
    summarise,
)
from tests.evaluation.helpers import (
    RADAR,
    SCAN_TIMES,
    SITE,
    detection_records,
    recording,
    track_record,
    tracks_following,
    truth_enu,
    truth_records,
)


def _perfect(t: float) -> dict[int, np.ndarray]:
    return {1: truth_enu("drone-a", t), 2: truth_enu("drone-b", t)}


def test_perfect_tracks_score_zero() -> None:
    summary = summarise(evaluate_records(recording(), tracks_following(_perfect)))
    assert summary.evaluation_times == len(SCAN_TIMES)
    assert summary.mean_gospa_m == pytest.approx(0.0, abs=1e-3)
    assert summary.mean_ospa_m == pytest.approx(0.0, abs=1e-3)
    assert summary.id_switches == 0
    assert summary.fragmentations == 0
    assert (summary.truths, summary.track_ids) == (2, 2)
    assert (summary.truths_detected, summary.truths_tracked) == (2, 2)
    assert summary.mean_time_to_track_s == 0.0


def test_offset_tracks_show_as_localisation_error() -> None:
    offset = np.array([30.0, 40.0, 0.0])  # 50 m off
    summary = summarise(
        evaluate_records(
            recording(), tracks_following(lambda t: {k: v + offset for k, v in _perfect(t).items()})
        )
    )
    assert summary.mean_gospa_m == pytest.approx(math.sqrt(2 * 50.0**2), rel=1e-4)
    assert summary.localisation_error_m == pytest.approx(50.0, rel=1e-4)
    assert summary.mean_missed_targets == 0.0
    assert summary.mean_false_tracks == 0.0


def test_no_tracks_means_every_target_missed() -> None:
    summary = summarise(evaluate_records(recording(), []))
    assert summary.mean_gospa_m == pytest.approx(math.sqrt(2 * 100.0**2 / 2))
    assert summary.mean_missed_targets == 2.0
    assert summary.truths_tracked == 0
    assert math.isnan(summary.mean_time_to_track_s)


def test_late_track_and_a_swap() -> None:
    def tracker(t: float) -> dict[int, np.ndarray]:
        if t < 3:  # drone-b only tracked from 3 s
            return {1: truth_enu("drone-a", t)}
        if t < 6:
            return {1: truth_enu("drone-a", t), 2: truth_enu("drone-b", t)}
        return {2: truth_enu("drone-a", t), 1: truth_enu("drone-b", t)}  # ids swapped at 6 s

    evaluation = evaluate_records(recording(), tracks_following(tracker))
    summary = summarise(evaluation)
    assert summary.id_switches == 2
    assert summary.fragmentations == 0
    per_truth = dict(zip(evaluation.per_truth.labels, evaluation.per_truth.time_to_track_s, strict=True))
    assert per_truth == {"drone-a": 0.0, "drone-b": 3.0}
    assert summary.mean_time_to_track_s == pytest.approx(1.5)
    assert summary.max_time_to_track_s == pytest.approx(3.0)
    # Before 3 s one target is missed: c^2 / 2 under the root.
    np.testing.assert_allclose(evaluation.per_time.gospa_m[:3], math.sqrt(100.0**2 / 2), rtol=1e-6)


def test_dropped_then_reacquired_track_is_a_fragment_and_a_switch() -> None:
    def tracker(t: float) -> dict[int, np.ndarray]:
        tracks = {2: truth_enu("drone-b", t)}
        if t < 4:
            tracks[1] = truth_enu("drone-a", t)
        elif t >= 6:
            tracks[7] = truth_enu("drone-a", t)
        return tracks

    summary = summarise(evaluate_records(recording(), tracks_following(tracker)))
    assert summary.fragmentations == 1
    assert summary.id_switches == 1


def test_scan_with_no_output_has_no_tracks() -> None:
    # The tracker wrote nothing after the scan at 5 s: at 5 s both targets are missed.
    tracks = [track for track in tracks_following(_perfect) if track.time_s != 5.0]
    evaluation = evaluate_records(recording(), tracks)
    at_5 = int(np.flatnonzero(evaluation.per_time.time_s == 5.0)[0])
    assert evaluation.per_time.track_count[at_5] == 0
    assert evaluation.per_time.missed_count[at_5] == 2
    assert evaluation.per_time.gospa_m[at_5] == pytest.approx(100.0)
    assert summarise(evaluation).fragmentations == 2


def test_first_detection_needs_a_detection_within_the_cutoff() -> None:
    # drone-b is only detected from 4 s on.
    records = [
        SITE,
        RADAR,
        *truth_records(),
        *detection_records(targets=("drone-a",)),
        *detection_records(SCAN_TIMES[4:], ("drone-b",)),
    ]
    evaluation = evaluate_records(records, tracks_following(_perfect))
    first = dict(zip(evaluation.per_truth.labels, evaluation.per_truth.first_detected_s, strict=True))
    assert first == {"drone-a": 0.0, "drone-b": 4.0}


def test_false_tracks_are_counted() -> None:
    far = np.array([5000.0, 5000.0, 300.0])
    summary = summarise(evaluate_records(recording(), tracks_following(lambda t: {**_perfect(t), 9: far})))
    assert summary.mean_false_tracks == 1.0
    assert summary.mean_gospa_m == pytest.approx(math.sqrt(100.0**2 / 2), rel=1e-4)


def test_cutoff_is_configurable() -> None:
    offset = np.array([0.0, 0.0, 60.0])
    tracks = tracks_following(lambda t: {k: v + offset for k, v in _perfect(t).items()})
    tight = summarise(evaluate_records(recording(), tracks, EvaluationConfig(c_m=50.0)))
    assert tight.mean_missed_targets == 2.0 and tight.mean_false_tracks == 2.0


def test_without_detections_truth_times_are_used() -> None:
    records = [SITE, RADAR, *truth_records()]
    evaluation = evaluate_records(records, tracks_following(_perfect))
    assert len(evaluation.per_time.time_s) == len(SCAN_TIMES)
    assert evaluation.notes


def test_recording_without_site_or_truth_is_refused() -> None:
    with pytest.raises(EvaluationError, match="site"):
        evaluate_records([RADAR, *truth_records()], [])
    with pytest.raises(EvaluationError, match="truth"):
        evaluate_records([SITE, RADAR, *detection_records()], [])


def test_track_between_scans_is_not_counted_as_a_later_scan() -> None:
    # A single stray output at 2.5 s is used only until the next scan's output.
    tracks = [*tracks_following(_perfect), track_record(2.5, 42, np.array([0.0, 0.0, 0.0]))]
    evaluation = evaluate_records(recording(), tracks)
    assert int(evaluation.per_time.false_count.sum()) == 0


points = st.lists(
    st.tuples(
        st.integers(0, 5),  # object
        st.integers(0, 12).map(float),  # time
        st.floats(-500, 500),
        st.floats(-500, 500),
        st.floats(0, 300),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(points, points, st.lists(st.integers(0, 12).map(float), max_size=15))
def test_any_series_evaluates_within_gospa_bounds(
    truth_rows: list[tuple[int, float, float, float, float]],
    track_rows: list[tuple[int, float, float, float, float]],
    scan_times: list[float],
) -> None:
    def series(rows: list[tuple[int, float, float, float, float]]) -> PointSeries:
        return PointSeries.from_arrays([r[1] for r in rows], [r[0] for r in rows], [r[2:] for r in rows])

    detections = DetectionPoints(np.array(scan_times), np.empty(0), np.empty((0, 3)))
    evaluation = evaluate_series(series(truth_rows), series(track_rows), detections)
    per_time = evaluation.per_time
    bound = np.sqrt(100.0**2 / 2 * (per_time.truth_count + per_time.track_count))
    assert np.all(per_time.gospa_m <= bound + 1e-9)
    assert np.all(per_time.ospa_m <= 100.0 + 1e-9)
    assert np.all(per_time.missed_count <= per_time.truth_count)
    assert np.all(per_time.false_count <= per_time.track_count)
    assert np.all(per_time.truth_count - per_time.missed_count == per_time.track_count - per_time.false_count)
    assert np.all(evaluation.per_truth.fragmentations >= 0)


def test_tracks_on_another_clock_are_flagged() -> None:
    tracks = [track_record(1.6e9 + t, 1, truth_enu("drone-a", t)) for t in SCAN_TIMES]
    evaluation = evaluate_records(recording(), tracks)
    assert any("UNIX" in note for note in evaluation.notes)
    assert summarise(evaluation).truths_tracked == 0


def test_non_finite_rows_are_left_out_and_noted() -> None:
    truth = PointSeries.from_arrays([0.0, 1.0, 1.0], ["a", "a", "b"], [[0, 0, 0], [10, 0, 0], [np.nan, 0, 0]])
    tracks = PointSeries.from_arrays([1.0, 1.0], [7, 8], [[10, 0, 0], [np.inf, 0, 0]])
    evaluation = evaluate_series(
        truth, tracks, DetectionPoints(np.array([1.0]), np.empty(0), np.empty((0, 3)))
    )
    assert evaluation.per_time.gospa_m[0] == pytest.approx(0.0)
    assert len(evaluation.notes) == 2
