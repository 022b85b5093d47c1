"""Listeners on 127.0.0.1: UDP, multicast, TCP client and server, file and pcap replay; a feed
that floods or sends garbage does not stop a good one."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator
from pathlib import Path
from typing import Any

import dpkt
import pytest

from raqib.model import Detection, Sensor
from raqib.sensors.base import Decoder
from raqib.sensors.jsonl import JsonlDecoder
from raqib.sensors.listeners import (
    Decoded,
    Listener,
    TcpClientListener,
    TcpServerListener,
    UdpListener,
    multicast_socket,
)
from raqib.sensors.replay import FileListener, PcapListener

SENSOR = Sensor(sensor_id="cam-1", kind="eo", lat_deg=51.5, lon_deg=-0.1, alt_m=20.0)
OTHER = Sensor(sensor_id="cam-2", kind="eo", lat_deg=51.5, lon_deg=-0.1, alt_m=20.0)


def line(time_s: float, sensor: str = "cam-1", azimuth_deg: float = 45.0) -> bytes:
    obj = {"type": "detection", "time": time_s, "sensor": sensor, "azimuth_deg": azimuth_deg}
    return json.dumps(obj).encode() + b"\n"


def run(coroutine: Coroutine[Any, Any, None], timeout_s: float = 15.0) -> None:
    asyncio.run(asyncio.wait_for(coroutine, timeout_s))


class Collector:
    def __init__(self) -> None:
        self.chunks: list[Decoded] = []
        self.arrived = asyncio.Event()

    def __call__(self, decoded: Decoded) -> None:
        self.chunks.append(decoded)
        self.arrived.set()

    @property
    def detections(self) -> list[Detection]:
        return [d for chunk in self.chunks for d in chunk.detections]

    async def wait_for(self, count: int, timeout_s: float = 5.0) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.detections) < count:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), max(0.01, deadline - time.monotonic()))


def jsonl(sensor: Sensor = SENSOR, *, datagrams: bool = False) -> Callable[[], Decoder]:
    return lambda: JsonlDecoder(sensor, feed=f"test:{sensor.sensor_id}", datagrams=datagrams)


async def started(listener: Listener) -> asyncio.Task[None]:
    task = asyncio.create_task(listener.run())
    await asyncio.wait_for(listener.ready.wait(), 5.0)
    return task


async def stop(*tasks: asyncio.Task[None]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def udp_send(port: int, *payloads: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for payload in payloads:
            sock.sendto(payload, ("127.0.0.1", port))


# ---------------------------------------------------------------------------- UDP


def test_udp_datagrams_are_stamped_on_arrival_and_decoded() -> None:
    async def scenario() -> None:
        sink = Collector()
        listener = UdpListener("cam", jsonl(datagrams=True), sink, host="127.0.0.1", port=0)
        task = await started(listener)
        assert listener.bound_port
        before = time.time()
        udp_send(listener.bound_port, line(1.0), line(2.0).rstrip(b"\n"), b"garbage")
        await sink.wait_for(2)
        await asyncio.sleep(0.05)
        await stop(task)
        assert [d.time_s for d in sink.detections] == [1.0, 2.0]
        assert all(before <= chunk.receive_time_s <= time.time() for chunk in sink.chunks)
        assert [chunk.errors for chunk in sink.chunks] == [0, 0, 1]
        assert listener.stats.chunks_received == 3 and listener.stats.chunks_dropped == 0
        assert listener.decode_stats().errors == 1

    run(scenario())


def test_udp_multicast_joins_the_group_on_the_chosen_interface() -> None:
    group = "239.255.42.99"
    try:
        multicast_socket(group, 0, "127.0.0.1").close()
    except OSError as exc:
        pytest.skip(f"this host cannot join a multicast group on loopback: {exc}")

    async def scenario() -> None:
        sink = Collector()
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        listener = UdpListener(
            "mcast", jsonl(datagrams=True), sink, group=group, port=port, interface="127.0.0.1"
        )
        task = await started(listener)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
            sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
            for i in range(3):
                sender.sendto(line(float(i)), (group, port))
        try:
            await sink.wait_for(3, timeout_s=2.0)
        except TimeoutError:
            await stop(task)
            pytest.skip("multicast on loopback is not routed on this host")
        await stop(task)
        assert [d.time_s for d in sink.detections] == [0.0, 1.0, 2.0]

    run(scenario())


# ---------------------------------------------------------------------------- TCP client


class FakeReceiver:
    """A receiver such as dump1090 on 30003: it accepts clients and sends them what the test says."""

    def __init__(self) -> None:
        self.clients: list[asyncio.StreamWriter] = []
        self.connected = asyncio.Event()
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self, port: int = 0) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.clients.append(writer)
        self.connected.set()

    async def send(self, data: bytes) -> None:
        writer = self.clients[-1]
        writer.write(data)
        await writer.drain()

    async def drop_clients(self) -> None:
        for writer in self.clients:
            writer.close()
        self.clients.clear()
        self.connected.clear()

    async def close(self) -> None:
        await self.drop_clients()
        if self.server is not None:
            self.server.close()


def test_tcp_client_reads_a_receiver_and_reconnects_when_it_drops() -> None:
    async def scenario() -> None:
        receiver = FakeReceiver()
        await receiver.start()
        sink = Collector()
        listener = TcpClientListener(
            "sbs",
            jsonl(),
            sink,
            host="127.0.0.1",
            port=receiver.port,
            reconnect_min_s=0.05,
            reconnect_max_s=0.2,
        )
        task = await started(listener)
        await asyncio.wait_for(receiver.connected.wait(), 5.0)
        data = line(1.0) + line(2.0)
        await receiver.send(data[:30])  # a line split across reads
        await receiver.send(data[30:])
        await sink.wait_for(2)
        await receiver.drop_clients()  # the receiver restarts ...
        await asyncio.wait_for(receiver.connected.wait(), 5.0)  # ... and the listener comes back
        await receiver.send(line(3.0))
        await sink.wait_for(3)
        await stop(task)
        await receiver.close()
        assert [d.time_s for d in sink.detections] == [1.0, 2.0, 3.0]
        assert listener.stats.connections == 2 and listener.stats.disconnections >= 1
        assert "closed the connection" in listener.stats.last_error
        assert listener.decode_stats().detections == 3

    run(scenario())


def test_tcp_client_keeps_trying_until_the_receiver_comes_up() -> None:
    async def scenario() -> None:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        sink = Collector()
        listener = TcpClientListener(
            "late", jsonl(), sink, host="127.0.0.1", port=port, reconnect_min_s=0.05, reconnect_max_s=0.1
        )
        task = asyncio.create_task(listener.run())
        await asyncio.sleep(0.3)
        assert not listener.connected.is_set()
        assert "connect to 127.0.0.1" in listener.stats.last_error
        receiver = FakeReceiver()
        await receiver.start(port)
        await asyncio.wait_for(receiver.connected.wait(), 5.0)
        await receiver.send(line(5.0))
        await sink.wait_for(1)
        await stop(task)
        await receiver.close()
        assert listener.stats.connections == 1

    run(scenario())


# ---------------------------------------------------------------------------- TCP server


def test_tcp_server_decodes_each_sender_as_its_own_stream() -> None:
    async def scenario() -> None:
        sink = Collector()
        listener = TcpServerListener("nodes", jsonl(), sink, host="127.0.0.1", port=0)
        task = await started(listener)
        assert listener.bound_port is not None
        senders = [await asyncio.open_connection("127.0.0.1", listener.bound_port) for _ in range(3)]
        lines = [line(float(i), azimuth_deg=10.0 * i) for i in range(3)]
        for cut in (0, 25):  # halves of each sender's line interleave on the server
            for (_, writer), text in zip(senders, lines, strict=True):
                writer.write(text[cut : cut + 25] if cut == 0 else text[cut:])
                await writer.drain()
            await asyncio.sleep(0.02)
        await sink.wait_for(3)
        for _, writer in senders:
            writer.close()
        await asyncio.sleep(0.05)
        await stop(task)
        assert sorted(d.azimuth_deg or 0.0 for d in sink.detections) == [0.0, 10.0, 20.0]
        assert listener.stats.connections == 3 and listener.stats.disconnections == 3
        assert listener.decode_stats().detections == 3 and listener.decode_stats().errors == 0

    run(scenario())


def test_a_stream_that_ends_while_the_queue_is_full_is_still_read_to_its_last_line() -> None:
    """The end of a connection is never allowed to block its reader: with the decode queue full,
    the stream is finished after its last queued chunk (its last line, sent without a newline,
    is read then), and a stream with nothing queued is finished at once."""

    async def scenario() -> None:
        sink = Collector()
        listener = TcpServerListener("nodes", jsonl(), sink, host="127.0.0.1", port=0, queue_size=1)
        sender = listener.new_decoder()
        assert listener.offer(sender, line(1.0) + line(2.0).rstrip(b"\n"), 100.0)
        other = listener.new_decoder()
        assert not listener.offer(other, line(3.0), 100.0)  # the queue is full: dropped
        listener._end_stream(other)  # nothing of it queued: finished and retired now
        listener._end_stream(sender)  # its chunk is still queued: finished after it
        assert listener._decoders == [sender] and sink.detections == []
        consumer = asyncio.create_task(listener._consume())
        await sink.wait_for(2)
        await listener._queue.join()
        consumer.cancel()
        await asyncio.gather(consumer, return_exceptions=True)
        assert [d.time_s for d in sink.detections] == [1.0, 2.0]
        assert listener._decoders == [] and listener.decode_stats().detections == 2
        assert listener._queued == {} and listener._ending == {}

    run(scenario())


# ---------------------------------------------------------------------------- replays


def test_file_replay_fast_hands_on_everything_in_order(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b"".join(line(100.0 + i) for i in range(50)) + b"broken\n")

    async def scenario() -> None:
        sink = Collector()
        listener = FileListener(
            "file", jsonl(), sink, path=path, pace="fast", rebase_time=False, chunk_bytes=100
        )
        await asyncio.wait_for(listener.run(), 5.0)  # a replay ends by itself
        assert [d.time_s for d in sink.detections] == [100.0 + i for i in range(50)]
        assert listener.decode_stats().errors == 1

    run(scenario())


def test_file_replay_paced_to_recorded_time_and_rebased_to_now(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b"".join(line(5000.0 + 0.5 * i) for i in range(5)))  # 2 s of recording

    async def scenario() -> None:
        sink = Collector()
        listener = FileListener("file", jsonl(), sink, path=path, pace="recorded", speed=4.0)
        start = time.time()
        await asyncio.wait_for(listener.run(), 5.0)
        elapsed = time.time() - start
        assert 0.45 <= elapsed < 1.5  # 2 s at 4x
        times = [d.time_s for d in sink.detections]
        assert times[0] == pytest.approx(start, abs=0.2)  # rebased: the recording starts now
        assert [b - a for a, b in itertools.pairwise(times)] == pytest.approx([0.5] * 4)
        arrivals = [chunk.receive_time_s for chunk in sink.chunks]
        assert arrivals[-1] - arrivals[0] == pytest.approx(0.5, abs=0.2)

    run(scenario())


def write_pcap(path: Path, packets: Iterable[tuple[float, int, bytes]]) -> None:
    with open(path, "wb") as stream:
        writer = dpkt.pcap.Writer(stream)
        for time_s, port, payload in packets:
            udp = dpkt.udp.UDP(sport=40000, dport=port, data=payload)
            udp.ulen = len(udp)
            ip = dpkt.ip.IP(
                src=b"\x0a\x00\x00\x01", dst=b"\x0a\x00\x00\x02", p=dpkt.ip.IP_PROTO_UDP, data=udp
            )
            ip.len = len(ip)
            eth = dpkt.ethernet.Ethernet(src=b"\x00" * 6, dst=b"\xff" * 6, data=ip)
            writer.writepkt(bytes(eth), ts=time_s)


def test_pcap_replay_filters_by_port_and_uses_capture_time(tmp_path: Path) -> None:
    path = tmp_path / "feed.pcap"
    packets = [
        (1700000000.0 + 0.1 * i, 9000 if i % 2 == 0 else 9001, line(float(i)).rstrip(b"\n"))
        for i in range(10)
    ]
    write_pcap(path, packets)
    receive_times: list[float] = []

    class Probe(JsonlDecoder):
        def _decode(self, data: bytes, receive_time_s: float) -> Iterator[Detection]:
            receive_times.append(receive_time_s)
            return super()._decode(data, receive_time_s)

    async def scenario() -> None:
        sink = Collector()
        listener = PcapListener(
            "pcap",
            lambda: Probe(SENSOR, datagrams=True),
            sink,
            path=path,
            port=9000,
            pace="recorded",
            speed=10.0,
            rebase_time=False,
        )
        await asyncio.wait_for(listener.run(), 5.0)
        assert [d.time_s for d in sink.detections] == [0.0, 2.0, 4.0, 6.0, 8.0]
        assert receive_times == [1700000000.0 + 0.1 * i for i in range(0, 10, 2)]

    run(scenario())


def test_a_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    async def scenario() -> None:
        listener = FileListener("gone", jsonl(), Collector(), path=tmp_path / "nope.jsonl", pace="fast")
        await asyncio.wait_for(listener.run(), 5.0)
        assert "nope.jsonl" in listener.stats.last_error

    run(scenario())


# ---------------------------------------------------------------------------- isolation


class SlowDecoder(JsonlDecoder):
    """A decoder that takes a millisecond a chunk: a flood outruns it."""

    def _decode(self, data: bytes, receive_time_s: float) -> Iterator[Detection]:
        time.sleep(0.001)
        return super()._decode(data, receive_time_s)


def test_a_flooding_feed_drops_its_own_chunks_and_never_stops_a_good_one() -> None:
    async def scenario() -> None:
        flood_sink, good_sink = Collector(), Collector()
        flood = UdpListener(
            "flood",
            lambda: SlowDecoder(OTHER, datagrams=True),
            flood_sink,
            host="127.0.0.1",
            port=0,
            queue_size=16,
        )
        good = UdpListener("good", jsonl(datagrams=True), good_sink, host="127.0.0.1", port=0)
        tasks = [await started(flood), await started(good)]
        assert flood.bound_port and good.bound_port
        junk = line(0.0, sensor="cam-2")
        flooding = threading.Event()
        flooding.set()

        def flood_feed(port: int) -> None:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
                while flooding.is_set():
                    for _ in range(100):
                        sender.sendto(junk, ("127.0.0.1", port))
                    time.sleep(0.0005)

        flooder = threading.Thread(target=flood_feed, args=(flood.bound_port,), daemon=True)
        flooder.start()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
                for i in range(30):
                    sender.sendto(line(float(i)), ("127.0.0.1", good.bound_port))
                    await asyncio.sleep(0.01)
            await good_sink.wait_for(30)
        finally:
            flooding.clear()
            flooder.join()
        await stop(*tasks)
        assert [d.time_s for d in good_sink.detections] == [float(i) for i in range(30)]
        assert flood.stats.chunks_dropped > 0
        assert good.stats.chunks_dropped == 0

    run(scenario())


def test_garbage_on_one_feed_and_a_failing_sink_on_another_stop_neither() -> None:
    async def scenario() -> None:
        good_sink = Collector()
        failures = 0

        def failing(decoded: Decoded) -> None:
            nonlocal failures
            failures += 1
            raise RuntimeError("a sink bug")

        garbage = TcpServerListener("garbage", jsonl(), failing, host="127.0.0.1", port=0)
        good = TcpServerListener("good", jsonl(), good_sink, host="127.0.0.1", port=0)
        tasks = [await started(garbage), await started(good)]
        assert garbage.bound_port and good.bound_port
        _, bad_writer = await asyncio.open_connection("127.0.0.1", garbage.bound_port)
        _, good_writer = await asyncio.open_connection("127.0.0.1", good.bound_port)
        noise = bytes(range(256)) * 40
        for i in range(10):
            bad_writer.write(noise + b"\n" + line(float(i)))
            good_writer.write(line(float(i)))
            await asyncio.gather(bad_writer.drain(), good_writer.drain())
        await good_sink.wait_for(10)
        await asyncio.sleep(0.05)
        bad_writer.close()
        good_writer.close()
        await stop(*tasks)
        assert [d.time_s for d in good_sink.detections] == [float(i) for i in range(10)]
        assert garbage.decode_stats().errors >= 10 and failures > 0
        assert good.decode_stats().errors == 0

    run(scenario())


def test_cancelling_a_listener_closes_its_port() -> None:
    async def scenario() -> None:
        listener = UdpListener("cam", jsonl(datagrams=True), Collector(), host="127.0.0.1", port=0)
        task = await started(listener)
        port = listener.bound_port
        assert port
        await stop(task)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
            again.bind(("127.0.0.1", port))  # free again

    run(scenario())


def test_tcp_client_reconnects_when_a_connection_stays_silent() -> None:
    async def scenario() -> None:
        receiver = FakeReceiver()
        await receiver.start()
        listener = TcpClientListener(
            "quiet",
            jsonl(),
            Collector(),
            host="127.0.0.1",
            port=receiver.port,
            reconnect_min_s=0.05,
            idle_timeout_s=0.2,
        )
        task = await started(listener)
        await asyncio.sleep(0.6)
        await stop(task)
        await receiver.close()
        assert listener.stats.connections >= 2
        assert "no data for 0.2 s; reconnecting" in listener.stats.last_error

    run(scenario())


def test_an_empty_datagram_is_just_an_empty_chunk() -> None:
    async def scenario() -> None:
        sink = Collector()
        listener = UdpListener("cam", jsonl(datagrams=True), sink, host="127.0.0.1", port=0)
        task = await started(listener)
        assert listener.bound_port
        udp_send(listener.bound_port, b"", line(1.0), b"", line(2.0))
        await sink.wait_for(2)
        await asyncio.sleep(0.05)
        await stop(task)
        stats = listener.decode_stats()
        assert (stats.chunks, stats.detections, stats.errors) == (4, 2, 0)

    run(scenario())


def test_a_rebased_replay_is_not_thrown_off_by_chunks_without_detections(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(
        b'{"type":"site","lat":1,"lon":2,"alt":3}\n' + b"".join(line(7000.0 + i / 10) for i in range(3))
    )

    async def scenario() -> None:
        sink = Collector()
        listener = FileListener("file", jsonl(), sink, path=path, pace="recorded", speed=10.0, chunk_bytes=41)
        start = time.time()
        await asyncio.wait_for(listener.run(), 5.0)
        assert [d.time_s for d in sink.detections] == pytest.approx(
            [start, start + 0.1, start + 0.2], abs=0.2
        )

    run(scenario())
