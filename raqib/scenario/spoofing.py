"""Spoofed broadcasts: targets whose Remote ID (or ADS-B) reports claim a position other than
their own, while radar and RF direction finders still see where they truly are.

    spoofs = load_spoofing("bench/warning_scenarios/spoofed-remoteid.spoofing.toml")
    for record in simulate_spoofed(scenario, seed=7, spoofs=spoofs):
        ...

The scenario format has no key for this (its tables reject unknown keys), so spoofing lives
in a small companion TOML file::

    [[spoofed]]
    target = "spoofer-2"                          # a target of the scenario that broadcasts
    offset_m = [east, north, up]                  # claims its true position plus this, or
    claimed = {lat = 33.26, lon = 44.23, alt_agl_m = 30.0}   # claims to hover at this point

A spoofer broadcasts the scenario target's own ``identity``: give it a serial from the
allow-list to spoof that drone. The receiver range check uses the claimed position.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path

import msgspec
import numpy as np

from raqib.geo import enu_to_geodetic, geodetic_to_enu
from raqib.model import Detection
from raqib.scenario.frames import up_for_height_m
from raqib.scenario.scenario import Scenario, ScenarioError
from raqib.scenario.sensor_models import PositionReportModel, TargetStates
from raqib.scenario.simulator import SimRecord, Simulator
from raqib.scenario.spec import Height, Latitude, Longitude


class ClaimedPoint(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    lat: Latitude
    lon: Longitude
    alt_agl_m: Height = 30.0


class SpoofedBroadcast(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One target's false position reports: its true position plus ``offset_m`` (east, north,
    up metres), or the fixed point ``claimed`` (hovering)."""

    target: str
    offset_m: tuple[float, float, float] | None = None
    claimed: ClaimedPoint | None = None


class _SpoofingFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    spoofed: tuple[SpoofedBroadcast, ...] = ()


def load_spoofing(path: str | Path) -> tuple[SpoofedBroadcast, ...]:
    """The spoofed broadcasts of a companion file; ScenarioError names the file and why."""
    source = str(path)
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        spoofs = msgspec.convert(raw, _SpoofingFile).spoofed
    except OSError as error:
        raise ScenarioError(source, "", f"cannot read the file: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ScenarioError(source, "", f"not valid TOML: {error}") from None
    except msgspec.ValidationError as error:
        raise ScenarioError(source, "", str(error)) from None
    for index, spoof in enumerate(spoofs):
        if (spoof.offset_m is None) == (spoof.claimed is None):
            raise ScenarioError(source, f"spoofed[{index}]", "needs exactly one of offset_m or claimed")
    return spoofs


class SpoofedReportModel(PositionReportModel):
    """A position-report receiver that hears some targets' claimed positions instead of their own."""

    def __init__(
        self, base: PositionReportModel, scenario: Scenario, spoofs: Sequence[SpoofedBroadcast]
    ) -> None:
        super().__init__(base.spec, base.site, base.table, base.rng)
        rows = {target_id: row for row, target_id in enumerate(base.table.ids)}
        self.offset_rows = np.array([rows[s.target] for s in spoofs if s.offset_m is not None], np.intp)
        self.offsets_m = np.array([s.offset_m for s in spoofs if s.offset_m is not None], float).reshape(
            -1, 3
        )
        points = [s.claimed for s in spoofs if s.claimed is not None]
        self.fixed_rows = np.array([rows[s.target] for s in spoofs if s.claimed is not None], np.intp)
        e, n, _ = geodetic_to_enu(
            np.array([p.lat for p in points], float),
            np.array([p.lon for p in points], float),
            np.full(len(points), scenario.site.alt_m),
            scenario.site,
        )
        up = up_for_height_m(e, n, np.array([p.alt_agl_m for p in points], float))
        self.fixed_m = np.stack([np.atleast_1d(e), np.atleast_1d(n), np.atleast_1d(up)], axis=-1).reshape(
            -1, 3
        )

    def scan(self, time_s: float, states: TargetStates) -> list[Detection]:
        position, velocity = states.position_m.copy(), states.velocity_ms.copy()
        position[self.offset_rows] += self.offsets_m
        position[self.fixed_rows] = self.fixed_m
        velocity[self.fixed_rows] = 0.0
        rows = np.concatenate([self.offset_rows, self.fixed_rows])
        lat, lon, alt = states.lat_deg.copy(), states.lon_deg.copy(), states.alt_m.copy()
        if len(rows):
            moved = np.nan_to_num(position[rows])
            lat[rows], lon[rows], alt[rows] = (
                np.atleast_1d(x) for x in enu_to_geodetic(moved[:, 0], moved[:, 1], moved[:, 2], self.site)
            )
        return super().scan(time_s, TargetStates(position, velocity, states.flying, lat, lon, alt))


class SpoofingSimulator(Simulator):
    """The simulator, with the spoofed targets' position reports falsified."""

    def __init__(self, scenario: Scenario, seed: int = 0, spoofs: Sequence[SpoofedBroadcast] = ()) -> None:
        super().__init__(scenario, seed)
        for index, spoof in enumerate(spoofs):
            if spoof.target not in self.table.ids:
                raise ScenarioError(
                    scenario.source or scenario.name,
                    f"spoofed[{index}].target",
                    f"no target has id {spoof.target!r}",
                )
            if not scenario.target(spoof.target).broadcasts:
                raise ScenarioError(
                    scenario.source or scenario.name,
                    f"spoofed[{index}].target",
                    f"target {spoof.target!r} broadcasts nothing to spoof",
                )
        self.models = [
            SpoofedReportModel(model, scenario, spoofs)
            if isinstance(model, PositionReportModel) and spoofs
            else model
            for model in self.models
        ]


def simulate_spoofed(
    scenario: Scenario, seed: int = 0, spoofs: Sequence[SpoofedBroadcast] = ()
) -> Iterator[SimRecord]:
    """A whole recording, as :func:`raqib.scenario.simulate`, with spoofed position reports."""
    yield scenario.site
    yield from scenario.sensors
    for _time_s, detections, truths in SpoofingSimulator(scenario, seed, spoofs).scans():
        yield from truths
        yield from detections
