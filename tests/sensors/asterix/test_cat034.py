"""CAT034 service messages -> RadarService: scan timing and health, no detections."""

from __future__ import annotations

import pytest

from raqib.sensors.asterix import AsterixConfig, AsterixDecoder, RadarService
from raqib.sensors.asterix.cat034 import NORTH_MARKER, SECTOR_CROSSING
from tests.sensors.asterix.builders import CAT034, RADAR, block, cat034_record

DAY_S = 1_700_006_400.0  # 2023-11-15 00:00 UTC


def feed(decoder: AsterixDecoder, *records: object, at_tod_s: float) -> list:
    return decoder.decode(block(CAT034, list(records)), DAY_S + at_tod_s)


def test_north_markers_give_scan_time_and_measured_rotation_period() -> None:
    decoder = AsterixDecoder(RADAR)
    assert feed(decoder, cat034_record(NORTH_MARKER, 3600.0), at_tod_s=3600.1) == []
    feed(decoder, cat034_record(SECTOR_CROSSING, 3601.0, sector_deg=90.0), at_tod_s=3601.1)
    feed(decoder, cat034_record(NORTH_MARKER, 3604.8), at_tod_s=3604.9)
    service = decoder.service
    assert isinstance(service, RadarService)
    assert (service.sac, service.sic) == (25, 201)
    assert service.north_marker_time_s == pytest.approx(DAY_S + 3604.8)
    assert service.north_markers == 2 and service.messages == 3
    assert service.rotation_period_s == pytest.approx(4.8, abs=0.01)
    assert service.sector_azimuth_deg == pytest.approx(90.0)
    assert service.sector_time_s == pytest.approx(DAY_S + 3601.0)
    assert decoder.counts.service_messages == 3 and decoder.stats.detections == 0


def test_reported_rotation_period_wins_over_the_measured_one() -> None:
    decoder = AsterixDecoder(RADAR)
    feed(decoder, cat034_record(NORTH_MARKER, 10.0, period_s=4.0), at_tod_s=10.0)
    feed(decoder, cat034_record(NORTH_MARKER, 14.5, period_s=4.0), at_tod_s=14.5)
    assert decoder.service is not None and decoder.service.rotation_period_s == pytest.approx(4.0)


def test_late_or_repeated_markers_do_not_move_the_scan_clock_back() -> None:
    decoder = AsterixDecoder(RADAR, config=AsterixConfig(sensor=RADAR, duplicate_window_s=0.0))
    feed(decoder, cat034_record(NORTH_MARKER, 20.0), at_tod_s=20.0)
    feed(decoder, cat034_record(NORTH_MARKER, 20.0), at_tod_s=20.1)  # the copy from LAN B
    feed(decoder, cat034_record(NORTH_MARKER, 15.2), at_tod_s=20.2)  # a late one
    service = decoder.service
    assert service is not None
    assert service.north_marker_time_s == pytest.approx(DAY_S + 20.0)
    assert service.north_markers == 1 and service.rotation_period_s is None
    assert service.last_message_time_s == pytest.approx(DAY_S + 20.0)


def test_status_flags_and_radar_position() -> None:
    decoder = AsterixDecoder(RADAR)
    feed(
        decoder,
        cat034_record(NORTH_MARKER, 50.0, nogo=1, overload=1, position=(780.0, 43.571, 16.406)),
        at_tod_s=50.0,
    )
    service = decoder.service
    assert service is not None and service.status is not None
    assert not service.status.operational
    assert service.status.rdp_overload and service.status.ssr_overload
    assert service.status.psr_overload is None  # the PSR part was not sent
    assert not service.status.healthy
    assert service.status_time_s == pytest.approx(DAY_S + 50.0)
    assert (service.lat_deg, service.lon_deg, service.height_m) == (
        pytest.approx(43.571, abs=1e-5),
        pytest.approx(16.406, abs=1e-5),
        pytest.approx(780.0),
    )


def test_services_are_kept_per_radar() -> None:
    decoder = AsterixDecoder(RADAR)
    feed(
        decoder,
        cat034_record(NORTH_MARKER, 5.0, sic=11),
        cat034_record(NORTH_MARKER, 6.0, sic=12),
        at_tod_s=6.1,
    )
    assert set(decoder.services) == {(25, 11), (25, 12)}
    assert decoder.service is None  # no SAC/SIC configured and two radars: no single answer
    configured = AsterixDecoder(RADAR, config=AsterixConfig(sensor=RADAR, sac=25, sic=12))
    feed(
        configured,
        cat034_record(NORTH_MARKER, 5.0, sic=11),
        cat034_record(NORTH_MARKER, 6.0, sic=12),
        at_tod_s=6.1,
    )
    assert set(configured.services) == {(25, 12)}
    assert configured.service is not None and configured.service.sic == 12
    assert configured.counts.foreign_sources == {(25, 11): 1}


def test_marker_just_before_midnight_received_just_after_keeps_its_day() -> None:
    decoder = AsterixDecoder(RADAR)
    feed(decoder, cat034_record(NORTH_MARKER, 86_399.5), at_tod_s=86_400.3)
    assert decoder.service is not None
    assert decoder.service.north_marker_time_s == pytest.approx(DAY_S + 86_399.5)
