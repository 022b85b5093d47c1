"""The operator's screen under load: 1000 moving tracks updated every second.

Serves the real app (uvicorn, loopback) with a hub fed by a synthetic pipeline, in a process
of its own as in service (a browser driver in the same process would slow its garbage
collector), opens it in Debian's Chromium through Playwright (software WebGL: no GPU here),
and measures for ~10 s:

* frames per second: requestAnimationFrame callbacks counted in the page (target >= 30);
* latency from the hub's publish() (the time the tracker's update was stamped) to the page
  having drawn it (the map frame that shows the update's tracks), median and p99
  (target < 200 ms).

Operator scenarios: ``--select`` clicks a track first (its ellipse and label follow it every
update); ``--threats N`` makes N tracks threaten a zone (threat colour, labelled); ``--pan``
drags the map across the whole measurement, so that every frame is drawn anew.

    .venv/bin/python bench/bench_ui.py [--tracks 1000] [--seconds 10] [--width 1920 --height 1080]
                                       [--select] [--threats N] [--covariance] [--pan]
                                       [--screenshot PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
import uvicorn

from raqib.geo import enu_to_geodetic
from raqib.model import Alert, AuditEntry, Sensor, Site, Threat, Track
from raqib.server import StateHub, UserStore, create_app
from raqib.server.auth import Role
from raqib.server.context import STATIC_DIR, ServerSettings

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


def _covariance() -> tuple[float, ...]:
    """A tracker's 6x6 ENU position-velocity covariance (row-major): about 30 m and 5 m/s, the
    east and north errors correlated (so the screen's 95 % ellipse is tilted)."""
    cov = np.diag([900.0, 900.0, 2500.0, 25.0, 25.0, 100.0])
    cov[0, 1] = cov[1, 0] = 300.0
    return tuple(cov.ravel().tolist())


COVARIANCE = _covariance()


def moving_tracks(count: int, time_s: float, rng_seed: int = 7, *, covariance: bool = False) -> list[Track]:
    """``count`` tracks on circles round the site (all positions computed in one NumPy pass);
    with ``covariance``, each carries one as a tracker's would (the screen draws its ellipse)."""
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
            cov_enu=COVARIANCE if covariance else (),
        )
        for i in range(count)
    ]


PAN_SCRIPT = """(seconds) => { const map = window.raqib.map; const start = map.getCenter();
  const east = [start.lng + 0.05, start.lat];
  map.easeTo({ center: east, duration: seconds * 500, easing: (t) => t });
  map.once('moveend', () => map.easeTo({ center: start, duration: seconds * 500, easing: (t) => t }));
}"""


def threats_for(tracks: list[Track], count: int) -> tuple[Threat, ...]:
    """The first ``count`` tracks heading into a zone within a minute."""
    return tuple(
        Threat(
            time_s=t.time_s,
            track_id=t.track_id,
            zone_id="bench",
            target_class=t.target_class,
            inside=False,
            probability=0.8,
            time_to_entry_s=60.0,
            closest_approach_m=0.0,
            score=0.6,
        )
        for t in tracks[:count]
    )


@dataclass(frozen=True)
class Load:
    """The picture the synthetic tracker publishes every second."""

    tracks: int
    threats: int
    covariance: bool


def serve_picture(users_file: Path, static_dir: Path, load: Load, conn: Connection) -> None:
    """The server process: the app on a free port (sent to ``conn``), then one update a second
    until ``conn`` says stop; answers with how long each publish() took on the server loop."""
    radar = Sensor(
        sensor_id="radar-1",
        kind="radar",
        lat_deg=SITE.lat_deg,
        lon_deg=SITE.lon_deg,
        alt_m=40.0,
        max_range_m=15000.0,
    )
    hub = StateHub(site=SITE, sensors=[radar])
    app = create_app(
        hub,
        users=UserStore(users_file),
        settings=ServerSettings(range_rings_m=(5000.0, 10000.0, 15000.0), static_dir=static_dir),
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=lambda: loop.run_until_complete(server.serve()), daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    conn.send(server.servers[0].sockets[0].getsockname()[1])
    conn.recv()  # the page is open: start the picture
    publish_s: list[float] = []

    def publish(step: Step) -> None:
        started = time.perf_counter()
        hub.publish(step)
        publish_s.append(time.perf_counter() - started)

    step = 0
    while not conn.poll(0):
        # the "tracker" output, made before publish() stamps it
        tracks = moving_tracks(load.tracks, float(step), covariance=load.covariance)
        loop.call_soon_threadsafe(publish, Step(float(step), tracks, threats_for(tracks, load.threats)))
        step += 1
        conn.poll(1.0)
    server.should_exit = True
    thread.join(timeout=10)
    conn.send(publish_s)


FPS_SCRIPT = """(seconds) => new Promise((resolve) => {
  let frames = 0; const start = performance.now();
  const tick = () => { frames++; if (performance.now() - start < seconds * 1000) requestAnimationFrame(tick);
                       else resolve(frames / ((performance.now() - start) / 1000)); };
  requestAnimationFrame(tick);
})"""


def select_a_track(page: Any) -> int:
    """Click a track a little out from the crowded middle of the map, as an operator would; its id."""
    box = page.locator("#map").bounding_box()
    tracks = page.evaluate("""() => { const m = window.raqib.map; const c = m.getContainer();
        return m.queryRenderedFeatures({layers: ['tracks']}).map((f) => {
          const p = m.project(f.geometry.coordinates);
          const off = Math.hypot(p.x - c.clientWidth / 2, p.y - c.clientHeight / 2);
          return [p.x, p.y, off]; }).sort((a, b) => a[2] - b[2]); }""")
    x, y, _ = tracks[len(tracks) // 4]
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_selector("#details h3")
    return int(page.evaluate("Number(/#(\\d+)/.exec(document.querySelector('#details h3').textContent)[1])"))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tracks", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--select", action="store_true", help="click a track before measuring")
    parser.add_argument("--threats", type=int, default=0, help="tracks threatening a zone")
    parser.add_argument(
        "--covariance",
        action="store_true",
        help="tracks carry a 6x6 covariance, as a tracker's do (updates twice as long)",
    )
    parser.add_argument("--pan", action="store_true", help="pan the map while measuring")
    parser.add_argument("--screenshot", type=Path, help="save the page here at the end")
    parser.add_argument(
        "--static-dir",
        type=Path,
        default=STATIC_DIR,
        help="serve this build of the web UI (to compare builds; not rebuilt)",
    )
    args = parser.parse_args()
    if args.static_dir == STATIC_DIR:
        subprocess.run(["bash", str(REPO / "web" / "build.sh")], check=True, capture_output=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        users_file = Path(folder) / "users.toml"
        UserStore(users_file).set_user("bench", Role.VIEWER, "bench-password")
        conn, child_conn = multiprocessing.Pipe()
        server = multiprocessing.get_context("spawn").Process(
            target=serve_picture,
            args=(users_file, args.static_dir, Load(args.tracks, args.threats, args.covariance), child_conn),
            daemon=True,
        )
        server.start()
        port = conn.recv()
        selected = None
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.goto(f"http://127.0.0.1:{port}/")
            page.fill("input[name=username]", "bench")
            page.fill("input[name=password]", "bench-password")
            page.click("button[type=submit]")
            page.wait_for_function("window.raqib && window.raqib.ready")
            conn.send("start")
            page.wait_for_function(f"window.raqib.store.tracks.size === {args.tracks}", timeout=60_000)
            page.wait_for_timeout(2000)  # let the first full picture settle
            if args.select:
                selected = select_a_track(page)
                page.wait_for_timeout(1500)
            page.evaluate("window.raqib.stats.latenciesMs = []")
            if args.pan:  # about 5 km east and back, as a steady drag
                page.evaluate(PAN_SCRIPT, args.seconds)
            fps = page.evaluate(FPS_SCRIPT, args.seconds)
            latencies = page.evaluate("window.raqib.stats.latenciesMs")
            rendered = page.evaluate("window.raqib.map.queryRenderedFeatures({layers: ['tracks']}).length")
            if args.screenshot:
                page.screenshot(path=args.screenshot)
            conn.send("stop")
            publish_s = conn.recv()
            browser.close()
        server.join(timeout=10)

    report(args, selected, fps, latencies, rendered, publish_s)
    return 0


def report(
    args: argparse.Namespace,
    selected: int | None,
    fps: float,
    latencies: list[float],
    rendered: int,
    publish_s: list[float],
) -> None:
    scenario = "".join(
        [
            " with covariances" if args.covariance else "",
            ", panning" if args.pan else "",
            f", {args.threats} threatening" if args.threats else "",
            f", track #{selected} selected" if selected is not None else "",
        ]
    )
    print(
        f"UI benchmark: {args.tracks} moving tracks updated every 1 s{scenario}, {args.width}x{args.height}, "
        f"Chromium with software WebGL (SwiftShader), {args.seconds:.0f} s measured"
    )
    print(f"  frames per second (requestAnimationFrame): {fps:.1f}   target >= 30")
    if latencies:
        ordered = sorted(latencies)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        print(
            f"  publish -> drawn on the map: median {statistics.median(ordered):.0f} ms, p99 {p99:.0f} ms, "
            f"max {ordered[-1]:.0f} ms over {len(ordered)} updates   target < 200 ms"
        )
    else:
        print("  no updates arrived during the measurement")
    print(f"  tracks drawn on screen at the end: {rendered}")
    print(
        f"  hub.publish on the server loop: median {1000 * statistics.median(publish_s):.1f} ms, "
        f"max {1000 * max(publish_s):.1f} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
