"""The live runner: the reordering rule, stepping per time slice, sensor health, and live
feeds end to end into the real pipeline (a confirmed track appears)."""

from __future__ import annotations

import asyncio
import json
import math
import socket
import time
from collections.abc import Coroutine, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.geo import enu_to_geodetic
from raqib.live import LiveRunner, ReorderBuffer, run_live
from raqib.model import Detection, Site
from raqib.sensors.registry import HealthEvent
from raqib.site import SiteConfig, parse_site

SITE = Site(lat_deg=52.0, lon_deg=4.5, alt_m=10.0)


def det(time_s: float, sensor: str = "cam-1", azimuth_deg: float = 0.0) -> Detection:
    return Detection(time_s=time_s, sensor_id=sensor, azimuth_deg=azimuth_deg)


# ---------------------------------------------------------------------------- the reordering rule


def test_late_data_within_the_window_is_sorted_by_measurement_time() -> None:
    buffer = ReorderBuffer(window_s=0.5)
    buffer.add([det(10.2), det(10.0)], now_s=10.25)
    buffer.add([det(10.1)], now_s=10.3)  # arrived last, measured in between
    assert buffer.release(now_s=10.4) == (9.9, [])  # nothing is half a second old yet
    step_s, batch = buffer.release(now_s=10.75)
    assert step_s == 10.25
    assert [d.time_s for d in batch] == [10.0, 10.1, 10.2]
    assert buffer.stats.late_accepted == 0 and len(buffer) == 0


def test_data_later_than_the_window_but_after_the_last_step_is_used() -> None:
    buffer = ReorderBuffer(window_s=0.5)
    buffer.release(now_s=11.0)  # the tracker stepped to 10.5
    buffer.add([det(10.7)], now_s=11.6)  # 0.9 s late: beyond the window, after the last step
    step_s, batch = buffer.release(now_s=11.65)
    assert step_s == 11.15 and [d.time_s for d in batch] == [10.7]
    assert buffer.stats.late_accepted == 1 and buffer.stats.late_dropped == 0


def test_data_older_than_the_last_step_is_counted_and_dropped() -> None:
    buffer = ReorderBuffer(window_s=0.5)
    buffer.release(now_s=11.0)  # step at 10.5
    buffer.add([det(10.5), det(10.2), det(10.6)], now_s=11.1)
    assert buffer.stats.late_dropped == 2
    assert [d.time_s for d in buffer.release(now_s=11.2)[1]] == [10.6]


def test_future_and_non_finite_times_and_overflow_are_dropped() -> None:
    buffer = ReorderBuffer(window_s=0.5, max_future_s=5.0, max_buffered=3)
    buffer.add([det(100.0), det(math.nan), det(math.inf)], now_s=10.0)
    assert buffer.stats.future_dropped == 1 and buffer.stats.invalid_time_dropped == 2
    buffer.add([det(9.0 + i / 10) for i in range(5)], now_s=10.0)
    assert buffer.stats.overflow_dropped == 2  # the oldest go first
    assert [d.time_s for d in buffer.release(now_s=11.0)[1]] == [9.2, 9.3, 9.4]


def test_the_step_time_never_goes_back() -> None:
    buffer = ReorderBuffer(window_s=0.5)
    assert buffer.release(now_s=20.0)[0] == 19.5
    assert buffer.release(now_s=19.0)[0] == 19.5  # a clock stepped back: hold the tracker's time


@settings(max_examples=150)
@given(
    st.lists(
        st.tuples(st.floats(0.0, 0.4), st.lists(st.floats(-2.0, 1.0), max_size=6), st.booleans()),
        max_size=40,
    ),
    st.floats(0.0, 1.0),
)
def test_released_detections_are_in_time_order_after_the_last_step_and_all_accounted_for(
    steps: list[tuple[float, list[float], bool]], window_s: float
) -> None:
    buffer = ReorderBuffer(window_s=window_s, max_future_s=0.5)
    now = 100.0
    released: list[float] = []
    last_step = -math.inf
    for advance, offsets, release in steps:
        now += advance
        buffer.add([det(now + offset) for offset in offsets], now_s=now)
        if release:
            step_s, batch = buffer.release(now)
            assert step_s >= last_step
            assert all(last_step < d.time_s <= step_s for d in batch)
            released.extend(d.time_s for d in batch)
            last_step = step_s
    assert released == sorted(released)
    stats = buffer.stats
    dropped = stats.late_dropped + stats.future_dropped + stats.invalid_time_dropped + stats.overflow_dropped
    assert stats.received == stats.released + len(buffer) + dropped
    assert stats.released == len(released)


# ---------------------------------------------------------------------------- the runner


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def site_config(feeds: str, window_s: float = 0.2, step_s: float = 0.05) -> SiteConfig:
    text = f"""
[site]
lat = {SITE.lat_deg}
lon = {SITE.lon_deg}
alt = {SITE.alt_m}

[live]
window_s = {window_s}
step_s = {step_s}
{feeds}
"""
    return parse_site(text, source="test-site.toml")


def jsonl_feed(
    name: str, transport: str, port: int, period_s: float = 0.1, address: str = "127.0.0.1"
) -> str:
    return f"""
[[feeds]]
name = "{name}"
format = "jsonl"
transport = "{transport}"
address = "{address}"
port = {port}
expected_period_s = {period_s}
[feeds.sensor]
id = "{name}"
kind = "radar"
lat = {SITE.lat_deg}
lon = {SITE.lon_deg}
alt = {SITE.alt_m}
sigma_h_m = 10.0
sigma_v_m = 10.0
"""


class FakePipeline:
    def __init__(self) -> None:
        self.steps: list[tuple[float, list[Detection]]] = []

    def step(self, detections: Sequence[Detection], time_s: float) -> tuple[float, int]:
        self.steps.append((time_s, list(detections)))
        return (time_s, len(detections))


def run(coroutine: Coroutine[Any, Any, None], timeout_s: float = 20.0) -> None:
    asyncio.run(asyncio.wait_for(coroutine, timeout_s))


def line(detection: dict[str, Any]) -> bytes:
    return json.dumps({"type": "detection", **detection}).encode() + b"\n"


def test_the_runner_steps_the_pipeline_behind_the_clock_with_sorted_batches() -> None:
    port = free_port()
    config = site_config(jsonl_feed("cam-1", "udp", port), window_s=0.3, step_s=0.05)
    pipeline = FakePipeline()
    results: list[Any] = []

    async def scenario() -> None:
        runner = LiveRunner(config, pipeline=pipeline, on_result=results.append)
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        await asyncio.wait_for(runner.ready.wait(), 5.0)
        now = time.time()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            for offset in (0.0, -0.2, -0.1, -5.0):  # out of order; the last is far too late
                sender.sendto(
                    line({"time": now + offset, "sensor": "cam-1", "azimuth_deg": 1.0}), ("127.0.0.1", port)
                )
        await asyncio.sleep(0.6)
        stop.set()
        stats = await task
        assert stats.received == 4 and stats.late_dropped == 1 and stats.released == 3

    run(scenario())
    times = [t for t, _ in pipeline.steps]
    assert times == sorted(times) and len(times) >= 8
    delivered = [d.time_s for _, batch in pipeline.steps for d in batch]
    assert delivered == sorted(delivered) and len(delivered) == 3
    for step_time, batch in pipeline.steps:
        assert all(d.time_s <= step_time for d in batch)
    assert len(results) == len(pipeline.steps)


def test_the_runner_reports_a_feed_going_silent_and_coming_back() -> None:
    port = free_port()
    config = site_config(jsonl_feed("cam-1", "udp", port, period_s=0.1))
    events: list[HealthEvent] = []

    async def speak(sender: socket.socket, seconds: float) -> None:
        end = time.time() + seconds
        while time.time() < end:
            sender.sendto(
                line({"time": time.time(), "sensor": "cam-1", "azimuth_deg": 3.0}), ("127.0.0.1", port)
            )
            await asyncio.sleep(0.03)

    async def scenario() -> None:
        runner = LiveRunner(config, pipeline=FakePipeline(), on_health=events.append)
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        await asyncio.wait_for(runner.ready.wait(), 5.0)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            await speak(sender, 0.3)
            await asyncio.sleep(0.6)  # silent for 6 periods: degraded
            await speak(sender, 0.6)  # back: recovering, then ok after 3 periods
        status = runner.registry.status("cam-1")
        stop.set()
        await task
        assert status.health == "ok" and status.messages >= 15

    run(scenario())
    assert [e.current for e in events] == ["ok", "degraded", "recovering", "ok"]


# ---------------------------------------------------------------------------- end to end


def target_position(time_s: float, t0: float) -> tuple[float, float, float]:
    """A drone 1.7 km out, flying east at 15 m/s, 120 m up."""
    east, north, up = 1500.0 + 15.0 * (time_s - t0), 800.0, 120.0
    lat, lon, alt = enu_to_geodetic(east, north, up, SITE)
    return float(lat), float(lon), float(alt)


def test_end_to_end_a_jsonl_udp_target_becomes_a_confirmed_track() -> None:
    port = free_port()
    config = site_config(jsonl_feed("cam-1", "udp", port))
    results: list[Any] = []

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(run_live(config, on_result=results.append, stop_event=stop))
        await asyncio.sleep(0.3)  # let the listener bind
        t0 = time.time()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            for _ in range(15):
                now = time.time()
                lat, lon, alt = target_position(now, t0)
                payload = line({"time": now, "sensor": "cam-1", "lat": lat, "lon": lon, "alt": alt})
                sender.sendto(payload, ("127.0.0.1", port))
                await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        stop.set()
        await task

    run(scenario())
    with_tracks = [r for r in results if r.tracks]
    assert with_tracks, "no confirmed track"
    track = with_tracks[-1].tracks[0]
    assert track.sources == ("cam-1",)
    assert abs(track.north_m - 800.0) < 50.0 and abs(track.up_m - 120.0) < 50.0
    assert 5.0 < track.vel_e_ms < 25.0


# ---------------------------------------------------------------------------- every live format


def geo_of(east_m: float, north_m: float, up_m: float) -> tuple[float, float, float]:
    lat, lon, alt = enu_to_geodetic(east_m, north_m, up_m, SITE)
    return float(lat), float(lon), float(alt)


def feed_table(
    name: str, fmt: str, transport: str, port: int, kind: str, extra: str = "", options: str = ""
) -> str:
    return f"""
[[feeds]]
name = "{name}"
format = "{fmt}"
transport = "{transport}"
address = "127.0.0.1"
port = {port}
expected_period_s = 0.5
{extra}
[feeds.sensor]
id = "{name}"
kind = "{kind}"
lat = {SITE.lat_deg}
lon = {SITE.lon_deg}
alt = {SITE.alt_m}
sigma_range_m = 30.0
sigma_azimuth_deg = 0.2
sigma_h_m = 20.0
sigma_v_m = 30.0
[feeds.options]
{options}
"""


class FormatFeed:
    """Speaks one wire format to the runner over loopback: ``open``, ``send`` per time step, ``close``."""

    name = ""
    fmt = ""
    transport = ""
    kind = "radar"
    options = ""

    async def open(self) -> int:
        """The port to put in the site file (the runner listens on it, or connects to it)."""
        self.port = free_port(socket.SOCK_STREAM if self.transport.startswith("tcp") else socket.SOCK_DGRAM)
        return self.port

    async def started(self) -> None:
        """Called once the runner is up."""

    async def send(self, now: float, step: int) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        """Release what ``open`` took."""


class ReceiverFeed(FormatFeed):
    """A receiver (dump1090-like) the runner connects to as a TCP client."""

    transport = "tcp-client"
    kind = "adsb"
    icao = 0x4CA1F0

    async def open(self) -> int:
        self.clients: list[asyncio.StreamWriter] = []
        self.connected = asyncio.Event()

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.clients.append(writer)
            self.connected.set()

        self.server = await asyncio.start_server(accept, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def started(self) -> None:
        await asyncio.wait_for(self.connected.wait(), 5.0)

    def aircraft(self, now: float, step: int) -> tuple[float, float, float]:
        """An aircraft 6 km out at 900 m, flying north at 60 m/s."""
        return geo_of(-3000.0, 5000.0 + 60.0 * step * STEP_S, 900.0)

    async def write(self, data: bytes) -> None:
        for writer in self.clients:
            writer.write(data)
            await writer.drain()

    async def close(self) -> None:
        for writer in self.clients:
            writer.close()
        self.server.close()


def beast_frame(frame_hex: str, ticks: int) -> bytes:
    body = ticks.to_bytes(6, "big") + b"\xff" + bytes.fromhex(frame_hex)
    return b"\x1a3" + body.replace(b"\x1a", b"\x1a\x1a")


class BeastFeed(ReceiverFeed):
    name, fmt = "beast-1", "beast"

    async def send(self, now: float, step: int) -> None:
        from tests.sensors.adsb.frames import airborne_position

        lat, lon, _ = self.aircraft(now, step)
        frame = airborne_position(self.icao, lat, lon, 3000.0, odd=step % 2 == 1)
        await self.write(beast_frame(frame, int(step * STEP_S * 12e6) + 1))


class RawFeed(ReceiverFeed):
    name, fmt = "raw-1", "raw"

    async def send(self, now: float, step: int) -> None:
        from tests.sensors.adsb.frames import airborne_position

        lat, lon, _ = self.aircraft(now, step)
        frame = airborne_position(self.icao, lat, lon, 3000.0, odd=step % 2 == 1)
        await self.write(f"*{frame};\n".encode())


class SbsFeed(ReceiverFeed):
    name, fmt = "sbs-1", "sbs"

    async def send(self, now: float, step: int) -> None:
        lat, lon, _ = self.aircraft(now, step)
        stamp = time.strftime("%Y/%m/%d,%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}"
        fields = ["MSG", "3", "1", "1", f"{self.icao:06X}", "1", stamp, stamp, "", "3000", "", "",
                  f"{lat:.5f}", f"{lon:.5f}", "", "", "0", "0", "0", "0"]  # fmt: skip
        await self.write((",".join(fields) + "\r\n").encode())


class AsterixFeed(FormatFeed):
    name, fmt, transport = "psr-1", "asterix", "udp"
    options = "sac = 25\nsic = 201"

    async def send(self, now: float, step: int) -> None:
        from tests.sensors.asterix.builders import CAT048, Plot, block, cat048_record

        east, north = 3000.0 + 20.0 * step * STEP_S, 4000.0  # 5 km out, flying east at 20 m/s
        rho_nm = math.hypot(east, north) / 1852.0
        theta = math.degrees(math.atan2(east, north)) % 360.0
        plot = Plot(tod_s=now % 86400.0, rho_nm=rho_nm, theta_deg=theta, fl=10.0, address=None, callsign=None)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(block(CAT048, [cat048_record(plot)]), ("127.0.0.1", self.port))


class RemoteIdFeed(FormatFeed):
    name, fmt, transport, kind = "rid-1", "remoteid", "udp", "remoteid"

    async def send(self, now: float, step: int) -> None:
        from tests.sensors.remoteid import encoder

        lat, lon, alt = geo_of(600.0, 900.0 + 12.0 * step * STEP_S, 120.0)
        message = encoder.pack(
            encoder.basic_id("1581F5FJD239C00DW22E"),
            encoder.location(lat, lon, direction_deg=0.0, speed_h_ms=12.0, alt_geodetic_m=alt, height_m=110.0,
                             timestamp_tenths=round(now % 3600 * 10) % 36000),
        )  # fmt: skip
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(message, ("127.0.0.1", self.port))


class SapientFeed(FormatFeed):
    name, fmt, transport = "sapient-1", "sapient", "tcp-server"

    async def started(self) -> None:
        from tests.sensors.sapient.builders import frame, registration

        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(frame(registration()))
        await self.writer.drain()
        await asyncio.wait_for(self.reader.read(4096), 5.0)  # the registration's acknowledgement

    async def send(self, now: float, step: int) -> None:
        from tests.sensors.sapient.builders import detection, frame

        lat, lon, alt = geo_of(-800.0 + 10.0 * step * STEP_S, 700.0, 150.0)
        self.writer.write(frame(detection(lat_deg=lat, lon_deg=lon, alt_m=alt, time_s=now)))
        await self.writer.drain()

    async def close(self) -> None:
        self.writer.close()


class JsonlTcpFeed(FormatFeed):
    """JSON Lines over a TCP connection the runner accepts."""

    name, fmt, transport = "cam-tcp", "jsonl", "tcp-server"

    async def started(self) -> None:
        _, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def send(self, now: float, step: int) -> None:
        lat, lon, alt = geo_of(1200.0, -600.0 + 15.0 * step * STEP_S, 200.0)
        self.writer.write(line({"time": now, "sensor": self.name, "lat": lat, "lon": lon, "alt": alt}))
        await self.writer.drain()

    async def close(self) -> None:
        self.writer.close()


STEP_S = 0.08
STEPS = 15
FEEDS = [BeastFeed, SbsFeed, RawFeed, AsterixFeed, RemoteIdFeed, SapientFeed, JsonlTcpFeed]


@pytest.mark.parametrize("feed_type", FEEDS, ids=[f.fmt + "-" + f.transport for f in FEEDS])
def test_end_to_end_every_live_format_gives_a_confirmed_track(feed_type: type[FormatFeed]) -> None:
    feed = feed_type()
    results: list[Any] = []
    health: list[HealthEvent] = []

    async def scenario() -> None:
        port = await feed.open()
        config = site_config(
            feed_table(feed.name, feed.fmt, feed.transport, port, feed.kind, options=feed.options)
        )
        stop = asyncio.Event()
        task = asyncio.create_task(
            run_live(config, on_result=results.append, on_health=health.append, stop_event=stop)
        )
        await asyncio.sleep(0.3)  # the runner binds or connects
        try:
            await feed.started()
            for step in range(STEPS):
                await feed.send(time.time(), step)
                await asyncio.sleep(STEP_S)
            await asyncio.sleep(0.4)
        finally:
            await feed.close()
            stop.set()
            await task

    run(scenario(), timeout_s=40.0)
    assert [e.current for e in health][:1] == ["ok"], health
    tracks = [t for r in results for t in r.tracks]
    assert tracks, f"no confirmed track from {feed.fmt} over {feed.transport}"
    assert feed.name in tracks[-1].sources


def test_end_to_end_a_dropped_feed_goes_degraded_and_recovers_when_it_resumes() -> None:
    """A receiver the runner connects to drops the connection and goes quiet, then comes back."""
    health: list[HealthEvent] = []
    results: list[Any] = []

    async def scenario() -> None:
        clients: list[asyncio.StreamWriter] = []
        connected = asyncio.Event()

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            clients.append(writer)
            connected.set()

        server = await asyncio.start_server(accept, "127.0.0.1", 0)
        port = int(server.sockets[0].getsockname()[1])
        extra = "reconnect_min_s = 0.05\nreconnect_max_s = 0.2"
        feed = feed_table("cam-tcp", "jsonl", "tcp-client", port, "radar", extra=extra).replace(
            "expected_period_s = 0.5", "expected_period_s = 0.1"
        )
        stop = asyncio.Event()
        task = asyncio.create_task(
            run_live(site_config(feed), on_result=results.append, on_health=health.append, stop_event=stop)
        )

        async def speak(seconds: float) -> None:
            await asyncio.wait_for(connected.wait(), 5.0)
            end = time.time() + seconds
            step = 0
            while time.time() < end:
                now = time.time()
                lat, lon, alt = geo_of(900.0 + 10.0 * step * 0.04, 900.0, 100.0)
                clients[-1].write(
                    line({"time": now, "sensor": "cam-tcp", "lat": lat, "lon": lon, "alt": alt})
                )
                await clients[-1].drain()
                step += 1
                await asyncio.sleep(0.04)

        await speak(0.5)
        states_before_drop = [e.current for e in health]
        connected.clear()
        for writer in clients:
            writer.close()  # the sender goes away ...
        await asyncio.sleep(0.7)  # ... for seven periods
        await speak(0.8)  # the runner has reconnected; data flows again
        await asyncio.sleep(0.1)
        stop.set()
        await task
        server.close()
        assert states_before_drop == ["ok"]

    run(scenario())
    assert [e.current for e in health] == ["ok", "degraded", "recovering", "ok"], health
    assert "no data for" in health[1].reason
    assert any(r.tracks for r in results)


def test_cancelling_the_runner_closes_every_feed_and_reports_transport_problems() -> None:
    udp_port, tcp_port = free_port(), free_port(socket.SOCK_STREAM)
    feeds = jsonl_feed("cam-1", "udp", udp_port) + jsonl_feed("cam-2", "tcp-client", tcp_port)  # nobody there

    async def scenario() -> None:
        runner = LiveRunner(site_config(feeds), pipeline=FakePipeline())
        task = asyncio.create_task(runner.run())
        await asyncio.sleep(0.4)
        statuses = {s.sensor_id: s for s in runner.statuses()}
        assert "connect to 127.0.0.1" in statuses["cam-2"].transport_error
        assert statuses["cam-1"].health == "silent" and statuses["cam-1"].transport_error == ""
        task.cancel()  # what Ctrl-C does under asyncio.run
        with pytest.raises(asyncio.CancelledError):
            await task
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
            again.bind(("127.0.0.1", udp_port))  # the feed's port is free again

    run(scenario())


def test_a_pipeline_failure_on_one_batch_does_not_stop_the_runner() -> None:
    class Flaky(FakePipeline):
        def step(self, detections: Sequence[Detection], time_s: float) -> tuple[float, int]:
            if len(self.steps) == 2:
                self.steps.append((time_s, []))
                raise RuntimeError("a tracker bug")
            return super().step(detections, time_s)

    pipeline = Flaky()
    results: list[Any] = []

    async def scenario() -> None:
        runner = LiveRunner(site_config(jsonl_feed("cam-1", "udp", free_port())), pipeline=pipeline,
                            on_result=results.append)  # fmt: skip
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        await asyncio.sleep(0.4)
        stop.set()
        await task
        assert runner.failed_steps == 1 and runner.steps == len(results) >= 4

    run(scenario())
