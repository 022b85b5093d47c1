"""`raqib run`: the whole pipeline (tracking, classification, threat, alerts).

    raqib run REC.jsonl --scenario SCENARIO   a recording, as fast as it goes; zones and
                                              authorisations from the scenario
    raqib run --config SITE.toml              live, from the feeds the site file lists,
                                              with the operator's screen

Either way it prints each alert as it is raised and cleared, and at the end a summary: for
each alert, its tracks, zone, class and lead time (``--json`` prints the summary as JSON).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from typing import TYPE_CHECKING

import msgspec

from raqib.alerts.summary import format_table, summarise
from raqib.cli._server_options import add_server_arguments
from raqib.model import Sensor, Site
from raqib.outputs.console import ConsoleReporter
from raqib.tracking import ASSOCIATIONS

if TYPE_CHECKING:
    from raqib.pipeline import PipelineConfig
    from raqib.server.schemas import SensorHealth


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "run",
        help="run the whole pipeline on a recording or live feeds",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("recording", nargs="?", help="CONTRACT.md recording (- for standard input)")
    parser.add_argument(
        "--scenario", help="built-in scenario name or scenario file: zones and authorisations"
    )
    parser.add_argument("--config", help="site file (TOML) listing live feeds: run live")
    parser.add_argument("--json", action="store_true", help="print the alert summary as JSON")
    parser.add_argument(
        "--association",
        choices=ASSOCIATIONS,
        help="the tracker's data association: gnn (the default) or jpda; live, it overrides the "
        "site file's [tracker] association",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    add_server_arguments(parser)
    parser.add_argument("--no-server", action="store_true", help="live: do not serve the operator's screen")
    return parser


# The registry's health words, as the operator's screen shows them.
HUB_HEALTH: dict[str, SensorHealth] = {
    "ok": "ok",
    "recovering": "degraded",
    "degraded": "degraded",
    "silent": "down",
}


def run(args: argparse.Namespace) -> int:
    if args.config:
        return asyncio.run(_run_live(args))
    if not args.recording:
        print("raqib run: give a recording or --config SITE.toml", file=sys.stderr)
        return 2
    return _run_recording(args)


def _pipeline_config(association: str) -> PipelineConfig:
    from raqib.pipeline import PipelineConfig
    from raqib.tracking.tracker import TrackerConfig

    return PipelineConfig(tracker=TrackerConfig(association=association))


def _run_recording(args: argparse.Namespace) -> int:
    from raqib.pipeline import Pipeline
    from raqib.recorder.contract import read_recording
    from raqib.recorder.scans import Scan, iter_scans

    zones: tuple = ()
    authorisations: tuple = ()
    start_epoch_s = None
    if args.scenario:
        from raqib.scenario import load_scenario

        scenario = load_scenario(args.scenario)
        zones, authorisations = scenario.zones, scenario.authorisations
        start_epoch_s = scenario.start_epoch_s
    quiet = args.quiet or args.json
    reporter = ConsoleReporter(
        stream=sys.stderr if args.json else sys.stdout,
        start_epoch_s=start_epoch_s,
        zone_names={z.zone_id: z.name for z in zones},
        live_status=False,
    )
    pipeline: Pipeline | None = None  # the recording's site line makes it
    pipeline_config = _pipeline_config(args.association or "gnn")
    sensors: list[Sensor] = []
    for item in iter_scans(read_recording(args.recording)):
        if isinstance(item, Site):
            pipeline = Pipeline(item, zones, sensors, authorisations, pipeline_config)
        elif isinstance(item, Sensor):
            sensors.append(item)
            if pipeline is not None:
                pipeline.add_sensor(item)
        elif isinstance(item, Scan) and pipeline is not None:
            result = pipeline.step(item.detections, item.time_s)
            if not quiet:
                reporter.on_result(result)
    if pipeline is None:
        print("raqib run: the recording has no site line", file=sys.stderr)
        return 2
    rows = summarise(pipeline.engine.history())
    if args.json:
        sys.stdout.write(msgspec.json.encode(rows).decode() + "\n")
    else:
        print()
        print(format_table(rows))
    return 0


async def _run_live(args: argparse.Namespace) -> int:
    from raqib.cli._outputs import CommandsWithOutputs, make_dispatcher
    from raqib.live import run_live
    from raqib.pipeline import Pipeline, StepResult
    from raqib.sensors.registry import HealthEvent
    from raqib.server.hub import StateHub
    from raqib.server.serve import build_from_args, serve_from_args
    from raqib.site import load_site

    config = load_site(args.config)
    association = args.association or config.tracker_association
    pipeline = Pipeline(
        config.site, config.zones, config.sensors, config.authorisations, _pipeline_config(association)
    )
    dispatcher = make_dispatcher(config.outputs, config.site, config.zones)
    commands = pipeline if dispatcher is None else CommandsWithOutputs(pipeline, dispatcher)
    hub = StateHub(site=config.site, zones=config.zones, sensors=config.sensors, commands=commands)
    reporter = ConsoleReporter(
        zone_names={z.zone_id: z.name for z in config.zones},
        open_alerts=lambda: pipeline.alerts,
        live_status=None if not args.quiet else False,
    )
    stop = asyncio.Event()
    tasks = []
    if not args.no_server:
        app, login = build_from_args(args, hub)
        if login:
            print(login)
        tasks.append(asyncio.create_task(serve_from_args(args, app)))
        if hub.zones != list(config.zones):
            commands.set_zones(hub.zones)
    if dispatcher is not None:
        await dispatcher.start()

    def on_result(result: StepResult) -> None:
        hub.publish(result)
        if dispatcher is not None:
            dispatcher.handle(result)
        if not args.quiet:
            reporter.on_result(result)

    def on_health(event: HealthEvent) -> None:
        hub.set_sensor_status(event.sensor_id, HUB_HEALTH[event.current], event.reason, event.time_s)
        reporter.note(f"sensor {event.sensor_id}: {event.previous} -> {event.current} ({event.reason})")

    # Everything built so far lives as long as the run: keep the collector from rescanning it,
    # which made pauses of a tenth of a second in the screen's updates.
    gc.freeze()
    try:
        await run_live(config, on_result=on_result, on_health=on_health, stop_event=stop, pipeline=pipeline)
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    finally:
        for task in tasks:
            task.cancel()
        if dispatcher is not None:
            await dispatcher.stop()
        reporter.finish()
        rows = summarise(pipeline.engine.history())
        print(msgspec.json.encode(rows).decode() if args.json else format_table(rows))
    return 0
