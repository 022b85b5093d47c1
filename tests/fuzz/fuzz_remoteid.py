"""atheris fuzz target for the Remote ID decoders: any captured frame (of any supported link
type) and any datagram decode or are rejected with a DecodeError; nothing raises, and the
decoders' own safety net ("decoder failed") never fires. The message decoder itself raises
nothing but MessageError.

Input: the first byte picks the link type, the rest is the frame (and, whole, a datagram).
Run: .venv/bin/python tests/fuzz/fuzz_remoteid.py -runs=100000"""

from __future__ import annotations

import contextlib
import sys

import atheris
import dpkt  # noqa: F401  (imported before instrumentation: only raqib is instrumented)
import msgspec  # noqa: F401
import numpy  # noqa: F401
import pymap3d  # noqa: F401

with atheris.instrument_imports():
    from raqib.model import Sensor
    from raqib.sensors.base import DecodeError
    from raqib.sensors.capture import Frame
    from raqib.sensors.remoteid import RemoteIdDecoder, RemoteIdFrameDecoder, decode
    from raqib.sensors.remoteid.messages import MessageError
    from raqib.sensors.remoteid.transports import SUPPORTED_LINKTYPES

SENSOR = Sensor(sensor_id="fuzz", kind="remoteid", lat_deg=47.0, lon_deg=8.0, alt_m=400.0)
LINKTYPES = sorted(SUPPORTED_LINKTYPES)


def fail_on_crash(error: DecodeError) -> None:
    if error.reason.startswith("decoder failed") or "decoder failed" in error.reason:
        raise RuntimeError(str(error))


FRAME_DECODER = RemoteIdFrameDecoder(SENSOR, on_error=fail_on_crash)
DATAGRAM_DECODER = RemoteIdDecoder(SENSOR, on_error=fail_on_crash)


def test_one_input(data: bytes) -> None:
    if not data:
        return
    linktype = LINKTYPES[data[0] % len(LINKTYPES)]
    FRAME_DECODER.decode_frame(Frame(1.7e9, linktype, data[1:], 0))
    DATAGRAM_DECODER.decode(data, 1.7e9)
    with contextlib.suppress(MessageError):
        decode(data[1:])


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
