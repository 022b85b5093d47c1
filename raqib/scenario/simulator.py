"""The simulator loop: targets move, sensors scan on their own schedules, truth is recorded.

    for time_s, detections, truths in Simulator(scenario, seed=7).scans():
        ...                                   # one time step: live play paces these

    for record in simulate(scenario, seed=7):  # Site, Sensors, then Truths and Detections
        ...                                   # in time order: a recording (CONTRACT.md)

Times are seconds from the scenario start. A time step happens at every scan time of any
sensor (``phase_s + k * period_s`` up to ``duration_s``) and at every delivery time of a
sensor with latency. Truth is given for every flying target at every step, and once more at
the exact time a target ends (a round's impact point on the ground, a path's last waypoint).
Detections are stamped with their scan time (one scan: one time, one sensor) and delivered
``latency_s`` later, so a sensor with latency puts lines slightly out of time order.
The same scenario and seed give the same records, bit for bit.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Any

import numpy as np

from raqib.geo import FloatArray, enu_to_geodetic
from raqib.model import Detection, Sensor, Site, Truth
from raqib.scenario.motion import MAX_STEP_S, Fleet
from raqib.scenario.scenario import Scenario
from raqib.scenario.sensor_models import SensorModel, TargetStates, TargetTable, sensor_model

SimRecord = Site | Sensor | Truth | Detection
Step = tuple[float, list[Detection], list[Truth]]
STEPS_PER_BATCH = 32  # steps moved ahead at once, so that geodesy runs once for all of them


class Simulator:
    """Steps a scenario's targets and sensors; deterministic for a seed."""

    def __init__(self, scenario: Scenario, seed: int = 0, max_step_s: float = MAX_STEP_S) -> None:
        self.scenario = scenario
        self.seed = seed
        streams = np.random.SeedSequence(seed).spawn(1 + len(scenario.sensor_specs))
        self.table = TargetTable.of(scenario.targets)
        self.fleet = Fleet(scenario.targets, scenario.site, np.random.default_rng(streams[0]), max_step_s)
        self.models: list[SensorModel] = [
            sensor_model(spec, scenario.site, self.table, np.random.default_rng(stream))
            for spec, stream in zip(scenario.sensor_specs, streams[1:], strict=True)
        ]

    def schedule(self) -> list[tuple[float, list[int]]]:
        """Each step: (time_s, the sensors that scan then); steps with none deliver late scans."""
        duration = self.scenario.duration_s
        scanning: dict[float, list[int]] = {}
        deliveries: set[float] = set()
        for index, spec in enumerate(self.scenario.sensor_specs):
            count = int(np.floor((duration - spec.phase_s) / spec.period_s + 1e-9)) + 1
            for time_s in (spec.phase_s + np.arange(max(count, 0)) * spec.period_s).round(9).tolist():
                scanning.setdefault(time_s, []).append(index)
                if spec.latency_s > 0 and time_s + spec.latency_s <= duration + 1e-9:
                    deliveries.add(round(time_s + spec.latency_s, 9))
        return [(t, scanning.get(t, [])) for t in sorted(set(scanning) | deliveries)]

    def scans(self) -> Iterator[Step]:
        """(time_s, detections delivered at this step, truths) for every step, in time order."""
        queued: list[tuple[float, int, list[Detection]]] = []  # (delivery time, sequence, scan)
        sequence = 0
        schedule = self.schedule()
        for first in range(0, len(schedule), STEPS_PER_BATCH):
            batch = schedule[first : first + STEPS_PER_BATCH]
            for (time_s, scanning), (states, truths) in zip(
                batch, self._move([t for t, _ in batch]), strict=True
            ):
                detections: list[Detection] = []
                for index in scanning:
                    scan = self.models[index].scan(time_s, states)
                    latency = self.scenario.sensor_specs[index].latency_s
                    if latency > 0:
                        heapq.heappush(queued, (round(time_s + latency, 9), sequence, scan))
                        sequence += 1
                    else:
                        detections.extend(scan)
                while queued and queued[0][0] <= time_s + 1e-9:
                    detections.extend(heapq.heappop(queued)[2])
                yield time_s, detections, truths

    def _move(self, times: list[float]) -> list[tuple[TargetStates, list[Truth]]]:
        """Moves the fleet through some steps, converting every position to WGS84 in one call."""
        fleet = self.fleet
        frames = []
        for time_s in times:
            endings = fleet.advance_to(time_s)
            frames.append((fleet.position_m.copy(), fleet.velocity_ms.copy(), fleet.flying, endings))
        ended = [ending for *_, endings in frames for ending in endings]
        points = np.concatenate([np.nan_to_num(f[0]) for f in frames] + [np.zeros((0, 3))])
        if ended:
            points = np.concatenate([points, np.stack([e.position_m for e in ended])])
        wgs84 = enu_to_geodetic(points[:, 0], points[:, 1], points[:, 2], self.scenario.site)
        lat, lon, alt = (np.atleast_1d(x) for x in wgs84)
        count = len(self.table.ids)
        result = []
        used_endings = 0
        end_base = count * len(frames)
        for step, (time_s, (position, velocity, flying, endings)) in enumerate(
            zip(times, frames, strict=True)
        ):
            rows = slice(step * count, (step + 1) * count)
            states = TargetStates(position, velocity, flying, lat[rows], lon[rows], alt[rows])
            done = slice(end_base + used_endings, end_base + used_endings + len(endings))
            used_endings += len(endings)
            truths = self._truth_records(
                np.array([e.time_s for e in endings]),
                np.array([e.index for e in endings], int),
                (lat[done], lon[done], alt[done]),
                np.array([e.velocity_ms for e in endings]).reshape(-1, 3),
            )
            flying_rows = np.flatnonzero(flying)
            truths += self._truth_records(
                np.full(flying_rows.size, time_s),
                flying_rows,
                (states.lat_deg[flying_rows], states.lon_deg[flying_rows], states.alt_m[flying_rows]),
                velocity[flying_rows],
            )
            result.append((states, truths))
        return result

    def _truth_records(
        self,
        times: FloatArray,
        rows: Any,
        wgs84: tuple[FloatArray, FloatArray, FloatArray],
        velocity_ms: FloatArray,
    ) -> list[Truth]:
        ids, classes = self.table.ids, self.table.classes
        lat, lon, alt = wgs84
        columns = zip(
            times.tolist(),
            np.asarray(rows).tolist(),
            lat.tolist(),
            lon.tolist(),
            alt.tolist(),
            velocity_ms.tolist(),
            strict=True,
        )
        return [
            Truth(
                time_s=t, target_id=ids[row], lat_deg=la, lon_deg=lo, alt_m=al, vel_e_ms=ve, vel_n_ms=vn,
                vel_u_ms=vu, target_class=classes[row],
            )
            for t, row, la, lo, al, (ve, vn, vu) in columns
        ]  # fmt: skip


def simulate(scenario: Scenario, seed: int = 0) -> Iterator[SimRecord]:
    """A whole recording: the Site, the Sensors, then each step's Truths and Detections."""
    yield scenario.site
    yield from scenario.sensors
    for _time_s, detections, truths in Simulator(scenario, seed).scans():
        yield from truths
        yield from detections
