"""atheris fuzz target for the SAPIENT adapter: any bytes, in any chunks, through framing,
protobuf parsing, the ICD checks and conversion, never raise out of the session or the decoder.

Run: .venv/bin/python tests/fuzz/fuzz_sapient.py -runs=100000"""

from __future__ import annotations

import sys

import atheris

# Imported before instrumentation, so that only raqib's SAPIENT code is instrumented (numpy and
# protobuf would take half a minute); the generated message modules are only descriptors.
import msgspec  # noqa: F401
import numpy  # noqa: F401
import utm  # noqa: F401

import raqib.sensors.sapient.messages  # noqa: F401

with atheris.instrument_imports():
    from raqib.model import Sensor
    from raqib.sensors.sapient.config import SapientConfig
    from raqib.sensors.sapient.decoder import SapientDecoder
    from raqib.sensors.sapient.session import SapientSession

SENSOR = Sensor(sensor_id="fuzz", kind="other", lat_deg=0.0, lon_deg=0.0, alt_m=0.0)
CONFIG = SapientConfig(dmm_node_id="00000000-0000-4000-8000-000000000001", harness_lat_lon_in_utm=True)


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    cut = fdp.ConsumeIntInRange(0, max(len(data) - 1, 0))
    body = fdp.ConsumeBytes(len(data))
    session = SapientSession("fuzz", CONFIG)
    session.receive(body[:cut], 0.0)
    session.receive(body[cut:], 1.0)
    session.close(2.0)
    decoder = SapientDecoder(SENSOR, config=CONFIG)
    decoder.decode(body, 0.0)
    decoder.finish(1.0)
    # a plain DecodeError is what Decoder.decode reports when _decode raised: a bug
    assert decoder.stats.errors_by_kind.get("DecodeError", 0) == 0, decoder.stats.last_error


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
