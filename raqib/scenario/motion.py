"""How targets move: every target's state in arrays, advanced together in small time steps.

Three motions, each a group that steps all its flying targets at once:
  * path: waypoints flown at constant speed, with coordinated fly-by turns (turn rate at most
    ``max_turn_rate_deg_s``, the turn started ``R tan(turn / 2)`` before the waypoint) and
    straight climbs or descents to the next waypoint's height (at most ``max_climb_ms``);
  * erratic (birds): random changes of heading, speed and height, turning back to the area;
  * ballistic: gravity and drag (:mod:`raqib.scenario.ballistics`) until ground impact.

A target waits until its ``start_time_s``, flies, then ends (at its last waypoint, at ground
impact, or at ``end_time_s``); each end is reported as an :class:`Ending` at its own time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from raqib.geo import FloatArray, geodetic_to_enu
from raqib.model import Site
from raqib.scenario import ballistics
from raqib.scenario.frames import height_above_ground_m, up_for_height_m
from raqib.scenario.spec import TargetSpec

WAITING, FLYING, ENDED = 0, 1, 2
MAX_STEP_S = 0.25
BIRD_CLIMB_MS = 2.0
BIRD_ACCELERATION_MS2 = 2.0
BIRD_HEADING_CHANGE_SIGMA_DEG = 60.0


def _wrap_rad(angle: Any) -> Any:
    return (np.asarray(angle) + np.pi) % (2.0 * np.pi) - np.pi


def _enu(site: Site, lat: Any, lon: Any, height_m: Any) -> FloatArray:
    """ENU points (N, 3) for lat/lon with heights above the site's ground."""
    east, north, _ = geodetic_to_enu(lat, lon, np.full(np.shape(lat), site.alt_m), site)
    return np.stack([east, north, up_for_height_m(east, north, height_m)], axis=-1)


@dataclass(frozen=True)
class Ending:
    """A target's last state: at its last waypoint ("arrived"), on the ground ("impact") or at its
    end time ("ended")."""

    index: int
    time_s: float
    position_m: FloatArray
    velocity_ms: FloatArray
    reason: str


class Fleet:
    """Every target's position and velocity (site ENU) and whether it is flying, in arrays.

    ``advance_to(t)`` moves everything to time t in steps of at most ``max_step_s``; sensors
    read ``position_m``, ``velocity_ms`` and ``flying`` between calls."""

    def __init__(
        self,
        targets: Sequence[TargetSpec],
        site: Site,
        rng: np.random.Generator,
        max_step_s: float = MAX_STEP_S,
    ) -> None:
        count = len(targets)
        self.targets = tuple(targets)
        self.max_step_s = max_step_s
        self.time_s = 0.0
        self.position_m: FloatArray = np.full((count, 3), np.nan)
        self.velocity_ms: FloatArray = np.zeros((count, 3))
        self.state = np.full(count, WAITING, np.int8)
        self.start_s = np.array([t.start_time_s for t in targets], float)
        self.end_s = np.array([np.inf if t.end_time_s is None else t.end_time_s for t in targets], float)
        self._paths = _PathGroup(self, [i for i, t in enumerate(targets) if t.path is not None], site)
        self._birds = _BirdGroup(self, [i for i, t in enumerate(targets) if t.erratic is not None], site, rng)
        self._rounds = _RoundGroup(self, [i for i, t in enumerate(targets) if t.ballistic is not None], site)
        self._pending: list[Ending] = []
        self._start_due(0.0)

    @property
    def flying(self) -> np.ndarray[Any, np.dtype[np.bool_]]:
        return np.asarray(self.state == FLYING)

    def advance_to(self, time_s: float) -> list[Ending]:
        """Moves every target to ``time_s``; returns the targets that ended on the way, in time order."""
        while self.time_s < time_s - 1e-9:
            waiting = self.start_s[(self.state == WAITING) & (self.start_s > self.time_s + 1e-9)]
            next_s = min(
                time_s, self.time_s + self.max_step_s, float(waiting.min()) if waiting.size else np.inf
            )
            step_s = next_s - self.time_s
            for group in (self._paths, self._birds, self._rounds):
                group.step(self.time_s, step_s)
            self.time_s = next_s
            self._end_overdue()
            self._start_due(self.time_s)
        endings, self._pending = sorted(self._pending, key=lambda e: e.time_s), []
        return endings

    def end(
        self, index: int, time_s: float, position_m: FloatArray, velocity_ms: FloatArray, reason: str
    ) -> None:
        self.state[index] = ENDED
        self.position_m[index] = position_m
        self.velocity_ms[index] = velocity_ms
        self._pending.append(Ending(index, time_s, np.array(position_m), np.array(velocity_ms), reason))

    def _end_overdue(self) -> None:
        for index in np.flatnonzero((self.state == FLYING) & (self.end_s <= self.time_s + 1e-9)):
            self.end(int(index), self.time_s, self.position_m[index], self.velocity_ms[index], "ended")

    def _start_due(self, time_s: float) -> None:
        due = (self.state == WAITING) & (self.start_s <= time_s + 1e-9)
        if not due.any():
            return
        self.state[due] = FLYING
        for group in (self._paths, self._birds, self._rounds):
            group.start(due[group.rows], time_s)


class _Group:
    """The targets of one motion: ``rows`` are their indices in the fleet."""

    def __init__(self, fleet: Fleet, rows: list[int]) -> None:
        self.fleet = fleet
        self.rows = np.asarray(rows, int)

    def flying(self) -> np.ndarray[Any, np.dtype[np.intp]]:
        """Group-local indices of the flying targets."""
        return np.flatnonzero(self.fleet.state[self.rows] == FLYING)

    def start(self, due: np.ndarray[Any, np.dtype[np.bool_]], time_s: float) -> None:
        raise NotImplementedError

    def step(self, time_s: float, dt_s: float) -> None:
        raise NotImplementedError


class _PathGroup(_Group):
    def __init__(self, fleet: Fleet, rows: list[int], site: Site) -> None:
        super().__init__(fleet, rows)
        paths = [fleet.targets[row].path for row in rows]
        most = max((len(p.waypoints) for p in paths if p is not None), default=1)
        count = len(rows)
        self.waypoints = np.zeros((count, most, 3))
        self.heights = np.zeros((count, most))
        self.lead_m = np.zeros((count, most))
        self.count = np.zeros(count, int)
        self.speed = np.zeros(count)
        self.turn_rad_s = np.zeros(count)
        self.climb = np.zeros(count)
        self.loop = np.zeros(count, bool)
        self.heading = np.zeros(count)
        self.next = np.ones(count, int)
        for g, path in enumerate(paths):
            assert path is not None
            points = np.asarray(path.waypoints, float)
            n = len(points)
            self.waypoints[g, :n] = _enu(site, points[:, 0], points[:, 1], points[:, 2])
            self.waypoints[g, n:] = self.waypoints[g, n - 1]
            self.heights[g, :n] = points[:, 2]
            self.count[g] = n
            self.speed[g] = path.speed_ms
            self.turn_rad_s[g] = np.radians(path.max_turn_rate_deg_s)
            self.climb[g] = path.max_climb_ms
            self.loop[g] = path.loop
            self.lead_m[g, :n] = self._turn_leads(
                self.waypoints[g, :n, :2], path.loop, path.speed_ms / self.turn_rad_s[g]
            )

    @staticmethod
    def _turn_leads(points: FloatArray, loop: bool, radius_m: float) -> FloatArray:
        """How far before each waypoint the turn onto the next leg starts: R tan(turn / 2)."""
        incoming = points - np.roll(points, 1, axis=0)
        outgoing = np.roll(points, -1, axis=0) - points
        turn = np.abs(
            _wrap_rad(np.arctan2(outgoing[:, 0], outgoing[:, 1]) - np.arctan2(incoming[:, 0], incoming[:, 1]))
        )
        legs = np.minimum(np.hypot(*incoming.T), np.hypot(*outgoing.T))
        lead = np.minimum(radius_m * np.tan(np.minimum(turn, np.radians(150.0)) / 2.0), 0.5 * legs)
        if not loop:
            lead[0] = lead[-1] = 0.0
        return np.asarray(lead)

    def start(self, due: np.ndarray[Any, np.dtype[np.bool_]], time_s: float) -> None:
        g = np.flatnonzero(due)
        if g.size == 0:
            return
        first, second = self.waypoints[g, 0], self.waypoints[g, 1]
        self.next[g] = 1
        self.heading[g] = np.arctan2(second[:, 0] - first[:, 0], second[:, 1] - first[:, 1])
        self.fleet.position_m[self.rows[g]] = first
        self.fleet.velocity_ms[self.rows[g]] = self._velocity(g, first, 1.0)

    def _velocity(self, g: Any, position: FloatArray, dt_s: float) -> FloatArray:
        target = self.waypoints[g, self.next[g]]
        distance = np.hypot(target[:, 0] - position[:, 0], target[:, 1] - position[:, 1])
        time_to_go = np.maximum(distance / self.speed[g], dt_s)
        climb = (self.heights[g, self.next[g]] - height_above_ground_m(position)) / time_to_go
        up = np.clip(climb, -self.climb[g], self.climb[g])
        speed = self.speed[g]
        return np.stack([speed * np.sin(self.heading[g]), speed * np.cos(self.heading[g]), up], axis=-1)

    def step(self, time_s: float, dt_s: float) -> None:
        g = self.flying()
        if g.size == 0:
            return
        rows = self.rows[g]
        position = self.fleet.position_m[rows]
        target = self.waypoints[g, self.next[g]]
        wanted = np.arctan2(target[:, 0] - position[:, 0], target[:, 1] - position[:, 1])
        most = self.turn_rad_s[g] * dt_s
        self.heading[g] = _wrap_rad(
            self.heading[g] + np.clip(_wrap_rad(wanted - self.heading[g]), -most, most)
        )
        velocity = self._velocity(g, position, dt_s)
        position = position + velocity * dt_s
        self.fleet.position_m[rows] = position
        self.fleet.velocity_ms[rows] = velocity
        # reached: within the turn lead (or one step) of the waypoint, or past it along its leg
        before = self.waypoints[g, self.next[g] - 1]
        leg = target[:, :2] - before[:, :2]
        past = np.einsum("ij,ij->i", position[:, :2] - target[:, :2], leg) >= 0.0
        near = np.hypot(*(target[:, :2] - position[:, :2]).T) <= np.maximum(
            self.lead_m[g, self.next[g]], self.speed[g] * dt_s
        )
        reached = near | past
        last = self.next[g] == self.count[g] - 1
        arrived = reached & last & ~self.loop[g]
        for i in np.flatnonzero(arrived):
            self.fleet.end(int(rows[i]), time_s + dt_s, position[i], velocity[i], "arrived")
        advance = reached & ~arrived
        self.next[g[advance]] = np.where(last[advance], 0, self.next[g[advance]] + 1)


class _BirdGroup(_Group):
    def __init__(self, fleet: Fleet, rows: list[int], site: Site, rng: np.random.Generator) -> None:
        super().__init__(fleet, rows)
        self.rng = rng
        specs = [spec for spec in (fleet.targets[row].erratic for row in rows) if spec is not None]
        count = len(specs)
        starts = [spec.start or spec for spec in specs]
        self.centre = _enu(site, [s.lat for s in specs], [s.lon for s in specs], np.zeros(count))[:, :2]
        self.start_en = _enu(site, [s.lat for s in starts], [s.lon for s in starts], np.zeros(count))[:, :2]
        self.radius = np.array([s.radius_m for s in specs], float)
        self.height_range = np.array([s.alt_agl_m for s in specs], float).reshape(count, 2)
        self.speed_range = np.array([s.speed_ms for s in specs], float).reshape(count, 2)
        self.mean_change_s = np.array([s.mean_change_s for s in specs], float)
        self.turn_rad_s = np.radians([s.max_turn_rate_deg_s for s in specs])
        self.initial_heading = np.radians([np.nan if s.heading_deg is None else s.heading_deg for s in specs])
        self.heading = np.zeros(count)
        self.speed = np.zeros(count)
        self.wanted_heading = np.zeros(count)
        self.wanted_speed = np.zeros(count)
        self.wanted_height = np.zeros(count)
        self.next_change_s = np.zeros(count)

    def _draw(self, g: Any, time_s: float) -> None:
        n = len(g)
        self.wanted_heading[g] = self.heading[g] + np.radians(
            BIRD_HEADING_CHANGE_SIGMA_DEG
        ) * self.rng.standard_normal(n)
        self.wanted_speed[g] = self.rng.uniform(self.speed_range[g, 0], self.speed_range[g, 1])
        self.wanted_height[g] = self.rng.uniform(self.height_range[g, 0], self.height_range[g, 1])
        self.next_change_s[g] = time_s + self.rng.exponential(self.mean_change_s[g])

    def start(self, due: np.ndarray[Any, np.dtype[np.bool_]], time_s: float) -> None:
        g = np.flatnonzero(due)
        if g.size == 0:
            return
        random_heading = self.rng.uniform(-np.pi, np.pi, g.size)
        self.heading[g] = np.where(np.isnan(self.initial_heading[g]), random_heading, self.initial_heading[g])
        self.speed[g] = self.rng.uniform(self.speed_range[g, 0], self.speed_range[g, 1])
        height = self.rng.uniform(self.height_range[g, 0], self.height_range[g, 1])
        self._draw(g, time_s)
        east, north = self.start_en[g, 0], self.start_en[g, 1]
        rows = self.rows[g]
        self.fleet.position_m[rows] = np.stack([east, north, up_for_height_m(east, north, height)], axis=-1)
        self.fleet.velocity_ms[rows] = self._velocity(g, self.fleet.position_m[rows])

    def _velocity(self, g: Any, position: FloatArray) -> FloatArray:
        climb = np.clip(
            self.wanted_height[g] - height_above_ground_m(position), -BIRD_CLIMB_MS, BIRD_CLIMB_MS
        )
        speed = self.speed[g]
        return np.stack([speed * np.sin(self.heading[g]), speed * np.cos(self.heading[g]), climb], axis=-1)

    def step(self, time_s: float, dt_s: float) -> None:
        g = self.flying()
        if g.size == 0:
            return
        due = g[self.next_change_s[g] <= time_s]
        if due.size:
            self._draw(due, time_s)
        rows = self.rows[g]
        position = self.fleet.position_m[rows]
        home = self.centre[g] - position[:, :2]
        strayed = np.hypot(*home.T) > self.radius[g]
        self.wanted_heading[g[strayed]] = np.arctan2(home[strayed, 0], home[strayed, 1])
        most = self.turn_rad_s[g] * dt_s
        turn = np.clip(_wrap_rad(self.wanted_heading[g] - self.heading[g]), -most, most)
        self.heading[g] = _wrap_rad(self.heading[g] + turn)
        accel = BIRD_ACCELERATION_MS2 * dt_s
        self.speed[g] += np.clip(self.wanted_speed[g] - self.speed[g], -accel, accel)
        velocity = self._velocity(g, position)
        self.fleet.position_m[rows] = position + velocity * dt_s
        self.fleet.velocity_ms[rows] = velocity


class _RoundGroup(_Group):
    def __init__(self, fleet: Fleet, rows: list[int], site: Site) -> None:
        super().__init__(fleet, rows)
        specs = [fleet.targets[row].ballistic for row in rows]
        self.launch_m = np.zeros((len(rows), 3))
        self.launch_velocity = np.zeros((len(rows), 3))
        self.k_per_m = np.zeros(len(rows))
        for g, spec in enumerate(specs):
            assert spec is not None
            east, north, up = geodetic_to_enu(
                spec.lat, spec.lon, site.alt_m if spec.alt is None else spec.alt, site
            )
            self.launch_m[g] = (float(east), float(north), float(up))
            if spec.alt is None:
                self.launch_m[g, 2] = float(up_for_height_m(east, north, 0.0))
            self.launch_velocity[g] = ballistics.launch_velocity(
                spec.azimuth_deg, spec.elevation_deg, spec.speed_ms
            )
            drag = spec.drag_per_m
            if drag is None:
                assert spec.ballistic_coefficient_kg_m2 is not None
                drag = ballistics.drag_per_m(spec.ballistic_coefficient_kg_m2)
            self.k_per_m[g] = drag

    def start(self, due: np.ndarray[Any, np.dtype[np.bool_]], time_s: float) -> None:
        g = np.flatnonzero(due)
        self.fleet.position_m[self.rows[g]] = self.launch_m[g]
        self.fleet.velocity_ms[self.rows[g]] = self.launch_velocity[g]

    def step(self, time_s: float, dt_s: float) -> None:
        g = self.flying()
        if g.size == 0:
            return
        rows = self.rows[g]
        position, velocity = self.fleet.position_m[rows], self.fleet.velocity_ms[rows]
        new_position, new_velocity = ballistics.rk4_step(position, velocity, self.k_per_m[g], dt_s)
        before_h, after_h = height_above_ground_m(position), height_above_ground_m(new_position)
        self.fleet.position_m[rows], self.fleet.velocity_ms[rows] = new_position, new_velocity
        for i in np.flatnonzero((after_h <= 0.0) & (new_velocity[:, 2] < 0.0)):
            fraction = float(ballistics.ground_crossing(before_h[i : i + 1], after_h[i : i + 1])[0])
            impact = position[i] + fraction * (new_position[i] - position[i])
            impact[2] = up_for_height_m(impact[0], impact[1], 0.0)  # on the ground exactly
            impact_velocity = velocity[i] + fraction * (new_velocity[i] - velocity[i])
            self.fleet.end(int(rows[i]), time_s + fraction * dt_s, impact, impact_velocity, "impact")
