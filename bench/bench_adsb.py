"""ADS-B decoding speed on the real Beast capture (shared/data/adsb), replayed REPLAYS times as
one continuous stream (each replay's MLAT counter moved on by the capture's length), read in
4 KiB chunks as from a TCP socket:

  * Beast unframing alone (escapes, frame lengths, resynchronisation);
  * the full path to Detections (unframing, rs1090, CPR, aircraft state), on the stream as
    captured (every frame recorded twice, the repeats dropped) and on its unique frames;
  * the same unique frames as raw hex lines (port 30002), and the SBS-1 rendering (port 30003).

Run: .venv/bin/python bench/bench_adsb.py [REPLAYS]"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from raqib.model import Sensor
from raqib.sensors.adsb import BeastDecoder, BeastUnframer, RawDecoder, SbsDecoder
from raqib.sensors.adsb.beast import MODE_AC, encode_frame
from raqib.sensors.base import Decoder

SHARED = Path(os.environ.get("RAQIB_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
SENSOR = Sensor(sensor_id="ulss7", kind="adsb", lat_deg=59.80, lon_deg=30.26, alt_m=20.0)
CHUNK_BYTES = 4096
TICKS_PER_S = 12_000_000


def rate(label: str, count: int, seconds: float, unit: str = "frames", cpu_s: float | None = None) -> None:
    cpu = "" if cpu_s is None else f"  (CPU {cpu_s:5.2f} s = {count / cpu_s:>10,.0f} {unit}/s)"
    print(f"{label:<52} {count:>9,} {unit} in {seconds:6.2f} s = {count / seconds:>10,.0f} {unit}/s{cpu}")


def chunks(stream: bytes) -> list[bytes]:
    return [stream[i : i + CHUNK_BYTES] for i in range(0, len(stream), CHUNK_BYTES)]


def replayed(capture: bytes, replays: int, unique: bool) -> tuple[bytes, int]:
    """The capture's frames ``replays`` times over, the counter running on; (stream, frames)."""
    frames, _ = BeastUnframer().feed_bytes(capture)
    if unique:
        frames = list({(f.mlat_ticks, f.payload): f for f in frames}.values())
    span = max(f.mlat_ticks for f in frames) - min(f.mlat_ticks for f in frames) + TICKS_PER_S
    parts = [
        encode_frame(f.kind, f.mlat_ticks + replay * span, f.signal, f.payload)
        for replay in range(replays)
        for f in frames
    ]
    return b"".join(parts), len(parts)


def run(decoder: Decoder, stream_chunks: list[bytes]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process, detections)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    detections = 0
    for chunk in stream_chunks:
        detections += len(decoder.decode(chunk, 1.5e9))
    return time.perf_counter() - start, time.process_time() - start_cpu, detections


def main() -> int:
    replays = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    capture_path = SHARED / "adsb" / "beastblackbox_ulss7_beast.bin"
    sbs_path = SHARED / "adsb" / "beastblackbox_ulss7_decoded_sbs.txt"
    if not capture_path.exists():
        print(f"shared data missing: {capture_path} (set RAQIB_SHARED_DATA)")
        return 1
    capture = capture_path.read_bytes()
    print(f"capture: {capture_path.name}, {len(capture):,} bytes; {replays} replays; {CHUNK_BYTES} B reads")

    stream, frame_count = replayed(capture, replays, unique=False)
    stream_chunks = chunks(stream)
    start, start_cpu = time.perf_counter(), time.process_time()
    unframer = BeastUnframer()
    unframed = sum(len(unframer.feed_bytes(chunk)[0]) for chunk in stream_chunks)
    seconds, cpu_s = time.perf_counter() - start, time.process_time() - start_cpu
    assert unframed == frame_count
    rate("Beast unframing", unframed, seconds, cpu_s=cpu_s)
    rate("Beast unframing", len(stream) // 1024, seconds, "KiB", cpu_s)

    seconds, cpu_s, detections = run(BeastDecoder(SENSOR), stream_chunks)
    rate("Beast to Detections, as captured (repeats dropped)", frame_count, seconds, cpu_s=cpu_s)

    unique_stream, unique_count = replayed(capture, replays, unique=True)
    decoder = BeastDecoder(SENSOR)
    seconds, cpu_s, detections = run(decoder, chunks(unique_stream))
    rate("Beast to Detections, unique frames", unique_count, seconds, cpu_s=cpu_s)
    mode_s = unique_count - decoder.frames_by_type.get(MODE_AC, 0)
    rate("  of which Mode S frames", mode_s, seconds, cpu_s=cpu_s)
    rate("  detections out", detections, seconds, "detections", cpu_s)

    frames, _ = BeastUnframer().feed_bytes(unique_stream)
    lines = "".join(
        f"@{f.mlat_ticks % (1 << 48):012X}{f.payload.hex().upper()};\n" for f in frames if f.kind != MODE_AC
    ).encode()
    seconds, cpu_s, detections = run(RawDecoder(SENSOR), chunks(lines))
    rate("raw hex lines to Detections", mode_s, seconds, "lines", cpu_s)

    if sbs_path.exists():
        text = sbs_path.read_text()
        days = [text.replace("2018/04/03", f"2018/05/{day:02d}") for day in range(1, min(replays, 28) + 1)]
        sbs = "".join(days).encode()
        line_count = sbs.count(b"\n")
        seconds, cpu_s, detections = run(SbsDecoder(SENSOR), chunks(sbs))
        rate("SBS-1 lines to Detections", line_count, seconds, "lines", cpu_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
