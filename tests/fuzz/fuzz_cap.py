"""atheris fuzz target for the CAP reader: any bytes either read as a CAP message or are refused
with a CapError (never another exception, never an entity expanded).

Run: .venv/bin/python tests/fuzz/fuzz_cap.py -runs=100000"""

from __future__ import annotations

import sys

import atheris

import raqib.outputs.cot  # noqa: F401  (imported before instrumentation: only the reader is instrumented)

with atheris.instrument_imports():
    from raqib.outputs.cap import CapError, CapMessage, read_cap


def test_one_input(data: bytes) -> None:
    try:
        message = read_cap(data)
    except CapError:
        return
    assert isinstance(message, CapMessage) and message.identifier and message.sender


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
