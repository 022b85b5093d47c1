"""Each track's steady turn rate, from its recent headings: a least-squares line through the
last few seconds of heading (unwrapped) gives the rate and, from the residuals, its
uncertainty. Only a turn the history shows clearly counts (well beyond its uncertainty and a
floor); anything else is straight flight.

A drone circling near a zone turns steadily; one running at it flies straight. Zone-entry
prediction flies each track on its own turn (raqib.threat.entry), so the first is not taken
for the second, and the second is judged exactly as before.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np

from raqib.geo import FloatArray
from raqib.model import Track


class TurnEstimator:
    def __init__(
        self,
        window_s: float = 12.0,
        min_points: int = 6,
        min_speed_ms: float = 3.0,
        min_rate_deg_s: float = 1.5,
        significance: float = 3.0,
    ) -> None:
        self.window_s = window_s
        self.min_points = min_points
        self.min_speed_ms = min_speed_ms
        self.min_rate_rad_s = np.radians(min_rate_deg_s)
        self.significance = significance
        self._history: dict[int, deque[tuple[float, float]]] = {}

    def update(self, tracks: Sequence[Track], time_s: float) -> FloatArray:
        """Record each track's heading at time_s; return its steady turn rate (N,) in rad/s,
        positive counter-clockwise (as the coordinated-turn model counts it), 0 if none."""
        rate = np.zeros(len(tracks))
        for i, track in enumerate(tracks):
            history = self._history.setdefault(track.track_id, deque())
            if np.hypot(track.vel_e_ms, track.vel_n_ms) >= self.min_speed_ms and (
                not history or time_s > history[-1][0]
            ):
                history.append((time_s, float(np.arctan2(track.vel_n_ms, track.vel_e_ms))))
            while history and history[0][0] < time_s - self.window_s:
                history.popleft()
            if len(history) < self.min_points:
                continue
            t = np.array([h[0] for h in history])
            angle = np.unwrap(np.array([h[1] for h in history]))
            dt = t - t.mean()
            spread = float(dt @ dt)
            if spread <= 0:
                continue
            slope = float(dt @ (angle - angle.mean())) / spread
            residual = angle - angle.mean() - slope * dt
            slope_sigma = np.sqrt(float(residual @ residual) / max(len(t) - 2, 1) / spread)
            if abs(slope) > max(self.significance * slope_sigma, self.min_rate_rad_s):
                rate[i] = slope
        return rate

    def forget(self, live_track_ids: set[int]) -> None:
        for track_id in list(self._history):
            if track_id not in live_track_ids:
                del self._history[track_id]
