"""Evaluate a tracker's output against the ground truth of a recording.

At every evaluation time (every scan time of the recording: each distinct detection time;
the distinct truth times when the recording has no detections) the truths and tracks are
sampled as ``sampling`` describes, and GOSPA (and OSPA) is computed on their 3-D positions in
the site's east-north-up frame. GOSPA's assignment of tracks to truths then gives the
continuity figures of ``tracking_metrics``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from raqib.evaluation.gospa import UNASSIGNED, gospa
from raqib.evaluation.sampling import (
    DetectionPoints,
    PointSeries,
    detection_points,
    sample_tracks,
    sample_truth,
    track_series,
    truth_series,
)
from raqib.evaluation.tracking_metrics import (
    AssignmentHistory,
    first_assigned_time_s,
    fragmentations,
    id_switches,
    time_to_track_s,
    tracks_per_truth,
)
from raqib.model import Detection, Sensor, Site, Track, Truth

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.intp]]


@dataclass(frozen=True, slots=True)
class EvaluationConfig:
    """GOSPA's cut-off ``c_m``, order ``p`` and ``alpha``; ``track_max_age_s`` as in ``sampling``
    (None: the tracker's median output interval)."""

    c_m: float = 100.0
    p: float = 2.0
    alpha: float = 2.0
    track_max_age_s: float | None = None


@dataclass(frozen=True, slots=True)
class PerTime:
    """The figures at each evaluation time (arrays of one value per time)."""

    time_s: FloatArray
    gospa_m: FloatArray
    localisation: FloatArray  # metres^p, as the three parts sum to gospa_m^p
    missed: FloatArray
    false: FloatArray
    ospa_m: FloatArray
    truth_count: IntArray
    track_count: IntArray
    missed_count: IntArray
    false_count: IntArray


@dataclass(frozen=True, slots=True)
class PerTruth:
    """The figures of each truth (arrays of one value per label)."""

    labels: tuple[str, ...]
    id_switches: IntArray
    fragmentations: IntArray
    tracks: IntArray  # distinct tracks ever assigned
    first_detected_s: FloatArray  # NaN: never detected within the cut-off
    first_tracked_s: FloatArray  # NaN: never tracked
    time_to_track_s: FloatArray


@dataclass(frozen=True, slots=True)
class Evaluation:
    config: EvaluationConfig
    per_time: PerTime
    per_truth: PerTruth
    track_ids: int  # distinct track ids in the tracker's output
    notes: tuple[str, ...] = field(default=())


class EvaluationError(ValueError):
    """A recording that cannot be evaluated (no site, or no truth)."""


def evaluate_series(
    truth: PointSeries,
    tracks: PointSeries,
    detections: DetectionPoints,
    config: EvaluationConfig | None = None,
) -> Evaluation:
    """The evaluation of tracks against truth, both as ENU point series."""
    config = config or EvaluationConfig()
    notes: list[str] = []
    truth, bad_truth = truth.finite()
    tracks, bad_tracks = tracks.finite()
    for count, what in ((bad_truth, "truth"), (bad_tracks, "track")):
        if count:
            notes.append(f"{count} {what} lines without a finite time and position were left out")
    times = detections.scan_times_s
    if not len(times):
        times = np.unique(truth.time_s)
        notes.append("no detections: evaluated at the truth times")
    track_span = (tracks.time_s.min(), tracks.time_s.max()) if len(tracks) else None
    if track_span and len(times) and (track_span[1] < times.min() or track_span[0] > times.max()):
        notes.append("no track time falls within the recording's times (UNIX vs scenario seconds?)")
    truth_frames = sample_truth(truth, times)
    track_frames = sample_tracks(tracks, times, config.track_max_age_s)
    times = truth_frames.times_s
    n_times, n_truths = len(times), len(truth.labels)
    distance, loc, missed, false, ospa_m = (np.zeros(n_times) for _ in range(5))
    missed_count, false_count = np.zeros(n_times, np.intp), np.zeros(n_times, np.intp)
    history_t: list[FloatArray] = []
    history_truth: list[IntArray] = []
    history_track: list[IntArray] = []
    first_detected = np.full(n_truths, np.nan)
    detected_time = detections.located_time_s
    detected_order = np.argsort(detected_time, kind="stable")
    scan_start = np.searchsorted(detected_time[detected_order], times, side="left")
    scan_stop = np.searchsorted(detected_time[detected_order], times, side="right")
    for s in range(n_times):  # one iteration per scan; every step inside is vectorised
        truth_ids, truth_enu = truth_frames.frame(s)
        track_ids, track_enu = track_frames.frame(s)
        result = gospa(truth_enu, track_enu, c_m=config.c_m, p=config.p, alpha=config.alpha)
        distance[s], loc[s], missed[s], false[s] = (
            result.distance_m,
            result.localisation,
            result.missed,
            result.false,
        )
        ospa_m[s] = result.ospa_m
        missed_count[s], false_count[s] = result.missed_count, result.false_count
        matched = result.truth_to_estimate
        history_t.append(np.full(len(truth_ids), times[s]))
        history_truth.append(truth_ids)
        history_track.append(
            np.where(matched != UNASSIGNED, track_ids[np.maximum(matched, 0)], UNASSIGNED)
            if len(track_ids)
            else np.full(len(truth_ids), UNASSIGNED)
        )
        lo, hi = scan_start[s], scan_stop[s]
        undetected = np.isnan(first_detected[truth_ids])
        if hi > lo and np.any(undetected):
            scan = detections.located_enu_m[detected_order[lo:hi]]
            nearest, _ = cKDTree(scan).query(truth_enu[undetected], distance_upper_bound=config.c_m)
            newly = truth_ids[undetected][nearest < config.c_m]
            first_detected[newly] = times[s]
    history = AssignmentHistory.concatenate(history_t, history_truth, history_track)
    first_tracked = first_assigned_time_s(history, n_truths)
    per_time = PerTime(
        times,
        distance,
        loc,
        missed,
        false,
        ospa_m,
        truth_frames.counts,
        track_frames.counts,
        missed_count,
        false_count,
    )
    per_truth = PerTruth(
        labels=truth.labels,
        id_switches=id_switches(history, n_truths),
        fragmentations=fragmentations(history, n_truths),
        tracks=tracks_per_truth(history, n_truths),
        first_detected_s=first_detected,
        first_tracked_s=first_tracked,
        time_to_track_s=time_to_track_s(first_detected, first_tracked),
    )
    return Evaluation(config, per_time, per_truth, len(np.unique(tracks.object_index)), tuple(notes))


def evaluate_records(
    recording: Iterable[Any],
    tracks: Iterable[Track],
    config: EvaluationConfig | None = None,
) -> Evaluation:
    """The evaluation of track records against a recording's records (site, sensors,
    detections and truths; other records are ignored). Uses the recording's first site."""
    site: Site | None = None
    sensors: dict[str, Sensor] = {}
    detections: list[Detection] = []
    truths: list[Truth] = []
    for record in recording:
        if isinstance(record, Detection):
            detections.append(record)
        elif isinstance(record, Truth):
            truths.append(record)
        elif isinstance(record, Sensor):
            sensors[record.sensor_id] = record
        elif isinstance(record, Site) and site is None:
            site = record
    if site is None:
        raise EvaluationError("the recording has no site line: positions have no local origin")
    if not truths:
        raise EvaluationError("the recording has no truth lines: nothing to evaluate against")
    return evaluate_series(
        truth_series(truths, site),
        track_series([t for t in tracks if isinstance(t, Track)], site),
        detection_points(detections, sensors, site),
        config,
    )
