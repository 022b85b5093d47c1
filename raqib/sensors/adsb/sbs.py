"""SBS-1 / BaseStation text feed (dump1090/readsb TCP port 30003): lines to Detections.

One comma-separated line per message; only ``MSG`` lines carry aircraft data (``SEL``, ``ID``,
``AIR``, ``STA``, ``CLK`` are read and skipped). A ``MSG`` line has 22 fields::

     1 MSG        2 transmission type 1-8   3 session  4 aircraft  5 hex ident (ICAO)  6 flight
     7 date generated (YYYY/MM/DD)   8 time generated (HH:MM:SS.sss)   9, 10 date/time logged
    11 callsign  12 altitude (ft, barometric)  13 ground speed (kt)  14 track (deg)
    15 latitude  16 longitude  17 vertical rate (ft/min)  18 squawk  19 alert  20 emergency
    21 SPI      22 on ground (0/-1 in BaseStation, 0/1 in dump1090)

Empty fields mean "not in this message"; lines from some converters stop early, so fields are
read by position and missing ones are empty. Every field present in a line is used whatever
the transmission type (MSG,3 gives the position, MSG,4 the velocity, MSG,1 the callsign...),
through the same aircraft state as the binary feeds. The generated date and time are the
measurement time (UTC unless ``utc_offset_s`` says the feed is in local time); a line without
them takes the receive time. A line repeated word for word but for its logged time (one
message sent twice) is counted in ``duplicates`` and dropped.
"""

from __future__ import annotations

import calendar
import datetime
import math
import re
from dataclasses import dataclass

from raqib.model import Detection, Sensor
from raqib.sensors.adsb.lines import DEFAULT_MAX_LINE_BYTES, LineSplitter
from raqib.sensors.adsb.messages import (
    AircraftReport,
    Altitude,
    DecodedPosition,
    Identification,
    ReportItem,
    Squawk,
    Velocity,
)
from raqib.sensors.adsb.state import AdsbConfig, AircraftTable
from raqib.sensors.base import Decoder, ErrorSink, FramingError, register

SBS_FIELDS = 22
MESSAGE_TYPES = frozenset({"MSG", "SEL", "ID", "AIR", "STA", "CLK"})
_TRANSMISSION_TYPES = frozenset("12345678")
_ICAO = re.compile(r"~?[0-9A-Fa-f]{6}")
_SQUAWK = re.compile(r"[0-7]{4}")
_DATE = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d*)?)")
DEDUPLICATION_WINDOW = 4096


class SbsLineError(ValueError):
    """Why an SBS-1 line cannot be read."""


@dataclass(frozen=True, slots=True)
class SbsMessage:
    transmission: int
    report: AircraftReport
    time_s: float | None  # generated date/time, UNIX seconds; None when the line has none


def parse_sbs_line(text: str, utc_offset_s: float = 0.0) -> SbsMessage | None:
    """One line as an SbsMessage; None for a well-formed line without aircraft data.

    Raises SbsLineError saying which field is wrong."""
    fields = text.strip().split(",")
    kind = fields[0].strip()
    if kind not in MESSAGE_TYPES:
        raise SbsLineError(f"not an SBS-1 message: starts with {kind[:20]!r}")
    if kind != "MSG":
        return None
    if len(fields) < 5:
        raise SbsLineError(f"MSG line with {len(fields)} fields, at least 5 needed ({SBS_FIELDS} expected)")
    fields += [""] * (SBS_FIELDS - len(fields))
    transmission = fields[1].strip()
    if transmission not in _TRANSMISSION_TYPES:
        raise SbsLineError(f"transmission type {transmission[:20]!r} is not 1 to 8")
    icao = fields[4].strip()
    if not _ICAO.fullmatch(icao):
        raise SbsLineError(f"hex ident {icao[:20]!r} is not a 24-bit address")
    items: list[ReportItem] = []
    callsign = fields[10].strip().strip("_")
    if callsign:
        items.append(Identification(callsign))
    squawk = fields[17].strip()
    if squawk:
        if not _SQUAWK.fullmatch(squawk):
            raise SbsLineError(f"squawk {squawk!r} is not 4 octal digits")
        items.append(Squawk(squawk))
    altitude = _number(fields, 11, "altitude", -2_000.0, 200_000.0)
    altitude_ft = None if altitude is None else round(altitude)
    if altitude_ft is not None:
        items.append(Altitude(altitude_ft))
    speed = _number(fields, 12, "ground speed", 0.0, 5_000.0)
    track = _number(fields, 13, "track", -360.0, 360.0)
    climb = _number(fields, 16, "vertical rate", -100_000.0, 100_000.0)
    if speed is not None or climb is not None:
        items.append(Velocity(speed, None if track is None else track % 360.0, climb))
    lat = _number(fields, 14, "latitude", -90.0, 90.0)
    lon = _number(fields, 15, "longitude", -180.0, 180.0)
    if (lat is None) != (lon is None):
        raise SbsLineError("latitude without longitude, or longitude without latitude")
    if lat is not None and lon is not None:
        on_ground = transmission == "2" or fields[21].strip() in ("1", "-1")
        items.append(DecodedPosition(lat, lon, None if on_ground else altitude_ft, on_ground))
    time_s = _time_s(fields[6], fields[7])
    return SbsMessage(
        int(transmission),
        AircraftReport(icao.upper(), True, tuple(items)),
        None if time_s is None else time_s - utc_offset_s,
    )


def _number(
    fields: list[str],
    index: int,
    name: str,
    low: float = -math.inf,
    high: float = math.inf,
) -> float | None:
    text = fields[index].strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise SbsLineError(f"{name} {text[:20]!r} is not a number") from None
    if not low <= value <= high:  # also rejects nan
        raise SbsLineError(f"{name} {text[:20]!r} is out of range")
    return value


_DAY_START_S: dict[str, float | None] = {}


def _time_s(date_text: str, time_text: str) -> float | None:
    """UNIX seconds of an SBS date and time, None when either is missing or unreadable."""
    day_s = _DAY_START_S.get(date_text)
    if day_s is None and date_text not in _DAY_START_S:
        match = _DATE.fullmatch(date_text.strip())
        try:
            day = None if match is None else datetime.date(*map(int, match.groups()))
        except ValueError:
            day = None
        day_s = None if day is None else float(calendar.timegm(day.timetuple()))
        if len(_DAY_START_S) < 1024:
            _DAY_START_S[date_text] = day_s
    clock = _TIME.fullmatch(time_text.strip())
    if day_s is None or clock is None:
        return None
    hours, minutes, seconds = int(clock[1]), int(clock[2]), float(clock[3])
    if hours > 23 or minutes > 59 or seconds >= 61.0:
        return None
    return day_s + hours * 3600.0 + minutes * 60.0 + seconds


@register("sbs")
class SbsDecoder(Decoder):
    """SBS-1 BaseStation lines to ADS-B position Detections."""

    def __init__(
        self,
        sensor: Sensor,
        *,
        feed: str | None = None,
        on_error: ErrorSink | None = None,
        config: AdsbConfig | None = None,
        utc_offset_s: float = 0.0,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        super().__init__(sensor, feed=feed, on_error=on_error)
        self.table = AircraftTable(sensor, config)
        self.splitter = LineSplitter(self.feed, max_line_bytes)
        self.utc_offset_s = utc_offset_s
        self.skipped = 0  # well-formed lines without aircraft data
        self.duplicates = 0
        self._recent: dict[str, None] = {}

    def _decode(self, data: bytes, receive_time_s: float) -> list[Detection]:
        lines, problems = self.splitter.feed_bytes(data)
        for problem in problems:
            self.report(problem)
        detections: list[Detection] = []
        for line in lines:
            text = line.text.decode("utf-8", errors="replace")
            if not text.strip():
                continue
            try:
                message = parse_sbs_line(text, self.utc_offset_s)
            except SbsLineError as exc:
                self.report(FramingError(self.feed, line.offset, f"line {line.number}: {exc}"))
                continue
            self.stats.records += 1
            if message is None:
                self.skipped += 1
                continue
            if message.time_s is not None and self._is_repeat(text):
                continue
            if message.time_s is None:
                time_s, source = receive_time_s, "receive"
            else:
                time_s, source = message.time_s, "sensor"
            detection = self.table.apply(message.report, time_s, source)
            if detection is not None:
                detections.append(detection)
        return detections

    def _is_repeat(self, text: str) -> bool:
        fields = text.strip().split(",")
        key = ",".join(fields[:8] + fields[10:])  # all but the logged date and time
        if key in self._recent:
            self.duplicates += 1
            return True
        self._recent[key] = None
        if len(self._recent) > DEDUPLICATION_WINDOW:
            del self._recent[next(iter(self._recent))]
        return False
