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


def mix(
    x: FloatArray, p: FloatArray, mu: FloatArray, pi: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mixing step. Returns mixed states (N,M,D), covariances (N,M,D,D), predicted mode probs c (N,M)."""
    c = np.einsum("nij,ni->nj", pi, mu)  # c_j = sum_i pi_ij mu_i
    c = np.maximum(c, 1e-12)
    w = pi * mu[:, :, None] / c[:, None, :]  # mu_{i|j} = pi_ij mu_i / c_j     (N, i, j)
    x0 = np.einsum("nij,nid->njd", w, x)  # x0_j = sum_i mu_{i|j} x_i
    dx = x[:, :, None, :] - x0[:, None, :, :]  # (N, i, j, D)
    spread = np.einsum("nij,nijd,nije->njde", w, dx, dx)
    p0 = np.einsum("nij,nide->njde", w, p) + spread  # P0_j = sum_i mu_{i|j} (P_i + dx dx^T)
    return x0, p0, c


def combine(x: FloatArray, p: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Moment-matched single Gaussian of the bank: x (N,D), P (N,D,D)."""
    x_hat = np.einsum("nm,nmd->nd", mu, x)
    dx = x - x_hat[:, None, :]
    p_hat = np.einsum("nm,nmde->nde", mu, p) + np.einsum("nm,nmd,nme->nde", mu, dx, dx)
    return x_hat, p_hat


def kalman_update(
    x: FloatArray, p: FloatArray, innovation: FloatArray, h: FloatArray, r: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """One (extended) Kalman update, batched over any leading shape (...).

    x (...,D), P (...,D,D), innovation nu (...,Z), Jacobian H (...,Z,D), R (...,Z,Z).
    Returns updated x, P (Joseph form) and the log-likelihood ln N(nu; 0, S) (...).
    """
    ht = np.swapaxes(h, -1, -2)
    s = h @ p @ ht + r  # S = H P H^T + R
    s = 0.5 * (s + np.swapaxes(s, -1, -2))
    s_inv = np.linalg.inv(s)
    k = p @ ht @ s_inv  # K = P H^T S^-1
    x_new = x + np.einsum("...dz,...z->...d", k, innovation)
    i_kh = np.eye(x.shape[-1]) - k @ h
    p_new = i_kh @ p @ np.swapaxes(i_kh, -1, -2) + k @ r @ np.swapaxes(k, -1, -2)  # Joseph form
    d2 = np.einsum("...z,...zy,...y->...", innovation, s_inv, innovation)
    _, logdet = np.linalg.slogdet(s)
    z_dim = innovation.shape[-1]
    log_likelihood = -0.5 * (d2 + logdet + z_dim * np.log(2 * np.pi))
    return x_new, p_new, log_likelihood


def update_mode_probs(c: FloatArray, log_likelihood: FloatArray) -> FloatArray:
    """mu_j ∝ Lambda_j c_j, computed in log space for stability. (N,M),(N,M) -> (N,M)."""
    log_w = np.log(np.maximum(c, 1e-300)) + log_likelihood
    log_w -= log_w.max(axis=1, keepdims=True)
    w = np.exp(log_w)
    mu = w / w.sum(axis=1, keepdims=True)
    # A floor keeps every model alive, so the bank can switch when the target does.
    mu = np.maximum(mu, 1e-4)
    return np.asarray(mu / mu.sum(axis=1, keepdims=True))
