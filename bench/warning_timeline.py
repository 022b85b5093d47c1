"""Why a warning came when it did: every threat event's timeline in one scenario run.

    .venv/bin/python bench/warning_timeline.py baghdad-2022 --seed 0
    .venv/bin/python bench/warning_timeline.py bench/warning_scenarios/swarm-two-zones.toml --seeds 3

For each threat event (bench_warnings.py's definitions, raqib.evaluation.warnings) it prints,
in seconds of scenario time: the target's first detection; the first output of a track that
matches it; the first time that track is declared the right class; the first time the threat
evaluator gave it P(entry) > 0 for the zone, and >= the alert's raise probability (for a
round: the first impact prediction touching the zone); when the alert covered it; and the
event itself, with the time available and the lead's share of it. Alongside each time, where
the target truly was: its distance to the zone and the angle between its true heading and the
zone's bearing (a dog-leg's first leg shows as a large angle), so that a late warning can be
put down to the evidence (the target did not point at the zone yet) or to raqib.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from bench_warnings import SUITE_DIR, scenario_records
from settings import SET_HELP, pipeline_config

from raqib.evaluation.sampling import truth_series
from raqib.evaluation.warning_run import run_pipeline
from raqib.evaluation.warnings import THIS_ZONE, WarningConfig, evaluate_warnings
from raqib.geo import distance_to_polygon_m
from raqib.model import Detection, StepResult, Threat
from raqib.pipeline import Pipeline, PipelineConfig
from raqib.threat.zones import ZoneGeometry, zone_geometries


@dataclass
class Capture:
    """Every step's tracks (id -> (time, class, hits)) and threats, as the pipeline made them."""

    threats: list[Threat] = field(default_factory=list)
    tracks: list[tuple[float, int, str, int]] = field(default_factory=list)


@contextmanager
def _capturing(capture: Capture) -> Iterator[None]:
    """Records every pipeline step's tracks and fresh threats while the block runs (the warning
    run builds its own Pipeline, so its step is wrapped for the time being)."""
    original = Pipeline.step

    def step(self: Pipeline, detections: Sequence[Detection], time_s: float) -> StepResult:
        result = original(self, detections, time_s)
        if self._last_threat_time_s == time_s:  # threats were evaluated at this step
            capture.threats.extend(result.threats)
        capture.tracks.extend((t.time_s, t.track_id, str(t.target_class), t.hits) for t in result.tracks)
        return result

    Pipeline.step = step  # type: ignore[method-assign]
    try:
        yield
    finally:
        Pipeline.step = original  # type: ignore[method-assign]


def _source(name: str) -> str:
    path = SUITE_DIR / f"{name}.toml"
    return str(path) if path.is_file() else name


def _where(
    truth_at: dict[str, tuple[np.ndarray, np.ndarray]], target: str, t: float, zone: ZoneGeometry
) -> str:
    """'d=1234 m a=5 deg' for the target's true position and heading against the zone at t."""
    if math.isnan(t) or math.isinf(t) or target not in truth_at:
        return ""
    times, enu = truth_at[target]
    k = int(np.clip(np.searchsorted(times, t), 1, len(times) - 1))
    p, q = enu[k - 1], enu[k]
    heading = q[:2] - p[:2]
    to_zone = zone.centre_en_m - q[:2]
    cross = float(heading[0] * to_zone[1] - heading[1] * to_zone[0])
    angle = math.degrees(abs(math.atan2(cross, float(heading @ to_zone))))
    gap = float(distance_to_polygon_m(q[None, :2], zone.polygon_en_m)[0])
    return f"(d={gap:5.0f} m a={angle:3.0f})"


def timeline(source: str, seed: int, config: PipelineConfig | None = None, trace: Sequence[str] = ()) -> str:
    scenario, records = scenario_records(source, seed)
    capture = Capture()
    config = config or PipelineConfig()
    with _capturing(capture):
        inputs = run_pipeline(records, scenario, config)
    evaluation = evaluate_warnings(inputs, WarningConfig(horizon_s=config.alerts.warn_horizon_s))
    truth = truth_series(inputs.truths, inputs.site)
    truth_at = {}
    for i, label in enumerate(truth.labels):
        rows = np.flatnonzero(truth.object_index == i)
        order = rows[np.argsort(truth.time_s[rows])]
        truth_at[label] = (truth.time_s[order], truth.enu_m[order])
    geometry = {g.zone.zone_id: g for g in zone_geometries(inputs.zones, inputs.site)}
    raise_p = config.alerts.raise_probability
    lines = [f"{scenario.name} seed {seed}"]
    header = (
        f"  {'target':<12} {'zone':<11} {'kind':<6} {'det':>6} {'track':>6} {'class':>6} "
        f"{'P>0':>6} {'P>=th':>6} {'warned':>6} {'event':>6} {'avail':>6} {'lead':>6} {'share':>5}"
    )
    lines.append(header)
    classes = {t.target_id: t.target_class for t in inputs.targets}
    for e in evaluation.events:
        tracks = {tid for tid, label in evaluation.track_truth.items() if label == e.target_id}
        outputs = [row for row in capture.tracks if row[1] in tracks]
        first_track = min((r[0] for r in outputs), default=math.nan)
        first_class = min((r[0] for r in outputs if r[2] == classes.get(e.target_id)), default=math.nan)
        own = [th for th in capture.threats if th.track_id in tracks and th.zone_id == e.zone_id]
        positive = min((th.time_s for th in own if th.probability > 0 or th.inside), default=math.nan)
        if e.kind == "impact":
            over = min(
                (th.time_s for th in own if th.probability >= config.alerts.ballistic_raise_probability),
                default=math.nan,
            )
        else:
            over = min((th.time_s for th in own if th.probability >= raise_p or th.inside), default=math.nan)
        warned = math.nan if e.warned_s is None else e.warned_s
        zone = geometry[e.zone_id]
        lines.append(
            f"  {e.target_id:<12} {e.zone_id:<11} {e.kind:<6} {e.first_detection_s:6.1f} {first_track:6.1f} "
            f"{first_class:6.1f} {positive:6.1f} {over:6.1f} {warned:6.1f} {e.time_s:6.1f} "
            f"{e.time_available_s:6.1f} {e.lead_time_s:6.1f} {100 * e.lead_share:4.0f}%"
        )
        lines.append(
            "    where: det "
            + _where(truth_at, e.target_id, e.first_detection_s, zone)
            + " P>0 "
            + _where(truth_at, e.target_id, positive, zone)
            + " warned "
            + _where(truth_at, e.target_id, warned, zone)
        )
    for target in trace:
        traced = sorted(tid for tid, label in evaluation.track_truth.items() if label == target)
        lines.append(f"  trace {target}: tracks {traced}")
        for th in capture.threats:
            if th.track_id in traced and (
                th.impact_ellipse_m is not None or abs(th.time_s - round(th.time_s / 2) * 2) < 0.26
            ):
                tte = math.nan if th.time_to_entry_s is None else th.time_to_entry_s
                lines.append(
                    f"    {th.time_s:6.1f} track {th.track_id} {th.zone_id:<11} P={th.probability:4.2f} "
                    f"tte={tte:5.0f} closest={th.closest_approach_m:5.0f}" + (" inside" if th.inside else "")
                )
        for a in evaluation.alerts:
            if any(t.target_id == target for t in a.tracks):
                lines.append(
                    f"    alert {a.alert_id} {a.zone_id} raised {a.raised_s:.1f} cleared {a.cleared_s}"
                )
    # Alerts that were false or over-warned, and every track that joined an alert for a zone
    # its truth was no threat to (a swarm's alert is justified by one drone; the others that
    # joined it for the wrong zone are hidden in the alert-level figures).
    for a in evaluation.alerts:
        stray = [t for t in a.tracks if t.cause != THIS_ZONE]
        if a.false or a.over_warned or stray:
            causes = ", ".join(f"track {t.track_id} {t.cause} ({t.target_id})" for t in stray)
            flags = ("false " if a.false else "") + ("over-warned " if a.over_warned else "")
            lines.append(f"  alert {a.alert_id} {a.zone_id} raised {a.raised_s:.1f}: {flags}{causes}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenario", help="a suite name (baghdad-2022, swarm-two-zones, ...) or a file")
    parser.add_argument("--seed", type=int, default=0, help="first seed (0)")
    parser.add_argument("--seeds", type=int, default=1, help="how many seeds from --seed (1)")
    parser.add_argument("--trace", action="append", default=[], help="print this target's threats")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.FIELD=VALUE",
        help=SET_HELP,
    )
    args = parser.parse_args(argv)
    config = pipeline_config(args.set)
    for seed in range(args.seed, args.seed + args.seeds):
        print(timeline(_source(args.scenario), seed, config, trace=args.trace), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
