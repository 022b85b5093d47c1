"""Dstl's BSI Flex 335 v2 Test Harness sample messages (shared/data/sapient/examples_v2_0)."""

from __future__ import annotations

import pytest

from raqib.model import Sensor
from raqib.sensors.sapient.config import SapientConfig
from raqib.sensors.sapient.decoder import SapientDecoder
from raqib.sensors.sapient.errors import MessageError
from raqib.sensors.sapient.framing import encode_frame
from raqib.sensors.sapient.messages import message_from_json, parse_message, sapient_message_pb2
from raqib.sensors.sapient.session import SapientSession
from raqib.sensors.sapient.validate import problems
from tests.conftest import require_shared

SAMPLES = "sapient/examples_v2_0"
NODE_ID = "a8654cdf-4328-47de-81fa-c495589e30c9"
SAMPLE_TIME_S = 1688733857.0276387  # 2023-07-07T12:44:17.027638700Z
ASM_TASK_ACKS = [
    "ClassificationThreshold",
    "DetectionReportRate",
    "DetectionThreshold",
    "Follow",
    "LookAt",
    "ModeChange",
    "MoveTo",
    "NotSupported",
    "Patrol",
    "Request.Registration",
    "Request.Reset",
    "Request.Start",
    "Request.Status",
    "Request.Stop",
    "Request.Unknown",
]
DMM_TASKS = [
    *(
        f"{kind}.{level}"
        for kind in ("ClassificationThreshold", "DetectionReportRate", "DetectionThreshold")
        for level in ("High", "Low", "Medium")
    ),
    "Follow",
    "LookAt",
    "Mode",
    "MoveTo",
    "Patrol",
    "Request.Registration",
    "Request.Reset",
    "Request.Start",
    "Request.Status",
    "Request.Stop",
]
NAMES = [
    "Asm.Alert",
    "Asm.DetectionReport",
    "Asm.Registration",
    "Asm.StatusReport",
    *(f"Asm.TaskAck.{name}" for name in ASM_TASK_ACKS),
    "Dmm.Alert",
    "Dmm.AlertAck",
    "Dmm.DetectionReport",
    "Dmm.RegistrationAck",
    "Dmm.StatusReport",
    *(f"Dmm.Task.{name}" for name in DMM_TASKS),
]


def sample(name: str) -> sapient_message_pb2.SapientMessage:
    return message_from_json(require_shared(f"{SAMPLES}/{name}.json").read_text())


def test_the_list_names_every_sample() -> None:
    folder = require_shared(SAMPLES)
    assert sorted(p.stem for p in folder.glob("*.json")) == sorted(NAMES)
    assert len(NAMES) == 43


@pytest.mark.parametrize("name", NAMES)
def test_every_sample_parses_checks_clean_and_survives_the_wire(name: str) -> None:
    message = sample(name)
    assert message.node_id == NODE_ID
    assert message.WhichOneof("content") is not None
    assert problems(message) == []
    assert parse_message(message.SerializeToString()) == message


def test_every_sample_goes_through_the_decoder_in_one_stream() -> None:
    stream = b"".join(encode_frame(sample(name).SerializeToString()) for name in NAMES)
    errors: list[Exception] = []
    decoder = SapientDecoder(
        Sensor(sensor_id="s", kind="other", lat_deg=0, lon_deg=0, alt_m=0), on_error=errors.append
    )
    detections = decoder.decode(stream, SAMPLE_TIME_S)
    assert decoder.stats.records == 43
    assert not any(isinstance(e, MessageError) and "not a SapientMessage" in e.reason for e in errors)
    # the detection reports and node locations carry lat/lon labelled UTM: refused without the
    # harness setting (the status reports are used all the same, without the node's position)
    assert detections == []
    assert sum("detection_report: UTM 51.174 E -1.82238 N" in str(e) for e in errors) == 2
    assert sum("node_location: UTM 51.174 E -1.82238 N" in str(e) for e in errors) == 2


def test_the_sample_registration_is_accepted() -> None:
    stream = SapientSession("harness")
    out = stream.receive(encode_frame(sample("Asm.Registration").SerializeToString()), SAMPLE_TIME_S)
    [reply] = out.replies
    ack = parse_message(reply[4:])
    assert ack.registration_ack.acceptance is True
    assert ack.destination_id == NODE_ID
    status = stream.registry.get(NODE_ID)
    assert status is not None
    assert (status.registered, status.kind, status.name, status.short_name) == (
        True,
        "eo",
        "Car Park Camera at Entrance",
        "C1",
    )
    assert status.status_interval_s == 5.0


def harness_session() -> SapientSession:
    stream = SapientSession("harness", SapientConfig(harness_lat_lon_in_utm=True))
    out = stream.receive(encode_frame(sample("Asm.Registration").SerializeToString()), SAMPLE_TIME_S)
    assert out.errors == []
    return stream


def test_the_sample_status_report_updates_the_node() -> None:
    stream = harness_session()
    out = stream.receive(encode_frame(sample("Asm.StatusReport").SerializeToString()), SAMPLE_TIME_S + 1)
    assert out.errors == []
    [status] = out.statuses
    assert (status.system, status.mode, status.power_source, status.power_level_pct) == (
        "ok",
        "TestMode",
        "mains",
        1,
    )
    assert (status.lat_deg, status.lon_deg, status.alt_m) == (51.1739726374, -1.82237671048, 788.0)
    assert status.conditions == ("information weather: Rain",)
    assert status.last_report_time_s == pytest.approx(SAMPLE_TIME_S)


def test_the_sample_detection_report_yields_the_detection_it_describes() -> None:
    stream = harness_session()
    out = stream.receive(encode_frame(sample("Asm.DetectionReport").SerializeToString()), SAMPLE_TIME_S + 1)
    assert out.errors == []
    [detection] = out.detections
    assert detection.time_s == pytest.approx(SAMPLE_TIME_S)
    assert detection.sensor_id == f"sapient:{NODE_ID}"
    # Salisbury Plain: latitude 51.17 N, longitude 1.82 W (the harness puts latitude in x)
    assert (detection.lat_deg, detection.lon_deg, detection.alt_m) == (51.1739726374, -1.82237671048, 788.0)
    assert (detection.sigma_h_m, detection.sigma_v_m) == (5.0, 5.0)
    assert (detection.vel_e_ms, detection.vel_n_ms, detection.vel_u_ms, detection.sigma_vel_ms) == (
        1.0,
        2.0,
        3.0,
        6.0,
    )
    assert (detection.class_hint, detection.class_confidence) == ("unknown", 0.8)  # "Human"
    assert detection.identity == f"sapient:{NODE_ID}:01GGYFBAXH4VYRQYEX7S3XGK3H"
    assert detection.callsign == "01H4R63D7NVN8444Z5M77WEBY3"
