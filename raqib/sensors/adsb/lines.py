"""Lines of a text feed (SBS-1 on port 30003, raw hex on port 30002) from arbitrary reads.

A line ends at ``\\n``; a ``\\r`` before it is dropped. An unfinished line waits for the next
read. A line that grows past ``max_line_bytes`` without ending is reported once and dropped
up to its newline, so a feed that never sends one cannot exhaust memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from raqib.sensors.base import DecodeError, FramingError

DEFAULT_MAX_LINE_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Line:
    text: bytes  # without its line ending
    offset: int  # stream offset of its first byte
    number: int  # from 1


class LineSplitter:
    def __init__(self, feed: str, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self.feed = feed
        self.max_line_bytes = max_line_bytes
        self.lines = 0
        self._tail = b""
        self._tail_offset = 0
        self._discarding = False
        self._consumed = 0  # stream offset of the next byte fed

    def feed_bytes(self, data: bytes) -> tuple[list[Line], list[DecodeError]]:
        lines: list[Line] = []
        problems: list[DecodeError] = []
        start = 0
        while True:
            newline = data.find(b"\n", start)
            if newline < 0:
                break
            if self._discarding:
                self._discarding = False
            else:
                offset = self._tail_offset if self._tail else self._consumed + start
                text = self._tail + data[start:newline] if self._tail else data[start:newline]
                self.lines += 1
                lines.append(Line(text[:-1] if text.endswith(b"\r") else text, offset, self.lines))
            self._tail = b""
            start = newline + 1
        if not self._discarding and start < len(data):
            if not self._tail:
                self._tail_offset = self._consumed + start
            self._tail += data[start:]
            if len(self._tail) > self.max_line_bytes:
                self.lines += 1
                problems.append(
                    FramingError(
                        self.feed,
                        self._tail_offset,
                        f"line {self.lines}: longer than {self.max_line_bytes} bytes, skipped",
                    )
                )
                self._tail = b""
                self._discarding = True
        self._consumed += len(data)
        return lines, problems
