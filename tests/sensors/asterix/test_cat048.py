"""CAT048 target reports built with libasterix's encoder -> polar Detections."""

from __future__ import annotations

import math

import asterix.generated as gen
import numpy as np
import pytest

from raqib.model import Detection
from raqib.sensors.asterix import AsterixConfig, AsterixDecoder
from raqib.sensors.asterix.cat048 import EARTH_RADIUS_M, elevation_deg
from raqib.sensors.asterix.items import FL_M, FT_M, NM_M
from raqib.sensors.base import DecodeError
from tests.sensors.asterix.builders import CAT048, RADAR, Plot, block, cat048_record

DAY_S = 1_462_406_400.0  # 2016-05-05 00:00 UTC
RECEIVED_S = DAY_S + 27_356.5


def decode(*plots: Plot, **options: object) -> tuple[AsterixDecoder, list, list[DecodeError]]:
    errors: list[DecodeError] = []
    config = AsterixConfig(sensor=RADAR, **options)  # type: ignore[arg-type]
    decoder = AsterixDecoder(RADAR, config=config, on_error=errors.append)
    detections = decoder.decode(block(CAT048, [cat048_record(p) for p in plots]), RECEIVED_S)
    return decoder, detections, errors


def test_a_mode_s_plot_becomes_a_polar_detection() -> None:
    decoder, (detection,), errors = decode(Plot(rho_nm=100.5, theta_deg=45.0, fl=330.0))
    assert errors == []
    assert detection.is_polar and not detection.is_position
    assert detection.sensor_id == "radar-1"
    assert detection.range_m == pytest.approx(100.5 * NM_M)
    assert detection.azimuth_deg == pytest.approx(45.0)
    assert detection.time_s == pytest.approx(DAY_S + 27_354.6015625)
    assert detection.time_source == "sensor"
    assert detection.identity == "3C660C" and detection.callsign == "DLH65A"
    # No 3-D height: the elevation comes from the Mode C flight level (pressure altitude),
    # with a sigma wide enough for the pressure altitude's error.
    assert detection.alt_m is None
    assert height_of(detection) == pytest.approx(330 * 100 * FT_M, abs=0.01)
    assert detection.sigma_elevation_deg == pytest.approx(math.degrees(150.0 / (100.5 * NM_M)))
    assert decoder.counts.plots == 1 and decoder.counts.tracks == 0
    assert decoder.stats.records == decoder.stats.detections == 1


def test_a_3d_height_gives_elevation_and_no_pressure_altitude() -> None:
    _, (detection,), _ = decode(Plot(rho_nm=50.0, height_ft=20_000.0, fl=198.0))
    assert detection.alt_m is None
    assert detection.elevation_deg is not None
    # Back from elevation to height on the same sphere: the 3-D height again.
    r = 50.0 * NM_M
    sensor_radius = EARTH_RADIUS_M + RADAR.alt_m
    el = math.radians(detection.elevation_deg)
    height = math.sqrt(sensor_radius**2 + r**2 + 2 * sensor_radius * r * math.sin(el)) - EARTH_RADIUS_M
    assert height == pytest.approx(20_000.0 * FT_M, abs=0.01)
    assert detection.sigma_elevation_deg is None  # a measured height: the radar's own accuracy


def test_elevation_geometry() -> None:
    r = np.array([10_000.0, 10_000.0, 0.0, 1_000.0])
    h = np.array([1_000.0 + 100.0, 100.0, 100.0, 50_000.0])
    el = elevation_deg(r, h, 100.0)
    # 1 km up at 10 km: asin(0.1), less the earth's drop over 10 km, r / 2R (0.045 deg).
    assert el[0] == pytest.approx(math.degrees(math.asin(0.1) - r[0] / (2 * EARTH_RADIUS_M)), abs=0.002)
    assert el[1] == pytest.approx(
        -math.degrees(r[1] / (2 * EARTH_RADIUS_M)), rel=1e-3
    )  # drops with the earth
    assert math.isnan(el[2]) and math.isnan(el[3])  # no range; height out of reach of the range


def test_a_radar_track_report_is_a_measurement_and_counted_as_a_track() -> None:
    decoder, (detection,), _ = decode(Plot(track_number=3563, doppler_ms=-12.0))
    assert decoder.counts.tracks == 1 and decoder.counts.plots == 0
    assert detection.range_rate_ms == pytest.approx(-12.0)


def test_no_detection_reports_are_counted_not_turned_into_measurements() -> None:
    decoder, detections, errors = decode(Plot(typ=0), Plot())
    assert len(detections) == 1 and errors == []
    assert decoder.counts.no_detection == 1


@pytest.mark.parametrize("plot", [Plot(sim=1), Plot(rab=1)])
def test_simulated_and_field_monitor_reports_are_dropped_unless_asked_for(plot: Plot) -> None:
    decoder, detections, _ = decode(plot)
    assert detections == [] and decoder.counts.test_targets == 1
    _, kept, _ = decode(plot, keep_test_targets=True)
    assert len(kept) == 1


def test_records_from_other_radars_are_counted_and_skipped() -> None:
    decoder, detections, errors = decode(
        Plot(sac=25, sic=201), Plot(sac=25, sic=13), Plot(sac=25, sic=13, theta_deg=2.0), sac=25, sic=201
    )
    assert len(detections) == 1 and errors == []
    assert decoder.counts.foreign_sources == {(25, 13): 2}


def test_a_plot_without_address_or_callsign() -> None:
    _, (detection,), _ = decode(Plot(address=None, callsign=None, fl=None, typ=1))
    assert (detection.identity, detection.callsign, detection.alt_m) == (None, None, None)


def test_extended_range_beyond_256_nm() -> None:
    expansion = gen.Ref_048_1_13.cv_expansion.create({"ERR": 300.0})
    record = cat048_record(Plot(rho_nm=255.99))
    record = record.set_item("020", ((5, 0, 0, 0, 0, 1), (0, 1, 0, 0, 0, 0, None)))
    with_re = record.set_item("RE", expansion.unparse().to_bytes())
    without_re = record
    errors: list[DecodeError] = []
    decoder = AsterixDecoder(RADAR, on_error=errors.append)
    (detection,) = decoder.decode(block(CAT048, [with_re, without_re]), RECEIVED_S)
    assert detection.range_m == pytest.approx(300.0 * NM_M)
    (error,) = errors
    assert "256 NM" in error.reason and type(error).__name__ == "InvalidRecordError"


def test_time_past_midnight_is_rejected_as_a_likely_wrong_edition() -> None:
    record = cat048_record(Plot()).set_item("140", 100_000.0)
    errors: list[DecodeError] = []
    decoder = AsterixDecoder(RADAR, on_error=errors.append)
    good = cat048_record(Plot(theta_deg=10.0))
    detections = decoder.decode(block(CAT048, [record, good]), RECEIVED_S)
    assert [d.azimuth_deg for d in detections] == [pytest.approx(10.0, abs=0.006)]  # the good one survives
    assert "past midnight" in errors[0].reason and errors[0].offset == 3


def test_altitude_unit_is_pressure_altitude() -> None:
    _, (detection,), _ = decode(Plot(fl=-5.0))
    assert height_of(detection) == pytest.approx(-5 * FL_M, abs=0.01)


def height_of(detection: Detection) -> float:
    """Back from slant range and elevation to height, on the decoder's sphere."""
    assert detection.range_m is not None and detection.elevation_deg is not None
    sensor_radius = EARTH_RADIUS_M + RADAR.alt_m
    r = detection.range_m
    el = math.radians(detection.elevation_deg)
    return math.sqrt(sensor_radius**2 + r**2 + 2 * sensor_radius * r * math.sin(el)) - EARTH_RADIUS_M
