"""atheris fuzz target for the ASTERIX decoder: any bytes, in any number of datagrams, never
make it raise, every problem is reported rather than swallowed by the decoder's safety net,
and every detection it does make is on the earth and in the day it was received.

Run: .venv/bin/python tests/fuzz/fuzz_asterix.py -runs=100000 [corpus folder]"""

from __future__ import annotations

import math
import sys

import atheris
import msgspec  # noqa: F401  (imported before instrumentation)
import numpy  # noqa: F401
import pymap3d  # noqa: F401

# libasterix's generic parser is instrumented (its coverage guides the fuzzer through FSPECs
# and item shapes); its 6 MB of generated per-edition classes are not.
with atheris.instrument_imports(include=["asterix.base"]):
    import asterix.base
import asterix.generated  # noqa: F401

with atheris.instrument_imports(include=["raqib"]):
    from raqib.model import Detection, Sensor
    from raqib.sensors.asterix import AsterixConfig, AsterixDecoder
    from raqib.sensors.base import DecodeError

SENSOR = Sensor(sensor_id="radar", kind="radar", lat_deg=45.0, lon_deg=16.0, alt_m=120.0)
OLD_EDITIONS = {"21": "0.26", "48": "1.27", "62": "1.16"}
CONFIGS = (
    AsterixConfig(sensor=SENSOR),
    AsterixConfig(sensor=SENSOR, editions=OLD_EDITIONS, ignored_categories=(65,)),
    AsterixConfig(sensor=SENSOR, sac=25, sic=201, system_ref_lat_deg=45.0, system_ref_lon_deg=16.0),
)
RECEIVED_S = 1_700_000_000.0


def check(detection: Detection) -> None:
    assert type(detection) is Detection
    assert math.isfinite(detection.time_s) and abs(detection.time_s - RECEIVED_S) <= 43_200.0
    if detection.is_polar:
        assert detection.range_m is not None and detection.range_m >= 0.0
        assert detection.azimuth_deg is not None and 0.0 <= detection.azimuth_deg < 360.0
    else:
        assert detection.lat_deg is not None and abs(detection.lat_deg) <= 90.0
        assert detection.lon_deg is not None and abs(detection.lon_deg) <= 180.0


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    config = CONFIGS[provider.ConsumeIntInRange(0, len(CONFIGS) - 1)]
    cuts = sorted(provider.ConsumeIntInRange(0, 2048) for _ in range(provider.ConsumeIntInRange(0, 3)))
    payload = provider.ConsumeBytes(provider.remaining_bytes())
    errors: list[DecodeError] = []
    decoder = AsterixDecoder.from_config(config, on_error=errors.append)
    start = 0
    for cut in [*cuts, len(payload)]:
        for detection in decoder.decode(payload[start:cut], RECEIVED_S):
            check(detection)
        start = max(start, cut)
    assert decoder.stats.errors == len(errors)
    for error in errors:
        if "decoder failed" in error.reason:
            raise AssertionError(error)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
