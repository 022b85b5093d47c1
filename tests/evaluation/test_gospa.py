"""GOSPA and OSPA against hand-computed cases, brute force and Stone Soup's implementation."""

from __future__ import annotations

import itertools
import math
from datetime import datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from raqib.evaluation.gospa import UNASSIGNED, gospa, ospa

C = 100.0
EMPTY = np.empty((0, 3))


def test_both_empty_is_zero() -> None:
    result = gospa(EMPTY, EMPTY)
    assert result.distance_m == 0.0
    assert (result.localisation, result.missed, result.false) == (0.0, 0.0, 0.0)
    assert result.ospa_m == 0.0


def test_all_missed_costs_half_c_squared_each() -> None:
    truth = np.array([[0.0, 0.0, 0.0], [500.0, 0.0, 0.0], [0.0, 900.0, 10.0]])
    result = gospa(truth, EMPTY, c_m=C)
    assert result.missed == pytest.approx(3 * C**2 / 2)
    assert result.false == 0.0
    assert result.distance_m == pytest.approx(math.sqrt(3 * C**2 / 2))
    assert result.missed_count == 3
    assert list(result.truth_to_estimate) == [UNASSIGNED] * 3
    assert result.ospa_m == pytest.approx(C)


def test_all_false_costs_half_c_squared_each() -> None:
    tracks = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]])
    result = gospa(EMPTY, tracks, c_m=C)
    assert result.false == pytest.approx(C**2)
    assert result.missed == 0.0
    assert result.false_count == 2
    assert result.distance_m == pytest.approx(C)


def test_one_pair_within_cutoff_is_localisation() -> None:
    result = gospa([[0.0, 0.0, 0.0]], [[30.0, 40.0, 0.0]], c_m=C)
    assert result.distance_m == pytest.approx(50.0)
    assert result.localisation == pytest.approx(2500.0)
    assert (result.missed_count, result.false_count) == (0, 0)
    assert list(result.truth_to_estimate) == [0]
    assert result.ospa_m == pytest.approx(50.0)


def test_one_pair_beyond_cutoff_is_one_missed_and_one_false() -> None:
    result = gospa([[0.0, 0.0, 0.0]], [[0.0, 0.0, 150.0]], c_m=C)
    assert result.localisation == 0.0
    assert result.missed == pytest.approx(C**2 / 2)
    assert result.false == pytest.approx(C**2 / 2)
    assert result.distance_m == pytest.approx(C)
    assert list(result.truth_to_estimate) == [UNASSIGNED]


def test_pair_at_exactly_cutoff_is_not_a_match() -> None:
    result = gospa([[0.0, 0.0, 0.0]], [[C, 0.0, 0.0]], c_m=C)
    assert (result.missed_count, result.false_count) == (1, 1)
    assert result.distance_m == pytest.approx(C)


def test_two_truths_one_track_matches_the_nearer() -> None:
    truth = np.array([[0.0, 0.0, 0.0], [1000.0, 0.0, 0.0]])
    result = gospa(truth, [[1003.0, 4.0, 0.0]], c_m=C)
    assert list(result.truth_to_estimate) == [UNASSIGNED, 0]
    assert result.distance_m == pytest.approx(math.sqrt(25.0 + C**2 / 2))
    # OSPA: (5^2 + c^2) / 2 under the root.
    assert result.ospa_m == pytest.approx(math.sqrt((25.0 + C**2) / 2))


def test_optimal_not_greedy_assignment() -> None:
    # Greedy would pair truth 0 with the track at 10 m, leaving truth 1 at 90 m (8200);
    # the optimum pairs 0-60 m and 1-40 m (3600 + 1600 = 5200).
    truth = np.array([[0.0, 0.0, 0.0], [50.0, 0.0, 0.0]])
    tracks = np.array([[10.0, 0.0, 0.0], [-60.0, 0.0, 0.0]])
    result = gospa(truth, tracks, c_m=C)
    assert result.localisation == pytest.approx(60**2 + 40**2)
    assert result.distance_m == pytest.approx(math.sqrt(5200.0))
    assert list(result.truth_to_estimate) == [1, 0]


@pytest.mark.parametrize("bad", [{"c_m": 0.0}, {"p": 0.5}, {"alpha": 3.0}, {"p": math.inf}])
def test_rejects_bad_parameters(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        gospa(EMPTY, EMPTY, **bad)


def test_rejects_mismatched_dimensions() -> None:
    with pytest.raises(ValueError, match="dimensions"):
        gospa([[0.0, 0.0]], [[0.0, 0.0, 0.0]])


# --------------------------------------------------------------------------- brute force


def _brute_force_gospa(x: np.ndarray, y: np.ndarray, c: float, p: float, alpha: float) -> float:
    """The definition: min over injections of the smaller set, cut-off distances, c^p/alpha per extra."""
    if len(x) > len(y):
        x, y = y, x
    m, n = len(x), len(y)
    best = math.inf
    for perm in itertools.permutations(range(n), m):
        cost = sum(min(float(np.linalg.norm(x[i] - y[j])), c) ** p for i, j in enumerate(perm))
        best = min(best, cost)
    best = 0.0 if m == 0 else best
    return (best + c**p / alpha * (n - m)) ** (1 / p)


def _brute_force_ospa(x: np.ndarray, y: np.ndarray, c: float, p: float) -> float:
    if len(x) > len(y):
        x, y = y, x
    m, n = len(x), len(y)
    if n == 0:
        return 0.0
    best = (
        0.0
        if m == 0
        else min(
            sum(min(float(np.linalg.norm(x[i] - y[j])), c) ** p for i, j in enumerate(perm))
            for perm in itertools.permutations(range(n), m)
        )
    )
    return ((best + c**p * (n - m)) / n) ** (1 / p)


small_sets = st.integers(0, 5).flatmap(
    lambda size: arrays(np.float64, (size, 3), elements=st.floats(-150, 150, allow_nan=False, width=32))
)


@settings(max_examples=150, deadline=None)
@given(small_sets, small_sets, st.sampled_from([1.0, 2.0, 3.0]), st.sampled_from([1.0, 2.0]))
def test_matches_the_definition_by_brute_force(x: np.ndarray, y: np.ndarray, p: float, alpha: float) -> None:
    result = gospa(x, y, c_m=C, p=p, alpha=alpha)
    assert result.distance_m == pytest.approx(_brute_force_gospa(x, y, C, p, alpha), rel=1e-9, abs=1e-9)
    assert result.ospa_m == pytest.approx(_brute_force_ospa(x, y, C, p), rel=1e-9, abs=1e-9)
    if alpha == 2.0:
        total = result.localisation + result.missed + result.false
        assert total == pytest.approx(result.distance_m**p, rel=1e-9, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(small_sets, small_sets)
def test_is_a_metric(x: np.ndarray, y: np.ndarray) -> None:
    assert gospa(x, y).distance_m == pytest.approx(gospa(y, x).distance_m)
    assert gospa(x, x).distance_m == pytest.approx(0.0, abs=1e-9)
    assert 0.0 <= ospa(x, y) <= C + 1e-9


# --------------------------------------------------------------------------- Stone Soup


def _stonesoup_gospa(truth: np.ndarray, tracks: np.ndarray, c: float, p: float) -> dict[str, float]:
    from stonesoup.metricgenerator.ospametric import GOSPAMetric
    from stonesoup.types.state import State

    when = datetime(2022, 1, 3, 4, 30)
    generator = GOSPAMetric(c=c, p=p)
    metric, _ = generator.compute_gospa_metric(
        [State(point.reshape(3, 1), timestamp=when) for point in tracks],
        [State(point.reshape(3, 1), timestamp=when) for point in truth],
    )
    return {key: float(value) for key, value in metric.value.items()}


@pytest.mark.parametrize("seed", range(20))
def test_agrees_with_stone_soup_on_random_sets(seed: int) -> None:
    pytest.importorskip("stonesoup")
    rng = np.random.default_rng(seed)
    truth = rng.uniform(-300.0, 300.0, size=(rng.integers(0, 25), 3))
    # Tracks near some truths (some beyond the cut-off), plus false ones.
    near = truth[rng.random(len(truth)) < 0.7] + rng.normal(0.0, 40.0, size=(1, 3))
    tracks = np.vstack(
        [near + rng.normal(0.0, 30.0, size=near.shape), rng.uniform(-300, 300, (rng.integers(0, 6), 3))]
    )
    if not len(truth) and not len(tracks):
        tracks = rng.uniform(-300, 300, (3, 3))
    for p in (1.0, 2.0):
        ours = gospa(truth, tracks, c_m=C, p=p)
        theirs = _stonesoup_gospa(truth, tracks, C, p)
        assert ours.distance_m == pytest.approx(theirs["distance"], rel=1e-9, abs=1e-9)
        assert ours.localisation == pytest.approx(theirs["localisation"], rel=1e-9, abs=1e-9)
        assert ours.missed == pytest.approx(theirs["missed"], rel=1e-9, abs=1e-9)
        assert ours.false == pytest.approx(theirs["false"], rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("seed", range(10))
def test_ospa_agrees_with_stone_soup_for_p1(seed: int) -> None:
    # Stone Soup's OSPA minimises the sum of cut-off distances, not of their p-th powers, so
    # it is only the optimal (and equal to ours) for p = 1; for p > 1 ours is never larger.
    pytest.importorskip("stonesoup")
    from stonesoup.metricgenerator.ospametric import OSPAMetric
    from stonesoup.types.state import State

    rng = np.random.default_rng(100 + seed)
    truth = rng.uniform(-200.0, 200.0, size=(rng.integers(1, 15), 3))
    tracks = rng.uniform(-200.0, 200.0, size=(rng.integers(1, 15), 3))
    when = datetime(2022, 1, 3, 4, 30)

    def states(points: np.ndarray) -> list[State]:
        return [State(point.reshape(3, 1), timestamp=when) for point in points]

    for p in (1.0, 2.0):
        theirs = float(OSPAMetric(c=C, p=p).compute_OSPA_distance(states(tracks), states(truth)).value)
        if p == 1.0:
            assert ospa(truth, tracks, c_m=C, p=p) == pytest.approx(theirs, rel=1e-9)
        else:
            assert ospa(truth, tracks, c_m=C, p=p) <= theirs + 1e-9


def test_large_sets_are_fast_enough_and_sane() -> None:
    rng = np.random.default_rng(7)
    truth = rng.uniform(-20_000, 20_000, size=(1000, 3))
    tracks = np.vstack([truth + rng.normal(0, 10, truth.shape), rng.uniform(-20_000, 20_000, (100, 3))])
    result = gospa(truth, tracks)
    assert result.missed_count == 0
    assert result.false_count == 100
    assert result.localisation / 1000 == pytest.approx(300.0, rel=0.15)  # 3 axes x 10 m sigma, squared
