"""Remote ID decoding speed: single 25-byte messages, message packs, whole datagrams through
the "remoteid" decoder (to Detections), and a real capture through the frame decoder.

Run: .venv/bin/python bench/bench_remoteid.py [MESSAGES]"""

from __future__ import annotations

import os
import struct
import sys
import time
from pathlib import Path

from raqib.model import Sensor
from raqib.sensors.capture import iter_frames
from raqib.sensors.remoteid import RemoteIdDecoder, RemoteIdFrameDecoder, decode_message
from raqib.sensors.remoteid.messages import decode_message_pack

SENSOR = Sensor(sensor_id="rid-bench", kind="remoteid", lat_deg=45.5, lon_deg=-122.9, alt_m=60.0)
# One message of each type, from the Wi-Fi beacon sample (FORMAT.md's worked example pack).
BASIC_ID = bytes.fromhex("00124d464731413031323334353637383900000000000050f6")
LOCATION = bytes.fromhex("10005c527ebcba251ba88cb4b60000aa099808394100000a00")
SELF_ID = bytes.fromhex("300052656372656174696f6e616c0000000000000000000000")
SYSTEM = bytes.fromhex("4004a485251b6edbb3b6010032000000001500000000000000")
OPERATOR_ID = bytes.fromhex("50004742522d4f502d31323341424344000000000000000000")
SHARED = Path(os.environ.get("RAQIB_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def locations(count: int) -> list[bytes]:
    """Distinct Location messages: the latitude and timestamp move on with each."""
    out = []
    for index in range(count):
        raw = bytearray(LOCATION)
        struct.pack_into("<iH", raw, 5, 455_457_468 + index, 0)
        struct.pack_into("<H", raw, 21, index % 36000)
        out.append(bytes(raw))
    return out


def rate(label: str, count: int, seconds: float, unit: str = "messages") -> None:
    print(f"{label:<44} {count:>9,} {unit} in {seconds:6.2f} s = {count / seconds:>12,.0f} {unit}/s")


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    singles = [BASIC_ID, SELF_ID, SYSTEM, OPERATOR_ID, *locations(total // 5)]
    singles = (singles * (total // len(singles) + 1))[:total]

    start = time.perf_counter()
    for raw in singles:
        decode_message(raw)
    rate("single messages (mixed types)", total, time.perf_counter() - start)

    only_locations = locations(total)
    start = time.perf_counter()
    for raw in only_locations:
        decode_message(raw)
    rate("single Location messages", total, time.perf_counter() - start)

    packs = [
        b"\xf0\x19\x05" + BASIC_ID + loc + SELF_ID + SYSTEM + OPERATOR_ID for loc in locations(total // 5)
    ]
    start = time.perf_counter()
    for raw in packs:
        decode_message_pack(raw)
    seconds = time.perf_counter() - start
    rate("message packs of 5", len(packs), seconds, "packs")
    rate("  messages inside them", 5 * len(packs), seconds)

    decoder = RemoteIdDecoder(SENSOR)
    receive_s = 1_700_000_000.0
    start = time.perf_counter()
    detections = 0
    for index, raw in enumerate(packs):
        detections += len(decoder.decode(raw, receive_s + index * 0.01))
    seconds = time.perf_counter() - start
    rate("datagrams (pack of 5) -> Detections", detections, seconds, "detections")
    rate("  messages through decoder + assembler", 5 * len(packs), seconds)

    capture = SHARED / "remoteid" / "captures" / "cdc_parrot_anafi4_real.pcapng"
    if capture.exists():
        frames = list(iter_frames(capture))
        frame_decoder = RemoteIdFrameDecoder(SENSOR)
        start = time.perf_counter()
        found = sum(len(frame_decoder.decode_frame(frame)) for frame in frames)
        seconds = time.perf_counter() - start
        rate(f"Parrot capture frames ({found} detections)", len(frames), seconds, "frames")
    else:
        print(f"(no shared data at {capture}: capture figure skipped)")


if __name__ == "__main__":
    main()
