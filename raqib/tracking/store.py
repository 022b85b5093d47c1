"""The track store: every live track's state as columns of arrays (struct of arrays).

One row per track, tentative or confirmed. Rows are appended for new tracks and dropped by a
boolean mask; nothing here loops over tracks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from raqib.geo import FloatArray
from raqib.model import TARGET_CLASSES
from raqib.tracking.motion import N_MODELS, STATE_DIM

N_CLASSES = len(TARGET_CLASSES)


@dataclass
class TrackStore:
    track_id: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # -1 until confirmed
    time_s: FloatArray = field(default_factory=lambda: np.zeros(0))  # of the last update
    x: FloatArray = field(default_factory=lambda: np.zeros((0, N_MODELS, STATE_DIM)))
    p: FloatArray = field(default_factory=lambda: np.zeros((0, N_MODELS, STATE_DIM, STATE_DIM)))
    mu: FloatArray = field(default_factory=lambda: np.zeros((0, N_MODELS)))
    score: FloatArray = field(default_factory=lambda: np.zeros(0))  # log-likelihood ratio target : clutter
    max_score: FloatArray = field(default_factory=lambda: np.zeros(0))
    confirmed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    hits: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    first_time_s: FloatArray = field(default_factory=lambda: np.zeros(0))
    period_s: FloatArray = field(default_factory=lambda: np.zeros(0))  # shortest revisit of its sensors
    rcs_sum_dbsm: FloatArray = field(default_factory=lambda: np.zeros(0))
    rcs_count: FloatArray = field(default_factory=lambda: np.zeros(0))
    class_votes: FloatArray = field(default_factory=lambda: np.zeros((0, N_CLASSES)))
    identity_conflicts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    spoofing_suspected: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    radar_time_s: FloatArray = field(default_factory=lambda: np.zeros(0))  # last non-cooperative update
    sensor_time_s: FloatArray = field(
        default_factory=lambda: np.zeros((0, 0))
    )  # (N, S) last update by sensor
    identity: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    identity_kind: np.ndarray = field(
        default_factory=lambda: np.zeros(0, object)
    )  # "adsb" | "remoteid" | ...
    callsign: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    # The track's row in the tracker's latest scan prediction; -1 for a track started since.
    scan_row: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.time_s)

    def append(self, other: TrackStore) -> None:
        for name in _COLUMNS:
            mine, theirs = getattr(self, name), getattr(other, name)
            if name == "sensor_time_s":
                width = max(mine.shape[1], theirs.shape[1])
                mine = self._widen(mine, width)
                theirs = self._widen(theirs, width)
            setattr(self, name, np.concatenate([mine, theirs]))

    def keep(self, mask: np.ndarray) -> None:
        for name in _COLUMNS:
            setattr(self, name, getattr(self, name)[mask])

    def ensure_sensor_columns(self, count: int) -> None:
        if self.sensor_time_s.shape[1] < count:
            self.sensor_time_s = self._widen(self.sensor_time_s, count)

    @staticmethod
    def _widen(table: FloatArray, width: int) -> FloatArray:
        if table.shape[1] >= width:
            return table
        extra = np.full((table.shape[0], width - table.shape[1]), -np.inf)
        return np.concatenate([table, extra], axis=1)

    @classmethod
    def new(cls, count: int, sensor_columns: int) -> TrackStore:
        # Made bare and filled column by column: the empty default columns would be built only
        # to be replaced (the tracker starts tracks most scans).
        store = cls.__new__(cls)
        for name, tail, dtype, fill in _NEW_COLUMNS:
            shape = (count, sensor_columns) if name == "sensor_time_s" else (count, *tail)
            setattr(store, name, np.full(shape, fill, dtype=dtype))
        store.track_id[:] = -1
        store.scan_row[:] = -1
        return store


# The columns, named once (dataclasses.fields builds its tuple on every call), and how a new
# track's row of each starts: its trailing shape, its dtype and its fill.
_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(TrackStore))
_EMPTY = TrackStore()
_NEW_COLUMNS: tuple[tuple[str, tuple[int, ...], np.dtype, object], ...] = tuple(
    (
        name,
        getattr(_EMPTY, name).shape[1:],
        getattr(_EMPTY, name).dtype,
        None
        if getattr(_EMPTY, name).dtype == object
        else (-np.inf if name in ("sensor_time_s", "radar_time_s") else 0),
    )
    for name in _COLUMNS
)
