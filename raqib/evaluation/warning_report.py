"""Warning figures over one or many runs (seeds), the issue's targets, and their report.

The figures pool every run's threat events, alerts and targets (see
:mod:`raqib.evaluation.warnings` for the definitions). Medians of the time to a correct class
count a detected target that was never classified correctly as infinitely slow; targets
never detected are left out. The targets (issue 5):

* no missed warning;
* no false warning caused by an aircraft, a bird or an authorised drone;
* over-warned alerts < 5 % of all alerts;
* mean lead time >= 90 % of the time available;
* median time to a correct class < 5 s for drones and < 2 radar scans for rounds.

A target with nothing to measure (no alert, no round) is reported as not applicable (None).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from raqib.evaluation.warnings import COOPERATIVE_CAUSES, WarningEvaluation

MAX_OVER_WARNED_SHARE = 0.05
MIN_LEAD_SHARE = 0.90
MAX_DRONE_CLASS_S = 5.0
MAX_ROUND_CLASS_SCANS = 2.0


@dataclass(frozen=True, slots=True)
class WarningSummary:
    runs: int
    threat_events: int
    warned: int
    missed: int
    lapsed: int
    alerts: int
    false_warnings: int
    false_by_cause: dict[str, int]
    over_warned: int
    over_warned_share: float
    mean_lead_time_s: float
    mean_time_available_s: float
    mean_lead_share: float
    median_drone_class_s: float
    median_round_class_scans: float
    drones_classified: str  # "classified / detected"
    rounds_classified: str
    missed_events: list[str] = field(default_factory=list)
    false_alerts: list[str] = field(default_factory=list)
    targets: dict[str, bool | None] = field(default_factory=dict)

    @property
    def all_met(self) -> bool:
        return all(met is not False for met in self.targets.values())


def _mean(values: Sequence[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return float(np.mean(finite)) if finite else math.nan


def _median(values: Sequence[float]) -> float:
    known = [v for v in values if not math.isnan(v)]
    return float(np.median(known)) if known else math.nan  # inf (never classified) sorts last


def _prefix(evaluation: WarningEvaluation) -> str:
    return f"{evaluation.label}: " if evaluation.label else ""


def summarise_warnings(evaluations: Sequence[WarningEvaluation]) -> WarningSummary:
    events = [(ev, e) for ev in evaluations for e in ev.events]
    alerts = [(ev, a) for ev in evaluations for a in ev.alerts]
    classes = [c for ev in evaluations for c in ev.classes]
    warned = [e for _, e in events if not e.missed]
    false = [(ev, a) for ev, a in alerts if a.false]
    causes = Counter(a.cause or "" for _, a in false)
    over = sum(a.over_warned for _, a in alerts)
    drones = [c.time_to_class_s for c in classes if c.target_class == "drone"]
    rounds = [c.scans for c in classes if c.target_class == "rocket"]
    over_share = over / len(alerts) if alerts else 0.0
    lead_share = _mean([e.lead_share for e in warned])
    drone_median, round_median = _median(drones), _median(rounds)
    cooperative_false = sum(any(t.cause in COOPERATIVE_CAUSES for t in a.tracks) for _, a in false)
    targets: dict[str, bool | None] = {
        "no missed warning": len(warned) == len(events),
        "no false warning for aircraft, birds, authorised drones": cooperative_false == 0,
        "over-warned < 5 % of alerts": over_share < MAX_OVER_WARNED_SHARE if alerts else None,
        "mean lead >= 90 % of time available": lead_share >= MIN_LEAD_SHARE
        if not math.isnan(lead_share)
        else None,
        "median drone class < 5 s": drone_median < MAX_DRONE_CLASS_S
        if not math.isnan(drone_median)
        else None,
        "median round class < 2 scans": round_median < MAX_ROUND_CLASS_SCANS
        if not math.isnan(round_median)
        else None,
    }
    return WarningSummary(
        runs=len(evaluations),
        threat_events=len(events),
        warned=len(warned),
        missed=len(events) - len(warned),
        lapsed=sum(e.lapsed for e in warned),
        alerts=len(alerts),
        false_warnings=len(false),
        false_by_cause=dict(causes.most_common()),
        over_warned=over,
        over_warned_share=over_share,
        mean_lead_time_s=_mean([e.lead_time_s for e in warned]),
        mean_time_available_s=_mean([e.time_available_s for _, e in events]),
        mean_lead_share=lead_share,
        median_drone_class_s=drone_median,
        median_round_class_scans=round_median,
        drones_classified=f"{sum(math.isfinite(t) for t in drones)}/{sum(not math.isnan(t) for t in drones)}",
        rounds_classified=f"{sum(math.isfinite(t) for t in rounds)}/{sum(not math.isnan(t) for t in rounds)}",
        missed_events=[
            f"{_prefix(ev)}{e.target_id} -> {e.zone_id} ({e.kind} at {e.time_s:.1f} s)"
            for ev, e in events
            if e.missed
        ],
        false_alerts=[
            f"{_prefix(ev)}alert {a.alert_id} {a.zone_id} at {a.raised_s:.1f} s: "
            + ", ".join(
                f"track {t.track_id} {t.cause}" + (f" ({t.target_id})" if t.target_id else "")
                for t in a.tracks
            )
            for ev, a in false
        ],
        targets=targets,
    )


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else "never"
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def warning_summary_to_dict(summary: WarningSummary) -> dict[str, Any]:
    """A JSON-ready dict: NaN as null, never-classified medians as "never"."""
    return {**_clean(asdict(summary)), "all_targets_met": summary.all_met}


def evaluation_to_dict(evaluation: WarningEvaluation) -> dict[str, Any]:
    """One run's details: every threat event, alert and target's time to a correct class."""
    return _clean(
        {
            "events": [
                {**asdict(e), "lead_time_s": e.lead_time_s, "lead_share": e.lead_share}
                for e in evaluation.events
            ],
            "alerts": [{**asdict(a), "cause": a.cause} for a in evaluation.alerts],
            "classes": [
                {k: float(v) if isinstance(v, np.floating) else v for k, v in asdict(c).items()}
                for c in evaluation.classes
            ],
            "scan_period_s": evaluation.scan_period_s,
            "confirm_time_s": evaluation.confirm_time_s,
        }
    )


def _seconds(value: float, unit: str = "s") -> str:
    if math.isnan(value):
        return "-"
    return "never" if math.isinf(value) else f"{value:.1f} {unit}"


def _met(met: bool | None) -> str:
    return "n/a" if met is None else ("met" if met else "NOT MET")


def format_warning_summary(summary: WarningSummary, details: bool = True) -> str:
    """The figures and targets as text; ``details`` adds each missed and false warning."""
    causes = ", ".join(f"{cause} {count}" for cause, count in summary.false_by_cause.items()) or "none"
    share = "-" if math.isnan(summary.mean_lead_share) else f"{100 * summary.mean_lead_share:.0f} %"
    rows = [
        ("runs", str(summary.runs)),
        ("threat events (zone entries, impacts)", str(summary.threat_events)),
        (
            "warned / missed",
            f"{summary.warned} / {summary.missed}"
            + (f" ({summary.lapsed} lapsed)" if summary.lapsed else ""),
        ),
        ("alerts", str(summary.alerts)),
        ("false warnings", f"{summary.false_warnings} ({causes})"),
        ("over-warned alerts", f"{summary.over_warned} ({100 * summary.over_warned_share:.1f} % of alerts)"),
        ("mean lead time", _seconds(summary.mean_lead_time_s)),
        ("mean time available", _seconds(summary.mean_time_available_s)),
        ("mean lead / time available", share),
        (
            "median time to class, drones",
            f"{_seconds(summary.median_drone_class_s)} ({summary.drones_classified} classified)",
        ),
        (
            "median time to class, rounds",
            f"{_seconds(summary.median_round_class_scans, 'scans')} ({summary.rounds_classified} classified)",
        ),
    ]
    width = max(len(name) for name, _ in rows + [(t, "") for t in summary.targets])
    lines = [f"{name:<{width}}  {value}" for name, value in rows]
    lines += ["", "targets:"] + [f"  {name:<{width}}  {_met(met)}" for name, met in summary.targets.items()]
    if details and summary.missed_events:
        lines += ["", "missed warnings:"] + [f"  {line}" for line in summary.missed_events]
    if details and summary.false_alerts:
        lines += ["", "false warnings:"] + [f"  {line}" for line in summary.false_alerts]
    return "\n".join(lines)
