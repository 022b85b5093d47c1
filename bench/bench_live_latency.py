"""Live path latency on loopback: from a datagram (or TCP read) stamped at the socket to its
detection handed to the tracker (the pipeline's ``step``), for every live format.

Two settings of the live runner: the defaults (a 0.5 s reordering window, a step every 0.25 s),
where the window dominates by design, and a zero window stepped every 10 ms, which shows the
cost of the path itself (listener, decoder, registry, buffer, step loop). Each feed sends one
target's reports at 50 Hz, stamped with the time of sending. "late" counts the detections
the reordering rule dropped (with a zero window, any that reach the buffer after a step
has passed their time).

Run: .venv/bin/python bench/bench_live_latency.py [SECONDS_PER_FORMAT]
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import socket
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the test vector builders

from raqib.geo import enu_to_geodetic
from raqib.live import LiveRunner
from raqib.model import Detection, Site
from raqib.pipeline import Pipeline
from raqib.sensors.listeners import Decoded
from raqib.site import SiteConfig, parse_site

SITE = Site(lat_deg=52.0, lon_deg=4.5, alt_m=10.0)
RATE_HZ = 50.0


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def geo(east: float, north: float, up: float) -> tuple[float, float, float]:
    lat, lon, alt = enu_to_geodetic(east, north, up, SITE)
    return float(lat), float(lon), float(alt)


class Feed:
    fmt = ""
    transport = "udp"
    kind = "radar"
    options = ""

    async def open(self) -> int:
        self.port = free_port(socket.SOCK_STREAM if self.transport.startswith("tcp") else socket.SOCK_DGRAM)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        return self.port

    async def started(self) -> None: ...

    def payload(self, now: float, step: int) -> bytes:
        raise NotImplementedError

    async def send(self, now: float, step: int) -> None:
        self.udp.sendto(self.payload(now, step), ("127.0.0.1", self.port))

    async def close(self) -> None:
        self.udp.close()


class JsonlFeed(Feed):
    fmt = "jsonl"

    def payload(self, now: float, step: int) -> bytes:
        lat, lon, alt = geo(1500.0 + 0.3 * step, 800.0, 120.0)
        return (
            json.dumps(
                {"type": "detection", "time": now, "sensor": "jsonl", "lat": lat, "lon": lon, "alt": alt}
            ).encode()
            + b"\n"
        )


class AsterixFeed(Feed):
    fmt = "asterix"
    options = "sac = 25\nsic = 201"

    def payload(self, now: float, step: int) -> bytes:
        from tests.sensors.asterix.builders import CAT048, Plot, block, cat048_record

        east, north = 3000.0 + 0.4 * step, 4000.0
        plot = Plot(
            tod_s=now % 86400.0,
            rho_nm=math.hypot(east, north) / 1852.0,
            theta_deg=math.degrees(math.atan2(east, north)) % 360.0,
            fl=10.0,
            address=None,
            callsign=None,
        )
        return block(CAT048, [cat048_record(plot)])


class RemoteIdFeed(Feed):
    fmt, kind = "remoteid", "remoteid"

    def payload(self, now: float, step: int) -> bytes:
        from tests.sensors.remoteid import encoder

        lat, lon, alt = geo(600.0, 900.0 + 0.24 * step, 120.0)
        return encoder.pack(
            encoder.basic_id("1581F5FJD239C00DW22E"),
            encoder.location(
                lat,
                lon,
                direction_deg=0.0,
                speed_h_ms=12.0,
                alt_geodetic_m=alt,
                timestamp_tenths=round(now % 3600 * 10) % 36000,
            ),
        )


class ReceiverFeed(Feed):
    transport, kind = "tcp-client", "adsb"

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

    def frame(self, step: int) -> str:
        from tests.sensors.adsb.frames import airborne_position

        lat, lon, _ = geo(-3000.0, 5000.0 + 1.2 * step, 900.0)
        return airborne_position(0x4CA1F0, lat, lon, 3000.0, odd=step % 2 == 1)

    async def send(self, now: float, step: int) -> None:
        for writer in self.clients:
            writer.write(self.payload(now, step))
            await writer.drain()

    async def close(self) -> None:
        for writer in self.clients:
            writer.close()
        self.server.close()


class BeastFeed(ReceiverFeed):
    fmt = "beast"

    def payload(self, now: float, step: int) -> bytes:
        body = int(step / RATE_HZ * 12e6 + 1).to_bytes(6, "big") + b"\xff" + bytes.fromhex(self.frame(step))
        return b"\x1a3" + body.replace(b"\x1a", b"\x1a\x1a")


class RawFeed(ReceiverFeed):
    fmt = "raw"

    def payload(self, now: float, step: int) -> bytes:
        return f"*{self.frame(step)};\n".encode()


class SbsFeed(ReceiverFeed):
    fmt = "sbs"

    def payload(self, now: float, step: int) -> bytes:
        lat, lon, _ = geo(-3000.0, 5000.0 + 1.2 * step, 900.0)
        stamp = time.strftime("%Y/%m/%d,%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}"
        fields = [
            "MSG",
            "3",
            "1",
            "1",
            "4CA1F0",
            "1",
            stamp,
            stamp,
            "",
            "3000",
            "",
            "",
            f"{lat:.6f}",
            f"{lon:.6f}",
            "",
            "",
            "0",
            "0",
            "0",
            "0",
        ]
        return (",".join(fields) + "\r\n").encode()


class SapientFeed(Feed):
    fmt, transport = "sapient", "tcp-server"

    async def started(self) -> None:
        from tests.sensors.sapient.builders import frame, registration

        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(frame(registration()))
        await self.writer.drain()
        await asyncio.wait_for(self.reader.read(4096), 5.0)

    async def send(self, now: float, step: int) -> None:
        from tests.sensors.sapient.builders import detection, frame

        lat, lon, alt = geo(-800.0 + 0.2 * step, 700.0, 150.0)
        self.writer.write(frame(detection(lat_deg=lat, lon_deg=lon, alt_m=alt, time_s=now)))
        await self.writer.drain()

    async def close(self) -> None:
        self.writer.close()
        await super().close()


def site_config(feed: Feed, port: int, window_s: float, step_s: float) -> SiteConfig:
    return parse_site(f"""
[site]
lat = {SITE.lat_deg}
lon = {SITE.lon_deg}
alt = {SITE.alt_m}
[live]
window_s = {window_s}
step_s = {step_s}
[[feeds]]
name = "{feed.fmt}"
format = "{feed.fmt}"
transport = "{feed.transport}"
address = "127.0.0.1"
port = {port}
[feeds.sensor]
id = "{feed.fmt}"
kind = "{feed.kind}"
lat = {SITE.lat_deg}
lon = {SITE.lon_deg}
alt = {SITE.alt_m}
sigma_range_m = 30.0
sigma_azimuth_deg = 0.2
sigma_h_m = 20.0
sigma_v_m = 30.0
[feeds.options]
{feed.options}
""")


class StampingPipeline:
    """The real pipeline, with the moment each detection is handed to it noted."""

    def __init__(self, config: SiteConfig) -> None:
        self.pipeline = Pipeline(config.site, config.zones, config.sensors)
        self.received: dict[int, float] = {}  # id(detection) -> socket stamp
        self.decoded: list[float] = []  # socket stamp -> decoded, seconds
        self.latencies: list[float] = []
        self.late = 0  # dropped by the reordering rule: older than the tracker's last step

    def submitted(self, decoded: Decoded) -> None:
        now = time.time()
        for detection in decoded.detections:
            self.received[id(detection)] = decoded.receive_time_s
            self.decoded.append(now - decoded.receive_time_s)

    def step(self, detections: Sequence[Detection], time_s: float) -> Any:
        handed = time.time()
        for detection in detections:
            stamp = self.received.pop(id(detection), None)
            if stamp is not None:
                self.latencies.append(handed - stamp)
        return self.pipeline.step(detections, time_s)


async def measure(feed: Feed, window_s: float, step_s: float, seconds: float) -> StampingPipeline:
    port = await feed.open()
    config = site_config(feed, port, window_s, step_s)
    pipeline = StampingPipeline(config)
    runner = LiveRunner(config, pipeline=pipeline)
    submit = runner.submit

    def submit_and_stamp(decoded: Decoded) -> None:
        pipeline.submitted(decoded)
        submit(decoded)

    for listener in runner.listeners.values():
        listener.sink = submit_and_stamp
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    await asyncio.wait_for(runner.ready.wait(), 5.0)
    try:
        await feed.started()
        start = time.time()
        step = 0
        while time.time() - start < seconds:
            await feed.send(time.time(), step)
            step += 1
            await asyncio.sleep(max(0.0, start + step / RATE_HZ - time.time()))
        await asyncio.sleep(window_s + 2 * step_s + 0.1)
    finally:
        await feed.close()
        stop.set()
        stats = await task
    pipeline.late = stats.late_dropped
    return pipeline


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    feeds = [JsonlFeed, AsterixFeed, RemoteIdFeed, BeastFeed, SbsFeed, RawFeed, SapientFeed]
    settings = [(0.5, 0.25, "defaults: window 0.5 s, step 0.25 s"), (0.0, 0.01, "window 0, step 10 ms")]
    print(
        f"live latency, socket stamp -> handed to the tracker; {RATE_HZ:.0f} Hz for {seconds:g} s a format; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    for window_s, step_s, label in settings:
        print(f"\n{label}")
        print(
            f"{'format':<10} {'transport':<11} {'handed':>6} {'late':>5} {'decode ms':>10} {'median ms':>10} "
            f"{'p99 ms':>9}"
        )
        for feed_type in feeds:
            result = asyncio.run(measure(feed_type(), window_s, step_s, seconds))
            values = result.latencies
            if not values:
                print(f"{feed_type.fmt:<10} {feed_type.transport:<11} {0:>6}  (no detections handed on)")
                continue
            decode_ms = 1e3 * statistics.median(result.decoded)
            print(
                f"{feed_type.fmt:<10} {feed_type.transport:<11} {len(values):>6} {result.late:>5} "
                f"{decode_ms:>10.2f} {1e3 * statistics.median(values):>10.1f} "
                f"{1e3 * percentile(values, 0.99):>9.1f}"
            )


if __name__ == "__main__":
    main()
