"""atheris fuzz target for the recording contract reader: any bytes either parse or raise
ContractError, and read_recording never raises.

Run: .venv/bin/python tests/fuzz/fuzz_contract.py -runs=100000"""

from __future__ import annotations

import contextlib
import io
import sys

import atheris
import msgspec  # noqa: F401  (imported before instrumentation: only raqib is instrumented)
import numpy  # noqa: F401
import pymap3d  # noqa: F401

with atheris.instrument_imports():
    from raqib.model import Site
    from raqib.recorder.contract import ContractError, parse_line, read_recording

SITE = Site(lat_deg=33.2625, lon_deg=44.2346, alt_m=35.0)


def ignore(_error: ContractError) -> None:
    pass


def test_one_input(data: bytes) -> None:
    with contextlib.suppress(ContractError):
        parse_line(data, 1, site=SITE)
    for _record in read_recording(io.BytesIO(data), ignore):
        pass


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
