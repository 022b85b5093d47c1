"""The part of the Beast and raw-hex decoders that comes after framing: Mode S frames (hex,
with their MLAT counter) through rs1090 and the aircraft table to Detections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from raqib.model import Detection, Sensor
from raqib.sensors.adsb.clock import MlatClock
from raqib.sensors.adsb.modes import ChecksumError, decode_frames, downlink_format
from raqib.sensors.adsb.state import AdsbConfig, AircraftTable
from raqib.sensors.base import Decoder, ErrorSink


@dataclass(frozen=True, slots=True)
class HexFrame:
    frame_hex: str
    offset: int  # stream offset of the frame (or of its line), for error messages
    mlat_ticks: int | None = None  # None: the feed carries no receiver time
    where: str = ""  # e.g. "line 12: ", prefixed to error reasons


DEDUPLICATION_WINDOW = 4096  # frames remembered to recognise a repeat


class ModeSFeedDecoder(Decoder):
    """Base of the decoders whose records are single Mode S frames.

    A frame repeated with the same MLAT counter value is one reception delivered twice (a
    receiver forwarding to two outputs, a capture of two connections): it is counted in
    ``duplicates`` and dropped. Frames without a counter cannot be told apart from the
    aircraft's own repeats and are all kept.
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
        super().__init__(sensor, feed=feed, on_error=on_error)
        self.clock = MlatClock(clock)
        self.table = AircraftTable(sensor, config)
        self.duplicates = 0
        self._recent: dict[tuple[int, str], None] = {}

    def decode_hex_frames(self, frames: Sequence[HexFrame], receive_time_s: float) -> list[Detection]:
        detections: list[Detection] = []
        frames = [frame for frame in frames if not self._is_repeat(frame)]
        if not frames:
            return detections
        reports = decode_frames([frame.frame_hex for frame in frames])
        for frame, report in zip(frames, reports, strict=True):
            if frame.mlat_ticks is None:
                time_s, time_source = receive_time_s, "receive"
            else:
                time_s, time_source = self.clock.time_of(frame.mlat_ticks, receive_time_s)
            if report is None:
                self.report(
                    ChecksumError(
                        self.feed,
                        frame.offset,
                        f"{frame.where}DF{downlink_format(frame.frame_hex)} frame {frame.frame_hex.upper()} "
                        "fails its CRC or cannot be decoded",
                    )
                )
                continue
            self.stats.records += 1
            detection = self.table.apply(report, time_s, time_source)
            if detection is not None:
                detections.append(detection)
        return detections

    def _is_repeat(self, frame: HexFrame) -> bool:
        if not frame.mlat_ticks:
            return False
        key = (frame.mlat_ticks, frame.frame_hex)
        if key in self._recent:
            self.duplicates += 1
            return True
        self._recent[key] = None
        if len(self._recent) > DEDUPLICATION_WINDOW:
            del self._recent[next(iter(self._recent))]
        return False
