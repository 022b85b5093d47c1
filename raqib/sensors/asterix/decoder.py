"""The ASTERIX feed decoder, registered as "asterix": data blocks in, Detections out.

Each chunk (a UDP datagram, a run of blocks from a file) is framed into data blocks
(framing.py), each block's records are parsed one at a time under the configured edition
with libasterix's strict parser, and each record goes to its category's reader:

    CAT048 -> polar Detections           CAT062 -> position Detections (system tracks)
    CAT021 -> position Detections (ADS-B) CAT034 -> ``services``: scan timing and health

What is reported through ``error`` (and counted in ``stats``), and what happens next:
  * bytes that do not frame as a block (FramingError): skip to the next offset where
    blocks frame again (``framing.resync``);
  * a block longer than the data (TruncatedError): its whole records are still read;
  * a category raqib does not read (UnsupportedError): the block is skipped;
  * a record that does not parse under the edition (FramingError): the rest of its block
    is skipped, since records carry no length to find the next one by;
  * a record that parses into impossible or missing values (InvalidRecordError): that
    record is skipped. Wrong-edition garbage usually lands here: times past midnight,
    latitudes past the pole, no I010.

With ``stream=True`` (TCP, a file read in pieces) the chunks are reads of one byte stream,
which may end anywhere, inside a header or a block. The decoder keeps a block that has not
all arrived (or a header cut short) and reads it with the next chunk; where a decision
looks past a block (whether a bad or unread block is followed by another, whether a
resync candidate is whole) it waits for those bytes too. So a stream decodes to the same
detections and errors however it was cut. It waits only for a block of a category it reads
or ignores, of at most ``AsterixConfig.max_stream_block_bytes``: anything else is treated as in a
datagram, so that a damaged LEN can't hold up the feed. Resync on a stream does not ask
for a header after the block it finds (see ``framing.stream_resync``). ``finish`` ends the
stream: what is still held is read as the end of the data, and a block cut short is
reported as a TruncatedError at its offset, its whole records still read. On a stream,
list the other categories a source sends in ``ignored_categories``: they are then waited
for, not reported as framing errors, when a read cuts them.

Counted without an error: records of other sources (``counts.foreign_sources``), test and
simulated targets, reports without a detection, blocks of ``ignored_categories``, and
byte-identical copies of a record within ``duplicate_window_s`` (redundant LANs).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from asterix.base import Bits, ParsingMode

from raqib.model import Detection, Sensor
from raqib.sensors.asterix import cat021, cat034, cat048, cat062, items
from raqib.sensors.asterix.clock import tod_to_unix
from raqib.sensors.asterix.config import SUPPORTED_CATEGORIES, AsterixConfig, spec_for
from raqib.sensors.asterix.framing import (
    HEADER_BYTES,
    BlockHeader,
    FramingFault,
    plausible_boundary,
    read_header,
    resync,
    stream_boundary,
    stream_resync,
)
from raqib.sensors.base import (
    DecodeError,
    Decoder,
    ErrorSink,
    FramingError,
    TruncatedError,
    UnsupportedError,
    register,
)


class InvalidRecordError(DecodeError):
    """A record that parses but whose values raqib cannot use (missing, or impossible)."""


@dataclass
class AsterixCounts:
    """What the decoder has read, beyond DecodeStats: per category, per kind, per source."""

    records_by_category: dict[int, int] = field(default_factory=dict)
    plots: int = 0  # CAT048 reports without a track number
    tracks: int = 0  # CAT048 radar track reports (I161/I170), CAT062 system tracks
    adsb_reports: int = 0
    service_messages: int = 0
    no_detection: int = 0  # CAT048 TYP 0 (coasted) and CAT021 without a position
    test_targets: int = 0  # simulated, test or field-monitor reports, dropped
    ignored_blocks: int = 0
    duplicates: int = 0  # byte-identical copies within the duplicate window, dropped
    foreign_sources: dict[tuple[int, int], int] = field(default_factory=dict)


@dataclass
class _Batch:
    """One chunk's reports per category, with their arrival order."""

    cat048: list[cat048.Cat048Report] = field(default_factory=list)
    cat062: list[cat062.Cat062Report] = field(default_factory=list)
    cat021: list[cat021.Cat021Report] = field(default_factory=list)
    order: list[tuple[int, int]] = field(default_factory=list)  # (category, index in its list)

    def add(self, category: int, reports: list[Any], report: Any) -> None:
        self.order.append((category, len(reports)))
        reports.append(report)


@register("asterix")
class AsterixDecoder(Decoder):
    """ASTERIX CAT021/034/048/062 from one source (or, with no SAC/SIC configured, any)."""

    def __init__(
        self,
        sensor: Sensor,
        *,
        config: AsterixConfig | None = None,
        feed: str | None = None,
        on_error: ErrorSink | None = None,
        stream: bool = False,
    ) -> None:
        if config is None:
            config = AsterixConfig(sensor=sensor)
        elif config.sensor != sensor:
            raise ValueError("config.sensor is not the decoder's sensor")
        super().__init__(sensor, feed=feed, on_error=on_error)
        self.config = config
        self.counts = AsterixCounts()
        self.services: dict[tuple[int, int], cat034.RadarService] = {}
        self._editions = {category: config.edition(category) for category in SUPPORTED_CATEGORIES}
        self._records = {c: spec_for(c, e).cv_uap.cv_record for c, e in self._editions.items()}
        self._ignored = frozenset(config.ignored_categories)
        self._recent: OrderedDict[bytes, float] = OrderedDict()  # record bytes -> receive time
        self.stream = bool(stream)
        self._held = b""  # stream: the start of a block (or header) still arriving
        self._resyncing = False  # stream: framing was lost, looking for the next block
        self._chunk_start = 0  # where the chunk being decoded starts in the bytes being framed

    @classmethod
    def from_config(
        cls,
        config: AsterixConfig,
        *,
        feed: str | None = None,
        on_error: ErrorSink | None = None,
        stream: bool = False,
    ) -> AsterixDecoder:
        return cls(config.sensor, config=config, feed=feed, on_error=on_error, stream=stream)

    @property
    def held_bytes(self) -> int:
        """Stream: bytes of a block still arriving, kept for the next chunk."""
        return len(self._held)

    @property
    def service(self) -> cat034.RadarService | None:
        """The configured radar's service state (or the only radar's, with no SAC/SIC set)."""
        if self.config.sac is not None and self.config.sic is not None:
            return self.services.get((self.config.sac, self.config.sic))
        return next(iter(self.services.values())) if len(self.services) == 1 else None

    def _decode(self, data: bytes, receive_time_s: float) -> Iterable[Detection]:
        batch = _Batch()
        if self.stream:
            if self._held:
                data = self._held + data
            self._chunk_start = len(self._held)
            self._held = data[self._frame(data, receive_time_s, batch, final=False) :]
            self._chunk_start = 0
        else:
            self._frame(data, receive_time_s, batch, final=True)
        return self._detections(batch, receive_time_s)

    def _finish(self, receive_time_s: float) -> Iterable[Detection]:
        """The stream has ended: what is held is read as the end of the data."""
        batch = _Batch()
        held, self._held = self._held, b""
        self._chunk_start = len(held)  # the held bytes came before the current feed offset
        try:
            self._frame(held, receive_time_s, batch, final=True)
        finally:
            self._chunk_start = 0
        return self._detections(batch, receive_time_s)

    def _frame(self, data: bytes, receive_time_s: float, batch: _Batch, *, final: bool) -> int:
        """Read the blocks of ``data``; where the bytes left for the next chunk start (on a
        stream). ``final``: the data ends here (a datagram, the end of a stream)."""
        offset = 0
        while offset < len(data):
            if self._resyncing:
                offset, found = self._resync(data, offset, final)
                if not found:
                    break
                self._resyncing = False
            header = read_header(data, offset)
            if isinstance(header, FramingFault):
                cut_short = len(data) - offset < HEADER_BYTES
                if cut_short and self.stream and self._may_wait(data, offset):
                    if not final:
                        break
                    self._fault(
                        TruncatedError,
                        offset,
                        f"the stream ended {len(data) - offset} byte(s) into the header of a "
                        f"CAT{data[offset]:03d} block",
                    )
                    offset = len(data)
                    break
                self._fault(FramingError, header.offset, header.reason)
                offset = self._lost(offset)
                continue
            step = self._block(data, header, receive_time_s, batch, final)
            if step is None:
                break
            offset = step
        if final:
            self._resyncing = False
        return offset

    def _block(
        self, data: bytes, header: BlockHeader, receive_time_s: float, batch: _Batch, final: bool
    ) -> int | None:
        """Read one block; the offset to go on from, or None to wait (on a stream) for the
        bytes that decide it."""
        category = header.category
        if header.truncated and not final and self._may_wait(data, header.offset):
            return None
        if category in self._ignored:
            self.counts.ignored_blocks += 1
            return header.end
        if category not in self._records:
            boundary = self._boundary(data, header.end, final)
            if header.truncated or boundary is False:
                if header.truncated and not final:
                    why = "runs past this read and is not waited for (list it in ignored_categories)"
                else:
                    why = "does not end where another block starts"
                self._fault(
                    FramingError,
                    header.offset,
                    f"no data block here: CAT{category:03d} of {header.declared_length} bytes {why}",
                )
                return self._lost(header.offset)
            if boundary is None:
                return None
            self._fault(UnsupportedError, header.offset, f"CAT{category:03d} is not read; block skipped")
            return header.end
        if header.truncated:
            self._fault(TruncatedError, header.offset, self._truncation(data, header, final))
            clean = self._records_of(data, header, receive_time_s, batch)
            return header.end if clean else self._lost(header.offset)
        boundary = self._boundary(data, header.end, final)
        parsed = None
        if boundary is None:
            # Whether a bad block is skipped whole or searched for a block inside depends on
            # what follows it, which has not arrived: read it only once that is known.
            parsed = list(self._parse(data, header))
            if any(isinstance(record, str) for _, _, record in parsed):
                return None
        clean = self._records_of(data, header, receive_time_s, batch, parsed)
        if clean or boundary:
            return header.end
        # The records did not fit the block and no block follows it: the length is the
        # likelier fault (or this was no header at all), so look for a block inside it.
        return self._lost(header.offset)

    def _truncation(self, data: bytes, header: BlockHeader, final: bool) -> str:
        """Why a block is cut short, in a datagram or on a stream."""
        arrived = len(data) - header.offset
        category, length = f"CAT{header.category:03d}", header.declared_length
        if not self.stream:
            return (
                f"{category} block declares {length} bytes but only {arrived} arrived; "
                "reading the records that did"
            )
        if final:
            return (
                f"the stream ended inside a {category} block of {length} bytes: {arrived} arrived, "
                f"{length - arrived} never did; reading the records that did"
            )
        return (
            f"{category} block declares {length} bytes, more than the "
            f"{self.config.max_stream_block_bytes} waited for on a stream (max_stream_block_bytes), "
            f"and this read holds {arrived}; reading the records that did"
        )

    def _lost(self, offset: int) -> int:
        """Framing was lost at ``offset``: look for the next block after it."""
        self._resyncing = True
        return offset + 1

    def _resync(self, data: bytes, start: int, final: bool) -> tuple[int, bool]:
        """Where the next block begins and True; or (on a stream) where bytes still to come
        decide it, or the end of the data, and False."""
        if final:
            offset = resync(data, start, self._looks_like_block)
            return offset, offset < len(data)
        return stream_resync(data, start, self._looks_like_block, self._may_wait)

    def _boundary(self, data: bytes, offset: int, final: bool) -> bool | None:
        """Whether ``offset`` can end a block (None: on a stream, not known yet)."""
        if final:
            return plausible_boundary(data, offset)
        return stream_boundary(data, offset, self._may_wait)

    def _may_wait(self, data: bytes, offset: int) -> bool:
        """Whether a stream decoder waits for the rest of the block that starts at ``offset``:
        a category read or ignored here, no longer (as far as its header has arrived) than
        a gateway's blocks."""
        category = data[offset]
        if category not in self._records and category not in self._ignored:
            return False
        least_length = int.from_bytes(data[offset + 1 : offset + HEADER_BYTES].ljust(2, b"\0"), "big")
        return least_length <= self.config.max_stream_block_bytes

    def _fault(self, cls: type[DecodeError], offset: int, reason: str) -> None:
        """Report an error at ``offset`` of the bytes being framed (which, on a stream, may
        start with bytes held from earlier chunks)."""
        self.error(cls, offset - self._chunk_start, reason)

    def _looks_like_block(self, data: bytes, header: BlockHeader) -> bool:
        """Whether a candidate block found while resynchronising holds records that parse
        exactly under the configured edition (or is of an ignored category)."""
        if header.category in self._ignored:
            return True
        if header.category not in self._records:
            return False
        return all(not isinstance(parsed, str) for _, _, parsed in self._parse(data, header))

    def _parse(self, data: bytes, header: BlockHeader) -> Iterator[tuple[int, int, Any]]:
        """(offset, end, record) for each record of a block in turn; after the last record
        that parses, (offset, offset, why not) for the one that does not, if any."""
        record_class = self._records[header.category]
        bits = Bits(data, header.records_offset * 8, header.end * 8)
        while len(bits):
            start = bits.bit_offset1 // 8
            if data[start] == 0:
                yield start, start, "has an empty FSPEC"
                return
            result = record_class.parse(ParsingMode.StrictParsing, bits)
            if isinstance(result, ValueError):
                yield start, start, f"does not parse: {result}"
                return
            record, bits = result
            yield start, bits.bit_offset1 // 8, record

    def _records_of(
        self,
        data: bytes,
        header: BlockHeader,
        receive_time_s: float,
        batch: _Batch,
        parsed: Iterable[tuple[int, int, Any]] | None = None,
    ) -> bool:
        """Read a block's records in order (``parsed`` already, or parsed here); False when
        one did not parse (the rest is lost)."""
        category = header.category
        by_category = self.counts.records_by_category
        records = self._parse(data, header) if parsed is None else parsed
        for index, (start, end, record) in enumerate(records):
            if isinstance(record, str):
                self._fault(
                    FramingError, start, f"{self._where(category, index)} {record}; rest of block skipped"
                )
                return False
            self.stats.records += 1
            by_category[category] = by_category.get(category, 0) + 1
            if self._is_duplicate(data[start:end], receive_time_s):
                self.counts.duplicates += 1
                continue
            try:
                self._record(category, record, receive_time_s, batch)
            except items.RecordError as exc:
                self._fault(
                    InvalidRecordError, start, f"{self._where(category, index)}: {exc}; record skipped"
                )
        return True

    def _where(self, category: int, index: int) -> str:
        return f"CAT{category:03d} record {index} (edition {self._editions[category]})"

    def _is_duplicate(self, record_bytes: bytes, receive_time_s: float) -> bool:
        window = self.config.duplicate_window_s
        if window <= 0.0:
            return False
        recent = self._recent
        while recent and next(iter(recent.values())) < receive_time_s - window:
            recent.popitem(last=False)
        seen = recent.get(record_bytes)
        if seen is not None and abs(receive_time_s - seen) <= window:
            return True
        recent[record_bytes] = receive_time_s
        recent.move_to_end(record_bytes)
        return False

    def _record(self, category: int, record: Any, receive_time_s: float, batch: _Batch) -> None:
        sac, sic = items.source(record)
        if not self.config.accepts(sac, sic):
            key = (sac, sic)
            self.counts.foreign_sources[key] = self.counts.foreign_sources.get(key, 0) + 1
            return
        keep_tests = self.config.keep_test_targets
        if category == cat048.CATEGORY:
            plot = cat048.read(record)
            if plot is None:
                self.counts.no_detection += 1
            elif plot.test_target and not keep_tests:
                self.counts.test_targets += 1
            else:
                if plot.is_track:
                    self.counts.tracks += 1
                else:
                    self.counts.plots += 1
                batch.add(category, batch.cat048, plot)
        elif category == cat062.CATEGORY:
            track = cat062.read(record, self.config)
            if track.test_target and not keep_tests:
                self.counts.test_targets += 1
            else:
                self.counts.tracks += 1
                batch.add(category, batch.cat062, track)
        elif category == cat021.CATEGORY:
            report = cat021.read(record)
            if report is None:
                self.counts.no_detection += 1
            elif report.test_target and not keep_tests:
                self.counts.test_targets += 1
            else:
                self.counts.adsb_reports += 1
                batch.add(category, batch.cat021, report)
        elif category == cat034.CATEGORY:
            message = cat034.read(record)
            time_s = tod_to_unix(message.time_of_day_s, receive_time_s)
            self.services[(sac, sic)] = cat034.update(self.services.get((sac, sic)), message, time_s)
            self.counts.service_messages += 1

    def _detections(self, batch: _Batch, receive_time_s: float) -> list[Detection]:
        if not batch.order:
            return []
        sensor = self.config.sensor
        per_category = {
            cat048.CATEGORY: cat048.detections(batch.cat048, receive_time_s, sensor),
            cat062.CATEGORY: cat062.detections(batch.cat062, receive_time_s, self.config),
            cat021.CATEGORY: cat021.detections(batch.cat021, receive_time_s, sensor),
        }
        return [per_category[category][index] for category, index in batch.order]
