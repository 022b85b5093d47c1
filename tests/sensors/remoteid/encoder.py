"""A test-only Remote ID encoder: messages, packs and the radio frames that carry them, built
with struct.pack from the byte layouts (FORMAT.md), so the decoder is tested without shared data."""

from __future__ import annotations

import struct
import zlib

from raqib.sensors.remoteid.ble_crc import ble_crc24


def _altitude(alt_m: float | None) -> int:
    return 0 if alt_m is None else round((alt_m + 1000.0) * 2)


def _e7(deg: float | None) -> int:
    return 0 if deg is None else round(deg * 1e7)


def _text(text: str, size: int) -> bytes:
    return text.encode("ascii").ljust(size, b"\x00")


def basic_id(uas_id: str | bytes, id_type: int = 1, ua_type: int = 2, version: int = 2) -> bytes:
    raw = uas_id if isinstance(uas_id, bytes) else uas_id.encode("ascii")
    return bytes([0x00 | version, id_type << 4 | ua_type]) + raw.ljust(20, b"\x00") + b"\x00" * 3


def location(
    lat_deg: float | None = 47.0,
    lon_deg: float | None = 8.0,
    *,
    status: int = 2,
    height_type: int = 0,
    direction_deg: float | None = 90.0,
    speed_h_ms: float | None = 10.0,
    speed_v_ms: float | None = 0.0,
    alt_pressure_m: float | None = None,
    alt_geodetic_m: float | None = 500.0,
    height_m: float | None = 50.0,
    horizontal_accuracy: int = 10,
    vertical_accuracy: int = 4,
    baro_accuracy: int = 0,
    speed_accuracy: int = 3,
    timestamp_tenths: int | None = 0,
    timestamp_accuracy: int = 2,
    version: int = 2,
) -> bytes:
    if direction_deg is None:
        east_west, direction = 1, 181
    else:
        east_west, direction = (
            (1, round(direction_deg) - 180) if direction_deg >= 180 else (0, round(direction_deg))
        )
    if speed_h_ms is None:
        multiplier, speed = 1, 255
    elif speed_h_ms < 63.75:
        multiplier, speed = 0, round(speed_h_ms / 0.25)
    else:
        multiplier, speed = 1, min(254, round((speed_h_ms - 63.75) / 0.75))
    flags = status << 4 | height_type << 2 | east_west << 1 | multiplier
    vertical = 126 if speed_v_ms is None else round(speed_v_ms / 0.5)
    return struct.pack(
        "<BBBBbiiHHHBBHBB",
        0x10 | version,
        flags,
        direction,
        speed,
        vertical,
        _e7(lat_deg),
        _e7(lon_deg),
        _altitude(alt_pressure_m),
        _altitude(alt_geodetic_m),
        _altitude(height_m),
        vertical_accuracy << 4 | horizontal_accuracy,
        baro_accuracy << 4 | speed_accuracy,
        0xFFFF if timestamp_tenths is None else timestamp_tenths,
        timestamp_accuracy,
        0,
    )


def authentication_page(
    page: int, data: bytes, *, auth_type: int = 1, last_page: int = 0, length: int = 0, seconds_2019: int = 0
) -> bytes:
    head = bytes([0x22, auth_type << 4 | page])
    if page == 0:
        return head + struct.pack("<BBI", last_page, length, seconds_2019) + data.ljust(17, b"\x00")
    return head + data.ljust(23, b"\x00")


def self_id(description: str, description_type: int = 0) -> bytes:
    return bytes([0x32, description_type]) + _text(description, 23)


def system(
    operator_lat_deg: float | None = 47.001,
    operator_lon_deg: float | None = 8.001,
    *,
    operator_location_type: int = 1,
    classification_type: int = 1,
    area_count: int = 1,
    area_radius_m: float = 0.0,
    area_ceiling_m: float | None = None,
    area_floor_m: float | None = None,
    eu_category: int = 1,
    eu_class: int = 2,
    operator_alt_m: float | None = None,
    seconds_2019: int = 0,
) -> bytes:
    return struct.pack(
        "<BBiiHBHHBHIB",
        0x42,
        classification_type << 2 | operator_location_type,
        _e7(operator_lat_deg),
        _e7(operator_lon_deg),
        area_count,
        round(area_radius_m / 10),
        _altitude(area_ceiling_m),
        _altitude(area_floor_m),
        eu_category << 4 | eu_class,
        _altitude(operator_alt_m),
        seconds_2019,
        0,
    )


def operator_id(text: str, operator_id_type: int = 0) -> bytes:
    return bytes([0x52, operator_id_type]) + _text(text, 20) + b"\x00" * 3


def pack(*messages: bytes, size: int = 25, count: int | None = None) -> bytes:
    return bytes([0xF2, size, len(messages) if count is None else count]) + b"".join(messages)


# --- frames ----------------------------------------------------------------------------------


def mac_bytes(mac: str) -> bytes:
    return bytes(int(part, 16) for part in mac.split(":"))


def wifi_beacon(
    payload: bytes, mac: str = "02:11:22:33:44:55", *, counter: int = 1, rssi_dbm: int = -50, fcs: bool = True
) -> bytes:
    """Radiotap (flags, antenna signal) + beacon + SSID element + the ASTM vendor element."""
    header = b"\x80\x00\x00\x00" + b"\xff" * 6 + mac_bytes(mac) * 2 + b"\x10\x00"
    fixed = b"\x00" * 8 + b"\x64\x00\x01\x04"
    ssid = b"\x00\x04test"
    vendor_body = b"\xfa\x0b\xbc\x0d" + bytes([counter]) + payload
    frame = header + fixed + ssid + bytes([221, len(vendor_body)]) + vendor_body
    flags = 0x10 if fcs else 0x00
    if fcs:
        frame += struct.pack("<I", zlib.crc32(frame))
    radiotap = struct.pack("<BBHIBb", 0, 0, 10, 0x00000022, flags, rssi_dbm)  # flags, antenna signal
    return radiotap + frame


def wifi_nan(payload: bytes, mac: str = "02:11:22:33:44:66", *, counter: int = 1) -> bytes:
    """Radiotap (no fields) + NAN service discovery frame with the Open Drone ID service info."""
    header = (
        b"\xd0\x00\x00\x00"
        + b"\x51\x6f\x9a\x01\x00\x00"
        + mac_bytes(mac)
        + b"\x50\x6f\x9a\x01\x01\x00"
        + b"\x00\x00"
    )
    info = bytes([counter]) + payload
    descriptor = bytes.fromhex("8869199d9209") + b"\x01\x00\x10" + bytes([len(info)]) + info
    attribute = b"\x03" + struct.pack("<H", len(descriptor)) + descriptor
    action = b"\x04\x09\x50\x6f\x9a\x13" + attribute
    return struct.pack("<BBHI", 0, 0, 8, 0) + header + action


def _ad_odid(payload: bytes, counter: int) -> bytes:
    body = b"\x16\xfa\xff\x0d" + bytes([counter]) + payload
    return bytes([len(body)]) + body


def ble_legacy_pdu(payload: bytes, address: str = "c0:11:22:33:44:55", *, counter: int = 1) -> bytes:
    """ADV_NONCONN_IND: AdvA (little-endian) + flags AD + the Remote ID service data AD."""
    body = mac_bytes(address)[::-1] + b"\x02\x01\x06" + _ad_odid(payload, counter)
    return bytes([0x42, len(body)]) + body


def ble_extended_pdu(payload: bytes, address: str = "c0:11:22:33:44:77", *, counter: int = 1) -> bytes:
    """AUX_ADV_IND with AdvA and ADI in its extended header, then the service data AD."""
    ext = b"\x09" + mac_bytes(address)[::-1] + b"\x01\x10"
    body = bytes([len(ext)]) + ext + _ad_odid(payload, counter)
    return bytes([0x07, len(body)]) + body


def ble_ll(pdu: bytes, *, coded: bool = False, good_crc: bool = True) -> bytes:
    crc = ble_crc24(pdu)
    if not good_crc:
        crc = bytes([crc[0] ^ 0xFF]) + crc[1:]
    return struct.pack("<I", 0x8E89BED6) + (b"\x00" if coded else b"") + pdu + crc


def nordic_ble(pdu: bytes, *, rssi_dbm: int = -60, coded: bool = False, crc_ok: bool = True) -> bytes:
    """nRF Sniffer protocol 3 header around an advertising-channel packet."""
    packet = ble_ll(pdu, coded=coded, good_crc=crc_ok)
    flags = (0x01 if crc_ok else 0x00) | ((2 if coded else 0) << 4)
    header = struct.pack("<BBBBHI", 10, flags, 37, -rssi_dbm, 0, 0)
    return struct.pack("<BHBHB", 3, len(header) + len(packet), 3, 1, 2) + header + packet


def ble_with_phdr(pdu: bytes, *, rssi_dbm: int = -70, crc_valid: bool = True) -> bytes:
    flags = 0x0001 | 0x0002 | 0x0400 | (0x0800 if crc_valid else 0)
    return struct.pack("<BbbBIH", 37, rssi_dbm, -100, 0, 0x8E89BED6, flags) + ble_ll(pdu, good_crc=crc_valid)
