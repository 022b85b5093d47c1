"""SAPIENT values to raqib's units: positions, range-bearings, velocities, classes, times.

Pure functions of the message parts and the few settings they need. A value raqib cannot
place raises ConversionError (the message is wrong: out of range, not finite, unspecified
units) or UnsupportedConversion (the message is valid but needs what raqib does not have, such
as the platform heading for a bearing from platform north).

Units and datums, as BSI Flex 335 v2.0 declares them:
  * Location: ``x`` is longitude and ``y`` latitude (degrees or radians), or UTM easting and
    northing (metres) in ``utm_zone``; ``z`` metres above the WGS84 ellipsoid (WGS84_E) or the
    geoid (WGS84_G). ``x_error``/``y_error`` are in the units of ``x``/``y``.
  * RangeBearing: azimuth clockwise from TRUE, MAGNETIC, GRID or PLATFORM north, elevation above
    the node's horizon, both in degrees or radians; range in metres or kilometres; errors in
    the same units.
  * ENUVelocity: east/north/up rates in the units the registration declares (m/s or km/h).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from raqib.model import TargetClass
from raqib.sensors.sapient.messages import location_pb2, range_bearing_pb2

try:
    import utm
except ImportError:  # UTM positions are then unsupported; everything else works
    utm = None  # type: ignore[assignment]

_METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180.0  # mean Earth radius: errors only, not positions
_UTM_ZONE = re.compile(r"^\s*(\d{1,2})\s*([C-HJ-NP-Xc-hj-np-x])\s*$")

_LOC = location_pb2
_RB = range_bearing_pb2


class ConversionError(ValueError):
    """A value that cannot be right (out of range, not finite, unspecified units)."""


class UnsupportedConversion(ValueError):
    """A valid value raqib cannot convert without information it does not have."""


@dataclass(frozen=True, slots=True)
class Position:
    lat_deg: float
    lon_deg: float
    alt_m: float | None
    sigma_h_m: float | None
    sigma_v_m: float | None
    geoid_uncorrected: bool = False  # a WGS84_G height used as ellipsoidal


@dataclass(frozen=True, slots=True)
class Polar:
    azimuth_deg: float  # clockwise from true north, 0..360
    range_m: float | None
    elevation_deg: float | None
    sigma_azimuth_deg: float | None
    sigma_range_m: float | None
    sigma_elevation_deg: float | None


def timestamp_s(timestamp: Any) -> float:
    """A google.protobuf.Timestamp as UNIX seconds."""
    return float(timestamp.seconds) + timestamp.nanos / 1e9


def _finite(name: str, value: float) -> float:
    if not math.isfinite(value):
        raise ConversionError(f"{name} is {value}")
    return value


def _optional(message: Any, name: str, scale: float = 1.0) -> float | None:
    if not message.HasField(name):
        return None
    return _finite(name, getattr(message, name)) * scale


def location_to_position(
    location: Any,
    *,
    zone_hint: str = "",
    geoid_undulation_m: float | None = None,
    harness_lat_lon_in_utm: bool = False,
) -> Position:
    """A SAPIENT Location as WGS84 latitude, longitude (degrees) and ellipsoidal altitude (m)."""
    x = _finite("x", location.x)
    y = _finite("y", location.y)
    system = location.coordinate_system
    x_error = _optional(location, "x_error")
    y_error = _optional(location, "y_error")
    if system == _LOC.LOCATION_COORDINATE_SYSTEM_LAT_LNG_DEG_M:
        lat_deg, lon_deg, error_scale_m = y, x, _METRES_PER_DEGREE
    elif system == _LOC.LOCATION_COORDINATE_SYSTEM_LAT_LNG_RAD_M:
        lat_deg, lon_deg = math.degrees(y), math.degrees(x)
        error_scale_m = _METRES_PER_DEGREE * 180.0 / math.pi
    elif system == _LOC.LOCATION_COORDINATE_SYSTEM_UTM_M:
        lat_deg, lon_deg = _utm_to_lat_lon(x, y, location.utm_zone or zone_hint, harness_lat_lon_in_utm)
        error_scale_m = 1.0
    else:
        raise ConversionError(f"location coordinate system {system} is not one raqib reads")
    if not (-90.0 <= lat_deg <= 90.0 and -180.0 <= lon_deg <= 180.0):
        raise ConversionError(
            f"latitude {lat_deg:.6g} / longitude {lon_deg:.6g} out of range (x is longitude, y latitude)"
        )
    if system != _LOC.LOCATION_COORDINATE_SYSTEM_UTM_M:
        east_scale = error_scale_m * math.cos(math.radians(lat_deg))
        x_error = None if x_error is None else abs(x_error) * east_scale
        y_error = None if y_error is None else abs(y_error) * error_scale_m
    errors = [abs(e) for e in (x_error, y_error) if e is not None]
    if location.datum not in (_LOC.LOCATION_DATUM_WGS84_E, _LOC.LOCATION_DATUM_WGS84_G):
        raise ConversionError(f"location datum {location.datum} is not one raqib reads")
    alt_m = _optional(location, "z")
    geoid_uncorrected = False
    if alt_m is not None and location.datum == _LOC.LOCATION_DATUM_WGS84_G:
        if geoid_undulation_m is None:
            geoid_uncorrected = True
        else:
            alt_m += geoid_undulation_m
    z_error = _optional(location, "z_error")
    return Position(
        lat_deg=lat_deg,
        lon_deg=lon_deg,
        alt_m=alt_m,
        sigma_h_m=max(errors) if errors else None,
        sigma_v_m=None if z_error is None else abs(z_error),
        geoid_uncorrected=geoid_uncorrected,
    )


def _utm_to_lat_lon(easting: float, northing: float, zone: str, harness_quirk: bool) -> tuple[float, float]:
    match = _UTM_ZONE.match(zone)
    if match is None:
        raise ConversionError(f"UTM location without a zone and latitude band (utm_zone {zone!r})")
    if utm is None:
        raise UnsupportedConversion("UTM locations need the 'utm' package, which is not installed")
    try:
        lat, lon = utm.to_latlon(easting, northing, int(match[1]), match[2].upper())
    except utm.error.OutOfRangeError as exc:
        if harness_quirk and abs(easting) <= 90.0 and abs(northing) <= 180.0:
            return easting, northing
        raise ConversionError(f"UTM {easting:.6g} E {northing:.6g} N in zone {zone.strip()}: {exc}") from exc
    return float(lat), float(lon)


_ANGLE_TO_DEG = {
    _RB.RANGE_BEARING_COORDINATE_SYSTEM_DEGREES_M: 1.0,
    _RB.RANGE_BEARING_COORDINATE_SYSTEM_DEGREES_KM: 1.0,
    _RB.RANGE_BEARING_COORDINATE_SYSTEM_RADIANS_M: 180.0 / math.pi,
    _RB.RANGE_BEARING_COORDINATE_SYSTEM_RADIANS_KM: 180.0 / math.pi,
}
_RANGE_TO_M = {
    _RB.RANGE_BEARING_COORDINATE_SYSTEM_DEGREES_M: 1.0,
    _RB.RANGE_BEARING_COORDINATE_SYSTEM_RADIANS_M: 1.0,
    _RB.RANGE_BEARING_COORDINATE_SYSTEM_DEGREES_KM: 1000.0,
    _RB.RANGE_BEARING_COORDINATE_SYSTEM_RADIANS_KM: 1000.0,
}


def range_bearing_to_polar(
    range_bearing: Any,
    *,
    node_lat_lon_deg: tuple[float, float] | None,
    magnetic_declination_deg: float | None,
    utm_zone: str = "",
) -> Polar:
    """A SAPIENT RangeBearing as range (m), azimuth from true north and elevation (degrees)."""
    system = range_bearing.coordinate_system
    if system not in _ANGLE_TO_DEG:
        raise ConversionError(f"range-bearing coordinate system {system} is not one raqib reads")
    to_deg, to_m = _ANGLE_TO_DEG[system], _RANGE_TO_M[system]
    azimuth = _optional(range_bearing, "azimuth", to_deg)
    if azimuth is None:
        raise ConversionError("range-bearing without an azimuth")
    azimuth += _north_correction_deg(
        range_bearing.datum, node_lat_lon_deg, magnetic_declination_deg, utm_zone
    )
    range_m = _optional(range_bearing, "range", to_m)
    if range_m is not None and range_m < 0.0:
        raise ConversionError(f"negative range {range_m} m")
    elevation = _optional(range_bearing, "elevation", to_deg)
    if elevation is not None and not -90.0 <= elevation <= 90.0:
        raise ConversionError(f"elevation {elevation:.6g} degrees out of range")
    sigma_az = _optional(range_bearing, "azimuth_error", to_deg)
    sigma_range = _optional(range_bearing, "range_error", to_m)
    sigma_el = _optional(range_bearing, "elevation_error", to_deg)
    azimuth %= 360.0
    return Polar(
        azimuth_deg=0.0 if azimuth == 360.0 else azimuth,  # -1e-300 % 360 rounds to 360
        range_m=range_m,
        elevation_deg=elevation,
        sigma_azimuth_deg=None if sigma_az is None else abs(sigma_az),
        sigma_range_m=None if sigma_range is None else abs(sigma_range),
        sigma_elevation_deg=None if sigma_el is None else abs(sigma_el),
    )


def _north_correction_deg(
    datum: int,
    node_lat_lon_deg: tuple[float, float] | None,
    magnetic_declination_deg: float | None,
    utm_zone: str,
) -> float:
    """What to add to a bearing from the datum's north to make it a bearing from true north."""
    if datum == _RB.RANGE_BEARING_DATUM_TRUE:
        return 0.0
    if datum == _RB.RANGE_BEARING_DATUM_MAGNETIC:
        if magnetic_declination_deg is None:
            raise UnsupportedConversion("bearing from magnetic north, and no magnetic declination configured")
        return magnetic_declination_deg
    if datum == _RB.RANGE_BEARING_DATUM_GRID:
        if node_lat_lon_deg is None:
            raise UnsupportedConversion("bearing from grid north from a node whose position is unknown")
        return grid_convergence_deg(*node_lat_lon_deg, utm_zone=utm_zone)
    if datum == _RB.RANGE_BEARING_DATUM_PLATFORM:
        raise UnsupportedConversion("bearing from the platform's heading, which SAPIENT does not report")
    raise ConversionError(f"range-bearing datum {datum} is not one raqib reads")


def grid_convergence_deg(lat_deg: float, lon_deg: float, *, utm_zone: str = "") -> float:
    """UTM meridian convergence: the angle from true north clockwise to grid north.

    gamma = atan(tan(lon - lon0) * sin(lat)), lon0 the zone's central meridian; a bearing from
    grid north plus gamma is a bearing from true north."""
    match = _UTM_ZONE.match(utm_zone) or re.match(r"^\s*(\d{1,2})\s*$", utm_zone)
    zone = int(match[1]) if match else int((lon_deg + 180.0) // 6.0) % 60 + 1
    central_meridian_deg = zone * 6.0 - 183.0
    delta = math.radians(lon_deg - central_meridian_deg)
    return math.degrees(math.atan(math.tan(delta) * math.sin(math.radians(lat_deg))))


@dataclass(frozen=True, slots=True)
class Velocity:
    east_ms: float
    north_ms: float
    up_ms: float | None
    sigma_ms: float | None


def enu_velocity(velocity: Any, *, east_north_scale: float = 1.0, up_scale: float = 1.0) -> Velocity:
    """ENUVelocity in m/s; the scales convert the registered units (1/3.6 for km/h)."""
    errors = [
        e
        for e in (
            _optional(velocity, "east_rate_error", east_north_scale),
            _optional(velocity, "north_rate_error", east_north_scale),
            _optional(velocity, "up_rate_error", up_scale),
        )
        if e is not None
    ]
    return Velocity(
        east_ms=_finite("east_rate", velocity.east_rate) * east_north_scale,
        north_ms=_finite("north_rate", velocity.north_rate) * east_north_scale,
        up_ms=_optional(velocity, "up_rate", up_scale),
        sigma_ms=max(abs(e) for e in errors) if errors else None,
    )


# Words in SAPIENT class names (free text, agreed per deployment) that name raqib's classes.
# Drones first: "UAV fixed wing" is a drone, not an aircraft.
_CLASS_WORDS: Sequence[tuple[TargetClass, re.Pattern[str]]] = (
    (TargetClass.DRONE, re.compile(r"\b(uav|uas|suas|drone|quad\w*|multi-?(rotor|copter)\w*|rpas)\b", re.I)),
    (TargetClass.BIRD, re.compile(r"\bbirds?\b", re.I)),
    (
        TargetClass.AIRCRAFT,
        re.compile(
            r"\b(aircraft|aeroplane|airplane|helicopter|airliner|manned|fixed[- ]wing|rotary[- ]wing)\b", re.I
        ),
    ),
)


def class_from_name(name: str) -> TargetClass | None:
    """raqib's class for one SAPIENT class name, or None when the name names none of them."""
    for target_class, pattern in _CLASS_WORDS:
        if pattern.search(name):
            return target_class
    return None


def top_class(classifications: Iterable[Any]) -> tuple[str, float | None] | None:
    """The most confident classification as (raqib class, confidence), or None when there is none.

    Within the top class, its most confident sub-classes are followed down the taxonomy and the
    most specific name that names a raqib class decides ("Air Vehicle" > "UAV" is a drone)."""
    best = max(classifications, key=_confidence, default=None)
    if best is None:
        return None
    chain = [best]
    level: Any = best
    while len(level.sub_class):
        level = max(level.sub_class, key=_confidence)
        chain.append(level)
    for item in reversed(chain):
        mapped = class_from_name(item.type)
        if mapped is not None:
            return mapped.value, _confidence_or_none(item) or _confidence_or_none(best)
    return TargetClass.UNKNOWN.value, _confidence_or_none(best)


def _confidence(item: Any) -> float:
    value = item.confidence if item.HasField("confidence") else 0.0
    return value if math.isfinite(value) else 0.0


def _confidence_or_none(item: Any) -> float | None:
    if not item.HasField("confidence") or not math.isfinite(item.confidence):
        return None
    # confidences travel as float32: round off the float32 noise (0.8 arrives as 0.800000011920929)
    return round(min(max(float(item.confidence), 0.0), 1.0), 6)
