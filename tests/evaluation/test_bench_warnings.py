"""bench_warnings' per-target figures: where the lead is lost, target by target."""

from __future__ import annotations

import importlib
import math
from pathlib import Path
from types import ModuleType

import pytest

from raqib.evaluation.warnings import EventResult, WarningEvaluation

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def bench_warnings(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCH))
    return importlib.import_module("bench_warnings")


def _event(target: str, warned_s: float | None, available_s: float, lapsed: bool = False) -> EventResult:
    return EventResult(
        target_id=target,
        target_class="drone",
        zone_id="block",
        kind="entry",
        time_s=100.0,
        first_detection_s=100.0 - available_s - 1.0,
        warned_s=warned_s,
        lapsed=lapsed,
        time_available_s=available_s,
    )


def _run(*events: EventResult) -> WarningEvaluation:
    return WarningEvaluation(events=events, alerts=(), classes=(), scan_period_s=1.0, confirm_time_s=1.0)


def test_each_targets_lead_is_averaged_over_the_seeds_and_its_misses_counted(
    bench_warnings: ModuleType,
) -> None:
    results = {
        "swarm": [
            _run(_event("west-1", 20.0, 80.0), _event("dog-leg", 90.0, 60.0)),
            _run(_event("west-1", 40.0, 80.0, lapsed=True), _event("dog-leg", None, 60.0)),
        ]
    }
    rows = {r["target"]: r for r in bench_warnings.by_target(results)}
    assert list(rows) == ["dog-leg", "west-1"]  # sorted
    straight, leg = rows["west-1"], rows["dog-leg"]
    assert (straight["events"], straight["missed"], straight["lapsed"]) == (2, 0, 1)
    assert straight["mean_lead_time_s"] == pytest.approx(70.0)  # leads 80 and 60 s
    assert straight["mean_lead_share"] == pytest.approx((1.0 + 0.75) / 2)
    assert (leg["events"], leg["missed"]) == (2, 1)
    assert leg["mean_lead_time_s"] == pytest.approx(10.0)  # the missed one has no lead
    assert leg["mean_time_available_s"] == pytest.approx(60.0)
    table = bench_warnings.target_table(list(rows.values()))
    assert "dog-leg" in table and "17 %" in table and "88 %" in table
    nothing = bench_warnings.by_target({"quiet": [_run()]})
    assert nothing == []
    assert math.isnan(bench_warnings._mean([]))
