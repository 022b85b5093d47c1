"""CAT062 system tracks built with libasterix's encoder -> position Detections."""

from __future__ import annotations

import math

import numpy as np
import pytest

from raqib.geo import geodetic_to_enu
from raqib.model import Site
from raqib.sensors.asterix import AsterixConfig, AsterixDecoder
from raqib.sensors.asterix.cat062 import stereographic_to_geodetic
from raqib.sensors.asterix.items import FL_M, FT_M
from raqib.sensors.base import DecodeError
from tests.sensors.asterix.builders import CAT062, RADAR, SystemTrack, block, cat062_record

DAY_S = 1_393_286_400.0  # 2014-02-25 00:00 UTC
RECEIVED_S = DAY_S + 30_912.0


def decode(*tracks: SystemTrack, **options: object) -> tuple[AsterixDecoder, list, list[DecodeError]]:
    errors: list[DecodeError] = []
    config = AsterixConfig(sensor=RADAR, **options)  # type: ignore[arg-type]
    decoder = AsterixDecoder(RADAR, config=config, on_error=errors.append)
    detections = decoder.decode(block(CAT062, [cat062_record(t) for t in tracks]), RECEIVED_S)
    return decoder, detections, errors


def test_a_track_with_wgs84_position_becomes_a_position_detection() -> None:
    track = SystemTrack(address=0x3C0A55, callsign="SXD4723", sigma_xy_m=(30.0, 40.0))
    decoder, (detection,), errors = decode(track)
    assert errors == []
    assert detection.is_position and not detection.is_polar
    assert detection.lat_deg == pytest.approx(44.734413, abs=1e-6)
    assert detection.lon_deg == pytest.approx(13.0415279, abs=1e-6)
    assert detection.alt_m == pytest.approx(157 * FL_M)
    assert (detection.vel_e_ms, detection.vel_n_ms) == (-51.25, 170.0)
    assert detection.time_s == pytest.approx(DAY_S + 30_911.6640625)
    assert (detection.identity, detection.callsign) == ("3C0A55", "SXD4723")
    assert detection.sigma_h_m == pytest.approx(math.sqrt((30.0**2 + 40.0**2) / 2))
    assert decoder.counts.tracks == 1


def test_a_track_without_address_is_named_by_its_track_number() -> None:
    _, (detection,), _ = decode(SystemTrack(track_number=4980))
    assert detection.identity == "trk:4980"


def test_geometric_altitude_only_when_measured_and_preferred() -> None:
    # The builder sets I080 SRC 0 (no source): a geometric altitude is not trusted over the FL.
    _, (detection,), _ = decode(SystemTrack(geometric_ft=43_300.0, fl=157.0))
    assert detection.alt_m == pytest.approx(157 * FL_M)
    record = cat062_record(SystemTrack(geometric_ft=16_000.0, fl=157.0))
    record = record.set_item("080", ((1, 0, 1, 1, 0, None), (0, 0, 0, 0, 0, 0, 0, None)))  # MRH 1, GNSS
    decoder = AsterixDecoder(RADAR)
    (measured,) = decoder.decode(block(CAT062, [record]), RECEIVED_S)
    assert measured.alt_m == pytest.approx(16_000.0 * FT_M)


def test_cartesian_position_needs_the_system_reference_point() -> None:
    track = SystemTrack(lat_deg=None, lon_deg=None, x_m=10_000.0, y_m=20_000.0)
    _, detections, errors = decode(track)
    assert detections == []
    assert "no system reference point" in errors[0].reason
    _, (detection,), errors = decode(track, system_ref_lat_deg=45.0, system_ref_lon_deg=16.0)
    assert errors == []
    # 10 km east and 20 km north of the tangent point, as the ellipsoid's tangent plane has it
    # within the 0.2 % by which the projection sphere's radius differs from the ellipsoid's.
    east, north, _ = geodetic_to_enu(
        detection.lat_deg, detection.lon_deg, 0.0, Site(lat_deg=45.0, lon_deg=16.0, alt_m=0.0)
    )
    assert math.hypot(float(east) - 10_000.0, float(north) - 20_000.0) < 0.002 * 22_400.0


def test_stereographic_inverse_is_vectorised_and_keeps_the_tangent_point() -> None:
    lat, lon = stereographic_to_geodetic(
        np.array([0.0, 0.0, 100_000.0]), np.array([0.0, 1_000.0, 0.0]), 50.0, 4.5
    )
    assert (lat[0], lon[0]) == (pytest.approx(50.0), pytest.approx(4.5))
    assert lat[1] - 50.0 == pytest.approx(1_000.0 / 111_229.0, rel=3e-3)  # 1 km north
    assert lon[2] > 4.5 and lat[2] < 50.0  # due "east" on the plane curves south of the parallel


def test_simulated_tracks_are_dropped() -> None:
    decoder, detections, _ = decode(SystemTrack(sim=1), SystemTrack(track_number=7))
    assert [d.identity for d in detections] == ["trk:7"]
    assert decoder.counts.test_targets == 1


def test_a_position_off_the_earth_is_rejected() -> None:
    record = cat062_record(SystemTrack()).set_item("105", (4330.0, 1164.0))
    errors: list[DecodeError] = []
    decoder = AsterixDecoder(RADAR, on_error=errors.append)
    assert decoder.decode(block(CAT062, [record, cat062_record(SystemTrack())]), RECEIVED_S) != []
    assert "off the earth" in errors[0].reason
