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


def test_new_store_rows_are_the_default_columns_filled() -> None:
    """TrackStore.new builds its columns from a table made once; every column has the default
    column's dtype and trailing shape, and its documented start (-1 ids, -inf sensor times)."""
    from dataclasses import fields

    from raqib.tracking.store import TrackStore

    empty = TrackStore()
    new = TrackStore.new(3, 4)
    for f in fields(TrackStore):
        column, default = getattr(new, f.name), getattr(empty, f.name)
        assert column.dtype == default.dtype and len(column) == 3
        if f.name != "sensor_time_s":
            assert column.shape[1:] == default.shape[1:]
    assert new.sensor_time_s.shape == (3, 4) and np.all(new.sensor_time_s == -np.inf)
    assert np.all(new.radar_time_s == -np.inf)
    assert np.all(new.track_id == -1) and np.all(new.scan_row == -1)
    assert np.all(new.x == 0.0) and np.all(new.p == 0.0) and not new.confirmed.any()
    assert all(v is None for v in new.identity) and all(v is None for v in new.callsign)
    grown = TrackStore.new(1, 2)
    grown.append(new)
    assert len(grown) == 4 and grown.sensor_time_s.shape == (4, 4)
    grown.keep(np.array([True, False, True, False]))
    assert len(grown) == 2 and all(len(getattr(grown, f.name)) == 2 for f in fields(TrackStore))


def test_track_records_carry_pymap3d_positions_and_every_field() -> None:
    """The tracker's Track records carry exactly pymap3d's latitude, longitude and altitude for
    their ENU positions (geo.SiteFrame on the hot path), for radar-only tracks and one with an
    ADS-B identity alike."""
    from raqib.geo import enu_to_geodetic
    from raqib.tracking.tracker import Tracker
    from tests.tracking.helpers import ADSB, RADAR, SITE, position_report, radar_detections

    rng = np.random.default_rng(7)
    tracker = Tracker(SITE, [RADAR, ADSB])
    aircraft_velocity = np.array([-70.0, 10.0, -3.0])
    drones = np.array([[2000.0, 3000.0, 120.0], [-4000.0, 500.0, 300.0], [1500.0, -6000.0, 80.0]])
    drone_velocity = np.array([[-8.0, -12.0, 0.0], [10.0, 3.0, 0.5], [0.0, 15.0, 0.0]])
    for k in range(25):
        aircraft = np.array([6000.0, 1000.0, 900.0]) + aircraft_velocity * k
        truth = np.vstack([aircraft, drones + drone_velocity * k])
        report = position_report(aircraft, aircraft_velocity, k + 0.5, "4CA1FA", rng)
        tracks = tracker.step([*radar_detections(truth, float(k), rng, clutter=3), report], k + 0.5)
    assert len(tracks) == 4 and sum(t.identity is not None for t in tracks) == 1
    east = np.array([t.east_m for t in tracks])
    north = np.array([t.north_m for t in tracks])
    up = np.array([t.up_m for t in tracks])
    lat, lon, alt = enu_to_geodetic(east, north, up, SITE)
    assert np.array_equal([t.lat_deg for t in tracks], lat)
    assert np.array_equal([t.lon_deg for t in tracks], lon)
    assert np.array_equal([t.alt_m for t in tracks], alt)
