"""`raqib track REC.jsonl -o TRACKS.jsonl`: run the tracker over a recording (CONTRACT.md) and
write, after each scan, one track line per confirmed track."""

from __future__ import annotations

import argparse
import sys

from raqib.model import Sensor, Site
from raqib.tracking import ASSOCIATIONS


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "track", help="track a recording: detections in, track lines out", description=__doc__
    )
    parser.add_argument("recording", help="CONTRACT.md JSON Lines recording, or - for standard input")
    parser.add_argument(
        "-o", "--output", default="-", help="track lines (JSON Lines), or - for standard output"
    )
    add_association_argument(parser)
    return parser


def add_association_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--association",
        choices=ASSOCIATIONS,
        default="gnn",
        help="data association: global nearest neighbour (gnn, the default) or JPDA's soft "
        "weights where several tracks compete for several plots (jpda)",
    )


def run(args: argparse.Namespace) -> int:
    from raqib.pipeline import Pipeline, PipelineConfig
    from raqib.recorder.contract import RecordingWriter, read_recording
    from raqib.recorder.scans import Scan, iter_scans
    from raqib.tracking.tracker import TrackerConfig

    config = PipelineConfig(tracker=TrackerConfig(association=args.association))
    out = sys.stdout.buffer if args.output == "-" else open(args.output, "wb")  # noqa: SIM115
    writer = RecordingWriter(out)
    pipeline: Pipeline | None = None
    pending_sensors: list[Sensor] = []
    try:
        for item in iter_scans(read_recording(args.recording)):
            if isinstance(item, Site):
                pipeline = Pipeline(item, (), pending_sensors, config=config)
            elif isinstance(item, Sensor):
                if pipeline is None:
                    pending_sensors.append(item)
                else:
                    pipeline.add_sensor(item)
            elif isinstance(item, Scan):
                if pipeline is None:
                    print("raqib track: detections before the site line; skipping them", file=sys.stderr)
                    continue
                result = pipeline.step(item.detections, item.time_s)
                for track in result.tracks:
                    writer.write(track)
        if pipeline is None:
            print("raqib track: the recording has no site line", file=sys.stderr)
            return 2
        return 0
    finally:
        writer.flush()
        if out is not sys.stdout.buffer:
            out.close()
