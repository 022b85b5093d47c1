"""One SAPIENT node as raqib (the DMM) sees it: its registration, its health, its reports.

    Registration   -> accepted or refused (RegistrationAck with the reasons); the node is known
    StatusReport   -> NodeStatus: health, mode, power, position, last report time
    DetectionReport-> Detection, placed with the node's declared units and datums

A node that reports before registering is still heard: its detections are used (raqib would
rather see an unregistered radar's drone than drop it) and the session flags it once. Nothing
here does I/O; ``session.py`` feeds the messages in and sends the answers out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from raqib.model import Detection, Sensor, SensorKind
from raqib.sensors.sapient import convert
from raqib.sensors.sapient.config import SapientConfig
from raqib.sensors.sapient.messages import registration_pb2, status_report_pb2, velocity_pb2

_REG = registration_pb2.Registration
_STATUS = status_report_pb2.StatusReport

# Node types that sense; platform types (mobile, pointable) only say how the sensor is carried.
NODE_KINDS: dict[int, SensorKind] = {
    _REG.NODE_TYPE_RADAR: SensorKind.RADAR,
    _REG.NODE_TYPE_PASSIVE_RF: SensorKind.RF,
    _REG.NODE_TYPE_CAMERA: SensorKind.EO,
    _REG.NODE_TYPE_ACOUSTIC: SensorKind.ACOUSTIC,
}
_PLATFORM_TYPES = {_REG.NODE_TYPE_MOBILE_NODE, _REG.NODE_TYPE_POINTABLE_NODE}

_SYSTEM_STATES = {
    _STATUS.SYSTEM_OK: "ok",
    _STATUS.SYSTEM_WARNING: "warning",
    _STATUS.SYSTEM_ERROR: "error",
    _STATUS.SYSTEM_GOODBYE: "goodbye",
}
_SECONDS_PER_UNIT = {
    _REG.TIME_UNITS_NANOSECONDS: 1e-9,
    _REG.TIME_UNITS_MICROSECONDS: 1e-6,
    _REG.TIME_UNITS_MILLISECONDS: 1e-3,
    _REG.TIME_UNITS_SECONDS: 1.0,
    _REG.TIME_UNITS_MINUTES: 60.0,
    _REG.TIME_UNITS_HOURS: 3600.0,
    _REG.TIME_UNITS_DAYS: 86400.0,
}
_SPEED_TO_MS = {velocity_pb2.SPEED_UNITS_MS: 1.0, velocity_pb2.SPEED_UNITS_KPH: 1.0 / 3.6}


class NodeStatus(msgspec.Struct, frozen=True, kw_only=True):
    """What the sensor registry knows of one SAPIENT node, after its latest message.

    ``system`` is "ok", "warning", "error", "goodbye" (about to disconnect) or "unknown";
    ``conditions`` are the node's own status lines ("warning weather: Rain").
    ``last_report_time_s`` is the sensor time of its latest status report and
    ``last_seen_time_s`` the receive time of its latest message of any kind (UNIX seconds)."""

    node_id: str
    sensor_id: str
    kind: str = SensorKind.OTHER.value
    registered: bool = False
    name: str = ""
    short_name: str = ""
    icd_version: str = ""
    system: str = "unknown"
    mode: str = ""
    lat_deg: float | None = None
    lon_deg: float | None = None
    alt_m: float | None = None
    power_level_pct: int | None = None
    power_source: str | None = None
    power_fault: bool = False
    conditions: tuple[str, ...] = ()
    status_interval_s: float | None = None
    last_report_time_s: float | None = None
    last_seen_time_s: float | None = None
    connected: bool = True

    @property
    def healthy(self) -> bool:
        return self.connected and self.system == "ok" and not self.power_fault

    def to_sensor(self) -> Sensor | None:
        """The node as a Sensor record for the tracker, once its position is known."""
        if self.lat_deg is None or self.lon_deg is None:
            return None
        return Sensor(
            sensor_id=self.sensor_id,
            kind=self.kind,
            lat_deg=self.lat_deg,
            lon_deg=self.lon_deg,
            alt_m=self.alt_m or 0.0,
            period_s=self.status_interval_s,
        )


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """What a node declared in its accepted Registration that decoding its reports needs."""

    kind: SensorKind
    utm_zone: str  # the zone its UTM locations are in, when a location carries none
    velocity_scales: dict[str, tuple[float, float]] = field(default_factory=dict)  # mode -> (e/n, up)


def node_info(registration: Any) -> NodeInfo:
    kind = SensorKind.OTHER
    for definition in registration.node_definition:
        if definition.node_type in NODE_KINDS:
            kind = NODE_KINDS[definition.node_type]
            break
    zones = [registration.status_definition.location_definition.zone]
    scales: dict[str, tuple[float, float]] = {}
    for mode in registration.mode_definition:
        for detection in mode.detection_definition:
            zones.append(detection.location_type.zone)
            units = detection.velocity_type.enu_velocity_units
            if detection.velocity_type.HasField("enu_velocity_units"):
                east_north = _SPEED_TO_MS.get(units.east_north_rate_units, 1.0)
                up = (
                    _SPEED_TO_MS.get(units.up_rate_units, east_north)
                    if units.HasField("up_rate_units")
                    else east_north
                )
                scales.setdefault(mode.mode_name, (east_north, up))
    return NodeInfo(kind=kind, utm_zone=next((z for z in zones if z), ""), velocity_scales=scales)


_VERSION = re.compile(r"\bv\s*(\d+)", re.IGNORECASE)


def icd_version_problem(icd_version: str) -> str | None:
    """Why raqib cannot take a node of this ICD version ("SAPIENT v7", "BSI Flex 335 v1.0"), or None."""
    match = _VERSION.search(icd_version)
    if match is not None and int(match[1]) != 2:
        return f"ICD version {icd_version!r} is not supported: raqib speaks BSI Flex 335 v2.0"
    return None


def duration_s(duration: Any) -> float | None:
    """A registration's Duration in seconds; None when its units or value make no sense."""
    scale = _SECONDS_PER_UNIT.get(duration.units)
    if scale is None or not math.isfinite(duration.value) or duration.value <= 0:
        return None
    return float(duration.value) * scale


class SapientNode:
    """The state of one node (by UUID) and the rules that turn its messages into raqib records."""

    def __init__(self, node_id: str, config: SapientConfig) -> None:
        self.node_id = node_id
        self.config = config
        self.info: NodeInfo | None = None
        self.flagged: set[str] = set()  # caveats already reported for this node
        configured = config.node_sensors.get(node_id)
        self.status = NodeStatus(
            node_id=node_id,
            sensor_id=configured.sensor_id if configured else f"sapient:{node_id}",
            kind=configured.kind if configured else SensorKind.OTHER.value,
            lat_deg=configured.lat_deg if configured else None,
            lon_deg=configured.lon_deg if configured else None,
            alt_m=configured.alt_m if configured else None,
        )

    @property
    def registered(self) -> bool:
        return self.info is not None

    def seen(self, receive_time_s: float, *, connected: bool = True) -> None:
        self.status = msgspec.structs.replace(
            self.status, last_seen_time_s=receive_time_s, connected=connected
        )

    def register(self, registration: Any, problems: Sequence[str]) -> list[str]:
        """Take a Registration; return the reasons to refuse it (empty: accepted)."""
        reasons = list(problems)
        version_problem = icd_version_problem(registration.icd_version)
        if version_problem:
            reasons.append(version_problem)
        if reasons:
            self.info = None
            self.status = msgspec.structs.replace(self.status, registered=False)
            return reasons
        self.info = node_info(registration)
        configured = self.config.node_sensors.get(self.node_id)
        self.status = msgspec.structs.replace(
            self.status,
            registered=True,
            kind=configured.kind if configured else self.info.kind.value,
            name=registration.name,
            short_name=registration.short_name,
            icd_version=registration.icd_version,
            status_interval_s=duration_s(registration.status_definition.status_interval),
        )
        return []

    def report_status(self, report: Any, time_s: float) -> list[str]:
        """Take a StatusReport; return what of it could not be used (the rest is)."""
        problems: list[str] = []
        position = None
        if report.HasField("node_location"):
            try:
                position = self._position(report.node_location)
            except (convert.ConversionError, convert.UnsupportedConversion) as exc:
                problems.append(f"node_location: {exc}")
        changed = report.info != _STATUS.INFO_UNCHANGED
        power = report.power if report.HasField("power") else None
        previous = self.status
        self.status = msgspec.structs.replace(
            previous,
            system=_SYSTEM_STATES.get(report.system, "unknown"),
            mode=report.mode,
            lat_deg=position.lat_deg if position else previous.lat_deg,
            lon_deg=position.lon_deg if position else previous.lon_deg,
            alt_m=position.alt_m if position and position.alt_m is not None else previous.alt_m,
            power_level_pct=power.level if power and power.HasField("level") else previous.power_level_pct,
            power_source=_enum_word(_STATUS.PowerSource, power.source, "POWERSOURCE_")
            if power
            else previous.power_source,
            power_fault=power.status == _STATUS.POWERSTATUS_FAULT if power else previous.power_fault,
            conditions=_conditions(report.status) if changed or len(report.status) else previous.conditions,
            last_report_time_s=time_s,
        )
        return problems

    def detection(self, report: Any, time_s: float) -> tuple[Detection, list[str]]:
        """A DetectionReport as a Detection, with any caveats; raises convert's errors."""
        caveats: list[str] = []
        lat = lon = alt = sigma_h = sigma_v = None
        range_m = azimuth = elevation = sigma_range = sigma_az = sigma_el = None
        if report.WhichOneof("location_oneof") == "location":
            position = self._position(report.location)
            lat, lon, alt = position.lat_deg, position.lon_deg, position.alt_m
            sigma_h, sigma_v = position.sigma_h_m, position.sigma_v_m
            if position.geoid_uncorrected:
                caveats.append("geoid heights (WGS84_G) used as ellipsoidal: configure geoid_undulation_m")
        else:
            polar = convert.range_bearing_to_polar(
                report.range_bearing,
                node_lat_lon_deg=self._lat_lon(),
                magnetic_declination_deg=self.config.magnetic_declination_deg,
                utm_zone=self.info.utm_zone if self.info else "",
            )
            range_m, azimuth, elevation = polar.range_m, polar.azimuth_deg, polar.elevation_deg
            sigma_range, sigma_az, sigma_el = (
                polar.sigma_range_m,
                polar.sigma_azimuth_deg,
                polar.sigma_elevation_deg,
            )
            if self._lat_lon() is None:
                caveats.append("range-bearing reports from a node whose position is not yet known")
        vel_e = vel_n = vel_u = sigma_vel = None
        if report.HasField("enu_velocity"):
            east_north_scale, up_scale = self._velocity_scales()
            velocity = convert.enu_velocity(
                report.enu_velocity, east_north_scale=east_north_scale, up_scale=up_scale
            )
            vel_e, vel_n, vel_u, sigma_vel = (
                velocity.east_ms,
                velocity.north_ms,
                velocity.up_ms,
                velocity.sigma_ms,
            )
        classified = convert.top_class(report.classification)
        detection = Detection(
            time_s=time_s,
            sensor_id=self.status.sensor_id,
            range_m=range_m,
            azimuth_deg=azimuth,
            elevation_deg=elevation,
            lat_deg=lat,
            lon_deg=lon,
            alt_m=alt,
            vel_e_ms=vel_e,
            vel_n_ms=vel_n,
            vel_u_ms=vel_u,
            sigma_range_m=sigma_range,
            sigma_azimuth_deg=sigma_az,
            sigma_elevation_deg=sigma_el,
            sigma_h_m=sigma_h,
            sigma_v_m=sigma_v,
            sigma_vel_ms=sigma_vel,
            identity=f"sapient:{self.node_id}:{report.object_id}",
            callsign=report.id or None,
            class_hint=classified[0] if classified else None,
            class_confidence=classified[1] if classified else None,
            time_source="sensor",
        )
        return detection, caveats

    def _position(self, location: Any) -> convert.Position:
        return convert.location_to_position(
            location,
            zone_hint=self.info.utm_zone if self.info else "",
            geoid_undulation_m=self.config.geoid_undulation_m,
            harness_lat_lon_in_utm=self.config.harness_lat_lon_in_utm,
        )

    def _lat_lon(self) -> tuple[float, float] | None:
        if self.status.lat_deg is None or self.status.lon_deg is None:
            return None
        return self.status.lat_deg, self.status.lon_deg

    def _velocity_scales(self) -> tuple[float, float]:
        if self.info is None or not self.info.velocity_scales:
            return 1.0, 1.0  # SI unless the registration says otherwise
        scales = self.info.velocity_scales
        return scales.get(self.status.mode) or next(iter(scales.values()))


def _enum_word(enum: Any, value: int, prefix: str) -> str | None:
    try:
        name: str = enum.Name(value)
    except ValueError:
        return None
    word = name.removeprefix(prefix).lower()
    return None if word == "unspecified" else word


def _conditions(statuses: Any) -> tuple[str, ...]:
    lines = []
    for status in statuses:
        level = _enum_word(_STATUS.StatusLevel, status.status_level, "STATUS_LEVEL_") or "unspecified"
        kind = _enum_word(_STATUS.StatusType, status.status_type, "STATUS_TYPE_") or "unspecified"
        lines.append(f"{level.removesuffix('_status')} {kind}: {status.status_value}".rstrip(": "))
    return tuple(lines)


class NodeRegistry:
    """Every node heard on one server (or one decoded feed), by node UUID."""

    def __init__(self, config: SapientConfig, *, max_nodes: int = 4096) -> None:
        self.config = config
        self.max_nodes = max_nodes
        self._nodes: dict[str, SapientNode] = {}

    def node(self, node_id: str) -> SapientNode | None:
        """The node, created on first sight; None once ``max_nodes`` different IDs were heard."""
        found = self._nodes.get(node_id)
        if found is None and len(self._nodes) < self.max_nodes:
            found = self._nodes[node_id] = SapientNode(node_id, self.config)
        return found

    def get(self, node_id: str) -> NodeStatus | None:
        found = self._nodes.get(node_id)
        return None if found is None else found.status

    def statuses(self) -> list[NodeStatus]:
        return [node.status for node in self._nodes.values()]

    def sensors(self) -> list[Sensor]:
        """The nodes whose position is known, as Sensor records."""
        return [sensor for node in self._nodes.values() if (sensor := node.status.to_sensor()) is not None]
