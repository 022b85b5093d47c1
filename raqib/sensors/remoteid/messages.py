"""Open Drone ID broadcast messages (ASTM F3411-22a, ASD-STAN EN 4709-002): 25 bytes each.

Byte 0 of every message: high nibble = message type, low nibble = protocol version (0, 1, 2
decode with the same rules). Integers are little-endian. Layouts, one per decoder below::

    Basic ID (0)      1: ID type(7-4) UA type(3-0) | 2-21: UAS ID (ASCII, NUL-padded;
                      16 binary bytes for a UTM UUID) | 22-24: reserved
    Location (1)      1: status(7-4) -(3) height type(2) E/W(1) speed multiplier(0)
                      2: direction | 3: speed | 4: vertical speed int8 x0.5 m/s
                      5-8: lat int32 1e-7 deg | 9-12: lon | 13-14: pressure alt | 15-16: geodetic
                      alt | 17-18: height | 19: vertical acc(7-4) horizontal acc(3-0)
                      20: baro acc(7-4) speed acc(3-0) | 21-22: tenths of s since the UTC hour
                      23: timestamp accuracy(3-0), x0.1 s | 24: reserved
    Authentication (2) 1: auth type(7-4) page(3-0); page 0: 2: last page | 3: length
                      4-7: uint32 s since 2019-01-01 | 8-24: 17 data bytes; pages 1-15: 2-24 data
    Self-ID (3)       1: description type | 2-24: 23 ASCII characters
    System (4)        1: -(7-5) classification type(4-2) operator location type(1-0)
                      2-5: operator lat | 6-9: operator lon | 10-11: area count
                      12: area radius x10 m | 13-14: area ceiling | 15-16: area floor
                      17: EU category(7-4) EU class(3-0) | 18-19: operator geodetic alt
                      20-23: uint32 s since 2019-01-01 (0: absent) | 24: reserved
    Operator ID (5)   1: operator ID type | 2-21: 20 ASCII characters | 22-24: reserved
    Message Pack (F)  1: message size (25) | 2: count N (0-9) | 3..: N messages, no nesting

Altitudes are uint16 x0.5 - 1000 m (code 0: unknown). Invalid/unknown encodings decode to
None: lat = lon = 0, altitude code 0, speed 255 with multiplier 1, vertical speed code 126,
direction above 360, timestamp 0xFFFF (or above 36000).
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Callable
from enum import IntEnum

import msgspec

MESSAGE_SIZE = 25
PACK_HEADER_SIZE = 3
MAX_PACK_MESSAGES = 9
EPOCH_2019_UNIX_S = 1_546_300_800


class MessageType(IntEnum):
    BASIC_ID = 0x0
    LOCATION = 0x1
    AUTHENTICATION = 0x2
    SELF_ID = 0x3
    SYSTEM = 0x4
    OPERATOR_ID = 0x5
    MESSAGE_PACK = 0xF


class IdType(IntEnum):
    NONE = 0
    SERIAL_NUMBER = 1  # ANSI/CTA-2063-A
    CAA_REGISTRATION = 2
    UTM_UUID = 3
    SPECIFIC_SESSION = 4


class OperationalStatus(IntEnum):
    UNDECLARED = 0
    GROUND = 1
    AIRBORNE = 2
    EMERGENCY = 3
    SYSTEM_FAILURE = 4


class HeightType(IntEnum):
    ABOVE_TAKEOFF = 0
    ABOVE_GROUND = 1


class OperatorLocationType(IntEnum):
    TAKEOFF = 0
    LIVE_GNSS = 1
    FIXED = 2


class MessageError(ValueError):
    """A message that can't be read: ``offset`` is the byte in the buffer handed to the decoder.

    ``kind``: "truncated" (the buffer ends early), "framing" (a pack's header is wrong),
    "unsupported" (an unknown message type) or "invalid" (a field holds an impossible value)."""

    def __init__(self, offset: int, reason: str, kind: str = "invalid") -> None:
        super().__init__(f"byte {offset}: {reason}")
        self.offset = offset
        self.reason = reason
        self.kind = kind


# 95 % bounds in metres (or m/s) per accuracy code; the code's index in the tuple.
_NM = 1852.0
HORIZONTAL_ACCURACY_M: tuple[float | None, ...] = (
    None,
    10 * _NM,
    4 * _NM,
    2 * _NM,
    _NM,
    0.5 * _NM,
    0.3 * _NM,
    0.1 * _NM,
    0.05 * _NM,
    30.0,
    10.0,
    3.0,
    1.0,
)
VERTICAL_ACCURACY_M: tuple[float | None, ...] = (None, 150.0, 45.0, 25.0, 10.0, 3.0, 1.0)
SPEED_ACCURACY_MS: tuple[float | None, ...] = (None, 10.0, 3.0, 1.0, 0.3)


def _lookup(table: tuple[float | None, ...], code: int) -> float | None:
    return table[code] if code < len(table) else None


class BasicId(msgspec.Struct, frozen=True):
    version: int
    id_type: int  # IdType
    ua_type: int  # 0 none, 1 aeroplane, 2 helicopter/multirotor, ... 15 other
    uas_id: str  # text; a UTM UUID as its canonical string, a session ID in hex


class Location(msgspec.Struct, frozen=True):
    version: int
    status: int  # OperationalStatus
    height_type: int  # HeightType
    direction_deg: float | None  # track over ground, clockwise from true north
    speed_h_ms: float | None
    speed_v_ms: float | None  # up positive
    lat_deg: float | None
    lon_deg: float | None
    alt_pressure_m: float | None  # 1013.25 hPa reference
    alt_geodetic_m: float | None  # WGS84 height above the ellipsoid
    height_m: float | None  # above takeoff or ground, per height_type
    horizontal_accuracy: int  # codes; the *_m properties give the 95 % bounds
    vertical_accuracy: int
    baro_accuracy: int
    speed_accuracy: int
    timestamp_tenths: int | None  # tenths of a second since the start of the UTC hour
    timestamp_accuracy_s: float | None

    @property
    def horizontal_accuracy_m(self) -> float | None:
        return _lookup(HORIZONTAL_ACCURACY_M, self.horizontal_accuracy)

    @property
    def vertical_accuracy_m(self) -> float | None:
        return _lookup(VERTICAL_ACCURACY_M, self.vertical_accuracy)

    @property
    def baro_accuracy_m(self) -> float | None:
        return _lookup(VERTICAL_ACCURACY_M, self.baro_accuracy)

    @property
    def speed_accuracy_ms(self) -> float | None:
        return _lookup(SPEED_ACCURACY_MS, self.speed_accuracy)


class AuthenticationPage(msgspec.Struct, frozen=True):
    version: int
    auth_type: int  # 1 UAS ID signature, 2 operator ID signature, 3 message set, ...
    page: int
    last_page: int | None  # page 0 only
    length: int | None  # total bytes of authentication data (page 0 only)
    timestamp_unix_s: int | None  # page 0 only
    data: bytes  # 17 bytes on page 0, 23 on the others


class SelfId(msgspec.Struct, frozen=True):
    version: int
    description_type: int  # 0 text, 1 emergency, 2 extended status
    description: str


class System(msgspec.Struct, frozen=True):
    version: int
    operator_location_type: int  # OperatorLocationType
    classification_type: int  # 0 undeclared, 1 EU
    operator_lat_deg: float | None
    operator_lon_deg: float | None
    area_count: int
    area_radius_m: float
    area_ceiling_m: float | None
    area_floor_m: float | None
    eu_category: int  # 0 undeclared, 1 open, 2 specific, 3 certified
    eu_class: int  # 0 undeclared, 1 C0 ... 7 C6
    operator_alt_m: float | None  # WGS84 height above the ellipsoid
    timestamp_unix_s: int | None


class OperatorId(msgspec.Struct, frozen=True):
    version: int
    operator_id_type: int
    operator_id: str


Message = BasicId | Location | AuthenticationPage | SelfId | System | OperatorId


class MessagePack(msgspec.Struct, frozen=True):
    version: int
    messages: tuple[Message, ...]
    errors: tuple[MessageError, ...]  # messages inside the pack that were rejected


def _altitude(code: int) -> float | None:
    return None if code == 0 else code * 0.5 - 1000.0


def _position(lat_e7: int, lon_e7: int, offset: int) -> tuple[float | None, float | None]:
    if lat_e7 == 0 and lon_e7 == 0:
        return None, None
    lat, lon = lat_e7 * 1e-7, lon_e7 * 1e-7
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise MessageError(offset, f"latitude {lat:.7f} / longitude {lon:.7f} out of range")
    return lat, lon


_PRINTABLE = bytes(range(0x20, 0x7F))


def _text(raw: bytes, offset: int, field: str) -> str:
    """ASCII up to the first NUL; a non-printable byte before it means a corrupted message."""
    text = raw.split(b"\x00", 1)[0]
    if text.translate(None, _PRINTABLE):
        index = next(i for i, byte in enumerate(text) if not 0x20 <= byte <= 0x7E)
        raise MessageError(offset + index, f"{field} holds non-printable byte 0x{text[index]:02x}")
    return text.decode("ascii")


def _check(data: bytes, offset: int, expected_type: int) -> None:
    if len(data) - offset < MESSAGE_SIZE:
        raise MessageError(
            offset, f"message needs {MESSAGE_SIZE} bytes, {len(data) - offset} left", kind="truncated"
        )
    found = data[offset] >> 4
    if found != expected_type:
        raise MessageError(offset, f"message type {found} where {expected_type} was expected", "framing")


def decode_basic_id(data: bytes, offset: int = 0) -> BasicId:
    _check(data, offset, MessageType.BASIC_ID)
    types = data[offset + 1]
    id_type, raw = types >> 4, data[offset + 2 : offset + 22]
    if id_type == IdType.UTM_UUID:
        uas_id = str(uuid.UUID(bytes=raw[:16]))
    elif id_type == IdType.SPECIFIC_SESSION:
        uas_id = raw.rstrip(b"\x00").hex()
    else:
        uas_id = _text(raw, offset + 2, "UAS ID")
    return BasicId(data[offset] & 0x0F, id_type, types & 0x0F, uas_id)


_TIMESTAMP_ACCURACY_S = (None, *(code / 10 for code in range(1, 16)))
_LOCATION = struct.Struct("<BBBBbiiHHHBBHB")


def decode_location(data: bytes, offset: int = 0) -> Location:
    _check(data, offset, MessageType.LOCATION)
    (head, flags, direction, speed, vspeed, lat_e7, lon_e7, alt_p, alt_g, height,
     acc_vh, acc_bs, timestamp, ts_acc) = _LOCATION.unpack_from(data, offset)  # fmt: skip
    direction_deg = direction + 180 if flags & 0x02 else direction
    if flags & 0x01:
        speed_h: float | None = None if speed == 255 else speed * 0.75 + 63.75
    else:
        speed_h = speed * 0.25
    lat, lon = _position(lat_e7, lon_e7, offset + 5)
    return Location(
        version=head & 0x0F,
        status=flags >> 4,
        height_type=(flags >> 2) & 0x01,
        direction_deg=None if direction_deg > 360 else float(direction_deg),
        speed_h_ms=speed_h,
        speed_v_ms=None if vspeed == 126 else vspeed * 0.5,
        lat_deg=lat,
        lon_deg=lon,
        alt_pressure_m=_altitude(alt_p),
        alt_geodetic_m=_altitude(alt_g),
        height_m=_altitude(height),
        horizontal_accuracy=acc_vh & 0x0F,
        vertical_accuracy=acc_vh >> 4,
        baro_accuracy=acc_bs >> 4,
        speed_accuracy=acc_bs & 0x0F,
        timestamp_tenths=None if timestamp > 36000 else timestamp,
        timestamp_accuracy_s=_TIMESTAMP_ACCURACY_S[ts_acc & 0x0F],
    )


_AUTH_PAGE0 = struct.Struct("<BBBBI")


def decode_authentication(data: bytes, offset: int = 0) -> AuthenticationPage:
    _check(data, offset, MessageType.AUTHENTICATION)
    head, types = data[offset], data[offset + 1]
    page = types & 0x0F
    if page == 0:
        _, _, last_page, length, seconds = _AUTH_PAGE0.unpack_from(data, offset)
        return AuthenticationPage(
            head & 0x0F, types >> 4, 0, last_page, length,
            EPOCH_2019_UNIX_S + seconds if seconds else None,
            bytes(data[offset + 8 : offset + MESSAGE_SIZE]),
        )  # fmt: skip
    return AuthenticationPage(
        head & 0x0F, types >> 4, page, None, None, None, bytes(data[offset + 2 : offset + MESSAGE_SIZE])
    )


def decode_self_id(data: bytes, offset: int = 0) -> SelfId:
    _check(data, offset, MessageType.SELF_ID)
    text = _text(data[offset + 2 : offset + MESSAGE_SIZE], offset + 2, "Self-ID description")
    return SelfId(data[offset] & 0x0F, data[offset + 1], text)


_SYSTEM = struct.Struct("<BBiiHBHHBHI")


def decode_system(data: bytes, offset: int = 0) -> System:
    _check(data, offset, MessageType.SYSTEM)
    (head, flags, lat_e7, lon_e7, area_count, radius, ceiling, floor, eu, op_alt,
     seconds) = _SYSTEM.unpack_from(data, offset)  # fmt: skip
    lat, lon = _position(lat_e7, lon_e7, offset + 2)
    return System(
        version=head & 0x0F,
        operator_location_type=flags & 0x03,
        classification_type=(flags >> 2) & 0x07,
        operator_lat_deg=lat,
        operator_lon_deg=lon,
        area_count=area_count,
        area_radius_m=radius * 10.0,
        area_ceiling_m=_altitude(ceiling),
        area_floor_m=_altitude(floor),
        eu_category=eu >> 4,
        eu_class=eu & 0x0F,
        operator_alt_m=_altitude(op_alt),
        timestamp_unix_s=EPOCH_2019_UNIX_S + seconds if seconds else None,
    )


def decode_operator_id(data: bytes, offset: int = 0) -> OperatorId:
    _check(data, offset, MessageType.OPERATOR_ID)
    text = _text(data[offset + 2 : offset + 22], offset + 2, "operator ID")
    return OperatorId(data[offset] & 0x0F, data[offset + 1], text)


_DECODERS: dict[int, Callable[[bytes, int], Message]] = {
    MessageType.BASIC_ID: decode_basic_id,
    MessageType.LOCATION: decode_location,
    MessageType.AUTHENTICATION: decode_authentication,
    MessageType.SELF_ID: decode_self_id,
    MessageType.SYSTEM: decode_system,
    MessageType.OPERATOR_ID: decode_operator_id,
}


def decode_message_pack(data: bytes, offset: int = 0) -> MessagePack:
    """A pack's header must be right (else MessageError). A bad or cut-off message inside it is
    kept in ``errors`` and the complete ones still decode."""
    if len(data) - offset < PACK_HEADER_SIZE:
        raise MessageError(offset, "message pack shorter than its 3-byte header", kind="truncated")
    head, size, count = data[offset], data[offset + 1], data[offset + 2]
    if head >> 4 != MessageType.MESSAGE_PACK:
        raise MessageError(offset, f"message type {head >> 4} where a message pack was expected", "framing")
    if size != MESSAGE_SIZE:
        raise MessageError(offset + 1, f"message pack declares message size {size}, not 25", "framing")
    if count > MAX_PACK_MESSAGES:  # 0 happens: transmitters send empty packs while starting up
        raise MessageError(offset + 2, f"message pack declares {count} messages, more than 9", "framing")
    end = offset + PACK_HEADER_SIZE + count * MESSAGE_SIZE
    messages: list[Message] = []
    errors: list[MessageError] = []
    for start in range(offset + PACK_HEADER_SIZE, min(end, len(data) - MESSAGE_SIZE + 1), MESSAGE_SIZE):
        try:
            if data[start] >> 4 == MessageType.MESSAGE_PACK:
                raise MessageError(start, "message pack nested inside a message pack", "framing")
            messages.append(decode_message(data, start))
        except MessageError as exc:
            errors.append(exc)
    if end > len(data):
        reason = f"message pack of {count} messages needs {end - offset} bytes, has {len(data) - offset}"
        errors.append(MessageError(offset, reason, "truncated"))
    return MessagePack(head & 0x0F, tuple(messages), tuple(errors))


def decode_message(data: bytes, offset: int = 0) -> Message:
    """One 25-byte message of any type but a pack (use ``decode_message_pack`` for those)."""
    if offset >= len(data):
        raise MessageError(offset, "no message: buffer ends", kind="truncated")
    message_type = data[offset] >> 4
    decoder = _DECODERS.get(message_type)
    if decoder is None:
        raise MessageError(offset, f"unknown message type 0x{message_type:x}", kind="unsupported")
    return decoder(data, offset)


def decode(data: bytes, offset: int = 0) -> Message | MessagePack:
    """A single message or a message pack, by the type nibble of its first byte."""
    if offset < len(data) and data[offset] >> 4 == MessageType.MESSAGE_PACK:
        return decode_message_pack(data, offset)
    return decode_message(data, offset)
