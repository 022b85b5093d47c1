"""Replay a recording on the operator's screen.

The recording (CONTRACT.md JSON Lines) runs once through a fresh pipeline, scan by scan,
into a private :class:`StateHub`; the hub's snapshot after each scan is kept, so moving the
time slider is a lookup. A recording of tracks alone (a tracker's output) is shown as it is.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from raqib.model import Detection, Sensor, Site, StepResult, Track, Zone
from raqib.recorder.contract import ContractError, read_recording
from raqib.server.hub import StateHub, StepResultLike
from raqib.server.schemas import RecordingInfo, ReplayInfo, StateSnapshot

RECORDING_NAME = re.compile(r"^[\w][\w.-]{0,200}\.jsonl$")


class PipelineLike(Protocol):
    def step(self, detections: Sequence[Detection], time_s: float) -> StepResultLike: ...


PipelineFactory = Callable[[Site, Sequence[Zone], Sequence[Sensor]], PipelineLike]


class ReplayError(ValueError):
    """A recording that can't be replayed (no such file, no site, nothing in it)."""


def default_pipeline(site: Site, zones: Sequence[Zone], sensors: Sequence[Sensor]) -> PipelineLike:
    from raqib.pipeline import Pipeline  # the lead's; imported late so the server runs without it

    pipeline: PipelineLike = Pipeline(site, list(zones), list(sensors))
    return pipeline


@dataclass(frozen=True)
class Replay:
    name: str
    times_s: np.ndarray[Any, np.dtype[np.float64]]
    snapshots: list[StateSnapshot]
    bad_lines: int = 0

    def info(self) -> ReplayInfo:
        times = self.times_s.tolist()
        return ReplayInfo(
            name=self.name,
            scan_count=len(times),
            start_time_s=times[0] if times else None,
            end_time_s=times[-1] if times else None,
            bad_lines=self.bad_lines,
            times_s=times,
        )

    def at(self, time_s: float) -> StateSnapshot:
        """The picture after the last scan at or before ``time_s`` (the first scan before it)."""
        index = int(np.searchsorted(self.times_s, time_s, side="right")) - 1
        return self.snapshots[max(index, 0)]


def build_replay(
    path: Path,
    make_pipeline: PipelineFactory,
    *,
    zones: Sequence[Zone] = (),
    site: Site | None = None,
    trail_length: int = 30,
) -> Replay:
    """Run the recording at ``path`` through a fresh pipeline; keep a snapshot per scan."""
    errors: list[ContractError] = []
    sensors: dict[str, Sensor] = {}
    detections: dict[float, list[Detection]] = {}
    tracks: dict[float, list[Track]] = {}
    for record in read_recording(path, errors.append, site=site):
        if isinstance(record, Site):
            site = site or record
        elif isinstance(record, Sensor):
            sensors[record.sensor_id] = record
        elif isinstance(record, Detection):
            detections.setdefault(record.time_s, []).append(record)
        elif isinstance(record, Track):
            tracks.setdefault(record.time_s, []).append(record)
    if site is None:
        raise ReplayError(f"{path.name}: no site line, and no site configured")
    hub = StateHub(site=site, zones=zones, sensors=sensors.values(), trail_length=trail_length)
    times: list[float] = []
    snapshots: list[StateSnapshot] = []
    if detections:
        pipeline = make_pipeline(site, zones, list(sensors.values()))
        for time_s in sorted(detections):
            hub.publish(pipeline.step(detections[time_s], time_s))
            times.append(time_s)
            snapshots.append(hub.snapshot())
    else:
        for time_s in sorted(tracks):
            hub.publish(
                StepResult(time_s=time_s, tracks=list(tracks[time_s]), threats=[], alert_changes=[], audit=[])
            )
            times.append(time_s)
            snapshots.append(hub.snapshot())
    if not snapshots:
        raise ReplayError(f"{path.name}: no detections or tracks to replay")
    return Replay(path.name, np.asarray(times, float), snapshots, len(errors))


@dataclass
class ReplayLibrary:
    """The recordings in one folder, each replayed once on first use and then kept."""

    directory: Path
    make_pipeline: PipelineFactory = default_pipeline
    zones: Callable[[], Sequence[Zone]] = list
    site: Callable[[], Site | None] = lambda: None
    keep: int = 4  # replays held in memory at once
    _replays: dict[str, Replay] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    def recordings(self) -> list[RecordingInfo]:
        if not self.directory.is_dir():
            return []
        return [
            RecordingInfo(name=p.name, size_bytes=p.stat().st_size)
            for p in sorted(self.directory.iterdir())
            if p.is_file() and RECORDING_NAME.match(p.name)
        ]

    def path_of(self, name: str) -> Path:
        path = self.directory / name
        if not RECORDING_NAME.match(name) or not path.is_file():
            raise KeyError(name)
        return path

    async def load(self, name: str) -> Replay:
        """The replay of ``name``, computed in a worker thread the first time."""
        path = self.path_of(name)
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            replay = self._replays.get(name)
            if replay is None:
                replay = await asyncio.to_thread(
                    build_replay, path, self.make_pipeline, zones=list(self.zones()), site=self.site()
                )
                while len(self._replays) >= self.keep:
                    del self._replays[next(iter(self._replays))]
                self._replays[name] = replay
            return replay
