"""Classification: class probabilities for every track from its kinematics, its radar
cross-section, the IMM's ballistic-model probability, its cooperative identity and the classes
its sensors report — with hysteresis so the declared class does not flicker.

Each piece of evidence gives a likelihood per class; they multiply with the prior (naive
Bayes, in log space, one array pass over all tracks). The posterior is smoothed over time per
track, and the declared class changes only when another class leads by a margin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
import numpy as np

from raqib.geo import FloatArray
from raqib.model import TARGET_CLASSES, TargetClass, Track

CLASSES = [c.value for c in TARGET_CLASSES]
DRONE, BIRD, AIRCRAFT, ROCKET, UNKNOWN = (
    CLASSES.index(c) for c in ("drone", "bird", "aircraft", "rocket", "unknown")
)


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    prior: tuple[float, float, float, float, float] = (0.2, 0.3, 0.2, 0.1, 0.2)  # order of TargetClass
    # Gaussian (mean, sigma) of horizontal+vertical speed (m/s) and mean RCS (dBsm) per class.
    speed_ms: tuple[tuple[float, float], ...] = ((25.0, 14.0), (11.0, 6.0), (110.0, 55.0), (300.0, 90.0))
    rcs_dbsm: tuple[tuple[float, float], ...] = ((-14.0, 7.0), (-28.0, 7.0), (18.0, 10.0), (-10.0, 9.0))
    climb_sigma_ms: tuple[float, float, float] = (6.0, 4.0, 12.0)  # drone, bird, aircraft
    uniform_climb_density: float = 1.0 / 400.0
    uniform_speed_density: float = 1.0 / 1000.0  # an unknown object may fly at any speed up to ~1 km/s
    uniform_rcs_density: float = 1.0 / 100.0
    cooperative_weight: float = 60.0  # likelihood ratio of an ADS-B or Remote ID identity
    reported_weight: float = 6.0  # per unit of a sensor's class vote
    ballistic_prior: float = 0.15  # the IMM's initial ballistic-mode probability
    smoothing_time_s: float = 2.5  # time constant of the running estimate: evidence must persist
    switch_margin: float = 0.15  # a new class must lead the declared one by this much


def _gauss(x: FloatArray, mean: float, sigma: FloatArray | float) -> FloatArray:
    return np.asarray(np.exp(-0.5 * ((x - mean) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi)))


def speed_variance(velocity_ms: FloatArray, velocity_cov_ms2: FloatArray) -> FloatArray:
    """Variance (m^2/s^2) of the speed of each velocity (N, D) along itself, from its
    covariance (N, D, D). A still target has no direction: the sum of its velocity's variances
    (an upper bound on the largest) stands for it."""
    speed = np.sqrt(np.einsum("ni,ni->n", velocity_ms, velocity_ms))
    along = velocity_ms / np.maximum(speed, 1e-6)[:, None]
    variance = np.einsum("ni,nij,nj->n", along, velocity_cov_ms2, along)
    still = speed < 1e-6
    variance = np.where(still, np.trace(velocity_cov_ms2, axis1=1, axis2=2), variance)
    return np.asarray(np.maximum(variance, 0.0))


def _horizontal_speed_variance(tracks: Sequence[Track]) -> FloatArray:
    """speed_variance of each track's horizontal velocity (100 where it reports no
    covariance, as for the climb rate)."""
    cov = np.array([t.cov_enu if len(t.cov_enu) == 36 else (0.0,) * 36 for t in tracks], dtype=float).reshape(
        len(tracks), 6, 6
    )[:, 3:5, 3:5]
    velocity = np.array([(t.vel_e_ms, t.vel_n_ms) for t in tracks], dtype=float).reshape(len(tracks), 2)
    has_cov = np.array([len(t.cov_enu) == 36 for t in tracks], dtype=bool)
    return np.asarray(np.where(has_cov, speed_variance(velocity, cov), 100.0))


class Classifier:
    """Keeps each track's smoothed class probabilities and declared class between steps."""

    def __init__(self, config: ClassifierConfig | None = None) -> None:
        self.config = config or ClassifierConfig()
        self._probs: dict[int, FloatArray] = {}
        self._declared: dict[int, int] = {}
        self._times: dict[int, float] = {}
        self._first_times: dict[int, float] = {}

    def likelihoods(self, tracks: Sequence[Track]) -> FloatArray:
        """Posterior of this instant's evidence alone, (N, 5), rows summing to 1."""
        cfg = self.config
        n = len(tracks)
        # Horizontal speed tells the air vehicles apart; vertical speed is judged against how
        # fast each class climbs, widened by the track's own vertical-velocity uncertainty
        # (radar elevation noise makes a low target's climb rate jitter). Rounds are judged on
        # their whole speed: a mortar bomb at 60 degrees crosses the ground slowly.
        speed = np.array([np.hypot(t.vel_e_ms, t.vel_n_ms) for t in tracks])
        climb = np.array([t.vel_u_ms for t in tracks])
        climb_var = np.array([t.cov_enu[35] if len(t.cov_enu) == 36 else 100.0 for t in tracks])
        speed_var = _horizontal_speed_variance(tracks)
        # Each hypothesis is judged on its own model's estimate: the round on the ballistic
        # model's velocity (where the tracker reports it), which the air-breathing models' mixture
        # underestimates while a steep climb is still hidden in the radar's elevation noise.
        round_velocity = np.array(
            [
                t.ballistic_state[3:6] if t.ballistic_state else (t.vel_e_ms, t.vel_n_ms, t.vel_u_ms)
                for t in tracks
            ]
        ).reshape(n, 3)
        speed_3d = np.linalg.norm(round_velocity, axis=1)
        rcs = np.array([np.nan if t.rcs_dbsm is None else t.rcs_dbsm for t in tracks])
        ballistic = np.clip(np.array([t.ballistic_p for t in tracks]), 0.01, 0.99)
        height = np.array([t.up_m for t in tracks])
        log_l = np.tile(np.log(np.asarray(cfg.prior)), (n, 1))
        for cls in (DRONE, BIRD, AIRCRAFT):
            mean, sigma = cfg.speed_ms[cls]
            # A young track's speed is still uncertain (three plots of a 12 m/s bird gave 31 m/s
            # in Baghdad seed 17): widened by it, the speed cannot yet tell a bird from a drone.
            speed_sigma = np.sqrt(sigma**2 + speed_var)
            log_l[:, cls] += np.log(_gauss(speed, mean, speed_sigma) + 1e-12)
            climb_sigma = np.sqrt(cfg.climb_sigma_ms[cls] ** 2 + climb_var)
            log_l[:, cls] += np.log(_gauss(climb, 0.0, climb_sigma) + 1e-12)
        mean, sigma = cfg.speed_ms[ROCKET]
        log_l[:, ROCKET] += np.log(_gauss(speed_3d, mean, sigma) + 1e-12)
        # A round's climb rate may be anything up to its speed: a broad density.
        log_l[:, ROCKET] += np.log(cfg.uniform_climb_density)
        log_l[:, UNKNOWN] += np.log(cfg.uniform_speed_density) + np.log(cfg.uniform_climb_density)
        has_rcs = ~np.isnan(rcs)
        for cls in (DRONE, BIRD, AIRCRAFT, ROCKET):
            mean, sigma = cfg.rcs_dbsm[cls]
            log_l[has_rcs, cls] += np.log(_gauss(rcs[has_rcs], mean, sigma) + 1e-12)
        log_l[has_rcs, UNKNOWN] += np.log(cfg.uniform_rcs_density)
        # The ballistic model fits rounds in free flight and nothing else; its probability
        # counts only as far as it has moved from where every track starts.
        p0 = cfg.ballistic_prior
        log_l[:, ROCKET] += np.log(ballistic / p0)
        for cls in (DRONE, BIRD, AIRCRAFT, UNKNOWN):
            log_l[:, cls] += np.log((1.0 - ballistic) / (1.0 - p0))
        # Birds seldom fly high.
        log_l[:, BIRD] += np.where(height > 600.0, np.log(0.05), 0.0)
        for i, track in enumerate(tracks):
            if track.identity_kind == "adsb" and not track.spoofing_suspected:
                log_l[i, AIRCRAFT] += np.log(cfg.cooperative_weight)
            elif track.identity_kind == "remoteid" and not track.spoofing_suspected:
                log_l[i, DRONE] += np.log(cfg.cooperative_weight)
            for name, vote in track.reported_class.items():
                if name in CLASSES and not (track.spoofing_suspected and name in ("drone", "aircraft")):
                    log_l[i, CLASSES.index(name)] += np.log1p(cfg.reported_weight * vote)
        log_l -= log_l.max(axis=1, keepdims=True)
        post = np.exp(log_l)
        return np.asarray(post / post.sum(axis=1, keepdims=True))

    def classify(self, tracks: Sequence[Track], time_s: float | None = None) -> list[Track]:
        """The same tracks with ``target_class`` and ``class_probs`` filled in."""
        if not tracks:
            return []
        cfg = self.config
        instant = self.likelihoods(tracks)
        out = []
        for track, post in zip(tracks, instant, strict=True):
            previous = self._probs.get(track.track_id)
            last_time = self._times.get(track.track_id, track.time_s)
            now = track.time_s if time_s is None else time_s
            first_time = self._first_times.setdefault(track.track_id, now)
            # A round gives no time to average: when this instant's evidence says "round", a
            # young track's first guesses are smoothed over only half its age, so that it is
            # called a round on its third plot. Slow movers keep the full time constant: a new
            # track's first velocity is rough, and a bird must not flash up as a drone.
            tau_s = cfg.smoothing_time_s
            if int(np.argmax(post)) == ROCKET:
                tau_s = min(tau_s, max(0.5 * (now - first_time), 1e-3))
            weight = 1.0 - np.exp(-max(now - last_time, 0.0) / tau_s)
            smoothed = post if previous is None else (1 - weight) * previous + weight * post
            self._times[track.track_id] = now
            self._probs[track.track_id] = smoothed
            best = int(np.argmax(smoothed))
            declared = self._declared.get(track.track_id)
            if declared is None or smoothed[best] >= smoothed[declared] + cfg.switch_margin:
                declared = best
            self._declared[track.track_id] = declared
            out.append(
                msgspec.structs.replace(
                    track,
                    target_class=TargetClass(CLASSES[declared]).value,
                    ballistic=declared == ROCKET,
                    class_probs={c: round(float(p), 4) for c, p in zip(CLASSES, smoothed, strict=True)},
                )
            )
        return out

    def forget(self, live_track_ids: set[int]) -> None:
        """Drop the state of tracks that no longer exist."""
        for track_id in list(self._probs):
            if track_id not in live_track_ids:
                del self._probs[track_id]
                self._declared.pop(track_id, None)
                self._times.pop(track_id, None)
                self._first_times.pop(track_id, None)
