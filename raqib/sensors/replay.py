"""Replays: a file of a feed's bytes, or the UDP datagrams of a pcap/pcapng capture, as a
listener, so a recording can stand in for a live feed.

Decoding happens as the recording is read. With ``pace="recorded"`` the output is paced to
recorded time (``speed`` times real time): by the detections' own times for a plain file,
by capture time for a pcap (where the capture time is also each datagram's receive time).
With ``pace="fast"`` it is handed on as fast as it decodes. With ``rebase_time`` every
detection time is shifted so that the recording starts now, so it can drive the live runner.
A replay's ``run()`` returns when the recording ends.
"""

from __future__ import annotations

import asyncio
import logging
from abc import abstractmethod
from collections.abc import Iterator
from pathlib import Path

import msgspec

from raqib.model import Detection
from raqib.sensors.capture import iter_udp
from raqib.sensors.listeners import Clock, Decoded, DecoderFactory, Listener, Sink

log = logging.getLogger(__name__)


class _Pacer:
    """Sleeps so that recorded times come out at wall-clock speed (times ``speed``)."""

    def __init__(self, clock: Clock, speed: float, enabled: bool) -> None:
        self.clock = clock
        self.speed = speed
        self.enabled = enabled
        self.origin: tuple[float, float] | None = None  # (recorded, wall)

    async def wait(self, recorded_s: float) -> None:
        if not self.enabled:
            await asyncio.sleep(0)
            return
        if self.origin is None:
            self.origin = (recorded_s, self.clock())
        due = self.origin[1] + (recorded_s - self.origin[0]) / self.speed
        await asyncio.sleep(max(0.0, due - self.clock()))


class _Replay(Listener):
    """Shared by file and pcap replays: decoding happens as the recording is read."""

    def __init__(
        self,
        name: str,
        make_decoder: DecoderFactory,
        sink: Sink,
        *,
        path: str | Path,
        pace: str = "recorded",
        speed: float = 1.0,
        rebase_time: bool = True,
        **kwargs: object,
    ) -> None:
        super().__init__(name, make_decoder, sink, **kwargs)  # type: ignore[arg-type]
        self.path = Path(path)
        self.pacer = _Pacer(self.clock, speed, pace == "recorded")
        self.rebase_time = rebase_time
        self.offset_s: float | None = None  # added to recorded times when rebasing
        self.finished = asyncio.Event()

    def _shift(self, detections: list[Detection], recorded_s: float) -> list[Detection]:
        """With ``rebase_time``, the detections moved by the offset that puts the first recorded
        time that carried detections at the moment it was replayed."""
        if not self.rebase_time or not detections:
            return detections
        if self.offset_s is None:
            self.offset_s = self.clock() - recorded_s
        offset = self.offset_s
        return [msgspec.structs.replace(d, time_s=d.time_s + offset) for d in detections]

    async def _hand_on(self, decoded: Decoded, recorded_s: float | None) -> None:
        """Pace by recorded time: the chunk's own (pcap), or its detections' (plain file)."""
        if recorded_s is not None or not decoded.detections:
            if recorded_s is not None:
                await self.pacer.wait(recorded_s)
            detections = self._shift(decoded.detections, recorded_s if recorded_s is not None else 0.0)
            self._emit(_with(decoded, detections, self.clock()))
            return
        groups: dict[float, list[Detection]] = {}
        for detection in sorted(decoded.detections, key=lambda d: d.time_s):
            groups.setdefault(detection.time_s, []).append(detection)
        errors, size = decoded.errors, decoded.size_bytes
        for time_s, group in groups.items():
            await self.pacer.wait(time_s)
            shifted = self._shift(group, time_s)
            self._emit(Decoded(decoded.feed, decoded.sensor_id, self.clock(), shifted, errors, size))
            errors = size = 0

    async def _serve(self) -> None:
        decoder = self.new_decoder()
        try:
            for data, recorded_s in self._chunks():
                receive_s = recorded_s if recorded_s is not None else self.clock()
                self.stats.chunks_received += 1
                self.stats.bytes_received += len(data)
                self.stats.last_receive_time_s = receive_s
                await self._hand_on(self._decode(decoder, data, receive_s), recorded_s)
        except OSError as exc:
            self.stats.last_error = f"{self.path}: {exc}"
            log.error("%s: %s", self.name, self.stats.last_error)
        else:
            last_s = self.stats.last_receive_time_s
            ended = self._finish(decoder, last_s if last_s is not None else self.clock())
            if ended.detections or ended.errors:
                await self._hand_on(ended, None)
        finally:
            self.finished.set()

    @abstractmethod
    def _chunks(self) -> Iterator[tuple[bytes, float | None]]:
        """(bytes, recorded time or None) in file order."""


def _with(decoded: Decoded, detections: list[Detection], receive_time_s: float) -> Decoded:
    return Decoded(
        decoded.feed, decoded.sensor_id, receive_time_s, detections, decoded.errors, decoded.size_bytes
    )


class FileListener(_Replay):
    """A file of a feed's raw bytes (or text lines), read in chunks and paced by detection time."""

    transport = "file"

    def __init__(
        self,
        name: str,
        make_decoder: DecoderFactory,
        sink: Sink,
        *,
        chunk_bytes: int = 65536,
        **kwargs: object,
    ) -> None:
        super().__init__(name, make_decoder, sink, **kwargs)  # type: ignore[arg-type]
        self.chunk_bytes = chunk_bytes

    def _chunks(self) -> Iterator[tuple[bytes, float | None]]:
        self.ready.set()
        with open(self.path, "rb") as stream:
            while data := stream.read(self.chunk_bytes):
                yield data, None


class PcapListener(_Replay):
    """The UDP datagrams of a pcap/pcapng capture (optionally only those to ``port``), paced by
    capture time; the capture time is each datagram's receive time."""

    transport = "pcap"

    def __init__(
        self, name: str, make_decoder: DecoderFactory, sink: Sink, *, port: int = 0, **kwargs: object
    ) -> None:
        super().__init__(name, make_decoder, sink, **kwargs)  # type: ignore[arg-type]
        self.port = port

    def _chunks(self) -> Iterator[tuple[bytes, float | None]]:
        self.ready.set()
        for datagram in iter_udp(self.path, on_error=self._capture_error):
            if not self.port or datagram.dst_port == self.port:
                yield datagram.payload, datagram.time_s

    def _capture_error(self, message: str) -> None:
        self.stats.last_error = message
        log.warning("%s: %s", self.name, message)
