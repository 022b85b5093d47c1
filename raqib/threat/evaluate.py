"""Threat evaluation: for every classified track and every zone, is the zone at risk?

Powered flight (drones, unknowns): probability and time of zone entry from the track's
Gaussian (entry.py). Rounds in ballistic flight: the predicted impact point and its 95 %
ellipse (ballistic.py); only zones the ellipse touches are at risk. Manned aircraft and birds
are never threats; an authorised drone is one only outside its permission.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec
import numpy as np

from raqib.geo import FloatArray, distance_to_polygon_m, enu_to_geodetic, points_in_polygon
from raqib.model import Authorisation, Site, Threat, Track, Zone
from raqib.threat.ballistic import DragEstimator, ImpactConfig, ellipse_touches_polygon, predict_impact
from raqib.threat.classify import speed_variance
from raqib.threat.entry import EntryConfig, EntryPredictor
from raqib.threat.intent import IntentConfig, goal_posterior
from raqib.threat.straight import StraightConfig, StraightFit, StraightLineEstimator
from raqib.threat.turning import TurnEstimator
from raqib.threat.zones import ZoneGeometry, zone_geometries

HOSTILE_CLASSES = frozenset({"drone", "rocket", "unknown"})
KIND_WEIGHT = {"protected": 1.0, "restricted": 0.6, "warning": 0.4}


@dataclass(frozen=True, slots=True)
class ThreatConfig:
    entry: EntryConfig = field(default_factory=EntryConfig)
    straight: StraightConfig = field(default_factory=StraightConfig)
    impact: ImpactConfig = field(default_factory=ImpactConfig)
    intent: IntentConfig = field(default_factory=IntentConfig)
    hostile_probability: float = 0.6  # P(drone) + P(rocket) + half P(unknown) to count as a threat
    min_age_s: float = 4.0  # a track in powered flight must have been followed this long first
    ballistic_probability: float = 0.6  # P(rocket) to predict an impact
    # A round's impact is predicted, and shown, from its second plot (a Doppler radar confirms
    # it on two): the prediction must come within 3 scans of the first detection even when one
    # of the first three plots is missed. Its ellipse is honest (km wide after 2 plots), but a
    # round's alert is raised at once on P(impact in zone), so a 2-plot prediction is marked
    # provisional and warned on only from min_ballistic_alert_hits plots.
    min_ballistic_hits: int = 2
    min_ballistic_alert_hits: int = 3
    reach_margin_m: float = 500.0
    # A drone whose history shows it loitering (straight.py) is not flown straight far ahead:
    # its straight moments are the sides of its circuit. It is judged over this horizon only,
    # which still warns a loiterer that breaks off at a zone before it gets there.
    loiter_horizon_s: float = 20.0
    # A straight line is extrapolated no further ahead than this many times the straight
    # flight the track has shown (its straight fit's baseline; without one, its age): a drone
    # orbiting near a zone points at it for a few seconds at a time. At 5, loiter-near-zone's
    # orbiting drone, first seen on the arc that points at the depot, raised an alert 12 s
    # later (seed 19 of 20); at 3 none, for 1 point less of lead share on the swarm and the
    # spoofer (3 seeds), whose far warnings come from intent.py.
    extrapolation_factor: float = 3.0
    # ... and no further than this many times its straight run if its history shows it flying
    # otherwise before (straight.py's ``bent``): it has shown how short its legs are. A leg
    # seen to start has, at the median, as long again to go. loiter-near-zone's slow drone
    # flies a hexagon whose 12 s legs (16 s straight in its track) point one lap in six at
    # the depot 45 s away: at 5 that raised an alert in 4 of 6 seeds, at 2 in none.
    bent_extrapolation_factor: float = 2.0


def _is_authorised(
    track: Track,
    time_s: float,
    permits: dict[str, Authorisation],
    zones: dict[str, ZoneGeometry],
    protected: list[ZoneGeometry],
) -> bool:
    permit = permits.get(track.identity or "")
    if permit is None or track.spoofing_suspected:
        return False
    if permit.from_s is not None and time_s < permit.from_s:
        return False
    if permit.until_s is not None and time_s > permit.until_s:
        return False
    point = np.array([[track.east_m, track.north_m, track.up_m]])
    if permit.zone_ids:
        return any(zones[z].contains(point)[0] for z in permit.zone_ids if z in zones)
    return not any(z.contains(point)[0] for z in protected)


def _height_m(track: Track) -> float:
    """The round's height: the ballistic model's, where the tracker reports it."""
    return track.ballistic_state[2] if track.ballistic_state else track.up_m


def _has_landed(track: Track, ground_up_m: float) -> bool:
    """Below the ground and surely falling: the round has landed (a scan just after its impact
    predicts its track a few metres underground; its impact was predicted before). A young
    round that the radar's elevation noise put underground is not sure of falling."""
    state = track.ballistic_state if track.ballistic_state else ()
    cov = track.ballistic_cov if track.ballistic_cov else track.cov_enu
    if len(state) != 6 or len(cov) != 36 or state[2] >= ground_up_m:
        return False
    return bool(state[5] + 2.0 * np.sqrt(max(cov[35], 0.0)) < 0.0)


def _height_sigma_m(track: Track) -> float:
    cov = track.ballistic_cov if track.ballistic_cov else track.cov_enu
    return float(np.sqrt(max(cov[14], 0.0))) if len(cov) == 36 else 0.0


class ThreatEvaluator:
    def __init__(
        self,
        site: Site,
        zones: Sequence[Zone],
        authorisations: Sequence[Authorisation] = (),
        config: ThreatConfig | None = None,
    ) -> None:
        self.site = site
        self.config = config or ThreatConfig()
        self.entry = EntryPredictor(self.config.entry)
        self.permits = {a.identity: a for a in authorisations}
        self.drag = DragEstimator(self.config.impact)
        self.turns = TurnEstimator()
        self.straight = StraightLineEstimator(self.config.straight)
        self._fit: StraightFit | None = None
        self._fit_row: dict[int, int] = {}
        self._goal_heading: dict[int, tuple[FloatArray, float]] = {}  # goal read at the last look
        self.set_zones(zones)

    def set_zones(self, zones: Sequence[Zone]) -> None:
        self.zones = zone_geometries(zones, self.site)
        self.zone_by_id = {z.zone.zone_id: z for z in self.zones}
        self.protected = [z for z in self.zones if z.zone.kind == "protected"]

    def mark_authorised(self, tracks: Sequence[Track], time_s: float) -> list[Track]:
        return [
            msgspec.structs.replace(
                t, authorised=_is_authorised(t, time_s, self.permits, self.zone_by_id, self.protected)
            )
            if t.identity in self.permits
            else t
            for t in tracks
        ]

    def _record_motion(self, tracks: Sequence[Track], time_s: float) -> StraightFit | None:
        """Every track's position goes into its history from its first output (not only once it
        is a candidate), so a straight run is measured from the start."""
        if not tracks:
            return None
        cov = np.array(
            [np.reshape(t.cov_enu, (6, 6)) if len(t.cov_enu) == 36 else np.eye(6) * 100.0 for t in tracks]
        )
        fit = self.straight.update(
            [t.track_id for t in tracks],
            time_s,
            np.array([[t.east_m, t.north_m] for t in tracks]),
            0.5 * (cov[:, 0, 0] + cov[:, 1, 1]),
            np.array([[t.vel_e_ms, t.vel_n_ms] for t in tracks]),
            cov[:, 3:5, 3:5],
        )
        self.straight.forget({t.track_id for t in tracks})
        return fit

    def evaluate(self, tracks: Sequence[Track], time_s: float) -> list[Threat]:
        cfg = self.config
        self._fit = self._record_motion(tracks, time_s)
        self._fit_row = {t.track_id: i for i, t in enumerate(tracks)}
        candidates = [
            t
            for t in tracks
            if t.target_class in HOSTILE_CLASSES
            and not t.authorised
            and self._hostile_probability(t) >= cfg.hostile_probability
            and (
                t.target_class == "rocket"
                or t.time_s - (t.time_s if t.first_detection_time_s is None else t.first_detection_time_s)
                >= cfg.min_age_s
            )
        ]
        if not candidates or not self.zones:
            return []
        # A round coasting well below the ground has landed: its impact was predicted before.
        # Within two sigma of the ground it may be one just launched, low, that the radar's
        # elevation noise put underground (a 16-degree shot's track was at -8 and -14 m +- 40 m
        # on its 2nd and 3rd plots, descending by its estimate while climbing at 100 m/s, and
        # got its first prediction on the 4th).
        ballistic = [
            t
            for t in candidates
            if t.class_probs.get("rocket", 0.0) >= cfg.ballistic_probability
            and t.hits >= cfg.min_ballistic_hits
            and _height_m(t) + 2.0 * _height_sigma_m(t) > cfg.impact.ground_up_m
            and not _has_landed(t, cfg.impact.ground_up_m)
        ]
        ballistic_ids = {t.track_id for t in ballistic}
        powered = [
            t for t in candidates if t.track_id not in ballistic_ids and t.class_probs.get("rocket", 0) < 0.3
        ]
        self.drag.forget({t.track_id for t in ballistic})
        self.turns.forget({t.track_id for t in powered})
        threats = self._powered_threats(powered, time_s) + self._ballistic_threats(ballistic, time_s)
        return sorted(threats, key=lambda th: -th.score)

    def _holds_goal(
        self, tracks: Sequence[Track], velocity_en_ms: FloatArray, variance_ms2: FloatArray
    ) -> np.ndarray:
        """Per track: whether it had a goal at its last evaluation, read from a straight run whose
        velocity agrees with this one's (a turn since then does not)."""
        nothing = (np.full(2, np.nan), np.inf)
        before = [self._goal_heading.get(t.track_id, nothing) for t in tracks]
        if not before:
            return np.zeros(0, bool)
        change = velocity_en_ms - np.array([b[0] for b in before])
        spread = variance_ms2 + np.array([b[1] for b in before])
        with np.errstate(invalid="ignore"):
            return np.asarray(np.sum(change**2, axis=1) <= self.config.intent.hold_agree_chi2 * spread)

    @staticmethod
    def _hostile_probability(track: Track) -> float:
        p = track.class_probs
        return p.get("drone", 0.0) + p.get("rocket", 0.0) + 0.5 * p.get("unknown", 0.0)

    def _powered_threats(self, tracks: Sequence[Track], time_s: float) -> list[Threat]:
        if not tracks:
            return []
        cfg = self.config
        state = np.array([[t.east_m, t.north_m, t.up_m, t.vel_e_ms, t.vel_n_ms, t.vel_u_ms] for t in tracks])
        cov = np.array(
            [np.reshape(t.cov_enu, (6, 6)) if len(t.cov_enu) == 36 else np.eye(6) * 100.0 for t in tracks]
        )
        turn_rate = self.turns.update(tracks, time_s)
        straight = turn_rate == 0
        # A track flying straight (no steady turn) is predicted on the velocity of its own
        # straight run, which knows its heading better than the filter does (straight.py).
        own_horizon = None
        goal_ok = np.zeros(len(tracks), bool)
        if self._fit is not None:
            fit = self._fit
            rows = np.array([self._fit_row[t.track_id] for t in tracks], np.intp)
            age = np.array([time_s - (t.first_detection_time_s or t.time_s) for t in tracks])
            shown = np.where(fit.valid[rows], fit.baseline_s[rows], age)
            factor = np.where(fit.bent[rows], cfg.bent_extrapolation_factor, cfg.extrapolation_factor)
            own_horizon = np.where(
                fit.loitering[rows],
                cfg.loiter_horizon_s,
                np.where(~straight, np.inf, np.maximum(factor * shown, cfg.loiter_horizon_s)),
            )
            use = fit.valid[rows] & straight
            chosen = rows[use]
            state[use, 3:5] = fit.velocity_en_ms[chosen]
            # The fit's errors are its own: no correlation with the filter's other states.
            cov[use, 3:5, :] = 0.0
            cov[use, :, 3:5] = 0.0
            cov[use, 3:5, 3:5] = fit.velocity_var_ms2[chosen, None, None] * np.eye(2)
            # Intent is read from a straight run only: a turning or loitering drone's heading
            # sweeps past zones without aiming at them.
            steady = fit.valid[rows] & straight & ~fit.loitering[rows]
            baseline = fit.baseline_s[rows]
            read = steady & (
                (baseline >= cfg.intent.min_straight_s)
                | (~fit.bent[rows] & (baseline >= cfg.intent.first_leg_straight_s))
            )
            held = (
                ~read
                & steady
                & (baseline >= cfg.intent.hold_straight_s)
                & self._holds_goal(tracks, fit.velocity_en_ms[rows], fit.velocity_var_ms2[rows])
            )
            goal_ok = read | held
            # A held goal is compared with the heading it was last read from, not with the
            # previous look's: a slow drift cannot carry it along.
            headings: dict[int, tuple[FloatArray, float]] = {}
            for k in np.flatnonzero(goal_ok).tolist():
                track_id, r = tracks[k].track_id, int(rows[k])
                fresh = (fit.velocity_en_ms[r], float(fit.velocity_var_ms2[r]))
                headings[track_id] = fresh if read[k] else self._goal_heading[track_id]
            self._goal_heading = headings
        horizon = cfg.entry.horizon_s
        goals = goal_posterior(state[:, :2], state[:, 3:5], cov[:, 3:5, 3:5], self.zones, horizon, cfg.intent)
        # Heading for the zone, or for a farther one across it: the risk read from the heading.
        heading_p = np.where(goal_ok[:, None], goals.probability + goals.through_probability, 0.0)
        no_goal = np.where(goal_ok, goals.none_probability, 1.0)
        speed = np.linalg.norm(state[:, 3:], axis=1)
        pos_sigma = np.sqrt(np.maximum(cov[:, 0, 0] + cov[:, 1, 1], 0))
        threats = []
        for j, zone in enumerate(self.zones):
            gap = np.linalg.norm(state[:, :2] - zone.centre_en_m, axis=1) - zone.radius_m
            reachable = np.flatnonzero(gap <= speed * horizon + 3 * pos_sigma + cfg.reach_margin_m)
            if len(reachable) == 0:
                continue
            pred = self.entry.predict(
                state[reachable],
                cov[reachable],
                zone,
                turn_rate[reachable],
                None if own_horizon is None else own_horizon[reachable],
            )
            for k, i in enumerate(reachable.tolist()):
                track = tracks[i]
                inside = bool(pred.inside_now[k])
                # Heading for the zone, it gets there; heading for a farther zone beyond it, it
                # crosses it on the way; heading for none, it may still fly into it (its
                # kinematics say); heading for another zone, it does not. A line that
                # carries it in sooner than it could turn away counts whatever the intent: the
                # goal posterior does not veto the kinematics (a dog-leg's first leg pointing
                # at one block makes it the likely goal until the turn for the other).
                kinematic = float(pred.probability[k])
                heading = float(heading_p[i, j])
                mixture = heading + float(no_goal[i]) * kinematic
                probability = 1.0 if inside else max(kinematic, mixture)
                if probability <= 0.0:
                    continue
                tte: float | None
                if inside:
                    tte = 0.0
                elif not np.isnan(pred.time_to_entry_s[k]):
                    tte = float(pred.time_to_entry_s[k])
                else:
                    tte = float(goals.time_to_zone_s[i, j])
                threats.append(
                    Threat(
                        time_s=time_s,
                        track_id=track.track_id,
                        zone_id=zone.zone.zone_id,
                        zone_kind=zone.zone.kind,
                        target_class=track.target_class,
                        inside=inside,
                        probability=probability,
                        time_to_entry_s=tte,
                        closest_approach_m=float(pred.closest_approach_m[k]),
                        score=self._score(zone, probability, tte, track),
                        heading_probability=heading,
                    )
                )
        return threats

    def _ballistic_threats(self, tracks: Sequence[Track], time_s: float) -> list[Threat]:
        if not tracks:
            return []
        # The ballistic model's own estimate: the mixture lags a decelerating round.
        state = np.array(
            [
                t.ballistic_state
                if t.ballistic_state
                else (t.east_m, t.north_m, t.up_m, t.vel_e_ms, t.vel_n_ms, t.vel_u_ms)
                for t in tracks
            ]
        )
        cov = np.array(
            [np.reshape(t.ballistic_cov if t.ballistic_cov else t.cov_enu, (6, 6)) for t in tracks]
        )
        speed_var = speed_variance(state[:, 3:], cov[:, 3:, 3:])
        drag, drag_sigma = self.drag.update(
            [t.track_id for t in tracks], time_s, state[:, 3:], state[:, 2], speed_var
        )
        impact = predict_impact(state, cov, self.config.impact, drag, drag_sigma)
        major, minor, azimuth = impact.ellipse_95()
        lat, lon, _ = enu_to_geodetic(impact.impact_en_m[:, 0], impact.impact_en_m[:, 1], 0.0, self.site)
        lat, lon = np.atleast_1d(lat), np.atleast_1d(lon)
        rng = np.random.default_rng(7)
        draws = rng.standard_normal((512, 2))
        threats = []
        for k, track in enumerate(tracks):
            if not impact.valid[k]:
                continue
            root = np.linalg.cholesky(impact.impact_cov_m2[k] + 1e-6 * np.eye(2))
            cloud = impact.impact_en_m[k] + draws @ root.T
            for zone in self.zones:
                if not ellipse_touches_polygon(
                    impact.impact_en_m[k], impact.impact_cov_m2[k], zone.polygon_en_m, impact.chi2_95[k]
                ):
                    continue
                probability = float(points_in_polygon(cloud, zone.polygon_en_m).mean())
                closest = float(distance_to_polygon_m(impact.impact_en_m[k][None], zone.polygon_en_m)[0])
                tti = float(impact.time_to_impact_s[k])
                threats.append(
                    Threat(
                        time_s=time_s,
                        track_id=track.track_id,
                        zone_id=zone.zone.zone_id,
                        zone_kind=zone.zone.kind,
                        target_class=track.target_class,
                        inside=False,
                        probability=probability,
                        time_to_entry_s=tti,
                        closest_approach_m=closest,
                        score=self._score(zone, probability, tti, track) + 1.0,
                        impact_lat_deg=float(lat[k]),
                        impact_lon_deg=float(lon[k]),
                        impact_time_s=time_s + tti,
                        impact_ellipse_m=(float(major[k]), float(minor[k]), float(azimuth[k])),
                        provisional=track.hits < self.config.min_ballistic_alert_hits,
                    )
                )
        return threats

    @staticmethod
    def _score(zone: ZoneGeometry, probability: float, time_to_entry_s: float | None, track: Track) -> float:
        """Orders what an operator sees first: likely, soon, against what matters most."""
        urgency = 1.0 / (1.0 + (time_to_entry_s if time_to_entry_s is not None else 600.0) / 60.0)
        return float(KIND_WEIGHT.get(zone.zone.kind, 0.5) * probability * (0.5 + urgency))
