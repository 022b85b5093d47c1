"""The scenario file's tables as msgspec structs: what a TOML scenario may say, and its defaults.

A scenario file (TOML) has these tables (full description and example: README.md here)::

    [scenario]        name, description, start_time (ISO 8601 UTC), duration_s
    [site]            lat, lon, alt (metres, the ground's altitude), name
    [[zones]]         id, name, kind, floor_m, ceiling_m, polygon = [[lat, lon], ...]
                      or circle = {lat, lon, radius_m}, warn = [...]
    [[sensors]]       id, kind (radar | adsb | remoteid | rf), lat, lon, alt, sigmas, pd,
                      clutter_rate, max_range_m, min_range_m, period_s, phase_s, latency_s,
                      azimuth_min_deg/azimuth_max_deg, elevation_min_deg/elevation_max_deg
    [[authorisations]] identity, name, operator_id, zone_ids, from_s, until_s
    [[targets]]       id, class, start_time_s, end_time_s, hostile, broadcasts, rf_emitter,
                      identity, callsign, operator = {lat, lon}, rcs_dbsm, and one motion:
                      [targets.path], [targets.erratic] or [targets.ballistic]

Altitudes: ``alt`` of the site, sensors and a ballistic launch are metres above the
ellipsoid (like the recording contract); waypoint and bird heights are metres above the
site's ground (``alt_agl``). Unknown keys are errors (they are usually typos).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

Latitude = Annotated[float, msgspec.Meta(ge=-90.0, le=90.0)]
Longitude = Annotated[float, msgspec.Meta(ge=-180.0, le=180.0)]
NonNegative = Annotated[float, msgspec.Meta(ge=0.0)]
Positive = Annotated[float, msgspec.Meta(gt=0.0)]
# Bounds that keep the numbers physical (and the numerics sane): metres and metres per second.
Altitude = Annotated[float, msgspec.Meta(ge=-1_000.0, le=100_000.0)]
Height = Annotated[float, msgspec.Meta(ge=0.0, le=100_000.0)]
Distance = Annotated[float, msgspec.Meta(gt=0.0, le=1_000_000.0)]
Speed = Annotated[float, msgspec.Meta(gt=0.0, le=5_000.0)]
Sigma = Annotated[float, msgspec.Meta(ge=0.0, le=100_000.0)]
Probability = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Identifier = Annotated[str, msgspec.Meta(min_length=1)]

SENSOR_KINDS = ("radar", "adsb", "remoteid", "rf")
TARGET_CLASSES = ("drone", "bird", "aircraft", "rocket")
BROADCASTS = ("adsb", "remoteid")


class _Table(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class ScenarioHeader(_Table, frozen=True, kw_only=True):
    name: Identifier
    description: str = ""
    start_time: datetime
    duration_s: Annotated[float, msgspec.Meta(gt=0.0, le=7 * 86400.0)]  # at most a week


class SiteSpec(_Table, frozen=True, kw_only=True):
    lat: Latitude
    lon: Longitude
    alt: Altitude = 0.0
    name: str = ""


class Point(_Table, frozen=True, kw_only=True):
    lat: Latitude
    lon: Longitude


class Circle(_Table, frozen=True, kw_only=True):
    lat: Latitude
    lon: Longitude
    radius_m: Distance


class ZoneSpec(_Table, frozen=True, kw_only=True):
    id: Identifier
    name: str = ""
    kind: Literal["protected", "restricted", "warning"] = "protected"
    floor_m: float = 0.0
    ceiling_m: float = 1000.0
    polygon: tuple[tuple[Latitude, Longitude], ...] | None = None
    circle: Circle | None = None
    warn: tuple[str, ...] = ()


# Accuracy and coverage a sensor gets when its file leaves them out, by kind.
SENSOR_DEFAULTS: dict[str, dict[str, float]] = {
    "radar": {"sigma_range_m": 10.0, "sigma_azimuth_deg": 0.5, "sigma_elevation_deg": 0.5,
              "max_range_m": 12_000.0, "pd": 0.9},
    "adsb": {"sigma_h_m": 20.0, "sigma_v_m": 10.0, "sigma_vel_ms": 1.0, "max_range_m": 250_000.0, "pd": 0.95},
    "remoteid": {"sigma_h_m": 5.0, "sigma_v_m": 5.0, "sigma_vel_ms": 0.5, "max_range_m": 2_000.0, "pd": 0.95},
    "rf": {"sigma_azimuth_deg": 2.0, "max_range_m": 5_000.0, "pd": 0.9},
}  # fmt: skip


class SensorSpec(_Table, frozen=True, kw_only=True):
    """One sensor and how it is simulated. Sigmas left out take SENSOR_DEFAULTS for the kind;
    an RF direction finder reports elevation only when given ``sigma_elevation_deg``, a radar
    reports range rate only when given ``sigma_range_rate_ms``."""

    id: Identifier
    kind: Literal["radar", "adsb", "remoteid", "rf"]
    lat: Latitude
    lon: Longitude
    alt: Altitude
    sigma_range_m: Sigma | None = None
    sigma_azimuth_deg: Sigma | None = None
    sigma_elevation_deg: Sigma | None = None
    sigma_range_rate_ms: Sigma | None = None
    sigma_h_m: Sigma | None = None
    sigma_v_m: Sigma | None = None
    sigma_vel_ms: Sigma | None = None
    sigma_rcs_db: Sigma = 2.0
    pd: Probability | None = None
    clutter_rate: Annotated[float, msgspec.Meta(ge=0.0, le=1e5)] = (
        0.0  # false detections per scan, whole view
    )
    clutter_rcs_dbsm: Annotated[float, msgspec.Meta(ge=-100.0, le=100.0)] = -25.0
    max_range_m: Distance | None = None
    min_range_m: Annotated[float, msgspec.Meta(ge=0.0, le=1_000_000.0)] = 0.0
    period_s: Annotated[float, msgspec.Meta(ge=0.01)] = 1.0
    phase_s: Annotated[float, msgspec.Meta(ge=0.0, le=86_400.0)] = (
        0.0  # first scan time after the scenario start
    )
    latency_s: Annotated[float, msgspec.Meta(ge=0.0, le=3_600.0)] = 0.0  # from measurement to delivery
    azimuth_min_deg: Annotated[float, msgspec.Meta(ge=-360.0, le=360.0)] = 0.0
    azimuth_max_deg: Annotated[float, msgspec.Meta(ge=-360.0, le=720.0)] = 360.0
    elevation_min_deg: Annotated[float, msgspec.Meta(ge=-90.0, le=90.0)] = -5.0
    elevation_max_deg: Annotated[float, msgspec.Meta(ge=-90.0, le=90.0)] = 90.0


class AuthorisationSpec(_Table, frozen=True, kw_only=True):
    identity: Identifier
    name: str = ""
    operator_id: str | None = None
    zone_ids: tuple[str, ...] = ()
    from_s: float | None = None
    until_s: float | None = None


Waypoint = tuple[Latitude, Longitude, Height]  # lat, lon, metres above ground


class PathSpec(_Table, frozen=True, kw_only=True):
    """Waypoints flown at ``speed_ms``: coordinated turns (fly-by, at most
    ``max_turn_rate_deg_s``) and straight climbs or descents (at most ``max_climb_ms``) from
    one waypoint's height to the next. A path ends at its last waypoint unless it loops."""

    waypoints: Annotated[tuple[Waypoint, ...], msgspec.Meta(min_length=2)]
    speed_ms: Speed
    max_turn_rate_deg_s: Annotated[float, msgspec.Meta(gt=0.0, le=360.0)] = 10.0
    max_climb_ms: Speed = 8.0
    loop: bool = False


class ErraticSpec(_Table, frozen=True, kw_only=True):
    """A bird's wandering: heading, speed and height change at random (mean every
    ``mean_change_s``), and it turns back when it strays beyond ``radius_m`` of the centre."""

    lat: Latitude
    lon: Longitude
    radius_m: Distance
    start: Point | None = None  # default: the centre
    heading_deg: float | None = None  # default: random
    alt_agl_m: tuple[Height, Height] = (10.0, 60.0)
    speed_ms: tuple[Speed, Speed] = (6.0, 15.0)
    mean_change_s: Annotated[float, msgspec.Meta(ge=0.1)] = 4.0
    max_turn_rate_deg_s: Annotated[float, msgspec.Meta(gt=0.0, le=360.0)] = 45.0


class BallisticSpec(_Table, frozen=True, kw_only=True):
    """A round fired from (lat, lon, alt) at azimuth/elevation with ``speed_ms``, then under
    gravity and quadratic drag (air density falling with height) until it hits the ground.
    Drag: ``ballistic_coefficient_kg_m2`` (mass / (Cd * area)) or ``drag_per_m`` (the
    deceleration per speed squared at sea level, rho0 / (2 * BC)); 0 is a vacuum."""

    lat: Latitude
    lon: Longitude
    alt: Altitude | None = None  # default: the site's ground
    azimuth_deg: float
    elevation_deg: Annotated[float, msgspec.Meta(gt=0.0, lt=90.0)]
    speed_ms: Speed
    ballistic_coefficient_kg_m2: Annotated[float, msgspec.Meta(ge=1.0)] | None = None
    drag_per_m: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] | None = None


class TargetSpec(_Table, frozen=True, kw_only=True):
    id: Identifier
    target_class: Literal["drone", "bird", "aircraft", "rocket"] = msgspec.field(name="class")
    start_time_s: NonNegative = 0.0
    end_time_s: NonNegative | None = None
    hostile: bool = False  # for documentation and evaluation only: the pipeline never sees it
    broadcasts: tuple[Literal["adsb", "remoteid"], ...] = ()
    rf_emitter: bool = False  # has a control link an RF direction finder hears
    identity: str | None = None  # ICAO address (hex) or Remote ID serial number
    callsign: str | None = None
    operator: Point | None = None  # where a Remote ID pilot stands
    rcs_dbsm: Annotated[float, msgspec.Meta(ge=-100.0, le=100.0)] | None = None  # default: RCS_DEFAULTS
    path: PathSpec | None = None
    erratic: ErraticSpec | None = None
    ballistic: BallisticSpec | None = None


RCS_DEFAULTS = {"drone": -15.0, "bird": -28.0, "aircraft": 20.0, "rocket": -12.0}


class ScenarioFile(_Table, frozen=True, kw_only=True):
    scenario: ScenarioHeader
    site: SiteSpec
    zones: tuple[ZoneSpec, ...] = ()
    sensors: Annotated[tuple[SensorSpec, ...], msgspec.Meta(min_length=1)]
    authorisations: tuple[AuthorisationSpec, ...] = ()
    targets: tuple[TargetSpec, ...] = ()
