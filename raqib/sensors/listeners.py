"""Listeners: each feed's bytes from the network or a file, stamped on arrival, decoded, and
handed on as :class:`Decoded` chunks.

    socket ──► (bytes, receive_time_s) ──► bounded queue ──► Decoder ──► sink(Decoded)

Each listener runs as its own asyncio task (``await listener.run()``, cancelled to stop) with
its own queue, so one feed can't hold up another:
  * a feed that floods fills only its own queue; chunks beyond ``queue_size`` are dropped
    and counted (``stats.chunks_dropped``; UDP also counts what the kernel dropped);
  * the decoding side yields to the event loop after ``decode_budget_s`` of work, so a busy
    feed shares the loop with the others;
  * garbage is the decoder's business: it reports and goes on; a sink that raises is logged;
  * a TCP client reconnects with exponential backoff when its receiver drops or refuses.

Framing state is per byte stream, so each TCP connection (client reconnect, or each sender
to a TCP server) gets a fresh decoder from ``make_decoder``; ``decode_stats()`` sums them.
When a connection ends its decoder is finished (``Decoder.finish``): a frame it still holds
is decoded or reported as cut short, as a chunk of its own, after the connection's last
queued chunk (also when the queue was full as it closed).

File and pcap replays are listeners too: see raqib.sensors.replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import ClassVar

from raqib.model import Detection
from raqib.sensors.base import Decoder, DecodeStats

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Decoded:
    """What one chunk (a datagram, a stream read) of a feed decoded to."""

    feed: str
    sensor_id: str
    receive_time_s: float
    detections: list[Detection]
    errors: int  # decode errors reported while decoding this chunk
    size_bytes: int


Sink = Callable[[Decoded], None]
DecoderFactory = Callable[[], Decoder]
Clock = Callable[[], float]


@dataclass
class ListenerStats:
    chunks_received: int = 0
    bytes_received: int = 0
    chunks_dropped: int = 0
    kernel_drops: int = 0  # UDP datagrams the kernel dropped because the socket buffer was full
    connections: int = 0
    disconnections: int = 0
    last_receive_time_s: float | None = None
    last_error: str = ""  # the last transport problem (refused, reset, unreadable file)


class Listener(ABC):
    """One feed: reads bytes (``_serve``) and decodes them on a second task."""

    transport: ClassVar[str] = ""
    decode_budget_s: ClassVar[float] = 0.002  # decoding time a feed takes before yielding the loop

    def __init__(
        self,
        name: str,
        make_decoder: DecoderFactory,
        sink: Sink,
        *,
        queue_size: int = 1024,
        clock: Clock = time.time,
    ) -> None:
        self.name = name
        self.make_decoder = make_decoder
        self.sink = sink
        self.clock = clock
        self.stats = ListenerStats()
        self.ready = asyncio.Event()  # set once bound, connected or open
        self.bound_port: int | None = None
        # (decoder, chunk, receive time); a chunk of None ends a connection (at that time):
        # finish and retire its decoder
        self._queue: asyncio.Queue[tuple[Decoder, bytes | None, float]] = asyncio.Queue(max(1, queue_size))
        # A stream that ends while the queue is full is finished once its last queued chunk is
        # decoded: chunks still queued per decoder, and the end times waiting for them.
        self._queued: dict[Decoder, int] = {}
        self._ending: dict[Decoder, float] = {}
        self._decoders: list[Decoder] = []
        self._retired = DecodeStats()

    async def run(self) -> None:
        """Serve until cancelled (or, for a replay, until the recording ends and is decoded)."""
        consumer = asyncio.create_task(self._consume(), name=f"decode:{self.name}")
        try:
            await self._serve()
            await self._queue.join()
        finally:
            consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await consumer

    @abstractmethod
    async def _serve(self) -> None: ...

    # ------------------------------------------------------------------ decoders and stats

    def new_decoder(self) -> Decoder:
        decoder = self.make_decoder()
        self._decoders.append(decoder)
        return decoder

    def _retire(self, decoder: Decoder) -> None:
        if decoder in self._decoders:
            self._decoders.remove(decoder)
            _add_stats(self._retired, decoder.stats)

    def decode_stats(self) -> DecodeStats:
        """The decode counts of every decoder this feed has used."""
        total = DecodeStats()
        _add_stats(total, self._retired)
        for decoder in self._decoders:
            _add_stats(total, decoder.stats)
        return total

    # ------------------------------------------------------------------ the queue

    def offer(self, decoder: Decoder, data: bytes, receive_time_s: float) -> bool:
        """Queue one chunk as it arrives; False (and counted) when the queue is full."""
        self.stats.chunks_received += 1
        self.stats.bytes_received += len(data)
        self.stats.last_receive_time_s = receive_time_s
        try:
            self._queue.put_nowait((decoder, data, receive_time_s))
        except asyncio.QueueFull:
            self.stats.chunks_dropped += 1
            return False
        self._queued[decoder] = self._queued.get(decoder, 0) + 1
        return True

    def _end_stream(self, decoder: Decoder) -> None:
        """Queue the end of a stream behind its chunks. The queue never blocks a reader: when it
        is full, the stream ends after its last queued chunk is decoded (or at once if none is),
        so what its decoder still holds is read and reported all the same."""
        end_time_s = self.clock()
        try:
            self._queue.put_nowait((decoder, None, end_time_s))
        except asyncio.QueueFull:
            if self._queued.get(decoder, 0):
                self._ending[decoder] = end_time_s
            else:
                self._close(decoder, end_time_s)

    def _close(self, decoder: Decoder, end_time_s: float) -> None:
        self._emit_end(self._finish(decoder, end_time_s))
        self._retire(decoder)

    async def _consume(self) -> None:
        while True:
            item = await self._queue.get()
            deadline = time.perf_counter() + self.decode_budget_s
            while True:
                decoder, data, receive_time_s = item
                try:
                    if data is None:
                        self._close(decoder, receive_time_s)
                    else:
                        self._emit(self._decode(decoder, data, receive_time_s))
                finally:
                    self._queue.task_done()
                    if data is not None:
                        self._chunk_done(decoder)
                if self._queue.empty() or time.perf_counter() > deadline:
                    break
                item = self._queue.get_nowait()
            await asyncio.sleep(0)  # a busy feed takes its turn, then lets the others run

    def _chunk_done(self, decoder: Decoder) -> None:
        left = self._queued.pop(decoder, 1) - 1
        if left > 0:
            self._queued[decoder] = left
        elif decoder in self._ending:
            self._close(decoder, self._ending.pop(decoder))

    def _decode(self, decoder: Decoder, data: bytes, receive_time_s: float) -> Decoded:
        errors_before = decoder.stats.errors
        detections = decoder.decode(data, receive_time_s)
        return Decoded(
            self.name,
            decoder.sensor.sensor_id,
            receive_time_s,
            detections,
            decoder.stats.errors - errors_before,
            len(data),
        )

    def _finish(self, decoder: Decoder, end_time_s: float) -> Decoded:
        """What a decoder still held when its stream ended, as a chunk of no bytes."""
        errors_before = decoder.stats.errors
        detections = decoder.finish(end_time_s)
        return Decoded(
            self.name,
            decoder.sensor.sensor_id,
            end_time_s,
            detections,
            decoder.stats.errors - errors_before,
            0,
        )

    def _emit_end(self, decoded: Decoded) -> None:
        """Hand on the end of a stream only when it held something: a closed connection is
        not a message from the sensor."""
        if decoded.detections or decoded.errors:
            self._emit(decoded)

    def _emit(self, decoded: Decoded) -> None:
        try:
            self.sink(decoded)
        except Exception:
            log.exception(
                "%s: the sink failed on a chunk received at %.3f", self.name, decoded.receive_time_s
            )

    async def _read_stream(
        self, reader: asyncio.StreamReader, read_bytes: int = 65536, idle_timeout_s: float | None = None
    ) -> None:
        """One TCP connection's bytes, through a decoder of its own, until it closes (or, with
        ``idle_timeout_s``, until it has been quiet that long: TimeoutError)."""
        decoder = self.new_decoder()
        try:
            while data := await asyncio.wait_for(reader.read(read_bytes), idle_timeout_s):
                self.offer(decoder, data, self.clock())
        finally:
            self._end_stream(decoder)


def _add_stats(total: DecodeStats, part: DecodeStats) -> None:
    for spec in fields(DecodeStats):
        if spec.name == "errors_by_kind":
            for kind, count in part.errors_by_kind.items():
                total.errors_by_kind[kind] = total.errors_by_kind.get(kind, 0) + count
        elif spec.name == "last_error":
            total.last_error = part.last_error or total.last_error
        else:
            setattr(total, spec.name, getattr(total, spec.name) + getattr(part, spec.name))


# ---------------------------------------------------------------------------- UDP


# Linux reports how many datagrams it dropped on a full socket buffer (SO_RXQ_OVFL) with each
# datagram; Python's socket module does not name the option.
SO_RXQ_OVFL = getattr(socket, "SO_RXQ_OVFL", 40)
_ANCILLARY_BYTES = socket.CMSG_SPACE(4)


class UdpListener(Listener):
    """UDP unicast, or multicast when ``group`` is set (joined on ``interface``: an address or
    an interface name; default: the system's choice).

    Each time the socket is readable up to ``batch`` datagrams are read, so a flood fills
    this feed's queue (where drops are counted) rather than the kernel's buffer; what the
    kernel still drops is read from SO_RXQ_OVFL into ``stats.kernel_drops`` (Linux)."""

    transport = "udp"
    receive_buffer_bytes = 4 << 20
    batch = 64

    def __init__(
        self,
        name: str,
        make_decoder: DecoderFactory,
        sink: Sink,
        *,
        host: str = "0.0.0.0",
        port: int = 0,
        group: str | None = None,
        interface: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(name, make_decoder, sink, **kwargs)  # type: ignore[arg-type]
        self.host = host
        self.port = port
        self.group = group
        self.interface = interface

    async def _serve(self) -> None:
        if self.group:
            sock = multicast_socket(self.group, self.port, self.interface)
        else:
            sock = self._unicast_socket()
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
        loop = asyncio.get_running_loop()
        decoder = self.new_decoder()
        loop.add_reader(sock.fileno(), self._read_ready, sock, decoder)
        self.bound_port = sock.getsockname()[1]
        self.ready.set()
        try:
            await asyncio.Future()  # until cancelled
        finally:
            loop.remove_reader(sock.fileno())
            sock.close()

    def _read_ready(self, sock: socket.socket, decoder: Decoder) -> None:
        for _ in range(self.batch):
            try:
                data, ancillary, _, _ = sock.recvmsg(65535, _ANCILLARY_BYTES)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                return
            receive_time_s = self.clock()
            for level, kind, value in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_RXQ_OVFL and len(value) >= 4:
                    self.stats.kernel_drops = struct.unpack("=I", value[:4])[0]
            self.offer(decoder, data, receive_time_s)

    def _unicast_socket(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        _enlarge_receive_buffer(sock, self.receive_buffer_bytes)
        sock.bind((self.host, self.port))
        sock.setblocking(False)
        return sock


def multicast_socket(group: str, port: int, interface: str | None = None) -> socket.socket:
    """A non-blocking UDP socket bound to ``port`` that has joined ``group`` on ``interface``."""
    ipv6 = ":" in group
    sock = socket.socket(socket.AF_INET6 if ipv6 else socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    _enlarge_receive_buffer(sock, UdpListener.receive_buffer_bytes)
    # binding to the group (not the wildcard) keeps other groups on the same port out (Linux)
    sock.bind((group, port))
    if ipv6:
        index = socket.if_nametoindex(interface) if interface else 0
        request = socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", index)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, request)
    elif interface and not _is_ipv4(interface):
        request = struct.pack(
            "4s4si", socket.inet_aton(group), socket.inet_aton("0.0.0.0"), socket.if_nametoindex(interface)
        )
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, request)
    else:
        request = socket.inet_aton(group) + socket.inet_aton(interface or "0.0.0.0")
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, request)
    sock.setblocking(False)
    return sock


def _is_ipv4(text: str) -> bool:
    try:
        socket.inet_aton(text)
    except OSError:
        return False
    return True


def _enlarge_receive_buffer(sock: socket.socket, size: int) -> None:
    with contextlib.suppress(OSError):  # a smaller kernel limit is not a reason to fail
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)


# ---------------------------------------------------------------------------- TCP


class TcpClientListener(Listener):
    """Connects to a receiver (dump1090's 30005 Beast, 30003 SBS, 30002 raw, a radar's TCP
    output) and reconnects with exponential backoff when it refuses or drops, or (with
    ``idle_timeout_s``) when a connection stays silent that long: a peer that vanished without
    closing leaves a connection that never ends by itself. TCP keepalive is on as well."""

    transport = "tcp-client"

    def __init__(
        self,
        name: str,
        make_decoder: DecoderFactory,
        sink: Sink,
        *,
        host: str,
        port: int,
        reconnect_min_s: float = 0.5,
        reconnect_max_s: float = 30.0,
        connect_timeout_s: float = 5.0,
        idle_timeout_s: float | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(name, make_decoder, sink, **kwargs)  # type: ignore[arg-type]
        self.host = host
        self.port = port
        self.reconnect_min_s = reconnect_min_s
        self.reconnect_max_s = reconnect_max_s
        self.connect_timeout_s = connect_timeout_s
        self.idle_timeout_s = idle_timeout_s
        self.connected = asyncio.Event()

    async def _serve(self) -> None:
        delay = self.reconnect_min_s
        while True:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.host, self.port), self.connect_timeout_s
                )
            except (OSError, TimeoutError) as exc:
                reason = str(exc) or type(exc).__name__
                self.stats.last_error = f"connect to {self.host}:{self.port}: {reason}"
                await asyncio.sleep(delay)
                delay = min(delay * 2.0, self.reconnect_max_s)
                continue
            self.stats.connections += 1
            self.connected.set()
            self.ready.set()
            connected_at = self.clock()
            sock = writer.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            try:
                await self._read_stream(reader, idle_timeout_s=self.idle_timeout_s)
                self.stats.last_error = f"{self.host}:{self.port} closed the connection"
            except TimeoutError:
                quiet = f"no data for {self.idle_timeout_s:g} s; reconnecting"
                self.stats.last_error = f"{self.host}:{self.port}: {quiet}"
            except OSError as exc:
                self.stats.last_error = f"{self.host}:{self.port}: {exc}"
            finally:
                self.connected.clear()
                self.stats.disconnections += 1
                writer.close()
            if self.clock() - connected_at > self.reconnect_max_s:
                delay = self.reconnect_min_s  # it was a good connection: start the backoff again
            await asyncio.sleep(delay)
            delay = min(delay * 2.0, self.reconnect_max_s)


class TcpServerListener(Listener):
    """Accepts any number of senders; each connection is decoded as its own stream."""

    transport = "tcp-server"

    def __init__(
        self,
        name: str,
        make_decoder: DecoderFactory,
        sink: Sink,
        *,
        host: str = "0.0.0.0",
        port: int = 0,
        **kwargs: object,
    ) -> None:
        super().__init__(name, make_decoder, sink, **kwargs)  # type: ignore[arg-type]
        self.host = host
        self.port = port
        self._connections: set[asyncio.Task[None]] = set()

    async def _serve(self) -> None:
        server = await asyncio.start_server(self._accept, self.host, self.port)
        self.bound_port = server.sockets[0].getsockname()[1]
        self.ready.set()
        try:
            await server.serve_forever()
        finally:
            server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self.stats.connections += 1
        try:
            await self._read_stream(reader)
        except OSError as exc:
            self.stats.last_error = f"{writer.get_extra_info('peername')}: {exc}"
        finally:
            self._connections.discard(task)
            self.stats.disconnections += 1
            writer.close()
