"""Impact prediction: exact without noise, and an honest 95 % ellipse with noise."""

from __future__ import annotations

import numpy as np

from raqib.threat.ballistic import ImpactConfig, ellipse_touches_polygon, integrate_to_ground, predict_impact


def test_vacuum_trajectory_lands_where_the_textbook_says() -> None:
    speed, angle = 200.0, np.radians(45.0)
    state = np.array([[0.0, 0.0, 0.0 + 1e-6, 0.0, speed * np.cos(angle), speed * np.sin(angle), 0.0]])
    impact, when = integrate_to_ground(state, ImpactConfig(step_s=0.01))
    expected_range = speed**2 * np.sin(2 * angle) / 9.80665
    assert np.isclose(impact[0, 1], expected_range, rtol=1e-3)
    assert np.isclose(when[0], 2 * speed * np.sin(angle) / 9.80665, rtol=1e-3)


def test_drag_shortens_the_range() -> None:
    state = np.array([[0.0, 0.0, 1e-6, 0.0, 250.0, 250.0, 0.0], [0.0, 0.0, 1e-6, 0.0, 250.0, 250.0, 1e-4]])
    impact, _ = integrate_to_ground(state, ImpactConfig())
    assert impact[1, 1] < 0.8 * impact[0, 1]


def test_the_95_percent_ellipse_holds_the_true_impact_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(5)
    cfg = ImpactConfig(drag_per_m=1e-4, drag_sigma_per_m=1e-5)
    true_state = np.array([0.0, 0.0, 1500.0, 60.0, 250.0, -30.0])
    true_impact, _ = integrate_to_ground(np.append(true_state, 1e-4)[None], cfg)
    cov = np.diag([30.0, 30.0, 30.0, 5.0, 5.0, 5.0]) ** 2
    inside = 0
    shots = 200
    for _ in range(shots):
        estimate = rng.multivariate_normal(true_state, cov)
        pred = predict_impact(estimate[None], cov[None], cfg)
        d = true_impact[0] - pred.impact_en_m[0]
        inside += d @ np.linalg.solve(pred.impact_cov_m2[0], d) <= 5.991
    assert 0.9 <= inside / shots <= 0.99


def test_ellipse_touch_test() -> None:
    square = np.array([[100.0, -10], [120, -10], [120, 10], [100, 10]])
    cov = np.diag([50.0**2, 5.0**2])  # long east-west
    assert ellipse_touches_polygon(np.zeros(2), cov, square)
    assert not ellipse_touches_polygon(np.zeros(2), np.diag([5.0**2, 50.0**2]), square)
