"""Small valid SAPIENT messages built with the generated classes, so tests need no shared data."""

from __future__ import annotations

from typing import Any

from raqib.sensors.sapient.framing import encode_frame
from raqib.sensors.sapient.messages import (
    location_pb2,
    range_bearing_pb2,
    registration_pb2,
    sapient_message_pb2,
    status_report_pb2,
    velocity_pb2,
)

RADAR_ID = "5f1c2a9e-1d2b-4c3d-8e4f-0a1b2c3d4e5f"
CAMERA_ID = "9b7e6d5c-4b3a-4291-8f7e-6d5c4b3a2910"
DMM_ID = "00000000-0000-4000-8000-000000000001"
ULID = "01HZY3M8Q9R2S3T4V5W6X7Y8Z9"
T0 = 1_750_000_000.25  # UNIX seconds, a quarter second past the second

_REG = registration_pb2.Registration
_STATUS = status_report_pb2.StatusReport


def envelope(node_id: str, time_s: float = T0) -> sapient_message_pb2.SapientMessage:
    message = sapient_message_pb2.SapientMessage(node_id=node_id, destination_id=DMM_ID)
    message.timestamp.seconds = int(time_s // 1)
    message.timestamp.nanos = round(time_s % 1 * 1e9)
    return message


def registration(
    node_id: str = RADAR_ID,
    node_type: int = _REG.NODE_TYPE_RADAR,
    *,
    icd_version: str = "BSI Flex 335 v2.0",
    speed_units: int = velocity_pb2.SPEED_UNITS_MS,
) -> sapient_message_pb2.SapientMessage:
    message = envelope(node_id)
    reg = message.registration
    reg.node_definition.add(node_type=node_type)
    reg.icd_version = icd_version
    reg.name = "Test radar"
    reg.short_name = "R1"
    reg.capabilities.add(category="Radar", type="Maximum range", value="5000", units="m")
    reg.status_definition.status_interval.units = _REG.TIME_UNITS_SECONDS
    reg.status_definition.status_interval.value = 2.0
    mode = reg.mode_definition.add(mode_name="Default", mode_type=_REG.MODE_TYPE_DEFAULT)
    mode.settle_time.units = _REG.TIME_UNITS_SECONDS
    mode.settle_time.value = 1.0
    detection = mode.detection_definition.add()
    detection.location_type.location_units = location_pb2.LOCATION_COORDINATE_SYSTEM_LAT_LNG_DEG_M
    detection.location_type.location_datum = location_pb2.LOCATION_DATUM_WGS84_E
    detection.velocity_type.enu_velocity_units.east_north_rate_units = speed_units
    detection.velocity_type.enu_velocity_units.up_rate_units = speed_units
    detection.velocity_type.location_datum = location_pb2.LOCATION_DATUM_WGS84_E
    region = mode.task.region_definition
    region.region_type.append(_REG.REGION_TYPE_AREA_OF_INTEREST)
    area = region.region_area.add()
    area.location_units = location_pb2.LOCATION_COORDINATE_SYSTEM_LAT_LNG_DEG_M
    area.location_datum = location_pb2.LOCATION_DATUM_WGS84_E
    reg.config_data.add(manufacturer="ACME", model="R-1")
    return message


def status(
    node_id: str = RADAR_ID,
    *,
    lat_deg: float = 51.47,
    lon_deg: float = -0.4543,
    alt_m: float = 25.0,
    system: Any = _STATUS.SYSTEM_OK,
    time_s: float = T0,
) -> sapient_message_pb2.SapientMessage:
    message = envelope(node_id, time_s)
    report = message.status_report
    report.report_id = ULID
    report.system = system
    report.info = _STATUS.INFO_NEW
    report.mode = "Default"
    report.power.level = 87
    report.power.source = _STATUS.POWERSOURCE_MAINS
    report.power.status = _STATUS.POWERSTATUS_OK
    report.node_location.CopyFrom(lat_lon(lat_deg, lon_deg, alt_m))
    report.status.add(
        status_level=_STATUS.STATUS_LEVEL_WARNING_STATUS,
        status_type=_STATUS.STATUS_TYPE_WEATHER,
        status_value="Rain",
    )
    return message


def lat_lon(lat_deg: float, lon_deg: float, alt_m: float | None = None) -> location_pb2.Location:
    """A LAT_LNG_DEG_M location: x is the longitude, y the latitude."""
    location = location_pb2.Location(
        x=lon_deg,
        y=lat_deg,
        coordinate_system=location_pb2.LOCATION_COORDINATE_SYSTEM_LAT_LNG_DEG_M,
        datum=location_pb2.LOCATION_DATUM_WGS84_E,
    )
    if alt_m is not None:
        location.z = alt_m
    return location


def detection(
    node_id: str = RADAR_ID,
    *,
    lat_deg: float = 51.48,
    lon_deg: float = -0.45,
    alt_m: float = 120.0,
    object_id: str = "01HZY3M8Q9R2S3T4V5W6X7Y8ZA",
    classes: tuple[tuple[str, float], ...] = (("UAV", 0.9), ("Bird", 0.1)),
    time_s: float = T0,
) -> sapient_message_pb2.SapientMessage:
    message = envelope(node_id, time_s)
    report = message.detection_report
    report.report_id = ULID
    report.object_id = object_id
    report.location.CopyFrom(lat_lon(lat_deg, lon_deg, alt_m))
    report.location.x_error = 0.0001
    report.location.y_error = 0.00005
    report.location.z_error = 7.0
    report.enu_velocity.east_rate = 3.0
    report.enu_velocity.north_rate = -4.0
    report.enu_velocity.up_rate = 0.5
    for name, confidence in classes:
        report.classification.add(type=name, confidence=confidence)
    return message


def range_bearing_detection(
    node_id: str = RADAR_ID,
    *,
    range_value: float = 1.5,
    azimuth: float = 45.0,
    elevation: float = 3.0,
    system: Any = range_bearing_pb2.RANGE_BEARING_COORDINATE_SYSTEM_DEGREES_KM,
    datum: Any = range_bearing_pb2.RANGE_BEARING_DATUM_TRUE,
) -> sapient_message_pb2.SapientMessage:
    message = envelope(node_id)
    report = message.detection_report
    report.report_id = ULID
    report.object_id = "01HZY3M8Q9R2S3T4V5W6X7Y8ZB"
    rb = report.range_bearing
    rb.range = range_value
    rb.azimuth = azimuth
    rb.elevation = elevation
    rb.range_error = 0.01
    rb.azimuth_error = 0.5
    rb.elevation_error = 1.0
    rb.coordinate_system = system
    rb.datum = datum
    return message


def frame(message: sapient_message_pb2.SapientMessage) -> bytes:
    return encode_frame(message.SerializeToString())


def replies(frames: list[bytes]) -> list[sapient_message_pb2.SapientMessage]:
    """The SapientMessages in a list of framed replies."""
    out = []
    for data in frames:
        message = sapient_message_pb2.SapientMessage()
        message.ParseFromString(data[4:])
        out.append(message)
    return out
