"""The contract every sensor decoder follows.

A decoder turns the bytes of one feed into Detections. It keeps whatever framing state its
format needs (a TCP stream may split a frame across reads), never raises on bad input, and
reports every piece it cannot read as a DecodeError — which feed, which byte offset, why —
to ``on_error`` and in its ``stats``, then goes on with the next record it can read.

Error tree::

    ValueError
    └── DecodeError          (feed, offset, reason)
        ├── FramingError     the bytes do not frame into records
        ├── TruncatedError   a record ends before its declared length
        └── UnsupportedError a well-formed record of a kind raqib does not read
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from raqib.model import Detection, Sensor


class DecodeError(ValueError):
    """A piece of a feed that could not be decoded."""

    def __init__(self, feed: str, offset: int, reason: str) -> None:
        super().__init__(f"{feed}: byte {offset}: {reason}")
        self.feed = feed
        self.offset = offset
        self.reason = reason


class FramingError(DecodeError):
    pass


class TruncatedError(DecodeError):
    pass


class UnsupportedError(DecodeError):
    pass


@dataclass
class DecodeStats:
    """Counts kept per decoder (so per feed and sensor)."""

    chunks: int = 0
    bytes: int = 0
    records: int = 0
    detections: int = 0
    errors: int = 0
    last_error: str = ""
    errors_by_kind: dict[str, int] = field(default_factory=dict)


ErrorSink = Callable[[DecodeError], None]


class Decoder(ABC):
    """Bytes of one feed in, Detections out.

    Subclasses implement ``_decode``; ``decode`` wraps it so that no exception escapes
    and every error is counted. A decoder that holds part of a frame between chunks also
    implements ``_finish``, which ``finish`` calls when the stream ends.
    """

    format_name: ClassVar[str] = ""

    def __init__(self, sensor: Sensor, *, feed: str | None = None, on_error: ErrorSink | None = None) -> None:
        self.sensor = sensor
        self.feed = feed or f"{self.format_name}:{sensor.sensor_id}"
        self.stats = DecodeStats()
        self._on_error = on_error
        self._offset = 0  # bytes consumed on this feed so far, for error messages

    def decode(self, data: bytes, receive_time_s: float) -> list[Detection]:
        """Decode one chunk (a datagram, a stream read, a capture packet)."""
        self.stats.chunks += 1
        self.stats.bytes += len(data)
        try:
            detections = list(self._decode(data, receive_time_s))
        except Exception as exc:  # a decoder bug must not kill the listener
            self.report(DecodeError(self.feed, self._offset, f"decoder failed: {exc!r}"))
            detections = []
        self._offset += len(data)
        self.stats.detections += len(detections)
        return detections

    def finish(self, receive_time_s: float) -> list[Detection]:
        """The stream has ended (a connection closed, a file read to its end): decode what is
        still held, and report what was cut short."""
        try:
            detections = list(self._finish(receive_time_s))
        except Exception as exc:  # as in decode: a decoder bug must not kill the listener
            self.report(DecodeError(self.feed, self._offset, f"decoder failed: {exc!r}"))
            detections = []
        self.stats.detections += len(detections)
        return detections

    def report(self, error: DecodeError) -> None:
        """Count an error and pass it to the sink; decoders call this and carry on."""
        self.stats.errors += 1
        kind = type(error).__name__
        self.stats.errors_by_kind[kind] = self.stats.errors_by_kind.get(kind, 0) + 1
        self.stats.last_error = str(error)
        if self._on_error is not None:
            self._on_error(error)

    def error(self, cls: type[DecodeError], offset_in_chunk: int, reason: str) -> None:
        """Report an error at ``offset_in_chunk`` of the chunk being decoded."""
        self.report(cls(self.feed, self._offset + offset_in_chunk, reason))

    @abstractmethod
    def _decode(self, data: bytes, receive_time_s: float) -> Iterable[Detection]:
        """Yield the detections in ``data``; call ``self.error`` for what can't be read."""

    def _finish(self, receive_time_s: float) -> Iterable[Detection]:
        """The detections in what is still held at the end of a stream; nothing by default."""
        return ()


DECODERS: dict[str, type[Decoder]] = {}


def register(name: str) -> Callable[[type[Decoder]], type[Decoder]]:
    """Class decorator: make a decoder available by format name (site files, `raqib ingest`)."""

    def wrap(cls: type[Decoder]) -> type[Decoder]:
        cls.format_name = name
        DECODERS[name] = cls
        return cls

    return wrap
