"""Test vectors: published example frames, and a small encoder of valid DF17 frames (CRC-24
parity, CPR positions, velocities, operational status) written from the ICAO Annex 10 / DO-260B
bit layouts, so the decoders can be tested on aircraft of our own making."""

from __future__ import annotations

import math

# Published examples ("The 1090 MHz Riddle", J. Sun, and ICAO/DO-260 worked examples).
IDENT_KLM1023 = "8D4840D6202CC371C32CE0576098"  # 4840D6, KLM1023
POSITION_ODD = "8D40621D58C386435CC412692AD6"  # 40621D, 38000 ft, odd
POSITION_EVEN = "8D40621D58C382D690C8AC2863A7"  # 40621D, 38000 ft, even; newest of the pair ->
POSITION_LAT_DEG, POSITION_LON_DEG = 52.2572, 3.91937
VELOCITY_GROUND = "8D485020994409940838175B284F"  # 485020: 159.20 kt, 182.88 deg, -832 ft/min
VELOCITY_AIRSPEED = "8DA05F219B06B6AF189400CBC33F"  # A05F21: heading 243.98, TAS 375 kt
SURFACE_ODD = "8C4841753A9A153237AEF0F275BE"  # 484175 on the ground near Amsterdam (52.32 N 4.73 E)
ALL_CALL = "5D484FDEA248F5"  # DF11 from 484FDE

_GENERATOR = 0x1FFF409
CPR_BITS = 17


def crc24(data: bytes) -> int:
    """Mode S CRC-24 remainder of ``data`` (bitwise long division by the generator)."""
    remainder = 0
    for byte in data:
        remainder ^= byte << 16
        for _ in range(8):
            remainder <<= 1
            if remainder & 0x1000000:
                remainder ^= _GENERATOR
    return remainder & 0xFFFFFF


def df17(icao: int, me: int, capability: int = 5) -> str:
    """A DF17 extended squitter from a 24-bit address and a 56-bit ME field, parity appended."""
    head = ((17 << 3) | capability).to_bytes(1, "big") + icao.to_bytes(3, "big") + me.to_bytes(7, "big")
    return (head + crc24(head).to_bytes(3, "big")).hex().upper()


def corrupt(frame_hex: str, bit: int = 40) -> str:
    value = int(frame_hex, 16) ^ (1 << bit)
    return f"{value:0{len(frame_hex)}X}"


def _nl(lat_deg: float) -> int:
    if lat_deg == 0:
        return 59
    if abs(lat_deg) == 87:
        return 2
    if abs(lat_deg) > 87:
        return 1
    a = 1 - math.cos(math.pi / 30)
    b = math.cos(math.pi / 180 * abs(lat_deg)) ** 2
    return math.floor(2 * math.pi / math.acos(1 - a / b))


def cpr_encode(lat_deg: float, lon_deg: float, odd: bool) -> tuple[int, int]:
    i = 1 if odd else 0
    dlat = 360.0 / (60 - i)
    scale = 1 << CPR_BITS
    yz = math.floor(scale * (lat_deg % dlat) / dlat + 0.5)
    rlat = dlat * (yz / scale + math.floor(lat_deg / dlat))
    dlon = 360.0 / max(_nl(rlat) - i, 1)
    xz = math.floor(scale * (lon_deg % dlon) / dlon + 0.5)
    return yz & (scale - 1), xz & (scale - 1)


def _altitude_code(altitude_ft: float) -> int:
    n = round((altitude_ft + 1000) / 25)
    return ((n & 0x7F0) << 1) | 0x010 | (n & 0x00F)


def airborne_position(
    icao: int, lat_deg: float, lon_deg: float, altitude_ft: float, odd: bool, type_code: int = 11
) -> str:
    """BDS 0,5: type code 9-18 (barometric altitude) or 20-22 (GNSS height), both in the 25 ft
    altitude code, as rs1090 and dump1090-fa read them."""
    lat_cpr, lon_cpr = cpr_encode(lat_deg, lon_deg, odd)
    altitude = _altitude_code(altitude_ft)
    me = (type_code << 51) | (altitude << 36) | (int(odd) << 34) | (lat_cpr << 17) | lon_cpr
    return df17(icao, me)


def ground_velocity(
    icao: int, east_kt: int, north_kt: int, vertical_fpm: int, geo_minus_baro_ft: int = 0, nac_v: int = 2
) -> str:
    """BDS 0,9 subtype 1 (subsonic ground speed)."""
    me = (19 << 51) | (1 << 48) | (nac_v << 43)
    me |= (int(east_kt < 0) << 42) | ((abs(east_kt) + 1) << 32)
    me |= (int(north_kt < 0) << 31) | ((abs(north_kt) + 1) << 21)
    me |= (int(vertical_fpm < 0) << 19) | ((abs(vertical_fpm) // 64 + 1) << 10)
    if geo_minus_baro_ft:
        me |= (int(geo_minus_baro_ft < 0) << 7) | (abs(geo_minus_baro_ft) // 25 + 1)
    return df17(icao, me)


_CHARSET = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"


def identification(icao: int, callsign: str, category: int = 3, type_code: int = 4) -> str:
    """BDS 0,8: type code 4 (set A: light to heavy, rotorcraft) or 3 (set B: glider, UAV = 6...),
    category 0-7."""
    me = (type_code << 51) | (category << 48)
    for index, char in enumerate(callsign.ljust(8)[:8]):
        me |= _CHARSET.index(char) << (42 - 6 * index)
    return df17(icao, me)


def operational_status(icao: int, nac_p: int, version: int = 2, nic_a: int = 0, gva: int = 2) -> str:
    """BDS 6,5 airborne (type code 31, subtype 0)."""
    me = (31 << 51) | (version << 13) | (nic_a << 12) | (nac_p << 8) | (gva << 6)
    return df17(icao, me)
