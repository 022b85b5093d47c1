"""What the server sends and accepts: typed views of the model records at the JSON edge.

These Pydantic models are the OpenAPI document's schemas; the WebSocket pushes the same
models (``StateSnapshot`` first, then ``StateUpdate`` per tick).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from raqib.server.auth import Role

ThreatLevel = Literal["none", "threat", "alert"]
ZoneState = Literal["quiet", "threatened", "alerted"]
SensorHealth = Literal["ok", "degraded", "down", "unknown"]
ZoneKind = Literal["protected", "restricted", "warning"]


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class SiteView(View):
    lat_deg: float
    lon_deg: float
    alt_m: float
    name: str = ""


class ThreatView(View):
    zone_id: str
    inside: bool
    probability: float
    time_to_entry_s: float | None
    closest_approach_m: float
    score: float
    impact_lat_deg: float | None = None
    impact_lon_deg: float | None = None
    impact_time_s: float | None = None
    impact_ellipse_m: tuple[float, float, float] | None = None
    provisional: bool = False


class TrackView(View):
    track_id: int
    time_s: float
    lat_deg: float
    lon_deg: float
    alt_m: float
    up_m: float
    vel_e_ms: float
    vel_n_ms: float
    vel_u_ms: float
    speed_ms: float
    heading_deg: float
    cov_enu: list[float] = Field(default_factory=list, description="6x6 ENU covariance, row-major")
    target_class: str
    class_probs: dict[str, float] = Field(default_factory=dict)
    sources: list[str] = Field(default_factory=list)
    identity: str | None = None
    callsign: str | None = None
    ballistic: bool = False
    authorised: bool = False
    spoofing_suspected: bool = False
    first_detection_time_s: float | None = None
    hits: int = 0
    level: ThreatLevel = "none"
    score: float = 0.0
    threats: list[ThreatView] = Field(default_factory=list)
    trail: list[tuple[float, float]] | None = Field(
        default=None, description="recent [lon, lat] positions, oldest first; only in snapshots"
    )


class AlertView(View):
    alert_id: int
    zone_id: str
    state: str
    active: bool
    target_class: str
    track_ids: list[int]
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


class AuditView(View):
    time_s: float
    alert_id: int
    zone_id: str
    action: str
    actor: str
    reason: str


class ZoneIn(BaseModel):
    """A zone as an administrator submits it: a polygon of [lat, lon] or a circle."""

    zone_id: str = Field(min_length=1, max_length=100)
    name: str = Field(default="", max_length=200)
    kind: ZoneKind = "protected"
    polygon: list[tuple[float, float]] = Field(
        default_factory=list, max_length=10_000, description="[lat, lon] degrees, not closed"
    )
    center_lat_deg: float | None = None
    center_lon_deg: float | None = None
    radius_m: float | None = None
    floor_m: float = 0.0
    ceiling_m: float = 1000.0
    warn: list[str] = Field(default_factory=list, max_length=100)


class ZoneView(View):
    zone_id: str
    name: str
    kind: str
    polygon: list[tuple[float, float]]
    center_lat_deg: float | None = None
    center_lon_deg: float | None = None
    radius_m: float | None = None
    floor_m: float
    ceiling_m: float
    warn: list[str]
    state: ZoneState = "quiet"


class ZoneStateView(View):
    zone_id: str
    state: ZoneState


class SensorView(View):
    sensor_id: str
    kind: str
    lat_deg: float
    lon_deg: float
    alt_m: float
    max_range_m: float | None = None
    period_s: float | None = None
    health: SensorHealth = "unknown"
    detail: str = ""
    last_seen_s: float | None = None


class SensorEdit(BaseModel):
    """An administrator's change to a sensor's surveyed position or coverage."""

    lat_deg: float | None = Field(default=None, ge=-90, le=90)
    lon_deg: float | None = Field(default=None, ge=-180, le=180)
    alt_m: float | None = Field(default=None, ge=-1000, le=100_000)
    max_range_m: float | None = Field(default=None, gt=0, le=1_000_000)


class StateSnapshot(View):
    """The whole picture at one time (live, or one scan of a replay)."""

    type: Literal["snapshot"] = "snapshot"
    seq: int
    time_s: float | None
    site: SiteView | None
    tracks: list[TrackView]
    alerts: list[AlertView]
    zones: list[ZoneView]
    sensors: list[SensorView]
    audit: list[AuditView]


class StateUpdate(View):
    """What changed since the subscriber's last message (one tick's batch)."""

    type: Literal["update"] = "update"
    seq: int
    time_s: float | None
    published_ms: float | None = Field(
        description="UNIX ms when the oldest change in this batch was published by the pipeline"
    )
    tracks: list[TrackView]
    removed: list[int]
    alerts: list[AlertView]
    zone_states: list[ZoneStateView]
    zones: list[ZoneView] | None = Field(default=None, description="the whole set, when edited")
    sensors: list[SensorView]
    audit: list[AuditView]


class UiConfig(View):
    site: SiteView | None
    tile_url: str | None = Field(default=None, description="raster tile URL template {z}/{x}/{y}")
    pmtiles_url: str | None = None
    range_rings_m: list[float]
    mode: Literal["live", "replay"] = "live"


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class LoginResult(View):
    token: str
    user: str
    role: Role
    expires_at_s: float


class UserView(View):
    name: str
    role: Role


class UserEdit(BaseModel):
    role: Role
    password: str | None = Field(default=None, min_length=8, max_length=1024)


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class RecordingInfo(View):
    name: str
    size_bytes: int


class ReplayInfo(View):
    name: str
    scan_count: int
    start_time_s: float | None
    end_time_s: float | None
    bad_lines: int
    times_s: list[float]


class Problem(View):
    detail: str
