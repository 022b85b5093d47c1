from __future__ import annotations

import pytest

from raqib.model import Sensor
from raqib.sensors.adsb.raw import RawDecoder, RawLineError, parse_raw_line
from raqib.sensors.base import DecodeError
from tests.sensors.adsb.frames import (
    IDENT_KLM1023,
    POSITION_EVEN,
    POSITION_LAT_DEG,
    POSITION_LON_DEG,
    POSITION_ODD,
    corrupt,
)

RECEIVER = Sensor(sensor_id="raw-1", kind="adsb", lat_deg=52.0, lon_deg=4.4, alt_m=0.0)


def test_line_forms() -> None:
    assert parse_raw_line(f"*{IDENT_KLM1023};") == (IDENT_KLM1023, None)
    assert parse_raw_line(f"  {IDENT_KLM1023.lower()}  ") == (IDENT_KLM1023.lower(), None)
    assert parse_raw_line(f"@00000000ABCD{IDENT_KLM1023};") == (IDENT_KLM1023, 0xABCD)
    assert parse_raw_line("*7700;") == (None, None)  # Mode A/C


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("*8D4840D6202CC371C32CE05760ZZ;", "not a hex"),
        ("*8D4840D6202CC371C32CE057;", "24 hex digits"),
        ("@12G4567890AB" + IDENT_KLM1023, "MLAT timestamp"),
        ("@1234", "MLAT timestamp"),
        ("hello", "not a hex"),
    ],
)
def test_bad_lines_raise_with_a_reason(line: str, why: str) -> None:
    with pytest.raises(RawLineError, match=why):
        parse_raw_line(line)


def test_avr_stream_to_detection_with_receive_time() -> None:
    errors: list[DecodeError] = []
    decoder = RawDecoder(RECEIVER, on_error=errors.append)
    assert decoder.decode(f"*{POSITION_ODD};\n".encode(), 10.0) == []
    [detection] = decoder.decode(f"*{POSITION_EVEN};\n".encode(), 12.0)
    assert errors == []
    assert (detection.lat_deg, detection.lon_deg) == pytest.approx(
        (POSITION_LAT_DEG, POSITION_LON_DEG), abs=1e-4
    )
    assert detection.time_s == 12.0 and detection.time_source == "receive"


def test_mlat_lines_use_the_counter() -> None:
    decoder = RawDecoder(RECEIVER)
    stream = f"@000000000001{POSITION_ODD};\n@000001C9C381{POSITION_EVEN};\n".encode()  # +30e6 ticks
    [detection] = decoder.decode(stream, 500.0)
    assert detection.time_s == pytest.approx(502.5)
    assert detection.time_source == "sensor"


def test_bad_lines_are_reported_with_line_numbers_and_skipped() -> None:
    errors: list[DecodeError] = []
    decoder = RawDecoder(RECEIVER, on_error=errors.append)
    stream = f"*{POSITION_ODD};\nnot hex at all\n*{corrupt(IDENT_KLM1023)};\n\n*{POSITION_EVEN};\n".encode()
    detections = decoder.decode(stream, 0.0)
    assert len(detections) == 1
    assert [e.reason.split(":")[0] for e in errors] == ["line 2", "line 3"]
    assert errors[0].offset == len(POSITION_ODD) + 3
    assert "CRC" in errors[1].reason
    assert decoder.stats.errors_by_kind == {"FramingError": 1, "ChecksumError": 1}
