"""The Bluetooth LE link-layer CRC (24 bits), for captures that do not say whether it held."""

from __future__ import annotations


def _crc24_table() -> tuple[int, ...]:
    # BLE CRC: polynomial x^24+x^10+x^9+x^6+x^4+x^3+x+1, bits shifted in least significant first,
    # so the table works on the bit-reversed polynomial.
    reversed_poly = 0xDA6000
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ reversed_poly if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC24_TABLE = _crc24_table()
_ADVERTISING_CRC_INIT_REVERSED = 0xAAAAAA  # 0x555555, bit-reversed


def ble_crc24(pdu: bytes, init_reversed: int = _ADVERTISING_CRC_INIT_REVERSED) -> bytes:
    """The 3 CRC bytes as they follow an advertising-channel PDU on the air (and in captures)."""
    crc = init_reversed
    for byte in pdu:
        crc = (crc >> 8) ^ _CRC24_TABLE[(crc ^ byte) & 0xFF]
    return crc.to_bytes(3, "little")
