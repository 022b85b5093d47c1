"""The "remoteid" datagram decoder, the frame decoder and capture reading: what a user sees
from each real capture (serials, positions, message counts, errors) and the spoofing
evidence that tells the real Parrot capture from the spoofed one."""

from __future__ import annotations

from collections import Counter

import pytest

from raqib.model import Sensor
from raqib.sensors.base import DECODERS, DecodeError
from raqib.sensors.capture import DLT_NORDIC_BLE, Frame
from raqib.sensors.remoteid import AssemblerConfig, RemoteIdDecoder, RemoteIdFrameDecoder, read_capture
from tests.conftest import require_shared
from tests.sensors.remoteid import encoder

SENSOR = Sensor(sensor_id="rid-1", kind="remoteid", lat_deg=47.19, lon_deg=8.73, alt_m=450.0)
HOUR = 1_700_000_000 - 1_700_000_000 % 3600
BASIC = encoder.basic_id("SER-1")
LOC = encoder.location(47.2, 8.7, timestamp_tenths=100)


def _decoder() -> tuple[RemoteIdDecoder, list[DecodeError]]:
    errors: list[DecodeError] = []
    return RemoteIdDecoder(SENSOR, feed="udp:4000", on_error=errors.append), errors


def test_registered_under_its_format_names() -> None:
    assert DECODERS["remoteid"] is RemoteIdDecoder
    assert DECODERS["remoteid-frames"] is RemoteIdFrameDecoder


@pytest.mark.parametrize(
    "datagram",
    [
        encoder.pack(BASIC, LOC),  # a message pack
        BASIC + LOC,  # whole messages back to back
        b"\x07" + encoder.pack(BASIC, LOC),  # counter + pack
        b"\x07" + BASIC + LOC,  # counter + messages
        (encoder.pack(BASIC, LOC).hex() + "\n").encode(),  # a hex text record
        (encoder.pack(BASIC, LOC).hex(" ") + "\r\n").encode(),  # spaced hex
    ],
)
def test_every_datagram_form_gives_the_detection(datagram: bytes) -> None:
    decoder, errors = _decoder()
    (detection,) = decoder.decode(datagram, HOUR + 10.5)
    assert detection.identity == "SER-1"
    assert (detection.lat_deg, detection.lon_deg) == (pytest.approx(47.2), pytest.approx(8.7))
    assert detection.time_s == pytest.approx(HOUR + 10.0) and detection.time_source == "sensor"
    assert errors == []
    assert decoder.stats.records == 2 and decoder.message_counts == {"BasicId": 1, "Location": 1}


def test_single_messages_from_one_source_combine_but_not_across_sources() -> None:
    decoder, _ = _decoder()
    assert decoder.decode_from(BASIC, HOUR, "10.0.0.1:5000") == []
    assert decoder.decode_from(LOC, HOUR + 10, "10.0.0.2:5000") == []  # another receiver's aircraft
    (detection,) = decoder.decode_from(LOC, HOUR + 10, "10.0.0.1:5000")
    assert detection.identity == "SER-1"


def test_bad_datagrams_are_reported_with_feed_offset_and_reason_and_skipped() -> None:
    decoder, errors = _decoder()
    assert decoder.decode(b"\x01\x02\x03", HOUR) == []
    bad_lat = bytearray(LOC)
    bad_lat[5:9] = (-950_000_000).to_bytes(4, "little", signed=True)
    assert decoder.decode(encoder.pack(BASIC, bytes(bad_lat)), HOUR) == []
    assert decoder.decode(encoder.pack(LOC, size=20)[:28], HOUR) == []
    (good,) = decoder.decode(encoder.pack(BASIC, LOC), HOUR + 10)  # the feed goes on
    assert good.identity == "SER-1"
    assert [type(e).__name__ for e in errors] == ["FramingError", "InvalidFieldError", "FramingError"]
    assert errors[0].feed == "udp:4000" and errors[0].offset == 0
    assert errors[1].offset == 3 + (3 + 25 + 5)  # the first datagram's 3 bytes, then the lat in the pack
    assert "out of range" in errors[1].reason
    assert decoder.stats.errors == 3


def test_frame_decoder_reads_ble_legacy_advertisements_one_message_each() -> None:
    decoder = RemoteIdFrameDecoder(SENSOR, linktype=DLT_NORDIC_BLE)
    frames = [
        encoder.nordic_ble(encoder.ble_legacy_pdu(BASIC, "c0:00:00:00:00:01")),
        encoder.nordic_ble(encoder.ble_legacy_pdu(encoder.system(47.2, 8.7), "c0:00:00:00:00:01")),
        encoder.nordic_ble(encoder.ble_legacy_pdu(LOC, "c0:00:00:00:00:01"), crc_ok=False),
        encoder.nordic_ble(encoder.ble_legacy_pdu(LOC, "c0:00:00:00:00:01"), rssi_dbm=-77),
    ]
    detections = [
        d for i, f in enumerate(frames) for d in decoder.decode_frame(Frame(HOUR + 10, DLT_NORDIC_BLE, f, i))
    ]
    (detection,) = detections
    assert detection.identity == "SER-1" and detection.operator_lat_deg == pytest.approx(47.2)
    assert (
        decoder.stats.errors == 1 and "frame 2: BLE packet failed its CRC check" in decoder.stats.last_error
    )


# --- real captures ----------------------------------------------------------------------------


def _read(name: str, config: AssemblerConfig | None = None):  # type: ignore[no-untyped-def]
    return read_capture(require_shared(f"remoteid/captures/{name}"), SENSOR, config=config)


def test_wifi_beacon_sample_transmitter_test() -> None:
    reading = _read("odid_wifi_bcn_sample.pcap")
    assert len(reading.fixes) == 21 and reading.decoder.stats.errors == 0
    assert reading.decoder.message_counts == {
        "BasicId": 21,
        "Location": 21,
        "SelfId": 21,
        "System": 21,
        "OperatorId": 21,
    }
    first = reading.fixes[0]
    assert first.detection.identity == "MFG1A0123456789"
    assert (first.detection.lat_deg, first.detection.lon_deg) == (
        pytest.approx(45.5457468, abs=1e-7),
        pytest.approx(-122.9681496, abs=1e-7),
    )
    assert first.detection.alt_m == 237.0 and first.alt_source == "geodetic"
    assert (first.detection.operator_lat_deg, first.detection.operator_lon_deg) == (
        pytest.approx(45.5443876, abs=1e-7),
        pytest.approx(-122.9726866, abs=1e-7),
    )
    assert (first.operator_id, first.self_id, first.transport) == (
        "GBR-OP-123ABCD",
        "Recreational",
        "wifi-beacon",
    )
    # the test transmitter always sends timestamp 0: not the time of the hour it was heard at
    assert {fix.detection.time_source for fix in reading.fixes} == {"receive"}


def test_wifi_nan_sample_sends_no_basic_id() -> None:
    reading = _read("odid_wifi_sample.pcap")
    assert reading.fixes == [] and reading.decoder.stats.errors == 0
    assert (
        reading.decoder.message_counts["Location"] == 31 and "BasicId" not in reading.decoder.message_counts
    )
    assert reading.decoder.assembler.stats.locations_without_identity == 31
    anonymous = _read("odid_wifi_sample.pcap", AssemblerConfig(emit_without_identity=True))
    assert len(anonymous.fixes) == 31
    assert Counter(fix.transport for fix in anonymous.fixes) == {"wifi-nan": 16, "wifi-beacon": 15}


def test_bt5_long_range_sample_only_the_real_serial_no_garbage() -> None:
    reading = _read("odid_bt5_lr_sample.pcapng")
    decoder = reading.decoder
    assert decoder.payloads == 244
    assert decoder.stats.errors == 30 and decoder.stats.errors_by_kind == {"FramingError": 30}
    assert [e.identity for e in decoder.assembler.all_evidence()] == ["SSEVTFG93700070"]
    assert reading.fixes == []  # the demo transmitter has no GNSS fix
    assert decoder.assembler.stats.locations_without_position == decoder.message_counts["Location"]


def test_real_parrot_anafi_capture() -> None:
    reading = _read("cdc_parrot_anafi4_real.pcapng")
    decoder = reading.decoder
    assert decoder.payloads == 1140 and decoder.message_counts["Location"] == 1140
    assert decoder.stats.errors == 0
    # the Location messages before the first Basic ID have no serial yet
    assert len(reading.fixes) == 1140 - decoder.assembler.stats.locations_without_identity > 1100
    identities = {fix.detection.identity for fix in reading.fixes}
    assert identities == {"1588E040445AC004418"}
    for fix in reading.fixes:
        assert fix.detection.lat_deg == pytest.approx(47.1987, abs=0.0005)
        assert fix.detection.lon_deg == pytest.approx(8.7302, abs=0.0005)
        assert fix.ua_type == 2 and fix.alt_source == "height"  # geodetic altitude unknown
        assert fix.detection.time_source == "sensor" and abs(fix.timestamp_skew_s or 99) < 5.0
    statuses = Counter(fix.status for fix in reading.fixes)
    assert set(statuses) <= {1, 2}


def test_spoofing_evidence_differs_between_real_and_spoofed_captures() -> None:
    real = _read("cdc_parrot_anafi4_real.pcapng").decoder.assembler.evidence("1588E040445AC004418")
    spoofed_reading = _read("cdc_parrot_anafi4_spoofed.pcapng")
    spoofed = spoofed_reading.decoder.assembler.evidence("1588E040445AC004418")
    assert real is not None and spoofed is not None
    # the spoofer replays the real serial with forged positions around Zurich
    for fix in spoofed_reading.fixes:
        assert 47.37 <= (fix.detection.lat_deg or 0) <= 47.39 and 8.52 <= (fix.detection.lon_deg or 0) <= 8.55
    # positions that jump hundreds of metres while the message says 0 m/s
    assert real.implausible_jumps == 0 and real.speed_mismatches == 0
    assert spoofed.implausible_jumps >= 10 and spoofed.speed_mismatches >= 10
    # a replayed Location timestamp, far from the time it was heard
    assert real.stale_timestamps == 0 and (real.max_timestamp_skew_s or 0) < 5
    assert spoofed.stale_timestamps == spoofed.locations
    # the pilot stays at the real take-off site, 25 km from the forged aircraft
    assert (real.max_operator_distance_m or 0) < 100 < 20_000 < (spoofed.max_operator_distance_m or 0)
    # the counter stays at 93 while the position changes
    assert real.counter_reuses == 0 and spoofed.counter_reuses >= 10
    # injected frames carry no received signal strength; the real drone's varies
    assert spoofed.rssi_samples == 0 and spoofed.rssi_missing == spoofed.locations
    assert real.rssi_samples == real.locations and (real.rssi_std_dbm or 0) > 3
    # and its message packs are cut short (the forged vendor element is 3 bytes too short)
    assert spoofed_reading.decoder.stats.errors_by_kind == {"TruncatedError": 26}


def test_dji_capture_gives_no_detection_but_counts_its_beacons() -> None:
    reading = _read("cdc_mavic_alessa_spoofed.pcapng")
    assert reading.fixes == [] and reading.decoder.stats.errors == 0
    assert reading.decoder.vendor_beacons == {("dji-droneid", "60:60:1f:c6:0e:cc"): 10}


def test_the_package_exports_what_it_lists() -> None:
    import raqib.sensors.remoteid as package

    assert sorted(package.__all__) == package.__all__
    assert all(hasattr(package, name) for name in package.__all__)
