"""Filter maths: Jacobians, the Kalman update, IMM mode switching, the motion models."""

from __future__ import annotations

import numpy as np
import pytest

from raqib.tracking import imm
from raqib.tracking.measurement import (
    innovation,
    predict_measurement,
    range_rate_curvature,
    with_range_rate_curvature,
)
from raqib.tracking.motion import (
    BALLISTIC,
    CT_LEFT,
    CT_RIGHT,
    CV,
    MANOEUVRE,
    N_MODELS,
    MotionConfig,
    mode_transition,
    predict_bank,
)


@pytest.mark.parametrize(
    "layout",
    [
        ("r", "az", "el"),
        ("r", "az", "el", "rr"),
        ("az",),
        ("az", "el"),
        ("r", "az", "u"),
        ("e", "n", "u", "ve", "vn", "vu"),
    ],
)
def test_jacobians_match_finite_differences(layout: tuple[str, ...]) -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = np.concatenate([rng.uniform(-5000, 5000, 3), rng.uniform(-50, 50, 3)])
        sensor = rng.uniform(-100, 100, 3)
        _, h = predict_measurement(x, sensor, layout)
        numeric = np.zeros_like(h)
        for i in range(6):
            step = np.zeros(6)
            step[i] = 1e-4 * max(1.0, abs(x[i]))
            up, _ = predict_measurement(x + step, sensor, layout)
            down, _ = predict_measurement(x - step, sensor, layout)
            numeric[:, i] = innovation(up, down, layout) / (2 * step[i])
        assert np.allclose(h, numeric, rtol=1e-4, atol=1e-9)


def _young_round_prediction() -> tuple[np.ndarray, np.ndarray]:
    """A round 5 km out whose first plot gave its radial speed (to 0.5 m/s) but not its
    cross-range speed (+-300 m/s), predicted 1 s ahead: position and velocity errors correlated."""
    x0 = np.array([4000.0, 3000.0, 500.0, -200.0, -150.0, 100.0])
    line = x0[:3] / np.linalg.norm(x0[:3])
    p0 = np.zeros((6, 6))
    p0[:3, :3] = np.eye(3) * 40.0**2
    p0[3:, 3:] = (np.eye(3) - np.outer(line, line)) * 300.0**2 + np.outer(line, line) * 0.5**2
    f = np.eye(6)
    f[:3, 3:] = np.eye(3)  # 1 s of constant velocity
    return f @ x0, f @ p0 @ f.T


def test_the_range_rates_second_order_terms_match_monte_carlo() -> None:
    """The range rate's mean over the Gaussian sits 38 m/s from rr at the mean, and its spread
    is 41 m/s where the Jacobian says 16: the second-order terms give both within a few %."""
    x, p = _young_round_prediction()
    sensor = np.zeros(3)
    samples = np.random.default_rng(0).multivariate_normal(x, p, 200_000)
    offset = samples[:, :3] - sensor
    rr = np.einsum("ij,ij->i", offset, samples[:, 3:]) / np.linalg.norm(offset, axis=1)
    rr_at_mean, h = predict_measurement(x, sensor, ("rr",))
    bias, variance = range_rate_curvature(x, p, sensor)
    linear_variance = float(h[0] @ p @ h[0])
    assert rr.mean() - rr_at_mean[0] == pytest.approx(bias, rel=0.05)
    assert bias > 30.0
    assert rr.var() == pytest.approx(linear_variance + variance, rel=0.05)
    assert rr.var() > 5 * linear_variance  # what a first-order EKF misses


def test_the_second_order_terms_vanish_for_a_settled_track_and_touch_only_the_range_rate() -> None:
    x, p = _young_round_prediction()
    settled = np.eye(6) * np.array([25.0, 25.0, 25.0, 1.0, 1.0, 1.0])
    bias, variance = range_rate_curvature(x, settled, np.zeros(3))
    assert abs(bias) < 1e-12 and variance < 0.01  # no position-velocity correlation, small errors
    z, r = np.array([5000.0, 0.9, 0.1, -120.0]), np.diag([56.0, 1e-5, 1e-5, 0.25])
    z_eff, r_eff = with_range_rate_curvature(z, r, x, p, np.zeros(3), ("r", "az", "el", "rr"))
    bias, variance = range_rate_curvature(x, p, np.zeros(3))
    np.testing.assert_array_equal(z_eff[:3], z[:3])
    assert z_eff[3] == pytest.approx(z[3] - bias)
    np.testing.assert_array_equal(r_eff[:3, :3], r[:3, :3])
    assert r_eff[3, 3] == pytest.approx(0.25 + variance)
    plain = z[:3], r[:3, :3]
    unchanged = with_range_rate_curvature(*plain, x, p, np.zeros(3), ("r", "az", "el"))
    assert unchanged[0] is plain[0] and unchanged[1] is plain[1]


def test_azimuth_innovation_wraps_across_north() -> None:
    nu = innovation(np.array([np.radians(1.0)]), np.array([np.radians(359.0)]), ("az",))
    assert np.isclose(np.degrees(nu[0]), 2.0)


def test_kalman_update_matches_the_scalar_closed_form() -> None:
    x = np.zeros((1, 6))
    p = np.eye(6)[None] * 4.0
    h = np.zeros((1, 1, 6))
    h[0, 0, 0] = 1.0
    r = np.array([[[1.0]]])
    x_new, p_new, loglik = imm.kalman_update(x, p, np.array([[5.0]]), h, r)
    assert np.isclose(x_new[0, 0], 4.0)  # K = 4 / (4 + 1)
    assert np.isclose(p_new[0, 0, 0], 0.8)
    assert np.isclose(loglik[0], -0.5 * (25 / 5 + np.log(5) + np.log(2 * np.pi)))


def test_cv_prediction_moves_by_velocity_and_grows_uncertainty() -> None:
    x = np.zeros((1, N_MODELS, 6))
    x[0, :, 3] = 10.0
    p = np.broadcast_to(np.eye(6), (1, N_MODELS, 6, 6)).copy()
    x_pred, p_pred = predict_bank(x, p, np.array([2.0]), MotionConfig())
    assert np.isclose(x_pred[0, CV, 0], 20.0)
    assert p_pred[0, CV, 0, 0] > p[0, CV, 0, 0]
    # The ballistic model falls under gravity.
    assert x_pred[0, BALLISTIC, 2] < -15.0


def test_mode_transition_rows_are_distributions_and_stay_put_for_zero_time() -> None:
    pi = mode_transition(np.array([0.0, 1.0, 100.0]), MotionConfig())
    assert np.allclose(pi.sum(axis=2), 1.0)
    assert np.allclose(pi[0], np.eye(N_MODELS))


def test_a_round_never_turns_into_a_drone_and_a_manoeuvre_is_left_rarely() -> None:
    """The ballistic model is never mixed into the air models (its gravity-driven vertical
    velocity would widen theirs), and the manoeuvre model's loose estimate reaches the level
    models far less often than they reach each other."""
    pi = mode_transition(np.array([1.0]), MotionConfig())[0]
    assert np.allclose(pi[BALLISTIC, :BALLISTIC], 0.0) and pi[BALLISTIC, BALLISTIC] == 1.0
    assert 0.0 < pi[CV, BALLISTIC] < 1e-3
    assert pi[MANOEUVRE, CV] < 0.05 * pi[CT_LEFT, CV]
    assert pi[CV, MANOEUVRE] == pytest.approx(pi[CV, CT_LEFT])


def test_the_level_models_hold_their_height_and_the_manoeuvre_model_follows_a_climb() -> None:
    """Over a minute unobserved, a level model's vertical velocity stays known to a fraction
    of a m/s; the manoeuvre model's opens to metres a second, so a climb fits it."""
    x = np.zeros((1, N_MODELS, 6))
    p = np.broadcast_to(np.eye(6) * 0.01, (1, N_MODELS, 6, 6)).copy()
    for _ in range(60):  # a minute of one-second scans without a plot
        x, p = predict_bank(x, p, np.array([1.0]), MotionConfig())
    vertical_speed_sigma = np.sqrt(p[0, :, 5, 5])
    assert np.all(vertical_speed_sigma[[CV, CT_LEFT, CT_RIGHT]] < 0.2)
    assert vertical_speed_sigma[MANOEUVRE] > 2.0


def test_imm_mixing_preserves_the_combined_mean() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, N_MODELS, 6))
    p = np.broadcast_to(np.eye(6), (3, N_MODELS, 6, 6)).copy()
    mu = rng.dirichlet(np.ones(N_MODELS), size=3)
    pi = mode_transition(np.array([1.0, 1.0, 1.0]), MotionConfig())
    x0, _, c = imm.mix(x, p, mu, pi)
    combined_before, _ = imm.combine(x, p, mu)
    combined_after, _ = imm.combine(x0, p, c)
    assert np.allclose(combined_before, combined_after)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 6])
def test_small_matrix_inverse_and_log_determinant_match_lapack(size: int) -> None:
    rng = np.random.default_rng(size)
    a = rng.normal(size=(40, size, size))
    s = a @ np.swapaxes(a, 1, 2) + np.eye(size)
    inverse, logdet = imm.inverse_and_logdet(s)
    assert np.allclose(inverse, np.linalg.inv(s))
    assert np.allclose(logdet, np.linalg.slogdet(s)[1])


def test_the_turn_models_rotate_the_velocity_at_their_rate() -> None:
    x = np.zeros((1, N_MODELS, 6))
    x[0, :, 3] = 10.0  # east at 10 m/s
    p = np.broadcast_to(np.eye(6), (1, N_MODELS, 6, 6)).copy()
    quarter_s = 90.0 / MotionConfig().turn_rate_deg_s
    x_pred, _ = predict_bank(x, p, np.array([quarter_s]), MotionConfig())
    radius_m = 10.0 / np.radians(MotionConfig().turn_rate_deg_s)
    assert np.allclose(x_pred[0, CT_LEFT, 3:5], [0.0, 10.0], atol=1e-9)  # counter-clockwise: now north
    assert np.allclose(x_pred[0, CT_RIGHT, 3:5], [0.0, -10.0], atol=1e-9)
    assert np.allclose(x_pred[0, CT_LEFT, :2], [radius_m, radius_m], atol=1e-6)
    assert np.allclose(x_pred[0, CV, :2], [10.0 * quarter_s, 0.0])


def test_mode_transition_is_its_definition_entry_by_entry() -> None:
    """mode_transition's one-pass construction (one exponential call, a strided diagonal) gives
    the matrix its docstring defines, computed here entry by entry (to rounding: NumPy's
    exponential of an array and of a scalar need not agree to the last bit everywhere)."""
    config = MotionConfig(mean_sojourn_s=7.0, manoeuvre_exit_s=90.0, ballistic_switch_s=400.0)
    dt = np.array([0.0, -2.0, 1e-9, 0.5, 1.0, 3.7, 60.0, 1e6])
    pi = mode_transition(dt, config)
    for n, step in enumerate(np.maximum(dt, 0.0)):
        to_ballistic = 1.0 - np.exp(-step / config.ballistic_switch_s)
        stay_air = 1.0 - to_ballistic
        for i in range(BALLISTIC):
            scale = config.manoeuvre_exit_s if i == MANOEUVRE else config.mean_sojourn_s
            leave = 1.0 - np.exp(-step / scale)
            for j in range(BALLISTIC):
                expected = (1.0 - leave) * stay_air if i == j else leave * stay_air / 3
                assert pi[n, i, j] == pytest.approx(expected, rel=1e-14, abs=1e-300)
            assert pi[n, i, BALLISTIC] == pytest.approx(to_ballistic, rel=1e-14, abs=1e-300)
        assert np.array_equal(pi[n, BALLISTIC], np.eye(N_MODELS)[BALLISTIC])
    assert mode_transition(np.zeros(0), config).shape == (0, N_MODELS, N_MODELS)


def test_ballistic_model_noise_is_along_and_across_its_velocity() -> None:
    """predict_bank's ballistic noise (built with a strided diagonal): over a short step the
    added position covariance is dt^4/4 times sigma_along^2 u u^T + sigma_cross^2 (I - u u^T),
    u the velocity's direction; isotropic at sigma_along for a round not yet moving."""
    config = MotionConfig()
    x = np.zeros((2, N_MODELS, 6))
    x[0, BALLISTIC, 3:] = [120.0, -50.0, 90.0]
    p = np.zeros((2, N_MODELS, 6, 6))
    step = 1.0
    _, p_pred = predict_bank(x, p, np.full(2, step), config)
    u = x[0, BALLISTIC, 3:] / np.linalg.norm(x[0, BALLISTIC, 3:])
    along2, cross2 = config.ballistic_accel_sigma_ms2**2, config.ballistic_cross_accel_sigma_ms2**2
    expected = along2 * np.outer(u, u) + cross2 * (np.eye(3) - np.outer(u, u))
    assert np.allclose(p_pred[0, BALLISTIC, :3, :3], step**4 / 4 * expected)
    assert np.allclose(p_pred[1, BALLISTIC, :3, :3], step**4 / 4 * along2 * np.eye(3))
