"""`raqib simulate SCENARIO -o REC.jsonl [--seed N]`: a scenario's recording (CONTRACT.md lines)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterator

import msgspec

from raqib.recorder.contract import Record, write_recording
from raqib.scenario import ScenarioError, list_scenarios, load_scenario, simulate


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "simulate",
        help="simulate a scenario into a recording",
        description="Simulate a scenario (a built-in name or a TOML file) and write its recording: "
        "site, sensors, then truth and detection lines in time order.",
    )
    parser.add_argument("scenario", nargs="?", help="built-in scenario name or path to a .toml file")
    parser.add_argument(
        "-o", "--output", default="-", help="recording to write (default: - for standard output)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed (default 0): same seed, same recording"
    )
    parser.add_argument(
        "--epoch",
        action="store_true",
        help="write UNIX times (the scenario's start_time + t) instead of seconds",
    )
    parser.add_argument("--no-truth", action="store_true", help="leave out the truth lines")
    parser.add_argument("--list", action="store_true", help="list the built-in scenarios and exit")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.list:
        for name in list_scenarios():
            print(f"{name:20} {load_scenario(name).description.splitlines()[0]}")
        return 0
    if not args.scenario:
        print(
            "raqib simulate: give a scenario (a built-in name or a .toml file); --list shows them",
            file=sys.stderr,
        )
        return 2
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as error:
        print(f"raqib simulate: {error}", file=sys.stderr)
        return 2
    counts: Counter[str] = Counter()
    offset_s = scenario.start_epoch_s if args.epoch else 0.0

    def records() -> Iterator[Record]:
        for record in simulate(scenario, args.seed):
            kind = type(record).__name__
            if args.no_truth and kind == "Truth":
                continue
            counts[kind] += 1
            if offset_s and hasattr(record, "time_s"):
                record = msgspec.structs.replace(record, time_s=record.time_s + offset_s)  # type: ignore[type-var]
            yield record

    try:
        write_recording(args.output, records())
    except BrokenPipeError:
        raise  # the reader stopped early (`| head`): not an error
    except OSError as error:
        print(f"raqib simulate: cannot write {args.output}: {error.strerror or error}", file=sys.stderr)
        return 1
    summary = ", ".join(f"{count} {kind.lower()}" for kind, count in sorted(counts.items()))
    print(f"raqib simulate: {scenario.name} (seed {args.seed}): {summary}", file=sys.stderr)
    return 0
