"""Property-based tests (Hypothesis): encode/decode round trips of every message type, any
bytes decode or are rejected cleanly, good data survives among bad, and the fuzz target runs."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.model import Sensor
from raqib.sensors.base import DecodeError
from raqib.sensors.capture import Frame
from raqib.sensors.remoteid import (
    RemoteIdDecoder,
    RemoteIdFrameDecoder,
    anchor_to_hour,
    decode,
    decode_message,
    find_payloads,
)
from raqib.sensors.remoteid.messages import (
    BasicId,
    Location,
    MessageError,
    MessagePack,
    OperatorId,
    SelfId,
    System,
    decode_message_pack,
)
from raqib.sensors.remoteid.transports import SUPPORTED_LINKTYPES
from tests.fuzz import run_fuzz_target
from tests.sensors.remoteid import encoder

SENSOR = Sensor(sensor_id="rid-p", kind="remoteid", lat_deg=0.0, lon_deg=0.0, alt_m=0.0)
PRINTABLE = st.text(alphabet=string.ascii_letters + string.digits + "-_. ", min_size=1)
lat_e7 = st.integers(-900_000_000, 900_000_000)
lon_e7 = st.integers(-1_800_000_000, 1_800_000_000)
altitude = st.none() | st.integers(1, 65535).map(lambda code: code * 0.5 - 1000.0)


@st.composite
def locations(draw: st.DrawFn) -> dict[str, object]:
    lat, lon = draw(lat_e7), draw(lon_e7)
    if lat == 0 and lon == 0:
        lat = 1
    slow = st.integers(0, 254).map(lambda code: code * 0.25)
    fast = st.integers(1, 254).map(lambda code: code * 0.75 + 63.75)
    return {
        "lat_deg": lat * 1e-7,
        "lon_deg": lon * 1e-7,
        "status": draw(st.integers(0, 15)),
        "height_type": draw(st.integers(0, 1)),
        "direction_deg": draw(st.none() | st.integers(0, 359).map(float)),
        "speed_h_ms": draw(st.none() | slow | fast),
        "speed_v_ms": draw(st.none() | st.integers(-124, 124).map(lambda code: code * 0.5)),
        "alt_pressure_m": draw(altitude),
        "alt_geodetic_m": draw(altitude),
        "height_m": draw(altitude),
        "horizontal_accuracy": draw(st.integers(0, 15)),
        "vertical_accuracy": draw(st.integers(0, 15)),
        "baro_accuracy": draw(st.integers(0, 15)),
        "speed_accuracy": draw(st.integers(0, 15)),
        "timestamp_tenths": draw(st.none() | st.integers(0, 36000)),
    }


@given(locations())
def test_location_round_trip(fields: dict[str, object]) -> None:
    decoded = decode_message(encoder.location(**fields))  # type: ignore[arg-type]
    assert isinstance(decoded, Location)
    for name, value in fields.items():
        assert getattr(decoded, name) == pytest.approx(value, abs=1e-9), name


@given(
    lat=lat_e7.filter(bool),
    lon=lon_e7,
    count=st.integers(0, 65535),
    radius=st.integers(0, 255),
    ceiling=altitude,
    floor=altitude,
    op_alt=altitude,
    category=st.integers(0, 15),
    eu_class=st.integers(0, 15),
    loc_type=st.integers(0, 3),
    class_type=st.integers(0, 7),
    seconds=st.integers(0, 2**32 - 1),
)
def test_system_round_trip(
    lat: int,
    lon: int,
    count: int,
    radius: int,
    ceiling: float | None,
    floor: float | None,
    op_alt: float | None,
    category: int,
    eu_class: int,
    loc_type: int,
    class_type: int,
    seconds: int,
) -> None:
    raw = encoder.system(
        lat * 1e-7,
        lon * 1e-7,
        operator_location_type=loc_type,
        classification_type=class_type,
        area_count=count,
        area_radius_m=radius * 10.0,
        area_ceiling_m=ceiling,
        area_floor_m=floor,
        eu_category=category,
        eu_class=eu_class,
        operator_alt_m=op_alt,
        seconds_2019=seconds,
    )
    decoded = decode_message(raw)
    assert isinstance(decoded, System)
    assert decoded.operator_lat_deg == pytest.approx(lat * 1e-7, abs=1e-9)
    assert decoded.operator_lon_deg == pytest.approx(lon * 1e-7, abs=1e-9)
    stamp = 1_546_300_800 + seconds if seconds else None
    radius_m = radius * 10.0
    expected = (2, loc_type, class_type, count, radius_m, ceiling, floor, category, eu_class, op_alt, stamp)
    assert expected == (
        decoded.version, decoded.operator_location_type, decoded.classification_type, decoded.area_count,
        decoded.area_radius_m, decoded.area_ceiling_m, decoded.area_floor_m, decoded.eu_category,
        decoded.eu_class, decoded.operator_alt_m, decoded.timestamp_unix_s,
    )  # fmt: skip


@given(
    text=PRINTABLE.filter(lambda t: len(t) <= 20),
    id_type=st.sampled_from([0, 1, 2]),
    ua_type=st.integers(0, 15),
)
def test_text_messages_round_trip(text: str, id_type: int, ua_type: int) -> None:
    assert decode_message(encoder.basic_id(text, id_type, ua_type)) == BasicId(2, id_type, ua_type, text)
    assert decode_message(encoder.operator_id(text)) == OperatorId(2, 0, text)
    assert decode_message(encoder.self_id(text, 1)) == SelfId(2, 1, text)


@given(st.binary(min_size=25, max_size=25))
def test_any_25_bytes_decode_to_sane_values_or_are_rejected(raw: bytes) -> None:
    try:
        message = decode(raw)
    except MessageError as exc:
        assert 0 <= exc.offset < 25 and exc.kind in {"truncated", "framing", "unsupported", "invalid"}
        return
    if isinstance(message, Location):
        assert message.lat_deg is None or -90 <= message.lat_deg <= 90
        assert message.speed_h_ms is None or 0 <= message.speed_h_ms <= 254.25
        assert message.direction_deg is None or 0 <= message.direction_deg <= 360
    for text in (
        getattr(message, "uas_id", ""),
        getattr(message, "operator_id", ""),
        getattr(message, "description", ""),
    ):
        assert text.isprintable() and text.isascii()


@given(st.binary(max_size=260).map(lambda tail: b"\xf0" + tail))
def test_any_pack_has_at_most_nine_messages_or_is_rejected(raw: bytes) -> None:
    try:
        result = decode_message_pack(raw)
    except MessageError:
        return
    assert isinstance(result, MessagePack)
    assert len(result.messages) + len(result.errors) <= 10


@given(receive=st.floats(0, 4e9), tenths=st.integers(0, 36000))
def test_anchored_time_is_within_half_an_hour_and_on_the_timestamp(receive: float, tenths: int) -> None:
    anchored = anchor_to_hour(tenths, receive)
    assert abs(anchored - receive) <= 1800.0 + 1e-6
    past_the_hour = (anchored - tenths / 10.0) % 3600.0
    assert min(past_the_hour, 3600.0 - past_the_hour) < 1e-3


def _no_crash(errors: list[DecodeError]) -> None:
    assert not [e for e in errors if e.reason.startswith("decoder failed")]


@settings(max_examples=300)
@given(st.binary(max_size=400))
def test_datagram_decoder_never_raises_on_any_bytes(data: bytes) -> None:
    errors: list[DecodeError] = []
    decoder = RemoteIdDecoder(SENSOR, on_error=errors.append)
    assert isinstance(decoder.decode(data, 1.7e9), list)
    _no_crash(errors)
    assert decoder.stats.errors == len(errors)


FRAMES = [
    (encoder.wifi_beacon(encoder.pack(encoder.basic_id("S1"), encoder.location())), 127),
    (encoder.wifi_nan(encoder.pack(encoder.location())), 127),
    (encoder.nordic_ble(encoder.ble_legacy_pdu(encoder.location())), 272),
    (encoder.nordic_ble(encoder.ble_extended_pdu(encoder.pack(encoder.system())), coded=True), 272),
    (encoder.ble_ll(encoder.ble_legacy_pdu(encoder.basic_id("S2"))), 251),
    (encoder.ble_with_phdr(encoder.ble_legacy_pdu(encoder.operator_id("O"))), 256),
]


@settings(max_examples=300)
@given(
    st.sampled_from(FRAMES),
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), max_size=6),
    st.integers(0, 400),
)
def test_frame_decoder_never_raises_on_damaged_frames(
    frame_and_type: tuple[bytes, int], flips: list[tuple[int, int]], cut: int
) -> None:
    frame, linktype = frame_and_type
    damaged = bytearray(frame)
    for position, value in flips:
        if position < len(damaged):
            damaged[position] = value
    damaged = damaged[: len(damaged) - cut] if cut < len(damaged) else damaged
    assert isinstance(find_payloads(bytes(damaged), linktype).errors, tuple)
    errors: list[DecodeError] = []
    decoder = RemoteIdFrameDecoder(SENSOR, on_error=errors.append, linktype=linktype)
    decoder.decode_frame(Frame(1.7e9, linktype, bytes(damaged), 0))
    _no_crash(errors)


@settings(max_examples=200)
@given(st.sampled_from(sorted(SUPPORTED_LINKTYPES)), st.binary(max_size=300))
def test_find_payloads_never_raises_on_random_frames(linktype: int, data: bytes) -> None:
    contents = find_payloads(data, linktype)
    for payload in contents.payloads:
        assert 0 <= payload.offset <= len(data)


@settings(max_examples=100)
@given(
    st.lists(
        st.one_of(st.integers(0, 999).map(str), st.binary(min_size=1, max_size=120)), min_size=1, max_size=12
    )
)
def test_good_datagrams_survive_among_garbage(stream: list[str | bytes]) -> None:
    errors: list[DecodeError] = []
    decoder = RemoteIdDecoder(SENSOR, on_error=errors.append)
    for index, item in enumerate(stream):
        if isinstance(item, bytes):
            decoder.decode(item, 1.7e9 + index)
            continue
        datagram = encoder.pack(encoder.basic_id(f"SER{item}"), encoder.location(timestamp_tenths=None))
        (detection,) = decoder.decode(datagram, 1.7e9 + index)
        assert detection.identity == f"SER{item}" and detection.time_s == 1.7e9 + index
    _no_crash(errors)


def test_the_fuzz_target_runs_clean(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for index, (frame, linktype) in enumerate(FRAMES):
        (corpus / f"seed{index}").write_bytes(bytes([sorted(SUPPORTED_LINKTYPES).index(linktype)]) + frame)
    run_fuzz_target("remoteid", corpus, runs=3000, seed=11)
