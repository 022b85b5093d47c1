from __future__ import annotations

import calendar

import pytest

from raqib.model import Sensor
from raqib.sensors.adsb.accuracy import KT_MS
from raqib.sensors.adsb.messages import Altitude, DecodedPosition, Identification, Squawk, Velocity
from raqib.sensors.adsb.sbs import SbsDecoder, SbsLineError, parse_sbs_line
from raqib.sensors.base import DecodeError

RECEIVER = Sensor(sensor_id="sbs-1", kind="adsb", lat_deg=59.8, lon_deg=30.3, alt_m=10.0)
DAY_S = calendar.timegm((2018, 4, 3, 0, 0, 0))
LINES = [
    "MSG,1,1,1,71BE34,1,2018/04/03,19:02:28.000,2018/04/10,21:24:39.436,AAR542  ,,,,,,,,,,,",
    "MSG,4,1,1,71BE34,1,2018/04/03,19:02:28.426,2018/04/10,21:24:39.439,,,514,65,,,-64,,,,,0",
    "MSG,3,1,1,71BE34,1,2018/04/03,19:02:28.951,2018/04/10,21:24:39.440,,35000,,,59.73459,31.99796,,,,,,0",
    "MSG,6,1,1,71BE34,1,2018/04/03,19:02:29.100,2018/04/10,21:24:39.441,,,,,,,,1017,0,0,0,",
    "STA,,1,1,71BE34,1,2018/04/03,19:02:29.200,2018/04/10,21:24:39.442,RM",
]
STREAM = "".join(line + "\r\n" for line in LINES).encode()


def test_position_line_gives_a_detection_with_the_lines_time() -> None:
    errors: list[DecodeError] = []
    decoder = SbsDecoder(RECEIVER, on_error=errors.append)
    [detection] = decoder.decode(STREAM, receive_time_s=0.0)
    assert errors == []
    assert detection.identity == "71BE34" and detection.callsign == "AAR542"
    assert (detection.lat_deg, detection.lon_deg) == (59.73459, 31.99796)
    assert detection.alt_m == pytest.approx(35_000 * 0.3048)
    assert detection.time_s == pytest.approx(DAY_S + 19 * 3600 + 2 * 60 + 28.951)
    assert detection.time_source == "sensor"
    assert detection.vel_u_ms == pytest.approx(-64 * 0.3048 / 60)
    assert detection.vel_n_ms == pytest.approx(514 * KT_MS * 0.42262, rel=1e-4)  # cos 65°
    assert decoder.stats.records == 5 and decoder.skipped == 1
    state = decoder.table.get("71BE34")
    assert state is not None and state.squawk == "1017"


def test_parse_reads_every_field_present() -> None:
    message = parse_sbs_line(LINES[2])
    assert message is not None and message.transmission == 3
    assert message.report.items == (Altitude(35_000), DecodedPosition(59.73459, 31.99796, 35_000))
    velocity = parse_sbs_line(LINES[1])
    assert velocity is not None and velocity.report.items == (Velocity(514.0, 65.0, -64.0),)
    ident = parse_sbs_line(LINES[0])
    assert ident is not None and ident.report.items == (Identification("AAR542"),)
    squawk = parse_sbs_line(LINES[3])
    assert squawk is not None and squawk.report.items == (Squawk("1017"),)
    assert parse_sbs_line(LINES[4]) is None


def test_short_lines_are_read_by_position() -> None:
    message = parse_sbs_line("MSG,5,1,1,4CA2D6,1,2018/04/03,19:02:28.000,2018/04/03,19:02:28.000,,12000")
    assert message is not None and message.report.items == (Altitude(12_000),)


def test_line_without_time_takes_the_receive_time() -> None:
    decoder = SbsDecoder(RECEIVER)
    line = "MSG,3,,,4CA2D6,,,,,,,12000,,,59.9,30.5,,,,,,\n"
    [detection] = decoder.decode(line.encode(), 123.0)
    assert detection.time_s == 123.0 and detection.time_source == "receive"


def test_local_time_feed() -> None:
    message = parse_sbs_line(LINES[2], utc_offset_s=3 * 3600)
    assert message is not None and message.time_s == pytest.approx(DAY_S + 16 * 3600 + 2 * 60 + 28.951)


def test_surface_position_takes_the_receivers_altitude() -> None:
    decoder = SbsDecoder(RECEIVER)
    [detection] = decoder.decode(b"MSG,2,1,1,4CA2D6,1,,,,,,,12,90,59.8001,30.3001,,,,,,-1\n", 0.0)
    assert detection.alt_m == 10.0
    assert detection.vel_e_ms == pytest.approx(12 * KT_MS)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("Total processed 13954 messages", "not an SBS-1 message"),
        ("MSG,9,1,1,4CA2D6,1,,,,,,,,,,,,,,,,", "transmission type"),
        ("MSG,3,1,1,XYZ123,1,,,,,,,,,,,,,,,,", "hex ident"),
        ("MSG,3,1,1,4CA2D6,1,,,,,,abc,,,,,,,,,,", "altitude"),
        ("MSG,3,1,1,4CA2D6,1,,,,,,,,,95.0,30.0,,,,,,", "latitude"),
        ("MSG,3,1,1,4CA2D6,1,,,,,,,,,59.0,,,,,,,", "latitude without longitude"),
        ("MSG,6,1,1,4CA2D6,1,,,,,,,,,,,,8888,,,,", "squawk"),
        ("MSG,3", "at least 5"),
        ("MSG,3,1,1,4CA2D6,1,,,,,,nan,,,,,,,,,,", "out of range"),
    ],
)
def test_malformed_lines_are_rejected_with_a_reason(line: str, why: str) -> None:
    with pytest.raises(SbsLineError, match=why):
        parse_sbs_line(line)


def test_bad_lines_are_reported_with_line_and_offset_and_skipped() -> None:
    errors: list[DecodeError] = []
    decoder = SbsDecoder(RECEIVER, on_error=errors.append)
    bad = b"MSG,3,1,1,4CA2D6,1,,,,,,abc,,,,,,,,,,\r\n"
    detections = decoder.decode(bad + STREAM, 0.0)
    assert len(detections) == 1
    [error] = errors
    assert error.offset == 0 and "line 1" in error.reason and "altitude" in error.reason


def test_a_line_split_across_reads_still_parses() -> None:
    for cut in range(1, len(STREAM)):
        decoder = SbsDecoder(RECEIVER)
        detections = decoder.decode(STREAM[:cut], 0.0) + decoder.decode(STREAM[cut:], 0.0)
        assert len(detections) == 1, cut
        assert decoder.stats.errors == 0


def test_a_line_repeated_but_for_its_logged_time_is_used_once() -> None:
    decoder = SbsDecoder(RECEIVER)
    repeat = LINES[2].replace("21:24:39.440", "21:24:39.999")
    detections = decoder.decode((LINES[2] + "\n" + repeat + "\n").encode(), 0.0)
    assert len(detections) == 1 and decoder.duplicates == 1


def test_an_endless_line_is_reported_and_dropped() -> None:
    errors: list[DecodeError] = []
    decoder = SbsDecoder(RECEIVER, on_error=errors.append, max_line_bytes=100)
    decoder.decode(b"x" * 150, 0.0)
    decoder.decode(b"y" * 150 + b"\n" + STREAM, 0.0)
    assert len(errors) == 1 and "longer than 100 bytes" in errors[0].reason
    assert decoder.stats.detections == 1
