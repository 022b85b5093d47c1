"""One SAPIENT stream: registration and its answer, node status, detections, bad input."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.model import Sensor
from raqib.sensors.base import FramingError, TruncatedError, UnsupportedError
from raqib.sensors.sapient.config import SapientConfig
from raqib.sensors.sapient.errors import DataWarning, MessageError
from raqib.sensors.sapient.messages import (
    range_bearing_pb2,
    registration_pb2,
    status_report_pb2,
    velocity_pb2,
)
from raqib.sensors.sapient.node import NodeRegistry
from raqib.sensors.sapient.session import SapientSession
from tests.sensors.sapient import builders
from tests.sensors.sapient.builders import CAMERA_ID, DMM_ID, RADAR_ID, T0, frame, replies

NOW = T0 + 0.4  # receive time


def session(**config: object) -> SapientSession:
    return SapientSession("sapient:test", SapientConfig(dmm_node_id=DMM_ID, **config))  # type: ignore[arg-type]


def registered(**config: object) -> SapientSession:
    stream = session(**config)
    out = stream.receive(frame(builders.registration()) + frame(builders.status()), NOW)
    assert out.errors == []
    return stream


def test_a_registration_is_accepted_with_an_ack_and_the_node_becomes_known() -> None:
    stream = session()
    out = stream.receive(frame(builders.registration()), NOW)
    [ack] = replies(out.replies)
    assert ack.WhichOneof("content") == "registration_ack"
    assert ack.registration_ack.acceptance is True
    assert ack.node_id == DMM_ID and ack.destination_id == RADAR_ID
    assert ack.timestamp.ToNanoseconds() == round(NOW * 1e9)
    status = stream.registry.get(RADAR_ID)
    assert status is not None and status.registered
    assert (status.kind, status.name, status.short_name) == ("radar", "Test radar", "R1")
    assert status.status_interval_s == 2.0
    assert out.statuses == [status]
    assert out.errors == []


@pytest.mark.parametrize(
    ("node_type", "kind"),
    [
        (registration_pb2.Registration.NODE_TYPE_PASSIVE_RF, "rf"),
        (registration_pb2.Registration.NODE_TYPE_CAMERA, "eo"),
        (registration_pb2.Registration.NODE_TYPE_ACOUSTIC, "acoustic"),
        (registration_pb2.Registration.NODE_TYPE_LIDAR, "other"),
    ],
)
def test_the_node_type_gives_the_sensor_kind(node_type: int, kind: str) -> None:
    stream = session()
    stream.receive(frame(builders.registration(CAMERA_ID, node_type)), NOW)
    status = stream.registry.get(CAMERA_ID)
    assert status is not None and status.kind == kind


def test_a_platform_type_does_not_hide_what_the_node_senses() -> None:
    message = builders.registration(CAMERA_ID, registration_pb2.Registration.NODE_TYPE_POINTABLE_NODE)
    message.registration.node_definition.add(node_type=registration_pb2.Registration.NODE_TYPE_CAMERA)
    stream = session()
    stream.receive(frame(message), NOW)
    status = stream.registry.get(CAMERA_ID)
    assert status is not None and status.kind == "eo"


def test_a_registration_missing_mandatory_fields_is_refused_with_each_reason() -> None:
    message = builders.registration()
    message.registration.ClearField("icd_version")
    del message.registration.config_data[:]
    stream = session()
    out = stream.receive(frame(message), NOW)
    [ack] = replies(out.replies)
    assert ack.registration_ack.acceptance is False
    assert list(ack.registration_ack.ack_response_reason) == [
        "registration.icd_version: mandatory field missing",
        "registration.config_data: mandatory field missing",
    ]
    assert [type(e) for e in out.errors] == [MessageError]
    assert "registration refused" in out.errors[0].reason
    status = stream.registry.get(RADAR_ID)
    assert status is not None and not status.registered


def test_an_older_icd_is_refused() -> None:
    out = session().receive(frame(builders.registration(icd_version="SAPIENT v7")), NOW)
    [ack] = replies(out.replies)
    assert ack.registration_ack.acceptance is False
    assert "raqib speaks BSI Flex 335 v2.0" in ack.registration_ack.ack_response_reason[0]


def test_a_status_report_updates_the_node_status() -> None:
    stream = registered()
    status = stream.registry.get(RADAR_ID)
    assert status is not None
    assert (status.system, status.mode, status.healthy) == ("ok", "Default", True)
    assert (status.lat_deg, status.lon_deg, status.alt_m) == (51.47, -0.4543, 25.0)
    assert (status.power_level_pct, status.power_source, status.power_fault) == (87, "mains", False)
    assert status.conditions == ("warning weather: Rain",)
    assert status.last_report_time_s == pytest.approx(T0)
    assert status.last_seen_time_s == NOW
    sensor = status.to_sensor()
    assert sensor == Sensor(
        sensor_id=f"sapient:{RADAR_ID}",
        kind="radar",
        lat_deg=51.47,
        lon_deg=-0.4543,
        alt_m=25.0,
        period_s=2.0,
    )
    later = builders.status(system=status_report_pb2.StatusReport.SYSTEM_GOODBYE, time_s=T0 + 10)
    out = stream.receive(frame(later), NOW + 10)
    assert out.statuses[-1].system == "goodbye"
    assert not out.statuses[-1].healthy
    assert out.statuses[-1].last_report_time_s == pytest.approx(T0 + 10)


def test_a_detection_report_becomes_a_position_detection() -> None:
    stream = registered()
    out = stream.receive(frame(builders.detection()), NOW)
    assert out.errors == []
    assert out.replies == []
    [detection] = out.detections
    assert detection.time_s == pytest.approx(T0)  # the sensor's time, not the receive time
    assert detection.time_source == "sensor"
    assert detection.sensor_id == f"sapient:{RADAR_ID}"
    assert detection.is_position
    assert (detection.lat_deg, detection.lon_deg, detection.alt_m) == (51.48, -0.45, 120.0)
    # the x (longitude) error, the larger once in metres: 0.0001 degrees at 51.48 degrees north
    assert detection.sigma_h_m == pytest.approx(0.0001 * 111_195 * math.cos(math.radians(51.48)), rel=1e-3)
    assert detection.sigma_v_m == 7.0
    assert (detection.vel_e_ms, detection.vel_n_ms, detection.vel_u_ms) == (3.0, -4.0, 0.5)
    assert (detection.class_hint, detection.class_confidence) == ("drone", 0.9)
    assert detection.identity == f"sapient:{RADAR_ID}:01HZY3M8Q9R2S3T4V5W6X7Y8ZA"


def test_a_range_bearing_report_becomes_a_polar_detection_from_the_node() -> None:
    stream = registered()
    out = stream.receive(frame(builders.range_bearing_detection()), NOW)
    [detection] = out.detections
    assert detection.is_polar
    assert (detection.range_m, detection.azimuth_deg, detection.elevation_deg) == (1500.0, 45.0, 3.0)
    assert (detection.sigma_range_m, detection.sigma_azimuth_deg, detection.sigma_elevation_deg) == (
        10.0,
        0.5,
        1.0,
    )
    assert detection.lat_deg is None
    assert detection.class_hint is None


def test_velocities_in_the_registered_units() -> None:
    stream = session()
    stream.receive(frame(builders.registration(speed_units=velocity_pb2.SPEED_UNITS_KPH)), NOW)
    [detection] = stream.receive(frame(builders.detection()), NOW).detections
    assert detection.vel_e_ms == pytest.approx(3.0 / 3.6)


def test_a_configured_sensor_names_and_places_the_node() -> None:
    radar = Sensor(sensor_id="radar-north", kind="radar", lat_deg=51.5, lon_deg=-0.46, alt_m=30.0)
    stream = session(node_sensors={RADAR_ID: radar})
    out = stream.receive(
        frame(builders.range_bearing_detection(datum=range_bearing_pb2.RANGE_BEARING_DATUM_GRID)), NOW
    )
    [detection] = out.detections
    assert detection.sensor_id == "radar-north"
    assert detection.azimuth_deg != 45.0  # turned from grid north at the configured position
    assert [type(e) for e in out.errors] == [DataWarning]  # not registered: used and flagged


def test_reports_before_registration_are_used_and_flagged_once() -> None:
    stream = session()
    out = stream.receive(frame(builders.detection()) + frame(builders.detection()), NOW)
    assert len(out.detections) == 2
    assert [type(e) for e in out.errors] == [DataWarning]
    assert "without an accepted registration" in out.errors[0].reason
    assert out.replies == []


def test_a_report_missing_a_mandatory_field_is_skipped_and_answered_with_an_error() -> None:
    stream = registered()
    bad = builders.detection()
    bad.detection_report.ClearField("report_id")
    payload = bad.SerializeToString()
    good = frame(builders.detection())
    out = stream.receive(frame(bad) + good, NOW)
    assert len(out.detections) == 1
    [error] = out.errors
    assert isinstance(error, MessageError)
    assert error.reason == "detection_report.report_id: mandatory field missing"
    assert error.offset == stream.skipped_bytes + len(frame(builders.registration())) + len(
        frame(builders.status())
    )
    [answer] = replies(out.replies)
    assert answer.error.packet == payload
    assert list(answer.error.error_message) == ["detection_report.report_id: mandatory field missing"]
    assert answer.destination_id == RADAR_ID


def test_a_position_out_of_range_is_skipped_with_its_reason() -> None:
    stream = registered()
    out = stream.receive(frame(builders.detection(lat_deg=123.0)), NOW)
    assert out.detections == []
    assert "out of range" in out.errors[0].reason
    assert len(out.replies) == 1


def test_garbage_is_reported_and_the_next_frame_still_read() -> None:
    stream = registered()
    out = stream.receive(b"\x13\x37" * 50 + frame(builders.detection()), NOW)
    assert len(out.detections) == 1
    assert [type(e) for e in out.errors] == [FramingError]


def test_a_frame_that_is_not_a_sapient_message_is_reported() -> None:
    stream = registered()
    out = stream.receive(frame(builders.detection())[:4] + b"\x0a\xff\xff\xff", NOW)
    # the declared length swallows part of the next bytes; send the rest of the frame
    out = stream.receive(b"\x00" * (len(frame(builders.detection())) - 8), NOW)
    assert [type(e) for e in out.errors] == [MessageError]
    assert "not a SapientMessage" in out.errors[0].reason


def test_a_task_sent_to_raqib_is_unsupported() -> None:
    stream = registered()
    task = builders.envelope(CAMERA_ID)
    task.task.task_id = builders.ULID
    task.task.control = task.task.CONTROL_START
    task.task.command.request = "Status"
    out = stream.receive(frame(task), NOW)
    assert [type(e) for e in out.errors] == [UnsupportedError]


def test_closing_mid_frame_reports_the_truncation_and_disconnects_the_node() -> None:
    stream = registered()
    stream.receive(frame(builders.detection())[:20], NOW)
    out = stream.close(NOW + 1)
    assert [type(e) for e in out.errors] == [TruncatedError]
    assert [s.connected for s in out.statuses] == [False]
    assert stream.registry.get(RADAR_ID).connected is False  # type: ignore[union-attr]


def test_nodes_on_different_streams_share_one_registry() -> None:
    registry = NodeRegistry(SapientConfig(dmm_node_id=DMM_ID))
    first = SapientSession("a", registry=registry)
    second = SapientSession("b", registry=registry)
    first.receive(frame(builders.registration()), NOW)
    second.receive(
        frame(builders.registration(CAMERA_ID, registration_pb2.Registration.NODE_TYPE_CAMERA)), NOW
    )
    assert {s.node_id for s in registry.statuses()} == {RADAR_ID, CAMERA_ID}
    assert len(registry.sensors()) == 0  # no positions yet


def test_a_flood_of_node_ids_is_bounded() -> None:
    registry = NodeRegistry(SapientConfig(dmm_node_id=DMM_ID), max_nodes=2)
    stream = SapientSession("a", registry=registry)
    ids = [f"00000000-0000-4000-8000-00000000000{i}" for i in range(3)]
    out = stream.receive(b"".join(frame(builders.detection(node_id)) for node_id in ids), NOW)
    assert len(out.detections) == 2
    assert "too many nodes" in out.errors[-1].reason


@settings(max_examples=200)
@given(st.binary(max_size=400))
def test_any_bytes_never_raise(data: bytes) -> None:
    stream = registered()
    out = stream.receive(data, NOW)
    out_end = stream.close(NOW)
    for error in out.errors + out_end.errors:
        assert error.feed == "sapient:test"


@given(st.data())
def test_any_chunking_of_a_stream_gives_the_same_detections(data: st.DataObject) -> None:
    stream_bytes = b"".join(
        frame(m)
        for m in (
            builders.registration(),
            builders.status(),
            builders.detection(),
            builders.range_bearing_detection(),
            builders.detection(lat_deg=51.0),
        )
    )
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream_bytes)), max_size=8)))
    stream = session()
    detections = []
    for start, end in zip([0, *cuts], [*cuts, len(stream_bytes)], strict=True):
        out = stream.receive(stream_bytes[start:end], NOW)
        detections += out.detections
        assert out.errors == []
    assert [d.lat_deg for d in detections] == [51.48, None, 51.0]


def test_the_config_checks_its_values() -> None:
    with pytest.raises(ValueError, match="UUID"):
        SapientConfig(dmm_node_id="raqib")
    with pytest.raises(ValueError, match="max_frame_bytes"):
        SapientConfig(max_frame_bytes=0)


any_float = st.floats(allow_nan=True, allow_infinity=True)


@settings(max_examples=150)
@given(
    lat=any_float,
    lon=any_float,
    alt=any_float,
    confidence=any_float,
    class_name=st.text(max_size=12),
    range_value=any_float,
    azimuth=any_float,
    system=st.integers(0, 6),
    datum=st.integers(0, 5),
)
def test_any_values_in_a_report_give_a_detection_or_a_reason(
    lat: float,
    lon: float,
    alt: float,
    confidence: float,
    class_name: str,
    range_value: float,
    azimuth: float,
    system: int,
    datum: int,
) -> None:
    stream = registered()
    by_location = builders.detection(lat_deg=lat, lon_deg=lon, alt_m=alt, classes=((class_name, confidence),))
    by_bearing = builders.range_bearing_detection(
        range_value=range_value, azimuth=azimuth, system=system, datum=datum
    )
    for message in (by_location, by_bearing):
        out = stream.receive(frame(message), NOW)
        assert len(out.detections) + len(out.errors) >= 1
        for detection in out.detections:
            assert detection.class_confidence is None or 0.0 <= detection.class_confidence <= 1.0
            if detection.is_position:
                assert -90.0 <= detection.lat_deg <= 90.0  # type: ignore[operator]
            else:
                assert 0.0 <= detection.azimuth_deg < 360.0  # type: ignore[operator]
