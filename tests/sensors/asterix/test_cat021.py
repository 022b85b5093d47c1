"""CAT021 ADS-B reports built with libasterix's encoder -> position Detections."""

from __future__ import annotations

import pytest

from raqib.sensors.asterix import AsterixConfig, AsterixDecoder
from raqib.sensors.asterix.cat021 import NACP_BOUND_M, NUCP_BOUND_M, sigma_from_category
from raqib.sensors.asterix.items import FL_M, FT_M, NM_M
from raqib.sensors.base import DecodeError
from tests.sensors.asterix.builders import CAT021, RADAR, AdsbReport, block, cat021_record

DAY_S = 1_700_006_400.0
RECEIVED_S = DAY_S + 45_000.4
ADSB = RADAR.__class__(sensor_id="adsb-1", kind="adsb", lat_deg=45.0, lon_deg=16.0, alt_m=100.0)


def decode(*reports: AdsbReport, **options: object) -> tuple[AsterixDecoder, list, list[DecodeError]]:
    errors: list[DecodeError] = []
    config = AsterixConfig(sensor=ADSB, **options)  # type: ignore[arg-type]
    decoder = AsterixDecoder(ADSB, config=config, on_error=errors.append)
    detections = decoder.decode(block(CAT021, [cat021_record(r) for r in reports]), RECEIVED_S)
    return decoder, detections, errors


def test_an_adsb_report_becomes_a_position_detection() -> None:
    decoder, (detection,), errors = decode(AdsbReport())
    assert errors == []
    assert detection.sensor_id == "adsb-1" and detection.is_position
    assert (detection.identity, detection.callsign) == ("1A4B65", "EZS14ZH")
    assert detection.lat_deg == pytest.approx(46.8442011, abs=1e-7)
    assert detection.lon_deg == pytest.approx(12.2985291, abs=1e-7)
    assert detection.alt_m == pytest.approx(36_000 * FT_M)  # geometric height over the FL
    assert detection.time_s == pytest.approx(DAY_S + 45_000.0) and detection.time_source == "sensor"
    # 0.125 NM/s due east; 625 ft/min down.
    assert detection.vel_e_ms == pytest.approx(0.125 * NM_M)
    assert detection.vel_n_ms == pytest.approx(0.0, abs=1e-9)
    assert detection.vel_u_ms == pytest.approx(-625 * FT_M / 60)
    assert decoder.counts.adsb_reports == 1


def test_flight_level_when_there_is_no_geometric_height() -> None:
    _, (detection,), _ = decode(AdsbReport(geometric_ft=None, fl=350.0))
    assert detection.alt_m == pytest.approx(350 * FL_M)


def test_nacp_maps_to_a_one_sigma_horizontal_error() -> None:
    _, (detection,), _ = decode(AdsbReport(nacp=8))
    assert detection.sigma_h_m == pytest.approx(92.6 / 2.4477, rel=1e-4)  # 37.8 m
    assert sigma_from_category(10, NACP_BOUND_M) == pytest.approx(4.09, abs=0.01)
    assert sigma_from_category(0, NACP_BOUND_M) is None  # unknown
    assert sigma_from_category(13, NACP_BOUND_M) is None  # reserved
    _, (unknown,), _ = decode(AdsbReport(nacp=0))
    assert unknown.sigma_h_m is None


def test_nucp_is_read_only_from_version_0_transponders() -> None:
    _, (v0,), _ = decode(AdsbReport(nacp=None, nucp=7, version=0))
    assert v0.sigma_h_m == pytest.approx(sigma_from_category(7, NUCP_BOUND_M))
    _, (v2,), _ = decode(AdsbReport(nacp=None, nucp=7, version=2))  # there it is a NIC
    assert v2.sigma_h_m is None


def test_report_without_time_is_stamped_with_the_receive_time() -> None:
    _, (detection,), _ = decode(AdsbReport(tod_s=None))
    assert detection.time_s == RECEIVED_S and detection.time_source == "receive"


def test_report_without_position_is_counted() -> None:
    decoder, detections, errors = decode(AdsbReport(lat_deg=None, lon_deg=None))
    assert detections == [] and errors == []
    assert decoder.counts.no_detection == 1


def test_simulated_reports_are_dropped() -> None:
    decoder, detections, _ = decode(AdsbReport(sim=1))
    assert detections == [] and decoder.counts.test_targets == 1
