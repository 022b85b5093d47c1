"""JPDA: marginal association probabilities, the mixture (PDA) update, and the tracker using them."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from raqib.tracking import imm, jpda
from raqib.tracking.association import Pairs, cluster_sizes, gate
from raqib.tracking.jpda import JpdaConfig, Marginals, dense_pairs, lbp_marginals, marginals, pda_update
from raqib.tracking.measurement import MeasurementBatch
from raqib.tracking.motion import MotionConfig
from raqib.tracking.scan import SensorGeometry
from raqib.tracking.store import TrackStore
from raqib.tracking.tracker import Tracker, TrackerConfig
from tests.tracking.helpers import RADAR, SITE, radar_detections

LOG_MISS = float(np.log(0.1))  # pd = 0.9


def brute_force(
    track: np.ndarray, detection: np.ndarray, log_ratio: np.ndarray, log_miss: float
) -> tuple[np.ndarray, dict[int, float]]:
    """Marginals by listing every joint event with itertools: the reference for one cluster."""
    tracks = sorted(set(track.tolist()))
    options = [[None, *np.flatnonzero(track == t).tolist()] for t in tracks]
    pair_weight = np.zeros(len(track))
    none_weight = dict.fromkeys(tracks, 0.0)
    total = 0.0
    for event in itertools.product(*options):
        chosen = [p for p in event if p is not None]
        if len({int(detection[p]) for p in chosen}) < len(chosen):
            continue  # a detection used twice
        w = float(np.exp(sum(log_ratio[p] for p in chosen) + log_miss * (len(tracks) - len(chosen))))
        total += w
        for t, p in zip(tracks, event, strict=True):
            if p is None:
                none_weight[t] += w
            else:
                pair_weight[p] += w
    return pair_weight / total, {t: v / total for t, v in none_weight.items()}


def one_cluster(
    track: list[int], detection: list[int], ratio: list[float], log_miss: float = LOG_MISS
) -> Marginals:
    t, d = np.array(track), np.array(detection)
    return marginals(t, d, np.log(np.array(ratio, float)), log_miss, np.zeros(len(t), int))


# --------------------------------------------------------------------------- marginals by hand


def test_one_track_two_detections_by_hand() -> None:
    # Weights: miss 0.1, detection 0 ratio 2, detection 1 ratio 1 -> total 3.1.
    m = one_cluster([0, 0], [0, 1], [2.0, 1.0])
    assert np.allclose(m.pair_beta, [2 / 3.1, 1 / 3.1])
    assert np.allclose(m.none_beta, [0.1 / 3.1])


def test_two_tracks_one_detection_by_hand() -> None:
    # Events: both miss 0.01; track 0 takes it 2 * 0.1; track 1 takes it 1 * 0.1 -> total 0.31.
    m = one_cluster([0, 1], [0, 0], [2.0, 1.0])
    assert np.allclose(m.pair_beta, [0.2 / 0.31, 0.1 / 0.31])
    assert np.allclose(m.none_beta, [0.11 / 0.31, 0.21 / 0.31])
    assert m.pair_beta.sum() <= 1.0  # one detection is shared, never counted twice


def test_symmetric_two_by_two_is_symmetric_and_matches_the_closed_form() -> None:
    r, q = 5.0, 0.1
    m = one_cluster([0, 0, 1, 1], [0, 1, 0, 1], [r] * 4)
    total = q * q + 4 * r * q + 2 * r * r
    assert np.allclose(m.pair_beta, (r * q + r * r) / total)
    assert np.allclose(m.none_beta, (q * q + 2 * r * q) / total)


def test_a_clearly_better_pairing_gets_almost_all_the_probability() -> None:
    m = one_cluster([0, 0, 1, 1], [0, 1, 0, 1], [1e6, 1.0, 1.0, 1e6])
    assert m.pair_beta[0] > 0.999 and m.pair_beta[3] > 0.999
    assert m.pair_beta[1] < 1e-3 and m.pair_beta[2] < 1e-3


def test_jpda_star_keeps_only_the_likelier_permutation() -> None:
    t, d = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    log_ratio = np.array([20.0, 19.8, 19.8, 20.0])
    plain = marginals(t, d, log_ratio, LOG_MISS, np.zeros(4, int))
    star = marginals(t, d, log_ratio, LOG_MISS, np.zeros(4, int), best_permutation_only=True)
    assert 0.5 < plain.pair_beta[0] < 0.6  # both permutations count: the tracks get pulled together
    assert star.pair_beta[0] > 0.999 and star.pair_beta[1] < 1e-3


# --------------------------------------------------------------------------- marginals, properties


@st.composite
def clusters_strategy(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """One to three independent clusters of up to four tracks and five detections."""
    tracks, dets, ratios, labels = [], [], [], []
    track_base = det_base = 0
    for label in range(draw(st.integers(1, 3))):
        n_t, n_d = draw(st.integers(1, 4)), draw(st.integers(1, 5))
        gated = draw(st.lists(st.booleans(), min_size=n_t * n_d, max_size=n_t * n_d))
        gated[0] = True
        for k, g in enumerate(gated):
            if g:
                tracks.append(track_base + k // n_d)
                dets.append(det_base + k % n_d)
                ratios.append(draw(st.floats(-8.0, 25.0)))
                labels.append(label)
        track_base += n_t
        det_base += n_d
    log_miss = draw(st.floats(-7.0, -0.01))
    return np.array(tracks), np.array(dets), np.array(ratios), np.array(labels), log_miss


@settings(max_examples=150, deadline=None)
@given(clusters_strategy())
def test_marginals_match_brute_force_and_are_probabilities(case: Any) -> None:
    track, det, log_ratio, labels, log_miss = case
    # The strategy's clusters may split further (ungated rows): label true components.
    labels, _, _ = cluster_sizes(int(track.max()) + 1, int(det.max()) + 1, track, det)
    m = marginals(track, det, log_ratio, log_miss, labels)
    for label in np.unique(labels):
        inside = labels == label
        expected_pairs, expected_none = brute_force(track[inside], det[inside], log_ratio[inside], log_miss)
        assert np.allclose(m.pair_beta[inside], expected_pairs, atol=1e-9)
        for t, v in expected_none.items():
            assert np.isclose(m.none_beta[np.searchsorted(m.track, t)], v, atol=1e-9)
    per_track = m.none_beta + np.bincount(m.pair_row, weights=m.pair_beta, minlength=len(m.track))
    assert np.allclose(per_track, 1.0)
    assert np.all(np.bincount(det, weights=m.pair_beta) <= 1.0 + 1e-9)
    assert np.all((m.pair_beta >= 0) & (m.pair_beta <= 1 + 1e-12))
    star = marginals(track, det, log_ratio, log_miss, labels, best_permutation_only=True)
    assert np.allclose(star.none_beta + np.bincount(star.pair_row, weights=star.pair_beta), 1.0)
    assert np.all(np.bincount(det, weights=star.pair_beta) <= 1.0 + 1e-9)


@settings(max_examples=50, deadline=None)
@given(clusters_strategy(), st.randoms(use_true_random=False))
def test_marginals_do_not_depend_on_the_order_of_the_pairs(case: Any, random: Any) -> None:
    track, det, log_ratio, labels, log_miss = case
    labels, _, _ = cluster_sizes(int(track.max()) + 1, int(det.max()) + 1, track, det)
    order = np.arange(len(track))
    random.shuffle(order)
    a = marginals(track, det, log_ratio, log_miss, labels)
    b = marginals(track[order], det[order], log_ratio[order], log_miss, labels[order])
    assert np.allclose(a.pair_beta[order], b.pair_beta)


@example(
    (
        np.array([0, 2, 2, 2, 3, 3]),
        np.array([0, 0, 1, 3, 0, 1]),
        np.array([0.0, 13.5, 19.0, 0.0, 19.0, 24.5]),
        np.zeros(6, int),
        -6.0,
    )
)
@example(
    (
        np.array([0, 2, 2, 2, 3, 3]),
        np.array([0, 0, 1, 3, 0, 1]),
        np.array([0.0, 13.625, 13.0, 0.0, 25.0, 24.375]),
        np.zeros(6, int),
        -1.0,
    )
)
@example(  # messages of 1e-9: converged only by a relative test
    (
        np.array([0, 0, 1, 1, 2]),
        np.array([0, 1, 0, 1, 0]),
        np.array([10.0, 13.0, 6.0, 11.0, 8.0]),
        np.zeros(5, int),
        -7.0,
    )
)
@settings(max_examples=100, deadline=None)
@given(clusters_strategy())
def test_belief_propagation_gives_probabilities(case: Any) -> None:
    track, det, log_ratio, _, log_miss = case
    approx = lbp_marginals(track, det, log_ratio, log_miss)
    assert np.all(np.isfinite(approx.pair_beta)) and np.all(approx.pair_beta >= 0)
    per_track = approx.none_beta + np.bincount(approx.pair_row, weights=approx.pair_beta)
    assert np.allclose(per_track, 1.0)
    # Each track's row is normalised exactly; a detection's column only as far as the message
    # passes have converged. Near-deterministic clusters (tracks 13-25 nats surer of the same
    # detections than of a miss) converge slowly: the two examples above are 4.5e-3 and 6.3e-3
    # over one after 100 passes, under 1e-4 after 1000. Their messages are 1e-9 and smaller,
    # which an absolute convergence test once took for converged (a column 1.3e-2 over one).
    # Converged or not, the beliefs stay near-probabilities.
    assert np.all(np.bincount(det, weights=approx.pair_beta) <= 1.0 + 1e-3)


@st.composite
def tree_strategy(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """A cluster without cycles: each new track or detection joins one node of the other kind."""
    n_tracks, n_dets = 1, 0
    track: list[int] = []
    det: list[int] = []
    for _ in range(draw(st.integers(1, 8))):
        if n_dets == 0 or draw(st.booleans()):
            track.append(draw(st.integers(0, n_tracks - 1)))  # a new detection seen by one track
            det.append(n_dets)
            n_dets += 1
        else:
            track.append(n_tracks)  # a new track that sees one detection
            det.append(draw(st.integers(0, n_dets - 1)))
            n_tracks += 1
    ratios = draw(st.lists(st.floats(-8.0, 25.0), min_size=len(track), max_size=len(track)))
    return np.array(track), np.array(det), np.array(ratios), draw(st.floats(-7.0, -0.01))


@settings(max_examples=100, deadline=None)
@given(tree_strategy())
def test_belief_propagation_is_exact_on_clusters_without_cycles(case: Any) -> None:
    track, det, log_ratio, log_miss = case
    approx = lbp_marginals(track, det, log_ratio, log_miss)
    exact = marginals(track, det, log_ratio, log_miss, np.zeros(len(track), int))
    assert np.allclose(approx.pair_beta, exact.pair_beta, atol=1e-6)


def test_belief_propagation_on_a_cycle_is_close_to_exact_when_one_pairing_dominates() -> None:
    # Two tracks, two detections, a cycle: LBP is approximate there (overconfident when the two
    # pairings are close), but it ranks them right.
    t, d = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    log_ratio = np.array([12.0, 8.0, 8.0, 12.0])
    approx = lbp_marginals(t, d, log_ratio, LOG_MISS)
    exact = marginals(t, d, log_ratio, LOG_MISS, np.zeros(4, int))
    assert np.allclose(approx.pair_beta, exact.pair_beta, atol=0.02)
    assert approx.pair_beta[0] > approx.pair_beta[1] and approx.pair_beta[3] > approx.pair_beta[2]


def test_belief_propagation_survives_overwhelming_likelihoods() -> None:
    # One pair dwarfs the rest by hundreds of orders of magnitude: no cancellation, no NaN.
    t, d = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    m = lbp_marginals(t, d, np.array([650.0, 0.0, 0.0, 650.0]), LOG_MISS)
    assert np.allclose(m.pair_beta, [1.0, 0.0, 0.0, 1.0], atol=1e-9)


# --------------------------------------------------------------------------- clusters


def _pairs(track: list[int], detection: list[int]) -> Pairs:
    n = len(track)
    return Pairs(np.array(track), np.array(detection), np.zeros(n), np.zeros(n))


def test_cluster_sizes_count_distinct_tracks_and_detections() -> None:
    labels, tracks_in, dets_in = cluster_sizes(5, 5, np.array([0, 0, 1, 3, 4]), np.array([0, 1, 1, 3, 3]))
    assert labels[0] == labels[1] == labels[2] and labels[3] == labels[4] and labels[0] != labels[3]
    assert tracks_in.tolist() == [2, 2, 2, 2, 2]
    assert dets_in.tolist() == [2, 2, 2, 1, 1]


def test_only_clusters_of_several_tracks_and_detections_go_to_jpda_and_big_ones_are_flagged() -> None:
    star_track, star_det = [0, 0], [0, 1]  # one track, two detections: a star
    pair_track, pair_det = [1, 1, 2, 2], [2, 3, 2, 3]  # two tracks, two detections
    big_track = [10 + k for k in range(7) for _ in range(2)]  # seven tracks in a chain
    big_det = [10 + k + j for k in range(7) for j in range(2)]
    pairs = _pairs(star_track + pair_track + big_track, star_det + pair_det + big_det)
    exact, large, _ = dense_pairs(20, 20, pairs, JpdaConfig(max_tracks=6))
    assert exact.tolist() == [False] * 2 + [True] * 4 + [False] * 14
    assert large.tolist() == [False] * 6 + [True] * 14


def test_the_event_bound_sends_a_fully_gated_cluster_to_the_approximation() -> None:
    t = [k for k in range(6) for _ in range(8)]
    d = [j for _ in range(6) for j in range(8)]
    exact, large, _ = dense_pairs(6, 8, _pairs(t, d), JpdaConfig(max_events=1000))
    assert not exact.any() and large.all()  # 9^6 possible events > 1000


# --------------------------------------------------------------------------- the mixture update


def _position_batch(z: np.ndarray, sigma_m: float) -> MeasurementBatch:
    k = len(z)
    return MeasurementBatch(
        layout=("e", "n", "u"),
        z=z,
        r=np.broadcast_to(np.eye(3) * sigma_m**2, (k, 3, 3)).copy(),
        sensor_enu_m=np.zeros((k, 3)),
        index=np.arange(k),
    )


def _two_model_prior() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.array([[[100.0, 200.0, 50.0, 10.0, -5.0, 0.0], [104.0, 197.0, 51.0, 12.0, -4.0, 0.5]]])
    a = np.arange(36.0).reshape(6, 6) / 36.0
    p = np.stack([np.diag([400.0, 300.0, 200.0, 25.0, 25.0, 9.0]) + 5.0 * (a @ a.T)] * 2)[None]
    p[0, 1] *= 1.5
    return x, p, np.array([[0.7, 0.3]])


def test_the_mixture_update_is_the_kalman_update_when_one_beta_is_one() -> None:
    x, p, c = _two_model_prior()
    batch = _position_batch(np.array([[110.0, 190.0, 55.0], [160.0, 240.0, 40.0]]), 10.0)
    found = Marginals(np.array([0]), np.array([0, 0]), np.array([1.0, 0.0]), np.array([0.0]))
    gate_ll = np.array([-12.0, -30.0])
    result = pda_update(x, p, c, found, batch, np.array([0, 1]), gate_ll)
    h = np.broadcast_to(np.eye(3, 6), (1, 2, 3, 6))
    nu = batch.z[0] - x[..., :3]
    x_k, p_k, ll_k = imm.kalman_update(x, p, nu, h, np.broadcast_to(batch.r[0], (1, 2, 3, 3)))
    assert np.allclose(result.x, x_k)
    assert np.allclose(result.p, p_k)
    assert np.allclose(imm.update_mode_probs(c, result.mode_log_likelihood), imm.update_mode_probs(c, ll_k))
    assert np.isclose(result.pair_log_likelihood[0], np.log(np.sum(c[0] * np.exp(ll_k[0]))))


def test_the_mixture_update_equals_the_textbook_pda_form_with_a_common_r() -> None:
    x, p, c = _two_model_prior()
    z = np.array([[110.0, 190.0, 55.0], [95.0, 215.0, 45.0], [130.0, 180.0, 60.0]])
    batch = _position_batch(z, 12.0)
    beta = np.array([0.5, 0.3, 0.15])
    found = Marginals(np.array([0]), np.zeros(3, int), beta, np.array([0.05]))
    result = pda_update(x, p, c, found, batch, np.arange(3), np.full(3, -15.0))
    h = np.eye(3, 6)
    for m in range(2):
        s = h @ p[0, m] @ h.T + batch.r[0]
        k = p[0, m] @ h.T @ np.linalg.inv(s)
        nu = z - x[0, m, :3]
        nu_c = beta @ nu
        spread = np.einsum("j,jz,jy->zy", beta, nu, nu) - np.outer(nu_c, nu_c)
        p_expected = p[0, m] - (1 - 0.05) * k @ s @ k.T + k @ spread @ k.T
        assert np.allclose(result.x[0, m], x[0, m] + k @ nu_c)
        assert np.allclose(result.p[0, m], p_expected)


def test_a_track_certainly_undetected_keeps_its_prediction_and_its_mode_probabilities() -> None:
    x, p, c = _two_model_prior()
    batch = _position_batch(np.array([[400.0, 400.0, 50.0]]), 10.0)
    found = Marginals(np.array([0]), np.array([0]), np.array([0.0]), np.array([1.0]))
    result = pda_update(x, p, c, found, batch, np.array([0]), np.array([-40.0]))
    assert np.allclose(result.x, x) and np.allclose(result.p, p)
    assert np.allclose(imm.update_mode_probs(c, result.mode_log_likelihood), c)


# --------------------------------------------------------------------------- in the tracker


def _spy_on_marginals(monkeypatch: pytest.MonkeyPatch) -> list[Marginals]:
    """Record every set of marginals the tracker computes, exact or by belief propagation."""
    calls: list[Marginals] = []
    for name in ("marginals", "lbp_marginals"):
        real = getattr(jpda, name)

        def spy(*args: Any, _real: Any = real, **kwargs: Any) -> Marginals:
            found: Marginals = _real(*args, **kwargs)
            calls.append(found)
            return found

        monkeypatch.setattr(jpda, name, spy)
    return calls


VARIANTS = {
    "jpda*": JpdaConfig(),
    "plain": JpdaConfig(best_permutation_only=False),
    "lbp": JpdaConfig(max_tracks=1, large_clusters="lbp"),  # every cluster by belief propagation
}


@pytest.mark.parametrize(
    ("variant", "seed"), [("jpda*", 0), ("jpda*", 1), ("jpda*", 2), ("plain", 0), ("lbp", 1)]
)
def test_two_close_parallel_targets_in_clutter_keep_two_tracks_without_a_swap(
    variant: str, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _spy_on_marginals(monkeypatch)
    rng = np.random.default_rng(seed)
    tracker = Tracker(SITE, [RADAR], TrackerConfig(association="jpda", jpda=VARIANTS[variant]))
    separation_m = 100.0  # about 4 cross-range sigmas at this range: their gates overlap
    followed: dict[int, list[int]] = {}
    errors: dict[int, list[float]] = {}
    for k in range(60):
        a = np.array([3000.0 + 25 * k, 2000.0, 200.0])
        truth = np.stack([a, a + np.array([0.0, separation_m, 0.0])])
        tracks = tracker.step(radar_detections(truth, float(k), rng, pd=0.9, clutter=20), float(k))
        for t in tracks:
            position = np.array([t.east_m, t.north_m, t.up_m])
            nearest = int(np.argmin(np.linalg.norm(truth - position, axis=1)))
            followed.setdefault(t.track_id, []).append(nearest)
            errors.setdefault(t.track_id, []).append(float(np.linalg.norm(truth[nearest] - position)))
    assert any(len(m.track) for m in calls)  # JPDA did decide some scans
    assert len(tracks) == 2
    for t in tracks:
        assert len(set(followed[t.track_id])) == 1  # each track stayed on one target throughout
        assert np.mean(errors[t.track_id]) < 25.0  # on its target, not pulled towards the other
    assert {followed[t.track_id][0] for t in tracks} == {0, 1}


def test_gnn_is_the_default_and_never_runs_jpda(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _spy_on_marginals(monkeypatch)
    assert TrackerConfig().association == "gnn"
    rng = np.random.default_rng(4)
    tracker = Tracker(SITE, [RADAR])
    for k in range(20):
        a = np.array([3000.0 + 25 * k, 2000.0, 200.0])
        tracker.step(
            radar_detections(np.stack([a, a + np.array([0.0, 110.0, 0.0])]), float(k), rng), float(k)
        )
    assert calls == []


def test_update_dense_clusters_books_the_tracks_and_leaves_unexplained_detections_free() -> None:
    store = TrackStore.new(3, 1)
    positions = np.array([[0.0, 0.0, 100.0], [0.0, 40.0, 100.0], [0.0, 20.0, 100.0]])
    store.x[:, :, :3] = positions[:, None, :]
    store.p[:] = np.diag([400.0, 400.0, 400.0, 100.0, 100.0, 100.0])
    store.mu[:] = MotionConfig().initial_mode_probs
    store.confirmed[:2] = True  # rows 0 and 1 confirmed; row 2 a tentative between them
    store.score[:] = 10.0
    store.time_s[:] = 0.0
    # Detections on tracks 0 and 1, and one far enough off to be ambiguous clutter.
    batch = _position_batch(np.array([[2.0, -1.0, 101.0], [-1.0, 41.0, 99.0], [0.0, -75.0, 100.0]]), 10.0)
    x_hat, p_hat = imm.combine(store.x, store.p, store.mu)
    t, d = np.meshgrid(np.arange(3), np.arange(3), indexing="ij")
    pairs = gate(x_hat, p_hat, batch, t.ravel(), d.ravel(), 0.9995)
    geometry = SensorGeometry.from_sensor(RADAR, SITE)
    log_ratio = (
        pairs.log_likelihood - geometry.clutter_log_density(batch)[pairs.detection] + np.log(geometry.pd)
    )
    done = jpda.update_dense_clusters(
        store, batch, geometry, 1.0, 0, pairs, log_ratio, store.x.copy(), store.p.copy(), store.mu.copy()
    )
    assert done.tracks.tolist() == [0, 1]
    assert done.used.tolist() == [0, 1]  # the clutter detection may start a track
    assert sorted(zip(done.attribute_tracks.tolist(), done.attribute_dets.tolist(), strict=True)) == [
        (0, 0),
        (1, 1),
    ]
    # The tentative track may not take a detection the confirmed ones explained.
    assert not np.isin(done.rest.detection, [0, 1]).any()
    assert store.hits[:2].tolist() == [1, 1] and store.hits[2] == 0
    assert np.all(store.time_s[:2] == 1.0) and store.time_s[2] == 0.0
    assert np.all(store.score[:2] > 10.0)
    assert np.linalg.norm(store.x[0, 0, :3] - [2.0, -1.0, 101.0]) < 5.0
