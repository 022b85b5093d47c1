"""SAPIENT nodes as a live feed: raqib.sensors.sapient's own TCP server (which answers each
node's registration) behind the Listener interface, so the live runner treats it like any
other feed.

Detections are named by the node map of the feed's SapientConfig (``node_ids`` in the site
file); a node that is not in it is taken as this feed's sensor, since the tracker places
measurements by the sensors it was configured with. Status reports count as messages for the
sensor's health; each decode error is counted against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from raqib.model import Detection
from raqib.sensors.base import DecodeError, DecodeStats, ErrorSink
from raqib.sensors.listeners import Decoded, DecoderFactory, Listener, Sink


class SapientListener(Listener):
    transport = "tcp-server"

    def __init__(
        self,
        name: str,
        make_decoder: DecoderFactory,
        sink: Sink,
        *,
        sensor_id: str,
        config: Any = None,
        host: str = "0.0.0.0",
        port: int = 0,
        on_error: ErrorSink | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(name, make_decoder, sink, **kwargs)  # type: ignore[arg-type]
        from raqib.sensors.sapient.server import SapientServer

        self.host = host
        self.port = port
        self.sensor_id = sensor_id
        self._on_error = on_error
        nodes = config.node_sensors.values() if config is not None else ()
        self._known_ids = {sensor.sensor_id for sensor in nodes}
        self.server = SapientServer(
            config,
            on_detections=self._detections,
            on_status=self._status,
            on_error=self._error,
            clock=self.clock,
        )

    def decode_stats(self) -> DecodeStats:
        return self.server.stats

    async def _serve(self) -> None:
        await self.server.start(self.host, self.port)
        self.bound_port = self.server.port
        self.ready.set()
        try:
            await self.server.serve_forever()
        finally:
            await self.server.stop()

    def _detections(self, detections: Sequence[Detection]) -> None:
        own = self.sensor_id
        named = [
            d if d.sensor_id in self._known_ids else msgspec.structs.replace(d, sensor_id=own)
            for d in detections
        ]
        self._hand_on(named, 0)

    def _status(self, status: object) -> None:
        self._hand_on([], 0)

    def _error(self, error: DecodeError) -> None:
        self.stats.last_error = str(error)
        if self._on_error is not None:
            self._on_error(error)
        self._hand_on([], 1)

    def _hand_on(self, detections: list[Detection], errors: int) -> None:
        now = self.clock()
        self.stats.chunks_received += 1
        self.stats.last_receive_time_s = now
        self._emit(Decoded(self.name, self.sensor_id, now, detections, errors, 0))
