"""One stream of SAPIENT messages (a TCP connection, a recorded file), sans I/O.

Bytes in, and out: the Detections they carry, the framed answers to send back
(RegistrationAck, Error), the node statuses they changed and the errors met on the way. The
server and the file decoder are thin wrappers around ``SapientSession.receive``.

For each frame:
  1. parse it as a SapientMessage; bytes that are not one: MessageError, answered with Error;
  2. check the ICD rules (``validate.py``). A Registration with a rule broken is refused, with
     each broken rule as a reason in the RegistrationAck. Any other message missing a mandatory
     field is skipped and answered with Error. Identifiers that are not UUIDs/ULIDs only
     refuse a Registration; in reports they are flagged once per node and the report is used;
  3. hand it to its node (``node.py``): Registration -> RegistrationAck; StatusReport ->
     NodeStatus; DetectionReport -> Detection. A report from a node that has not registered
     is used and flagged once (DataWarning);
  4. messages for an ASM (Task, RegistrationAck) are unsupported, since raqib is the DMM;
     TaskAck, Alert and AlertAck are counted and not used yet; a node's Error is reported.
One stream may carry many nodes (a middleware such as Apex multiplexes them).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from raqib.model import Detection
from raqib.sensors.base import DecodeError, UnsupportedError
from raqib.sensors.sapient import convert, validate
from raqib.sensors.sapient.config import SapientConfig
from raqib.sensors.sapient.errors import DataWarning, MessageError
from raqib.sensors.sapient.framing import Frame, FrameReader, encode_frame
from raqib.sensors.sapient.messages import (
    Error,
    ProtobufDecodeError,
    RegistrationAck,
    parse_message,
    sapient_message_pb2,
)
from raqib.sensors.sapient.node import NodeRegistry, NodeStatus, SapientNode

_FOR_AN_ASM = {"task", "registration_ack"}
_COUNTED_ONLY = {"task_ack", "alert", "alert_ack"}


@dataclass(slots=True)
class SessionOutput:
    """What one read of the stream produced."""

    detections: list[Detection] = field(default_factory=list)
    replies: list[bytes] = field(default_factory=list)  # framed messages to send back, in order
    statuses: list[NodeStatus] = field(default_factory=list)  # node statuses as they changed
    errors: list[DecodeError] = field(default_factory=list)
    messages: int = 0


@dataclass(slots=True)
class SessionStats:
    messages_by_type: Counter[str] = field(default_factory=Counter)
    rejected: int = 0
    replies: int = 0


class SapientSession:
    """Framing, checks and dispatch for one stream; nodes are kept in a (shared) NodeRegistry."""

    def __init__(
        self,
        feed: str,
        config: SapientConfig | None = None,
        registry: NodeRegistry | None = None,
    ) -> None:
        self.feed = feed
        self.config = config or (registry.config if registry else SapientConfig())
        self.registry = registry or NodeRegistry(self.config)
        self.stats = SessionStats()
        self.node_ids: set[str] = set()  # nodes heard on this stream
        self._out = SessionOutput()
        self._reader = FrameReader(feed, self._report, max_frame_bytes=self.config.max_frame_bytes)

    @property
    def skipped_bytes(self) -> int:
        return self._reader.skipped_bytes

    def receive(self, data: bytes, receive_time_s: float) -> SessionOutput:
        """Take the next bytes of the stream."""
        self._out = out = SessionOutput()
        for frame in self._reader.feed_data(data):
            out.messages += 1
            self._handle(frame, receive_time_s)
        return out

    def close(self, receive_time_s: float) -> SessionOutput:
        """The stream has ended: report a part-frame left over; its nodes are disconnected."""
        self._out = out = SessionOutput()
        self._reader.close()
        for node_id in sorted(self.node_ids):
            node = self.registry.node(node_id)
            if node is not None:
                node.seen(receive_time_s, connected=False)
                out.statuses.append(node.status)
        return out

    def _handle(self, frame: Frame, receive_time_s: float) -> None:
        try:
            message = parse_message(frame.payload)
        except ProtobufDecodeError as exc:
            self._reject(frame, "", [f"not a SapientMessage ({exc})"], receive_time_s)
            return
        content = message.WhichOneof("content") or "nothing"
        self.stats.messages_by_type[content] += 1
        problems = validate.problems(message)
        node_id = message.node_id
        if content == "registration":
            self._registration(frame, message, [str(p) for p in problems], receive_time_s)
            return
        missing = [str(p) for p in problems if p.kind == "missing"]
        if missing:
            self._reject(frame, node_id, missing, receive_time_s)
            return
        node = self._node(frame, node_id, receive_time_s)
        if node is None:
            return
        if content in _FOR_AN_ASM:
            self._report(
                UnsupportedError(self.feed, frame.offset, f"a {content} is for a sensor; raqib is the DMM")
            )
            return
        if content in _COUNTED_ONLY:
            return
        if content == "error":
            reasons = "; ".join(message.error.error_message) or "no reason given"
            self._report(DataWarning(self.feed, frame.offset, f"node {node_id} reports an error: {reasons}"))
            return
        if not node.registered:
            self._flag(
                node, frame, "unregistered", f"node {node_id} reports without an accepted registration"
            )
        malformed_ids = [str(p) for p in problems if p.kind == "format"]
        if malformed_ids:
            self._flag(node, frame, "ids", "identifiers not in the ICD's format: " + "; ".join(malformed_ids))
        time_s = convert.timestamp_s(message.timestamp)
        if content == "status_report":
            issues = node.report_status(message.status_report, time_s)
            self._out.statuses.append(node.status)
            if issues:
                self._reject(frame, node_id, issues, receive_time_s, skipped=False)
        elif content == "detection_report":
            self._detection(frame, node, message, time_s, receive_time_s)

    def _registration(
        self,
        frame: Frame,
        message: sapient_message_pb2.SapientMessage,
        problems: list[str],
        receive_time_s: float,
    ) -> None:
        node = self._node(frame, message.node_id, receive_time_s) if message.node_id else None
        if node is None:
            reasons = problems or ["no node_id"]
        else:
            reasons = node.register(message.registration, problems)
            self._out.statuses.append(node.status)
        ack = RegistrationAck(acceptance=not reasons, ack_response_reason=reasons or ["Accepted"])
        self._reply(message.node_id, receive_time_s, registration_ack=ack)
        if reasons:
            self.stats.rejected += 1
            self._report(MessageError(self.feed, frame.offset, "registration refused: " + "; ".join(reasons)))

    def _detection(
        self,
        frame: Frame,
        node: SapientNode,
        message: sapient_message_pb2.SapientMessage,
        time_s: float,
        receive_time_s: float,
    ) -> None:
        try:
            detection, caveats = node.detection(message.detection_report, time_s)
        except convert.ConversionError as exc:
            self._reject(frame, node.node_id, [f"detection_report: {exc}"], receive_time_s)
            return
        except convert.UnsupportedConversion as exc:
            self.stats.rejected += 1
            self._report(UnsupportedError(self.feed, frame.offset, f"detection_report skipped: {exc}"))
            return
        for caveat in caveats:
            self._flag(node, frame, caveat, caveat)
        self._out.detections.append(detection)

    def _node(self, frame: Frame, node_id: str, receive_time_s: float) -> SapientNode | None:
        node = self.registry.node(node_id)
        if node is None:
            self._reject(
                frame,
                node_id,
                [f"too many nodes ({self.registry.max_nodes}): {node_id} ignored"],
                receive_time_s,
            )
            return None
        node.seen(receive_time_s)
        self.node_ids.add(node_id)
        return node

    def _reject(
        self,
        frame: Frame,
        node_id: str,
        reasons: list[str],
        receive_time_s: float,
        *,
        skipped: bool = True,
    ) -> None:
        """Report a broken message, and tell the node with an Error message."""
        if skipped:
            self.stats.rejected += 1
        self._report(MessageError(self.feed, frame.offset, "; ".join(reasons)))
        if self.config.reply_errors:
            self._reply(node_id, receive_time_s, error=Error(packet=frame.payload, error_message=reasons))

    def _flag(self, node: SapientNode, frame: Frame, key: str, reason: str) -> None:
        if key not in node.flagged:
            node.flagged.add(key)
            self._report(DataWarning(self.feed, frame.offset, f"{reason} (used; reported once per node)"))

    def _reply(self, node_id: str, receive_time_s: float, **content: object) -> None:
        reply = sapient_message_pb2.SapientMessage(node_id=self.config.dmm_node_id, **content)  # type: ignore[arg-type]
        reply.timestamp.FromNanoseconds(round(receive_time_s * 1e9))
        if node_id:
            reply.destination_id = node_id
        self.stats.replies += 1
        self._out.replies.append(encode_frame(reply.SerializeToString()))

    def _report(self, error: DecodeError) -> None:
        self._out.errors.append(error)
