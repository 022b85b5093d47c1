"""The lines of the recording contract (CONTRACT.md) as msgspec structs: one struct per
line ``type``, attribute names the model's, JSON names the contract's (``rename``), value
constraints checked while decoding. Fields are in the order they are written.

Extension fields, beyond CONTRACT.md (other readers ignore them; raqib reads them back):
detection ``sigma_vel_ms``, ``class_confidence``, ``operator_lat``/``operator_lon`` (the Remote
ID pilot's position), ``time_source``; track ``callsign``, ``ballistic``, ``authorised``,
``spoofing_suspected``, ``first_time``, ``hits``.

A model field that is in no struct here (a track's east/north/up, and the tracker's
classifier evidence: ``ballistic_p``, ``rcs_dbsm``, ``reported_class``, ``identity_kind``,
``ballistic_state``, ``ballistic_cov``, or any field added later) is not written.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias

import msgspec

# Value constraints, checked by msgspec while decoding.
Latitude = Annotated[float, msgspec.Meta(ge=-90.0, le=90.0)]
Longitude = Annotated[float, msgspec.Meta(ge=-180.0, le=180.0)]
NonNegative = Annotated[float, msgspec.Meta(ge=0.0)]
Positive = Annotated[float, msgspec.Meta(gt=0.0)]
Probability = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Covariance = Annotated[tuple[float, ...], msgspec.Meta(min_length=36, max_length=36)]
TrackId = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
# Physical bounds, so that no reader downstream meets an absurd number: metres, metres/second.
Altitude = Annotated[float, msgspec.Meta(ge=-11_000.0, le=1_000_000.0)]
Range = Annotated[float, msgspec.Meta(ge=0.0, le=10_000_000.0)]
Speed = Annotated[float, msgspec.Meta(ge=-100_000.0, le=100_000.0)]

_POSITION = {"lat_deg": "lat", "lon_deg": "lon", "alt_m": "alt"}
_VELOCITY = {"vel_e_ms": "vel_e", "vel_n_ms": "vel_n", "vel_u_ms": "vel_u"}
_LINE_OPTIONS: dict[str, Any] = {"tag_field": "type", "omit_defaults": True, "kw_only": True}


class SiteLine(msgspec.Struct, tag="site", rename=_POSITION, **_LINE_OPTIONS):
    lat_deg: Latitude
    lon_deg: Longitude
    alt_m: Altitude
    name: str | None = None


class SensorLine(msgspec.Struct, tag="sensor", rename={**_POSITION, "sensor_id": "id"}, **_LINE_OPTIONS):
    sensor_id: str
    kind: str
    lat_deg: Latitude
    lon_deg: Longitude
    alt_m: Altitude
    sigma_range_m: NonNegative | None = None
    sigma_azimuth_deg: NonNegative | None = None
    sigma_elevation_deg: NonNegative | None = None
    sigma_h_m: NonNegative | None = None
    sigma_v_m: NonNegative | None = None
    pd: Probability | None = None
    clutter_rate: NonNegative | None = None
    max_range_m: Range | None = None
    period_s: Positive | None = None


_DETECTION_NAMES = {
    **_POSITION, **_VELOCITY, "time_s": "time", "sensor_id": "sensor", "identity": "id",
    "operator_lat_deg": "operator_lat", "operator_lon_deg": "operator_lon",
}  # fmt: skip


class DetectionLine(msgspec.Struct, tag="detection", rename=_DETECTION_NAMES, **_LINE_OPTIONS):
    time_s: float
    sensor_id: str
    range_m: Range | None = None
    azimuth_deg: float | None = None
    elevation_deg: float | None = None
    lat_deg: Latitude | None = None
    lon_deg: Longitude | None = None
    alt_m: Altitude | None = None
    range_rate_ms: Speed | None = None
    vel_e_ms: Speed | None = None
    vel_n_ms: Speed | None = None
    vel_u_ms: Speed | None = None
    sigma_range_m: NonNegative | None = None
    sigma_azimuth_deg: NonNegative | None = None
    sigma_elevation_deg: NonNegative | None = None
    sigma_h_m: NonNegative | None = None
    sigma_v_m: NonNegative | None = None
    sigma_vel_ms: NonNegative | None = None
    identity: str | None = None
    callsign: str | None = None
    rcs_dbsm: float | None = None
    class_hint: str | None = None
    class_confidence: Probability | None = None
    operator_lat_deg: Latitude | None = None
    operator_lon_deg: Longitude | None = None
    time_source: str = "sensor"


_TRUTH_NAMES = {**_POSITION, **_VELOCITY, "time_s": "time", "target_id": "id", "target_class": "class"}


class TruthLine(msgspec.Struct, tag="truth", rename=_TRUTH_NAMES, **_LINE_OPTIONS):
    time_s: float
    target_id: str
    lat_deg: Latitude
    lon_deg: Longitude
    alt_m: Altitude
    vel_e_ms: Speed | None = None
    vel_n_ms: Speed | None = None
    vel_u_ms: Speed | None = None
    target_class: str | None = None


_TRACK_NAMES = {
    **_POSITION, **_VELOCITY, "time_s": "time", "track_id": "id", "target_class": "class",
    "class_probs": "class_p", "first_detection_time_s": "first_time",
}  # fmt: skip


class TrackLine(msgspec.Struct, tag="track", rename=_TRACK_NAMES, **_LINE_OPTIONS):
    time_s: float
    track_id: TrackId
    lat_deg: Latitude
    lon_deg: Longitude
    alt_m: Altitude
    vel_e_ms: Speed
    vel_n_ms: Speed
    vel_u_ms: Speed
    target_class: str | None = None
    class_probs: dict[str, Probability] | None = None
    cov_enu: Covariance | None = None
    sources: tuple[str, ...] | None = None
    identity: str | None = None
    callsign: str | None = None
    ballistic: bool = False
    authorised: bool = False
    spoofing_suspected: bool = False
    first_detection_time_s: float | None = None
    hits: Annotated[int, msgspec.Meta(ge=0)] = 0


Line: TypeAlias = SiteLine | SensorLine | DetectionLine | TruthLine | TrackLine

LINE_TYPES = ("site", "sensor", "detection", "truth", "track")
