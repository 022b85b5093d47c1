"""The records the warning evaluation reads: what it knows of each truth target, every track
output of a run as columns, and alerts' lives rebuilt from the stream of their changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from raqib.evaluation.sampling import PointSeries
from raqib.geo import geodetic_to_enu
from raqib.model import Alert, Authorisation, Detection, Sensor, Site, Track, Truth, Zone

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True, slots=True)
class TargetInfo:
    """What the evaluation knows of a truth target (from the scenario)."""

    target_id: str
    target_class: str
    hostile: bool = False
    identity: str | None = None


@dataclass(frozen=True, slots=True)
class TrackLog:
    """Every track output of a run, as columns: time, track id, site-ENU position, declared class."""

    time_s: FloatArray
    track_id: np.ndarray[Any, np.dtype[np.int64]]
    enu_m: FloatArray
    target_class: np.ndarray[Any, np.dtype[np.object_]]

    @classmethod
    def from_tracks(cls, tracks: Iterable[Track], site: Site) -> TrackLog:
        rows = list(tracks)
        e, n, u = geodetic_to_enu(
            np.array([t.lat_deg for t in rows], float),
            np.array([t.lon_deg for t in rows], float),
            np.array([t.alt_m for t in rows], float),
            site,
        )
        return cls(
            np.array([t.time_s for t in rows], float),
            np.array([t.track_id for t in rows], np.int64),
            np.stack([e, n, u], axis=-1).reshape(-1, 3),
            np.array([str(t.target_class) for t in rows], dtype=object),
        )

    def series(self) -> PointSeries:
        return PointSeries.from_arrays(self.time_s, self.track_id.tolist(), self.enu_m)


@dataclass(frozen=True, slots=True)
class AlertSpan:
    """One alert's life: its zone, when it was raised and cleared (None: still open at the
    end), and when each of its tracks joined it, in joining order."""

    alert_id: int
    zone_id: str
    target_class: str
    raised_s: float
    cleared_s: float | None
    joined: tuple[tuple[int, float], ...]


def alert_spans(changes: Iterable[Alert]) -> list[AlertSpan]:
    """Alerts' lives from the stream of their changes (every Alert record, as it changed)."""
    first: dict[int, Alert] = {}
    last: dict[int, Alert] = {}
    joined: dict[int, dict[int, float]] = {}
    for alert in changes:
        tracks = joined.setdefault(alert.alert_id, {})
        new = alert.alert_id not in first
        first.setdefault(alert.alert_id, alert)
        last[alert.alert_id] = alert
        for track_id in alert.track_ids:
            tracks.setdefault(track_id, alert.raised_time_s if new else alert.updated_time_s)
    return [
        AlertSpan(
            aid,
            a.zone_id,
            a.target_class,
            a.raised_time_s,
            last[aid].cleared_time_s,
            tuple(joined[aid].items()),
        )
        for aid, a in first.items()
    ]


@dataclass(frozen=True, slots=True)
class WarningInputs:
    site: Site
    zones: Sequence[Zone]
    authorisations: Sequence[Authorisation]
    targets: Sequence[TargetInfo]
    sensors: Sequence[Sensor]
    truths: Sequence[Truth]
    detections: Sequence[Detection]
    tracks: TrackLog
    alert_changes: Sequence[Alert]
    end_time_s: float
