from __future__ import annotations

import pytest

from raqib.sensors.adsb.messages import Altitude, CprPosition, Identification, Quality, Squawk, Velocity
from raqib.sensors.adsb.modes import cpr_global, cpr_local, decode_frames, downlink_format, is_frame_hex
from tests.sensors.adsb.frames import (
    ALL_CALL,
    IDENT_KLM1023,
    POSITION_EVEN,
    POSITION_LAT_DEG,
    POSITION_LON_DEG,
    POSITION_ODD,
    SURFACE_ODD,
    VELOCITY_AIRSPEED,
    VELOCITY_GROUND,
    airborne_position,
    corrupt,
    crc24,
    identification,
    operational_status,
)


def test_identification() -> None:
    [report] = decode_frames([IDENT_KLM1023])
    assert report is not None
    assert (report.icao, report.verified, report.downlink_format) == ("4840D6", True, 17)
    [item] = report.items
    assert isinstance(item, Identification)
    assert item.callsign == "KLM1023"


def test_airborne_position_keeps_what_cpr_needs() -> None:
    [report] = decode_frames([POSITION_EVEN.lower()])
    assert report is not None
    [item] = report.items
    assert isinstance(item, CprPosition)
    assert (item.odd, item.surface, item.altitude_ft, item.gnss_altitude) == (False, False, 38000, False)
    assert item.type_code == 11


def test_gnss_height_type_codes_are_flagged() -> None:
    [report] = decode_frames([airborne_position(0xABCDEF, 50.0, 8.0, 12_000, odd=False, type_code=20)])
    assert report is not None
    [item] = report.items
    assert isinstance(item, CprPosition)
    assert item.gnss_altitude and item.altitude_ft == 12_000


def test_ground_velocity_and_airspeed() -> None:
    ground, air = decode_frames([VELOCITY_GROUND, VELOCITY_AIRSPEED])
    assert ground is not None and air is not None
    [velocity] = ground.items
    assert isinstance(velocity, Velocity)
    assert velocity.groundspeed_kt == pytest.approx(159.20, abs=0.01)
    assert velocity.track_deg == pytest.approx(182.88, abs=0.01)
    assert velocity.vertical_rate_fpm == -832
    [airspeed] = air.items
    assert isinstance(airspeed, Velocity)
    assert airspeed.groundspeed_kt is None and airspeed.vertical_rate_fpm == -2304


def test_operational_status_gives_accuracy_categories() -> None:
    [report] = decode_frames([operational_status(0xABCDEF, nac_p=10, version=2, nic_a=1, gva=2)])
    assert report is not None
    assert report.items == (Quality(nac_p=10, nic_a=1, gva=2, version=2),)


def test_emitter_category() -> None:
    [report] = decode_frames([identification(0xABCDEF, "UAV01", category=6, type_code=3)])
    assert report is not None
    assert report.items == (Identification("UAV01", "UAV"),)


def test_crc_failure_and_non_frames_give_none() -> None:
    results = decode_frames(
        [corrupt(IDENT_KLM1023), "zz" * 7, "8D4840D6202CC371C32CE057609", "", IDENT_KLM1023]
    )
    assert results[:4] == [None, None, None, None]
    assert results[4] is not None


def test_short_replies_are_unverified() -> None:
    all_call, surveillance = decode_frames([ALL_CALL, "20000F1F684A6C"])
    assert all_call is not None and not all_call.verified and all_call.icao == "484FDE"
    assert surveillance is not None and not surveillance.verified
    assert surveillance.items == (Altitude(23375),)
    squawk_reply = decode_frames(["28000A00307011"])[0]
    assert squawk_reply is not None and squawk_reply.items == (Squawk("3000"),)


def test_cpr_global_and_local() -> None:
    position = cpr_global(POSITION_ODD, POSITION_EVEN, 2.0)
    assert position == pytest.approx((POSITION_LAT_DEG, POSITION_LON_DEG), abs=1e-4)
    local = cpr_local(POSITION_EVEN, 52.258, 3.918)
    assert local == pytest.approx((POSITION_LAT_DEG, POSITION_LON_DEG), abs=1e-4)
    assert cpr_global(POSITION_EVEN, POSITION_EVEN, 1.0) is None  # same parity: no pair


def test_surface_position_needs_a_reference() -> None:
    assert cpr_local(SURFACE_ODD, 51.990, 4.375) == pytest.approx((52.3206, 4.7347), abs=2e-3)


def test_frame_hex_checks() -> None:
    assert is_frame_hex(IDENT_KLM1023) and is_frame_hex(ALL_CALL)
    assert not is_frame_hex(IDENT_KLM1023 + "00") and not is_frame_hex("0x" + ALL_CALL[2:])
    assert downlink_format(IDENT_KLM1023) == 17 and downlink_format("FF" * 7) == 24


@pytest.mark.parametrize(
    ("control", "identity"), [(0, "ABCDEF"), (1, "~ABCDEF"), (2, "~ABCDEF"), (6, "ABCDEF")]
)
def test_df18_non_icao_addresses_are_marked(control: int, identity: str) -> None:
    head = bytes([(18 << 3) | control]) + bytes.fromhex("ABCDEF") + bytes.fromhex(IDENT_KLM1023[8:22])
    [report] = decode_frames([(head + crc24(head).to_bytes(3, "big")).hex()])
    assert report is not None and report.verified
    assert report.icao == identity
