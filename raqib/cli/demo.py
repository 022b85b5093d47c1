"""`raqib demo`: play a scenario (default ``baghdad-2022``) live through the whole pipeline, with
the operator's screen on http://127.0.0.1:8080, alerts in the terminal as they are raised and
cleared, a live status line, and a summary of every alert's lead time at the end. Ctrl-C stops."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import sys
import time
from pathlib import Path

from raqib.alerts.summary import format_table, summarise
from raqib.cli._server_options import add_server_arguments
from raqib.outputs.console import ConsoleReporter


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "demo", help="play the seed scenario live, with the operator's screen", description=__doc__
    )
    parser.add_argument("--scenario", default="baghdad-2022", help="built-in scenario name or file")
    parser.add_argument("--speed", type=float, default=1.0, help="play N times faster than real time")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the simulation")
    parser.add_argument(
        "--linger", action="store_true", help="keep serving the screen after the scenario ends"
    )
    parser.add_argument("--no-server", action="store_true", help="terminal only")
    parser.add_argument(
        "--outputs",
        type=Path,
        help="TOML file with an [outputs] section (CoT, CAP, webhooks, audible): "
        "the demo's warnings go out there too, marked as an exercise",
    )
    add_server_arguments(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_demo(args))
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
        return 130


async def _demo(args: argparse.Namespace) -> int:
    from raqib.cli._outputs import CommandsWithOutputs, load_outputs_file, make_dispatcher
    from raqib.pipeline import Pipeline
    from raqib.scenario import Simulator, load_scenario
    from raqib.server.hub import StateHub
    from raqib.server.serve import build_from_args, serve_from_args

    scenario = load_scenario(args.scenario)
    pipeline = Pipeline(scenario.site, scenario.zones, scenario.sensors, scenario.authorisations)
    dispatcher = None
    if args.outputs is not None:
        # Stamped with today's clock, not the scenario's 2022 one, or TAK would drop every
        # event as stale; marked as an exercise so no demo is taken for a real warning.
        dispatcher = make_dispatcher(
            load_outputs_file(args.outputs),
            scenario.site,
            scenario.zones,
            epoch_offset_s=time.time(),
            simulated=True,
        )
    commands = pipeline if dispatcher is None else CommandsWithOutputs(pipeline, dispatcher)
    hub = StateHub(site=scenario.site, zones=scenario.zones, sensors=scenario.sensors, commands=commands)
    reporter = ConsoleReporter(
        start_epoch_s=scenario.start_epoch_s,
        zone_names={z.zone_id: z.name for z in scenario.zones},
        open_alerts=lambda: pipeline.alerts,
    )
    server: asyncio.Task[None] | None = None
    print(f"raqib demo: {scenario.name}\n{' '.join(scenario.description.split())}")
    if not args.no_server:
        app, login = build_from_args(args, hub)
        if hub.zones != list(scenario.zones):
            commands.set_zones(hub.zones)
        server = asyncio.create_task(serve_from_args(args, app))
        scheme = "https" if args.tls_cert else "http"
        print(f"operator's screen: {scheme}://{args.host}:{args.port}/")
        if login:
            print(login)
    if dispatcher is not None:
        await dispatcher.start()
    # Everything built so far lives as long as the run: keep the collector from rescanning it,
    # which made pauses of a tenth of a second in the screen's updates.
    gc.freeze()
    print(f"playing {scenario.duration_s:.0f} s of scenario at {args.speed:g}x; Ctrl-C stops")
    started = time.monotonic()
    try:
        for time_s, detections, _truths in Simulator(scenario, args.seed).scans():
            delay = time_s / args.speed - (time.monotonic() - started)
            if delay > 0:
                await asyncio.sleep(delay)
            if server is not None and server.done():
                server.result()  # the screen failed to start: say why
            result = pipeline.step(detections, time_s)
            hub.publish(result)
            if dispatcher is not None:
                dispatcher.handle(result)
            reporter.on_result(result)
        reporter.finish()
        print("\nAlert summary (lead time: from warning to zone entry or impact)")
        print(format_table(summarise(pipeline.engine.history())))
        if args.linger and server is not None:
            print("scenario over; the screen stays up until Ctrl-C")
            await server
    finally:
        reporter.finish()
        if dispatcher is not None:
            await dispatcher.stop()
        if server is not None:
            server.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await server
    return 0
