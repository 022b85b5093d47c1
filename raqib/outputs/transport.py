"""CoT to TAK over the network, as XML (TAK protocol version 0).

* UDP: one event per datagram, to a host or a multicast group (the SA mesh is usually
  239.2.3.1:6969); for multicast the TTL and the interface to send from are options.
* TCP: events back to back on one connection to a TAK Server's streaming input (8087 plain,
  8089 TLS with a client certificate). When the connection drops, the event in hand is kept
  and the channel reconnects, waiting ``reconnect_min_s`` doubled up to ``reconnect_max_s``;
  meanwhile the queue keeps the newest events (the oldest are dropped and counted). What the
  server sends back is read and discarded, which is also how a closed connection is noticed.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import random
import socket
import ssl
import struct

from raqib.outputs.base import Channel, DeliveryError, Outgoing
from raqib.outputs.config import CotTcpOptions, CotUdpOptions

log = logging.getLogger(__name__)

MAX_DATAGRAM_BYTES = 65507


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, channel: CotUdpSender) -> None:
        self.channel = channel

    def error_received(self, exc: Exception) -> None:  # e.g. ICMP port unreachable: nobody listens
        self.channel.stats.last_error = f"{type(exc).__name__}: {exc}"


class CotUdpSender(Channel):
    accepts = "cot"
    drop_oldest = True

    def __init__(self, name: str, address: str, port: int, options: CotUdpOptions | None = None) -> None:
        options = options or CotUdpOptions()
        super().__init__(name, queue_size=options.queue_size)
        self.address = address
        self.port = port
        self.options = options
        self._transport: asyncio.DatagramTransport | None = None

    async def _open(self) -> asyncio.DatagramTransport:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(self.address, self.port, type=socket.SOCK_DGRAM)
        family, _, _, _, destination = infos[0]
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            if family == socket.AF_INET and ipaddress.ip_address(destination[0]).is_multicast:
                ttl = struct.pack("b", self.options.ttl)
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
                if self.options.interface:
                    sock.setsockopt(
                        socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(self.options.interface)
                    )
            sock.setblocking(False)
            sock.connect(destination)
        except OSError:
            sock.close()
            raise
        transport, _ = await loop.create_datagram_endpoint(lambda: _UdpProtocol(self), sock=sock)
        return transport

    async def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    async def deliver(self, message: Outgoing) -> None:
        if len(message.body) > MAX_DATAGRAM_BYTES:
            raise DeliveryError(f"{len(message.body)} bytes is too large for one datagram")
        if self._transport is None:  # opened here, not at start: a name that doesn't resolve yet may later
            try:
                self._transport = await self._open()
            except OSError as exc:
                raise DeliveryError(f"can't send to {self.address}:{self.port}: {exc}") from exc
        self._transport.sendto(message.body)


class CotTcpSender(Channel):
    accepts = "cot"
    drop_oldest = True

    def __init__(
        self,
        name: str,
        address: str,
        port: int,
        options: CotTcpOptions | None = None,
        *,
        rng: random.Random | None = None,
    ) -> None:
        options = options or CotTcpOptions()
        super().__init__(name, queue_size=options.queue_size)
        self.address = address
        self.port = port
        self.options = options
        self._rng = rng or random.Random()
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._ssl: ssl.SSLContext | None = None

    async def close(self) -> None:
        self._disconnect(None)

    @property
    def connected(self) -> bool:
        return self._writer is not None

    async def deliver(self, message: Outgoing) -> None:
        while True:
            writer = self._writer or await self._connect()
            try:
                writer.write(message.body)
                await writer.drain()
                return
            except (OSError, RuntimeError) as exc:  # RuntimeError: the transport closed under us
                self._disconnect(f"{type(exc).__name__}: {exc}")

    async def _connect(self) -> asyncio.StreamWriter:
        wait_s = self.options.reconnect_min_s
        while True:
            try:
                if self.options.tls and self._ssl is None:
                    self._ssl = tls_context(self.options)
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(
                        self.address,
                        self.port,
                        ssl=self._ssl,
                        server_hostname=self.address if self._ssl else None,
                    ),
                    self.options.connect_timeout_s,
                )
            except (OSError, TimeoutError, ssl.SSLError, ValueError) as exc:
                self.stats.last_error = f"connect to {self.address}:{self.port}: {type(exc).__name__}: {exc}"
                log.info("output %s: %s; retrying in %.1f s", self.name, self.stats.last_error, wait_s)
                await asyncio.sleep(wait_s * self._rng.uniform(0.8, 1.0))
                wait_s = min(wait_s * 2, self.options.reconnect_max_s)
                continue
            self.stats.connections += 1
            self._writer = writer
            self._reader_task = asyncio.create_task(self._discard_input(reader, writer))
            return writer

    async def _discard_input(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, ssl.SSLError):
            while await reader.read(65536):
                pass
        if self._writer is writer:
            self._disconnect("the server closed the connection")

    def _disconnect(self, reason: str | None) -> None:
        """Drop the connection; ``reason`` None when raqib itself closes it."""
        writer, self._writer = self._writer, None
        if writer is not None:
            if reason is not None:
                self.stats.last_error = reason
                log.info("output %s: disconnected: %s", self.name, reason)
            writer.close()
        task, self._reader_task = self._reader_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()


def tls_context(options: CotTcpOptions) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=options.tls_ca or None)
    context.check_hostname = options.tls_check_hostname
    if options.tls_cert:
        context.load_cert_chain(options.tls_cert, options.tls_key or None)
    return context
