"""Remote ID feeds: raw messages over UDP or in files ("remoteid"), captured radio frames
("remoteid-frames"), and pcap/pcapng captures read whole (``read_capture``).

A receiver bridge forwards what it hears as one datagram per packet. The datagram's length
(mod 25) says what it holds, so no framing byte is needed::

    25·k bytes       k whole messages            (k >= 1)
    3 + 25·N bytes   one message pack            (first byte 0xF?)
    1 + 25·k bytes   counter, then k messages
    4 + 25·N bytes   counter, then a message pack

A file record may hold the same bytes written as hexadecimal text (one record per line).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from raqib.model import Detection, Sensor
from raqib.sensors.base import (
    DecodeError,
    Decoder,
    ErrorSink,
    FramingError,
    TruncatedError,
    UnsupportedError,
    register,
)
from raqib.sensors.capture import DLT_IEEE802_11_RADIO, Frame, iter_frames
from raqib.sensors.remoteid.assembler import AssemblerConfig, RemoteIdAssembler, RemoteIdFix
from raqib.sensors.remoteid.messages import (
    MESSAGE_SIZE,
    Message,
    MessageError,
    MessagePack,
    MessageType,
    decode,
)
from raqib.sensors.remoteid.transports import SUPPORTED_LINKTYPES, TransportError, find_payloads


class InvalidFieldError(DecodeError):
    """A well-framed message holding an impossible value (latitude 120°, a non-ASCII serial)."""


_ERROR_CLASSES: dict[str, type[DecodeError]] = {
    "truncated": TruncatedError,
    "framing": FramingError,
    "unsupported": UnsupportedError,
    "invalid": InvalidFieldError,
}


class _RemoteIdDecoder(Decoder):
    """What both feeds share: decoding messages, assembling them, keeping the fixes."""

    def __init__(
        self,
        sensor: Sensor,
        *,
        feed: str | None = None,
        on_error: ErrorSink | None = None,
        config: AssemblerConfig | None = None,
        on_fix: Callable[[RemoteIdFix], None] | None = None,
    ) -> None:
        super().__init__(sensor, feed=feed, on_error=on_error)
        self.assembler = RemoteIdAssembler(sensor, config)
        self.message_counts: Counter[str] = Counter()  # by message class name
        self._on_fix = on_fix
        self._context = ""  # prefixed to error reasons, e.g. "frame 12: "
        self._offset_scale = 1

    def _reject(self, error: MessageError | TransportError, base_offset: int) -> None:
        cls = _ERROR_CLASSES.get(error.kind, DecodeError)
        self.error(cls, (base_offset + error.offset) * self._offset_scale, self._context + error.reason)

    def _messages(self, data: bytes, start: int, offset_in_chunk: int) -> list[Message]:
        """Decode the message or pack at ``data[start:]``; report what's bad, keep what's good."""
        try:
            decoded = decode(data, start)
        except MessageError as exc:
            self._reject(exc, offset_in_chunk - start)
            return []
        if isinstance(decoded, MessagePack):
            for error in decoded.errors:
                self._reject(error, offset_in_chunk - start)
            messages = list(decoded.messages)
        else:
            messages = [decoded]
        self.stats.records += len(messages)
        self.message_counts.update(type(message).__name__ for message in messages)
        return messages

    def _assemble(
        self,
        messages: list[Message],
        transmitter: str,
        receive_time_s: float,
        *,
        rssi_dbm: float | None = None,
        counter: int | None = None,
        transport: str = "",
    ) -> list[Detection]:
        if not messages:
            return []
        fixes = self.assembler.add(
            messages, transmitter, receive_time_s, rssi_dbm=rssi_dbm, counter=counter, transport=transport
        )
        if self._on_fix is not None:
            for fix in fixes:
                self._on_fix(fix)
        return [fix.detection for fix in fixes]


@register("remoteid")
class RemoteIdDecoder(_RemoteIdDecoder):
    """Datagrams (or file records) of raw Remote ID bytes, one packet each."""

    _source: str | None = None  # set by decode_from for the datagram being decoded

    def decode_from(self, data: bytes, receive_time_s: float, source: str) -> list[Detection]:
        """Like ``decode``, for a datagram from ``source`` (e.g. "10.0.0.5:4000"): messages of
        different sources are never combined."""
        self._source = source
        try:
            return self.decode(data, receive_time_s)
        finally:
            self._source = None

    def _decode(self, data: bytes, receive_time_s: float) -> Iterable[Detection]:
        raw, counter, start = data, *_counter_and_start(data)
        text = _unhex(data)
        if text is not None and _counter_and_start(text)[1] is not None:
            raw, counter, start = text, *_counter_and_start(text)
        self._offset_scale = 1 if raw is data else 2  # hex text: about two characters a byte
        if start is None:
            reason = f"{len(raw)} bytes is not 25·k or 3 + 25·N, with or without a counter byte"
            self.error(FramingError, 0, reason)
            return []
        if raw[start] >> 4 == MessageType.MESSAGE_PACK:
            messages = self._messages(raw, start, start)
        else:
            messages = []
            for offset in range(start, len(raw), MESSAGE_SIZE):
                messages += self._messages(raw, offset, offset)
        source = self._source or self.feed
        return self._assemble(messages, source, receive_time_s, counter=counter, transport="udp")


_HEX_TEXT = frozenset(b"0123456789abcdefABCDEF \t\r\n")


def _unhex(data: bytes) -> bytes | None:
    """The bytes of a hexadecimal text record ("f01905..." or "f0 19 05 ..."), else None."""
    if len(data) < 2 * MESSAGE_SIZE or not _HEX_TEXT.issuperset(data):
        return None
    try:
        return bytes.fromhex(data.decode("ascii"))
    except ValueError:
        return None


def _counter_and_start(raw: bytes) -> tuple[int | None, int | None]:
    remainder = len(raw) % MESSAGE_SIZE
    if len(raw) < MESSAGE_SIZE:
        return None, None
    if remainder == 0:
        return None, 0
    if remainder == 3 and raw[0] >> 4 == MessageType.MESSAGE_PACK:
        return None, 0
    if remainder == 1:
        return raw[0], 1
    if remainder == 4 and raw[1] >> 4 == MessageType.MESSAGE_PACK:
        return raw[0], 1
    return None, None


@register("remoteid-frames")
class RemoteIdFrameDecoder(_RemoteIdDecoder):
    """Captured link-layer frames of one link type (radiotap 802.11, Nordic BLE, BLE LL)."""

    def __init__(
        self,
        sensor: Sensor,
        *,
        feed: str | None = None,
        on_error: ErrorSink | None = None,
        config: AssemblerConfig | None = None,
        on_fix: Callable[[RemoteIdFix], None] | None = None,
        linktype: int = DLT_IEEE802_11_RADIO,
    ) -> None:
        super().__init__(sensor, feed=feed, on_error=on_error, config=config, on_fix=on_fix)
        self.linktype = linktype
        self.vendor_beacons: Counter[tuple[str, str]] = Counter()  # (vendor, transmitter)
        self.payloads = 0

    def decode_frame(self, frame: Frame) -> list[Detection]:
        """A captured frame, with its capture time as the receive time and its index in errors."""
        self.linktype = frame.linktype
        self._context = f"frame {frame.index}: "
        try:
            return self.decode(frame.data, frame.time_s)
        finally:
            self._context = ""

    def _decode(self, data: bytes, receive_time_s: float) -> Iterable[Detection]:
        contents = find_payloads(data, self.linktype)
        for error in contents.errors:
            self._reject(error, 0)
        for beacon in contents.vendor_beacons:
            self.vendor_beacons[(beacon.vendor, beacon.transmitter)] += 1
        detections: list[Detection] = []
        for payload in contents.payloads:
            self.payloads += 1
            messages = self._messages(payload.data, 0, payload.offset)
            detections += self._assemble(
                messages,
                payload.transmitter,
                receive_time_s,
                rssi_dbm=payload.rssi_dbm,
                counter=payload.counter,
                transport=payload.transport,
            )
        return detections


@dataclass
class CaptureReading:
    """Everything ``read_capture`` found: fixes in capture order, and the decoder with its
    stats, message counts, vendor beacons and spoofing evidence (``decoder.assembler``)."""

    fixes: list[RemoteIdFix]
    decoder: RemoteIdFrameDecoder

    @property
    def detections(self) -> list[Detection]:
        return [fix.detection for fix in self.fixes]


def iter_capture(
    path: str | Path,
    sensor: Sensor,
    *,
    decoder: RemoteIdFrameDecoder | None = None,
    on_error: ErrorSink | None = None,
) -> Iterator[Detection]:
    """The Remote ID Detections of a pcap/pcapng capture, frame by frame."""
    decoder = decoder or RemoteIdFrameDecoder(sensor, feed=f"remoteid:{Path(path).name}", on_error=on_error)

    def capture_error(reason: str) -> None:
        decoder.report(FramingError(decoder.feed, 0, reason))

    for frame in iter_frames(path, capture_error):
        if frame.linktype not in SUPPORTED_LINKTYPES:
            capture_error(f"link type {frame.linktype} carries no Remote ID transport")
            return
        yield from decoder.decode_frame(frame)


def read_capture(
    path: str | Path,
    sensor: Sensor,
    *,
    config: AssemblerConfig | None = None,
    on_error: ErrorSink | None = None,
) -> CaptureReading:
    """Read a whole capture: its fixes and the decoder that found them."""
    fixes: list[RemoteIdFix] = []
    decoder = RemoteIdFrameDecoder(
        sensor, feed=f"remoteid:{Path(path).name}", on_error=on_error, config=config, on_fix=fixes.append
    )
    for _ in iter_capture(path, sensor, decoder=decoder):
        pass
    return CaptureReading(fixes, decoder)
