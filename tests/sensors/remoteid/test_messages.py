"""The 25-byte message decoders: own vectors built with struct.pack, the worked example of
FORMAT.md, and every golden vector of shared/data/remoteid/vectors/odid_messages.jsonl."""

from __future__ import annotations

import json
from typing import Any

import pytest

from raqib.sensors.remoteid.messages import (
    AuthenticationPage,
    BasicId,
    Location,
    MessageError,
    MessagePack,
    OperatorId,
    SelfId,
    System,
    decode,
    decode_location,
    decode_message,
    decode_message_pack,
)
from tests.conftest import require_shared
from tests.sensors.remoteid import encoder

WORKED_EXAMPLE = bytes.fromhex("10005c527ebcba251ba88cb4b60000aa099808394100000a00")


def test_worked_example_of_the_format_note() -> None:
    loc = decode_location(WORKED_EXAMPLE)
    assert (loc.version, loc.status, loc.height_type) == (0, 0, 0)
    assert loc.direction_deg == 92.0
    assert loc.speed_h_ms == 20.5
    assert loc.speed_v_ms is None  # code 126
    assert loc.lat_deg == pytest.approx(45.5457468, abs=1e-9)
    assert loc.lon_deg == pytest.approx(-122.9681496, abs=1e-9)
    assert loc.alt_pressure_m is None
    assert loc.alt_geodetic_m == 237.0
    assert loc.height_m == 100.0
    assert (loc.vertical_accuracy, loc.horizontal_accuracy) == (3, 9)
    assert (loc.vertical_accuracy_m, loc.horizontal_accuracy_m) == (25.0, 30.0)
    assert (loc.baro_accuracy_m, loc.speed_accuracy_ms) == (10.0, 10.0)
    assert loc.timestamp_tenths == 0
    assert loc.timestamp_accuracy_s == 1.0


def test_basic_id_of_each_id_type() -> None:
    serial = decode_message(encoder.basic_id("1588E040445AC004418", id_type=1, ua_type=2))
    assert serial == BasicId(version=2, id_type=1, ua_type=2, uas_id="1588E040445AC004418")
    uuid_raw = bytes(range(16))
    utm = decode_message(encoder.basic_id(uuid_raw, id_type=3))
    assert isinstance(utm, BasicId)
    assert utm.uas_id == "00010203-0405-0607-0809-0a0b0c0d0e0f"
    session = decode_message(encoder.basic_id(b"\xe1\x00\xff\x10", id_type=4))
    assert isinstance(session, BasicId)
    assert session.uas_id == "e100ff10"


def test_location_speed_multiplier_direction_segment_and_sentinels() -> None:
    fast = decode_location(encoder.location(direction_deg=270.0, speed_h_ms=100.5, speed_v_ms=-3.5))
    assert fast.direction_deg == 270.0
    assert fast.speed_h_ms == 100.5  # 49 * 0.75 + 63.75
    assert fast.speed_v_ms == -3.5
    unknown = decode_location(
        encoder.location(
            None,
            None,
            direction_deg=None,
            speed_h_ms=None,
            speed_v_ms=None,
            alt_geodetic_m=None,
            height_m=None,
            timestamp_tenths=None,
            timestamp_accuracy=0,
            horizontal_accuracy=0,
        )
    )
    assert unknown.lat_deg is None and unknown.lon_deg is None
    assert unknown.direction_deg is None and unknown.speed_h_ms is None and unknown.speed_v_ms is None
    assert unknown.alt_geodetic_m is None and unknown.height_m is None
    assert unknown.timestamp_tenths is None and unknown.timestamp_accuracy_s is None
    assert unknown.horizontal_accuracy_m is None


def test_location_lowest_and_highest_altitude_codes() -> None:
    low = decode_location(encoder.location(alt_geodetic_m=-999.5, height_m=31767.5))
    assert low.alt_geodetic_m == -999.5
    assert low.height_m == 31767.5


def test_out_of_range_latitude_is_rejected_with_its_byte() -> None:
    raw = bytearray(encoder.location(47.0, 8.0))
    raw[5:9] = (1_000_000_000).to_bytes(4, "little", signed=True)  # 100 degrees
    with pytest.raises(MessageError) as caught:
        decode_message(bytes(raw))
    assert caught.value.offset == 5
    assert "out of range" in caught.value.reason


def test_authentication_pages() -> None:
    first = decode_message(
        encoder.authentication_page(0, b"A" * 17, last_page=1, length=30, seconds_2019=100)
    )
    assert first == AuthenticationPage(
        version=2, auth_type=1, page=0, last_page=1, length=30, timestamp_unix_s=1_546_300_900, data=b"A" * 17
    )
    second = decode_message(encoder.authentication_page(1, b"B" * 23))
    assert isinstance(second, AuthenticationPage)
    assert (second.page, second.last_page, second.data) == (1, None, b"B" * 23)


def test_self_id_system_and_operator_id() -> None:
    assert decode_message(encoder.self_id("Recreational")) == SelfId(2, 0, "Recreational")
    sys_msg = decode_message(
        encoder.system(
            47.5,
            8.25,
            area_count=3,
            area_radius_m=500,
            area_ceiling_m=150.0,
            area_floor_m=10.0,
            operator_alt_m=420.5,
            seconds_2019=10,
        )
    )
    assert sys_msg == System(
        version=2,
        operator_location_type=1,
        classification_type=1,
        operator_lat_deg=47.5,
        operator_lon_deg=8.25,
        area_count=3,
        area_radius_m=500.0,
        area_ceiling_m=150.0,
        area_floor_m=10.0,
        eu_category=1,
        eu_class=2,
        operator_alt_m=420.5,
        timestamp_unix_s=1_546_300_810,
    )
    assert decode_message(encoder.operator_id("GBR-OP-123ABCD")) == OperatorId(2, 0, "GBR-OP-123ABCD")


def test_message_pack_keeps_good_messages_around_a_bad_one() -> None:
    bad = bytearray(encoder.basic_id("ABCDEFGH"))
    bad[5] = 0xB0  # non-printable inside the UAS ID
    result = decode(encoder.pack(encoder.location(), bytes(bad), encoder.self_id("ok")))
    assert isinstance(result, MessagePack)
    assert [type(m) for m in result.messages] == [Location, SelfId]
    assert len(result.errors) == 1
    assert result.errors[0].offset == 3 + 25 + 5
    assert "non-printable" in result.errors[0].reason


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (encoder.pack(encoder.location(), size=24), "size 24"),
        (encoder.pack(*[encoder.location()] * 10), "10 messages"),
        (b"\xf0\x19", "shorter than its 3-byte header"),
    ],
)
def test_message_pack_framing_errors(raw: bytes, reason: str) -> None:
    with pytest.raises(MessageError) as caught:
        decode_message_pack(raw)
    assert reason in caught.value.reason


def test_cut_off_pack_keeps_its_complete_messages() -> None:
    raw = encoder.pack(encoder.basic_id("ABC"), encoder.location(), encoder.operator_id("OP"))[:-3]
    result = decode_message_pack(raw)
    assert [type(m) for m in result.messages] == [BasicId, Location]
    assert [e.kind for e in result.errors] == ["truncated"]


def test_nested_pack_is_rejected_and_empty_pack_is_empty() -> None:
    nested = decode_message_pack(encoder.pack(encoder.pack(encoder.location())[:25]))
    assert nested.messages == () and nested.errors[0].kind == "framing"
    assert decode_message_pack(b"\xf0\x19\x00" + b"\x00" * 225) == MessagePack(0, (), ())


def test_short_and_unknown_messages() -> None:
    with pytest.raises(MessageError) as short:
        decode_message(encoder.location()[:24])
    assert short.value.kind == "truncated"
    with pytest.raises(MessageError) as unknown:
        decode_message(b"\x90" + b"\x00" * 24)
    assert unknown.value.kind == "unsupported" and "0x9" in unknown.value.reason


# --- golden vectors ---------------------------------------------------------------------------

_FIELDS: dict[str, dict[str, str]] = {
    "BasicID": {"id_type": "id_type", "ua_type": "ua_type", "uas_id": "uas_id"},
    "Location": {
        "status": "status",
        "height_type": "height_type",
        "direction": "direction_deg",
        "speed_h": "speed_h_ms",
        "speed_v": "speed_v_ms",
        "alt_baro": "alt_pressure_m",
        "alt_geo": "alt_geodetic_m",
        "height": "height_m",
        "h_acc": "horizontal_accuracy",
        "v_acc": "vertical_accuracy",
        "baro_acc": "baro_accuracy",
        "speed_acc": "speed_accuracy",
        "ts_tenths_after_hour": "timestamp_tenths",
    },
    "SelfID": {"desc_type": "description_type", "desc": "description"},
    "System": {
        "op_loc_type": "operator_location_type",
        "class_type": "classification_type",
        "area_count": "area_count",
        "area_radius_m": "area_radius_m",
        "area_ceiling": "area_ceiling_m",
        "area_floor": "area_floor_m",
        "eu_category": "eu_category",
        "eu_class": "eu_class",
        "op_alt_geo": "operator_alt_m",
    },
    "OperatorID": {"op_id_type": "operator_id_type", "operator_id": "operator_id"},
}


def _golden() -> list[dict[str, Any]]:
    path = require_shared("remoteid/vectors/odid_messages.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _check_against_vector(message: object, expected: dict[str, Any]) -> None:
    kind = expected["kind"]
    assert getattr(message, "version", None) == expected["ver"]
    for vector_key, attribute in _FIELDS[kind].items():
        assert getattr(message, attribute) == pytest.approx(expected[vector_key], abs=1e-9), vector_key
    if kind == "Location":
        assert isinstance(message, Location)
        # the vectors keep lat = lon = 0 ("no fix") as 0.0; raqib reads it as unknown
        if expected["lat"] == 0.0 and expected["lon"] == 0.0:
            assert message.lat_deg is None and message.lon_deg is None
        else:
            assert message.lat_deg == pytest.approx(expected["lat"], abs=1e-9)
            assert message.lon_deg == pytest.approx(expected["lon"], abs=1e-9)
        assert message.timestamp_accuracy_s == (
            pytest.approx(expected["ts_acc"] / 10) if expected["ts_acc"] else None
        )
    if kind == "System":
        assert isinstance(message, System)
        if expected["op_lat"] == 0.0 and expected["op_lon"] == 0.0:
            assert message.operator_lat_deg is None and message.operator_lon_deg is None
        else:
            assert message.operator_lat_deg == pytest.approx(expected["op_lat"], abs=1e-9)
            assert message.operator_lon_deg == pytest.approx(expected["op_lon"], abs=1e-9)
        stamp = expected["timestamp_2019"]
        assert message.timestamp_unix_s == (1_546_300_800 + stamp if stamp else None)


def test_every_good_golden_vector_decodes_to_its_fields() -> None:
    checked = 0
    for vector in _golden():
        if not vector["crc_ok"]:
            continue
        decoded = decode(bytes.fromhex(vector["hex"]))
        expected = vector["decoded"]
        if expected["kind"] == "MessagePack":
            assert isinstance(decoded, MessagePack)
            assert decoded.errors == ()
            assert len(decoded.messages) == expected["count"]
            for message, inner in zip(decoded.messages, expected["msgs"], strict=True):
                _check_against_vector(message, inner)
        else:
            _check_against_vector(decoded, expected)
        checked += 1
    assert checked == 33


def test_corrupted_golden_vectors_are_rejected_or_decode_as_the_vectors_say() -> None:
    """CRC-failed BLE messages: unknown types and non-ASCII text are rejected by the message
    decoder itself; the rest are plausible garbage that only the transport's CRC check catches."""
    rejected, plausible = 0, 0
    for vector in _golden():
        if vector["crc_ok"]:
            continue
        raw, expected = bytes.fromhex(vector["hex"]), vector["decoded"]
        non_ascii = any(not (ch == "" or " " <= ch <= "~") for ch in str(expected.get("uas_id", "")))
        non_ascii |= any(not " " <= ch <= "~" for ch in str(expected.get("operator_id", "")))
        if expected["kind"] == "unknown" or non_ascii:
            with pytest.raises(MessageError):
                decode(raw)
            rejected += 1
        else:
            _check_against_vector(decode(raw), expected)
            plausible += 1
    assert (rejected, plausible) == (5, 7)
