"""The SAPIENT message classes, from the generated protobuf modules.

The one place that imports ``generated/``. When the modules are missing or stale (the protos
or protoc changed since they were built) and grpcio-tools is installed, they are generated
here, on first import; without grpcio-tools a missing build fails with an ImportError that
says which command to run. ``make`` runs the same build ahead of time
(``python -m raqib.sensors.sapient.build``), so an installed raqib never writes into its own
package at run time.
"""

# ruff: noqa: E402  (the generated modules are imported after the build that makes them)
from __future__ import annotations

import importlib.util

from raqib.sensors.sapient import build as _build

BUILD_COMMAND = "python -m raqib.sensors.sapient.build"


def _ensure_generated() -> None:
    if _build.is_current():
        return
    if importlib.util.find_spec("grpc_tools") is None:
        if (_build.GENERATED / _build.STAMP_NAME).exists():
            return  # built elsewhere (a wheel); without protoc there is nothing to compare against
        raise ImportError(
            "the SAPIENT protobuf modules have not been generated: "
            f"install grpcio-tools and run `{BUILD_COMMAND}`"
        )
    try:
        _build.build()
    except (_build.BuildError, OSError) as exc:
        raise ImportError(
            f"could not generate the SAPIENT protobuf modules ({exc}); run `{BUILD_COMMAND}`"
        ) from exc


_ensure_generated()

from google.protobuf import json_format
from google.protobuf.message import DecodeError as ProtobufDecodeError

from raqib.sensors.sapient.generated.sapient_msg import proto_options_pb2 as options_pb2
from raqib.sensors.sapient.generated.sapient_msg.bsi_flex_335_v2_0 import (
    detection_report_pb2,
    error_pb2,
    location_pb2,
    range_bearing_pb2,
    registration_ack_pb2,
    registration_pb2,
    sapient_message_pb2,
    status_report_pb2,
    velocity_pb2,
)

SapientMessage = sapient_message_pb2.SapientMessage
Registration = registration_pb2.Registration
RegistrationAck = registration_ack_pb2.RegistrationAck
StatusReport = status_report_pb2.StatusReport
DetectionReport = detection_report_pb2.DetectionReport
Location = location_pb2.Location
RangeBearing = range_bearing_pb2.RangeBearing
ENUVelocity = velocity_pb2.ENUVelocity
Error = error_pb2.Error


def parse_message(payload: bytes) -> sapient_message_pb2.SapientMessage:
    """A SapientMessage from its wire bytes; raises ProtobufDecodeError when they are not one."""
    message = SapientMessage()
    message.ParseFromString(payload)
    return message


def message_from_json(text: str) -> sapient_message_pb2.SapientMessage:
    """A SapientMessage from its protobuf-JSON form (the Dstl Test Harness sample files)."""
    return json_format.Parse(text, SapientMessage())


__all__ = [
    "BUILD_COMMAND",
    "DetectionReport",
    "ENUVelocity",
    "Error",
    "Location",
    "ProtobufDecodeError",
    "RangeBearing",
    "Registration",
    "RegistrationAck",
    "SapientMessage",
    "StatusReport",
    "detection_report_pb2",
    "location_pb2",
    "message_from_json",
    "options_pb2",
    "parse_message",
    "range_bearing_pb2",
    "registration_pb2",
    "sapient_message_pb2",
    "status_report_pb2",
    "velocity_pb2",
]
