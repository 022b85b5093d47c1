"""Sampling truth and tracks at the evaluation times."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.evaluation.sampling import (
    PointSeries,
    default_max_age_s,
    detection_points,
    sample_tracks,
    sample_truth,
    truth_series,
)
from raqib.geo import enu_to_geodetic
from raqib.model import Detection, Sensor, Site, Truth

SITE = Site(lat_deg=33.2625, lon_deg=44.2346, alt_m=35.0)


def test_truth_is_interpolated_linearly_within_its_life_only() -> None:
    truth = PointSeries.from_arrays(
        [0.0, 10.0, 5.0, 6.0],
        ["a", "a", "b", "b"],
        [[0, 0, 0], [100, 200, 10], [1000, 0, 0], [1000, 50, 0]],
    )
    frames = sample_truth(truth, [6.0, -1.0, 2.5, 5.5, 11.0])
    assert list(frames.times_s) == [-1.0, 2.5, 5.5, 6.0, 11.0]
    assert list(frames.counts) == [0, 1, 2, 2, 0]
    ids, enu = frames.frame(1)
    assert truth.labels[ids[0]] == "a"
    np.testing.assert_allclose(enu[0], [25.0, 50.0, 2.5])
    ids, enu = frames.frame(2)
    by_label = {truth.labels[i]: p for i, p in zip(ids, enu, strict=True)}
    np.testing.assert_allclose(by_label["a"], [55.0, 110.0, 5.5])
    np.testing.assert_allclose(by_label["b"], [1000.0, 25.0, 0.0])
    ids, enu = frames.frame(3)  # exactly at b's last truth line
    by_label = {truth.labels[i]: p for i, p in zip(ids, enu, strict=True)}
    np.testing.assert_allclose(by_label["b"], [1000.0, 50.0, 0.0])


def test_truth_lines_out_of_order_are_sorted_per_target() -> None:
    truth = PointSeries.from_arrays([4.0, 0.0, 2.0], ["x", "x", "x"], [[40, 0, 0], [0, 0, 0], [20, 0, 0]])
    frames = sample_truth(truth, [1.0, 3.0])
    np.testing.assert_allclose(frames.enu_m[:, 0], [10.0, 30.0])


def test_single_truth_line_exists_only_at_its_time() -> None:
    truth = PointSeries.from_arrays([3.0], ["solo"], [[1, 2, 3]])
    frames = sample_truth(truth, [2.0, 3.0, 4.0])
    assert list(frames.counts) == [0, 1, 0]


def test_empty_series_and_times() -> None:
    empty = PointSeries.from_arrays([], [], np.empty((0, 3)))
    assert list(sample_truth(empty, [1.0, 2.0]).counts) == [0, 0]
    assert list(sample_tracks(empty, [1.0, 2.0]).counts) == [0, 0]
    truth = PointSeries.from_arrays([0.0], ["a"], [[0, 0, 0]])
    assert len(sample_truth(truth, []).counts) == 0


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), st.floats(0, 100), st.floats(-1e4, 1e4)), min_size=1, max_size=40),
    st.lists(st.floats(-10, 110), min_size=1, max_size=30),
)
def test_interpolation_agrees_with_numpy_interp(
    rows: list[tuple[int, float, float]], times: list[float]
) -> None:
    labels = [f"t{r[0]}" for r in rows]
    t = np.array([r[1] for r in rows])
    x = np.array([r[2] for r in rows])
    truth = PointSeries.from_arrays(t, labels, np.stack([x, -x, np.zeros_like(x)], axis=1))
    frames = sample_truth(truth, times)
    for s, when in enumerate(frames.times_s):
        ids, enu = frames.frame(s)
        for label_index, point in zip(ids, enu, strict=True):
            own = np.array(labels) == truth.labels[label_index]
            assert t[own].min() <= when <= t[own].max()
            order = np.lexsort((x[own], t[own]))
            ts, xs = t[own][order], x[own][order]
            if len(np.unique(ts)) == len(ts):
                assert point[0] == pytest.approx(np.interp(when, ts, xs), abs=1e-6 * (1 + abs(xs).max()))
        alive = {
            lab
            for lab in set(labels)
            if t[np.array(labels) == lab].min() <= when <= t[np.array(labels) == lab].max()
        }
        assert {truth.labels[i] for i in ids} == alive


def _tracks() -> PointSeries:
    # Tracker output after scans at 0, 1, 2 and 4 s (nothing written after the scan at 3 s).
    return PointSeries.from_arrays(
        [0.0, 1.0, 1.0, 2.0, 4.0],
        [1, 1, 2, 2, 7],
        [[0, 0, 0], [10, 0, 0], [500, 0, 0], [510, 0, 0], [9, 9, 9]],
    )


def test_tracks_are_those_of_the_latest_output() -> None:
    tracks = _tracks()
    assert default_max_age_s(tracks) == 1.0
    frames = sample_tracks(tracks, [0.0, 1.0, 1.5, 2.0, 3.0, 4.0, 4.2])
    assert list(frames.counts) == [1, 2, 2, 1, 0, 1, 1]
    ids, _ = frames.frame(2)  # 1.5 s: still the output of 1 s
    assert sorted(tracks.labels[i] for i in ids) == ["1", "2"]
    ids, _ = frames.frame(3)  # 2 s: track 1 was not written, so it is gone
    assert [tracks.labels[i] for i in ids] == ["2"]


def test_tracks_before_the_first_output_are_none() -> None:
    frames = sample_tracks(_tracks(), [-1.0])
    assert list(frames.counts) == [0]


def test_explicit_max_age_keeps_older_output() -> None:
    frames = sample_tracks(_tracks(), [3.0], max_age_s=5.0)
    assert list(frames.counts) == [1]


def test_truth_series_from_records_is_in_the_site_frame() -> None:
    lat, lon, alt = enu_to_geodetic(np.array([1000.0]), np.array([-500.0]), np.array([120.0]), SITE)
    series = truth_series(
        [
            Truth(
                time_s=1.0, target_id="d1", lat_deg=float(lat[0]), lon_deg=float(lon[0]), alt_m=float(alt[0])
            )
        ],
        SITE,
    )
    np.testing.assert_allclose(series.enu_m[0], [1000.0, -500.0, 120.0], atol=1e-6)
    assert series.labels == ("d1",)


def test_detection_points_from_polar_and_position() -> None:
    lat, lon, alt = enu_to_geodetic(
        np.array([100.0, 0.0]), np.array([0.0, 50.0]), np.array([10.0, 20.0]), SITE
    )
    radar = Sensor(
        sensor_id="r1", kind="radar", lat_deg=float(lat[0]), lon_deg=float(lon[0]), alt_m=float(alt[0])
    )
    detections = [
        Detection(time_s=1.0, sensor_id="r1", range_m=1000.0, azimuth_deg=90.0, elevation_deg=0.0),
        Detection(
            time_s=1.0, sensor_id="adsb", lat_deg=float(lat[1]), lon_deg=float(lon[1]), alt_m=float(alt[1])
        ),
        Detection(time_s=2.0, sensor_id="df", azimuth_deg=45.0),  # bearing only: a time, no position
        Detection(time_s=3.0, sensor_id="unknown-radar", range_m=10.0, azimuth_deg=0.0),
    ]
    points = detection_points(detections, {"r1": radar}, SITE)
    assert list(points.scan_times_s) == [1.0, 2.0, 3.0]
    assert len(points.located_time_s) == 2
    # East 1000 m of the radar, which stands 100 m east of the site (the Earth curves the up a little).
    np.testing.assert_allclose(points.located_enu_m[0], [1100.0, 0.0, 10.0], atol=0.2)
    np.testing.assert_allclose(points.located_enu_m[1], [0.0, 50.0, 20.0], atol=1e-6)


def test_two_scans_at_one_time_count_each_track_once() -> None:
    # Radar and ADS-B scans both at 1 s: the tracker wrote tracks 1 and 2 after each; the
    # second output (the last written) moved track 1.
    tracks = PointSeries.from_arrays(
        [1.0, 1.0, 1.0, 1.0], [1, 2, 1, 2], [[0, 0, 0], [50, 0, 0], [5, 0, 0], [50, 0, 0]]
    )
    frames = sample_tracks(tracks, [1.0])
    ids, enu = frames.frame(0)
    assert sorted(tracks.labels[i] for i in ids) == ["1", "2"]
    by_label = {tracks.labels[i]: p for i, p in zip(ids, enu, strict=True)}
    np.testing.assert_allclose(by_label["1"], [5.0, 0.0, 0.0])
