"""Compiled (Numba) loops for the filter's per-track small-matrix algebra.

The interacting multiple model filter works on thousands of 6x6 covariances a scan (every
model of every track, tentative ones included). As NumPy batched matrix products each of them
is a separate BLAS call of about 170 ns, which is most of the cost for matrices this small;
a compiled loop does the arithmetic of one track's models in registers and cache, with no
call per matrix and no temporaries (dense-1000: mix, prediction, combination and update
together 23 -> 7 ms a scan, each timed over 41 of its scans). Each kernel is one
equation of raqib/tracking/imm.py or motion.py, which keep the NumPy-level interface and
document the mathematics; tests/tracking/test_kernels.py checks every kernel against the
same equation written with NumPy matrix products.

Every kernel takes writable C-contiguous float64 arrays (``as_input``) and writes into
preallocated outputs.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from raqib.geo import FloatArray

_jit = numba.njit(cache=True, nogil=True, fastmath=False)
# The kernels' building blocks, inlined into each kernel's loop (a call per track cost the mixing 40 %).
_inline = numba.njit(cache=True, nogil=True, fastmath=False, inline="always")


def as_input(a: FloatArray) -> FloatArray:
    """``a`` as the writable C-contiguous float64 array every kernel is compiled for (a copy
    only if needed): a read-only view, such as np.broadcast_to's, would make Numba compile
    another specialisation, a stall of seconds in the middle of a scan."""
    a = np.ascontiguousarray(a, dtype=np.float64)
    return a if a.flags.writeable else a.copy()


@_inline
def _moment_match(
    weight: FloatArray, x: FloatArray, p: FloatArray, dx: FloatArray, x_out: FloatArray, p_out: FloatArray
) -> None:
    """The single Gaussian of the mixture sum_m weight_m N(x_m, P_m), x (M,D), P (M,D,D):
    x_out = sum_m w_m x_m, p_out = sum_m w_m (P_m + (x_m - x_out)(x_m - x_out)^T). ``dx`` (D,) is scratch."""
    n_models, dim = x.shape
    for d in range(dim):
        total = 0.0
        for m in range(n_models):
            total += weight[m] * x[m, d]
        x_out[d] = total
    p_out[:] = 0.0
    for m in range(n_models):
        for d in range(dim):
            dx[d] = x[m, d] - x_out[d]
        for a in range(dim):
            for b in range(a + 1):
                p_out[a, b] += weight[m] * (p[m, a, b] + dx[a] * dx[b])
    for a in range(dim):
        for b in range(a):
            p_out[b, a] = p_out[a, b]


@_jit
def mix_kernel(
    x: FloatArray,
    p: FloatArray,
    mu: FloatArray,
    pi: FloatArray,
    x0: FloatArray,
    p0: FloatArray,
    c: FloatArray,
) -> None:
    """IMM mixing for x (N,M,D), P (N,M,D,D), mu (N,M), pi (N,M,M) into x0, p0 and c (N,M):
    model j starts from the moment match of the models weighted by mu_{i|j} = pi_ij mu_i / c_j."""
    n_tracks, n_models, dim = x.shape
    weight = np.empty(n_models)
    dx = np.empty(dim)
    for n in range(n_tracks):
        for j in range(n_models):
            total = 0.0
            for i in range(n_models):
                total += pi[n, i, j] * mu[n, i]
            c[n, j] = max(total, 1e-12)
            for i in range(n_models):
                weight[i] = pi[n, i, j] * mu[n, i] / c[n, j]
            _moment_match(weight, x[n], p[n], dx, x0[n, j], p0[n, j])


@_jit
def combine_kernel(
    x: FloatArray, p: FloatArray, mu: FloatArray, x_hat: FloatArray, p_hat: FloatArray
) -> None:
    """Moment matching of each bank, x (N,M,D), P (N,M,D,D), mu (N,M) into x_hat (N,D), P_hat (N,D,D)."""
    dx = np.empty(x.shape[2])
    for n in range(x.shape[0]):
        _moment_match(mu[n], x[n], p[n], dx, x_hat[n], p_hat[n])


@_jit
def predict_kernel(
    x: FloatArray,
    p: FloatArray,
    dt: FloatArray,
    turn_rate_rad_s: FloatArray,
    accel_cov: FloatArray,
    x_out: FloatArray,
    p_out: FloatArray,
) -> None:
    """x' = F x and P' = F P F^T + Q for every model of every track: x (N,M,6), P (N,M,6,6),
    steps dt (N,), each model's turn rate (M,; 0 for straight flight) and white-noise
    acceleration covariance (N,M,3,3).

    A model's transition over [position, velocity] is F = [[I, G], [0, R]]: R turns the
    horizontal velocity by omega dt (the identity at omega = 0) and G integrates it, so
    G = dt I in straight flight. With P = [[A, B], [B^T, C]] and U = B + G C,
        F P F^T = [[A + G B^T + U G^T, U R^T], [R U^T, R C R^T]],
    about a third of the dense product's arithmetic; Q = [[dt^4/4, dt^3/2], [dt^3/2, dt^2]]
    (x) the acceleration covariance. The result is exactly symmetric."""
    n_tracks, n_models, _ = x.shape
    g = np.zeros((3, 3))
    rot = np.zeros((3, 3))
    u = np.empty((3, 3))
    rc = np.empty((3, 3))
    for n in range(n_tracks):
        step = dt[n]
        q_pos, q_cross, q_vel = step**4 / 4.0, step**3 / 2.0, step * step
        for mode in range(n_models):
            omega = turn_rate_rad_s[mode]
            if omega == 0.0:
                g[0, 0] = g[1, 1] = step
                g[0, 1] = g[1, 0] = 0.0
                rot[0, 0] = rot[1, 1] = 1.0
                rot[0, 1] = rot[1, 0] = 0.0
            else:
                sin_wt, cos_wt = math.sin(omega * step), math.cos(omega * step)
                g[0, 0] = g[1, 1] = sin_wt / omega
                g[0, 1] = -(1.0 - cos_wt) / omega
                g[1, 0] = (1.0 - cos_wt) / omega
                rot[0, 0] = rot[1, 1] = cos_wt
                rot[0, 1] = -sin_wt
                rot[1, 0] = sin_wt
            g[2, 2] = step
            rot[2, 2] = 1.0
            cov = p[n, mode]
            for i in range(3):
                for j in range(3):
                    total_u = cov[i, 3 + j]
                    total_rc = 0.0
                    for m in range(3):
                        total_u += g[i, m] * cov[3 + m, 3 + j]
                        total_rc += rot[i, m] * cov[3 + m, 3 + j]
                    u[i, j] = total_u
                    rc[i, j] = total_rc
            out = p_out[n, mode]
            noise = accel_cov[n, mode]
            for i in range(3):
                for j in range(i + 1):
                    top = cov[i, j] + q_pos * noise[i, j]
                    bottom = q_vel * noise[i, j]
                    for m in range(3):
                        top += g[i, m] * cov[j, 3 + m] + u[i, m] * g[j, m]
                        bottom += rc[i, m] * rot[j, m]
                    out[i, j] = out[j, i] = top
                    out[3 + i, 3 + j] = out[3 + j, 3 + i] = bottom
            for i in range(3):
                for j in range(3):
                    total = q_cross * noise[i, j]
                    for m in range(3):
                        total += u[i, m] * rot[j, m]
                    out[i, 3 + j] = out[3 + j, i] = total
                position = x[n, mode, i]
                velocity = 0.0
                for m in range(3):
                    position += g[i, m] * x[n, mode, 3 + m]
                    velocity += rot[i, m] * x[n, mode, 3 + m]
                x_out[n, mode, i] = position
                x_out[n, mode, 3 + i] = velocity


@_inline
def _product(a: FloatArray, b: FloatArray, out: FloatArray) -> None:
    """out = a b for small 2-D matrices."""
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            total = 0.0
            for m in range(a.shape[1]):
                total += a[i, m] * b[m, j]
            out[i, j] = total


@_inline
def _innovation_covariance(
    p: FloatArray, h: FloatArray, r: FloatArray, pht: FloatArray, s: FloatArray
) -> None:
    """P H^T into ``pht`` (D,Z) and S = H P H^T + R, symmetrised, into ``s`` (Z,Z)."""
    z_dim = s.shape[0]
    _product(p, h.T, pht)
    _product(h, pht, s)
    for i in range(z_dim):
        for j in range(i + 1):
            s[i, j] = s[j, i] = 0.5 * (s[i, j] + s[j, i]) + 0.5 * (r[i, j] + r[j, i])


@_inline
def _invert_spd(s: FloatArray, low: FloatArray, low_inv: FloatArray, s_inv: FloatArray) -> float:
    """S^-1 into ``s_inv`` by the Cholesky factor S = L L^T (``low``; its inverse in
    ``low_inv``); returns ln det S. NaN throughout where S is not positive definite."""
    z_dim = s.shape[0]
    log_det = 0.0
    for i in range(z_dim):
        for j in range(i + 1):
            total = s[i, j]
            for m in range(j):
                total -= low[i, m] * low[j, m]
            if i == j:
                low[i, i] = math.sqrt(total) if total > 0.0 else math.nan
                log_det += 2.0 * math.log(low[i, i])
            else:
                low[i, j] = total / low[j, j]
    for i in range(z_dim):
        low_inv[i, i] = 1.0 / low[i, i]
        for j in range(i):
            total = 0.0
            for m in range(j, i):
                total -= low[i, m] * low_inv[m, j]
            low_inv[i, j] = total / low[i, i]
    for i in range(z_dim):
        for j in range(i + 1):
            total = 0.0
            for m in range(i, z_dim):
                total += low_inv[m, i] * low_inv[m, j]
            s_inv[i, j] = s_inv[j, i] = total
    return log_det


@_inline
def _mahalanobis2(s_inv: FloatArray, nu: FloatArray) -> float:
    total = 0.0
    for i in range(nu.shape[0]):
        row = 0.0
        for j in range(nu.shape[0]):
            row += s_inv[i, j] * nu[j]
        total += nu[i] * row
    return total


@_jit
def innovation_kernel(
    p: FloatArray, nu: FloatArray, h: FloatArray, r: FloatArray, distance2: FloatArray, log_det: FloatArray
) -> None:
    """For gating: nu^T S^-1 nu and ln det S over flat stacks, P (K,D,D), nu (K,Z), H (K,Z,D), R (K,Z,Z)."""
    n_rows, z_dim, dim = h.shape
    pht, s = np.empty((dim, z_dim)), np.empty((z_dim, z_dim))
    low, low_inv, s_inv = np.zeros((z_dim, z_dim)), np.zeros((z_dim, z_dim)), np.empty((z_dim, z_dim))
    for k in range(n_rows):
        _innovation_covariance(p[k], h[k], r[k], pht, s)
        log_det[k] = _invert_spd(s, low, low_inv, s_inv)
        distance2[k] = _mahalanobis2(s_inv, nu[k])


@_jit
def kalman_kernel(
    x: FloatArray,
    p: FloatArray,
    nu: FloatArray,
    h: FloatArray,
    r: FloatArray,
    x_out: FloatArray,
    p_out: FloatArray,
    log_likelihood: FloatArray,
) -> None:
    """The extended Kalman update over flat stacks: x (K,D), P (K,D,D), innovation nu (K,Z),
    Jacobian H (K,Z,D), R (K,Z,Z). S = H P H^T + R is inverted by its Cholesky factor (NaN
    where S is not positive definite); P is updated in Joseph form, exactly symmetric."""
    n_rows, dim = x.shape
    z_dim = nu.shape[1]
    pht, s = np.empty((dim, z_dim)), np.empty((z_dim, z_dim))
    low, low_inv, s_inv = np.zeros((z_dim, z_dim)), np.zeros((z_dim, z_dim)), np.empty((z_dim, z_dim))
    gain = np.empty((dim, z_dim))
    gain_s = np.empty((dim, z_dim))
    log_2pi = math.log(2.0 * math.pi)
    for k in range(n_rows):
        _innovation_covariance(p[k], h[k], r[k], pht, s)
        log_det = _invert_spd(s, low, low_inv, s_inv)
        _product(pht, s_inv, gain)
        for i in range(dim):
            total = x[k, i]
            for j in range(z_dim):
                total += gain[i, j] * nu[k, j]
            x_out[k, i] = total
        # Joseph form, (I - K H) P (I - K H)^T + K R K^T, expanded: P - K (P H^T)^T - (P H^T) K^T
        # + K S K^T. It holds for any gain K, as the Joseph form does, at a third of its arithmetic.
        _product(gain, s, gain_s)
        for i in range(dim):
            for j in range(i + 1):
                total = p[k, i, j]
                for m in range(z_dim):
                    total += gain_s[i, m] * gain[j, m] - gain[i, m] * pht[j, m] - pht[i, m] * gain[j, m]
                p_out[k, i, j] = p_out[k, j, i] = total
        log_likelihood[k] = -0.5 * (_mahalanobis2(s_inv, nu[k]) + log_det + z_dim * log_2pi)


def warm_up() -> None:
    """Compile (or load from Numba's cache) every kernel for the arrays the filter passes, so
    that the first scan of a live feed does not wait for it (about 0.3 s from the cache, several
    seconds the first time on a machine; microseconds once a process has them)."""
    x, p, mu = np.zeros((1, 2, 6)), np.tile(np.eye(6), (1, 2, 1, 1)), np.full((1, 2), 0.5)
    x0, p0, c = np.empty_like(x), np.empty_like(p), np.empty_like(mu)
    mix_kernel(x, p, mu, np.full((1, 2, 2), 0.5), x0, p0, c)
    combine_kernel(x, p, mu, np.empty((1, 6)), np.empty((1, 6, 6)))
    predict_kernel(x, p, np.ones(1), np.zeros(2), np.zeros((1, 2, 3, 3)), x0, p0)
    flat_x, flat_p = x.reshape(-1, 6), p.reshape(-1, 6, 6)
    # One specialisation serves every measurement size: the sizes are loop bounds, not types.
    kalman_kernel(
        flat_x,
        flat_p,
        np.zeros((2, 3)),
        np.zeros((2, 3, 6)),
        np.tile(np.eye(3), (2, 1, 1)),
        np.empty_like(flat_x),
        np.empty_like(flat_p),
        np.empty(2),
    )
    innovation_kernel(
        flat_p, np.zeros((2, 3)), np.zeros((2, 3, 6)), np.tile(np.eye(3), (2, 1, 1)), np.empty(2), np.empty(2)
    )
