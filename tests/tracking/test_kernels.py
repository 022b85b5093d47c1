"""The compiled filter kernels against the same equations written with NumPy matrix products."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.tracking import imm, kernels
from raqib.tracking.motion import (
    BALLISTIC,
    CT_LEFT,
    CT_RIGHT,
    N_MODELS,
    MotionConfig,
    mode_transition,
    predict_bank,
)


def _random_bank(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, N_MODELS, 6, 6)) * rng.uniform(0.1, 30.0, (n, N_MODELS, 1, 1))
    p = a @ np.swapaxes(a, -1, -2) + np.eye(6)
    x = np.concatenate(
        [rng.uniform(-8000, 8000, (n, N_MODELS, 3)), rng.uniform(-250, 250, (n, N_MODELS, 3))], -1
    )
    mu = rng.dirichlet(np.ones(N_MODELS), n)
    return x, p, mu


def _reference_mix(x: np.ndarray, p: np.ndarray, mu: np.ndarray, pi: np.ndarray) -> tuple[np.ndarray, ...]:
    c = np.maximum(np.einsum("nij,ni->nj", pi, mu), 1e-12)
    w = pi * mu[:, :, None] / c[:, None, :]
    x0 = np.einsum("nij,nid->njd", w, x)
    dx = x[:, None] - x0[:, :, None]  # (N, j, i, D)
    p0 = np.einsum("nij,niab->njab", w, p) + np.einsum("nij,njia,njib->njab", w, dx, dx)
    return x0, p0, c


def _reference_combine(x: np.ndarray, p: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, ...]:
    x_hat = np.einsum("nm,nmd->nd", mu, x)
    dx = x - x_hat[:, None]
    return x_hat, np.einsum("nm,nmab->nab", mu, p) + np.einsum("nm,nma,nmb->nab", mu, dx, dx)


def _reference_kalman(
    x: np.ndarray, p: np.ndarray, nu: np.ndarray, h: np.ndarray, r: np.ndarray
) -> tuple[np.ndarray, ...]:
    ht = np.swapaxes(h, -1, -2)
    s = h @ p @ ht + r
    s_inv = np.linalg.inv(s)
    k = p @ ht @ s_inv
    i_kh = np.eye(x.shape[-1]) - k @ h
    p_new = i_kh @ p @ np.swapaxes(i_kh, -1, -2) + k @ r @ np.swapaxes(k, -1, -2)
    d2 = np.einsum("...z,...zy,...y->...", nu, s_inv, nu)
    log_likelihood = -0.5 * (d2 + np.linalg.slogdet(s)[1] + nu.shape[-1] * np.log(2 * np.pi))
    return x + np.einsum("...dz,...z->...d", k, nu), p_new, log_likelihood


def _reference_transitions(dt: np.ndarray, config: MotionConfig) -> np.ndarray:
    """Dense transitions of the bank: CV and ballistic straight, the turns at +-omega."""
    f = np.tile(np.eye(6), (len(dt), N_MODELS, 1, 1))
    f[:, :, [0, 1, 2], [3, 4, 5]] = dt[:, None, None]
    for mode, omega in (
        (CT_LEFT, np.radians(config.turn_rate_deg_s)),
        (CT_RIGHT, -np.radians(config.turn_rate_deg_s)),
    ):
        s, c = np.sin(omega * dt), np.cos(omega * dt)
        f[:, mode, 0, 3], f[:, mode, 0, 4] = s / omega, -(1 - c) / omega
        f[:, mode, 1, 3], f[:, mode, 1, 4] = (1 - c) / omega, s / omega
        f[:, mode, 3, 3], f[:, mode, 3, 4], f[:, mode, 4, 3], f[:, mode, 4, 4] = c, -s, s, c
    return f


def test_mix_and_combine_match_the_imm_equations() -> None:
    x, p, mu = _random_bank(1, 40)
    pi = mode_transition(np.linspace(0.0, 5.0, 40), MotionConfig())
    for got, want in zip(imm.mix(x, p, mu, pi), _reference_mix(x, p, mu, pi), strict=True):
        assert np.allclose(got, want, rtol=1e-11, atol=1e-9)
    for got, want in zip(imm.combine(x, p, mu), _reference_combine(x, p, mu), strict=True):
        assert np.allclose(got, want, rtol=1e-11, atol=1e-9)


def test_prediction_is_the_dense_transition_with_white_noise_acceleration() -> None:
    config = MotionConfig()
    x, p, _ = _random_bank(2, 30)
    dt = np.linspace(0.0, 6.0, 30)
    x_pred, p_pred = predict_bank(x, p, dt, config)
    f = _reference_transitions(dt, config)
    want_x = np.einsum("nmij,nmj->nmi", f, x)
    # The ballistic model adds gravity and drag as a known input: compare the other models'
    # states, and every model's covariance less its process noise's known CV form.
    assert np.allclose(x_pred[:, :BALLISTIC], want_x[:, :BALLISTIC], rtol=1e-12, atol=1e-9)
    fpf = f @ p @ np.swapaxes(f, -1, -2)
    noise = p_pred - fpf
    sigma = config.cv_accel_sigma_ms2
    assert np.allclose(noise[:, 0, 0, 0], dt**4 / 4 * sigma**2, atol=1e-8)
    assert np.allclose(noise[:, 0, 0, 3], dt**3 / 2 * sigma**2, atol=1e-8)
    assert np.allclose(noise[:, 0, 3, 3], dt**2 * sigma**2, atol=1e-8)
    assert np.allclose(noise[:, :, :3, :3][:, :, [0, 0, 1], [1, 2, 2]][:, :BALLISTIC], 0.0, atol=1e-8)
    assert np.array_equal(p_pred, np.swapaxes(p_pred, -1, -2))  # exactly symmetric


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    z_dim=st.integers(1, 6),
    rows=st.integers(1, 9),
    r_scale=st.floats(1e-3, 1e4),
)
def test_kalman_update_matches_the_joseph_form(seed: int, z_dim: int, rows: int, r_scale: float) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(rows, 6, 6)) * 20.0
    p = a @ np.swapaxes(a, -1, -2) + np.eye(6)
    x = rng.normal(size=(rows, 6)) * 100.0
    h = rng.normal(size=(rows, z_dim, 6))
    b = rng.normal(size=(rows, z_dim, z_dim))
    r = r_scale * (b @ np.swapaxes(b, -1, -2) + np.eye(z_dim))
    nu = rng.normal(size=(rows, z_dim)) * 10.0
    got = imm.kalman_update(x, p, nu, h, r)
    want = _reference_kalman(x, p, nu, h, r)
    for g, w in zip(got, want, strict=True):
        assert np.allclose(g, w, rtol=1e-7, atol=1e-6 * np.abs(w).max())
    assert np.array_equal(got[1], np.swapaxes(got[1], -1, -2))


def test_kalman_update_broadcasts_and_compiles_no_second_specialisation() -> None:
    """A broadcast (read-only) R, as the tracker passes it, is copied to the one type the
    kernel is compiled for: a second specialisation would stall a live scan for seconds."""
    x, p, _ = _random_bank(3, 5)
    h = np.zeros((1, 1, 3, 6))
    h[..., [0, 1, 2], [0, 1, 2]] = 1.0
    r = np.broadcast_to(np.eye(3) * 25.0, (5, N_MODELS, 3, 3))
    imm.kalman_update(x, p, np.zeros((5, N_MODELS, 3)), h, r)
    before = len(kernels.kalman_kernel.signatures)
    x_new, p_new, log_likelihood = imm.kalman_update(x, p, np.ones((5, N_MODELS, 3)), h, r)
    assert len(kernels.kalman_kernel.signatures) == before == 1
    assert x_new.shape == (5, N_MODELS, 6) and p_new.shape == (5, N_MODELS, 6, 6)
    assert log_likelihood.shape == (5, N_MODELS)


def test_an_innovation_covariance_that_is_not_positive_definite_gives_nan_not_a_crash() -> None:
    x, p = np.zeros((1, 6)), np.eye(6)[None]
    h = np.zeros((1, 1, 6))
    _, _, log_likelihood = imm.kalman_update(x, p, np.ones((1, 1)), h, -np.ones((1, 1, 1)))
    assert np.isnan(log_likelihood[0])


@pytest.mark.parametrize(
    "kernel", ["mix_kernel", "combine_kernel", "predict_kernel", "kalman_kernel", "innovation_kernel"]
)
def test_warm_up_compiles_every_kernel(kernel: str) -> None:
    kernels.warm_up()
    assert getattr(kernels, kernel).signatures


def test_gating_statistics_match_the_innovation_covariance() -> None:
    rng = np.random.default_rng(5)
    a = rng.normal(size=(50, 6, 6)) * 30.0
    p = a @ np.swapaxes(a, -1, -2) + np.eye(6)
    h = rng.normal(size=(50, 3, 6))
    r = np.tile(np.diag([225.0, 1e-4, 1e-4]), (50, 1, 1))
    nu = rng.normal(size=(50, 3)) * 20.0
    distance2, log_det = np.empty(50), np.empty(50)
    kernels.innovation_kernel(p, nu, h, r, distance2, log_det)
    s = h @ p @ np.swapaxes(h, -1, -2) + r
    assert np.allclose(distance2, np.einsum("kz,kzy,ky->k", nu, np.linalg.inv(s), nu), rtol=1e-8)
    assert np.allclose(log_det, np.linalg.slogdet(s)[1], rtol=1e-10)
