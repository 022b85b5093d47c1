"""SAPIENT framing over TCP: each message is a 4-byte length prefix and the protobuf bytes.

    offset  size  field
    0       4     payload length L, unsigned 32-bit little-endian (struct "<I")
    4       L     one serialised SapientMessage

(as Dstl's Apex middleware frames it: ``struct.pack("<I", len(b)) + b``).

A stream read may hold part of a frame or many; ``FrameReader`` keeps the remainder. A length
of zero or over ``max_frame_bytes``, or a payload whose first byte is not one a SapientMessage
can begin with, cannot be a real frame: it is reported as a FramingError and the reader hunts,
byte by byte, for the next place where a plausible frame starts (a length within bounds
followed by such a first byte), so that a corrupt prefix or a few stray bytes cost the bytes
up to the next good frame rather than the connection.
Bytes still unread when the stream ends are reported as a TruncatedError.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from raqib.sensors.base import ErrorSink, FramingError, TruncatedError

PREFIX = struct.Struct("<I")
PREFIX_BYTES = PREFIX.size
DEFAULT_MAX_FRAME_BYTES = 1 << 20  # far above a Registration (a few kB) and bounds a node's buffer

# Every SapientMessage field (1 to 13) is length-delimited (wire type 2), and protobuf writes
# fields in number order, so a serialised message begins with one of these tag bytes.
START_TAGS = bytes((number << 3) | 2 for number in range(1, 14))


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame's payload and the stream offset of its length prefix."""

    offset: int
    payload: bytes


def encode_frame(payload: bytes) -> bytes:
    """The length prefix and the payload, ready to write to the socket."""
    return PREFIX.pack(len(payload)) + payload


class FrameReader:
    """Incremental reader of length-prefixed frames from one stream, with resynchronisation."""

    def __init__(
        self,
        feed: str,
        on_error: ErrorSink,
        *,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    ) -> None:
        if not 0 < max_frame_bytes < 1 << 32:
            raise ValueError(f"max_frame_bytes must be in 1..{(1 << 32) - 1}, not {max_frame_bytes}")
        self.feed = feed
        self.max_frame_bytes = max_frame_bytes
        self.skipped_bytes = 0
        self._on_error = on_error
        self._buffer = bytearray()
        self._offset = 0  # stream offset of self._buffer[0]
        self._hunting = False
        # A candidate start: four prefix bytes whose top byte fits the bound, then a start tag.
        top = b"\\x%02x" % (max_frame_bytes >> 24)
        tags = b"".join(b"\\x%02x" % tag for tag in START_TAGS)
        self._candidate = re.compile(b"(?=[\\x00-\\xff]{3}[\\x00-%s][%s])" % (top, tags))

    @property
    def buffered(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buffer)

    def feed_data(self, data: bytes) -> list[Frame]:
        """Add bytes read from the stream; return the frames they complete, in order."""
        self._buffer += data
        frames: list[Frame] = []
        while True:
            if self._hunting and not self._hunt():
                break
            if len(self._buffer) < PREFIX_BYTES:
                break
            (length,) = PREFIX.unpack_from(self._buffer)
            problem = None
            if not 0 < length <= self.max_frame_bytes:
                problem = f"length prefix {length} is outside 1..{self.max_frame_bytes} bytes"
            elif len(self._buffer) == PREFIX_BYTES:
                break  # the first payload byte decides whether this is a frame
            elif self._buffer[PREFIX_BYTES] not in START_TAGS:
                problem = f"a {length}-byte frame does not start as a SapientMessage does"
            if problem is not None:
                reason = f"{problem}; skipping to the next frame"
                self._on_error(FramingError(self.feed, self._offset, reason))
                self._drop(1)
                self.skipped_bytes += 1
                self._hunting = True
                continue
            end = PREFIX_BYTES + length
            if len(self._buffer) < end:
                break
            frames.append(Frame(self._offset, bytes(self._buffer[PREFIX_BYTES:end])))
            self._drop(end)
        return frames

    def close(self) -> None:
        """The stream has ended: report any part-frame left unread."""
        if self._buffer:
            if self._hunting:
                reason = f"stream ended while skipping {len(self._buffer)} unframed bytes"
            elif len(self._buffer) < PREFIX_BYTES:
                reason = f"stream ended inside a length prefix ({len(self._buffer)} of 4 bytes)"
            else:
                (length,) = PREFIX.unpack_from(self._buffer)
                reason = f"stream ended inside a frame: {len(self._buffer) - PREFIX_BYTES} of {length} bytes"
            self._on_error(TruncatedError(self.feed, self._offset, reason))
            self.skipped_bytes += len(self._buffer)
            self._drop(len(self._buffer))
        self._hunting = False

    def _hunt(self) -> bool:
        """Skip to the next plausible frame start; False when more bytes are needed to find one."""
        position = 0
        while (match := self._candidate.search(self._buffer, position)) is not None:
            start = match.start()
            del match  # it holds a view of the buffer, which must be free to shrink
            (length,) = PREFIX.unpack_from(self._buffer, start)
            if 0 < length <= self.max_frame_bytes:
                self._drop(start)
                self.skipped_bytes += start
                self._hunting = False
                return True
            position = start + 1
        # The last bytes may begin a candidate whose tag byte has not arrived yet: keep them.
        keep = min(len(self._buffer), PREFIX_BYTES)
        skipped = len(self._buffer) - keep
        self._drop(skipped)
        self.skipped_bytes += skipped
        return False

    def _drop(self, count: int) -> None:
        del self._buffer[:count]
        self._offset += count
