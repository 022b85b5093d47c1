"""The records that flow through raqib, stage to stage.

    sensors ─► Detection ─► tracking ─► Track ─► threat ─► Threat ─► alerts ─► Alert ─► outputs

Every record is an immutable msgspec Struct with SI units in its field names. Positions
are WGS84 (degrees, metres above the ellipsoid) at the edges and local east-north-up metres
(from the site origin) inside the numerics.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec


class TargetClass(StrEnum):
    """What a track is believed to be."""

    DRONE = "drone"
    BIRD = "bird"
    AIRCRAFT = "aircraft"  # manned aircraft
    ROCKET = "rocket"  # rocket, artillery or mortar round: anything on a ballistic path
    UNKNOWN = "unknown"


TARGET_CLASSES: tuple[TargetClass, ...] = tuple(TargetClass)


class SensorKind(StrEnum):
    RADAR = "radar"
    RF = "rf"  # passive direction finder on drones' control links
    EO = "eo"  # electro-optical / infrared camera
    ACOUSTIC = "acoustic"
    ADSB = "adsb"
    REMOTEID = "remoteid"
    OTHER = "other"


class Site(msgspec.Struct, frozen=True, kw_only=True):
    """The local origin of east-north-up coordinates."""

    lat_deg: float
    lon_deg: float
    alt_m: float
    name: str = ""


class Sensor(msgspec.Struct, frozen=True, kw_only=True):
    """A sensor's position and its accuracy (one standard deviation per axis)."""

    sensor_id: str
    kind: str
    lat_deg: float
    lon_deg: float
    alt_m: float
    sigma_range_m: float | None = None
    sigma_azimuth_deg: float | None = None
    sigma_elevation_deg: float | None = None
    sigma_h_m: float | None = None
    sigma_v_m: float | None = None
    pd: float | None = None
    clutter_rate: float | None = None
    max_range_m: float | None = None
    period_s: float | None = None


class Detection(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One measurement of one object by one sensor at one time.

    Exactly one measurement form is filled in:
      * polar: ``range_m`` and ``azimuth_deg`` (clockwise from true north), ``elevation_deg``
        optional, relative to the sensor's position;
      * bearing-only: ``azimuth_deg`` (``elevation_deg`` optional), no range;
      * position: ``lat_deg``, ``lon_deg``, ``alt_m`` (WGS84, metres above the ellipsoid).
    ``sigma_*`` fields override the sensor's own accuracy for this detection.
    ``time_source`` says whether ``time_s`` is the sensor's own time of measurement
    ("sensor") or the time raqib received it ("receive").
    """

    time_s: float
    sensor_id: str
    range_m: float | None = None
    azimuth_deg: float | None = None
    elevation_deg: float | None = None
    lat_deg: float | None = None
    lon_deg: float | None = None
    alt_m: float | None = None
    range_rate_ms: float | None = None
    vel_e_ms: float | None = None
    vel_n_ms: float | None = None
    vel_u_ms: float | None = None
    sigma_range_m: float | None = None
    sigma_azimuth_deg: float | None = None
    sigma_elevation_deg: float | None = None
    sigma_h_m: float | None = None
    sigma_v_m: float | None = None
    sigma_vel_ms: float | None = None
    identity: str | None = None  # cooperative identity: ICAO address (hex), Remote ID serial
    callsign: str | None = None
    rcs_dbsm: float | None = None
    class_hint: str | None = None  # a TargetClass value reported by the sensor
    class_confidence: float | None = None
    operator_lat_deg: float | None = None  # Remote ID: where the pilot stands
    operator_lon_deg: float | None = None
    time_source: str = "sensor"

    @property
    def is_position(self) -> bool:
        return self.lat_deg is not None and self.lon_deg is not None

    @property
    def is_polar(self) -> bool:
        return self.range_m is not None and self.azimuth_deg is not None

    @property
    def is_bearing(self) -> bool:
        return self.range_m is None and self.azimuth_deg is not None and not self.is_position


class Truth(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Ground truth of one simulated object at one time."""

    time_s: float
    target_id: str
    lat_deg: float
    lon_deg: float
    alt_m: float
    vel_e_ms: float = 0.0
    vel_n_ms: float = 0.0
    vel_u_ms: float = 0.0
    target_class: str | None = None


class Track(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A confirmed track as the tracker reports it after a scan.

    ``east_m``/``north_m``/``up_m`` are the same position in the site's local frame.
    ``cov_enu`` is the 6x6 position-velocity covariance (row-major, ENU, m and m/s).
    """

    time_s: float
    track_id: int
    lat_deg: float
    lon_deg: float
    alt_m: float
    east_m: float
    north_m: float
    up_m: float
    vel_e_ms: float
    vel_n_ms: float
    vel_u_ms: float
    cov_enu: tuple[float, ...] = ()
    target_class: str = TargetClass.UNKNOWN
    class_probs: dict[str, float] = msgspec.field(default_factory=dict)
    sources: tuple[str, ...] = ()
    identity: str | None = None
    callsign: str | None = None
    ballistic: bool = False
    authorised: bool = False
    spoofing_suspected: bool = False
    first_detection_time_s: float | None = None
    hits: int = 0
    # Evidence the tracker hands to the classifier (not part of the recording contract):
    ballistic_p: float = 0.0  # IMM probability of the ballistic motion model
    rcs_dbsm: float | None = None  # mean radar cross-section of its detections
    reported_class: dict[str, float] = msgspec.field(default_factory=dict)  # sensors' class votes, normalised
    identity_kind: str | None = None  # the sensor kind its identity came from: "adsb", "remoteid", ...
    # The ballistic motion model's own state and covariance (ENU), for impact prediction;
    # empty unless that model is plausible for this track.
    ballistic_state: tuple[float, ...] = ()
    ballistic_cov: tuple[float, ...] = ()


class Zone(msgspec.Struct, frozen=True, kw_only=True):
    """A volume to protect or watch.

    The horizontal shape is either ``polygon`` (a ring of (lat, lon) pairs in degrees) or a
    circle (``center_lat_deg``, ``center_lon_deg``, ``radius_m``). ``floor_m`` and
    ``ceiling_m`` are metres above the site origin's altitude.
    """

    zone_id: str
    name: str
    kind: str = "protected"  # protected | restricted | warning
    polygon: tuple[tuple[float, float], ...] = ()
    center_lat_deg: float | None = None
    center_lon_deg: float | None = None
    radius_m: float | None = None
    floor_m: float = 0.0
    ceiling_m: float = 1000.0
    warn: tuple[str, ...] = ()  # who to warn: names of output channels or contacts


class Threat(msgspec.Struct, frozen=True, kw_only=True):
    """One track's risk to one zone at one time."""

    time_s: float
    track_id: int
    zone_id: str
    target_class: str
    inside: bool
    probability: float  # of being inside the zone within the horizon
    time_to_entry_s: float | None  # None: not predicted to enter within the horizon
    closest_approach_m: float
    score: float
    zone_kind: str = "protected"
    impact_lat_deg: float | None = None
    impact_lon_deg: float | None = None
    impact_time_s: float | None = None
    impact_ellipse_m: tuple[float, float, float] | None = None  # semi-major, semi-minor (95 %), azimuth_deg
    # An impact predicted from too few plots to warn on: shown to the operator, never alerted.
    provisional: bool = False
    # The share of ``probability`` read from the track's heading over its straight run (heading
    # for this zone, or for a farther one across it): risk that has already persisted.
    heading_probability: float = 0.0


class AlertState(StrEnum):
    RAISED = "raised"
    UPDATED = "updated"
    ACKNOWLEDGED = "acknowledged"
    CLEARED = "cleared"


class Alert(msgspec.Struct, frozen=True, kw_only=True):
    """A warning to one zone about one threat event (a track, or a salvo or swarm of them)."""

    alert_id: int
    zone_id: str
    state: str
    target_class: str
    track_ids: tuple[int, ...]
    raised_time_s: float
    updated_time_s: float
    cleared_time_s: float | None = None
    acknowledged_by: str | None = None
    time_to_entry_s: float | None = None
    predicted_entry_time_s: float | None = None
    impact_lat_deg: float | None = None
    impact_lon_deg: float | None = None
    score: float = 0.0
    reason: str = ""
    note: str = ""


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One change to an alert: when, what, why and by whom."""

    time_s: float
    alert_id: int
    zone_id: str
    action: str
    actor: str  # "raqib" for automatic changes, or the operator's user name
    reason: str


class Authorisation(msgspec.Struct, frozen=True, kw_only=True):
    """Permission for one cooperative identity (a Remote ID serial or an ICAO address) to fly.

    ``zone_ids`` are the zones it may fly in (empty: anywhere outside protected zones);
    ``from_s``/``until_s`` bound the time (scenario or UNIX seconds; None: no bound)."""

    identity: str
    name: str = ""
    operator_id: str | None = None
    zone_ids: tuple[str, ...] = ()
    from_s: float | None = None
    until_s: float | None = None


class StepResult(msgspec.Struct, frozen=True, kw_only=True):
    """What one pipeline step produced: the confirmed tracks, the threats, the alerts whose state
    changed and their audit lines. The screen and the outputs read it."""

    time_s: float
    tracks: list[Track]
    threats: list[Threat]
    alert_changes: list[Alert]
    audit: list[AuditEntry]
