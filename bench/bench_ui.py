"""The operator's screen under load: 1000 moving tracks updated every second.

Serves the real app (uvicorn, loopback) with a hub fed by a synthetic pipeline, opens it in
Debian's Chromium through Playwright (software WebGL: no GPU here), and measures for ~10 s:

* frames per second: requestAnimationFrame callbacks counted in the page (target >= 30);
* latency from the hub's publish() (the time the tracker's update was stamped) to the page
  having applied it to the map's sources, median and p99 (target < 200 ms).

    .venv/bin/python bench/bench_ui.py [--tracks 1000] [--seconds 10] [--width 1920 --height 1080]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import uvicorn

from raqib.geo import enu_to_geodetic
from raqib.model import Alert, AuditEntry, Sensor, Site, Threat, Track
from raqib.server import StateHub, UserStore, create_app
from raqib.server.auth import Role
from raqib.server.context import ServerSettings

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
SITE = Site(lat_deg=33.2625, lon_deg=44.2346, alt_m=35.0, name="bench")
CLASSES = ("drone", "bird", "aircraft", "rocket", "unknown")


@dataclass(frozen=True)
class Step:
    time_s: float
    tracks: list[Track]
    threats: tuple[Threat, ...] = ()
    alert_changes: tuple[Alert, ...] = ()
    audit: tuple[AuditEntry, ...] = ()


def moving_tracks(count: int, time_s: float, rng_seed: int = 7) -> list[Track]:
    """``count`` tracks on circles round the site (all positions computed in one NumPy pass)."""
    rng = np.random.default_rng(rng_seed)
    radius_m = rng.uniform(500.0, 15000.0, count)
    phase = rng.uniform(0.0, 2 * np.pi, count)
    speed_ms = rng.uniform(5.0, 60.0, count)
    angle = phase + speed_ms * time_s / radius_m
    east, north = radius_m * np.cos(angle), radius_m * np.sin(angle)
    up = rng.uniform(50.0, 2000.0, count)
    vel_e, vel_n = -speed_ms * np.sin(angle), speed_ms * np.cos(angle)
    lat, lon, alt = enu_to_geodetic(east, north, up, SITE)
    return [
        Track(
            time_s=time_s,
            track_id=i + 1,
            lat_deg=float(lat[i]),
            lon_deg=float(lon[i]),
            alt_m=float(alt[i]),
            east_m=float(east[i]),
            north_m=float(north[i]),
            up_m=float(up[i]),
            vel_e_ms=float(vel_e[i]),
            vel_n_ms=float(vel_n[i]),
            vel_u_ms=0.0,
            target_class=CLASSES[i % 5],
            sources=("radar-1",),
        )
        for i in range(count)
    ]


class Server:
    def __init__(self, hub: StateHub, users: UserStore) -> None:
        self.loop = asyncio.new_event_loop()
        app = create_app(hub, users=users, settings=ServerSettings(range_rings_m=(5000.0, 10000.0, 15000.0)))
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(
            target=lambda: self.loop.run_until_complete(self.server.serve()), daemon=True
        )

    def start(self) -> int:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        port: int = self.server.servers[0].sockets[0].getsockname()[1]
        return port

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


FPS_SCRIPT = """(seconds) => new Promise((resolve) => {
  let frames = 0; const start = performance.now();
  const tick = () => { frames++; if (performance.now() - start < seconds * 1000) requestAnimationFrame(tick);
                       else resolve(frames / ((performance.now() - start) / 1000)); };
  requestAnimationFrame(tick);
})"""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tracks", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    args = parser.parse_args()
    subprocess.run(["bash", str(REPO / "web" / "build.sh")], check=True, capture_output=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        users = UserStore(Path(folder) / "users.toml")
        users.set_user("bench", Role.VIEWER, "bench-password")
        radar = Sensor(
            sensor_id="radar-1",
            kind="radar",
            lat_deg=SITE.lat_deg,
            lon_deg=SITE.lon_deg,
            alt_m=40.0,
            max_range_m=15000.0,
        )
        hub = StateHub(site=SITE, sensors=[radar])
        server = Server(hub, users)
        port = server.start()
        stop = threading.Event()
        publish_s: list[float] = []

        def publisher() -> None:
            step = 0
            while not stop.is_set():
                tracks = moving_tracks(args.tracks, float(step))  # the "tracker" output, made before stamping
                started = time.perf_counter()
                server.loop.call_soon_threadsafe(hub.publish, Step(float(step), tracks))
                publish_s.append(time.perf_counter() - started)
                step += 1
                stop.wait(1.0)

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.goto(f"http://127.0.0.1:{port}/")
            page.fill("input[name=username]", "bench")
            page.fill("input[name=password]", "bench-password")
            page.click("button[type=submit]")
            page.wait_for_function("window.raqib && window.raqib.ready")
            thread = threading.Thread(target=publisher, daemon=True)
            thread.start()
            page.wait_for_function(f"window.raqib.store.tracks.size === {args.tracks}", timeout=60_000)
            page.wait_for_timeout(2000)  # let the first full picture settle
            page.evaluate("window.raqib.stats.latenciesMs = []")
            fps = page.evaluate(FPS_SCRIPT, args.seconds)
            latencies = page.evaluate("window.raqib.stats.latenciesMs")
            rendered = page.evaluate("window.raqib.map.queryRenderedFeatures({layers: ['tracks']}).length")
            stop.set()
            thread.join()
            browser.close()
        server.stop()

    print(
        f"UI benchmark: {args.tracks} moving tracks updated every 1 s, {args.width}x{args.height}, "
        f"Chromium with software WebGL (SwiftShader), {args.seconds:.0f} s measured"
    )
    print(f"  frames per second (requestAnimationFrame): {fps:.1f}   target >= 30")
    if latencies:
        ordered = sorted(latencies)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        print(
            f"  publish -> applied on the map: median {statistics.median(ordered):.0f} ms, p99 {p99:.0f} ms, "
            f"max {ordered[-1]:.0f} ms over {len(ordered)} updates   target < 200 ms"
        )
    else:
        print("  no updates arrived during the measurement")
    print(f"  tracks drawn on screen at the end: {rendered}")
    print(f"  hub.publish scheduling on the server loop: {1000 * statistics.median(publish_s):.2f} ms median")
    return 0


if __name__ == "__main__":
    sys.exit(main())
