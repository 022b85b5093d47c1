"""Joint probabilistic data association (JPDA) in clusters where several tracks compete.

GNN commits each scan to the single cheapest assignment; when two targets fly close together
a wrong choice pulls a track onto its neighbour's detection, and the tracks can swap. JPDA
instead weighs every feasible joint event of the cluster (each track takes at most one
detection from its gate, each detection feeds at most one track), turns the weights into
marginal probabilities beta[t, j] and beta[t, none], and updates each track with the
probability-weighted mixture of its hypotheses (Bar-Shalom, Willett and Tian, "Tracking and
Data Fusion", chapter 6; Fortmann, Bar-Shalom and Scheffe 1983).

Event weight: the product, over the tracks the event gives a detection, of the pair's
likelihood ratio  pd N(nu; 0, S) / clutter density  (the tracker's identity bonus included),
and over the tracks it gives none, of  1 - pd.

Which tracks: confirmed ones only. A tentative track's velocity is still unknown and its gate
wide; JPDA would pull two young tracks on neighbouring targets onto their midpoint. Tentative
tracks then compete, by GNN, for the detections the confirmed ones did not explain, and a
detection whose probability of belonging to some confirmed track is below
``explained_probability`` (0.5) is free to start a new track.

Marginals are exact for small clusters: the events are enumerated. The enumeration runs over
all small clusters of a scan at once, as arrays of partial events; its only Python loop is
over the enumeration depth (the k-th track of every cluster), at most ``max_tracks`` times.
Above the limits (``JpdaConfig``) a cluster goes to GNN by default, or, with
``large_clusters="lbp"``, gets approximate marginals by loopy belief propagation (Williams and
Lau 2014; linear in the pairs, exact on clusters without cycles). Fitzgerald's "cheap JPDA"
was not used: its weights are a heuristic, not probabilities of anything. GNN is the default
because, on the benchmark swarm, soft updates of 20-track clusters drew neighbouring tracks
together until the tracker's duplicate-merge rule joined them (more missed targets).

By default the variant is JPDA* (Blom and Bloem 2000, ``best_permutation_only``): of the events
that give the same tracks the same detections, only the likeliest permutation is kept. Plain
JPDA averages two tracks over both ways of pairing them with two detections, pulls them
together, and measured worse than GNN on crossing targets; JPDA* keeps the soft weighing of
detection against miss and clutter without that coalescence.

The update moment-matches the Gaussian mixture of the hypotheses, per IMM model:
    x = beta_0 x_pred + sum_j beta_j x_j,
    P = beta_0 (P_pred + dx_0 dx_0^T) + sum_j beta_j (P_j + dx_j dx_j^T),  dx_j = x_j - x,
where x_j, P_j is the EKF update with detection j. With one measurement covariance R for all
detections this is exactly the PDA form  x = x_pred + K nu_c,
P = P_pred - (1 - beta_0) K S K^T + K (sum_j beta_j nu_j nu_j^T - nu_c nu_c^T) K^T,
and it stays right when detections carry their own R.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.special import logsumexp

from raqib.geo import FloatArray
from raqib.tracking import imm
from raqib.tracking.association import Pairs, cluster_sizes, subset
from raqib.tracking.measurement import (
    MeasurementBatch,
    innovation,
    predict_measurement,
    with_range_rate_curvature,
)
from raqib.tracking.scan import SensorGeometry
from raqib.tracking.store import TrackStore

IntArray = np.ndarray
BoolArray = np.ndarray


# Message passes of loopy belief propagation at most; it stops once the messages settle.
LBP_ITERATIONS = 1000


@dataclass(frozen=True, slots=True)
class JpdaConfig:
    """How JPDA runs: the largest cluster solved exactly, what happens to larger ones, the variant."""

    max_tracks: int = 6
    max_detections: int = 8
    max_events: int = 20_000  # bound on the joint events: prod over tracks of (1 + detections gated)
    large_clusters: str = "gnn"  # above the limits: "gnn", or "lbp" (approximate marginals)
    lbp_iterations: int = LBP_ITERATIONS
    best_permutation_only: bool = True  # JPDA*, against track coalescence; False: plain JPDA
    explained_probability: float = 0.5  # a detection this likely to belong to a track seeds no new one


@dataclass(frozen=True, slots=True)
class Marginals:
    """Association probabilities of some gated pairs and of their tracks."""

    track: IntArray  # (T,) the distinct tracks
    pair_row: IntArray  # (P,) each pair's index into ``track``
    pair_beta: FloatArray  # (P,) probability that the pair's track produced the pair's detection
    none_beta: FloatArray  # (T,) probability that the track produced no detection


@dataclass(frozen=True, slots=True)
class PdaResult:
    x: FloatArray  # (T, M, 6) updated model states
    p: FloatArray  # (T, M, 6, 6)
    mode_log_likelihood: (
        FloatArray  # (T, M) ln of each model's likelihood of the scan (a common factor dropped)
    )
    pair_log_likelihood: FloatArray  # (P,) ln of the IMM mixture likelihood of each pair, sum_m c_m N_m


@dataclass(frozen=True, slots=True)
class ClusterUpdate:
    """What JPDA did with one batch, for the tracker's bookkeeping."""

    left: BoolArray  # (pairs,) the pairs left for GNN
    rest: Pairs  # those pairs
    tracks: IntArray  # store rows updated
    used: IntArray  # batch-local detections explained by the tracks (total beta >= explained_probability)
    attribute_tracks: IntArray  # (track, detection) with beta > 0.5: identity, RCS, class hints flow
    attribute_dets: IntArray


def dense_pairs(
    n_tracks: int, n_dets: int, pairs: Pairs, limits: JpdaConfig
) -> tuple[BoolArray, BoolArray, IntArray]:
    """The pairs of clusters with several tracks and several detections: those within the
    limits of exact enumeration, those above; and every pair's cluster label."""
    no = np.zeros(len(pairs.track), bool)
    # A cluster of several tracks and detections has a track with two pairs and a detection with two.
    if len(pairs.track) < 4 or np.bincount(pairs.track).max() < 2 or np.bincount(pairs.detection).max() < 2:
        return no, no.copy(), np.zeros(len(pairs.track), int)
    labels, tracks_in, dets_in = cluster_sizes(n_tracks, n_dets, pairs.track, pairs.detection)
    dense = (tracks_in > 1) & (dets_in > 1)
    candidate = dense & (tracks_in <= limits.max_tracks) & (dets_in <= min(limits.max_detections, 62))
    # Bound each cluster's event count by prod(1 + gated detections) over its tracks.
    gated = np.bincount(pairs.track, minlength=n_tracks)
    track_of_cluster = np.unique(pairs.track)  # a track belongs to one cluster only
    label_of_track = np.zeros(n_tracks, int)
    label_of_track[pairs.track] = labels
    log_bound = np.bincount(
        label_of_track[track_of_cluster],
        weights=np.log1p(gated[track_of_cluster]),
        minlength=int(labels.max()) + 1,
    )
    candidate &= log_bound[labels] <= np.log(limits.max_events)
    return candidate, dense & ~candidate, labels


def marginals(
    track: IntArray,
    detection: IntArray,
    log_ratio: FloatArray,
    log_miss: float,
    labels: IntArray,
    best_permutation_only: bool = False,
) -> Marginals:
    """Exact JPDA marginals for the pairs of whole clusters (``labels``), by enumeration.

    log_ratio: ln of each pair's likelihood ratio, target : clutter; log_miss: ln(1 - pd).
    best_permutation_only: JPDA* (Blom and Bloem 2000): of the events that detect the same
    tracks with the same detections, keep only the likeliest, so that two tracks sharing two
    detections are not both pulled towards their midpoint."""
    n_pairs = len(track)
    tracks, pair_row = np.unique(track, return_inverse=True)
    if n_pairs == 0:
        return Marginals(tracks, pair_row, np.zeros(0), np.zeros(0))
    _, cluster = np.unique(labels, return_inverse=True)
    n_clusters = int(cluster.max()) + 1
    # Rank of each track and each detection inside its cluster.
    track_cluster = np.zeros(len(tracks), int)
    track_cluster[pair_row] = cluster
    track_rank = _rank_within(track_cluster)
    dets, det_row = np.unique(np.c_[cluster, detection], axis=0, return_inverse=True)
    det_bit = np.left_shift(np.int64(1), _rank_within(dets[:, 0]).astype(np.int64))[det_row.ravel()]
    n_tracks_in = np.bincount(track_cluster, minlength=n_clusters)
    depth = int(n_tracks_in.max())
    # Options of the k-th track of cluster c: pairs sorted by key c * depth + k.
    key = cluster * depth + track_rank[pair_row]
    order = np.argsort(key, kind="stable")
    option_start = np.searchsorted(key[order], np.arange(n_clusters * depth))
    option_count = np.bincount(key, minlength=n_clusters * depth)

    event_cluster = np.arange(n_clusters)
    event_used = np.zeros(n_clusters, np.int64)
    event_log_w = np.zeros(n_clusters)
    event_choice = np.zeros((n_clusters, 0), int)
    for k in range(depth):
        slot = event_cluster * depth + k
        active = n_tracks_in[event_cluster] > k
        count = np.where(active, option_count[slot], 0)
        parent = np.repeat(np.arange(len(event_cluster)), count)
        offset = np.arange(len(parent)) - np.repeat(np.cumsum(count) - count, count)
        pair = order[option_start[slot[parent]] + offset]
        free = (event_used[parent] & det_bit[pair]) == 0
        parent, pair = parent[free], pair[free]
        # Every event also branches into "the k-th track gets nothing".
        event_cluster = np.concatenate([event_cluster, event_cluster[parent]])
        event_used = np.concatenate([event_used, event_used[parent] | det_bit[pair]])
        event_log_w = np.concatenate(
            [event_log_w + np.where(active, log_miss, 0.0), event_log_w[parent] + log_ratio[pair]]
        )
        event_choice = np.concatenate(
            [
                np.c_[event_choice, np.full(len(slot), -1)],
                np.c_[event_choice[parent], pair],
            ]
        )
    if best_permutation_only and len(event_cluster) > n_clusters:
        detected = ((event_choice >= 0) << np.arange(depth, dtype=np.int64)).sum(axis=1)
        order_in = np.lexsort((-event_log_w, event_used, detected, event_cluster))
        key = np.c_[event_cluster, detected, event_used][order_in]
        best = order_in[np.r_[True, np.any(key[1:] != key[:-1], axis=1)]]
        event_cluster, event_log_w, event_choice = event_cluster[best], event_log_w[best], event_choice[best]
    peak = np.full(n_clusters, -np.inf)
    np.maximum.at(peak, event_cluster, event_log_w)
    weight = np.exp(event_log_w - peak[event_cluster])
    weight /= np.bincount(event_cluster, weights=weight, minlength=n_clusters)[event_cluster]
    chosen = event_choice.ravel()
    taken = chosen >= 0
    pair_beta: FloatArray = np.bincount(chosen[taken], np.repeat(weight, depth)[taken], n_pairs).astype(float)
    none_beta = np.clip(1.0 - np.bincount(pair_row, weights=pair_beta, minlength=len(tracks)), 0.0, 1.0)
    return Marginals(tracks, pair_row, pair_beta, none_beta)


def _rank_within(group: IntArray) -> IntArray:
    """0, 1, 2 ... within each group, in order of appearance."""
    order = np.argsort(group, kind="stable")
    sorted_group = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(group)]))
    rank = np.empty(len(group), int)
    rank[order] = np.arange(len(group)) - run_start
    return rank


def lbp_marginals(
    track: IntArray,
    detection: IntArray,
    log_ratio: FloatArray,
    log_miss: float,
    iterations: int = LBP_ITERATIONS,
) -> Marginals:
    """Approximate JPDA marginals by loopy belief propagation on the association graph
    (Williams and Lau, "Approximate evaluation of marginal association probabilities with belief
    propagation", IEEE TAES 2014): cost linear in the pairs, for clusters too large to enumerate.
    Messages run over every pair of every cluster at once; they converge (the paper proves it),
    and the marginals are exact on a cluster without cycles."""
    tracks, row = np.unique(track, return_inverse=True)
    _, col = np.unique(detection, return_inverse=True)
    # psi: each pair's weight relative to its track's miss; a false alarm weighs 1.
    psi = np.exp(np.clip(log_ratio - log_miss, -700.0, 700.0))
    to_track = np.ones(len(track))  # message detection -> track
    for _ in range(iterations):
        to_det = psi / (1.0 + _sum_of_others(psi * to_track, row, len(tracks)))
        fresh = 1.0 / (1.0 + _sum_of_others(to_det, col, int(col.max()) + 1 if len(col) else 0))
        # Relative: a detection most tracks are sure of sends messages of 1e-9 and less.
        converged = np.max(np.abs(fresh - to_track) / fresh, initial=0.0) < 1e-9
        to_track = fresh
        if converged:
            break
    weight = psi * to_track
    total = 1.0 + np.bincount(row, weights=weight, minlength=len(tracks)).astype(float)
    return Marginals(tracks, row, weight / total[row], np.asarray(1.0 / total, float))


def _sum_of_others(values: FloatArray, group: IntArray, n_groups: int) -> FloatArray:
    """For each item, the sum of the other items of its group. The group's largest item gets
    its sum directly, not as total - itself, which would cancel when it dwarfs the rest."""
    total = np.bincount(group, weights=values, minlength=n_groups)
    order = np.lexsort((-values, group))
    top = order[np.r_[True, group[order][1:] != group[order][:-1]]] if len(order) else order
    is_top = np.zeros(len(values), bool)
    is_top[top] = True
    rest = np.bincount(group[~is_top], weights=values[~is_top], minlength=n_groups)
    return np.where(is_top, rest[group], np.maximum(total[group] - values, 0.0))


def pda_update(
    x_pred: FloatArray,
    p_pred: FloatArray,
    c: FloatArray,
    found: Marginals,
    batch: MeasurementBatch,
    pair_detection: IntArray,
    gate_log_likelihood: FloatArray,
) -> PdaResult:
    """Update tracks (T, M, ...) with the beta-weighted mixture of their hypotheses, per model.

    gate_log_likelihood: ln N(nu; 0, S) of each pair against the combined prediction, the
    likelihood the betas were computed from."""
    rows = found.pair_row
    n_pairs, n_tracks = len(rows), len(found.track)
    x_m, p_m = x_pred[rows], p_pred[rows]
    n_models = x_m.shape[1]
    sensor = np.broadcast_to(batch.sensor_enu_m[pair_detection][:, None, :], (n_pairs, n_models, 3))
    z_pred, h = predict_measurement(x_m, sensor, batch.layout)
    z, r = with_range_rate_curvature(
        batch.z[pair_detection][:, None, :], batch.r[pair_detection][:, None], x_m, p_m, sensor, batch.layout
    )
    nu = innovation(np.broadcast_to(z, z_pred.shape), z_pred, batch.layout)
    r = np.broadcast_to(r, (*z_pred.shape, z_pred.shape[-1]))
    x_j, p_j, log_lik = imm.kalman_update(x_m, p_m, nu, h, r)
    # Sums over each track's pairs, weighted by beta, as one sparse product.
    weights = csr_matrix((found.pair_beta, (rows, np.arange(n_pairs))), shape=(n_tracks, n_pairs))
    none = found.none_beta
    x = none[:, None, None] * x_pred + (weights @ x_j.reshape(n_pairs, -1)).reshape(x_pred.shape)
    dx_0 = x_pred - x
    dx_j = x_j - x[rows]
    spread_j = p_j + dx_j[..., :, None] * dx_j[..., None, :]
    p = none[:, None, None, None] * (p_pred + dx_0[..., :, None] * dx_0[..., None, :]) + (
        weights @ spread_j.reshape(n_pairs, -1)
    ).reshape(p_pred.shape)
    p = 0.5 * (p + np.swapaxes(p, -1, -2))
    # Model m's likelihood of the scan, up to a factor common to all models:
    # beta_0 + sum_j beta_j N_m(nu_j) / N(nu_j), N the combined-prediction likelihood behind beta.
    ratio = np.exp(np.clip(log_lik - gate_log_likelihood[:, None], -700.0, 700.0))
    mode_lik = none[:, None] + weights @ ratio
    pair_mixture = logsumexp(log_lik + np.log(np.maximum(c[rows], 1e-300)), axis=1)
    return PdaResult(x, p, np.log(np.maximum(mode_lik, 1e-300)), pair_mixture)


def update_dense_clusters(
    store: TrackStore,
    batch: MeasurementBatch,
    geometry: SensorGeometry,
    time_s: float,
    sensor_column: int,
    pairs: Pairs,
    log_ratio: FloatArray,
    x_pred: FloatArray,
    p_pred: FloatArray,
    c: FloatArray,
    config: JpdaConfig | None = None,
) -> ClusterUpdate:
    """JPDA on the batch's clusters of several tracks and several detections, within the limits:
    marginals, the mixture update, mode probabilities and scores, written to ``store``.

    log_ratio: ln of each pair's likelihood ratio target : clutter, identity bonus included.
    The score of a track grows by the expected log-likelihood ratio of its association,
    beta_0 ln(1 - pd) + sum_j beta_j ln(pd N_mix(nu_j) / clutter density), which is GNN's
    increment when one beta is 1."""
    # Confirmed tracks only: a tentative track's velocity is still unknown, its gate wide, and
    # JPDA would pull two young tracks on neighbouring targets onto their midpoint.
    config = config or JpdaConfig()
    firm = np.flatnonzero(store.confirmed[pairs.track])
    exact, large, labels = dense_pairs(len(store), len(batch.z), subset(pairs, firm), config)
    if config.large_clusters != "lbp":
        large[:] = False
    handled = np.zeros(len(pairs.track), bool)
    handled[firm[exact | large]] = True
    if not handled.any():
        empty = np.zeros(0, int)
        return ClusterUpdate(~handled, pairs, empty, empty, empty, empty)
    log_miss = float(np.log(max(1.0 - geometry.pd, 1e-3)))
    track, det = pairs.track[handled], pairs.detection[handled]
    # Both kinds of marginals, as the probability of each handled pair; their clusters are disjoint.
    pair_beta = np.zeros(len(pairs.track))
    if exact.any():
        pick = firm[exact]
        pair_beta[pick] = marginals(
            pairs.track[pick],
            pairs.detection[pick],
            log_ratio[pick],
            log_miss,
            labels[exact],
            config.best_permutation_only,
        ).pair_beta
    if large.any():
        pick = firm[large]
        pair_beta[pick] = lbp_marginals(
            pairs.track[pick], pairs.detection[pick], log_ratio[pick], log_miss, config.lbp_iterations
        ).pair_beta
    rows, pair_row = np.unique(track, return_inverse=True)
    none_beta = np.clip(
        1.0 - np.bincount(pair_row, weights=pair_beta[handled], minlength=len(rows)), 0.0, 1.0
    )
    found = Marginals(rows, pair_row, pair_beta[handled], none_beta)
    result = pda_update(x_pred[rows], p_pred[rows], c[rows], found, batch, det, pairs.log_likelihood[handled])
    store.x[rows] = result.x
    store.p[rows] = result.p
    store.mu[rows] = imm.update_mode_probs(c[rows], result.mode_log_likelihood)
    clutter_log_density = geometry.clutter_log_density(batch)[det]
    pair_gain = result.pair_log_likelihood + np.log(geometry.pd) - clutter_log_density
    gain = found.none_beta * log_miss + np.bincount(
        found.pair_row, weights=found.pair_beta * pair_gain, minlength=len(rows)
    )
    store.score[rows] += gain
    store.max_score[rows] = np.maximum(store.max_score[rows], store.score[rows])
    # The state is now at time_s whatever the association; the detection bookkeeping counts
    # only the tracks more likely detected than not.
    store.time_s[rows] = time_s
    detected = rows[found.none_beta < 0.5]
    store.hits[detected] += 1
    store.period_s[detected] = np.minimum(store.period_s[detected], geometry.period_s)
    store.sensor_time_s[detected, sensor_column] = time_s
    if not geometry.cooperative:
        store.radar_time_s[detected] = time_s
    explained = np.flatnonzero(
        np.bincount(det, weights=found.pair_beta, minlength=len(batch.z)) >= config.explained_probability
    )
    # Tentative tracks then compete, by GNN, for the detections the confirmed ones left.
    left = ~handled & ~np.isin(pairs.detection, explained)
    # Attributes follow a track's most probable detection when it is more likely than not.
    best = np.lexsort((-found.pair_beta, found.pair_row))
    first = best[np.r_[True, found.pair_row[best][1:] != found.pair_row[best][:-1]]]
    strong = first[found.pair_beta[first] > 0.5]
    return ClusterUpdate(
        left,
        subset(pairs, left),
        rows,
        explained,
        track[strong],
        det[strong],
    )
