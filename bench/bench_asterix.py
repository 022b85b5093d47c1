"""ASTERIX decoding speed: records per second for CAT048 and CAT062, through libasterix's
parser alone and through raqib's whole path to Detections, on a synthetic busy feed built
with libasterix's encoder (distinct records, 25 to a datagram), against what feeds need.
Rates are per second of CPU time on one core.

Run: .venv/bin/python bench/bench_asterix.py [--records 10000] [--repeat 3]"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import asterix.generated as gen
from asterix.base import Bits, RawDatablock

from raqib.model import Sensor
from raqib.sensors.asterix import AsterixConfig, AsterixDecoder

CAT048 = gen.Cat_048_1_32
CAT062 = gen.Cat_062_1_21
RECORDS_PER_DATAGRAM = 25
DAY_S = 1_700_006_400.0
START_TOD_S = 36_000.0
NEEDS = (
    ("4 radars x 500 plots per 4 s scan", 500.0),
    ("a large ATC picture", 5_000.0),
)
SENSOR = Sensor(sensor_id="radar", kind="radar", lat_deg=45.0, lon_deg=16.0, alt_m=120.0)


def plot(i: int) -> Any:
    return CAT048.cv_record.create(
        {
            "010": (25, 201),
            "140": START_TOD_S + i * 0.0004,
            "020": ((5, 0, 0, 0, 0, None),),
            "040": (5.0 + (i % 2000) * 0.12, (i * 7.3) % 360.0),
            "070": i % 4096,
            "090": (0, 0, float(10 + i % 400)),
            "220": 0x400000 + i,
            "240": f"TST{i % 10000:04d}",
            "161": (0, i % 4096),
            "200": (0.1, float(i % 360)),
            "170": ((0, 2, 0, 0, 0, None),),
        }
    )


def system_track(i: int) -> Any:
    return CAT062.cv_record.create(
        {
            "010": (25, 100),
            "070": START_TOD_S + i * 0.0004,
            "105": (44.0 + (i % 1000) * 0.003, 13.0 + (i % 997) * 0.004),
            "100": (float(i % 5000) * 20.0, float(i % 4000) * -25.0),
            "185": (float(i % 200) - 100.0, 150.0 - float(i % 300)),
            "060": i % 4096,
            "380": {"ADR": 0x400000 + i, "ID": f"TRK{i % 10000:04d}"},
            "040": i % 65536,
            "080": ((0, 0, 0, 0, 0, None),),
            "136": float(10 + i % 400),
            "500": {"APC": (30.0, 40.0)},
        }
    )


def datagrams(spec: Any, make: Callable[[int], Any], count: int) -> list[bytes]:
    records = [make(i) for i in range(count)]
    return [
        bytes(spec.create(records[i : i + RECORDS_PER_DATAGRAM]).unparse().to_bytes())
        for i in range(0, count, RECORDS_PER_DATAGRAM)
    ]


def parse_only(spec: Any, feed: Sequence[bytes]) -> int:
    records = 0
    for datagram in feed:
        blocks = RawDatablock.parse(Bits.from_bytes(datagram))
        assert not isinstance(blocks, ValueError)
        for raw in blocks:
            parsed = spec.cv_uap.parse(raw.get_raw_records())
            assert not isinstance(parsed, ValueError)
            records += len(parsed)
    return records


def full_path(feed: Sequence[bytes]) -> int:
    decoder = AsterixDecoder.from_config(AsterixConfig(sensor=SENSOR))
    detections = 0
    for index, datagram in enumerate(feed):
        detections += len(decoder.decode(datagram, DAY_S + START_TOD_S + index * 0.01))
    assert decoder.stats.errors == 0, decoder.stats.last_error
    return detections


def best_rate(run: Callable[[], int], repeat: int) -> tuple[float, int]:
    """Items per second of this process's CPU time (best of ``repeat``): a shared, busy
    machine slows the wall clock but not the CPU seconds the decoding itself takes."""
    best = float("inf")
    count = 0
    for _ in range(repeat):
        start = time.process_time()
        count = run()
        best = min(best, time.process_time() - start)
    return count / best, count


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    print(f"ASTERIX decoding: {args.records} distinct records a category, {RECORDS_PER_DATAGRAM} a datagram")
    rates: list[float] = []
    for name, spec, make in (("CAT048 plots", CAT048, plot), ("CAT062 tracks", CAT062, system_track)):
        started = time.perf_counter()
        feed = datagrams(spec, make, args.records)
        built_s = time.perf_counter() - started
        # Move what building left behind out of the collector's sight: otherwise the garbage
        # collector's passes over it, not the decoding, dominate whichever path runs first.
        gc.collect()
        gc.freeze()
        size = sum(len(d) for d in feed)
        print(f"\n{name}: {len(feed)} datagrams, {size} bytes (built in {built_s:.1f} s)")
        parse_rate, parsed = best_rate(partial(parse_only, spec, feed), args.repeat)
        full_rate, detections = best_rate(partial(full_path, feed), args.repeat)
        assert parsed == detections == args.records
        print(f"  libasterix parse only     {parse_rate:10,.0f} records/s")
        share = full_rate / parse_rate
        print(f"  raqib to Detections       {full_rate:10,.0f} records/s  ({share:.0%} of parse only)")
        rates.append(full_rate)

    slowest = min(rates)
    print("\nAgainst what feeds need (full path, slower category):")
    for label, needed in NEEDS:
        verdict = "enough" if slowest >= needed else "NOT enough"
        print(f"  {label:<36} {needed:7,.0f} records/s: {verdict} ({slowest / needed:.1f}x, one core)")


if __name__ == "__main__":
    main()
