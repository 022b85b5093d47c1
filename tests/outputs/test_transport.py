"""CoT over the network, to fake TAK receivers on loopback: a datagram per event (unicast and
multicast), and a TCP stream that survives the server dropping it or not being up yet."""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from raqib.outputs.base import Outgoing
from raqib.outputs.config import CotTcpOptions, CotUdpOptions
from raqib.outputs.cot import CotWriter
from raqib.outputs.transport import CotTcpSender, CotUdpSender
from tests.outputs.helpers import SITE, FakeTakServer, FakeTakUdp, make_track, run

VECTORS = Path(__file__).parent / "vectors"
FAST: dict[str, Any] = {"reconnect_min_s": 0.05, "reconnect_max_s": 0.2, "connect_timeout_s": 2.0}


def events(count: int, first_id: int = 1) -> list[Outgoing]:
    cot = CotWriter(SITE, uid_prefix="raqib.orbi")
    built = cot.tracks([make_track(first_id + i) for i in range(count)], 10.0, 5.0)
    return [Outgoing("cot", e.uid, e.xml) for e in built]


def uids(received: list[ET.Element]) -> list[str]:
    return [event.get("uid", "") for event in received]


def test_each_event_is_one_datagram() -> None:
    async def scenario() -> FakeTakUdp:
        loop = asyncio.get_running_loop()
        transport, receiver = await loop.create_datagram_endpoint(FakeTakUdp, local_addr=("127.0.0.1", 0))
        port = transport.get_extra_info("sockname")[1]
        sender = CotUdpSender("tak", "127.0.0.1", port)
        await sender.start()
        for item in events(3):
            sender.send(item)
        await receiver.wait_for(3)
        await sender.stop()
        transport.close()
        assert sender.stats.sent == 3
        return receiver

    receiver = run(scenario())
    assert uids(receiver.events) == ["raqib.orbi.track.1", "raqib.orbi.track.2", "raqib.orbi.track.3"]
    assert all(raw.count(b"<event") == 1 for raw in receiver.raw)


def test_multicast_reaches_a_member_of_the_group() -> None:
    group = "239.255.73.1"
    receiver_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    receiver_socket.bind(("", 0))
    port = receiver_socket.getsockname()[1]
    try:
        receiver_socket.setsockopt(
            socket.IPPROTO_IP,
            socket.IP_ADD_MEMBERSHIP,
            struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton("127.0.0.1")),
        )
    except OSError as exc:
        receiver_socket.close()
        pytest.skip(f"this host cannot join a multicast group on loopback: {exc}")

    async def scenario() -> FakeTakUdp:
        loop = asyncio.get_running_loop()
        transport, receiver = await loop.create_datagram_endpoint(FakeTakUdp, sock=receiver_socket)
        sender = CotUdpSender("mesh", group, port, CotUdpOptions(ttl=1, interface="127.0.0.1"))
        await sender.start()
        for item in events(2):
            sender.send(item)
        await receiver.wait_for(2)
        await sender.stop()
        transport.close()
        return receiver

    assert uids(run(scenario()).events) == ["raqib.orbi.track.1", "raqib.orbi.track.2"]


def test_an_event_too_large_for_a_datagram_is_counted_not_fatal() -> None:
    async def scenario() -> CotUdpSender:
        loop = asyncio.get_running_loop()
        transport, receiver = await loop.create_datagram_endpoint(FakeTakUdp, local_addr=("127.0.0.1", 0))
        sender = CotUdpSender("tak", "127.0.0.1", transport.get_extra_info("sockname")[1])
        await sender.start()
        sender.send(Outgoing("cot", "huge", b"x" * 70000))
        sender.send(events(1)[0])
        await receiver.wait_for(1)
        await sender.stop()
        transport.close()
        return sender

    sender = run(scenario())
    assert (sender.stats.failed, sender.stats.sent) == (1, 1)
    assert "too large" in sender.stats.last_error


def test_a_name_that_does_not_resolve_fails_each_message_and_keeps_going() -> None:
    async def scenario() -> CotUdpSender:
        sender = CotUdpSender("tak", "no-such-host.invalid", 6969)
        await sender.start()
        for item in events(2):
            sender.send(item)
        await sender.stop()
        return sender

    sender = run(scenario())
    assert sender.stats.failed == 2 and "can't send to no-such-host.invalid" in sender.stats.last_error


def test_events_stream_back_to_back_over_tcp() -> None:
    async def scenario() -> FakeTakServer:
        fake = FakeTakServer()
        server = await fake.start()
        sender = CotTcpSender("takserver", "127.0.0.1", fake.port, CotTcpOptions(**FAST))
        await sender.start()
        for item in events(4):
            sender.send(item)
        await fake.wait_for(4)
        await sender.stop()
        server.close()
        assert sender.stats.connections == 1 and sender.stats.sent == 4
        return fake

    fake = run(scenario())
    assert uids(fake.events) == [f"raqib.orbi.track.{n}" for n in range(1, 5)]


def test_the_stream_reconnects_when_the_server_drops_it() -> None:
    async def scenario() -> tuple[FakeTakServer, CotTcpSender]:
        fake = FakeTakServer(close_after=1)
        server = await fake.start()
        sender = CotTcpSender("takserver", "127.0.0.1", fake.port, CotTcpOptions(**FAST))
        await sender.start()
        sender.send(events(1, first_id=1)[0])
        await fake.wait_for(1)
        async with asyncio.timeout(5):
            while sender.connected:  # the server's close is seen by the sender's reader
                await asyncio.sleep(0.01)
        for item in events(2, first_id=2):
            sender.send(item)
        await fake.wait_for(3)
        await sender.stop()
        server.close()
        return fake, sender

    fake, sender = run(scenario())
    assert uids(fake.events) == ["raqib.orbi.track.1", "raqib.orbi.track.2", "raqib.orbi.track.3"]
    assert fake.connections == 2 and sender.stats.connections == 2
    assert sender.stats.last_error == "the server closed the connection"


def test_the_stream_waits_for_a_server_that_is_not_up_yet_and_keeps_the_newest() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def scenario() -> tuple[FakeTakServer, CotTcpSender]:
        sender = CotTcpSender("takserver", "127.0.0.1", port, CotTcpOptions(queue_size=3, **FAST))
        await sender.start()
        first, *others = events(6)
        sender.send(first)
        await asyncio.sleep(0.1)  # the first is in hand, retrying the connection
        for item in others:
            sender.send(item)  # the queue keeps the three newest
        await asyncio.sleep(0.2)
        fake = FakeTakServer()
        fake.arrived = asyncio.Event()
        server = await asyncio.start_server(fake._client, "127.0.0.1", port)
        await fake.wait_for(4)
        await sender.stop()
        server.close()
        return fake, sender

    fake, sender = run(scenario())
    assert uids(fake.events) == [
        "raqib.orbi.track.1",
        "raqib.orbi.track.4",
        "raqib.orbi.track.5",
        "raqib.orbi.track.6",
    ]
    assert sender.stats.dropped == 2 and "connect to 127.0.0.1" in sender.stats.last_error
    assert sender.stats.connections == 1


def test_tls_with_a_client_certificate() -> None:
    cert, key = str(VECTORS / "tak-test-cert.pem"), str(VECTORS / "tak-test-key.pem")

    async def scenario() -> FakeTakServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=cert)
        context.load_cert_chain(cert, key)
        context.verify_mode = ssl.CERT_REQUIRED  # like TAK Server on 8089: no certificate, no entry
        fake = FakeTakServer()
        fake.arrived = asyncio.Event()
        server = await asyncio.start_server(fake._client, "127.0.0.1", 0, ssl=context)
        port = server.sockets[0].getsockname()[1]
        sender = CotTcpSender(
            "takserver",
            "127.0.0.1",
            port,
            CotTcpOptions(tls=True, tls_ca=cert, tls_cert=cert, tls_key=key, **FAST),
        )
        await sender.start()
        for item in events(2):
            sender.send(item)
        await fake.wait_for(2)
        await sender.stop()
        server.close()
        return fake

    assert uids(run(scenario()).events) == ["raqib.orbi.track.1", "raqib.orbi.track.2"]


def test_a_missing_certificate_is_reported_and_retried_not_fatal(tmp_path: Path) -> None:
    async def scenario() -> CotTcpSender:
        sender = CotTcpSender(
            "takserver",
            "127.0.0.1",
            9,
            CotTcpOptions(tls=True, tls_cert=str(tmp_path / "missing.pem"), **FAST),
        )
        await sender.start()
        sender.send(events(1)[0])
        await asyncio.sleep(0.2)
        assert "No such file" in sender.stats.last_error and sender.stats.connections == 0
        await sender.stop(timeout_s=0.1)
        return sender

    sender = run(scenario())
    assert sender.stats.sent == 0 and sender.stats.failed == 1
    assert sender.stats.last_error == "not delivered before shutdown"
