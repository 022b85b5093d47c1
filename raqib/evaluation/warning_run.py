"""Running the pipeline over a recording for the warning evaluation.

The recording is replayed as ``raqib run`` does (raqib.recorder.scans: one pipeline step per
sensor scan, in the recording's order), with the scenario's zones and authorisations. Every
step's tracks and alert changes are kept, with the recording's site, sensors, truths and
detections, as the :class:`WarningInputs` of :func:`evaluate_warnings`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from raqib.evaluation.warning_records import TargetInfo, TrackLog, WarningInputs
from raqib.evaluation.warnings import WarningConfig, WarningEvaluation, evaluate_warnings
from raqib.geo import geodetic_to_enu
from raqib.model import Alert, Detection, Sensor, Site, Truth
from raqib.pipeline import Pipeline, PipelineConfig
from raqib.recorder.scans import Scan, iter_scans
from raqib.scenario import Scenario


class WarningRunError(ValueError):
    """A recording the warning evaluation cannot use (no site, no truth)."""


def scenario_targets(scenario: Scenario) -> tuple[TargetInfo, ...]:
    return tuple(TargetInfo(t.id, t.target_class, t.hostile, t.identity) for t in scenario.targets)


def run_pipeline(
    records: Iterable[Any], scenario: Scenario, config: PipelineConfig | None = None
) -> WarningInputs:
    """Replays ``records`` (contract records) through a Pipeline; the inputs of the evaluation."""
    site: Site | None = None
    pipeline: Pipeline | None = None
    sensors: list[Sensor] = []
    truths: list[Truth] = []
    detections: list[Detection] = []
    changes: list[Alert] = []
    columns: list[tuple[float, int, float, float, float, str]] = []
    end_time_s = -np.inf
    for item in iter_scans(records):
        if isinstance(item, Site) and site is None:
            site = item
            pipeline = Pipeline(item, scenario.zones, sensors, scenario.authorisations, config)
        elif isinstance(item, Sensor):
            sensors.append(item)
            if pipeline is not None:
                pipeline.add_sensor(item)
        elif isinstance(item, Truth):
            truths.append(item)
            end_time_s = max(end_time_s, item.time_s)
        elif isinstance(item, Scan) and pipeline is not None:
            detections.extend(item.detections)
            result = pipeline.step(item.detections, item.time_s)
            end_time_s = max(end_time_s, item.time_s)
            changes.extend(result.alert_changes)
            columns.extend(
                (t.time_s, t.track_id, t.lat_deg, t.lon_deg, t.alt_m, str(t.target_class))
                for t in result.tracks
            )
    if site is None:
        raise WarningRunError("the recording has no site line: positions have no local origin")
    if not truths:
        raise WarningRunError("the recording has no truth lines: nothing to evaluate against")
    return WarningInputs(
        site=site,
        zones=scenario.zones,
        authorisations=scenario.authorisations,
        targets=scenario_targets(scenario),
        sensors=tuple(sensors),
        truths=truths,
        detections=detections,
        tracks=_track_log(columns, site),
        alert_changes=changes,
        end_time_s=float(end_time_s),
    )


def _track_log(columns: list[tuple[float, int, float, float, float, str]], site: Site) -> TrackLog:
    if not columns:
        return TrackLog(np.empty(0), np.empty(0, np.int64), np.empty((0, 3)), np.empty(0, object))
    time_s, track_id, lat, lon, alt, target_class = zip(*columns, strict=True)
    e, n, u = geodetic_to_enu(np.array(lat), np.array(lon), np.array(alt), site)
    return TrackLog(
        np.array(time_s, float),
        np.array(track_id, np.int64),
        np.stack([e, n, u], axis=-1).reshape(-1, 3),
        np.array(target_class, dtype=object),
    )


def evaluate_recording(
    records: Iterable[Any],
    scenario: Scenario,
    config: WarningConfig | None = None,
    pipeline_config: PipelineConfig | None = None,
    label: str = "",
) -> WarningEvaluation:
    """Runs the pipeline over a recording and evaluates its warnings."""
    pipeline_config = pipeline_config or PipelineConfig()
    config = config or WarningConfig(horizon_s=pipeline_config.alerts.warn_horizon_s)
    return evaluate_warnings(run_pipeline(records, scenario, pipeline_config), config, label)
