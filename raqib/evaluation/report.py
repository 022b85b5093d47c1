"""An evaluation's summary figures, as a text table or a JSON object.

GOSPA's parts are reported as the means over time of each part (in m^p: the three parts of one
time sum to that time's GOSPA^p), and, easier to read, as the mean number of missed targets
and false tracks per time and the localisation error of matched pairs,
``(sum of localisation parts / number of matched pairs)^(1/p)`` (the RMS error for p = 2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from raqib.evaluation.evaluate import Evaluation


@dataclass(frozen=True, slots=True)
class Summary:
    evaluation_times: int
    duration_s: float
    truths: int
    track_ids: int
    c_m: float
    p: float
    alpha: float
    mean_gospa_m: float
    mean_localisation: float
    mean_missed: float
    mean_false: float
    localisation_error_m: float
    mean_missed_targets: float
    mean_false_tracks: float
    mean_ospa_m: float
    id_switches: int
    fragmentations: int
    truths_detected: int
    truths_tracked: int
    mean_time_to_track_s: float
    median_time_to_track_s: float
    max_time_to_track_s: float


def _mean(values: np.ndarray[Any, Any]) -> float:
    return float(np.mean(values)) if len(values) else math.nan


def _finite(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return values[np.isfinite(values)]


def _finite_mean(values: np.ndarray[Any, Any]) -> float:
    finite = _finite(values)
    return float(np.mean(finite)) if len(finite) else math.nan


def _finite_median(values: np.ndarray[Any, Any]) -> float:
    finite = _finite(values)
    return float(np.median(finite)) if len(finite) else math.nan


def _finite_max(values: np.ndarray[Any, Any]) -> float:
    finite = _finite(values)
    return float(np.max(finite)) if len(finite) else math.nan


def summarise(evaluation: Evaluation) -> Summary:
    per_time, per_truth, config = evaluation.per_time, evaluation.per_truth, evaluation.config
    times = per_time.time_s
    matched = int(np.sum(per_time.truth_count - per_time.missed_count))
    localisation_error = (
        (float(np.sum(per_time.localisation)) / matched) ** (1.0 / config.p) if matched else math.nan
    )
    return Summary(
        evaluation_times=len(times),
        duration_s=float(times[-1] - times[0]) if len(times) else 0.0,
        truths=len(per_truth.labels),
        track_ids=evaluation.track_ids,
        c_m=config.c_m,
        p=config.p,
        alpha=config.alpha,
        mean_gospa_m=_mean(per_time.gospa_m),
        mean_localisation=_mean(per_time.localisation),
        mean_missed=_mean(per_time.missed),
        mean_false=_mean(per_time.false),
        localisation_error_m=localisation_error,
        mean_missed_targets=_mean(per_time.missed_count),
        mean_false_tracks=_mean(per_time.false_count),
        mean_ospa_m=_mean(per_time.ospa_m),
        id_switches=int(per_truth.id_switches.sum()),
        fragmentations=int(per_truth.fragmentations.sum()),
        truths_detected=int(np.count_nonzero(np.isfinite(per_truth.first_detected_s))),
        truths_tracked=int(np.count_nonzero(np.isfinite(per_truth.first_tracked_s))),
        mean_time_to_track_s=_finite_mean(per_truth.time_to_track_s),
        median_time_to_track_s=_finite_median(per_truth.time_to_track_s),
        max_time_to_track_s=_finite_max(per_truth.time_to_track_s),
    )


def summary_to_dict(summary: Summary) -> dict[str, Any]:
    """The summary as a JSON-ready object (NaN, which JSON lacks, becomes null)."""
    return {
        key: (None if isinstance(value, float) and not math.isfinite(value) else value)
        for key, value in asdict(summary).items()
    }


def _figure(value: float, unit: str = "", digits: int = 2) -> str:
    if not math.isfinite(value):
        return "-"
    return f"{value:.{digits}f}{unit}"


def format_summary(summary: Summary, title: str = "") -> str:
    """A two-column text table of the summary."""
    p = f"{summary.p:g}"
    rows = [
        ("evaluation times", f"{summary.evaluation_times} over {summary.duration_s:.1f} s"),
        ("truths / track ids", f"{summary.truths} / {summary.track_ids}"),
        ("GOSPA parameters", f"c = {summary.c_m:g} m, p = {p}, alpha = {summary.alpha:g}"),
        ("mean GOSPA", _figure(summary.mean_gospa_m, " m")),
        (f"  localisation (m^{p})", _figure(summary.mean_localisation, "", 1)),
        (f"  missed (m^{p})", _figure(summary.mean_missed, "", 1)),
        (f"  false (m^{p})", _figure(summary.mean_false, "", 1)),
        ("localisation error", _figure(summary.localisation_error_m, " m")),
        ("missed targets per time", _figure(summary.mean_missed_targets)),
        ("false tracks per time", _figure(summary.mean_false_tracks)),
        ("mean OSPA", _figure(summary.mean_ospa_m, " m")),
        ("track-id switches", str(summary.id_switches)),
        ("track fragmentations", str(summary.fragmentations)),
        ("truths detected / tracked", f"{summary.truths_detected} / {summary.truths_tracked}"),
        (
            "time to track mean / median / max",
            " / ".join(
                _figure(v, " s")
                for v in (
                    summary.mean_time_to_track_s,
                    summary.median_time_to_track_s,
                    summary.max_time_to_track_s,
                )
            ),
        ),
    ]
    table = format_table(("figure", "value"), rows)
    return f"{title}\n{table}" if title else table


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain text table: columns padded to their widest cell, a rule under the headers."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in (headers, *rows)
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
