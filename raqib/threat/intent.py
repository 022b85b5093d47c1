"""Which zone, if any, a drone in straight flight is heading for: a posterior over goals from
its heading.

Kinematic extrapolation (entry.py) asks whether the track's straight line enters a zone and
has to limit how far ahead that line is trusted: a drone seen for a few seconds may turn.
A drone *attacking* a zone does not turn away from it, and its heading says so early: the
hypothesis "heading for zone z" predicts a heading within the zone's angular extent as seen
from the drone (a block 300 m wide at 5 km: 3.4 degrees), where a drone going nowhere in
particular points anywhere (a density of 1/2 pi). A heading that falls on a small far zone is
strong evidence (a coincidence of about 1 %); one that falls on a large near zone is weak (a
400 m depot 400 m away spans 53 degrees: one heading in seven points at it by chance), so a
drone loitering beside a zone is not taken for one attacking it just because it points at it.

Per track, with prior ``goal_prior`` per zone and the rest on "no zone" (under which the
track's kinematics alone say whether it flies into a zone, and under a goal elsewhere it does
not, unless it lies on the way there: below), one look at the heading h gives

    P(z | h) = prior_z L_z(h) / (prior_none / (2 pi) + sum_k prior_k L_k(h))

where L_z is the density of the measured heading if the drone aims at a point spread evenly
over the zone's angular interval [lo, hi] — (Phi((hi - h) / s) - Phi((lo - h) / s)) / (hi - lo),
s combining the heading's own uncertainty (from the velocity's covariance across track) and
the aim's spread, wrapped round the circle.

A drone heading for a zone flies over whatever lies on its way there: the zones nearer than
its goal that its course crosses are entered first (from the west, the west block lies in
front of the east block; Baghdad's compound lies on the last leg to the fuel farm). So each
zone also gets the goal posterior of every farther zone, times the share of that zone's
angular interval that it covers (the aims at the farther zone that cross it):
``through_probability``. Zones beyond the horizon (farther than ``horizon_m``, or than the
track reaches in the caller's time horizon) still compete for the heading but are not
reported; a zone the track is inside is not a goal (it is there).

The evidence is the heading of the track's present straight run, looked at afresh at each
evaluation (no memory across evaluations: a leg's heading is one fact, and looking at it
again is no new evidence; a posterior kept over time counted a minute of the same ambiguous
heading as many looks, and warned Baghdad's cargo apron for a drone whose first leg points
between it and the compound). Only a straight run of ``min_straight_s`` is looked at (see
evaluate.py); a turning or loitering track is not.
Everything is one array pass over tracks and zones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from raqib.geo import FloatArray, distance_to_polygon_m
from raqib.threat.zones import ZoneGeometry

TWO_PI = 2.0 * np.pi


@dataclass(frozen=True, slots=True)
class IntentConfig:
    # Prior probability that a hostile or unknown drone in straight flight is heading for a
    # given zone, before its heading is seen (the rest: for no zone at all). Small on purpose:
    # only a heading that a chance course would seldom give lifts a zone to the alert's 0.4.
    goal_prior: float = 0.05
    max_goal_share: float = 0.5  # with many zones, "no zone" keeps at least this prior
    aim_sigma_deg: float = 1.0  # how far from the zone an attacker's course over ground strays
    min_speed_ms: float = 3.0  # a hovering drone's heading says nothing
    # The heading is read from a straight run at least this long: coming out of a turn, a
    # drone's heading sweeps past zones it is not aiming at (at 12 s Baghdad's fuel farm,
    # 4 degrees past the compound, was warned for a drone finishing its dog-leg turn).
    min_straight_s: float = 16.0
    # ... unless the track has flown nothing but this line since it was first seen: with no turn
    # of its own to come out of, its heading is read from this long a run (its uncertainty,
    # still wide, says how much it tells). Not shorter: a drone orbiting 200 m out at 15 m/s
    # bends its path by 9 m in 8 s, within the positions' noise, and one first seen on the arc
    # that points at loiter-near-zone's depot was warned at 8 s (1 seed in 20); by 12 s it
    # bends 20 m, which the straightness test sees. 20 seeds of the warning suite: lead share
    # 78.1 -> 80.4 % (swarm 80 -> 84 %, spoofed 88 -> 89 %), no new false or over-warned alert;
    # tracks that joined another zone's alert (a swarm drone flying between the blocks)
    # 98 -> 108 of 468 joins.
    first_leg_straight_s: float = 12.0
    # Once read, a goal is kept while the straight run stays at least this long and its heading
    # agrees with the one it was read from (chi-square, 2 degrees of freedom, 99 %): the test
    # that finds the longest straight window is itself noisy, and a 16 s window that fails it
    # for one look (falling back to 12 s) dropped a swarm drone's goal for two seconds.
    hold_straight_s: float = 8.0
    hold_agree_chi2: float = 9.21
    # A goal read from a heading is trusted this far ahead (the distance to the zone's nearest
    # edge): further out the route may still turn. Baghdad's first drone flies its first leg
    # 3-6 degrees off the compound; read 7 km out its heading was taken in some seeds for one
    # aiming at the compound, the alert lapsed as the leg drew off, and was raised again after
    # the turn (a warning, an all-clear and a warning for one drone); read 7.5 km out the
    # second drone's final leg, which passes tens of metres beside the compound on the line
    # to the fuel farm, warned the fuel farm (8 seeds in 20); read at 6 km, its first drone
    # was warned at the end of its first leg, cleared during the turn and warned again (1 seed
    # in 20). A distance, not a time: a route's legs are as long whatever the speed, and the
    # time horizon this replaced (150 s; 5.7 km for that first drone) held a slow drone's
    # warning back to a shorter range (the spoofed Remote ID drones at 25 m/s, seen 4.6 km
    # out, were warned 3.7 km out, 35 s after they were seen). 20 seeds of the warning suite:
    # lead share 76.8 -> 78.1 % (spoofed 80 -> 88 %), alerts, false and over-warned unchanged.
    horizon_m: float = 5500.0


@dataclass(frozen=True, slots=True)
class GoalPosterior:
    """Per track and zone (N, Z): P(heading for the zone), 0 where it is out of reach within the
    horizon or the track is inside it; P(heading for a farther zone on a course that crosses
    this one first), 0 where the zone is out of reach; the time to reach the zone's nearest
    edge at the track's speed (s; inf where the zone is out of reach); and per track (N,)
    P(heading for no zone at all), under which only its kinematics say whether it enters one."""

    probability: FloatArray
    through_probability: FloatArray
    time_to_zone_s: FloatArray
    none_probability: FloatArray


def angular_intervals(
    position_en_m: FloatArray, zones: Sequence[ZoneGeometry]
) -> tuple[FloatArray, FloatArray]:
    """Each zone's bearing interval as seen from each position (N,2): (lo, hi) in radians,
    (N, Z) each, as mathematical angles (counter-clockwise from east) unwrapped about the
    bearing to the zone's centre, lo <= hi. Meaningful for positions outside the zone."""
    n, k = len(position_en_m), len(zones)
    lo = np.zeros((n, k))
    hi = np.zeros((n, k))
    for j, zone in enumerate(zones):
        offset = zone.polygon_en_m[None, :, :] - position_en_m[:, None, :]  # (N, V, 2)
        centre = zone.centre_en_m[None, :] - position_en_m  # (N, 2)
        centre_bearing = np.arctan2(centre[:, 1], centre[:, 0])
        bearings = np.arctan2(offset[..., 1], offset[..., 0])
        relative = (bearings - centre_bearing[:, None] + np.pi) % TWO_PI - np.pi
        lo[:, j] = centre_bearing + relative.min(axis=1)
        hi[:, j] = centre_bearing + relative.max(axis=1)
    return lo, hi


def _interval_density(heading: FloatArray, sigma: FloatArray, lo: FloatArray, hi: FloatArray) -> FloatArray:
    """Density of a heading (N,) measured with sigma (N,) when the true one is spread evenly
    over [lo, hi] (N, Z), on the circle (the copies one turn either side carry what a wide
    sigma spills round)."""
    h = heading[:, None] + TWO_PI * np.round(((lo + hi) / 2 - heading[:, None]) / TWO_PI)
    s = sigma[:, None]
    mass = np.zeros(lo.shape)
    for shift in (-TWO_PI, 0.0, TWO_PI):
        mass += ndtr((hi - h + shift) / s) - ndtr((lo - h + shift) / s)
    return np.asarray(mass / np.maximum(hi - lo, 1e-6))


@dataclass(frozen=True, slots=True)
class HeadingEvidence:
    """Per track and zone (N, Z): the heading's likelihood if heading for the zone (0 inside
    it), and the time to reach it; per track (N,): whether it moves fast enough to have a
    heading."""

    likelihood: FloatArray
    distance_m: FloatArray  # to the zone's nearest edge (inf inside it)
    time_to_zone_s: FloatArray
    moving: np.ndarray
    bearing_lo_rad: FloatArray  # the zone's angular interval as seen from the track
    bearing_hi_rad: FloatArray


def heading_evidence(
    position_en_m: FloatArray,
    velocity_en_ms: FloatArray,
    velocity_cov_ms2: FloatArray,
    zones: Sequence[ZoneGeometry],
    config: IntentConfig | None = None,
) -> HeadingEvidence:
    """Tracks' horizontal positions (N,2), velocities (N,2) and velocity covariances (N,2,2)
    against the zones; see the module's docstring."""
    cfg = config or IntentConfig()
    n, k = len(position_en_m), len(zones)
    speed = np.linalg.norm(velocity_en_ms, axis=1)
    if n == 0 or k == 0:
        nowhere = np.full((n, k), np.inf)
        none = np.zeros((n, k))
        return HeadingEvidence(none, nowhere, nowhere, speed >= cfg.min_speed_ms, none, none)
    heading = np.arctan2(velocity_en_ms[:, 1], velocity_en_ms[:, 0])
    across = np.stack([-np.sin(heading), np.cos(heading)], axis=1)
    across_var = np.einsum("ni,nij,nj->n", across, velocity_cov_ms2, across)
    heading_sigma = np.sqrt(np.maximum(across_var, 0.0)) / np.maximum(speed, 1e-6)
    sigma = np.minimum(np.hypot(heading_sigma, np.radians(cfg.aim_sigma_deg)), np.pi)  # (N,)
    lo, hi = angular_intervals(position_en_m, zones)
    likelihood = _interval_density(heading, sigma, lo, hi)
    gap = np.stack([distance_to_polygon_m(position_en_m, z.polygon_en_m) for z in zones], axis=1)
    outside = gap > 0  # a drone inside a zone is not heading for it: it is there
    distance = np.where(outside, gap, np.inf)
    time_to_zone = distance / np.maximum(speed, 1e-6)[:, None]
    return HeadingEvidence(
        np.where(outside, likelihood, 0.0), distance, time_to_zone, speed >= cfg.min_speed_ms, lo, hi
    )


def _prior(k: int, cfg: IntentConfig) -> FloatArray:
    """Prior over (no zone, zone 1, ..., zone k)."""
    per_zone = min(cfg.goal_prior, cfg.max_goal_share / k) if k else 0.0
    return np.array([1.0 - per_zone * k] + [per_zone] * k)


def on_the_way(goal_probability: FloatArray, evidence: HeadingEvidence) -> FloatArray:
    """Per track and zone (N, Z): the posterior of the farther zones whose aims cross this zone,
    each weighted by the share of its angular interval this zone covers (aim spread evenly
    over the goal's interval, as the likelihood has it). A goal counts for every zone within
    the horizon that lies on its way, even a goal beyond the horizon: the course is trusted
    as far as the nearer zone."""
    lo, hi = evidence.bearing_lo_rad, evidence.bearing_hi_rad  # (N, Z)
    centre = (lo + hi) / 2
    # Intervals are unwrapped about each zone's own centre bearing: bring the goal's next to
    # the nearer zone's before overlapping them.
    turns = TWO_PI * np.round((centre[:, None, :] - centre[:, :, None]) / TWO_PI)  # (N, near, goal)
    near_lo, near_hi = lo[:, :, None], hi[:, :, None]
    goal_lo, goal_hi = lo[:, None, :] - turns, hi[:, None, :] - turns
    overlap = np.minimum(near_hi, goal_hi) - np.maximum(near_lo, goal_lo)
    share = np.clip(overlap, 0.0, None) / np.maximum(hi - lo, 1e-6)[:, None, :]
    distance = evidence.distance_m
    farther = distance[:, None, :] > distance[:, :, None]
    return np.asarray(np.einsum("njk,nk->nj", np.where(farther, share, 0.0), goal_probability))


def _report(
    posterior: FloatArray, evidence: HeadingEvidence, horizon_s: float, horizon_m: float, observed: np.ndarray
) -> GoalPosterior:
    reachable = (
        (evidence.time_to_zone_s <= horizon_s)
        & (evidence.distance_m <= horizon_m)
        & evidence.moving[:, None]
        & observed[:, None]
    )
    through = on_the_way(posterior[:, 1:], evidence)
    return GoalPosterior(
        np.where(reachable, posterior[:, 1:], 0.0),
        np.where(reachable, through, 0.0),
        np.where(reachable, evidence.time_to_zone_s, np.inf),
        np.where(observed, posterior[:, 0], 1.0),
    )


def goal_posterior(
    position_en_m: FloatArray,
    velocity_en_ms: FloatArray,
    velocity_cov_ms2: FloatArray,
    zones: Sequence[ZoneGeometry],
    horizon_s: float,
    config: IntentConfig | None = None,
) -> GoalPosterior:
    """Each track's posterior over the zones from its heading now (N tracks, Z zones)."""
    cfg = config or IntentConfig()
    evidence = heading_evidence(position_en_m, velocity_en_ms, velocity_cov_ms2, zones, cfg)
    n, k = evidence.likelihood.shape
    weighted = _prior(k, cfg)[None, :] * np.concatenate(
        [np.full((n, 1), 1.0 / TWO_PI), evidence.likelihood], axis=1
    )
    posterior = weighted / weighted.sum(axis=1, keepdims=True)
    return _report(posterior, evidence, horizon_s, cfg.horizon_m, evidence.moving)
