"""Track continuity from the truth-to-track assignments over time.

The input is the assignment history: one row per (evaluation time, living truth), with the
track matched to that truth by GOSPA at that time (closer than the cut-off), or -1. Per truth,
rows in time order:

* an **id switch** is a row assigned to a track other than the last track this truth was
  assigned to (a gap in between does not reset it: losing a target and picking it up under a
  new id is a switch);
* a **fragmentation** is a return to assigned after a gap: assigned, then not, then assigned
  again (each interruption of the truth's track coverage counts once);
* the **time to track** is from the truth's first detection (the first evaluation time at
  which any detection lies within the cut-off of it) to its first assigned row, clipped at 0.

Everything is vectorised over all rows at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.intp]]

UNASSIGNED = -1


@dataclass(frozen=True, slots=True)
class AssignmentHistory:
    """Row k: at ``time_s[k]`` truth ``truth[k]`` was assigned track ``track[k]`` (-1: none)."""

    time_s: FloatArray
    truth: IntArray
    track: IntArray

    @classmethod
    def concatenate(
        cls, times: list[FloatArray], truths: list[IntArray], tracks: list[IntArray]
    ) -> AssignmentHistory:
        if not times:
            return cls(np.empty(0), np.empty(0, np.intp), np.empty(0, np.intp))
        return cls(
            np.concatenate(times).astype(np.float64),
            np.concatenate(truths).astype(np.intp),
            np.concatenate(tracks).astype(np.intp),
        )

    def in_truth_order(self) -> AssignmentHistory:
        order = np.lexsort((self.time_s, self.truth))
        return AssignmentHistory(self.time_s[order], self.truth[order], self.track[order])


def _same_truth_as_previous(truth: IntArray) -> np.ndarray[Any, np.dtype[np.bool_]]:
    same = np.zeros(len(truth), dtype=bool)
    same[1:] = truth[1:] == truth[:-1]
    return same


def id_switches(history: AssignmentHistory, n_truths: int) -> IntArray:
    """Per truth, how many times its assigned track changed from the last one it had."""
    rows = history.in_truth_order()
    assigned = rows.track != UNASSIGNED
    truth, track = rows.truth[assigned], rows.track[assigned]
    switched = _same_truth_as_previous(truth)
    switched[1:] &= track[1:] != track[:-1]
    return np.bincount(truth[switched], minlength=n_truths).astype(np.intp)


def fragmentations(history: AssignmentHistory, n_truths: int) -> IntArray:
    """Per truth, how many times its coverage resumed after a gap (assigned runs beyond the first)."""
    rows = history.in_truth_order()
    assigned = rows.track != UNASSIGNED
    previous_assigned = np.zeros(len(assigned), dtype=bool)
    previous_assigned[1:] = assigned[:-1]
    previous_assigned &= _same_truth_as_previous(rows.truth)
    run_starts = np.bincount(rows.truth[assigned & ~previous_assigned], minlength=n_truths)
    return np.maximum(run_starts - 1, 0).astype(np.intp)


def first_assigned_time_s(history: AssignmentHistory, n_truths: int) -> FloatArray:
    """Per truth, the first evaluation time it had a track (NaN: never)."""
    first = np.full(n_truths, np.inf)
    assigned = history.track != UNASSIGNED
    np.minimum.at(first, history.truth[assigned], history.time_s[assigned])
    return np.where(np.isfinite(first), first, np.nan)


def tracks_per_truth(history: AssignmentHistory, n_truths: int) -> IntArray:
    """Per truth, how many distinct tracks were ever assigned to it."""
    assigned = history.track != UNASSIGNED
    pairs = np.unique(np.stack([history.truth[assigned], history.track[assigned]]), axis=1)
    return np.bincount(pairs[0], minlength=n_truths).astype(np.intp)


def time_to_track_s(first_detected_s: FloatArray, first_tracked_s: FloatArray) -> FloatArray:
    """Per truth, seconds from first detection to first track, clipped at 0 (NaN: either is missing)."""
    with np.errstate(invalid="ignore"):
        return np.maximum(first_tracked_s - first_detected_s, 0.0)
