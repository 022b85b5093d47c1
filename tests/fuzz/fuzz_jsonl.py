"""atheris fuzz target for the JSON Lines feed decoder: any bytes, split anywhere, in stream or
datagram mode, never make it raise, and every detection it yields is from an accepted sensor.

Run: .venv/bin/python tests/fuzz/fuzz_jsonl.py -runs=100000"""

from __future__ import annotations

import sys

import atheris
import msgspec  # noqa: F401  (imported before instrumentation: only raqib is instrumented)
import numpy  # noqa: F401
import pymap3d  # noqa: F401

with atheris.instrument_imports():
    from raqib.model import Detection, Sensor
    from raqib.sensors.jsonl import JsonlDecoder

SENSOR = Sensor(sensor_id="cam-1", kind="eo", lat_deg=51.5, lon_deg=-0.1, alt_m=20.0)


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    datagrams = provider.ConsumeBool()
    cuts = sorted(provider.ConsumeIntInRange(0, 4096) for _ in range(provider.ConsumeIntInRange(0, 4)))
    payload = provider.ConsumeBytes(provider.remaining_bytes())
    decoder = JsonlDecoder(SENSOR, datagrams=datagrams, sensors=("cam-2",), max_line_bytes=512)
    start = 0
    for cut in [*cuts, len(payload)]:
        for detection in decoder.decode(payload[start:cut], 1.0e9):
            assert type(detection) is Detection
            assert detection.sensor_id in ("cam-1", "cam-2")
        start = max(start, cut)
    assert decoder.stats.detections <= decoder.stats.records <= decoder.lines


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
