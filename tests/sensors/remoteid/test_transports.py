"""Finding Remote ID payloads in radio frames: own frames for every transport, and the real
captures (payload counts, transmitters, CRC-failed BLE packets, DJI beacons)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from raqib.sensors.capture import (
    DLT_BLUETOOTH_LE_LL,
    DLT_BLUETOOTH_LE_LL_WITH_PHDR,
    DLT_EN10MB,
    DLT_IEEE802_11,
    DLT_IEEE802_11_RADIO,
    DLT_NORDIC_BLE,
    iter_frames,
)
from raqib.sensors.remoteid.ble_crc import ble_crc24
from raqib.sensors.remoteid.transports import find_payloads
from tests.conftest import require_shared
from tests.sensors.remoteid import encoder

PACK = encoder.pack(encoder.basic_id("SERIAL1"), encoder.location())


def test_wifi_beacon_payload_transmitter_rssi_and_offset() -> None:
    frame = encoder.wifi_beacon(PACK, "02:aa:bb:cc:dd:ee", counter=7, rssi_dbm=-42)
    contents = find_payloads(frame, DLT_IEEE802_11_RADIO)
    assert contents.errors == ()
    (payload,) = contents.payloads
    assert (payload.transport, payload.transmitter, payload.counter, payload.rssi_dbm) == (
        "wifi-beacon",
        "02:aa:bb:cc:dd:ee",
        7,
        -42.0,
    )
    assert payload.data == PACK
    assert frame[payload.offset : payload.offset + len(PACK)] == PACK


def test_wifi_beacon_with_a_bad_fcs_is_rejected() -> None:
    frame = bytearray(encoder.wifi_beacon(PACK))
    frame[40] ^= 0x01
    contents = find_payloads(bytes(frame), DLT_IEEE802_11_RADIO)
    assert contents.payloads == ()
    assert "FCS" in contents.errors[0].reason


def test_wifi_beacon_without_radiotap() -> None:
    frame = encoder.wifi_beacon(PACK, fcs=False)[10:]
    (payload,) = find_payloads(frame, DLT_IEEE802_11).payloads
    assert payload.data == PACK and payload.rssi_dbm is None


def test_wifi_nan_service_discovery_frame() -> None:
    (payload,) = find_payloads(
        encoder.wifi_nan(PACK, "02:00:00:00:00:09", counter=3), DLT_IEEE802_11_RADIO
    ).payloads
    assert (payload.transport, payload.transmitter, payload.counter, payload.data) == (
        "wifi-nan",
        "02:00:00:00:00:09",
        3,
        PACK,
    )


def test_ble_legacy_advertisement_in_every_ble_link_type() -> None:
    pdu = encoder.ble_legacy_pdu(encoder.location(), "c0:01:02:03:04:05", counter=9)
    for frame, linktype, rssi in (
        (encoder.nordic_ble(pdu, rssi_dbm=-61), DLT_NORDIC_BLE, -61.0),
        (encoder.ble_ll(pdu), DLT_BLUETOOTH_LE_LL, None),
        (encoder.ble_with_phdr(pdu, rssi_dbm=-71), DLT_BLUETOOTH_LE_LL_WITH_PHDR, -71.0),
    ):
        contents = find_payloads(frame, linktype)
        assert contents.errors == ()
        (payload,) = contents.payloads
        assert (payload.transport, payload.transmitter, payload.counter, payload.rssi_dbm) == (
            "ble-legacy",
            "c0:01:02:03:04:05",
            9,
            rssi,
        )
        assert payload.data == encoder.location()


def test_ble5_long_range_extended_advertisement() -> None:
    frame = encoder.nordic_ble(encoder.ble_extended_pdu(PACK, "c0:aa:00:00:00:01"), coded=True)
    (payload,) = find_payloads(frame, DLT_NORDIC_BLE).payloads
    assert (payload.transport, payload.transmitter, payload.data) == (
        "ble-extended",
        "c0:aa:00:00:00:01",
        PACK,
    )


@pytest.mark.parametrize(
    ("frame", "linktype"),
    [
        (encoder.nordic_ble(encoder.ble_legacy_pdu(encoder.location()), crc_ok=False), DLT_NORDIC_BLE),
        (encoder.ble_ll(encoder.ble_legacy_pdu(encoder.location()), good_crc=False), DLT_BLUETOOTH_LE_LL),
        (encoder.ble_with_phdr(encoder.ble_legacy_pdu(encoder.location()), crc_valid=False), 256),
    ],
)
def test_ble_packets_failing_their_crc_are_rejected(frame: bytes, linktype: int) -> None:
    contents = find_payloads(frame, linktype)
    assert contents.payloads == ()
    assert "CRC" in contents.errors[0].reason


def test_ble_crc24_of_a_known_packet() -> None:
    # An advertising PDU and its CRC, as the BT5 sample's first packet carries them (sniffer: CRC ok).
    path = require_shared("remoteid/captures/odid_bt5_lr_sample.pcapng")
    frame = next(iter(iter_frames(path))).data
    pdu_start = 17 + 4 + 1  # Nordic headers, access address, coding indicator
    end = pdu_start + 2 + frame[pdu_start + 1]
    assert ble_crc24(frame[pdu_start:end]) == frame[end : end + 3]


def test_truncated_frames_and_foreign_link_types_are_reported_not_raised() -> None:
    beacon = encoder.wifi_beacon(PACK, fcs=False)
    for cut in (3, 9, 20, 40, len(beacon) - 5):
        contents = find_payloads(beacon[:cut], DLT_IEEE802_11_RADIO)
        assert contents.payloads == ()
        assert contents.errors, cut
    assert find_payloads(b"\x00" * 60, DLT_EN10MB).errors[0].kind == "unsupported"


# --- real captures ----------------------------------------------------------------------------


def _scan(name: str) -> tuple[Counter[str], Counter[str], Counter[str], Counter[str]]:
    transports: Counter[str] = Counter()
    transmitters: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    vendors: Counter[str] = Counter()
    for frame in iter_frames(require_shared(f"remoteid/captures/{name}")):
        contents = find_payloads(frame.data, frame.linktype)
        transports.update(p.transport for p in contents.payloads)
        transmitters.update(p.transmitter for p in contents.payloads)
        errors.update(e.reason for e in contents.errors)
        vendors.update(f"{v.vendor} {v.transmitter}" for v in contents.vendor_beacons)
    return transports, transmitters, errors, vendors


def test_wifi_beacon_sample() -> None:
    transports, transmitters, errors, _ = _scan("odid_wifi_bcn_sample.pcap")
    assert transports == {"wifi-beacon": 21}
    assert transmitters == {"84:cc:a8:60:43:24": 21}
    assert not errors


def test_wifi_sample_has_beacons_and_nan_frames() -> None:
    transports, _, errors, _ = _scan("odid_wifi_sample.pcap")
    assert transports == {"wifi-beacon": 21, "wifi-nan": 21}
    assert not errors


def test_bt5_long_range_sample_rejects_its_30_crc_failed_packets() -> None:
    transports, transmitters, errors, _ = _scan("odid_bt5_lr_sample.pcapng")
    assert transports == {"ble-extended": 274 - 30}
    assert transmitters == {"e0:7d:ea:eb:2f:1c": 244}
    assert errors == {"BLE packet failed its CRC check (sniffer flag)": 30}


def test_parrot_capture_finds_its_1140_remote_id_beacons_among_other_wifi() -> None:
    transports, transmitters, errors, _ = _scan("cdc_parrot_anafi4_real.pcapng")
    assert transports == {"wifi-beacon": 1140}
    assert list(transmitters) == ["90:3a:e6:5b:c8:a8"]
    assert not errors


def test_dji_droneid_beacons_are_recognised_not_decoded() -> None:
    transports, _, errors, vendors = _scan("cdc_mavic_multiple_spoofed.pcapng")
    assert not transports and not errors
    assert len(vendors) == 15 and all(name.startswith("dji-droneid 60:60:1f:") for name in vendors)


def test_golden_vectors_sit_in_their_frames() -> None:
    """Each vector's bytes are in the payload the transport finds in that frame, and the
    CRC-failed vectors' frames give no payload."""
    vectors = [json.loads(line) for line in require_shared("remoteid/vectors/odid_messages.jsonl").open()]
    frames = {
        name: list(iter_frames(require_shared(f"remoteid/captures/{name}")))
        for name in {v["source"] for v in vectors}
    }
    for vector in vectors:
        frame = frames[vector["source"]][vector["frame"] - 1]
        contents = find_payloads(frame.data, frame.linktype)
        if not vector["crc_ok"]:
            assert contents.payloads == () and "CRC" in contents.errors[0].reason
            continue
        (payload,) = contents.payloads
        assert payload.counter == vector["counter"]
        assert bytes.fromhex(vector["hex"]) in payload.data
