"""Ballistic impact prediction: where and when a round in free flight meets the ground, with the
uncertainty of its track carried through by the unscented transform.

The state of each round (e, n, u, ve, vn, vu) and its unknown drag constant k are drawn as
sigma points (Julier's scaled set, 2·7+1 points), each integrated under gravity and quadratic
drag (RK4) until it falls through the ground plane; the impact points' weighted mean and
covariance give the predicted impact and its 95 % ellipse. All rounds and sigma points are
integrated together as one array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from raqib.geo import FloatArray
from raqib.tracking.motion import AIR_DENSITY_SCALE_HEIGHT_M, ballistic_acceleration

CHI2_2D_95 = 5.991464547107979  # chi-square quantile, 2 degrees of freedom, 0.95


@dataclass(frozen=True, slots=True)
class ImpactConfig:
    drag_per_m: float = 1.0e-4  # nominal rho * Cd * A / (2 m)
    drag_sigma_per_m: float = 0.4e-4  # how little we know it before the track shows its deceleration
    step_s: float = 0.1
    max_flight_s: float = 150.0
    ground_up_m: float = 0.0  # the ground's height in the site frame
    alpha: float = 1.0
    beta: float = 2.0
    kappa: float = 0.0


@dataclass(frozen=True, slots=True)
class ImpactPrediction:
    """Per round: impact mean (N,2) east-north, covariance (N,2,2), time of flight (N,), valid (N,)."""

    impact_en_m: FloatArray
    impact_cov_m2: FloatArray
    time_to_impact_s: FloatArray
    valid: np.ndarray

    def ellipse_95(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Semi-major and semi-minor axes (m) and the major axis' azimuth (deg from north)."""
        vals, vecs = np.linalg.eigh(self.impact_cov_m2)
        major = np.sqrt(np.maximum(vals[:, 1], 0) * CHI2_2D_95)
        minor = np.sqrt(np.maximum(vals[:, 0], 0) * CHI2_2D_95)
        axis = vecs[:, :, 1]
        azimuth = np.degrees(np.arctan2(axis[:, 0], axis[:, 1])) % 180.0
        return major, minor, azimuth


def _sigma_points(
    mean: FloatArray, cov: FloatArray, cfg: ImpactConfig
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(N,D),(N,D,D) -> points (N, 2D+1, D), mean weights (2D+1,), covariance weights (2D+1,)."""
    d = mean.shape[1]
    lam = cfg.alpha**2 * (d + cfg.kappa) - d
    jitter = 1e-9 * np.eye(d)
    root = np.linalg.cholesky((d + lam) * (cov + jitter))  # columns are the offsets
    offsets = np.swapaxes(root, 1, 2)  # (N, D, D): row i is the i-th column
    points = np.concatenate(
        [mean[:, None, :], mean[:, None, :] + offsets, mean[:, None, :] - offsets], axis=1
    )
    wm = np.full(2 * d + 1, 1.0 / (2 * (d + lam)))
    wc = wm.copy()
    wm[0] = lam / (d + lam)
    wc[0] = wm[0] + (1 - cfg.alpha**2 + cfg.beta)
    return points, wm, wc


def _derivative(state: FloatArray) -> FloatArray:
    """d/dt of (e, n, u, ve, vn, vu, k) under gravity and drag."""
    out = np.zeros_like(state)
    out[..., :3] = state[..., 3:6]
    out[..., 3:6] = ballistic_acceleration(state[..., 3:6], state[..., 6], state[..., 2])
    return out


def integrate_to_ground(states: FloatArray, cfg: ImpactConfig) -> tuple[FloatArray, FloatArray]:
    """Fly states (..., 7) until u <= ground: impact east-north (..., 2) and time (...); NaN if never."""
    shape = states.shape[:-1]
    s = states.reshape(-1, 7).copy()
    impact = np.full((len(s), 2), np.nan)
    when = np.full(len(s), np.nan)
    flying = s[:, 2] > cfg.ground_up_m
    impact[~flying] = s[~flying, :2]
    when[~flying] = 0.0
    h = cfg.step_s
    t = 0.0
    while flying.any() and t < cfg.max_flight_s:
        y = s[flying]
        k1 = _derivative(y)
        k2 = _derivative(y + 0.5 * h * k1)
        k3 = _derivative(y + 0.5 * h * k2)
        k4 = _derivative(y + h * k3)
        y_next = y + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        landed = y_next[:, 2] <= cfg.ground_up_m
        if landed.any():
            idx = np.flatnonzero(flying)[landed]
            before, after = y[landed], y_next[landed]
            frac = (before[:, 2] - cfg.ground_up_m) / np.maximum(before[:, 2] - after[:, 2], 1e-9)
            impact[idx] = before[:, :2] + frac[:, None] * (after[:, :2] - before[:, :2])
            when[idx] = t + frac * h
        s[flying] = y_next
        flying[np.flatnonzero(flying)[landed]] = False
        t += h
    return impact.reshape(*shape, 2), when.reshape(shape)


def predict_impact(
    state: FloatArray,
    cov: FloatArray,
    cfg: ImpactConfig | None = None,
    drag_per_m: FloatArray | None = None,
    drag_sigma_per_m: FloatArray | None = None,
) -> ImpactPrediction:
    """Impact of rounds with ENU states (N,6) and covariances (N,6,6); each round's drag
    constant and its uncertainty default to the configured nominal round's."""
    cfg = cfg or ImpactConfig()
    n = len(state)
    drag = np.full(n, cfg.drag_per_m) if drag_per_m is None else np.asarray(drag_per_m, float)
    drag_sigma = (
        np.full(n, cfg.drag_sigma_per_m) if drag_sigma_per_m is None else np.asarray(drag_sigma_per_m)
    )
    mean = np.concatenate([state, drag[:, None]], axis=1)
    full_cov = np.zeros((n, 7, 7))
    full_cov[:, :6, :6] = 0.5 * (cov + np.swapaxes(cov, 1, 2))
    full_cov[:, 6, 6] = drag_sigma**2
    points, wm, wc = _sigma_points(mean, full_cov, cfg)
    points[..., 6] = np.maximum(points[..., 6], 0.0)  # drag cannot push a round forward
    impacts, times = integrate_to_ground(points, cfg)
    valid = np.asarray(np.isfinite(times).all(axis=1))
    impacts = np.nan_to_num(impacts)
    times = np.nan_to_num(times)
    impact_mean = np.einsum("s,nsk->nk", wm, impacts)
    diff = impacts - impact_mean[:, None, :]
    impact_cov = np.einsum("s,nsk,nsl->nkl", wc, diff, diff)
    time_mean = times @ wm
    return ImpactPrediction(impact_mean, impact_cov, time_mean, valid)


class DragEstimator:
    """Each round's drag constant from how fast it slows: along its path
    dv/dt = -k v^2 - g sin(gamma), so k = -(dv/dt + g sin gamma) / v^2. The slope comes from a
    least-squares line through the last few seconds of speed; the estimate is fused with the
    nominal round's k by inverse variance, so a short or noisy history changes little."""

    def __init__(self, cfg: ImpactConfig, window_s: float = 6.0, min_points: int = 4) -> None:
        self.cfg = cfg
        self.window_s = window_s
        self.min_points = min_points
        self._history: dict[int, list[tuple[float, float, float, float]]] = {}

    def update(
        self, track_ids: list[int], time_s: float, velocity: FloatArray, height_m: FloatArray | float = 0.0
    ) -> tuple[FloatArray, FloatArray]:
        """Record each round's velocity (N,3) and height (N,) at time_s; return the drag constant
        at the site's height, k (N,), and its sigma (N,)."""
        speed = np.linalg.norm(velocity, axis=1)
        sin_gamma = velocity[:, 2] / np.maximum(speed, 1e-6)
        # The drag constant at the site's height, from the one the air gives at the round's.
        thinning = np.exp(np.asarray(height_m, float) / AIR_DENSITY_SCALE_HEIGHT_M) * np.ones(len(track_ids))
        k = np.full(len(track_ids), self.cfg.drag_per_m)
        sigma = np.full(len(track_ids), self.cfg.drag_sigma_per_m)
        for i, track_id in enumerate(track_ids):
            history = self._history.setdefault(track_id, [])
            if not history or time_s > history[-1][0]:
                history.append((time_s, float(speed[i]), float(sin_gamma[i]), float(thinning[i])))
            while history and history[0][0] < time_s - self.window_s:
                history.pop(0)
            if len(history) < self.min_points:
                continue
            t, v, sg, thin = (np.array(column) for column in zip(*history, strict=True))
            dt = t - t.mean()
            spread = float(dt @ dt)
            if spread <= 0:
                continue
            slope = float(dt @ (v - v.mean()) / spread)
            residual = v - v.mean() - slope * dt
            slope_var = float(residual @ residual) / max(len(t) - 2, 1) / spread
            v2 = float(np.mean(v)) ** 2
            scale = float(np.mean(thin))
            k_obs = -(slope + 9.80665 * float(np.mean(sg))) / v2 * scale
            var_obs = max(slope_var, 0.05**2) / v2**2 * scale**2
            var_prior = self.cfg.drag_sigma_per_m**2
            k[i] = max(
                (k_obs / var_obs + self.cfg.drag_per_m / var_prior) / (1 / var_obs + 1 / var_prior), 0.0
            )
            sigma[i] = np.sqrt(1.0 / (1 / var_obs + 1 / var_prior))
        return k, sigma

    def forget(self, live_track_ids: set[int]) -> None:
        for track_id in list(self._history):
            if track_id not in live_track_ids:
                del self._history[track_id]


def ellipse_touches_polygon(
    impact_en_m: FloatArray,
    impact_cov_m2: FloatArray,
    polygon_en_m: FloatArray,
    chi2_quantile: float = CHI2_2D_95,
) -> bool:
    """Does the impact's confidence ellipse touch the polygon? Whitening turns the ellipse into a
    circle of radius sqrt(quantile), so this is a point-to-polygon distance."""
    from raqib.geo import distance_to_polygon_m

    root = np.linalg.cholesky(impact_cov_m2 + 1e-6 * np.eye(2))
    whitened = np.linalg.solve(root, (polygon_en_m - impact_en_m).T).T
    distance = distance_to_polygon_m(np.zeros((1, 2)), whitened)[0]
    return bool(distance <= np.sqrt(chi2_quantile))
