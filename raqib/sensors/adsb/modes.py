"""Mode S messages decoded by rs1090 (MIT), translated into typed reports at this one boundary.

rs1090 checks the CRC of extended squitters (DF17/18) and answers None when it fails; it
panics (a ``BaseException`` from Rust) on text that is not an even number of hex digits, so
every frame is checked here first. Its dictionaries never leave this module.

CPR positions are decoded by rs1090 too: globally from an even/odd pair
(:func:`cpr_global`), or locally against a reference position (:func:`cpr_local`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import rs1090

from raqib.sensors.adsb.messages import (
    AircraftReport,
    Altitude,
    CprPosition,
    Identification,
    Quality,
    ReportItem,
    Squawk,
    Velocity,
)
from raqib.sensors.base import DecodeError

_FRAME_HEX = re.compile(r"[0-9A-Fa-f]{14}|[0-9A-Fa-f]{28}")
SHORT_FRAME_BYTES = 7
LONG_FRAME_BYTES = 14

# DF18 control fields whose address is taken as an ICAO 24-bit address: CF 0 (ADS-B from a
# non-transponder device) and CF 6 (ADS-R rebroadcast). The others carry anonymous addresses or
# track-file numbers, shown with a "~" prefix as dump1090 does, so they never merge with an ICAO.
_DF18_ICAO_CONTROL = frozenset({"ADSB_ES_NT", "TISB_ADSB"})


class ChecksumError(DecodeError):
    """A Mode S frame whose parity does not check (or that rs1090 cannot decode at all)."""


def is_frame_hex(text: str) -> bool:
    """True for 14 or 28 hex digits: a short (56-bit) or long (112-bit) Mode S frame."""
    return _FRAME_HEX.fullmatch(text) is not None


def downlink_format(frame_hex: str) -> int:
    """The DF field of a frame (DF24 and above share the first two bits)."""
    df = int(frame_hex[:2], 16) >> 3
    return 24 if df >= 24 else df


def _call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call into rs1090, turning a Rust panic into None (and keeping Ctrl-C and exit working)."""
    try:
        return function(*args, **kwargs)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException:  # pyo3's PanicException derives from BaseException
        return None


def decode_frames(frames_hex: Sequence[str]) -> list[AircraftReport | None]:
    """Decode many frames in one rs1090 call. None where a frame fails its CRC or is not a frame."""
    valid = [i for i, text in enumerate(frames_hex) if is_frame_hex(text)]
    results: list[AircraftReport | None] = [None] * len(frames_hex)
    if not valid:
        return results
    batch = [frames_hex[i] for i in valid]
    decoded = _call(rs1090.decode, batch)
    if not isinstance(decoded, list) or len(decoded) != len(batch):
        decoded = [_call(rs1090.decode, text) for text in batch]
    for index, text, message in zip(valid, batch, decoded, strict=True):
        if isinstance(message, Mapping):
            results[index] = report_from_rs1090(message, text)
    return results


def report_from_rs1090(message: Mapping[str, Any], frame_hex: str) -> AircraftReport | None:
    """One rs1090 dictionary as a typed report (None when it names no aircraft)."""
    icao = message.get("icao24")
    if not isinstance(icao, str):
        return None
    try:
        df = int(message.get("df", -1))
    except (TypeError, ValueError):
        return None
    icao = icao.upper()
    items: list[ReportItem] = []
    if df in (17, 18):
        if df == 18 and message.get("tisb") not in _DF18_ICAO_CONTROL:
            icao = "~" + icao
        _extended_squitter(message, frame_hex, items)
        return AircraftReport(icao, True, tuple(items), df)
    altitude = message.get("altitude")
    if df in (0, 4, 16, 20) and isinstance(altitude, int):
        items.append(Altitude(altitude))
    squawk = message.get("squawk")
    if df in (5, 21) and isinstance(squawk, str):
        items.append(Squawk(squawk))
    identity = message.get("bds20")
    if df in (20, 21) and isinstance(identity, Mapping):
        callsign = _callsign(identity.get("callsign"))
        if callsign is not None:
            items.append(Identification(callsign))
    return AircraftReport(icao, False, tuple(items), df)


def _extended_squitter(message: Mapping[str, Any], frame_hex: str, items: list[ReportItem]) -> None:
    bds = message.get("bds")
    if bds == "05":
        items.append(
            CprPosition(
                frame_hex=frame_hex,
                odd=message.get("parity") == "odd",
                surface=False,
                type_code=_int(message.get("tc")) or 0,
                altitude_ft=_int(message.get("altitude")),
                gnss_altitude=message.get("source") not in (None, "barometric"),
                nuc_p=_int(message.get("NUCp")),
                nic_b=_int(message.get("NICb")),
            )
        )
    elif bds == "06":
        items.append(
            CprPosition(
                frame_hex=frame_hex,
                odd=message.get("parity") == "odd",
                surface=True,
                type_code=_int(message.get("tc")) or 0,
                nuc_p=_int(message.get("NUCp")),
                groundspeed_kt=_float(message.get("groundspeed")),
                track_deg=_float(message.get("track")),
            )
        )
    elif bds == "08":
        items.append(Identification(_callsign(message.get("callsign")), _str(message.get("wake_vortex"))))
    elif bds == "09":
        items.append(
            Velocity(
                groundspeed_kt=_float(message.get("groundspeed")),
                track_deg=_float(message.get("track")),
                vertical_rate_fpm=_float(message.get("vertical_rate")),
                geo_minus_baro_ft=_int(message.get("geo_minus_baro")),
                nac_v=_int(message.get("NACv")),
            )
        )
    elif bds == "61":
        squawk = message.get("squawk")
        if isinstance(squawk, str):
            items.append(Squawk(squawk))
    elif bds == "62":
        items.append(Quality(nac_p=_int(message.get("NACp"))))
    elif bds == "65":
        items.append(
            Quality(
                nac_p=_int(message.get("NACp")),
                nic_a=_int(message.get("NICa")),
                gva=_int(message.get("GVA")),
                version=_int(message.get("version")),
            )
        )


def cpr_global(older_hex: str, newer_hex: str, dt_s: float) -> tuple[float, float] | None:
    """Globally decoded position of the newer of an even/odd pair sent ``dt_s`` apart."""
    decoded = _call(rs1090.decode, [older_hex, newer_hex], [0.0, max(dt_s, 0.0)])
    if not isinstance(decoded, list) or len(decoded) != 2:
        return None
    return _lat_lon(decoded[1])


def cpr_local(frame_hex: str, ref_lat_deg: float, ref_lon_deg: float) -> tuple[float, float] | None:
    """Locally decoded position against a reference within half a CPR zone (180 NM airborne,
    45 NM on the surface)."""
    return _lat_lon(_call(rs1090.decode, frame_hex, reference=(ref_lat_deg, ref_lon_deg)))


def _lat_lon(message: Any) -> tuple[float, float] | None:
    if not isinstance(message, Mapping):
        return None
    lat, lon = _float(message.get("latitude")), _float(message.get("longitude"))
    if lat is None or lon is None or not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    return lat, lon


def _callsign(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    callsign = value.strip(" _#")
    return callsign if callsign and "#" not in callsign else None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
