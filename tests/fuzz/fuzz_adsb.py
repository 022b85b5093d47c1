"""atheris fuzz target for the ADS-B decoders (Beast binary, raw hex lines, SBS-1 text): any
bytes, split anywhere, never make a decoder raise (nor panic inside rs1090), every problem is
reported rather than swallowed by the decoder's safety net, and every detection is a position
with an ICAO identity.

Run: .venv/bin/python tests/fuzz/fuzz_adsb.py -runs=100000"""

from __future__ import annotations

import sys

import atheris
import msgspec  # noqa: F401  (imported before instrumentation: only raqib is instrumented)
import numpy  # noqa: F401
import pymap3d  # noqa: F401
import rs1090  # noqa: F401

with atheris.instrument_imports():
    from raqib.model import Detection, Sensor
    from raqib.sensors.adsb import BeastDecoder, RawDecoder, SbsDecoder
    from raqib.sensors.base import DecodeError, Decoder

SENSOR = Sensor(sensor_id="rx", kind="adsb", lat_deg=52.0, lon_deg=4.5, alt_m=0.0)
DECODERS: tuple[type[Decoder], ...] = (BeastDecoder, RawDecoder, SbsDecoder)


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    decoder_class = DECODERS[provider.ConsumeIntInRange(0, len(DECODERS) - 1)]
    cuts = sorted(provider.ConsumeIntInRange(0, 4096) for _ in range(provider.ConsumeIntInRange(0, 4)))
    payload = provider.ConsumeBytes(provider.remaining_bytes())
    errors: list[DecodeError] = []
    decoder = decoder_class(SENSOR, on_error=errors.append)
    start = 0
    for cut in [*cuts, len(payload)]:
        for detection in decoder.decode(payload[start:cut], 1.0e9):
            assert type(detection) is Detection
            assert detection.lat_deg is not None and detection.lon_deg is not None
            assert detection.identity
        start = max(start, cut)
    for error in errors:
        if "decoder failed" in error.reason:
            raise AssertionError(error)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
