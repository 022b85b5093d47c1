"""GOSPA and OSPA: distances between a set of true positions and a set of estimated ones.

GOSPA (Rahmathullah, García-Fernández, Svensson, "Generalized optimal sub-pattern assignment
metric", FUSION 2017), for truths X = {x_1..x_m}, estimates Y = {y_1..y_n}, m <= n (swap
otherwise), cut-off c > 0, order p >= 1 and 0 < alpha <= 2::

    d(X, Y) = ( min_pi  sum_i min(|x_i - y_pi(i)|, c)^p  +  c^p / alpha * (n - m) )^(1/p)

With alpha = 2 this equals the best partial assignment gamma of truths to estimates::

    d^p = sum_{(i,j) in gamma} |x_i - y_j|^p   (localisation; only pairs closer than c)
        + c^p / 2 * (truths left unassigned)      (missed)
        + c^p / 2 * (estimates left unassigned)   (false)

so a pair at c or beyond is one missed target plus one false track, never a match.

OSPA (Schuhmacher, Vo, Vo 2008) on the same sets, n = max(m, n)::

    ospa(X, Y) = ( (min_pi sum_i min(d, c)^p + c^p * |n - m|) / max(m, n) )^(1/p)

which is ``((gospa_alpha2^p + c^p / 2 * |n - m|) / max(m, n))^(1/p)``: one assignment gives
both. Every distance matrix is built with NumPy in one pass; the optimal assignment is
scipy's ``linear_sum_assignment`` on the cut-off matrix min(d, c)^p.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.intp]]

UNASSIGNED = -1


@dataclass(frozen=True, slots=True)
class GospaResult:
    """GOSPA at one time, with its alpha = 2 parts (each in metres^p; they sum to distance^p).

    ``truth_to_estimate[i]`` is the index of the estimate matched to truth ``i`` (closer than
    c), or ``UNASSIGNED``. ``ospa_m`` is OSPA on the same sets, with the same c and p.
    """

    distance_m: float
    localisation: float
    missed: float
    false: float
    missed_count: int
    false_count: int
    truth_to_estimate: IntArray
    ospa_m: float

    @property
    def matched_count(self) -> int:
        return int(np.count_nonzero(self.truth_to_estimate != UNASSIGNED))


def _points(array: Any, name: str) -> FloatArray:
    points = np.asarray(array, dtype=np.float64)
    if points.size == 0:
        return points.reshape(0, points.shape[-1] if points.ndim == 2 else 0)
    if points.ndim != 2:
        raise ValueError(f"{name} must be an (N, D) array of points, got shape {points.shape}")
    return points


def gospa(
    truth: Any,
    estimates: Any,
    c_m: float = 100.0,
    p: float = 2.0,
    alpha: float = 2.0,
) -> GospaResult:
    """GOSPA between truth points (M, D) and estimated points (N, D), with its parts.

    The parts (localisation, missed, false) are the alpha = 2 decomposition; for another
    alpha they are still reported from the optimal assignment but ``distance_m`` follows the
    general formula (pairs at or beyond c are then forced into the assignment)."""
    if not c_m > 0.0:
        raise ValueError(f"cut-off c must be > 0, got {c_m}")
    if not p >= 1.0 or not np.isfinite(p):
        raise ValueError(f"order p must be finite and >= 1, got {p}")
    if not 0.0 < alpha <= 2.0:
        raise ValueError(f"alpha must be in (0, 2], got {alpha}")
    x = _points(truth, "truth")
    y = _points(estimates, "estimates")
    m, n = len(x), len(y)
    if m and n and x.shape[1] != y.shape[1]:
        raise ValueError(f"truth has {x.shape[1]} dimensions, estimates {y.shape[1]}")
    cutoff_cost = c_m**p
    truth_to_estimate = np.full(m, UNASSIGNED, dtype=np.intp)
    localisation = 0.0
    assignment_cost = 0.0  # sum over the optimal assignment of min(d, c)^p
    if m and n:
        distance = cdist(x, y)
        cost = np.minimum(distance, c_m) ** p
        rows, cols = linear_sum_assignment(cost)
        assignment_cost = float(cost[rows, cols].sum())
        within = distance[rows, cols] < c_m
        truth_to_estimate[rows[within]] = cols[within]
        localisation = float(cost[rows[within], cols[within]].sum())
    matched = int(np.count_nonzero(truth_to_estimate != UNASSIGNED))
    missed_count, false_count = m - matched, n - matched
    missed = missed_count * cutoff_cost / 2.0
    false = false_count * cutoff_cost / 2.0
    if alpha == 2.0:
        total = localisation + missed + false
    else:
        total = assignment_cost + cutoff_cost / alpha * abs(n - m)
    larger = max(m, n)
    # OSPA from the same optimum: pad the cardinality gap at c^p instead of c^p / 2.
    ospa_sum = assignment_cost + cutoff_cost * abs(n - m)
    ospa_m = float((ospa_sum / larger) ** (1.0 / p)) if larger else 0.0
    return GospaResult(
        distance_m=float(total ** (1.0 / p)),
        localisation=localisation,
        missed=missed,
        false=false,
        missed_count=missed_count,
        false_count=false_count,
        truth_to_estimate=truth_to_estimate,
        ospa_m=ospa_m,
    )


def ospa(truth: Any, estimates: Any, c_m: float = 100.0, p: float = 2.0) -> float:
    """OSPA between truth points (M, D) and estimated points (N, D); 0 when both are empty."""
    return gospa(truth, estimates, c_m=c_m, p=p).ospa_m
