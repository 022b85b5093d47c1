"""`raqib eval RECORDING.jsonl TRACKS.jsonl [--json]`: how well tracks follow the truth.
`raqib eval RECORDING.jsonl --warnings --scenario SCENARIO [--json]`: how well raqib warns.

The first prints mean GOSPA (with its localisation, missed and false parts), mean OSPA,
track-id switches, fragmentations and the time from first detection to first track (see
raqib.evaluation). The second runs the pipeline over the recording with the scenario's zones
and authorisations and prints the warning figures: missed and false warnings (by cause),
over-warned alerts, lead time and its share of the time available, time to a correct class,
and the issue's targets (see raqib.evaluation.warnings). Given both TRACKS and --warnings, it
prints both (as {"tracking": ..., "warnings": ...} with --json).
Bad lines in either file are reported on standard error with their line number and skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "eval",
        help="score a tracker's output against a recording's truth (GOSPA, OSPA, switches)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "recording", help="the recording with site, sensor, detection and truth lines ('-': stdin)"
    )
    parser.add_argument(
        "tracks", nargs="?", help="the tracker's output: track lines ('-': stdin); optional with --warnings"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--cutoff-m", type=float, default=100.0, help="GOSPA/OSPA cut-off c in metres (100)")
    parser.add_argument("--order", type=float, default=2.0, help="GOSPA/OSPA order p (2)")
    parser.add_argument(
        "--track-max-age-s",
        type=float,
        default=None,
        help="tracks older than this at a scan are not counted (default: the tracker's "
        "median output interval)",
    )
    warnings = parser.add_argument_group("warnings")
    warnings.add_argument(
        "--warnings",
        action="store_true",
        help="run the pipeline over the recording and score its warnings (needs --scenario)",
    )
    warnings.add_argument(
        "--scenario",
        help="built-in scenario name or scenario file: zones, authorisations, and which targets are hostile",
    )
    warnings.add_argument(
        "--match-m",
        type=float,
        default=100.0,
        help="a track matches the nearest truth within this distance (100)",
    )
    warnings.add_argument(
        "--confirm-scans",
        type=float,
        default=3.0,
        help="scans to confirm a track, taken off the time available (3)",
    )
    warnings.add_argument(
        "--details", action="store_true", help="with --json: add every threat event, alert and target"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    # The evaluation stack (scipy, the pipeline) loads only when this command runs.
    from raqib.evaluation import (
        EvaluationConfig,
        EvaluationError,
        evaluate_records,
        format_summary,
        summarise,
    )
    from raqib.evaluation.report import summary_to_dict
    from raqib.model import Track
    from raqib.recorder.contract import read_recording

    if args.recording == "-" and args.tracks == "-":
        print("raqib eval: only one of the two files can be standard input", file=sys.stderr)
        return 2
    if args.warnings and not args.scenario:
        print(
            "raqib eval: --warnings needs --scenario (the zones and which targets are hostile)",
            file=sys.stderr,
        )
        return 2
    if not args.warnings and not args.tracks:
        print("raqib eval: give TRACKS.jsonl, or --warnings --scenario SCENARIO", file=sys.stderr)
        return 2
    if not args.tracks:
        return _warnings(args, None)
    try:
        config = EvaluationConfig(c_m=args.cutoff_m, p=args.order, track_max_age_s=args.track_max_age_s)
        tracks = [r for r in read_recording(args.tracks) if isinstance(r, Track)]
        evaluation = evaluate_records(read_recording(args.recording), tracks, config)
    except (OSError, EvaluationError, ValueError) as error:
        print(f"raqib eval: {error}", file=sys.stderr)
        return 1
    summary = summarise(evaluation)
    if args.warnings:
        return _warnings(args, summary_to_dict(summary) if args.json else format_summary(summary))
    if args.json:
        print(json.dumps(summary_to_dict(summary), indent=2))
    else:
        print(format_summary(summary))
        for note in evaluation.notes:
            print(f"note: {note}")
    return 0


def _warnings(args: argparse.Namespace, tracking: dict[str, Any] | str | None) -> int:
    from raqib.evaluation.warning_report import (
        evaluation_to_dict,
        format_warning_summary,
        summarise_warnings,
        warning_summary_to_dict,
    )
    from raqib.evaluation.warning_run import evaluate_recording
    from raqib.evaluation.warnings import WarningConfig
    from raqib.pipeline import PipelineConfig
    from raqib.recorder.contract import read_recording
    from raqib.scenario import load_scenario

    """The warning figures (after the tracking ones, when TRACKS was given too)."""
    try:
        scenario = load_scenario(args.scenario)
        pipeline_config = PipelineConfig()
        config = WarningConfig(
            match_distance_m=args.match_m,
            confirm_scans=args.confirm_scans,
            horizon_s=pipeline_config.alerts.warn_horizon_s,
        )
        evaluation = evaluate_recording(read_recording(args.recording), scenario, config, pipeline_config)
    except (OSError, ValueError) as error:
        print(f"raqib eval: {error}", file=sys.stderr)
        return 1
    summary = summarise_warnings([evaluation])
    if args.json:
        figures = warning_summary_to_dict(summary)
        if args.details:
            figures["details"] = evaluation_to_dict(evaluation)
        both = {"tracking": tracking, "warnings": figures}
        print(json.dumps(figures if tracking is None else both, indent=2))
        return 0
    if isinstance(tracking, str):
        print(tracking + "\n")
    print(format_warning_summary(summary))
    return 0
