"""SAPIENT units, datums and classes to raqib's."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from raqib.sensors.sapient import convert
from raqib.sensors.sapient.messages import detection_report_pb2, location_pb2, range_bearing_pb2, velocity_pb2
from tests.sensors.sapient.builders import lat_lon

LOC = location_pb2
RB = range_bearing_pb2
Classification = detection_report_pb2.DetectionReport.DetectionReportClassification


def test_x_is_longitude_and_y_latitude() -> None:
    location = lat_lon(51.4700, -0.4543, 25.0)
    assert (location.x, location.y) == (-0.4543, 51.47)
    position = convert.location_to_position(location)
    assert (position.lat_deg, position.lon_deg, position.alt_m) == (51.47, -0.4543, 25.0)


def test_errors_in_degrees_become_metres() -> None:
    location = lat_lon(60.0, 10.0, 0.0)
    location.x_error = 0.001  # longitude: half as long at 60 degrees north
    location.y_error = 0.0001
    location.z_error = -4.0
    position = convert.location_to_position(location)
    assert position.sigma_h_m == pytest.approx(0.001 * 111_195 * 0.5, rel=1e-3)
    assert position.sigma_v_m == 4.0


def test_radians() -> None:
    location = lat_lon(math.radians(51.47), math.radians(-0.4543))
    location.coordinate_system = LOC.LOCATION_COORDINATE_SYSTEM_LAT_LNG_RAD_M
    position = convert.location_to_position(location)
    assert position.lat_deg == pytest.approx(51.47)
    assert position.lon_deg == pytest.approx(-0.4543)
    assert position.alt_m is None


def test_utm_with_the_zone_and_band() -> None:
    location = LOC.Location(
        x=500_000.0,
        y=5_670_000.0,
        z=100.0,
        x_error=3.0,
        coordinate_system=LOC.LOCATION_COORDINATE_SYSTEM_UTM_M,
        datum=LOC.LOCATION_DATUM_WGS84_E,
        utm_zone="30U",
    )
    position = convert.location_to_position(location)
    assert position.lon_deg == pytest.approx(-3.0)  # zone 30's central meridian
    assert position.lat_deg == pytest.approx(51.1814, abs=1e-4)
    assert position.sigma_h_m == 3.0
    location.ClearField("utm_zone")
    assert convert.location_to_position(location, zone_hint="30U").lat_deg == pytest.approx(51.1814, abs=1e-4)
    with pytest.raises(convert.ConversionError, match="zone"):
        convert.location_to_position(location)


def test_lat_lon_labelled_utm_is_rejected_unless_the_harness_quirk_is_on() -> None:
    # What Dstl's test harness sends: latitude in x, longitude in y, declared UTM.
    location = LOC.Location(
        x=51.1739726374,
        y=-1.82237671048,
        coordinate_system=LOC.LOCATION_COORDINATE_SYSTEM_UTM_M,
        datum=LOC.LOCATION_DATUM_WGS84_E,
        utm_zone="30U",
    )
    with pytest.raises(convert.ConversionError, match="easting out of range"):
        convert.location_to_position(location)
    position = convert.location_to_position(location, harness_lat_lon_in_utm=True)
    assert (position.lat_deg, position.lon_deg) == (51.1739726374, -1.82237671048)


def test_geoid_heights_are_corrected_when_the_undulation_is_known() -> None:
    location = lat_lon(51.47, -0.45, 100.0)
    location.datum = LOC.LOCATION_DATUM_WGS84_G
    uncorrected = convert.location_to_position(location)
    assert uncorrected.alt_m == 100.0 and uncorrected.geoid_uncorrected
    corrected = convert.location_to_position(location, geoid_undulation_m=46.5)
    assert corrected.alt_m == 146.5 and not corrected.geoid_uncorrected


@pytest.mark.parametrize(
    ("x", "y", "reason"),
    [(200.0, 10.0, "out of range"), (10.0, 95.0, "out of range"), (math.nan, 1.0, "x is nan")],
)
def test_impossible_positions_are_refused(x: float, y: float, reason: str) -> None:
    location = lat_lon(0.0, 0.0)
    location.x, location.y = x, y
    with pytest.raises(convert.ConversionError, match=reason):
        convert.location_to_position(location)


def test_unspecified_units_and_datums_are_refused() -> None:
    location = lat_lon(1.0, 2.0)
    location.coordinate_system = LOC.LOCATION_COORDINATE_SYSTEM_UNSPECIFIED
    with pytest.raises(convert.ConversionError, match="coordinate system"):
        convert.location_to_position(location)
    location = lat_lon(1.0, 2.0)
    location.datum = LOC.LOCATION_DATUM_UNSPECIFIED
    with pytest.raises(convert.ConversionError, match="datum"):
        convert.location_to_position(location)


def range_bearing(
    system: Any = RB.RANGE_BEARING_COORDINATE_SYSTEM_DEGREES_M, datum: Any = RB.RANGE_BEARING_DATUM_TRUE
) -> Any:
    return RB.RangeBearing(
        range=2.0, azimuth=350.0, elevation=5.0, azimuth_error=1.0, coordinate_system=system, datum=datum
    )


def test_kilometres_and_radians() -> None:
    polar = convert.range_bearing_to_polar(
        RB.RangeBearing(
            range=1.5,
            azimuth=math.pi / 2,
            elevation=-0.1,
            range_error=0.02,
            coordinate_system=RB.RANGE_BEARING_COORDINATE_SYSTEM_RADIANS_KM,
            datum=RB.RANGE_BEARING_DATUM_TRUE,
        ),
        node_lat_lon_deg=None,
        magnetic_declination_deg=None,
    )
    assert polar.range_m == 1500.0
    assert polar.sigma_range_m == 20.0
    assert polar.azimuth_deg == pytest.approx(90.0)
    assert polar.elevation_deg == pytest.approx(math.degrees(-0.1))


def test_magnetic_bearings_need_the_declination() -> None:
    rb = range_bearing(datum=RB.RANGE_BEARING_DATUM_MAGNETIC)
    with pytest.raises(convert.UnsupportedConversion, match="declination"):
        convert.range_bearing_to_polar(rb, node_lat_lon_deg=None, magnetic_declination_deg=None)
    polar = convert.range_bearing_to_polar(rb, node_lat_lon_deg=None, magnetic_declination_deg=15.0)
    assert polar.azimuth_deg == pytest.approx(5.0)  # 350 + 15, wrapped


def test_grid_bearings_are_turned_by_the_meridian_convergence() -> None:
    # East of zone 30's central meridian (3 W) in the north, grid north lies east of true north.
    gamma = convert.grid_convergence_deg(51.47, -0.45)
    assert gamma == pytest.approx(
        math.degrees(math.atan(math.tan(math.radians(2.55)) * math.sin(math.radians(51.47))))
    )
    assert gamma > 0
    assert convert.grid_convergence_deg(51.47, -5.0) < 0
    polar = convert.range_bearing_to_polar(
        range_bearing(datum=RB.RANGE_BEARING_DATUM_GRID),
        node_lat_lon_deg=(51.47, -0.45),
        magnetic_declination_deg=None,
    )
    assert polar.azimuth_deg == pytest.approx(350.0 + gamma)
    with pytest.raises(convert.UnsupportedConversion, match="position is unknown"):
        convert.range_bearing_to_polar(
            range_bearing(datum=RB.RANGE_BEARING_DATUM_GRID),
            node_lat_lon_deg=None,
            magnetic_declination_deg=None,
        )


def test_platform_relative_bearings_are_unsupported() -> None:
    with pytest.raises(convert.UnsupportedConversion, match="platform"):
        convert.range_bearing_to_polar(
            range_bearing(datum=RB.RANGE_BEARING_DATUM_PLATFORM),
            node_lat_lon_deg=None,
            magnetic_declination_deg=None,
        )


def test_a_bearing_without_range_is_bearing_only_and_one_without_azimuth_is_refused() -> None:
    rb = range_bearing()
    rb.ClearField("range")
    polar = convert.range_bearing_to_polar(rb, node_lat_lon_deg=None, magnetic_declination_deg=None)
    assert polar.range_m is None and polar.azimuth_deg == 350.0
    rb.ClearField("azimuth")
    with pytest.raises(convert.ConversionError, match="azimuth"):
        convert.range_bearing_to_polar(rb, node_lat_lon_deg=None, magnetic_declination_deg=None)


def test_velocity_in_kilometres_per_hour() -> None:
    velocity = velocity_pb2.ENUVelocity(east_rate=36.0, north_rate=-18.0, east_rate_error=3.6)
    converted = convert.enu_velocity(velocity, east_north_scale=1 / 3.6)
    assert (converted.east_ms, converted.north_ms, converted.up_ms) == pytest.approx((10.0, -5.0, None))
    assert converted.sigma_ms == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("UAV", "drone"),
        ("sUAS", "drone"),
        ("Drone", "drone"),
        ("Quadcopter", "drone"),
        ("UAV Fixed Wing", "drone"),
        ("Bird", "bird"),
        ("Birds", "bird"),
        ("Aircraft", "aircraft"),
        ("Manned Helicopter", "aircraft"),
        ("Human", None),
        ("Vehicle", None),
    ],
)
def test_class_names(name: str, expected: str | None) -> None:
    mapped = convert.class_from_name(name)
    assert (mapped.value if mapped else None) == expected


def test_the_most_confident_class_decides_and_its_sub_classes_refine_it() -> None:
    assert convert.top_class([]) is None
    assert convert.top_class(
        [Classification(type="Bird", confidence=0.3), Classification(type="UAV", confidence=0.6)]
    ) == (
        "drone",
        0.6,
    )
    air = Classification(type="Air Vehicle", confidence=0.9)
    air.sub_class.add(type="Manned aircraft", confidence=0.2, level=1)
    air.sub_class.add(type="UAV Rotary Wing", confidence=0.7, level=1)
    assert convert.top_class([air]) == ("drone", 0.7)
    assert convert.top_class([Classification(type="Human", confidence=0.8)]) == ("unknown", 0.8)
    assert convert.top_class([Classification(type="Bird")]) == ("bird", None)


finite = st.floats(allow_nan=True, allow_infinity=True)


@given(finite, finite, finite, st.integers(0, 6), st.integers(0, 3), st.text(max_size=4))
def test_any_location_converts_or_is_refused_cleanly(
    x: float, y: float, z: float, system: Any, datum: Any, zone: str
) -> None:
    location = LOC.Location(x=x, y=y, z=z, coordinate_system=system, datum=datum, utm_zone=zone)
    try:
        position = convert.location_to_position(location)
    except (convert.ConversionError, convert.UnsupportedConversion):
        return
    assert -90 <= position.lat_deg <= 90 and -180 <= position.lon_deg <= 180


@given(finite, finite, finite, st.integers(0, 6), st.integers(0, 5))
def test_any_range_bearing_converts_or_is_refused_cleanly(
    range_value: float, azimuth: float, elevation: float, system: Any, datum: Any
) -> None:
    rb = RB.RangeBearing(
        range=range_value, azimuth=azimuth, elevation=elevation, coordinate_system=system, datum=datum
    )
    try:
        polar = convert.range_bearing_to_polar(
            rb, node_lat_lon_deg=(10.0, 20.0), magnetic_declination_deg=2.0
        )
    except (convert.ConversionError, convert.UnsupportedConversion):
        return
    assert 0 <= polar.azimuth_deg < 360
    assert polar.range_m is not None and polar.range_m >= 0
