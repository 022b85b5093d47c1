"""The ICD's is_mandatory / is_uuid / is_ulid rules, read from the protos' custom options."""

from __future__ import annotations

from raqib.sensors.sapient.messages import sapient_message_pb2
from raqib.sensors.sapient.validate import problems
from tests.sensors.sapient import builders


def paths(message: sapient_message_pb2.SapientMessage, kind: str | None = None) -> list[str]:
    return [p.path for p in problems(message) if kind is None or p.kind == kind]


def test_the_messages_built_for_these_tests_are_valid() -> None:
    for message in (builders.registration(), builders.status(), builders.detection()):
        assert problems(message) == []


def test_an_empty_envelope_misses_its_time_sender_and_content() -> None:
    assert paths(sapient_message_pb2.SapientMessage()) == ["timestamp", "node_id", "content"]


def test_missing_fields_are_named_by_their_path_inside_the_message() -> None:
    message = builders.detection()
    message.detection_report.ClearField("object_id")
    message.detection_report.location.ClearField("coordinate_system")
    assert paths(message, "missing") == [
        "detection_report.object_id",
        "detection_report.location.coordinate_system",
    ]


def test_a_mandatory_choice_with_nothing_chosen_is_missing() -> None:
    message = builders.detection()
    message.detection_report.ClearField("location")
    assert paths(message) == ["detection_report.location_oneof"]


def test_repeated_mandatory_fields_need_an_element_and_each_element_is_checked() -> None:
    message = builders.registration()
    del message.registration.config_data[:]
    message.registration.node_definition.add()  # a second definition without its node_type
    assert paths(message) == ["registration.config_data", "registration.node_definition[1].node_type"]


def test_plain_proto3_strings_left_empty_are_missing() -> None:
    message = builders.registration()
    message.registration.config_data[0].manufacturer = ""
    assert paths(message) == ["registration.config_data[0].manufacturer"]


def test_identifiers_must_be_uuids_and_ulids() -> None:
    message = builders.detection(node_id="radar-1", object_id="track 17")
    found = {p.path: p for p in problems(message)}
    assert set(found) == {"node_id", "detection_report.object_id"}
    assert all(p.kind == "format" for p in found.values())
    assert "not a UUID" in found["node_id"].reason
    assert "not a ULID" in found["detection_report.object_id"].reason
