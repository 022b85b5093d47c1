from __future__ import annotations

import pytest

from raqib.model import Sensor
from raqib.sensors.adsb.beast import (
    MODE_AC,
    MODE_S_LONG,
    MODE_S_SHORT,
    BeastDecoder,
    BeastUnframer,
    encode_frame,
)
from raqib.sensors.base import DecodeError, FramingError, TruncatedError, UnsupportedError
from tests.sensors.adsb.frames import (
    ALL_CALL,
    IDENT_KLM1023,
    POSITION_EVEN,
    POSITION_LAT_DEG,
    POSITION_LON_DEG,
    POSITION_ODD,
    VELOCITY_GROUND,
    corrupt,
)

RECEIVER = Sensor(sensor_id="rx-1", kind="adsb", lat_deg=52.0, lon_deg=4.4, alt_m=0.0)
TICKS_PER_S = 12_000_000


def long_frame(frame_hex: str, ticks: int, signal: int = 0x80) -> bytes:
    return encode_frame(MODE_S_LONG, ticks, signal, bytes.fromhex(frame_hex))


def test_a_hand_written_frame_with_escapes_unframes() -> None:
    # type '2', timestamp 00 00 00 1A 00 01 (1A doubled), signal 1A (doubled), 7-byte payload.
    wire = bytes.fromhex("1a32 0000001a1a0001 1a1a 5d484fdea248f5")
    frames, problems = BeastUnframer().feed_bytes(wire)
    assert problems == []
    [frame] = frames
    assert frame.kind == MODE_S_SHORT
    assert frame.mlat_ticks == 0x1A0001
    assert frame.signal == 0x1A
    assert frame.payload.hex().upper() == ALL_CALL
    assert encode_frame(MODE_S_SHORT, 0x1A0001, 0x1A, bytes.fromhex(ALL_CALL)) == wire


def test_frame_lengths_follow_the_type_byte() -> None:
    wire = (
        encode_frame(MODE_AC, 1, 2, b"\x12\x34")
        + encode_frame(MODE_S_SHORT, 2, 3, bytes.fromhex(ALL_CALL))
        + long_frame(IDENT_KLM1023, 3)
    )
    frames, problems = BeastUnframer().feed_bytes(wire)
    assert problems == []
    assert [(f.kind, len(f.payload), f.mlat_ticks) for f in frames] == [
        (MODE_AC, 2, 1),
        (MODE_S_SHORT, 7, 2),
        (MODE_S_LONG, 14, 3),
    ]
    assert [f.offset for f in frames] == [0, 11, 11 + 16]


def test_a_frame_split_at_every_byte_still_decodes() -> None:
    wire = long_frame(IDENT_KLM1023, 0x1A1A1A1A1A1A, 0x1A)  # escapes everywhere
    for cut in range(1, len(wire)):
        unframer = BeastUnframer()
        first, _ = unframer.feed_bytes(wire[:cut])
        second, problems = unframer.feed_bytes(wire[cut:])
        assert problems == []
        assert first == [] and len(second) == 1, cut
        assert second[0].payload.hex().upper() == IDENT_KLM1023


def test_truncated_frame_is_reported_and_the_next_one_is_kept() -> None:
    good = long_frame(IDENT_KLM1023, 100)
    cut = good[:12]  # header and half a payload, then a new frame starts
    frames, problems = BeastUnframer("feed-x").feed_bytes(good + cut + good)
    assert len(frames) == 2
    assert [type(p) for p in problems] == [TruncatedError]
    assert problems[0].offset == len(good)
    assert "feed-x" in str(problems[0]) and "cut short" in problems[0].reason


def test_junk_before_a_frame_is_reported_once_and_skipped() -> None:
    junk = b"hello, not beast \x1a\x1a at all"
    frames, problems = BeastUnframer().feed_bytes(junk + long_frame(IDENT_KLM1023, 5))
    assert len(frames) == 1
    assert [type(p) for p in problems] == [FramingError]
    assert problems[0].offset == 0


def test_unknown_type_byte_is_reported_and_resynchronised() -> None:
    wire = b"\x1a\x39" + b"\x00" * 9 + long_frame(IDENT_KLM1023, 5)
    frames, problems = BeastUnframer().feed_bytes(wire)
    assert len(frames) == 1
    assert [type(p) for p in problems] == [UnsupportedError]
    assert "0x39" in problems[0].reason


def test_status_frames_are_skipped_silently() -> None:
    unframer = BeastUnframer()
    wire = b"\x1a\x34" + b"\x01\x02\x03\x1a\x1a\x04" + long_frame(IDENT_KLM1023, 5)
    frames, problems = unframer.feed_bytes(wire)
    assert problems == [] and len(frames) == 1
    assert unframer.status_frames == 1


def test_decoder_turns_a_beast_stream_into_detections() -> None:
    errors: list[DecodeError] = []
    decoder = BeastDecoder(RECEIVER, on_error=errors.append)
    start = 5 * TICKS_PER_S
    wire = (
        long_frame(IDENT_KLM1023, start)  # another aircraft: no detection
        + long_frame(POSITION_ODD, start + 1 * TICKS_PER_S)
        + encode_frame(MODE_AC, start + 1 * TICKS_PER_S + 10, 0, b"\x00\x00")
        + long_frame(POSITION_EVEN, start + 3 * TICKS_PER_S)
    )
    detections = decoder.decode(wire, receive_time_s=1000.0)
    assert errors == []
    [detection] = detections
    assert detection.identity == "40621D"
    assert detection.lat_deg == pytest.approx(POSITION_LAT_DEG, abs=1e-4)
    assert detection.lon_deg == pytest.approx(POSITION_LON_DEG, abs=1e-4)
    assert detection.alt_m == pytest.approx(38000 * 0.3048)
    assert detection.sensor_id == "rx-1"
    # The counter anchors to the first frame's receive time; the fix is 3 s later on it.
    assert detection.time_s == pytest.approx(1003.0)
    assert detection.time_source == "sensor"
    assert decoder.frames_by_type == {MODE_S_LONG: 3, MODE_AC: 1}
    assert decoder.stats.records == 4


def test_zero_counter_falls_back_to_receive_time() -> None:
    decoder = BeastDecoder(RECEIVER)
    decoder.decode(long_frame(POSITION_ODD, 0), 50.0)
    [detection] = decoder.decode(long_frame(POSITION_EVEN, 0), 52.0)
    assert detection.time_s == 52.0
    assert detection.time_source == "receive"


def test_crc_failure_is_reported_with_its_offset() -> None:
    errors: list[DecodeError] = []
    decoder = BeastDecoder(RECEIVER, on_error=errors.append)
    good = long_frame(VELOCITY_GROUND, 7)
    decoder.decode(good + long_frame(corrupt(VELOCITY_GROUND), 8), 0.0)
    [error] = errors
    assert error.offset == len(good)
    assert "CRC" in error.reason and "DF17" in error.reason
    assert decoder.stats.errors_by_kind == {"ChecksumError": 1}


def test_a_frame_delivered_twice_is_used_once() -> None:
    decoder = BeastDecoder(RECEIVER)
    odd, even = long_frame(POSITION_ODD, 12_000), long_frame(POSITION_EVEN, 24_000)
    detections = decoder.decode(odd + odd + even + even, 0.0)
    assert len(detections) == 1
    assert decoder.duplicates == 2
