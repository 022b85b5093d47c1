"""The "sapient" feed decoder: a file or stream of length-prefixed SapientMessages -> Detections.

A recording of a SAPIENT connection (the bytes as received, e.g. with ``nc`` or from a pcap's
TCP payload) decodes to the same Detections the live server produces; answers to the nodes
are not sent, and node health is kept in ``self.registry``. A recording that starts after the
nodes registered is read all the same: its reports are used and flagged once per node.

Detections are named by node: ``sensor_id`` "sapient:<node UUID>" (or the configured Sensor's
id for that node in ``SapientConfig.node_sensors``), so one file may carry many nodes. The
decoder's own ``sensor`` is not used to name them.
"""

from __future__ import annotations

from collections.abc import Iterable

from raqib.model import Detection, Sensor
from raqib.sensors.base import DecodeError, Decoder, ErrorSink, register
from raqib.sensors.sapient.config import SapientConfig
from raqib.sensors.sapient.node import NodeRegistry
from raqib.sensors.sapient.session import SapientSession


@register("sapient")
class SapientDecoder(Decoder):
    """Decoder for framed SAPIENT (BSI Flex 335 v2.0) messages."""

    def __init__(
        self,
        sensor: Sensor,
        *,
        feed: str | None = None,
        on_error: ErrorSink | None = None,
        config: SapientConfig | None = None,
    ) -> None:
        super().__init__(sensor, feed=feed, on_error=on_error)
        self.session = SapientSession(self.feed, config)
        self.registry: NodeRegistry = self.session.registry

    def _decode(self, data: bytes, receive_time_s: float) -> Iterable[Detection]:
        out = self.session.receive(data, receive_time_s)
        self._account(out.errors, out.messages)
        return out.detections

    def _finish(self, receive_time_s: float) -> Iterable[Detection]:
        """The feed has ended: report a part-frame left unread."""
        out = self.session.close(receive_time_s)
        self._account(out.errors, out.messages)
        return out.detections

    def _account(self, errors: list[DecodeError], messages: int) -> None:
        self.stats.records += messages
        for error in errors:
            self.report(error)
