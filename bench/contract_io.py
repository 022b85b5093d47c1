"""Reading and writing the recording contract: lines per second for a 1M-line recording.

Run: .venv/bin/python bench/contract_io.py [LINES]"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from raqib.model import Detection, Sensor, Site, Track, Truth
from raqib.recorder.contract import Record, read_recording, write_recording

SITE = Site(lat_deg=33.2625, lon_deg=44.2346, alt_m=35.0, name="ORBI")


def records(lines: int) -> Iterator[Record]:
    """A radar-heavy mix: per second 8 polar detections, 1 position report, 1 truth, 2 tracks."""
    yield SITE
    yield Sensor(
        sensor_id="radar-1", kind="radar", lat_deg=33.26, lon_deg=44.23, alt_m=40.0, sigma_range_m=10.0
    )
    written = 2
    step = 0
    while written < lines:
        t = float(step)
        for k in range(8):
            yield Detection(
                time_s=t,
                sensor_id="radar-1",
                range_m=1000.0 + 37.0 * k + step,
                azimuth_deg=(13.7 * k + 0.1 * step) % 360.0,
                elevation_deg=2.5,
                rcs_dbsm=-18.2,
            )
        yield Detection(
            time_s=t,
            sensor_id="adsb-1",
            lat_deg=33.3 + 1e-5 * step,
            lon_deg=44.2,
            alt_m=900.0,
            vel_e_ms=10.0,
            vel_n_ms=-70.0,
            vel_u_ms=-3.5,
            identity="7380c1",
            callsign="IAW123",
        )
        yield Truth(
            time_s=t,
            target_id="drone-1",
            lat_deg=33.3,
            lon_deg=44.3,
            alt_m=200.0 + step * 1e-3,
            vel_e_ms=-30.0,
            vel_n_ms=-5.0,
            vel_u_ms=0.0,
            target_class="drone",
        )
        for track_id in (1, 2):
            yield Track(
                time_s=t,
                track_id=track_id,
                lat_deg=33.3,
                lon_deg=44.3,
                alt_m=200.0,
                east_m=0.0,
                north_m=0.0,
                up_m=0.0,
                vel_e_ms=-30.0,
                vel_n_ms=-5.0,
                vel_u_ms=0.0,
                cov_enu=tuple(float(i) for i in range(36)),
                class_probs={"drone": 0.9, "bird": 0.1},
                sources=("radar-1",),
                target_class="drone",
            )
        written += 12
        step += 1


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.jsonl"
        prepared = list(records(lines))
        start, cpu = time.perf_counter(), time.process_time()
        count = write_recording(path, prepared)
        write_s, write_cpu_s = time.perf_counter() - start, time.process_time() - cpu
        size_mb = path.stat().st_size / 1e6
        start, cpu = time.perf_counter(), time.process_time()
        read = sum(1 for _ in read_recording(path))
        read_s, read_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    print(f"lines: {count:,} ({size_mb:.0f} MB)")
    print(f"write: {write_s:.2f} s wall, {write_cpu_s:.2f} s CPU ({count / write_cpu_s / 1e6:.2f} M/CPU s)")
    print(f"read:  {read_s:.2f} s wall, {read_cpu_s:.2f} s CPU ({read / read_cpu_s / 1e6:.2f} M/CPU s)")


if __name__ == "__main__":
    main()
