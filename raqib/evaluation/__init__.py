"""Tracking evaluation: GOSPA and OSPA, track continuity, and their reports.

``evaluate_records(recording, tracks)`` compares a tracker's track records with the truth of a
recording (CONTRACT.md); ``summarise`` and ``format_summary``/``summary_to_dict`` report it.
"""

from raqib.evaluation.evaluate import (
    Evaluation,
    EvaluationConfig,
    EvaluationError,
    PerTime,
    PerTruth,
    evaluate_records,
    evaluate_series,
)
from raqib.evaluation.gospa import GospaResult, gospa, ospa
from raqib.evaluation.report import Summary, format_summary, format_table, summarise, summary_to_dict
from raqib.evaluation.sampling import (
    DetectionPoints,
    PointSeries,
    detection_points,
    track_series,
    truth_series,
)

__all__ = [
    "DetectionPoints",
    "Evaluation",
    "EvaluationConfig",
    "EvaluationError",
    "GospaResult",
    "PerTime",
    "PerTruth",
    "PointSeries",
    "Summary",
    "detection_points",
    "evaluate_records",
    "evaluate_series",
    "format_summary",
    "format_table",
    "gospa",
    "ospa",
    "summarise",
    "summary_to_dict",
    "track_series",
    "truth_series",
]
