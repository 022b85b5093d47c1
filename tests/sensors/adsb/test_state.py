from __future__ import annotations

import math

import pytest

from raqib.model import Sensor, TargetClass
from raqib.sensors.adsb.accuracy import BAROMETRIC_SIGMA_V_M, CIRCLE_95, KT_MS
from raqib.sensors.adsb.messages import AircraftReport, DecodedPosition
from raqib.sensors.adsb.modes import decode_frames
from raqib.sensors.adsb.state import AdsbConfig, AircraftTable, haversine_m
from tests.sensors.adsb.frames import (
    ALL_CALL,
    POSITION_EVEN,
    POSITION_ODD,
    airborne_position,
    ground_velocity,
    identification,
    operational_status,
)

RECEIVER = Sensor(sensor_id="rx", kind="adsb", lat_deg=50.0, lon_deg=8.0, alt_m=100.0)
ICAO = 0x3C6DD4
LAT, LON = 50.2, 8.3


def feed(table: AircraftTable, frames: list[tuple[float, str]]) -> list:
    reports = decode_frames([frame for _, frame in frames])
    detections = []
    for (time_s, _), report in zip(frames, reports, strict=True):
        assert report is not None
        detection = table.apply(report, time_s)
        if detection is not None:
            detections.append(detection)
    return detections


def pair(time_s: float, lat: float = LAT, lon: float = LON, altitude_ft: float = 20_000, tc: int = 11):
    return [
        (time_s, airborne_position(ICAO, lat, lon, altitude_ft, odd=False, type_code=tc)),
        (time_s + 0.5, airborne_position(ICAO, lat, lon, altitude_ft, odd=True, type_code=tc)),
    ]


def test_global_decoding_needs_a_pair_within_10_s() -> None:
    table = AircraftTable(RECEIVER)
    even = airborne_position(ICAO, LAT, LON, 20_000, odd=False)
    odd = airborne_position(ICAO, LAT, LON, 20_000, odd=True)
    assert feed(table, [(0.0, even), (10.5, odd)]) == []  # too far apart
    [fix] = feed(table, [(12.0, even)])  # pairs with the odd frame 1.5 s before
    assert fix.lat_deg == pytest.approx(LAT, abs=1e-4) and fix.lon_deg == pytest.approx(LON, abs=1e-4)
    assert fix.identity == "3C6DD4" and fix.time_s == 12.0
    assert table.stats.no_fix == 2


def test_after_the_first_fix_single_frames_decode_locally() -> None:
    table = AircraftTable(RECEIVER)
    feed(table, pair(0.0))
    # 30 s later, one odd frame alone (its even partner is 30 s old): local decoding
    [fix] = feed(table, [(30.0, airborne_position(ICAO, LAT + 0.05, LON + 0.05, 20_000, odd=True))])
    assert fix.lat_deg == pytest.approx(LAT + 0.05, abs=1e-4)
    assert fix.lon_deg == pytest.approx(LON + 0.05, abs=1e-4)


def test_callsign_velocity_and_accuracy_go_with_the_position() -> None:
    table = AircraftTable(RECEIVER)
    feed(
        table,
        [
            (0.0, identification(ICAO, "DLH4AB", category=3)),
            (0.1, ground_velocity(ICAO, east_kt=-300, north_kt=400, vertical_fpm=-1024, nac_v=2)),
            (0.2, operational_status(ICAO, nac_p=9, version=2, gva=1)),
        ],
    )
    [fix] = feed(table, pair(1.0))
    assert fix.callsign == "DLH4AB"
    assert fix.class_hint == TargetClass.AIRCRAFT
    assert fix.vel_e_ms == pytest.approx(-300 * KT_MS, rel=1e-3)
    assert fix.vel_n_ms == pytest.approx(400 * KT_MS, rel=1e-3)
    assert fix.vel_u_ms == pytest.approx(-1024 * 0.3048 / 60)
    assert fix.sigma_h_m == pytest.approx(30.0 / CIRCLE_95)  # NACp 9: 95 % within 30 m
    assert fix.sigma_vel_ms == pytest.approx(3.0 / CIRCLE_95)  # NACv 2: 3 m/s


def test_geometric_altitude_is_preferred() -> None:
    table = AircraftTable(RECEIVER)
    [barometric] = feed(table, pair(0.0, altitude_ft=20_000))
    assert barometric.alt_m == pytest.approx(20_000 * 0.3048)
    assert barometric.sigma_v_m == BAROMETRIC_SIGMA_V_M
    feed(table, [(2.0, ground_velocity(ICAO, 100, 100, 0, geo_minus_baro_ft=500))])
    [geometric] = feed(table, [(3.0, airborne_position(ICAO, LAT, LON, 20_000, odd=False))])
    assert geometric.alt_m == pytest.approx(20_500 * 0.3048)
    assert geometric.sigma_v_m < BAROMETRIC_SIGMA_V_M
    state = table.get("3c6dd4")
    assert state is not None and state.altitude_kind == "geometric"


def test_gnss_height_type_code() -> None:
    table = AircraftTable(RECEIVER)
    [fix] = feed(table, pair(0.0, altitude_ft=3_000, tc=20))
    assert fix.alt_m == pytest.approx(3_000 * 0.3048)
    assert fix.sigma_v_m < BAROMETRIC_SIGMA_V_M
    assert fix.sigma_h_m == pytest.approx(3.0 / CIRCLE_95)  # TC 20: NUCp 9


def test_a_first_fix_beyond_the_receivers_range_is_rejected() -> None:
    table = AircraftTable(RECEIVER, AdsbConfig(max_range_m=100_000))
    assert feed(table, pair(0.0, lat=52.0, lon=8.0)) == []  # 222 km north
    assert table.stats.rejected == 1


def test_an_impossible_jump_is_rejected_then_the_old_fix_forgotten() -> None:
    table = AircraftTable(RECEIVER, AdsbConfig(max_rejections=3))
    feed(table, pair(0.0))
    far = LAT + 1.0  # 111 km away, 2 s later
    assert feed(table, pair(2.0, lat=far)) == []
    assert table.stats.rejected == 2
    assert feed(table, [(3.0, airborne_position(ICAO, far, LON, 20_000, odd=False))]) == []
    assert table.stats.rejected == 3  # third in a row: the old fix is taken to be the bad one
    [fix] = feed(table, [(3.5, airborne_position(ICAO, far, LON, 20_000, odd=True))])
    assert fix.lat_deg == pytest.approx(far, abs=1e-4)


def test_unverified_replies_only_count_for_known_aircraft() -> None:
    table = AircraftTable(RECEIVER)
    [report] = decode_frames([ALL_CALL])
    assert report is not None
    assert table.apply(report, 0.0) is None
    assert len(table) == 0 and table.stats.unverified == 1


def test_silent_aircraft_expire() -> None:
    table = AircraftTable(RECEIVER, AdsbConfig(expiry_s=60.0))
    feed(table, pair(0.0))
    assert len(table) == 1
    feed(table, [(100.0, airborne_position(0x111111, LAT, LON, 1000, odd=False))])
    assert table.get("3C6DD4") is None and table.stats.expired == 1
    # Back after expiry: needs a new global pair, no local decoding against the forgotten fix.
    assert feed(table, [(101.0, airborne_position(ICAO, LAT, LON, 20_000, odd=True))]) == []


def test_decoded_positions_from_sbs_make_detections() -> None:
    table = AircraftTable(RECEIVER)
    report = AircraftReport("4CA2D6", True, (DecodedPosition(50.1, 8.1, 5_000),))
    fix = table.apply(report, 10.0, "receive")
    assert fix is not None
    assert (fix.lat_deg, fix.lon_deg, fix.time_source) == (50.1, 8.1, "receive")
    assert fix.alt_m == pytest.approx(5_000 * 0.3048)


def test_surface_positions_decode_against_the_receiver() -> None:
    airport = Sensor(sensor_id="ams", kind="adsb", lat_deg=51.990, lon_deg=4.375, alt_m=-3.0)
    table = AircraftTable(airport)
    [report] = decode_frames(["8C4841753A9A153237AEF0F275BE"])
    assert report is not None
    fix = table.apply(report, 0.0)
    assert fix is not None
    assert haversine_m(fix.lat_deg or 0, fix.lon_deg or 0, 52.3206, 4.7347) < 200
    assert fix.alt_m == -3.0
    assert math.hypot(fix.vel_e_ms or 0, fix.vel_n_ms or 0) == pytest.approx(17 * KT_MS)


def test_published_pair_decodes_to_the_published_position() -> None:
    table = AircraftTable(Sensor(sensor_id="rx", kind="adsb", lat_deg=52.0, lon_deg=4.0, alt_m=0.0))
    [report_odd, report_even] = decode_frames([POSITION_ODD, POSITION_EVEN])
    assert report_odd is not None and report_even is not None
    assert table.apply(report_odd, 0.0) is None
    fix = table.apply(report_even, 2.0)
    assert fix is not None
    assert (fix.lat_deg, fix.lon_deg) == pytest.approx((52.2572, 3.91937), abs=1e-4)
