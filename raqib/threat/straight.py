"""Each track's horizontal velocity from a straight line through its own recent positions.

The tracker's velocity has a floor of uncertainty set by its process noise, tuned so that it
follows a manoeuvre within seconds: for a drone at 30 m/s its heading stays uncertain by about
4 degrees however long it flies straight. Far out that decides whether a zone is at risk: a
300 m block 5 km away subtends 3.4 degrees, and its neighbour 200 m away is only 2.3 degrees
further round. A track that *has* flown straight for a while shows its heading much more
precisely in its own history: the velocity of a line fitted through the last T seconds of
positions is uncertain by about sqrt(2) * sigma_position / T (the two ends of the line are
independent estimates once T is much longer than the filter's memory). That is what this
module measures, and only for motion the history shows to be straight: a window counts when
every position in it lies within the positions' own uncertainty of the fitted line, so a turn
(or a weave) ends the straight run and the prediction falls back to the tracker's velocity.

The history is a fixed-size ring of samples per track, held as arrays; the fits for all
tracks and all candidate windows are one array pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from raqib.geo import FloatArray


@dataclass(frozen=True, slots=True)
class StraightConfig:
    windows_s: tuple[float, ...] = (8.0, 12.0, 16.0, 24.0, 32.0, 48.0, 64.0)  # candidate baselines
    sample_period_s: float = 1.0  # one sample a second is plenty for a straight line
    min_samples: int = 6
    min_coverage: float = 0.8  # the history must span this share of a window to use it
    # Straight: every sample within this many of its position sigmas of the line (one axis:
    # the test is on the across-track residual, which a turn makes grow as the window squared).
    straight_sigmas: float = 3.0
    # The fit must agree with the tracker's velocity (chi-square, 2 degrees of freedom, 99.9 %):
    # a manoeuvre the tracker has already followed is not averaged away.
    agree_chi2: float = 13.8
    # Filtered positions' errors stay correlated longer than the filter's own covariance
    # says, so the two ends of a line are not quite independent: on simulated straight runs
    # (the swarm's straight-in drones, 3 seeds) the heading error was 1.1-1.7 of the
    # uncorrelated sigma (rms); this factor brings it to at most 1.
    sigma_inflation: float = 1.7
    # Loitering: over at least ``loiter_span_s`` of history, the track got less than this
    # share of the way that its speed would have taken it in a straight line (a circle of
    # 100-200 m at 8-15 m/s: 0.2-0.3 over a minute; a rectangle's corner: 0.7; transit: 1).
    loiter_span_s: float = 40.0
    loiter_progress: float = 0.5


@dataclass(frozen=True, slots=True)
class StraightFit:
    """Per track: fitted horizontal velocity (N,2) m/s, its variance per axis (N,) (m/s)^2,
    the baseline used (N,) s, whether a straight fit was found (N,), whether its history
    shows it loitering (N,), and whether it shows it flying otherwise before its present
    straight run (N,): a longer window that its history covers is not straight (a turn, a
    weave), where a track seen on nothing but this line has every window straight."""

    velocity_en_ms: FloatArray
    velocity_var_ms2: FloatArray
    baseline_s: FloatArray
    valid: np.ndarray
    loitering: np.ndarray
    bent: np.ndarray


class StraightLineEstimator:
    def __init__(self, config: StraightConfig | None = None) -> None:
        self.config = config or StraightConfig()
        self._size = int(np.ceil(max(self.config.windows_s) / self.config.sample_period_s)) + 2
        self._rows: dict[int, int] = {}
        capacity = 16
        self._free = list(range(capacity - 1, -1, -1))
        self._time = np.full((capacity, self._size), np.nan)
        self._pos = np.zeros((capacity, self._size, 2))
        self._var = np.ones((capacity, self._size))
        self._speed = np.zeros((capacity, self._size))
        self._next = np.zeros(capacity, np.intp)

    def _grow(self) -> None:
        capacity = len(self._time)
        self._time = np.concatenate([self._time, np.full((capacity, self._size), np.nan)])
        self._pos = np.concatenate([self._pos, np.zeros((capacity, self._size, 2))])
        self._var = np.concatenate([self._var, np.ones((capacity, self._size))])
        self._speed = np.concatenate([self._speed, np.zeros((capacity, self._size))])
        self._next = np.concatenate([self._next, np.zeros(capacity, np.intp)])
        self._free.extend(range(2 * capacity - 1, capacity - 1, -1))

    def _row_of(self, track_ids: Sequence[int]) -> np.ndarray:
        rows = np.empty(len(track_ids), np.intp)
        for i, track_id in enumerate(track_ids):  # a dict lookup per track: no numerics here
            row = self._rows.get(track_id)
            if row is None:
                if not self._free:
                    self._grow()
                row = self._free.pop()
                self._rows[track_id] = row
                self._time[row] = np.nan
                self._next[row] = 0
            rows[i] = row
        return rows

    def update(
        self,
        track_ids: Sequence[int],
        time_s: float,
        position_en_m: FloatArray,
        position_var_m2: FloatArray,
        velocity_en_ms: FloatArray,
        velocity_cov_ms2: FloatArray,
    ) -> StraightFit:
        """Record each track's position (N,2) and its per-axis variance (N,) at ``time_s``;
        return the longest straight fit of each, checked against the tracker's velocity (N,2)
        and its covariance (N,2,2)."""
        cfg = self.config
        n = len(track_ids)
        rows = self._row_of(track_ids)
        last = self._time[rows, (self._next[rows] - 1) % self._size]
        due = ~(last > time_s - cfg.sample_period_s + 1e-9)  # NaN (empty) counts as due
        slot = self._next[rows[due]]
        self._time[rows[due], slot] = time_s
        self._pos[rows[due], slot] = position_en_m[due]
        self._var[rows[due], slot] = position_var_m2[due]
        self._speed[rows[due], slot] = np.linalg.norm(velocity_en_ms[due], axis=1)
        self._next[rows[due]] = (slot + 1) % self._size

        t = self._time[rows]  # (N, W)
        p = self._pos[rows]
        var = self._var[rows]
        best_v = np.zeros((n, 2))
        best_var = np.full(n, np.inf)
        best_base = np.zeros(n)
        longest_straight = np.zeros(n)
        longest_bent = np.zeros(n)
        for window_s in cfg.windows_s:  # a handful of windows, each vectorised over tracks
            m = (t >= time_s - window_s - 1e-9) & np.isfinite(t)
            count = m.sum(axis=1)
            tt = np.where(m, t, 0.0)
            first = np.where(m, t, np.inf).min(axis=1)
            span = np.where(count > 0, time_s - first, 0.0)
            usable = (count >= cfg.min_samples) & (span >= cfg.min_coverage * window_s)
            if not usable.any():
                continue
            mean_t = tt.sum(axis=1) / np.maximum(count, 1)
            dt = np.where(m, t - mean_t[:, None], 0.0)
            sxx = (dt**2).sum(axis=1)
            mean_p = (p * m[..., None]).sum(axis=1) / np.maximum(count, 1)[:, None]
            dp = np.where(m[..., None], p - mean_p[:, None, :], 0.0)
            v = (dt[..., None] * dp).sum(axis=1) / np.maximum(sxx, 1e-9)[:, None]
            resid = dp - dt[..., None] * v[:, None, :]
            speed = np.linalg.norm(v, axis=1)
            across = np.stack([-v[:, 1], v[:, 0]], axis=1) / np.maximum(speed, 1e-6)[:, None]
            cross = np.einsum("nwk,nk->nw", resid, across)
            worst = np.where(m, cross**2 / np.maximum(var, 1e-6), 0.0).max(axis=1)
            straight = usable & (worst <= cfg.straight_sigmas**2)
            longest_straight[straight] = window_s
            longest_bent[usable & ~straight] = window_s
            # The two ends of the line bound the velocity's error (filtered positions are
            # correlated over the filter's memory, so the samples are not independent);
            # the scatter about the line may say it is worse.
            oldest = np.argmax(np.where(m, -t, -np.inf), axis=1)
            newest = (self._next[rows] - 1) % self._size
            end_var = var[np.arange(n), oldest] + var[np.arange(n), newest]
            scatter = (resid**2).sum(axis=(1, 2)) / (2.0 * np.maximum(count - 2, 1))
            v_var = cfg.sigma_inflation**2 * np.maximum(
                end_var / np.maximum(span, 1e-6) ** 2, scatter / np.maximum(sxx, 1e-9)
            )
            better = straight & (v_var < best_var)
            best_v[better] = v[better]
            best_var[better] = v_var[better]
            best_base[better] = span[better]

        # Progress over the whole history: net displacement against the distance flown.
        held = np.isfinite(t)
        oldest = np.argmax(np.where(held, -t, -np.inf), axis=1)
        newest = (self._next[rows] - 1) % self._size
        every = np.arange(n)
        span = np.where(held.any(axis=1), time_s - t[every, oldest], 0.0)
        net = np.linalg.norm(p[every, newest] - p[every, oldest], axis=1)
        flown = np.where(held, self._speed[rows], 0.0).sum(axis=1) / np.maximum(held.sum(axis=1), 1) * span
        loitering = (span >= cfg.loiter_span_s) & (net < cfg.loiter_progress * flown)

        found = np.isfinite(best_var)
        diff = best_v - velocity_en_ms
        combined = velocity_cov_ms2 + np.where(found, best_var, 1.0)[:, None, None] * np.eye(2)
        chi2 = np.einsum("ni,ni->n", diff, np.linalg.solve(combined, diff[..., None])[..., 0])
        valid = found & (chi2 <= cfg.agree_chi2)
        bent = longest_bent > longest_straight
        return StraightFit(best_v, np.where(valid, best_var, np.inf), best_base, valid, loitering, bent)

    def forget(self, live_track_ids: set[int]) -> None:
        for track_id in [k for k in self._rows if k not in live_track_ids]:
            self._free.append(self._rows.pop(track_id))
