"""Property-based tests: any chunking of a valid stream gives the same detections, and no input
makes a decoder raise (every problem is reported instead)."""

from __future__ import annotations

import contextlib
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raqib.model import Detection, Sensor
from raqib.sensors.adsb.beast import MODE_AC, MODE_S_LONG, BeastDecoder, BeastUnframer, encode_frame
from raqib.sensors.adsb.clock import COUNTER_WRAP_TICKS, MlatClock
from raqib.sensors.adsb.raw import RawDecoder, RawLineError, parse_raw_line
from raqib.sensors.adsb.sbs import SbsDecoder, SbsLineError, parse_sbs_line
from raqib.sensors.base import DecodeError, Decoder
from tests.sensors.adsb.frames import (
    IDENT_KLM1023,
    POSITION_EVEN,
    POSITION_ODD,
    VELOCITY_GROUND,
    airborne_position,
    ground_velocity,
    identification,
    operational_status,
)

RECEIVER = Sensor(sensor_id="rx", kind="adsb", lat_deg=52.0, lon_deg=4.5, alt_m=0.0)
TICKS_PER_S = 12_000_000
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _frames() -> list[str]:
    frames = [IDENT_KLM1023, POSITION_ODD, VELOCITY_GROUND, POSITION_EVEN]
    for index in range(3):  # three aircraft of our own, flying east
        icao = 0x1A1A00 + index  # addresses full of bytes that need escaping
        frames.append(identification(icao, f"TST{index}"))
        frames.append(operational_status(icao, nac_p=9))
        for step in range(4):
            lat, lon = 52.1 + 0.1 * index, 4.2 + 0.01 * step
            frames.append(airborne_position(icao, lat, lon, 10_000 + 100 * index, odd=step % 2 == 1))
            frames.append(ground_velocity(icao, 300, 0, 0))
    return frames


FRAMES = _frames()
BEAST_STREAM = b"".join(
    encode_frame(MODE_S_LONG, 0x1A00001A0000 + i * TICKS_PER_S // 4, 0x1A, bytes.fromhex(frame))
    + encode_frame(MODE_AC, 0x1A00001A0000 + i * TICKS_PER_S // 4 + 1, 0, b"\x1a\x1a")
    for i, frame in enumerate(FRAMES)
)
RAW_STREAM = "".join(
    f"@{0x100 + i * TICKS_PER_S // 4:012X}{frame};\r\n" for i, frame in enumerate(FRAMES)
).encode()
SBS_STREAM = "".join(
    f"MSG,3,1,1,{0xABC000 + i:06X},1,2024/05/01,10:00:{i:02d}.500,2024/05/01,10:00:{i:02d}.600,,"
    f"{1000 * i},,,{52 + i / 100:.5f},{4.5 + i / 100:.5f},,,,,,0\r\n"
    "MSG,4,1,1,{0:06X},1,2024/05/01,10:00:{1:02d}.700,,,,,250,90,,,0,,,,,0\r\n".format(0xABC000 + i, i)
    for i in range(20)
).encode()

DECODERS: dict[str, tuple[type[Decoder], bytes]] = {
    "beast": (BeastDecoder, BEAST_STREAM),
    "raw": (RawDecoder, RAW_STREAM),
    "sbs": (SbsDecoder, SBS_STREAM),
}


def _make(name: str, errors: list[DecodeError] | None = None) -> Decoder:
    return DECODERS[name][0](RECEIVER, on_error=None if errors is None else errors.append)


def _decode_in_chunks(decoder: Decoder, stream: bytes, cuts: list[int]) -> list[Detection]:
    bounds = [0, *sorted(set(cuts)), len(stream)]
    detections: list[Detection] = []
    for start, end in itertools.pairwise(bounds):
        detections += decoder.decode(stream[start:end], 1_000.0)
    return detections


def test_the_streams_are_worth_testing() -> None:
    for name, (_, stream) in DECODERS.items():
        decoder = _make(name)
        detections = decoder.decode(stream, 1_000.0)
        assert len(detections) >= 8, name
        assert decoder.stats.errors == 0, (name, decoder.stats.last_error)


@pytest.mark.parametrize("name", sorted(DECODERS))
@FAST
@given(data=st.data())
def test_any_chunking_gives_the_same_detections(name: str, data: st.DataObject) -> None:
    stream = DECODERS[name][1]
    whole = _make(name).decode(stream, 1_000.0)
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=40))
    assert _decode_in_chunks(_make(name), stream, cuts) == whole


@pytest.mark.parametrize("name", sorted(DECODERS))
@FAST
@given(chunks=st.lists(st.binary(max_size=300), max_size=8))
def test_random_bytes_never_raise(name: str, chunks: list[bytes]) -> None:
    errors: list[DecodeError] = []
    decoder = _make(name, errors)
    for chunk in chunks:
        assert isinstance(decoder.decode(chunk, 0.0), list)
    assert all("decoder failed" not in error.reason for error in errors)
    assert decoder.stats.errors == len(errors)


@pytest.mark.parametrize("name", sorted(DECODERS))
@FAST
@given(data=st.data())
def test_damaged_streams_never_raise(name: str, data: st.DataObject) -> None:
    damaged = bytearray(DECODERS[name][1])
    for _ in range(data.draw(st.integers(1, 10))):
        position = data.draw(st.integers(0, len(damaged) - 1))
        action = data.draw(st.sampled_from(["flip", "drop", "insert"]))
        if action == "flip":
            damaged[position] ^= data.draw(st.integers(1, 255))
        elif action == "drop":
            del damaged[position]
        else:
            damaged[position:position] = data.draw(st.binary(min_size=1, max_size=5))
    errors: list[DecodeError] = []
    _make(name, errors).decode(bytes(damaged), 0.0)
    assert all("decoder failed" not in error.reason for error in errors)


@FAST
@given(junk=st.binary(max_size=200).filter(lambda b: 0x1A not in b), cut=st.integers(0, 40))
def test_beast_resynchronises_after_junk(junk: bytes, cut: int) -> None:
    unframer = BeastUnframer()
    frames, _ = unframer.feed_bytes(junk + BEAST_STREAM[:cut])
    more, _ = unframer.feed_bytes(BEAST_STREAM[cut:])
    expected, _ = BeastUnframer().feed_bytes(BEAST_STREAM)
    assert [f.payload for f in frames + more] == [f.payload for f in expected]


@FAST
@given(text=st.text(max_size=200))
def test_parsers_only_raise_their_own_error(text: str) -> None:
    for parse, error in ((parse_sbs_line, SbsLineError), (parse_raw_line, RawLineError)):
        with contextlib.suppress(error):
            parse(text)


@FAST
@given(
    start=st.integers(1, COUNTER_WRAP_TICKS - 1),
    steps=st.lists(st.integers(0, 20 * TICKS_PER_S), max_size=30),
)
def test_clock_follows_the_counter_across_the_wrap(start: int, steps: list[int]) -> None:
    clock = MlatClock()
    ticks = start
    expected_s = 100.0
    assert clock.time_of(ticks, 100.0)[0] == 100.0
    for step in steps:
        ticks = (ticks + step) % COUNTER_WRAP_TICKS
        expected_s += step / TICKS_PER_S
        time_s, source = clock.time_of(ticks, 100.0)
        if ticks:  # zero means "no counter": the receive time, and the clock is left alone
            assert source == "sensor"
            assert time_s == pytest.approx(expected_s, abs=1e-6)
