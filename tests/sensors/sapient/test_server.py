"""End to end over TCP: raqib's DMM server with nodes that behave and one that does not."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import pytest

from raqib.model import Detection
from raqib.sensors.base import DecodeError, FramingError
from raqib.sensors.sapient.config import SapientConfig
from raqib.sensors.sapient.framing import PREFIX
from raqib.sensors.sapient.messages import registration_pb2, sapient_message_pb2
from raqib.sensors.sapient.node import NodeStatus
from raqib.sensors.sapient.server import SapientServer
from tests.sensors.sapient import builders
from tests.sensors.sapient.builders import CAMERA_ID, DMM_ID, RADAR_ID, frame

TIMEOUT_S = 5.0


class Node:
    """A fake SAPIENT node: a TCP client that writes frames and reads the DMM's answers."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int) -> Node:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def answer(self) -> sapient_message_pb2.SapientMessage:
        header = await asyncio.wait_for(self.reader.readexactly(4), TIMEOUT_S)
        (length,) = PREFIX.unpack(header)
        message = sapient_message_pb2.SapientMessage()
        message.ParseFromString(await asyncio.wait_for(self.reader.readexactly(length), TIMEOUT_S))
        return message

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def eventually(condition: Callable[[], bool]) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), TIMEOUT_S)


class Collected:
    def __init__(self) -> None:
        self.detections: list[Detection] = []
        self.statuses: list[NodeStatus] = []
        self.errors: list[DecodeError] = []

    def server(self, **kwargs: object) -> SapientServer:
        return SapientServer(
            SapientConfig(dmm_node_id=DMM_ID),
            on_detections=self.detections.extend,
            on_status=self.statuses.append,
            on_error=self.errors.append,
            **kwargs,  # type: ignore[arg-type]
        )


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 4 * TIMEOUT_S))


def test_two_nodes_register_and_the_good_one_is_heard_while_the_other_sends_garbage() -> None:
    async def scenario() -> None:
        seen = Collected()
        async with seen.server() as server:
            await server.start("127.0.0.1", 0)
            radar = await Node.connect(server.port)
            camera = await Node.connect(server.port)

            await radar.send(frame(builders.registration()))
            await camera.send(
                frame(builders.registration(CAMERA_ID, registration_pb2.Registration.NODE_TYPE_CAMERA))
            )
            for node, node_id in ((radar, RADAR_ID), (camera, CAMERA_ID)):
                ack = await node.answer()
                assert ack.registration_ack.acceptance is True
                assert (ack.node_id, ack.destination_id) == (DMM_ID, node_id)

            await camera.send(b"\xde\xad\xbe\xef" * 64)  # garbage: a length far over the bound
            await radar.send(frame(builders.status()) + frame(builders.detection()))
            await camera.send(b"\x05\x00\x00\x00\x0a\xff\xff\xff\xff")  # framed, not a SapientMessage
            await radar.send(frame(builders.detection(lat_deg=51.49)))
            await eventually(lambda: len(seen.detections) == 2)

            error_answer = await camera.answer()  # the camera is told what was wrong
            assert error_answer.WhichOneof("content") == "error"
            assert error_answer.error.packet == b"\x0a\xff\xff\xff\xff"

            # the camera, after its garbage, is still heard
            await camera.send(frame(builders.detection(CAMERA_ID, lat_deg=51.3)))
            await eventually(lambda: len(seen.detections) == 3)

            assert [d.lat_deg for d in seen.detections] == [51.48, 51.49, 51.3]
            assert [d.sensor_id for d in seen.detections] == [f"sapient:{RADAR_ID}"] * 2 + [
                f"sapient:{CAMERA_ID}"
            ]
            assert any(isinstance(e, FramingError) for e in seen.errors)
            assert all(e.feed.startswith("sapient:127.0.0.1:") for e in seen.errors)
            radar_status = server.registry.get(RADAR_ID)
            assert radar_status is not None and radar_status.healthy
            assert radar_status.lat_deg == 51.47
            assert server.connections_open == 2
            assert server.stats.detections == 3

            await camera.close()
            await eventually(lambda: server.connections_open == 1)
            camera_status = server.registry.get(CAMERA_ID)
            assert camera_status is not None and not camera_status.connected
            await radar.close()

    run(scenario)


def test_a_node_that_hangs_up_mid_frame_leaves_the_others_running() -> None:
    async def scenario() -> None:
        seen = Collected()
        async with seen.server() as server:
            await server.start()
            quitter = await Node.connect(server.port)
            steady = await Node.connect(server.port)
            await quitter.send(frame(builders.detection(CAMERA_ID))[:25])
            await quitter.close()
            await eventually(lambda: any("stream ended inside a frame" in e.reason for e in seen.errors))
            await steady.send(frame(builders.detection()))
            await eventually(lambda: len(seen.detections) == 1)
            await steady.close()

    run(scenario)


def test_a_failing_consumer_does_not_drop_the_node() -> None:
    async def scenario() -> None:
        calls: list[Sequence[Detection]] = []

        def broken_sink(detections: Sequence[Detection]) -> None:
            calls.append(detections)
            raise RuntimeError("downstream bug")

        async with SapientServer(SapientConfig(dmm_node_id=DMM_ID), on_detections=broken_sink) as server:
            await server.start()
            node = await Node.connect(server.port)
            await node.send(frame(builders.detection()))
            await eventually(lambda: len(calls) == 1)
            await node.send(frame(builders.registration()))
            assert (await node.answer()).registration_ack.acceptance is True
            await node.close()

    run(scenario)


def test_an_idle_node_is_disconnected_after_the_timeout() -> None:
    async def scenario() -> None:
        seen = Collected()
        async with seen.server(idle_timeout_s=0.2) as server:
            await server.start()
            node = await Node.connect(server.port)
            await node.send(frame(builders.registration()))
            await node.answer()
            await eventually(lambda: server.connections_open == 0)
            assert await node.reader.read() == b""

    run(scenario)


def test_the_port_is_known_only_once_started() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = SapientServer().port
