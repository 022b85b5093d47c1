"""The matching behind the warning evaluation: tracks to truths, detections to truths, and
truth targets to the zones they enter or hit.

* A **track's truth** is a majority vote over the track's life: at every time the track was
  output, the nearest truth (3-D, interpolated at that time) within ``max_distance_m`` gets
  one vote; the truth with most votes is the track's (ties: the first truth label). A track
  with no vote matches nothing (a false track).
* A **truth's first detection** is the first time a located detection (polar from its
  sensor's position, or a position report) lies within ``max(gate_m, gate_sigmas * sigma)``
  of it, sigma being the detection's 3-D standard deviation at its range. Bearing-only
  detections have no position and do not count.
* A **zone event** is a truth target's first entry into a zone's prism (polygon, floor to
  ceiling) — or, for a round (class ``rocket``), its impact: its last truth point, when that
  point is on the ground (below ``impact_height_m``) and inside the zone's polygon. A round's
  flight through a prism is not an event. Each event keeps the span the target was there:
  first to last truth time inside the prism (an impact: one instant).
* A target flying under an authorisation is **within its permission** while inside one of its
  zones (a permit without zones: outside every protected zone) and within its time window.

Each function is one vectorised pass over all rows; the only loops are over zones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from raqib.evaluation.sampling import Frames, PointSeries, sample_truth
from raqib.geo import geodetic_to_enu, points_in_polygon, polar_to_enu
from raqib.model import Authorisation, Detection, Sensor, Site, Zone
from raqib.threat.zones import ZoneGeometry, zone_geometries

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.intp]]

ROUND_CLASS = "rocket"


@dataclass(frozen=True, slots=True)
class ZoneEvent:
    """``target_id`` entered (``kind == "entry"``) or hit (``"impact"``) ``zone_id`` at
    ``time_s`` and was there until ``last_time_s``."""

    target_id: str
    zone_id: str
    kind: str
    time_s: float
    last_time_s: float


def _frame_pairs(frame_of_row: IntArray, frames: Frames) -> tuple[IntArray, IntArray]:
    """Every (row, frame row) pair in which the frame row belongs to the row's own frame."""
    counts = frames.counts[frame_of_row]
    rows = np.repeat(np.arange(len(frame_of_row), dtype=np.intp), counts)
    first = np.repeat(frames.offsets[frame_of_row] - (np.cumsum(counts) - counts), counts)
    return rows, (np.arange(int(counts.sum()), dtype=np.intp) + first).astype(np.intp)


def _truth_pairs(time_s: FloatArray, truth: PointSeries) -> tuple[IntArray, IntArray, FloatArray]:
    """For points at ``time_s``: (point index, truth object index, truth position) of every
    truth alive at that point's time."""
    frames = sample_truth(truth, time_s)
    frame_of_row = np.searchsorted(frames.times_s, time_s).astype(np.intp)
    rows, truth_rows = _frame_pairs(frame_of_row, frames)
    return rows, frames.object_index[truth_rows], frames.enu_m[truth_rows].reshape(-1, 3)


def match_tracks(tracks: PointSeries, truth: PointSeries, max_distance_m: float = 100.0) -> dict[str, str]:
    """Each track label's truth label by majority vote of its nearest truths (see above)."""
    if not len(tracks) or not len(truth):
        return {}
    rows, truth_obj, truth_enu = _truth_pairs(tracks.time_s, truth)
    distance = np.linalg.norm(tracks.enu_m[rows] - truth_enu, axis=1)
    near = distance < max_distance_m
    rows, truth_obj, distance = rows[near], truth_obj[near], distance[near]
    order = np.lexsort((distance, rows))
    nearest = order[np.r_[True, rows[order][1:] != rows[order][:-1]]] if len(order) else order
    n_truths = len(truth.labels)
    keys = tracks.object_index[rows[nearest]].astype(np.int64) * n_truths + truth_obj[nearest]
    pairs, votes = np.unique(keys, return_counts=True)
    track_obj, truth_of = pairs // n_truths, pairs % n_truths
    best = np.lexsort((truth_of, -votes, track_obj))
    winners = best[np.r_[True, track_obj[best][1:] != track_obj[best][:-1]]] if len(best) else best
    return {
        tracks.labels[int(k)]: truth.labels[int(t)]
        for k, t in zip(track_obj[winners], truth_of[winners], strict=True)
    }


@dataclass(frozen=True, slots=True)
class LocatedDetections:
    """Detections with a position: time, site-ENU position and gate radius (metres)."""

    time_s: FloatArray
    enu_m: FloatArray
    gate_m: FloatArray


def _sigma(value: float | None, fallback: float | None) -> float:
    chosen = value if value is not None else fallback
    return float(chosen) if chosen is not None else 0.0


def locate_detections(
    detections: Iterable[Detection],
    sensors: Mapping[str, Sensor],
    site: Site,
    gate_m: float = 150.0,
    gate_sigmas: float = 3.0,
) -> LocatedDetections:
    """Polar detections (from a known sensor) and position reports, with their gates."""
    rows = list(detections)
    polar = [d for d in rows if d.is_polar and d.sensor_id in sensors]
    reports = [d for d in rows if d.is_position and not d.is_polar]
    parts: list[tuple[FloatArray, FloatArray, FloatArray]] = []
    if polar:
        where = [sensors[d.sensor_id] for d in polar]
        e, n, u = geodetic_to_enu(
            np.array([s.lat_deg for s in where]),
            np.array([s.lon_deg for s in where]),
            np.array([s.alt_m for s in where]),
            site,
        )
        range_m = np.array([d.range_m for d in polar], float)
        offset = polar_to_enu(
            range_m,
            np.array([d.azimuth_deg for d in polar], float),
            np.array([d.elevation_deg or 0.0 for d in polar], float),
        )
        sigmas = np.array(
            [
                (
                    _sigma(d.sigma_range_m, s.sigma_range_m),
                    _sigma(d.sigma_azimuth_deg, s.sigma_azimuth_deg),
                    _sigma(d.sigma_elevation_deg, s.sigma_elevation_deg),
                )
                for d, s in zip(polar, where, strict=True)
            ]
        )
        cross = range_m[:, None] * np.radians(sigmas[:, 1:])
        sigma = np.sqrt(sigmas[:, 0] ** 2 + (cross**2).sum(axis=1))
        parts.append(
            (np.array([d.time_s for d in polar], float), np.stack([e, n, u], axis=-1) + offset, sigma)
        )
    if reports:
        e, n, u = geodetic_to_enu(
            np.array([d.lat_deg for d in reports], float),
            np.array([d.lon_deg for d in reports], float),
            np.array([d.alt_m if d.alt_m is not None else site.alt_m for d in reports], float),
            site,
        )
        owner = [sensors.get(d.sensor_id) for d in reports]
        sigma_h = np.array(
            [_sigma(d.sigma_h_m, s.sigma_h_m if s else None) for d, s in zip(reports, owner, strict=True)]
        )
        sigma_v = np.array(
            [_sigma(d.sigma_v_m, s.sigma_v_m if s else None) for d, s in zip(reports, owner, strict=True)]
        )
        parts.append(
            (
                np.array([d.time_s for d in reports], float),
                np.stack([e, n, u], axis=-1).reshape(-1, 3),
                np.sqrt(2.0 * sigma_h**2 + sigma_v**2),
            )
        )
    if not parts:
        return LocatedDetections(np.empty(0), np.empty((0, 3)), np.empty(0))
    time_s = np.concatenate([p[0] for p in parts])
    sigma = np.concatenate([p[2] for p in parts])
    return LocatedDetections(
        time_s, np.concatenate([p[1] for p in parts]).reshape(-1, 3), np.maximum(gate_m, gate_sigmas * sigma)
    )


def first_detection_s(located: LocatedDetections, truth: PointSeries) -> dict[str, float]:
    """Each truth label's first detection time (only truths ever detected)."""
    if not len(located.time_s) or not len(truth):
        return {}
    rows, truth_obj, truth_enu = _truth_pairs(located.time_s, truth)
    within = np.linalg.norm(located.enu_m[rows] - truth_enu, axis=1) <= located.gate_m[rows]
    first = np.full(len(truth.labels), np.inf)
    np.minimum.at(first, truth_obj[within], located.time_s[rows[within]])
    return {truth.labels[i]: float(first[i]) for i in np.flatnonzero(np.isfinite(first))}


def zone_events(
    truth: PointSeries,
    classes: Mapping[str, str],
    zones: Sequence[Zone],
    site: Site,
    impact_height_m: float = 25.0,
) -> list[ZoneEvent]:
    """Every truth target's first entry into (or a round's impact in) every zone."""
    if not len(truth) or not zones:
        return []
    labels = truth.labels
    n = len(labels)
    is_round = np.array([classes.get(label) == ROUND_CLASS for label in labels], bool)
    order = np.lexsort((truth.time_s, truth.object_index))
    sorted_obj = truth.object_index[order]
    stop = np.searchsorted(sorted_obj, np.arange(n), side="right")
    has_rows = stop > np.searchsorted(sorted_obj, np.arange(n), side="left")
    ends = order[stop[has_rows] - 1]  # each object's last truth row
    landed = np.zeros(n, bool)
    landed[truth.object_index[ends]] = is_round[truth.object_index[ends]] & (
        truth.enu_m[ends, 2] <= impact_height_m
    )
    events: list[ZoneEvent] = []
    for geometry in zone_geometries(zones, site):
        zone_id = geometry.zone.zone_id
        inside = geometry.contains(truth.enu_m) & ~is_round[truth.object_index]
        first, last = np.full(n, np.inf), np.full(n, -np.inf)
        np.minimum.at(first, truth.object_index[inside], truth.time_s[inside])
        np.maximum.at(last, truth.object_index[inside], truth.time_s[inside])
        events += [
            ZoneEvent(labels[i], zone_id, "entry", float(first[i]), float(last[i]))
            for i in np.flatnonzero(np.isfinite(first))
        ]
        hit = ends[landed[truth.object_index[ends]]]
        hit = hit[points_in_polygon(truth.enu_m[hit, :2], geometry.polygon_en_m)] if len(hit) else hit
        events += [
            ZoneEvent(
                labels[truth.object_index[r]],
                zone_id,
                "impact",
                float(truth.time_s[r]),
                float(truth.time_s[r]),
            )
            for r in hit
        ]
    return sorted(events, key=lambda e: (e.time_s, e.target_id, e.zone_id))


def last_permitted_s(
    truth: PointSeries, label: str, before_s: float, permit: Authorisation, geometries: Sequence[ZoneGeometry]
) -> float:
    """The last truth time before ``before_s`` at which target ``label`` flew within ``permit``:
    inside one of its zones (or, for a permit without zones, outside every protected zone) and
    within its time window. NaN: never."""
    if label not in truth.labels:
        return math.nan
    rows = np.flatnonzero((truth.object_index == truth.labels.index(label)) & (truth.time_s < before_s))
    time_s, enu = truth.time_s[rows], truth.enu_m[rows]
    if permit.zone_ids:
        allowed = [g for g in geometries if g.zone.zone_id in permit.zone_ids]
        inside = np.zeros(len(rows), bool)
        for geometry in allowed:
            inside |= geometry.contains(enu)
    else:
        inside = np.ones(len(rows), bool)
        for geometry in geometries:
            if geometry.zone.kind == "protected":
                inside &= ~geometry.contains(enu)
    if permit.from_s is not None:
        inside &= time_s >= permit.from_s
    if permit.until_s is not None:
        inside &= time_s <= permit.until_s
    return float(time_s[inside].max()) if inside.any() else math.nan
