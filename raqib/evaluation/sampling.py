"""Truths, tracks and detections as arrays, sampled at the evaluation times.

The evaluation compares truth and tracks at every scan time of a recording (every distinct
detection time). At an evaluation time t:

* a target's truth exists when t lies between its first and last truth line; its position is
  interpolated linearly (in local east-north-up metres) between the truth lines around t;
* the tracks are the track lines written at T(t), the latest track-output time at or before
  t (the tracker writes every confirmed track after each scan), provided t - T(t) is less
  than the tracker's output interval (``max_age_s``; by default the median gap between
  consecutive track-output times). A scan after which the tracker wrote nothing therefore
  has no tracks, instead of inheriting the previous scan's. When several scans share a time
  (two sensors), each wrote its tracks at that time: a track's last line there counts once.

Everything here is vectorised over all objects and times at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from raqib.geo import geodetic_to_enu, polar_to_enu
from raqib.model import Detection, Sensor, Site, Track, Truth

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.intp]]


@dataclass(frozen=True, slots=True)
class PointSeries:
    """Time-stamped positions of many objects: row k is object ``labels[object_index[k]]``
    at ``time_s[k]``, at ``enu_m[k]`` (east, north, up metres from the site)."""

    time_s: FloatArray
    object_index: IntArray
    enu_m: FloatArray
    labels: tuple[str, ...]

    @classmethod
    def from_arrays(cls, time_s: Any, labels: Sequence[str] | Any, enu_m: Any) -> PointSeries:
        """From one label per row (any hashable printed with ``str``)."""
        names = np.asarray([str(label) for label in labels], dtype=object)
        unique, index = (
            np.unique(names, return_inverse=True)
            if len(names)
            else (np.empty(0, object), np.empty(0, np.intp))
        )
        points = np.asarray(enu_m, dtype=np.float64).reshape(-1, 3)
        times = np.asarray(time_s, dtype=np.float64).reshape(-1)
        if not len(times) == len(points) == len(index):
            raise ValueError(f"{len(times)} times, {len(index)} labels and {len(points)} points differ")
        return cls(times, index.astype(np.intp), points, tuple(str(u) for u in unique))

    def __len__(self) -> int:
        return len(self.time_s)

    def finite(self) -> tuple[PointSeries, int]:
        """The rows whose time and position are finite numbers, and how many were not."""
        keep = np.isfinite(self.time_s) & np.all(np.isfinite(self.enu_m), axis=1)
        if keep.all():
            return self, 0
        kept = PointSeries(self.time_s[keep], self.object_index[keep], self.enu_m[keep], self.labels)
        return kept, int(np.count_nonzero(~keep))


@dataclass(frozen=True, slots=True)
class Frames:
    """Positions of objects at each evaluation time, flat: frame s is rows
    ``offsets[s]:offsets[s + 1]`` of ``object_index`` (into ``labels``) and ``enu_m``."""

    times_s: FloatArray
    offsets: IntArray
    object_index: IntArray
    enu_m: FloatArray
    labels: tuple[str, ...]

    def frame(self, s: int) -> tuple[IntArray, FloatArray]:
        rows = slice(int(self.offsets[s]), int(self.offsets[s + 1]))
        return self.object_index[rows], self.enu_m[rows]

    @property
    def counts(self) -> IntArray:
        return np.diff(self.offsets)


def _ranges(starts: IntArray, stops: IntArray) -> tuple[IntArray, IntArray]:
    """For ranges [start_i, stop_i): the owner i of each element and the element itself."""
    lengths = np.maximum(stops - starts, 0)
    owner = np.repeat(np.arange(len(starts), dtype=np.intp), lengths)
    first = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return owner, (np.arange(int(lengths.sum()), dtype=np.intp) + first).astype(np.intp)


def _group_by_frame(
    frame_index: IntArray,
    n_frames: int,
    object_index: IntArray,
    enu_m: FloatArray,
    times_s: FloatArray,
    labels: tuple[str, ...],
) -> Frames:
    order = np.lexsort((object_index, frame_index))
    offsets = np.searchsorted(frame_index[order], np.arange(n_frames + 1)).astype(np.intp)
    return Frames(times_s, offsets, object_index[order], enu_m[order], labels)


def sample_truth(truth: PointSeries, times_s: Any) -> Frames:
    """Each target's position at each evaluation time within its life, linearly interpolated.

    The frames are at the distinct evaluation times, in ascending order."""
    times = np.unique(np.asarray(times_s, dtype=np.float64))
    order = np.lexsort((truth.time_s, truth.object_index))
    t, obj, pos = truth.time_s[order], truth.object_index[order], truth.enu_m[order]
    n_objects = len(truth.labels)
    first_row = np.searchsorted(obj, np.arange(n_objects), side="left")
    last_row = np.searchsorted(obj, np.arange(n_objects), side="right") - 1
    alive = last_row >= first_row
    # Evaluation times within each target's life form one contiguous run of the sorted times.
    lo = np.where(alive, np.searchsorted(times, t[np.minimum(first_row, len(t) - 1)], "left"), 0)
    hi = np.where(alive, np.searchsorted(times, t[np.maximum(last_row, 0)], "right"), 0)
    target, time_rank = _ranges(lo.astype(np.intp), hi.astype(np.intp))
    query = times[time_rank]
    # Row of the last truth line at or before each query: merge queries into the truth rows,
    # ordered by (target, time, truth before query), and carry the latest truth row forward.
    # Each query lies within its target's life, so that row is always the target's own.
    merged_obj = np.concatenate([obj, target])
    merged_t = np.concatenate([t, query])
    is_query = np.concatenate([np.zeros(len(t), np.intp), np.ones(len(query), np.intp)])
    row = np.concatenate([np.arange(len(t), dtype=np.intp), np.full(len(query), -1, np.intp)])
    merged = np.lexsort((is_query, merged_t, merged_obj))
    carried = np.maximum.accumulate(row[merged]) if len(merged) else row
    queries = is_query[merged] == 1
    before = np.empty(len(query), np.intp)
    before[merged[queries] - len(t)] = carried[queries]
    before = np.clip(before, first_row[target], last_row[target])
    after = np.minimum(before + 1, last_row[target])
    span = t[after] - t[before]
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(span > 0.0, (query - t[before]) / span, 0.0)
    enu = pos[before] + weight[:, None] * (pos[after] - pos[before])
    return _group_by_frame(time_rank, len(times), target, enu.reshape(-1, 3), times, truth.labels)


def default_max_age_s(tracks: PointSeries) -> float:
    """The tracker's output interval: the median gap between distinct track-output times."""
    output_times = np.unique(tracks.time_s)
    if len(output_times) < 2:
        return float("inf")
    return float(np.median(np.diff(output_times)))


def sample_tracks(tracks: PointSeries, times_s: Any, max_age_s: float | None = None) -> Frames:
    """The tracks written at the latest track-output time T(t) <= t, if t - T(t) < max_age_s
    (or t == T(t)). The frames are at the distinct evaluation times, in ascending order."""
    times = np.unique(np.asarray(times_s, dtype=np.float64))
    max_age = default_max_age_s(tracks) if max_age_s is None else max_age_s
    # Two scans sharing a time (two sensors) each write every confirmed track at that time:
    # per (time, track) only the last line written counts.
    order = np.lexsort((np.arange(len(tracks)), tracks.object_index, tracks.time_s))
    t, obj = tracks.time_s[order], tracks.object_index[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = (t[1:] != t[:-1]) | (obj[1:] != obj[:-1])
    order = order[last]
    t, obj, pos = tracks.time_s[order], tracks.object_index[order], tracks.enu_m[order]
    output_times = np.unique(t)
    latest = np.searchsorted(output_times, times, side="right") - 1
    output_time = output_times[np.maximum(latest, 0)] if len(output_times) else np.zeros(len(times))
    age = times - output_time
    fresh = (latest >= 0) & ((age < max_age) | (age == 0.0))
    starts = np.where(fresh, np.searchsorted(t, output_time, "left"), 0).astype(np.intp)
    stops = np.where(fresh, np.searchsorted(t, output_time, "right"), 0).astype(np.intp)
    frame_index, rows = _ranges(starts, stops)
    return _group_by_frame(frame_index, len(times), obj[rows], pos[rows], times, tracks.labels)


# --------------------------------------------------------------------------- from records


def truth_series(truths: Iterable[Truth], site: Site) -> PointSeries:
    """Truth lines as a series in the site's east-north-up frame (one vectorised conversion)."""
    rows = list(truths)
    lat = np.array([r.lat_deg for r in rows], float)
    lon = np.array([r.lon_deg for r in rows], float)
    alt = np.array([r.alt_m for r in rows], float)
    e, n, u = geodetic_to_enu(lat, lon, alt, site) if rows else (lat, lon, alt)
    return PointSeries.from_arrays(
        [r.time_s for r in rows], [r.target_id for r in rows], np.stack([e, n, u], axis=-1)
    )


def track_series(tracks: Iterable[Track], site: Site) -> PointSeries:
    """Track lines as a series; the position comes from lat/lon/alt (the contract's fields)."""
    rows = list(tracks)
    lat = np.array([r.lat_deg for r in rows], float)
    lon = np.array([r.lon_deg for r in rows], float)
    alt = np.array([r.alt_m for r in rows], float)
    e, n, u = geodetic_to_enu(lat, lon, alt, site) if rows else (lat, lon, alt)
    return PointSeries.from_arrays(
        [r.time_s for r in rows], [r.track_id for r in rows], np.stack([e, n, u], axis=-1)
    )


@dataclass(frozen=True, slots=True)
class DetectionPoints:
    """Every detection's time, and the ENU position of those that have one (polar with the
    sensor's position known, or a position report); bearing-only detections have only a time."""

    time_s: FloatArray
    located_time_s: FloatArray
    located_enu_m: FloatArray

    @property
    def scan_times_s(self) -> FloatArray:
        return np.unique(self.time_s)


def detection_points(
    detections: Iterable[Detection], sensors: Mapping[str, Sensor], site: Site
) -> DetectionPoints:
    """Detections to positions: polar ones from their sensor's position (elevation 0 when
    absent), position reports converted from WGS84."""
    rows = list(detections)
    times = np.array([d.time_s for d in rows], float)
    sensor_enu = _sensor_positions(sensors, site)
    polar = [d for d in rows if d.is_polar and d.sensor_id in sensor_enu]
    position = [d for d in rows if d.is_position and not d.is_polar and d.alt_m is not None]
    parts_t: list[FloatArray] = []
    parts_p: list[FloatArray] = []
    if polar:
        origin = np.array([sensor_enu[d.sensor_id] for d in polar], float)
        offset = polar_to_enu(
            np.array([d.range_m for d in polar], float),
            np.array([d.azimuth_deg for d in polar], float),
            np.array([d.elevation_deg or 0.0 for d in polar], float),
        )
        parts_t.append(np.array([d.time_s for d in polar], float))
        parts_p.append(origin + offset)
    if position:
        e, n, u = geodetic_to_enu(
            np.array([d.lat_deg for d in position], float),
            np.array([d.lon_deg for d in position], float),
            np.array([d.alt_m for d in position], float),
            site,
        )
        parts_t.append(np.array([d.time_s for d in position], float))
        parts_p.append(np.stack([e, n, u], axis=-1).reshape(-1, 3))
    located_t = np.concatenate(parts_t) if parts_t else np.empty(0)
    located_p = np.concatenate(parts_p) if parts_p else np.empty((0, 3))
    return DetectionPoints(times, located_t, located_p)


def _sensor_positions(sensors: Mapping[str, Sensor], site: Site) -> dict[str, tuple[float, float, float]]:
    if not sensors:
        return {}
    ids = list(sensors)
    e, n, u = geodetic_to_enu(
        np.array([sensors[i].lat_deg for i in ids], float),
        np.array([sensors[i].lon_deg for i in ids], float),
        np.array([sensors[i].alt_m for i in ids], float),
        site,
    )
    return {
        i: (float(a), float(b), float(c))
        for i, a, b, c in zip(ids, e.ravel(), n.ravel(), u.ravel(), strict=True)
    }
