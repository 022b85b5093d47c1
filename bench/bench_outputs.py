"""How long the outputs take the pipeline's thread per step: building CoT events for N tracks,
and a CAP message and webhook body per alert change, through OutputDispatcher.handle with
in-memory channels (no I/O: the sockets and HTTP run on the event loop afterwards).

    .venv/bin/python bench/bench_outputs.py              # 10, 100, 1000 tracks
    .venv/bin/python bench/bench_outputs.py --tracks 5000
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, field

import msgspec

from raqib.geo import enu_to_geodetic
from raqib.model import Alert, Site, Threat, Track, Zone
from raqib.outputs.base import Channel, Outgoing
from raqib.outputs.dispatcher import OutputDispatcher, Route

SITE = Site(lat_deg=33.2625, lon_deg=44.2346, alt_m=35.0, name="ORBI")
ZONE = Zone(
    zone_id="compound",
    name="Compound",
    polygon=((33.2660, 44.2400), (33.2660, 44.2432), (33.2633, 44.2432), (33.2633, 44.2400)),
    warn=("tak", "cap", "hook"),
)


class Sink(Channel):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.count = 0

    def send(self, message: Outgoing) -> None:
        self.count += 1

    async def deliver(self, message: Outgoing) -> None:
        pass


class CotSink(Sink):
    accepts = "cot"


class CapSink(Sink):
    accepts = "cap"


class JsonSink(Sink):
    accepts = "json"


@dataclass(frozen=True)
class Step:
    time_s: float
    tracks: list[Track]
    threats: list[Threat] = field(default_factory=list)
    alert_changes: list[Alert] = field(default_factory=list)


def tracks(count: int, time_s: float) -> list[Track]:
    cov = tuple(100.0 if i % 7 == 0 else 0.0 for i in range(36))
    result = []
    for i in range(count):
        east, north = 50.0 * (i % 100), 50.0 * (i // 100)
        lat, lon, alt = enu_to_geodetic(east, north, 150.0, SITE)
        result.append(
            Track(
                time_s=time_s,
                track_id=i,
                lat_deg=float(lat),
                lon_deg=float(lon),
                alt_m=float(alt),
                east_m=east,
                north_m=north,
                up_m=150.0,
                vel_e_ms=10.0,
                vel_n_ms=-5.0,
                vel_u_ms=0.0,
                cov_enu=cov,
                target_class="drone",
                sources=("radar-1",),
            )
        )
    return result


def measure(count: int, steps: int) -> tuple[float, float]:
    """(ms per step with every track sent to TAK, ms per alert change to CoT + CAP + webhook)."""
    channels = [CotSink("tak"), CapSink("cap"), JsonSink("hook")]
    outputs = OutputDispatcher(SITE, [ZONE], channels, {"tak": Route(tracks="all")})
    step_ms = []
    for k in range(steps):
        batch = tracks(count, float(k))
        started = time.perf_counter()
        outputs.handle(Step(float(k), batch))
        step_ms.append((time.perf_counter() - started) * 1000)
    alert = Alert(
        alert_id=1,
        zone_id="compound",
        state="raised",
        target_class="drone",
        track_ids=(0, 1),
        raised_time_s=0.0,
        updated_time_s=0.0,
        time_to_entry_s=30.0,
        reason="bench",
    )
    change_ms = []
    for k in range(50):
        state = "raised" if k % 2 == 0 else "cleared"
        change = msgspec.structs.replace(alert, alert_id=k // 2 + 1, state=state)
        started = time.perf_counter()
        outputs.handle_alerts([change], float(steps + k))
        change_ms.append((time.perf_counter() - started) * 1000)
    assert outputs.build_errors == 0
    return statistics.median(step_ms), statistics.median(change_ms)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tracks", type=int, nargs="*", default=[10, 100, 1000])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    print(f"{'tracks':>7}  {'ms/step (CoT, all tracks)':>26}  {'ms/alert change (CoT+CAP+JSON)':>31}")
    for count in args.tracks:
        step_ms, change_ms = measure(count, args.steps)
        print(f"{count:>7}  {step_ms:>26.2f}  {change_ms:>31.2f}")


if __name__ == "__main__":
    main()
