"""raqib as the SAPIENT DMM: an asyncio TCP server that many nodes connect to at once.

Each connection runs on its own task with its own SapientSession (framing and checks) and
shares one NodeRegistry (what is known of every node). Whatever one node sends, garbage
included, costs at most its own connection: errors are reported and counted, the session
resynchronises, and a failure in the handler closes that connection only. Detections, node
statuses and errors go to the callbacks given; answers (RegistrationAck, Error) go back on the
node's own connection.

    async with SapientServer(on_detections=pipeline_inbox.extend) as server:
        await server.start("0.0.0.0", 5020)
        ...
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from types import TracebackType

from raqib.model import Detection
from raqib.sensors.base import DecodeError, DecodeStats, ErrorSink
from raqib.sensors.sapient.config import SapientConfig
from raqib.sensors.sapient.node import NodeRegistry, NodeStatus
from raqib.sensors.sapient.session import SapientSession, SessionOutput

log = logging.getLogger(__name__)

DetectionSink = Callable[[Sequence[Detection]], None]
StatusSink = Callable[[NodeStatus], None]


class SapientServer:
    """Accepts SAPIENT nodes over TCP; see the module docstring."""

    def __init__(
        self,
        config: SapientConfig | None = None,
        *,
        on_detections: DetectionSink | None = None,
        on_status: StatusSink | None = None,
        on_error: ErrorSink | None = None,
        clock: Callable[[], float] = time.time,
        read_bytes: int = 1 << 16,
        idle_timeout_s: float | None = None,
    ) -> None:
        self.config = config or SapientConfig()
        self.registry = NodeRegistry(self.config)
        self.stats = DecodeStats()  # over all connections: chunks are reads, records messages
        self.connections_total = 0
        self._on_detections = on_detections
        self._on_status = on_status
        self._on_error = on_error
        self._clock = clock
        self._read_bytes = read_bytes
        self._idle_timeout_s = idle_timeout_s
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def connections_open(self) -> int:
        return len(self._tasks)

    @property
    def port(self) -> int:
        """The port listened on (the one the OS chose when started with port 0)."""
        if self._server is None or not self._server.sockets:
            raise RuntimeError("the SAPIENT server is not started")
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = await asyncio.start_server(self._connection, host, port)
        log.info("SAPIENT DMM %s listening on %s:%d", self.config.dmm_node_id, host, self.port)

    async def serve_forever(self) -> None:
        if self._server is None:
            raise RuntimeError("start the SAPIENT server before serving")
        await self._server.serve_forever()

    async def stop(self) -> None:
        """Stop listening and close every connection."""
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> SapientServer:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections_total += 1
        peer = writer.get_extra_info("peername")
        feed = f"sapient:{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else f"sapient:{peer}"
        session = SapientSession(feed, registry=self.registry)
        offset = 0
        try:
            while True:
                data = await asyncio.wait_for(reader.read(self._read_bytes), self._idle_timeout_s)
                if not data:
                    break
                self.stats.chunks += 1
                self.stats.bytes += len(data)
                out = session.receive(data, self._clock())
                offset += len(data)
                self._deliver(out)
                for reply in out.replies:
                    writer.write(reply)
                await writer.drain()
        except (TimeoutError, ConnectionError) as exc:
            log.info("SAPIENT %s closed: %r", feed, exc)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a handler bug closes this node's connection, never the server
            log.exception("SAPIENT %s: handler failed", feed)
            self._error(DecodeError(feed, offset, f"connection closed after a handler failure: {exc!r}"))
        finally:
            self._tasks.discard(task)
            self._deliver(session.close(self._clock()))
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _deliver(self, out: SessionOutput) -> None:
        self.stats.records += out.messages
        self.stats.detections += len(out.detections)
        for error in out.errors:
            self._error(error)
        if out.detections and self._on_detections is not None:
            self._call(self._on_detections, out.detections)
        if self._on_status is not None:
            for status in out.statuses:
                self._call(self._on_status, status)

    def _error(self, error: DecodeError) -> None:
        self.stats.errors += 1
        kind = type(error).__name__
        self.stats.errors_by_kind[kind] = self.stats.errors_by_kind.get(kind, 0) + 1
        self.stats.last_error = str(error)
        log.debug("%s", error)
        if self._on_error is not None:
            self._call(self._on_error, error)

    @staticmethod
    def _call(callback: Callable[..., None], value: object) -> None:
        try:
            callback(value)
        except Exception:  # the consumer's failure must not drop the node's connection
            log.exception("SAPIENT callback %r failed", callback)
