"""Track continuity figures from hand-built assignment histories."""

from __future__ import annotations

import numpy as np

from raqib.evaluation.tracking_metrics import (
    AssignmentHistory,
    first_assigned_time_s,
    fragmentations,
    id_switches,
    time_to_track_s,
    tracks_per_truth,
)

N = -1


def _history(per_truth: dict[int, list[int]]) -> AssignmentHistory:
    """Truth -> its assigned track at times 0, 1, 2, ... (N: unassigned). Rows are shuffled."""
    rows = [(float(t), truth, track) for truth, tracks in per_truth.items() for t, track in enumerate(tracks)]
    rng = np.random.default_rng(0)
    rng.shuffle(rows)
    return AssignmentHistory(
        np.array([r[0] for r in rows]),
        np.array([r[1] for r in rows], np.intp),
        np.array([r[2] for r in rows], np.intp),
    )


def test_steady_track_has_no_switch_or_fragment() -> None:
    history = _history({0: [N, N, 5, 5, 5, 5]})
    assert list(id_switches(history, 1)) == [0]
    assert list(fragmentations(history, 1)) == [0]
    assert list(first_assigned_time_s(history, 1)) == [2.0]
    assert list(tracks_per_truth(history, 1)) == [1]


def test_direct_swap_is_a_switch_not_a_fragment() -> None:
    history = _history({0: [1, 1, 2, 2], 1: [2, 2, 1, 1]})
    assert list(id_switches(history, 2)) == [1, 1]
    assert list(fragmentations(history, 2)) == [0, 0]


def test_lost_and_reacquired_under_a_new_id_is_both() -> None:
    history = _history({0: [3, 3, N, N, 4, 4]})
    assert list(id_switches(history, 1)) == [1]
    assert list(fragmentations(history, 1)) == [1]
    assert list(tracks_per_truth(history, 1)) == [2]


def test_gap_under_the_same_id_is_a_fragment_only() -> None:
    history = _history({0: [3, N, 3, N, 3]})
    assert list(id_switches(history, 1)) == [0]
    assert list(fragmentations(history, 1)) == [2]


def test_never_tracked_truth() -> None:
    history = _history({0: [N, N], 2: [9]})
    assert list(id_switches(history, 3)) == [0, 0, 0]
    first = first_assigned_time_s(history, 3)
    assert np.isnan(first[0]) and np.isnan(first[1]) and first[2] == 0.0


def test_rows_of_different_truths_do_not_mix() -> None:
    # Truth 0 ends assigned to 1; truth 1 starts assigned to 2: no switch across the boundary.
    history = _history({0: [1, 1], 1: [2, 2]})
    assert list(id_switches(history, 2)) == [0, 0]
    assert list(fragmentations(history, 2)) == [0, 0]


def test_time_to_track_is_clipped_and_nan_when_missing() -> None:
    latency = time_to_track_s(np.array([1.0, 5.0, np.nan, 2.0]), np.array([4.0, 4.5, 3.0, np.nan]))
    assert latency[0] == 3.0 and latency[1] == 0.0
    assert np.isnan(latency[2]) and np.isnan(latency[3])


def test_empty_history() -> None:
    history = AssignmentHistory.concatenate([], [], [])
    assert list(id_switches(history, 2)) == [0, 0]
    assert list(fragmentations(history, 2)) == [0, 0]
    assert list(tracks_per_truth(history, 2)) == [0, 0]
