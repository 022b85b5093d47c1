"""Per-aircraft assembly into Detections, hour anchoring of timestamps, and spoofing evidence."""

from __future__ import annotations

import math

import pytest

from raqib.model import Sensor
from raqib.sensors.remoteid.assembler import AssemblerConfig, RemoteIdAssembler, anchor_to_hour
from raqib.sensors.remoteid.messages import Message, decode
from raqib.sensors.remoteid.messages import MessagePack as Pack
from tests.sensors.remoteid import encoder

SENSOR = Sensor(sensor_id="rid-1", kind="remoteid", lat_deg=47.0, lon_deg=8.0, alt_m=430.0)
HOUR = 1_700_000_000 - 1_700_000_000 % 3600  # a full UTC hour


def _messages(*raw: bytes) -> list[Message]:
    out: list[Message] = []
    for item in raw:
        decoded = decode(item)
        out += list(decoded.messages) if isinstance(decoded, Pack) else [decoded]
    return out


def test_anchor_to_hour_picks_the_nearest_hour_across_rollover() -> None:
    assert anchor_to_hour(9291, HOUR + 930.4) == pytest.approx(HOUR + 929.1)
    # sent 0.5 s before the hour turned, received just after it
    assert anchor_to_hour(35995, HOUR + 3600.2) == pytest.approx(HOUR + 3599.5)
    # sent just after the hour, received (with a slow clock) just before it
    assert anchor_to_hour(3, HOUR - 0.2) == pytest.approx(HOUR + 0.3)


def test_location_with_known_serial_becomes_a_detection() -> None:
    assembler = RemoteIdAssembler(SENSOR)
    fixes = assembler.add(
        _messages(
            encoder.pack(
                encoder.basic_id("1588E040445AC004418"),
                encoder.location(
                    47.01,
                    8.02,
                    direction_deg=90.0,
                    speed_h_ms=12.0,
                    speed_v_ms=1.5,
                    alt_geodetic_m=520.0,
                    horizontal_accuracy=10,
                    vertical_accuracy=4,
                    speed_accuracy=3,
                    timestamp_tenths=9291,
                ),
                encoder.system(47.0, 8.0),
                encoder.operator_id("CHE-OP-1"),
                encoder.self_id("survey"),
            )
        ),
        "90:3a:e6:5b:c8:a8",
        HOUR + 930.0,
        rssi_dbm=-50.0,
        transport="wifi-beacon",
    )
    (fix,) = fixes
    det = fix.detection
    assert det.identity == "1588E040445AC004418"
    assert det.sensor_id == "rid-1" and det.class_hint == "drone"
    assert (det.lat_deg, det.lon_deg, det.alt_m) == (pytest.approx(47.01), pytest.approx(8.02), 520.0)
    assert fix.alt_source == "geodetic"
    assert det.vel_e_ms == pytest.approx(12.0) and det.vel_n_ms == pytest.approx(0.0, abs=1e-9)
    assert det.vel_u_ms == 1.5
    assert det.sigma_h_m == pytest.approx(10.0 / 2.4477, rel=1e-4)  # 95 % circle -> sigma
    assert det.sigma_v_m == pytest.approx(10.0 / 1.96, rel=1e-4)
    assert det.sigma_vel_ms == pytest.approx(1.0 / 1.96, rel=1e-4)
    assert (det.operator_lat_deg, det.operator_lon_deg) == (pytest.approx(47.0), pytest.approx(8.0))
    assert det.time_s == pytest.approx(HOUR + 929.1) and det.time_source == "sensor"
    assert fix.timestamp_skew_s == pytest.approx(-0.9)
    assert (fix.operator_id, fix.self_id, fix.rssi_dbm, fix.ua_type) == ("CHE-OP-1", "survey", -50.0, 2)


def test_messages_from_separate_packets_combine_by_transmitter() -> None:
    assembler = RemoteIdAssembler(SENSOR)
    assert assembler.add(_messages(encoder.location()), "aa", HOUR + 1.0) == []  # no Basic ID yet
    assert assembler.add(_messages(encoder.basic_id("SER-A")), "aa", HOUR + 1.1) == []
    assert assembler.add(_messages(encoder.basic_id("SER-B")), "bb", HOUR + 1.1) == []
    (fix_a,) = assembler.add(_messages(encoder.location()), "aa", HOUR + 1.2)
    (fix_b,) = assembler.add(_messages(encoder.location()), "bb", HOUR + 1.2)
    assert (fix_a.detection.identity, fix_b.detection.identity) == ("SER-A", "SER-B")
    assert assembler.stats.locations_without_identity == 1


def test_serial_number_is_preferred_over_a_registration_id() -> None:
    assembler = RemoteIdAssembler(SENSOR)
    raw = encoder.pack(encoder.basic_id("FIN-REG-1", id_type=2), encoder.basic_id("SERIAL9", id_type=1))
    (fix,) = assembler.add(_messages(raw, encoder.location()), "aa", HOUR)
    assert fix.detection.identity == "SERIAL9"


def test_emit_without_identity_when_configured() -> None:
    assembler = RemoteIdAssembler(SENSOR, AssemblerConfig(emit_without_identity=True))
    (fix,) = assembler.add(_messages(encoder.location()), "aa", HOUR)
    assert fix.detection.identity is None


def test_location_without_a_position_gives_no_detection() -> None:
    assembler = RemoteIdAssembler(SENSOR)
    assert assembler.add(_messages(encoder.basic_id("S"), encoder.location(None, None)), "aa", HOUR) == []
    assert assembler.stats.locations_without_position == 1


@pytest.mark.parametrize(
    ("kwargs", "alt_m", "source", "min_sigma_v"),
    [
        ({"alt_geodetic_m": 600.0, "alt_pressure_m": 590.0, "height_m": 100.0}, 600.0, "geodetic", 0.0),
        ({"alt_geodetic_m": None, "alt_pressure_m": 590.0, "height_m": 100.0}, 590.0, "pressure", 60.0),
        ({"alt_geodetic_m": None, "alt_pressure_m": None, "height_m": 100.0}, 530.0, "height", 30.0),
        ({"alt_geodetic_m": None, "alt_pressure_m": None, "height_m": None}, 430.0, "ground", 100.0),
    ],
)
def test_altitude_falls_back_and_inflates_sigma_v(
    kwargs: dict[str, float | None], alt_m: float, source: str, min_sigma_v: float
) -> None:
    assembler = RemoteIdAssembler(SENSOR)
    (fix,) = assembler.add(_messages(encoder.basic_id("S"), encoder.location(**kwargs)), "aa", HOUR)  # type: ignore[arg-type]
    assert fix.detection.alt_m == alt_m
    assert fix.alt_source == source
    assert fix.detection.sigma_v_m is not None and fix.detection.sigma_v_m >= min_sigma_v


def test_stale_or_unknown_timestamp_falls_back_to_receive_time() -> None:
    assembler = RemoteIdAssembler(SENSOR)
    (stale,) = assembler.add(
        _messages(encoder.basic_id("S"), encoder.location(timestamp_tenths=100)), "aa", HOUR + 600
    )
    assert stale.detection.time_s == HOUR + 600 and stale.detection.time_source == "receive"
    assert stale.timestamp_skew_s == pytest.approx(-590.0)
    (unknown,) = assembler.add(_messages(encoder.location(timestamp_tenths=None)), "aa", HOUR + 601)
    assert unknown.detection.time_source == "receive" and unknown.timestamp_skew_s is None


def test_velocity_from_direction_and_speed() -> None:
    assembler = RemoteIdAssembler(SENSOR)
    (fix,) = assembler.add(
        _messages(encoder.basic_id("S"), encoder.location(direction_deg=225.0, speed_h_ms=10.0)), "a", HOUR
    )
    assert fix.detection.vel_e_ms == pytest.approx(-10 / math.sqrt(2))
    assert fix.detection.vel_n_ms == pytest.approx(-10 / math.sqrt(2))
    (still,) = assembler.add(_messages(encoder.location(direction_deg=None, speed_h_ms=0.0)), "a", HOUR + 1)
    assert (still.detection.vel_e_ms, still.detection.vel_n_ms) == (0.0, 0.0)
    (unknown,) = assembler.add(
        _messages(encoder.location(direction_deg=None, speed_h_ms=None)), "a", HOUR + 2
    )
    assert (unknown.detection.vel_e_ms, unknown.detection.vel_n_ms) == (None, None)


def test_authentication_pages_reassemble() -> None:
    assembler = RemoteIdAssembler(SENSOR)
    signature = bytes(range(30))
    first = encoder.authentication_page(0, signature[:17], last_page=1, length=30)
    assert assembler.add(_messages(first), "aa", HOUR) == []
    assert assembler.authentication_data("aa") is None  # page 1 still missing
    assembler.add(_messages(encoder.authentication_page(1, signature[17:])), "aa", HOUR + 0.1)
    assert assembler.authentication_data("aa") == signature


# --- spoofing evidence ------------------------------------------------------------------------


def test_same_serial_from_two_transmitters_at_once_is_evidence() -> None:
    assembler = RemoteIdAssembler(SENSOR)
    for step in range(5):
        t = HOUR + step
        assembler.add(
            _messages(encoder.basic_id("SER"), encoder.location(47.0, 8.0, timestamp_tenths=step * 10)),
            "real",
            t,
        )
        assembler.add(
            _messages(encoder.basic_id("SER"), encoder.location(47.1, 8.0, timestamp_tenths=step * 10)),
            "fake",
            t,
        )
    evidence = assembler.evidence("SER")
    assert evidence is not None
    assert evidence.transmitters == ("fake", "real")
    assert evidence.max_concurrent_transmitters == 2
    assert evidence.implausible_jumps > 0  # alternating 11 km apart


def test_a_steady_flight_leaves_no_evidence() -> None:
    assembler = RemoteIdAssembler(SENSOR)
    for step in range(20):  # 10 m/s east, reported as such
        lon = 8.0 + step * 10.0 / (111_320 * math.cos(math.radians(47.0)))
        raw = encoder.location(47.0, lon, direction_deg=90.0, speed_h_ms=10.0, timestamp_tenths=step * 10)
        assembler.add(
            _messages(encoder.basic_id("SER"), raw, encoder.system(47.0, 8.0)),
            "tx",
            HOUR + step,
            rssi_dbm=-60.0 - step,
        )
    evidence = assembler.evidence("SER")
    assert evidence is not None
    assert (evidence.implausible_jumps, evidence.speed_mismatches, evidence.stale_timestamps) == (0, 0, 0)
    assert evidence.max_implied_speed_ms is not None and evidence.max_implied_speed_ms < 10.0
    assert evidence.max_operator_distance_m is not None and evidence.max_operator_distance_m < 200.0
    assert evidence.rssi_samples == 20 and evidence.rssi_std_dbm == pytest.approx(5.92, abs=0.01)


def test_counter_kept_while_content_changes_is_evidence() -> None:
    assembler = RemoteIdAssembler(SENSOR)
    pack_a = _messages(encoder.pack(encoder.basic_id("SER"), encoder.location(47.0, 8.0)))
    pack_b = _messages(encoder.pack(encoder.basic_id("SER"), encoder.location(47.001, 8.0)))
    assembler.add(pack_a, "tx", HOUR, counter=5)
    assembler.add(pack_a, "tx", HOUR + 0.01, counter=5)  # the same frame heard twice: no evidence
    assembler.add(pack_b, "tx", HOUR + 0.1, counter=5)
    evidence = assembler.evidence("SER")
    assert evidence is not None and evidence.counter_reuses == 1


def test_silent_transmitters_and_identities_are_forgotten() -> None:
    assembler = RemoteIdAssembler(SENSOR, AssemblerConfig(forget_after_s=60.0))
    assembler.add(_messages(encoder.basic_id("OLD")), "tx-old", HOUR)
    assembler.add(_messages(encoder.basic_id("NEW")), "tx-new", HOUR + 120)
    assert assembler.evidence("OLD") is None
    assert [e.identity for e in assembler.all_evidence()] == ["NEW"]
    assert assembler.add(_messages(encoder.location()), "tx-old", HOUR + 121) == []  # its Basic ID is gone
