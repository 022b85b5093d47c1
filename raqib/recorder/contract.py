"""The recording contract (CONTRACT.md): JSON Lines <-> model records.

One UTF-8 JSON object per line, ``"type"`` first. Lines and the records they map to::

    site       Site        lat, lon, alt -> lat_deg, lon_deg, alt_m; name
    sensor     Sensor      id -> sensor_id; kind, lat, lon, alt; sigma_*, pd, clutter_rate,
                           max_range_m, period_s
    detection  Detection   time -> time_s, sensor -> sensor_id, id -> identity,
                           lat/lon/alt -> *_deg/alt_m, vel_e/vel_n/vel_u -> vel_*_ms;
                           range_m, azimuth_deg, elevation_deg, range_rate_ms, sigma_*,
                           callsign, rcs_dbsm, class_hint keep their names
    truth      Truth       time, id -> target_id, lat, lon, alt, vel_*, class -> target_class
    track      Track       time, id -> track_id (an integer), lat, lon, alt, vel_*,
                           class -> target_class, class_p -> class_probs,
                           cov_enu (36 floats, row-major), sources, identity

Reading:
  * Unknown fields are ignored (forward compatibility). A line that is not valid JSON, is not
    an object, lacks ``type``, has a ``type`` this module does not know, lacks a required
    field, has a field of the wrong type or out of range (a latitude beyond 90 degrees, an
    altitude beyond -11 km..1000 km, a negative range or sigma, a speed beyond 100 km/s, a
    probability beyond [0, 1], a ``cov_enu`` that is not 36 numbers), or is a detection
    without a complete measurement (polar, bearing-only or position) raises
    :class:`ContractError` with the line number and the reason. :func:`read_recording`
    reports it and goes on; blank lines are skipped.
  * A track's ``east_m``/``north_m``/``up_m`` are not in the contract: they are computed
    from lat/lon/alt when a site is known (the recording's last ``site`` line, or the
    ``site`` argument), and are NaN otherwise.
  * Absent optional fields take the model's defaults (a truth without velocity has
    ``vel_*_ms == 0.0``; a track without ``class`` is ``unknown``).

Writing: one compact object per line, ``type`` first, fields in the table order, optional
fields omitted when None (or empty, or at the model's default for the extension fields).
Floats are written in their shortest exact form, so a record read back equals the record
written in every field its line carries; model fields a line does not carry (a track's
east/north/up, the tracker's classifier evidence such as ``ballistic_p`` or
``ballistic_state``) are not written and read back as the model's defaults. JSON has no
NaN or infinity: a non-finite value is written as ``null``, which the reader rejects in a
required field.

The line layouts, with the extension fields raqib writes beyond CONTRACT.md, are in
:mod:`raqib.recorder.contract_schema`.

``"-"`` as a path means standard input (reading) or standard output (writing).
"""

from __future__ import annotations

import io
import math
import operator
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TextIO, TypeAlias

import msgspec

from raqib.geo import geodetic_to_enu
from raqib.model import Detection, Sensor, Site, Track, Truth
from raqib.recorder.contract_schema import (
    LINE_TYPES,
    DetectionLine,
    Line,
    SensorLine,
    SiteLine,
    TrackLine,
    TruthLine,
)

Record: TypeAlias = Site | Sensor | Detection | Truth | Track
ErrorHandler: TypeAlias = Callable[["ContractError"], None]

__all__ = [
    "ContractError",
    "Record",
    "RecordingWriter",
    "encode_line",
    "from_contract_dict",
    "parse_line",
    "read_recording",
    "to_contract_dict",
    "write_recording",
]


class ContractError(ValueError):
    """A recording line that does not follow the contract."""

    def __init__(self, line_number: int, reason: str, source: str | None = None) -> None:
        self.line_number = line_number
        self.reason = reason
        self.source = source
        super().__init__(self._message())

    def _message(self) -> str:
        if self.source is not None:
            return f"{self.source}:{self.line_number}: {self.reason}"
        return f"line {self.line_number}: {self.reason}"

    def with_source(self, source: str) -> ContractError:
        return ContractError(self.line_number, self.reason, source)


_DECODER = msgspec.json.Decoder(Line)
_ENCODER = msgspec.json.Encoder()
_asdict = msgspec.structs.asdict

_AT_PATH = re.compile(r"^(?P<what>.*) - at `\$\.?(?P<path>[^`]*)`$")
_UNKNOWN_TYPE = re.compile(r"^Invalid value (?P<value>.*) - at `\$\.type`$")
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]*)`$")


def _reason(error: msgspec.ValidationError, kind: str) -> str:
    """msgspec's message in the contract's words (field names are the contract's)."""
    text = str(error)
    if match := _UNKNOWN_TYPE.match(text):
        return f"unknown type {match['value']} (expected {', '.join(LINE_TYPES)})"
    if text.startswith("Expected `object`, got "):
        return f"not a JSON object (got {text.rsplit(' ', 1)[-1].strip('`')})"
    if match := _MISSING.match(text):
        if match["field"] == "type":
            return "lacks `type`"
        return f"{kind} line lacks required field `{match['field']}`"
    if match := _AT_PATH.match(text):
        what, path = match["what"], match["path"]
        return f"{kind} line, field `{path}`: {what[:1].lower()}{what[1:]}"
    return f"{kind} line: {text}"


def _kind_of_line(line: str | bytes) -> str:
    try:
        return _kind_of(msgspec.json.decode(line))
    except (msgspec.MsgspecError, UnicodeError):
        return "a"


def _kind_of(obj: Any) -> str:
    """The ``type`` of an object that failed validation, for the error message."""
    kind = obj.get("type") if isinstance(obj, dict) else None
    return kind if isinstance(kind, str) and kind in LINE_TYPES else "a"


# --------------------------------------------------------------------------- reading


def _no_measurement(line: DetectionLine) -> str | None:
    """Why a detection has no usable measurement, or None when it has one."""
    if line.range_m is not None and line.azimuth_deg is None:
        return "detection has `range_m` without `azimuth_deg`"
    position = (line.lat_deg is not None) + (line.lon_deg is not None) + (line.alt_m is not None)
    if 0 < position < 3:
        return "a position detection needs all of `lat`, `lon` and `alt`"
    if position == 0 and line.azimuth_deg is None:
        return (
            "detection has no measurement: needs `range_m` and `azimuth_deg` (polar), "
            "`azimuth_deg` (bearing) or `lat`, `lon` and `alt` (position)"
        )
    return None


def _without_none(line: msgspec.Struct) -> dict[str, Any]:
    return {key: value for key, value in _asdict(line).items() if value is not None}


def _track(line: TrackLine, enu: tuple[float, float, float]) -> Track:
    fields = _without_none(line)
    east, north, up = enu
    return Track(east_m=east, north_m=north, up_m=up, **fields)


def _to_record(line: Line, line_number: int, site: Site | None) -> Record:
    if type(line) is DetectionLine:
        if (why := _no_measurement(line)) is not None:
            raise ContractError(line_number, why)
        return Detection(**_asdict(line))
    if type(line) is TrackLine:
        return _track(line, _enu_of(line, site))
    if type(line) is TruthLine:
        return Truth(**_without_none(line))
    if type(line) is SensorLine:
        return Sensor(**_asdict(line))
    assert type(line) is SiteLine
    return Site(**_without_none(line))


def _enu_of(line: TrackLine, site: Site | None) -> tuple[float, float, float]:
    if site is None:
        return (math.nan, math.nan, math.nan)
    e, n, u = geodetic_to_enu(line.lat_deg, line.lon_deg, line.alt_m, site)
    return (float(e), float(n), float(u))


def _decode(line: str | bytes, line_number: int) -> Line:
    try:
        return _DECODER.decode(line)
    except msgspec.ValidationError as error:
        raise ContractError(line_number, _reason(error, _kind_of_line(line))) from None
    except msgspec.DecodeError as error:
        raise ContractError(line_number, f"not valid JSON: {error}") from None
    except UnicodeError:
        raise ContractError(line_number, "not valid UTF-8 text") from None


def parse_line(line: str | bytes, line_number: int, site: Site | None = None) -> Record:
    """One contract line to its record, or :class:`ContractError` naming the line and why.

    ``site`` (if known) is used to fill a track's east/north/up; NaN without it."""
    return _to_record(_decode(line, line_number), line_number, site)


def from_contract_dict(obj: Any, line_number: int = 0, site: Site | None = None) -> Record:
    """A decoded JSON object (a dict with ``type``) to its record; the twin of ``to_contract_dict``."""
    try:
        line = msgspec.convert(obj, Line)  # type: ignore[arg-type]
    except msgspec.ValidationError as error:
        raise ContractError(line_number, _reason(error, _kind_of(obj))) from None
    return _to_record(line, line_number, site)


def _source_name(source: str | Path | IO[Any]) -> str:
    if isinstance(source, str | Path):
        return "<stdin>" if str(source) == "-" else str(source)
    return str(getattr(source, "name", "<stream>"))


def _report_to_stderr(error: ContractError) -> None:
    print(error, file=sys.stderr)


# A track's east/north/up come from one vectorised geodesy call over many tracks, so the
# records after a track are held back (in order) until the batch is converted. Files are
# converted in large batches; a stream (maybe live) at the end of each scan's tracks.
_FILE_TRACKS_PER_BATCH = 1024
_FILE_RECORDS_HELD = 8192


def read_recording(
    source: str | Path | TextIO | IO[bytes],
    on_error: ErrorHandler | None = None,
    *,
    site: Site | None = None,
) -> Iterator[Record]:
    """The records of a recording, in file order, skipping (and reporting) bad lines.

    ``source`` is a path, ``"-"`` for standard input, or an open text or binary stream.
    Each bad line goes to ``on_error`` as a :class:`ContractError` whose ``source`` is set
    (default: ``file:line: reason`` printed to standard error). ``site`` is used for the
    tracks' east/north/up until the recording's own ``site`` line replaces it."""
    report = on_error if on_error is not None else _report_to_stderr
    name = _source_name(source)
    if isinstance(source, str | Path):
        if str(source) == "-":
            yield from LineReader(name, report, site, streaming=True).records(sys.stdin.buffer)
        else:
            with open(source, "rb") as stream:
                yield from LineReader(name, report, site, streaming=False).records(stream)
    else:
        yield from LineReader(name, report, site, streaming=True).records(source)


class LineReader:
    def __init__(self, name: str, report: ErrorHandler, site: Site | None, *, streaming: bool) -> None:
        self.name = name
        self.report = report
        self.site = site
        self.streaming = streaming
        self.held: list[Record | TrackLine] = []
        self.held_tracks = 0

    def records(self, lines: Iterable[str | bytes]) -> Iterator[Record]:
        for line_number, raw in enumerate(lines, 1):
            if line_number == 1:
                raw = _strip_bom(raw)
            if not raw.strip():
                continue
            try:
                line = _decode(raw, line_number)
            except ContractError as error:
                self.report(error.with_source(self.name))
                continue
            if type(line) is TrackLine:
                if self.streaming and self.held and self._held_time() != line.time_s:
                    yield from self._release()
                self.held.append(line)
                self.held_tracks += 1
                if self.held_tracks >= _FILE_TRACKS_PER_BATCH:
                    yield from self._release()
                continue
            if type(line) is SiteLine:
                yield from self._release()  # tracks before a new site use the old one
                self.site = Site(**_without_none(line))
                yield self.site
                continue
            try:
                record = _to_record(line, line_number, self.site)
            except ContractError as error:
                self.report(error.with_source(self.name))
                continue
            if not self.held:
                yield record
                continue
            self.held.append(record)
            if self.streaming or len(self.held) >= _FILE_RECORDS_HELD:
                yield from self._release()
        yield from self._release()

    def _held_time(self) -> float:
        first = self.held[0]
        assert type(first) is TrackLine
        return first.time_s

    def _release(self) -> Iterator[Record]:
        if not self.held:
            return
        held, self.held, self.held_tracks = self.held, [], 0
        tracks = [item for item in held if type(item) is TrackLine]
        converted = iter(_tracks(tracks, self.site))
        for item in held:
            yield next(converted) if type(item) is TrackLine else item  # type: ignore[misc]


def _strip_bom(raw: str | bytes) -> str | bytes:
    if isinstance(raw, bytes):
        return raw.removeprefix(b"\xef\xbb\xbf")
    return raw.removeprefix("\ufeff")


def _tracks(lines: list[TrackLine], site: Site | None) -> list[Track]:
    if site is None:
        nan = (math.nan, math.nan, math.nan)
        return [_track(line, nan) for line in lines]
    lat = [line.lat_deg for line in lines]
    lon = [line.lon_deg for line in lines]
    alt = [line.alt_m for line in lines]
    east, north, up = geodetic_to_enu(lat, lon, alt, site)
    return [
        _track(line, (e, n, u))
        for line, e, n, u in zip(lines, east.tolist(), north.tolist(), up.tolist(), strict=True)
    ]


# --------------------------------------------------------------------------- writing


def _picker(model: type[Record], line_type: type[Line]) -> Callable[[Any], dict[str, Any]]:
    """The fields of a record that its line carries, as a dict."""
    names = line_type.__struct_fields__
    if set(names) == set(model.__struct_fields__):
        return _asdict  # every field: the quickest way
    values = operator.attrgetter(*names)
    return lambda record: dict(zip(names, values(record), strict=True))


# Only the fields a line carries are taken from a record: model fields beyond them (a track's
# east/north/up, the tracker's classifier evidence) are not written.
_PICKERS: dict[type, tuple[type[Line], Callable[[Any], dict[str, Any]]]] = {
    model: (line_type, _picker(model, line_type))
    for model, line_type in (
        (Detection, DetectionLine),
        (Truth, TruthLine),
        (Track, TrackLine),
        (Sensor, SensorLine),
        (Site, SiteLine),
    )
}
_EMPTY_AS_ABSENT = ("class_probs", "cov_enu", "sources", "name")


def _wire(record: Record) -> Line:
    """The wire struct for a record (None, empty and default fields are omitted on encoding)."""
    try:
        line_type, pick = _PICKERS[type(record)]
    except KeyError:
        raise TypeError(f"not a contract record: {type(record).__name__}") from None
    fields = pick(record)
    if line_type is TrackLine or line_type is SiteLine:
        for key in _EMPTY_AS_ABSENT:
            if key in fields and not fields[key]:
                fields[key] = None
    return line_type(**fields)


def to_contract_dict(record: Record) -> dict[str, Any]:
    """The JSON object of a record, ``type`` first, None-valued optional fields left out."""
    result: dict[str, Any] = msgspec.json.decode(_ENCODER.encode(_wire(record)))
    return result


def encode_line(record: Record) -> bytes:
    """One contract line for a record, with its trailing newline."""
    return _ENCODER.encode(_wire(record)) + b"\n"


class RecordingWriter:
    """Writes records as contract lines to a text or binary stream."""

    def __init__(self, stream: TextIO | IO[bytes]) -> None:
        self._stream = stream
        self._binary = _is_binary(stream)
        self.lines_written = 0

    def write(self, record: Record) -> None:
        line = encode_line(record)
        if self._binary:
            self._stream.write(line)  # type: ignore[arg-type]
        else:
            self._stream.write(line.decode())  # type: ignore[arg-type,call-overload]
        self.lines_written += 1

    def write_all(self, records: Iterable[Record]) -> int:
        for record in records:
            self.write(record)
        return self.lines_written

    def flush(self) -> None:
        self._stream.flush()


def _is_binary(stream: TextIO | IO[bytes]) -> bool:
    if isinstance(stream, io.TextIOBase):
        return False
    if isinstance(stream, io.RawIOBase | io.BufferedIOBase):
        return True
    return "b" in getattr(stream, "mode", "")


def write_recording(path_or_stream: str | Path | TextIO | IO[bytes], records: Iterable[Record]) -> int:
    """Writes every record as one line; ``"-"`` is standard output. Returns the lines written."""
    if isinstance(path_or_stream, str | Path):
        if str(path_or_stream) == "-":
            writer = RecordingWriter(sys.stdout)
            count = writer.write_all(records)
            writer.flush()
            return count
        with open(path_or_stream, "wb") as stream:
            return RecordingWriter(stream).write_all(records)
    writer = RecordingWriter(path_or_stream)
    count = writer.write_all(records)
    writer.flush()
    return count
