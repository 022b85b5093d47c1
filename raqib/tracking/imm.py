"""Interacting multiple model (IMM) filter steps as pure functions over batches of tracks.

Shapes: N tracks, M models, D = 6 state dimensions, Z measurement dimensions.
    x   (N, M, D)      model-conditioned states
    P   (N, M, D, D)   their covariances
    mu  (N, M)         model probabilities
Equations follow Bar-Shalom, Li and Kirubarajan, "Estimation with Applications to Tracking
and Navigation", section 11.6.6.
"""

from __future__ import annotations

import numpy as np

from raqib.geo import FloatArray
from raqib.tracking import kernels
from raqib.tracking.measurement import innovation, predict_measurement


def mix(
    x: FloatArray, p: FloatArray, mu: FloatArray, pi: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mixing step. Returns mixed states (N,M,D), covariances (N,M,D,D), predicted mode probs c (N,M):
    c_j = sum_i pi_ij mu_i, mu_{i|j} = pi_ij mu_i / c_j, x0_j = sum_i mu_{i|j} x_i and
    P0_j = sum_i mu_{i|j} (P_i + (x_i - x0_j)(x_i - x0_j)^T) (kernels.mix_kernel)."""
    x, p, mu, pi = (kernels.as_input(a) for a in (x, p, mu, pi))
    x0, p0, c = np.empty_like(x), np.empty_like(p), np.empty_like(mu)
    kernels.mix_kernel(x, p, mu, pi, x0, p0, c)
    return x0, p0, c


def combine(x: FloatArray, p: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Moment-matched single Gaussian of the bank: x (N,D), P (N,D,D), x_hat = sum_m mu_m x_m and
    P_hat = sum_m mu_m (P_m + (x_m - x_hat)(x_m - x_hat)^T) (kernels.combine_kernel)."""
    x, p, mu = kernels.as_input(x), kernels.as_input(p), kernels.as_input(mu)
    n, _, d = x.shape
    x_hat, p_hat = np.empty((n, d)), np.empty((n, d, d))
    kernels.combine_kernel(x, p, mu, x_hat, p_hat)
    return x_hat, p_hat


# The 3x3 adjugate, entry k = 3 * row + column: s[A] * s[B] - s[C] * s[D] (flat indices).
_ADJ3_A = np.array([4, 2, 1, 5, 0, 2, 3, 1, 0])
_ADJ3_B = np.array([8, 7, 5, 6, 8, 3, 7, 6, 4])
_ADJ3_C = np.array([5, 1, 2, 3, 2, 0, 4, 0, 1])
_ADJ3_D = np.array([7, 8, 4, 8, 6, 5, 6, 7, 3])


def inverse_and_logdet(s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Inverses and log-determinants of a stack of symmetric positive-definite matrices (...,Z,Z).

    Up to 3x3 (every radar and position layout but one) by the adjugate formula, one array
    pass; LAPACK's per-matrix loop costs more than the arithmetic for matrices this small."""
    z = s.shape[-1]
    if z == 1:
        return np.asarray(1.0 / s), np.asarray(np.log(s[..., 0, 0]))
    if z == 2:
        a, b, c, d = s[..., 0, 0], s[..., 0, 1], s[..., 1, 0], s[..., 1, 1]
        det = a * d - b * c
        adj = np.stack([np.stack([d, -b], -1), np.stack([-c, a], -1)], -2)
        return adj / det[..., None, None], np.log(det)
    if z == 3:
        # Every entry of the adjugate is a*b - c*d of four entries of s (flat, row-major).
        flat = s.reshape(*s.shape[:-2], 9)
        adj = flat[..., _ADJ3_A] * flat[..., _ADJ3_B] - flat[..., _ADJ3_C] * flat[..., _ADJ3_D]
        det = flat[..., 0] * adj[..., 0] + flat[..., 1] * adj[..., 3] + flat[..., 2] * adj[..., 6]
        return adj.reshape(s.shape) / det[..., None, None], np.log(det)
    _, logdet = np.linalg.slogdet(s)
    return np.asarray(np.linalg.inv(s)), np.asarray(logdet)


def kalman_update(
    x: FloatArray, p: FloatArray, innovation: FloatArray, h: FloatArray, r: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """One (extended) Kalman update, batched over any leading shape (...).

    x (...,D), P (...,D,D), innovation nu (...,Z), Jacobian H (...,Z,D), R (...,Z,Z) (any of
    them broadcast to the others' leading shape). S = H P H^T + R, K = P H^T S^-1,
    x' = x + K nu and, in Joseph form, P' = (I - K H) P (I - K H)^T + K R K^T
    (kernels.kalman_kernel). Returns x', P' and the log-likelihood ln N(nu; 0, S) (...).
    """
    d, z = x.shape[-1], innovation.shape[-1]
    leads = (x.shape[:-1], p.shape[:-2], innovation.shape[:-1], h.shape[:-2], r.shape[:-2])
    # Mostly every operand comes whole: np.broadcast_shapes and np.broadcast_to (several
    # microseconds each, five times an update) only for those that do not.
    lead = leads[0] if all(shape == leads[0] for shape in leads[1:]) else np.broadcast_shapes(*leads)

    def flat(a: FloatArray, tail: tuple[int, ...]) -> FloatArray:
        full = (*lead, *tail)
        return kernels.as_input((a if a.shape == full else np.broadcast_to(a, full)).reshape(-1, *tail))

    x_flat, p_flat = flat(x, (d,)), flat(p, (d, d))
    x_new, p_new, log_likelihood = np.empty_like(x_flat), np.empty_like(p_flat), np.empty(len(x_flat))
    kernels.kalman_kernel(
        x_flat, p_flat, flat(innovation, (z,)), flat(h, (z, d)), flat(r, (z, z)), x_new, p_new, log_likelihood
    )
    return x_new.reshape(*lead, d), p_new.reshape(*lead, d, d), log_likelihood.reshape(lead)


def iterated_update(
    x: FloatArray,
    p: FloatArray,
    z: FloatArray,
    sensor_enu_m: FloatArray,
    r: FloatArray,
    layout: tuple[str, ...],
    x_first: FloatArray,
    iterations: int,
) -> tuple[FloatArray, FloatArray]:
    """Iterated extended Kalman update (Gauss-Newton on the measurement model): relinearise
    h about the latest estimate x_i, and update the prior x with the innovation that
    linearisation implies, z - h(x_i) - H_i (x - x_i). ``x_first`` is the plain EKF's update
    (the first iterate). Returns the final state and its Joseph-form covariance at the last
    linearisation; shapes as ``kalman_update``. ``iterations`` >= 1 relinearisations."""
    x_i, p_i = x_first, p
    for _ in range(max(iterations, 1)):
        z_pred, h = predict_measurement(x_i, sensor_enu_m, layout)
        nu = innovation(z, z_pred, layout) - np.einsum("...zd,...d->...z", h, x - x_i)
        x_i, p_i, _ = kalman_update(x, p, nu, h, r)
    return x_i, p_i


def update_mode_probs(c: FloatArray, log_likelihood: FloatArray) -> FloatArray:
    """mu_j ∝ Lambda_j c_j, computed in log space for stability. (N,M),(N,M) -> (N,M)."""
    log_w = np.log(np.maximum(c, 1e-300)) + log_likelihood
    log_w -= log_w.max(axis=1, keepdims=True)
    w = np.exp(log_w)
    mu = w / w.sum(axis=1, keepdims=True)
    # A floor keeps every model alive, so the bank can switch when the target does.
    mu = np.maximum(mu, 1e-4)
    return np.asarray(mu / mu.sum(axis=1, keepdims=True))
