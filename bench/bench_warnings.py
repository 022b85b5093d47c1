"""The warning suite: raqib's pipeline over every warning scenario and many seeds, scored
against the issue's targets (raqib.evaluation.warnings has the definitions).

    .venv/bin/python bench/bench_warnings.py                 # 20 seeds per scenario
    .venv/bin/python bench/bench_warnings.py --quick         # 3 seeds
    .venv/bin/python bench/bench_warnings.py --seeds 5 --scenario loiter-near-zone --details

The suite: the built-in ``baghdad-2022`` and ``baghdad-rockets``, and every scenario file in
bench/warning_scenarios/ (a swarm against two adjacent zones, drones loitering near a zone,
an authorised drone breaking its permission, rockets aimed at and near a zone, airliners
low over a zone on approach, a spoofed Remote ID). A ``NAME.spoofing.toml`` beside a
scenario falsifies its targets' broadcast positions (raqib.scenario.spoofing).

For each scenario and over all of them it prints missed warnings, false warnings by cause,
the over-warned share, the mean lead time and its share of the time available, the median
time to a correct class (drones in seconds, rounds in radar scans), and whether each target
is met: no missed warning; no false warning for aircraft, birds or authorised drones;
over-warned < 5 % of alerts; mean lead >= 90 % of the time available; median time to class
< 5 s for drones and < 2 scans for rounds. Beyond those, the scenarios without any threat
(loiter-near-zone, airliners-low) expect no alert at all. The exit status is 0 when all is met.
Then, per target and zone of each scenario, the lead figures over the seeds: where the lead is
lost (a dog-leg's first leg, a round's first seconds) shows there.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from settings import SET_HELP, pipeline_config

from raqib.evaluation.warning_report import (
    WarningSummary,
    format_warning_summary,
    summarise_warnings,
    warning_summary_to_dict,
)
from raqib.evaluation.warning_run import evaluate_recording
from raqib.evaluation.warnings import EventResult, WarningEvaluation
from raqib.scenario import Scenario, load_scenario, simulate
from raqib.scenario.spoofing import load_spoofing, simulate_spoofed

SUITE_DIR = Path(__file__).resolve().parent / "warning_scenarios"
BUILTIN = ("baghdad-2022", "baghdad-rockets")
# Scenarios with no threat at all: beyond the targets, the suite expects no alert there.
NO_ALERT_EXPECTED = ("loiter-near-zone", "airliners-low")


def suite() -> dict[str, str]:
    """Scenario name -> what load_scenario takes (a built-in name or a file path)."""
    names = {name: name for name in BUILTIN}
    for path in sorted(SUITE_DIR.glob("*.toml")):
        if not path.name.endswith(".spoofing.toml"):
            names[path.stem] = str(path)
    return names


def scenario_records(source: str, seed: int) -> tuple[Scenario, Iterable[Any]]:
    """A suite scenario (a built-in name or a file) and its simulated recording at ``seed``,
    spoofed where a ``NAME.spoofing.toml`` lies beside the file."""
    scenario = load_scenario(source)
    spoofing = Path(source).with_suffix(".spoofing.toml") if source.endswith(".toml") else None
    if spoofing is not None and spoofing.is_file():
        return scenario, simulate_spoofed(scenario, seed, load_spoofing(spoofing))
    return scenario, simulate(scenario, seed)


def run_one(
    name: str, source: str, seed: int, settings: Sequence[str] = ()
) -> tuple[WarningEvaluation, float]:
    """One scenario at one seed: simulate, run the pipeline (with ``settings``, see --set),
    evaluate. Returns the wall time too."""
    started = time.perf_counter()
    scenario, records = scenario_records(source, seed)
    evaluation = evaluate_recording(
        records, scenario, pipeline_config=pipeline_config(settings), label=f"{name} seed {seed}"
    )
    return evaluation, time.perf_counter() - started


def _cell(value: float, digits: int = 1, scale: float = 1.0, suffix: str = "") -> str:
    if math.isnan(value):
        return "-"
    return "never" if math.isinf(value) else f"{value * scale:.{digits}f}{suffix}"


def _failures(name: str, summary: WarningSummary) -> list[str]:
    failed = [target for target, met in summary.targets.items() if met is False]
    if name in NO_ALERT_EXPECTED and summary.alerts:
        failed.append(f"no alert expected ({summary.alerts} raised)")
    return failed


def _mark(name: str, summary: WarningSummary) -> str:
    failed = _failures(name, summary)
    return "all met" if not failed else "NOT MET: " + "; ".join(failed)


def table(rows: Sequence[tuple[str, WarningSummary]]) -> str:
    header = (
        f"{'scenario':<20} {'events':>6} {'missed':>6} {'alerts':>6} {'false':>5} {'over %':>6} "
        f"{'lead s':>7} {'lead/avail':>10} {'drone cls s':>11} {'round cls scans':>15}  targets"
    )
    lines = [header, "-" * len(header)]
    for name, s in rows:
        lines.append(
            f"{name:<20} {s.threat_events:>6} {s.missed:>6} {s.alerts:>6} {s.false_warnings:>5} "
            f"{100 * s.over_warned_share:>6.1f} {_cell(s.mean_lead_time_s):>7} "
            f"{_cell(s.mean_lead_share, 0, 100, ' %'):>10} {_cell(s.median_drone_class_s):>11} "
            f"{_cell(s.median_round_class_scans):>15}  {_mark(name, s)}"
        )
    return "\n".join(lines)


def _mean(values: Sequence[float]) -> float:
    """Mean of the values that are numbers (NaN where none is)."""
    finite = [v for v in values if not math.isnan(v)]
    return float(np.mean(finite)) if finite else math.nan


def by_target(results: dict[str, list[WarningEvaluation]]) -> list[dict[str, Any]]:
    """Each scenario's threat events grouped by target and zone over the seeds: how many, how
    many missed, the mean lead, the mean time available and the mean lead share (the events
    with time available, as in the summary), and how many warnings had lapsed before the event.
    Where the lead is lost shows here: a dog-leg's first leg, a round's first seconds."""
    rows = []
    for name, evaluations in results.items():
        groups: dict[tuple[str, str], list[EventResult]] = {}
        for evaluation in evaluations:
            for event in evaluation.events:
                groups.setdefault((event.target_id, event.zone_id), []).append(event)
        for (target, zone), events in sorted(groups.items()):
            warned = [e for e in events if not e.missed]
            rows.append(
                {
                    "scenario": name,
                    "target": target,
                    "zone": zone,
                    "events": len(events),
                    "missed": len(events) - len(warned),
                    "lapsed": sum(e.lapsed for e in warned),
                    "mean_lead_time_s": _mean([e.lead_time_s for e in warned]),
                    "mean_time_available_s": _mean([e.time_available_s for e in events]),
                    "mean_lead_share": _mean([e.lead_share for e in warned]),
                }
            )
    return rows


def target_table(rows: Sequence[dict[str, Any]]) -> str:
    header = (
        f"{'scenario':<20} {'target':<14} {'zone':<12} {'events':>6} {'missed':>6} {'lapsed':>6} "
        f"{'lead s':>7} {'avail s':>7} {'lead/avail':>10}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r['scenario']:<20} {r['target']:<14} {r['zone']:<12} {r['events']:>6} {r['missed']:>6} "
            f"{r['lapsed']:>6} {_cell(r['mean_lead_time_s']):>7} {_cell(r['mean_time_available_s']):>7} "
            f"{_cell(r['mean_lead_share'], 0, 100, ' %'):>10}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=20, help="seeds per scenario (20)")
    parser.add_argument("--quick", action="store_true", help="3 seeds per scenario")
    parser.add_argument("--scenario", action="append", help="run only this scenario (repeatable)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    parser.add_argument("--details", action="store_true", help="list every missed and false warning")
    parser.add_argument("--json", help="also write the figures as JSON to this file")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE", help=SET_HELP)
    args = parser.parse_args(argv)
    seeds = 3 if args.quick else args.seeds
    scenarios = suite()
    if args.scenario:
        unknown = [name for name in args.scenario if name not in scenarios]
        if unknown:
            print(
                f"unknown scenario(s) {', '.join(unknown)}; the suite: {', '.join(scenarios)}",
                file=sys.stderr,
            )
            return 2
        scenarios = {name: scenarios[name] for name in args.scenario}
    jobs = [(name, source, seed) for name, source in scenarios.items() for seed in range(seeds)]
    print(
        f"{len(scenarios)} scenarios x {seeds} seeds = {len(jobs)} runs on {args.jobs} processes", flush=True
    )
    started = time.perf_counter()
    results: dict[str, list[WarningEvaluation]] = {name: [] for name in scenarios}
    wall: dict[str, float] = dict.fromkeys(scenarios, 0.0)
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [(name, pool.submit(run_one, name, source, seed, args.set)) for name, source, seed in jobs]
        for name, future in futures:
            evaluation, seconds = future.result()
            results[name].append(evaluation)
            wall[name] += seconds
            missed = sum(e.missed for e in evaluation.events)
            false = sum(a.false for a in evaluation.alerts)
            print(
                f"  {evaluation.label}: {len(evaluation.events)} threat events, {missed} missed, "
                f"{len(evaluation.alerts)} alerts, {false} false ({seconds:.0f} s)",
                flush=True,
            )
    summaries = [(name, summarise_warnings(evaluations)) for name, evaluations in results.items()]
    overall = summarise_warnings([ev for evaluations in results.values() for ev in evaluations])
    print()
    print(table([*summaries, ("overall", overall)]))
    targets = by_target(results)
    print()
    print("by target (mean over the seeds):")
    print(target_table(targets))
    print()
    print("overall:")
    print(format_warning_summary(overall, details=args.details))
    print()
    for name in scenarios:
        per_run_s = wall[name] / max(len(results[name]), 1)
        print(f"time: {name}: {per_run_s:.1f} s per run (simulate + pipeline + evaluation)")
    print(f"wall clock: {time.perf_counter() - started:.0f} s")
    if args.json:
        figures: dict[str, Any] = {
            name: {**warning_summary_to_dict(s), "not_met": _failures(name, s)}
            for name, s in [*summaries, ("overall", overall)]
        }
        figures["by_target"] = targets
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if not any(_failures(name, s) for name, s in [*summaries, ("overall", overall)]) else 1


if __name__ == "__main__":
    sys.exit(main())
