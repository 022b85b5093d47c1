"""Mode-S Beast binary feed (TCP port 30005 of dump1090, readsb, Radarcape): framing and decoder.

Frame layout::

    0x1A | type (1) | MLAT timestamp (6, big-endian) | signal (1) | payload
    type 0x31 '1'  Mode A/C               payload  2 bytes
         0x32 '2'  Mode S short (56 bit)  payload  7 bytes
         0x33 '3'  Mode S long (112 bit)  payload 14 bytes
         0x34 '4'  receiver status        length not fixed (skipped)

Every 0x1A inside the timestamp, signal or payload is sent twice. A single 0x1A inside a
body means the frame was cut short and a new frame starts there: the cut frame is reported
as truncated and decoding resumes at the new frame. Bytes outside any frame (joining a
stream mid-frame, line noise) are reported once per run and skipped up to the next 0x1A
that is followed by a type byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from raqib.model import Detection, Sensor
from raqib.sensors.adsb.feed import HexFrame, ModeSFeedDecoder
from raqib.sensors.adsb.state import AdsbConfig
from raqib.sensors.base import (
    DecodeError,
    ErrorSink,
    FramingError,
    TruncatedError,
    UnsupportedError,
    register,
)

ESCAPE = 0x1A
MODE_AC = 0x31
MODE_S_SHORT = 0x32
MODE_S_LONG = 0x33
STATUS = 0x34
PAYLOAD_BYTES = {MODE_AC: 2, MODE_S_SHORT: 7, MODE_S_LONG: 14}
HEADER_BYTES = 7  # timestamp (6) and signal (1)
MAX_STATUS_BYTES = 256  # a status frame longer than this is junk, not a frame still arriving
_ESC = b"\x1a"
_TYPES = frozenset((*PAYLOAD_BYTES, STATUS))


@dataclass(frozen=True, slots=True)
class BeastFrame:
    """One unescaped frame: its type byte, MLAT counter, signal level and payload."""

    kind: int
    mlat_ticks: int
    signal: int
    payload: bytes
    offset: int  # stream offset of the frame's 0x1A


class BeastUnframer:
    """Cuts a Beast byte stream into frames, whatever the reads' boundaries.

    ``feed`` returns the complete frames and the problems (DecodeErrors with stream offsets)
    found in the bytes so far; an unfinished frame waits for the next read.
    """

    def __init__(self, feed: str = "beast") -> None:
        self.feed = feed
        self.status_frames = 0
        self._buffer = b""
        self._base = 0  # stream offset of self._buffer[0]
        self._garbage_start: int | None = None  # stream offset where the current junk run began
        self._garbage_reported = False  # that run was already reported (as an unknown frame type)

    def feed_bytes(self, data: bytes) -> tuple[list[BeastFrame], list[DecodeError]]:
        frames: list[BeastFrame] = []
        problems: list[DecodeError] = []
        buffer = self._buffer + data if self._buffer else bytes(data)
        position = self._scan(buffer, frames, problems)
        self._buffer = buffer[position:]
        self._base += position
        return frames, problems

    def _scan(self, buffer: bytes, frames: list[BeastFrame], problems: list[DecodeError]) -> int:
        """Parse ``buffer`` from its start; return how many bytes were consumed."""
        position = 0
        end = len(buffer)
        while position < end:
            if buffer[position] != ESCAPE:
                start = buffer.find(_ESC, position)
                self._junk(position)
                if start < 0:
                    return end
                position = start
            if position + 1 >= end:
                return position  # the type byte has not arrived yet
            kind = buffer[position + 1]
            if kind == ESCAPE:  # an escaped 0x1A outside a frame: part of a frame we missed
                self._junk(position)
                position += 2
                continue
            if kind not in _TYPES:
                self._end_junk(problems)
                problems.append(
                    UnsupportedError(
                        self.feed, self._base + position, f"unknown Beast frame type 0x{kind:02X}"
                    )
                )
                self._junk(position)
                self._garbage_reported = True  # what follows is that frame's body
                position += 2
                continue
            self._end_junk(problems)
            if kind == STATUS:
                following = _next_frame_start(buffer, position + 2)
                if following < 0:
                    if end - position <= MAX_STATUS_BYTES:
                        return position  # its end is not known yet
                    problems.append(
                        FramingError(self.feed, self._base + position, "Beast status frame without an end")
                    )
                    self._junk(position)
                    self._garbage_reported = True
                    position += 2
                    continue
                self.status_frames += 1
                position = following
                continue
            body_length = HEADER_BYTES + PAYLOAD_BYTES[kind]
            body_end = position + 2 + body_length
            raw = buffer[position + 2 : body_end]
            if len(raw) == body_length and ESCAPE not in raw:
                body: bytes | None = raw
                next_position = body_end
            else:
                body, next_position = _unescape(buffer, position + 2, body_length)
                if body is None and next_position < 0:
                    return position  # the frame is not complete yet
            if body is None:
                problems.append(
                    TruncatedError(
                        self.feed,
                        self._base + position,
                        f"Beast frame type 0x{kind:02X} cut short after {next_position - position} bytes",
                    )
                )
            else:
                frames.append(
                    BeastFrame(
                        kind=kind,
                        mlat_ticks=int.from_bytes(body[:6], "big"),
                        signal=body[6],
                        payload=body[HEADER_BYTES:],
                        offset=self._base + position,
                    )
                )
            position = next_position
        return position

    def _junk(self, position: int) -> None:
        if self._garbage_start is None:
            self._garbage_start = self._base + position

    def _end_junk(self, problems: list[DecodeError]) -> None:
        if self._garbage_start is not None and not self._garbage_reported:
            problems.append(
                FramingError(self.feed, self._garbage_start, "bytes outside any Beast frame skipped")
            )
        self._garbage_start = None
        self._garbage_reported = False


def _unescape(buffer: bytes, start: int, length: int) -> tuple[bytes | None, int]:
    """Read ``length`` unescaped bytes from ``buffer[start:]``.

    Returns (body, next position); (None, position of the new frame) when a lone 0x1A cuts
    the body short; (None, -1) when the buffer ends first."""
    out = bytearray()
    position = start
    end = len(buffer)
    while len(out) < length:
        if position >= end:
            return None, -1
        byte = buffer[position]
        if byte == ESCAPE:
            if position + 1 >= end:
                return None, -1
            if buffer[position + 1] != ESCAPE:
                return None, position
            position += 1
        out.append(byte)
        position += 1
    return bytes(out), position


def _next_frame_start(buffer: bytes, start: int) -> int:
    """Position of the next unescaped 0x1A followed by a type byte, or -1 if not in the buffer."""
    position = start
    while True:
        position = buffer.find(_ESC, position)
        if position < 0 or position + 1 >= len(buffer):
            return -1
        if buffer[position + 1] == ESCAPE:
            position += 2
            continue
        return position


def encode_frame(kind: int, mlat_ticks: int, signal: int, payload: bytes) -> bytes:
    """One Beast frame on the wire, 0x1A bytes of its body doubled."""
    body = (mlat_ticks % (1 << 48)).to_bytes(6, "big") + bytes((signal & 0xFF,)) + payload
    return bytes((ESCAPE, kind)) + body.replace(_ESC, _ESC + _ESC)


@register("beast")
class BeastDecoder(ModeSFeedDecoder):
    """Mode-S Beast binary: Mode S frames to ADS-B position Detections.

    Times come from the frames' MLAT counter (``clock="12mhz"`` for dump1090/readsb,
    ``"gps"`` for Radarcape GPS time of day), anchored to the receive time of the first frame.
    """

    def __init__(
        self,
        sensor: Sensor,
        *,
        feed: str | None = None,
        on_error: ErrorSink | None = None,
        config: AdsbConfig | None = None,
        clock: str = "12mhz",
    ) -> None:
        super().__init__(sensor, feed=feed, on_error=on_error, config=config, clock=clock)
        self.unframer = BeastUnframer(self.feed)
        self.frames_by_type: dict[int, int] = {}

    def _decode(self, data: bytes, receive_time_s: float) -> list[Detection]:
        frames, problems = self.unframer.feed_bytes(data)
        for problem in problems:
            self.report(problem)
        counts = self.frames_by_type
        mode_s: list[HexFrame] = []
        for frame in frames:
            counts[frame.kind] = counts.get(frame.kind, 0) + 1
            if frame.kind == MODE_AC:
                self.stats.records += 1  # read, but Mode A/C replies carry no address or position
            else:
                mode_s.append(HexFrame(frame.payload.hex(), frame.offset, frame.mlat_ticks))
        return self.decode_hex_frames(mode_s, receive_time_s)
