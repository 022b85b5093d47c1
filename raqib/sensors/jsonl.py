"""The generic JSON Lines feed: CONTRACT.md detection lines from a custom sensor.

Any sensor that can print one JSON object per line can feed raqib::

    {"type": "detection", "time": 1764000000.25, "sensor": "cam-1", "azimuth_deg": 41.5}

Framing: a line ends at ``\\n`` (a ``\\r`` before it is ignored). On a stream (TCP, a file)
a line may be split across reads; the decoder keeps the unfinished tail for the next read.
With ``datagrams=True`` (UDP) each chunk is complete: its last line ends with the chunk
even without a newline, and nothing is carried into the next datagram.

What is read and what is skipped:
  * ``detection`` lines become Detections when their ``sensor`` is this feed's sensor (or is
    listed in ``sensors``): raqib knows the position and accuracy of configured sensors only;
  * other contract lines (``site``, ``sensor``, ``truth``, ``track``) are counted in
    ``skipped_by_type`` and skipped: they describe the feed, not a measurement;
  * lines that break the contract (bad JSON, missing fields, values out of range) are
    reported as FramingError with the byte offset of the line and the contract's reason;
  * a line longer than ``max_line_bytes`` is reported and discarded up to its newline.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from raqib.model import Detection, Sensor
from raqib.recorder.contract import ContractError, parse_line
from raqib.sensors.base import Decoder, ErrorSink, FramingError, UnsupportedError, register

DEFAULT_MAX_LINE_BYTES = 1 << 20


@register("jsonl")
class JsonlDecoder(Decoder):
    """CONTRACT.md detection lines, one per line, from a stream or datagrams."""

    def __init__(
        self,
        sensor: Sensor,
        *,
        feed: str | None = None,
        on_error: ErrorSink | None = None,
        datagrams: bool = False,
        sensors: Collection[str] = (),
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        super().__init__(sensor, feed=feed, on_error=on_error)
        self.datagrams = bool(datagrams)
        self.accepted_sensors = frozenset((sensor.sensor_id, *sensors))
        self.max_line_bytes = int(max_line_bytes)
        self.lines = 0
        self.skipped_by_type: dict[str, int] = {}
        self._tail = bytearray()
        self._discarding = False  # inside an overlong line, dropping bytes until its newline

    def _decode(self, data: bytes, receive_time_s: float) -> Iterator[Detection]:
        start = 0
        tail_length = len(self._tail)
        while True:
            newline = data.find(b"\n", start)
            if newline < 0:
                break
            if self._discarding:
                self._discarding = False
            elif self._tail:
                yield from self._line(bytes(self._tail) + data[start:newline], -tail_length)
            else:
                yield from self._line(data[start:newline], start)
            self._tail.clear()
            tail_length = 0
            start = newline + 1
        rest = data[start:]
        if self.datagrams:
            if not self._discarding and (self._tail or rest):
                yield from self._line(bytes(self._tail) + rest, start - tail_length)
            self._tail.clear()
            self._discarding = False
            return
        if self._discarding:
            return
        self._tail += rest
        if len(self._tail) > self.max_line_bytes:
            self.lines += 1
            self.error(
                FramingError,
                start - tail_length,
                f"line {self.lines}: longer than {self.max_line_bytes} bytes without a newline; "
                "discarded up to the next newline",
            )
            self._tail.clear()
            self._discarding = True

    def _finish(self, receive_time_s: float) -> Iterator[Detection]:
        """The stream has ended: a last line without its newline is still a line (a sender that
        writes its last record and closes); one being discarded as overlong stays discarded."""
        tail, self._tail = bytes(self._tail), bytearray()
        discarding, self._discarding = self._discarding, False
        if tail and not discarding:
            yield from self._line(tail, -len(tail))

    def _line(self, raw: bytes, offset_in_chunk: int) -> Iterator[Detection]:
        """One line (its newline removed) starting ``offset_in_chunk`` bytes into the chunk."""
        self.lines += 1
        text = raw.rstrip(b"\r")
        if not text.strip():
            return
        if len(text) > self.max_line_bytes:
            self.error(
                FramingError, offset_in_chunk, f"line {self.lines}: longer than {self.max_line_bytes} bytes"
            )
            return
        try:
            record = parse_line(text, self.lines)
        except ContractError as exc:
            self.error(FramingError, offset_in_chunk, str(exc))
            return
        except RecursionError:  # a line nested thousands deep
            self.error(FramingError, offset_in_chunk, f"line {self.lines}: JSON nested too deeply")
            return
        self.stats.records += 1
        if type(record) is not Detection:
            kind = type(record).__name__.lower()
            self.skipped_by_type[kind] = self.skipped_by_type.get(kind, 0) + 1
            return
        if record.sensor_id not in self.accepted_sensors:
            self.error(
                UnsupportedError,
                offset_in_chunk,
                f"line {self.lines}: detection from sensor {record.sensor_id!r} on the feed of "
                f"{self.sensor.sensor_id!r} (list it in the feed's `sensors` option)",
            )
            return
        yield record
