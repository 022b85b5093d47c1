"""Finding Remote ID payloads in captured radio frames: Wi-Fi beacons, Wi-Fi NAN service
discovery frames, Bluetooth LE legacy and extended (BT5 long range) advertisements.

Where the bytes are, per transport (payload = 1-byte counter, then a message or a pack)::

    Wi-Fi beacon  radiotap | 802.11 management header (24 B) | fixed fields (12 B) |
                  IE 221: OUI FA:0B:BC, type 0x0D, payload
    Wi-Fi NAN     radiotap | 802.11 header | public action: category 4, action 9, OUI 50:6F:9A
                  type 0x13 | NAN attribute 0x03 (service descriptor), service ID
                  88 69 19 9D 92 09: id(1) length(2) service id(6) instance(1) requestor(1)
                  control(1) [binding bitmap(2)] [filter len+filter] [response filter len+filter]
                  service info len(1) service info = payload
    BLE           [Nordic sniffer header | LL pseudo-header] access address 0x8E89BED6 (4 B)
                  [coding indicator (1 B) on LE Coded PHY] PDU header(2) PDU CRC(3);
                  legacy PDU = AdvA(6) AD structures; extended PDU = extended header (AdvA,
                  ADI, ...) then AD structures; AD type 0x16, UUID 0xFFFA, app code 0x0D, payload

dpkt reads the radiotap header (its field alignment is the fiddly part); the 802.11 and BLE
layers are read here because dpkt's 802.11 parser rejects NAN action frames and dpkt has no
BLE link layer. Frames whose FCS/CRC failed are rejected: corrupted BLE frames decode into
plausible garbage. DJI DroneID and the French beacon (not ASTM) are recognised as drone
beacons but not decoded.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

import dpkt

from raqib.sensors.capture import (
    DLT_BLUETOOTH_LE_LL,
    DLT_BLUETOOTH_LE_LL_WITH_PHDR,
    DLT_IEEE802_11,
    DLT_IEEE802_11_RADIO,
    DLT_NORDIC_BLE,
)
from raqib.sensors.remoteid.ble_crc import ble_crc24

ASTM_OUI = b"\xfa\x0b\xbc"
ASTM_OUI_TYPE = 0x0D
WFA_OUI = b"\x50\x6f\x9a"
NAN_OUI_TYPE = 0x13
NAN_SERVICE_ID = bytes.fromhex("8869199d9209")
ODID_UUID = b"\xfa\xff"  # 0xFFFA, little-endian
ODID_APP_CODE = 0x0D
BLE_ADVERTISING_AA = 0x8E89BED6
VENDOR_BEACONS = {(b"\x26\x37\x12", None): "dji-droneid", (b"\x6a\x5c\x35", 0x01): "fr-signalement"}
SUPPORTED_LINKTYPES = frozenset(
    {DLT_IEEE802_11_RADIO, DLT_IEEE802_11, DLT_NORDIC_BLE, DLT_BLUETOOTH_LE_LL, DLT_BLUETOOTH_LE_LL_WITH_PHDR}
)


class TransportError(ValueError):
    """A frame (or a part of one) that can't be read: ``offset`` is the byte in the frame.

    ``kind``: "truncated" (the frame ends early), "framing" (a header or check that fails) or
    "unsupported" (a link type with no Remote ID transport)."""

    def __init__(self, offset: int, reason: str, kind: str = "framing") -> None:
        super().__init__(f"byte {offset}: {reason}")
        self.offset = offset
        self.reason = reason
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Payload:
    """The bytes after the counter: one 25-byte message (BLE legacy) or a message pack."""

    transport: str  # wifi-beacon | wifi-nan | ble-legacy | ble-extended
    transmitter: str  # MAC or advertising address, aa:bb:cc:dd:ee:ff
    counter: int
    data: bytes
    offset: int  # of ``data`` in the frame
    rssi_dbm: float | None


@dataclass(frozen=True, slots=True)
class VendorBeacon:
    """A drone beacon in a non-ASTM format: evidence that a drone is there, nothing more."""

    vendor: str
    transmitter: str
    data: bytes
    rssi_dbm: float | None


@dataclass(frozen=True, slots=True)
class FrameContents:
    payloads: tuple[Payload, ...] = ()
    vendor_beacons: tuple[VendorBeacon, ...] = ()
    errors: tuple[TransportError, ...] = ()


@dataclass
class _Found:
    payloads: list[Payload] = field(default_factory=list)
    vendor_beacons: list[VendorBeacon] = field(default_factory=list)
    errors: list[TransportError] = field(default_factory=list)

    def contents(self) -> FrameContents:
        return FrameContents(tuple(self.payloads), tuple(self.vendor_beacons), tuple(self.errors))


def find_payloads(frame: bytes, linktype: int) -> FrameContents:
    """Every Remote ID payload in one captured frame; never raises."""
    found = _Found()
    try:
        if linktype == DLT_IEEE802_11_RADIO:
            _radiotap(frame, found)
        elif linktype == DLT_IEEE802_11:
            _ieee80211(frame, 0, None, found)
        elif linktype == DLT_NORDIC_BLE:
            _nordic_ble(frame, found)
        elif linktype == DLT_BLUETOOTH_LE_LL_WITH_PHDR:
            _ble_with_phdr(frame, found)
        elif linktype == DLT_BLUETOOTH_LE_LL:
            _ble_ll(frame, 0, None, None, found)
        else:
            found.errors.append(
                TransportError(0, f"link type {linktype} carries no Remote ID transport", "unsupported")
            )
    except TransportError as exc:
        found.errors.append(exc)
    return found.contents()


def _need(frame: bytes, end: int, what: str) -> None:
    if end > len(frame):
        raise TransportError(
            len(frame), f"frame ends inside the {what} (needs {end} bytes)", kind="truncated"
        )


def _mac(raw: bytes) -> str:
    return ":".join(f"{byte:02x}" for byte in raw)


# --- Wi-Fi -----------------------------------------------------------------------------------

_RADIOTAP_FCS_AT_END = 0x10
_RADIOTAP_BAD_FCS = 0x40


def _radiotap(frame: bytes, found: _Found) -> None:
    _need(frame, 8, "radiotap header")
    length = struct.unpack_from("<H", frame, 2)[0]
    if frame[0] != 0 or length < 8:
        raise TransportError(0, f"not a radiotap header (version {frame[0]}, length {length})")
    _need(frame, length, "radiotap header")
    try:  # only the header: dpkt would otherwise try (and fail) to parse NAN action frames
        header = dpkt.radiotap.Radiotap(frame[:length])
        flags = header.flags.val if header.flags_present else 0
        rssi = float(header.ant_sig.db) if header.ant_sig_present else None
    except (dpkt.dpkt.Error, struct.error, ValueError, IndexError, AttributeError) as exc:
        raise TransportError(0, f"unreadable radiotap header: {exc!r}") from exc
    end = len(frame)
    if flags & _RADIOTAP_BAD_FCS:
        raise TransportError(length, "802.11 frame failed its FCS check (radiotap flag)")
    if flags & _RADIOTAP_FCS_AT_END:
        _need(frame, length + 4, "802.11 FCS")
        end -= 4
        if zlib.crc32(frame[length:end]) != struct.unpack_from("<I", frame, end)[0]:
            raise TransportError(end, "802.11 frame failed its FCS check")
    _ieee80211(frame[:end], length, rssi, found)


_MGMT_HEADER = 24
_BEACON, _PROBE_RESPONSE, _ACTION, _ACTION_NO_ACK = 8, 5, 13, 14


def _ieee80211(frame: bytes, start: int, rssi: float | None, found: _Found) -> None:
    _need(frame, start + 2, "802.11 frame control")
    control, flags = frame[start], frame[start + 1]
    frame_type, subtype = (control >> 2) & 0x03, control >> 4
    if frame_type != 0 or flags & 0x40:  # not management, or encrypted
        return
    _need(frame, start + _MGMT_HEADER, "802.11 management header")
    transmitter = _mac(frame[start + 10 : start + 16])
    body = start + _MGMT_HEADER + (4 if flags & 0x80 else 0)  # +HT control
    if subtype in (_BEACON, _PROBE_RESPONSE):
        _need(frame, body + 12, "beacon's fixed fields")
        _information_elements(frame, body + 12, transmitter, rssi, found)
    elif subtype in (_ACTION, _ACTION_NO_ACK):
        _nan_action(frame, body, transmitter, rssi, found)


def _information_elements(
    frame: bytes, offset: int, transmitter: str, rssi: float | None, found: _Found
) -> None:
    while offset + 2 <= len(frame):
        element_id, length = frame[offset], frame[offset + 1]
        start, end = offset + 2, offset + 2 + length
        if end > len(frame):
            found.errors.append(
                TransportError(
                    offset, f"information element {element_id} overruns the frame", kind="truncated"
                )
            )
            return
        if element_id == 221 and length >= 4:
            oui, oui_type = frame[start : start + 3], frame[start + 3]
            if oui == ASTM_OUI and oui_type == ASTM_OUI_TYPE:
                if length < 5:
                    found.errors.append(TransportError(offset, "ASTM vendor element without a counter"))
                else:
                    found.payloads.append(
                        Payload(
                            "wifi-beacon",
                            transmitter,
                            frame[start + 4],
                            frame[start + 5 : end],
                            start + 5,
                            rssi,
                        )
                    )
            else:
                vendor = VENDOR_BEACONS.get((oui, None)) or VENDOR_BEACONS.get((oui, oui_type))
                if vendor:
                    found.vendor_beacons.append(
                        VendorBeacon(vendor, transmitter, frame[start + 3 : end], rssi)
                    )
        offset = end


_NAN_ACTION_HEADER = bytes([4, 9]) + WFA_OUI + bytes([NAN_OUI_TYPE])  # public action, vendor specific


def _nan_action(frame: bytes, offset: int, transmitter: str, rssi: float | None, found: _Found) -> None:
    if frame[offset : offset + 6] != _NAN_ACTION_HEADER:
        return  # not a NAN service discovery frame
    offset += 6
    while offset + 3 <= len(frame):
        attribute, length = frame[offset], struct.unpack_from("<H", frame, offset + 1)[0]
        start, end = offset + 3, offset + 3 + length
        if end > len(frame):
            found.errors.append(
                TransportError(offset, f"NAN attribute {attribute} overruns the frame", "truncated")
            )
            return
        if attribute == 0x03 and frame[start : start + 6] == NAN_SERVICE_ID:
            _service_descriptor(frame, start, end, transmitter, rssi, found)
        offset = end


def _service_descriptor(
    frame: bytes, start: int, end: int, transmitter: str, rssi: float | None, found: _Found
) -> None:
    if start + 9 > end:
        found.errors.append(TransportError(start, "NAN service descriptor too short", kind="truncated"))
        return
    control, offset = frame[start + 8], start + 9
    if control & 0x40:  # binding bitmap
        offset += 2
    for present in (control & 0x04, control & 0x08):  # matching filter, service response filter
        if present and offset < end:
            offset += 1 + frame[offset]
    if not control & 0x10 or offset >= end:
        return  # no service info
    info_end = offset + 1 + frame[offset]
    if info_end > end or info_end < offset + 2:
        found.errors.append(
            TransportError(offset, "NAN service info overruns its attribute", kind="truncated")
        )
        return
    found.payloads.append(
        Payload("wifi-nan", transmitter, frame[offset + 1], frame[offset + 2 : info_end], offset + 2, rssi)
    )


# --- Bluetooth LE ----------------------------------------------------------------------------

_NORDIC_CRC_OK = 0x01
_PHY_CODED = 2


def _nordic_ble(frame: bytes, found: _Found) -> None:
    """nRF Sniffer (protocol 1-3): board(1) payload length(2) protocol(1) counter(2) id(1) |
    header length(1) flags(1) channel(1) RSSI(1, negated) event counter(2) timestamp(4)."""
    _need(frame, 8, "Nordic BLE sniffer header")
    if frame[3] == 0:
        raise TransportError(3, "Nordic BLE sniffer protocol 0 is not supported", "unsupported")
    header_length = frame[7]
    _need(frame, 7 + max(header_length, 4), "Nordic BLE packet header")
    flags, rssi = frame[8], -float(frame[10])
    if not flags & _NORDIC_CRC_OK:
        raise TransportError(7, "BLE packet failed its CRC check (sniffer flag)")
    coded = (flags >> 4) & 0x07 == _PHY_CODED
    _ble_ll(frame, 7 + header_length, rssi, coded, found, crc_checked=True)


_PHDR = struct.Struct("<BbbBIH")
_PHDR_SIGNAL_VALID, _PHDR_CRC_CHECKED, _PHDR_CRC_VALID = 0x0002, 0x0400, 0x0800


def _ble_with_phdr(frame: bytes, found: _Found) -> None:
    _need(frame, _PHDR.size, "BLE pseudo-header")
    _, signal, _, _, _, flags = _PHDR.unpack_from(frame)
    checked = bool(flags & _PHDR_CRC_CHECKED)
    if checked and not flags & _PHDR_CRC_VALID:
        raise TransportError(0, "BLE packet failed its CRC check (pseudo-header flag)")
    rssi = float(signal) if flags & _PHDR_SIGNAL_VALID else None
    _ble_ll(frame, _PHDR.size, rssi, False, found, crc_checked=checked)


def _ble_ll(
    frame: bytes,
    start: int,
    rssi: float | None,
    coded: bool | None,
    found: _Found,
    *,
    crc_checked: bool = False,
) -> None:
    _need(frame, start + 6, "BLE link-layer header")
    if struct.unpack_from("<I", frame, start)[0] != BLE_ADVERTISING_AA:
        return  # a data channel packet
    pdu = start + 4 + (1 if coded else 0)  # coding indicator
    _need(frame, pdu + 2, "BLE advertising header")
    pdu_type, length = frame[pdu] & 0x0F, frame[pdu + 1]
    payload, payload_end = pdu + 2, pdu + 2 + length
    _need(frame, payload_end + 3, "BLE advertising PDU and CRC")
    if not crc_checked and ble_crc24(frame[pdu:payload_end]) != frame[payload_end : payload_end + 3]:
        raise TransportError(payload_end, "BLE packet failed its CRC check")
    if pdu_type in (0, 2, 4, 6):  # ADV_IND, ADV_NONCONN_IND, SCAN_RSP, ADV_SCAN_IND
        if length < 6:
            raise TransportError(payload, "legacy advertisement shorter than its address", kind="truncated")
        _ad_structures(
            frame,
            payload + 6,
            payload_end,
            _mac(frame[payload : payload + 6][::-1]),
            "ble-legacy",
            rssi,
            found,
        )
    elif pdu_type == 7:  # ADV_EXT_IND / AUX_ADV_IND / AUX_CHAIN_IND
        _extended(frame, payload, payload_end, rssi, found)


_EXT_FIELD_SIZES = ((0x01, 6), (0x02, 6), (0x04, 1), (0x08, 2), (0x10, 3), (0x20, 18), (0x40, 1))


def _extended(frame: bytes, payload: int, end: int, rssi: float | None, found: _Found) -> None:
    if payload >= end:
        return
    header_length = frame[payload] & 0x3F
    data = payload + 1 + header_length
    if data > end:
        raise TransportError(payload, "extended advertising header overruns its PDU", kind="truncated")
    transmitter = "unknown"
    if header_length:
        flags, offset = frame[payload + 1], payload + 2
        for bit, size in _EXT_FIELD_SIZES:
            if flags & bit:
                if bit == 0x01 and offset + 6 <= data:
                    transmitter = _mac(frame[offset : offset + 6][::-1])
                elif bit == 0x08 and transmitter == "unknown" and offset + 2 <= data:
                    transmitter = f"adi:{struct.unpack_from('<H', frame, offset)[0] >> 12}"  # advertising set
                offset += size
        if offset > data:
            raise TransportError(payload + 1, "extended header fields overrun the header length")
    _ad_structures(frame, data, end, transmitter, "ble-extended", rssi, found)


def _ad_structures(
    frame: bytes, offset: int, end: int, transmitter: str, transport: str, rssi: float | None, found: _Found
) -> None:
    while offset < end:
        length = frame[offset]
        if length == 0:
            return  # padding
        start, stop = offset + 1, offset + 1 + length
        if stop > end:
            found.errors.append(
                TransportError(offset, "AD structure overruns the advertisement", kind="truncated")
            )
            return
        if frame[start] == 0x16 and frame[start + 1 : start + 3] == ODID_UUID and length >= 4:
            if frame[start + 3] != ODID_APP_CODE:
                found.errors.append(TransportError(start + 3, f"Remote ID app code 0x{frame[start + 3]:02x}"))
            elif length < 5:
                found.errors.append(TransportError(offset, "Remote ID service data without a counter"))
            else:
                found.payloads.append(
                    Payload(
                        transport, transmitter, frame[start + 4], frame[start + 5 : stop], start + 5, rssi
                    )
                )
        offset = stop
