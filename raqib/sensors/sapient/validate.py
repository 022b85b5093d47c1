"""The checks BSI Flex 335 v2.0 asks of a receiver and proto3 does not enforce.

``proto_options.proto`` marks fields and oneofs ``is_mandatory`` and identifier strings
``is_uuid`` (node IDs) or ``is_ulid`` (report, object, task IDs). The rules are read from the
descriptors' custom options, once per message type, so they follow the vendored protos and
are never written out by hand here.

A mandatory field is missing when it is not present: a message or scalar with presence not
set, a repeated field with no element, or a plain proto3 scalar left at its default (an empty
``ConfigurationData.manufacturer`` says nothing). A mandatory oneof is missing when none of its
members is set. Each problem names the field by its path, e.g.
``detection_report.location.coordinate_system``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from raqib.sensors.sapient.messages import options_pb2

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ULID = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$")  # Crockford base32, 128 bits


@dataclass(frozen=True, slots=True)
class Problem:
    """One way a message breaks the ICD. ``kind`` is "missing" or "format"."""

    path: str
    kind: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True, slots=True)
class _Rules:
    """The checks of one message type, split by how each is made (HasField, len, value)."""

    mandatory_with_presence: tuple[str, ...]
    mandatory_repeated: tuple[str, ...]
    mandatory_plain: tuple[tuple[str, Any], ...]  # proto3 scalars without presence, and their default
    mandatory_oneofs: tuple[str, ...]
    ids: tuple[tuple[str, re.Pattern[str], str], ...]  # field, pattern, what it must be
    children: tuple[tuple[str, bool], ...]  # message fields whose types carry rules: name, repeated


@cache
def _rules(descriptor: Descriptor) -> _Rules:
    with_presence, repeated, plain, ids = [], [], [], []
    for field in descriptor.fields:
        option = field.GetOptions().Extensions[options_pb2.field_options]
        if option.is_mandatory:
            if field.is_repeated:
                repeated.append(field.name)
            elif field.has_presence:
                with_presence.append(field.name)
            else:
                plain.append((field.name, field.default_value))
        if option.is_uuid:
            ids.append((field.name, _UUID, "UUID"))
        if option.is_ulid:
            ids.append((field.name, _ULID, "ULID"))
    oneofs = tuple(
        oneof.name
        for oneof in descriptor.oneofs
        if oneof.GetOptions().Extensions[options_pb2.oneof_options].is_mandatory
    )
    children = tuple(
        (field.name, bool(field.is_repeated))
        for field in descriptor.fields
        if field.type == FieldDescriptor.TYPE_MESSAGE and _has_rules(field.message_type, frozenset())
    )
    return _Rules(tuple(with_presence), tuple(repeated), tuple(plain), oneofs, tuple(ids), children)


def _has_rules(descriptor: Descriptor, visiting: frozenset[str]) -> bool:
    """Whether the type or any type inside it has a rule; Timestamp and the like have none."""
    if descriptor.full_name in visiting:
        return False  # a recursive type: its own rules are found where the recursion began
    if descriptor.GetOptions().map_entry:
        return False
    inside = visiting | {descriptor.full_name}
    oneof_options = options_pb2.oneof_options
    if any(oneof.GetOptions().Extensions[oneof_options].is_mandatory for oneof in descriptor.oneofs):
        return True
    return any(
        field.GetOptions().Extensions[options_pb2.field_options].ListFields()
        or (field.type == FieldDescriptor.TYPE_MESSAGE and _has_rules(field.message_type, inside))
        for field in descriptor.fields
    )


def problems(message: Message) -> list[Problem]:
    """Every ICD rule the message breaks, parents before children; empty when it is valid."""
    found: list[Problem] = []
    _check(message, "", found)
    return found


def _check(message: Any, prefix: str, found: list[Problem]) -> None:
    rules = _rules(message.DESCRIPTOR)
    for name in rules.mandatory_with_presence:
        if not message.HasField(name):
            found.append(Problem(prefix + name, "missing", "mandatory field missing"))
    for name in rules.mandatory_repeated:
        if not len(getattr(message, name)):
            found.append(Problem(prefix + name, "missing", "mandatory field missing"))
    for name, default in rules.mandatory_plain:
        if getattr(message, name) == default:
            found.append(Problem(prefix + name, "missing", "mandatory field missing"))
    for name in rules.mandatory_oneofs:
        if message.WhichOneof(name) is None:
            found.append(Problem(prefix + name, "missing", "mandatory choice: none of its fields is set"))
    for name, pattern, what in rules.ids:
        value = getattr(message, name)
        for text in [value] if isinstance(value, str) else value:
            if text and not pattern.match(text):
                found.append(Problem(prefix + name, "format", f"{text[:40]!r} is not a {what}"))
    for name, repeated in rules.children:
        if repeated:
            for index, item in enumerate(getattr(message, name)):
                _check(item, f"{prefix}{name}[{index}].", found)
        elif message.HasField(name):
            _check(getattr(message, name), f"{prefix}{name}.", found)
