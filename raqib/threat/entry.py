"""Zone entry prediction for tracks in powered flight, using their covariance.

Each track's position and velocity are sampled from its Gaussian (fixed quasi-random draws,
so results are repeatable) and flown over the horizon, straight ahead or on the track's own
steady turn where it shows one (raqib.threat.turning: a drone circling near a zone is not
taken for one running at it); the share of samples
that enter the zone is the probability of entry, the median entry time of those that do is
the time to entry. The mean path gives the closest approach. One array pass over
tracks x samples x time steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from raqib.geo import FloatArray, distance_to_polygon_m
from raqib.threat.zones import ZoneGeometry


@dataclass(frozen=True, slots=True)
class EntryConfig:
    horizon_s: float = 240.0
    step_s: float = 2.0
    samples: int = 48
    seed: int = 20220103
    ground_clearance_m: float = 5.0


@dataclass(frozen=True, slots=True)
class EntryPrediction:
    """Per track: P(enter within horizon), median time to entry (NaN if none), inside now,
    horizontal closest approach of the mean path (m)."""

    probability: FloatArray
    time_to_entry_s: FloatArray
    inside_now: np.ndarray
    closest_approach_m: FloatArray


class EntryPredictor:
    def __init__(self, config: EntryConfig | None = None) -> None:
        self.config = config or EntryConfig()
        rng = np.random.default_rng(self.config.seed)
        self._draws = rng.standard_normal((self.config.samples, 6))
        self._times = np.arange(0.0, self.config.horizon_s + 1e-9, self.config.step_s)

    def _turning(self, samples: FloatArray, omega: FloatArray) -> FloatArray:
        """Positions (K,S,T,3) of samples (K,S,6) in coordinated turns at omega (K,) rad/s."""
        wt = omega[:, None, None] * self._times[None, None, :]
        along = np.sin(wt) / omega[:, None, None]
        across = (1.0 - np.cos(wt)) / omega[:, None, None]
        ve, vn = samples[..., 3:4], samples[..., 4:5]
        east = samples[..., 0:1] + along * ve - across * vn
        north = samples[..., 1:2] + across * ve + along * vn
        up = samples[..., 2:3] + samples[..., 5:6] * self._times[None, None, :]
        return np.stack([east, north, up], axis=-1)

    def predict(
        self,
        state: FloatArray,
        cov: FloatArray,
        zone: ZoneGeometry,
        turn_rate_rad_s: FloatArray | None = None,
        horizon_s: FloatArray | None = None,
    ) -> EntryPrediction:
        """Tracks' ENU states (N,6) and covariances (N,6,6) against one zone; a track with a
        turn rate (N,) rad/s, counter-clockwise, flies that coordinated turn; a track with its
        own horizon (N,) s is predicted no further ahead than that."""
        n = len(state)
        if n == 0:
            empty = np.zeros(0)
            return EntryPrediction(empty, empty, np.zeros(0, bool), empty)
        root = np.linalg.cholesky(0.5 * (cov + np.swapaxes(cov, 1, 2)) + 1e-6 * np.eye(6))
        samples = state[:, None, :] + np.einsum("nij,sj->nsi", root, self._draws)  # (N, S, 6)
        samples[:, 0] = state  # the first sample is the mean path itself
        times = self._times
        path = samples[:, :, None, :3] + samples[:, :, None, 3:] * times[None, None, :, None]  # (N,S,T,3)
        if turn_rate_rad_s is not None and np.any(turn_rate_rad_s != 0):
            turning = np.flatnonzero(turn_rate_rad_s)
            path[turning] = self._turning(samples[turning], turn_rate_rad_s[turning])
        # Aircraft in powered flight level off rather than fly into the ground.
        np.maximum(path[..., 2], self.config.ground_clearance_m, out=path[..., 2])
        inside = zone.contains(path.reshape(-1, 3)).reshape(n, len(self._draws), len(times))
        if horizon_s is not None:
            inside &= times[None, None, :] <= horizon_s[:, None, None]
        enters = inside.any(axis=2)
        first = np.where(enters, inside.argmax(axis=2), -1)
        probability = enters.mean(axis=1)
        entry_times = np.where(enters, times[np.maximum(first, 0)], np.nan)
        # Median entry time over the samples that enter (NaN rows sort last and are not counted).
        ordered = np.sort(entry_times, axis=1)
        count = enters.sum(axis=1)
        middle = np.clip((count - 1) / 2.0, 0, None)
        low = np.take_along_axis(ordered, np.floor(middle).astype(int)[:, None], axis=1)[:, 0]
        high = np.take_along_axis(ordered, np.ceil(middle).astype(int)[:, None], axis=1)[:, 0]
        time_to_entry = np.where(count > 0, 0.5 * (low + high), np.nan)
        mean_path = path[:, 0]  # (N, T, 3)
        distances = distance_to_polygon_m(mean_path.reshape(-1, 3)[:, :2], zone.polygon_en_m).reshape(
            n, len(times)
        )
        closest = distances.min(axis=1)
        inside_now = inside[:, 0, 0]
        return EntryPrediction(probability, time_to_entry, inside_now, closest)
