"""Raw Mode S frames as hex text, one per line (dump1090/readsb port 30002, "AVR" format).

Accepted lines (case-insensitive, surrounding blanks ignored, final ``;`` optional)::

    *8D4840D6202CC371C32CE0576098;          frame only: receive time
    @0C2A9F3B1D4E8D4840D6202CC371C32CE0576098;   12 hex digits of MLAT counter, then the frame
    8D4840D6202CC371C32CE0576098            plain hex, as in logs and CSV corpora

A frame is 14 hex digits (56 bits) or 28 (112 bits); 4 digits are a Mode A/C reply, counted and
skipped. Anything else (a non-hex character, another length) is reported with its line and
skipped.
"""

from __future__ import annotations

import re

from raqib.model import Detection, Sensor
from raqib.sensors.adsb.feed import HexFrame, ModeSFeedDecoder
from raqib.sensors.adsb.lines import DEFAULT_MAX_LINE_BYTES, LineSplitter
from raqib.sensors.adsb.modes import is_frame_hex
from raqib.sensors.adsb.state import AdsbConfig
from raqib.sensors.base import ErrorSink, FramingError, register

MLAT_DIGITS = 12
_MODE_AC = re.compile(r"[0-9A-Fa-f]{4}")
_HEX = re.compile(r"[0-9A-Fa-f]+")


class RawLineError(ValueError):
    """Why a line is not a raw frame."""


def parse_raw_line(text: str) -> tuple[str | None, int | None]:
    """(frame hex or None for a Mode A/C reply, MLAT ticks or None) from one line.

    Raises RawLineError saying why a line cannot be read."""
    line = text.strip()
    if line.endswith(";"):
        line = line[:-1]
    ticks = None
    if line.startswith("*"):
        line = line[1:]
    elif line.startswith("@"):
        stamp, line = line[1 : 1 + MLAT_DIGITS], line[1 + MLAT_DIGITS :]
        if len(stamp) != MLAT_DIGITS or not _is_hex(stamp):
            raise RawLineError(f"'@' line without a {MLAT_DIGITS}-digit hex MLAT timestamp")
        ticks = int(stamp, 16)
    if is_frame_hex(line):
        return line, ticks
    if _MODE_AC.fullmatch(line):
        return None, ticks
    if not _is_hex(line):
        raise RawLineError(f"not a hex Mode S frame: {_excerpt(line)!r}")
    raise RawLineError(f"{len(line)} hex digits, expected 14 or 28 (a 56- or 112-bit frame)")


def _is_hex(text: str) -> bool:
    return _HEX.fullmatch(text) is not None


def _excerpt(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


@register("raw")
class RawDecoder(ModeSFeedDecoder):
    """Hex frames, one per line, to ADS-B position Detections.

    ``@`` lines carry the MLAT counter (``clock`` as for Beast); the others take the receive
    time."""

    def __init__(
        self,
        sensor: Sensor,
        *,
        feed: str | None = None,
        on_error: ErrorSink | None = None,
        config: AdsbConfig | None = None,
        clock: str = "12mhz",
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        super().__init__(sensor, feed=feed, on_error=on_error, config=config, clock=clock)
        self.splitter = LineSplitter(self.feed, max_line_bytes)
        self.mode_ac = 0

    def _decode(self, data: bytes, receive_time_s: float) -> list[Detection]:
        lines, problems = self.splitter.feed_bytes(data)
        for problem in problems:
            self.report(problem)
        frames: list[HexFrame] = []
        for line in lines:
            text = line.text.decode("ascii", errors="replace")
            if not text.strip():
                continue
            where = f"line {line.number}: "
            try:
                frame_hex, ticks = parse_raw_line(text)
            except RawLineError as exc:
                self.report(FramingError(self.feed, line.offset, f"{where}{exc}"))
                continue
            if frame_hex is None:
                self.mode_ac += 1
                self.stats.records += 1
            else:
                frames.append(HexFrame(frame_hex, line.offset, ticks, where))
        return self.decode_hex_frames(frames, receive_time_s)
