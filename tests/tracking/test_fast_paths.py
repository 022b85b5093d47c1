"""The tracker's fast paths agree with the general tools they stand in for."""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from raqib.tracking import imm
from raqib.tracking.association import candidate_pairs, clusters, widest_variance


def test_clusters_partition_like_connected_components() -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        n_tracks, n_dets = int(rng.integers(1, 40)), int(rng.integers(1, 40))
        k = int(rng.integers(1, 60))
        tracks, dets = rng.integers(0, n_tracks, k), rng.integers(0, n_dets, k)
        graph = coo_matrix((np.ones(k), (tracks, n_tracks + dets)), shape=(n_tracks + n_dets,) * 2)
        reference = connected_components(graph, directed=False)[1][tracks]
        labels = clusters(n_tracks, n_dets, tracks, dets)
        same = labels[:, None] == labels[None, :]
        assert np.array_equal(same, reference[:, None] == reference[None, :])


def test_candidate_pairs_small_and_tree_paths_agree() -> None:
    rng = np.random.default_rng(2)
    tracks, dets = rng.uniform(0, 5000, (300, 3)), rng.uniform(0, 5000, (200, 3))
    radius = rng.uniform(50, 900, 300)
    t, d = candidate_pairs(tracks, radius, dets)  # 60,000 combinations: KD-trees
    tree = set(zip(t.tolist(), d.tolist(), strict=True))
    small = set()
    for lo in range(0, 300, 10):  # 2,000 combinations each: every distance
        t, d = candidate_pairs(tracks[lo : lo + 10], radius[lo : lo + 10], dets)
        small |= set(zip((t + lo).tolist(), d.tolist(), strict=True))
    assert small and tree == small


def test_inverse_of_3x3_stacks() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(size=(5, 4, 3, 3))
    s = a @ np.swapaxes(a, -1, -2) + np.eye(3)
    inverse, logdet = imm.inverse_and_logdet(s)
    assert np.allclose(inverse @ s, np.eye(3))
    assert np.allclose(logdet, np.linalg.slogdet(s)[1])


def test_widest_variance_is_the_largest_eigenvalue() -> None:
    rng = np.random.default_rng(4)
    for scale in (1e-2, 1.0, 1e3, 1e7):
        # Long thin ellipsoids (a young track's range-azimuth cigar) as well as round ones.
        a = rng.normal(size=(2000, 3, 3)) * scale * rng.uniform(1e-3, 1.0, (2000, 3, 1))
        cov = a @ np.swapaxes(a, 1, 2)
        assert np.allclose(widest_variance(cov), np.linalg.eigvalsh(cov)[:, -1], rtol=1e-8)
    # Repeated and fully degenerate eigenvalues: the cubic's edge cases.
    special = np.array(
        [np.eye(3) * 7.0, np.diag([1.0, 5.0, 5.0]), np.diag([5.0, 1.0, 1.0]), np.zeros((3, 3))]
    )
    assert np.allclose(widest_variance(special), [7.0, 5.0, 5.0, 0.0], rtol=1e-7)
