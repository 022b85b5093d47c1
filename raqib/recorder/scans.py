"""A recording as a stream of scans: consecutive detections sharing a time and a sensor are one
scan (CONTRACT.md). Site, sensor and truth lines pass through in order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import msgspec

from raqib.model import Detection, Sensor, Site, Track, Truth


class Scan(msgspec.Struct, frozen=True):
    time_s: float
    sensor_id: str
    detections: list[Detection]


def iter_scans(
    records: Iterable[Site | Sensor | Detection | Truth | Track],
) -> Iterator[Site | Sensor | Truth | Track | Scan]:
    pending: list[Detection] = []
    for record in records:
        if isinstance(record, Detection):
            if pending and (record.time_s != pending[0].time_s or record.sensor_id != pending[0].sensor_id):
                yield Scan(pending[0].time_s, pending[0].sensor_id, pending)
                pending = []
            pending.append(record)
            continue
        if pending:
            yield Scan(pending[0].time_s, pending[0].sensor_id, pending)
            pending = []
        yield record
    if pending:
        yield Scan(pending[0].time_s, pending[0].sensor_id, pending)
