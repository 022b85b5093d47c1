"""SAPIENT detection reports decoded per second: framing + protobuf + ICD checks + Detection.

    .venv/bin/python bench/bench_sapient.py [--reports 20000] [--repeat 3]

Builds a stream of one Registration and N DetectionReports (a drone moving, lat/lon position,
velocity, two classes), then times each stage over the whole stream and prints the best of
``--repeat`` runs: framing alone, framing + protobuf parsing, + the ICD checks, and the whole
SapientDecoder (Detections out).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from raqib.model import Sensor
from raqib.sensors.sapient.decoder import SapientDecoder
from raqib.sensors.sapient.framing import FrameReader, encode_frame
from raqib.sensors.sapient.messages import location_pb2, parse_message, registration_pb2, sapient_message_pb2
from raqib.sensors.sapient.validate import problems

NODE_ID = "5f1c2a9e-1d2b-4c3d-8e4f-0a1b2c3d4e5f"
CHUNK_BYTES = 1 << 16
T0_S = 1_750_000_000


def registration() -> bytes:
    message = sapient_message_pb2.SapientMessage(node_id=NODE_ID)
    message.timestamp.seconds = T0_S
    reg = message.registration
    reg.node_definition.add(node_type=registration_pb2.Registration.NODE_TYPE_RADAR)
    reg.icd_version = "BSI Flex 335 v2.0"
    reg.capabilities.add(category="Radar", type="Range", value="5000", units="m")
    reg.status_definition.status_interval.units = registration_pb2.Registration.TIME_UNITS_SECONDS
    reg.status_definition.status_interval.value = 1.0
    mode = reg.mode_definition.add(
        mode_name="Default", mode_type=registration_pb2.Registration.MODE_TYPE_DEFAULT
    )
    mode.settle_time.units = registration_pb2.Registration.TIME_UNITS_SECONDS
    mode.settle_time.value = 1.0
    region = mode.task.region_definition
    region.region_type.append(registration_pb2.Registration.REGION_TYPE_AREA_OF_INTEREST)
    area = region.region_area.add()
    area.location_units = location_pb2.LOCATION_COORDINATE_SYSTEM_LAT_LNG_DEG_M
    area.location_datum = location_pb2.LOCATION_DATUM_WGS84_E
    reg.config_data.add(manufacturer="ACME", model="R-1")
    return encode_frame(message.SerializeToString())


def detection(index: int) -> bytes:
    message = sapient_message_pb2.SapientMessage(node_id=NODE_ID)
    message.timestamp.seconds = T0_S + index // 10
    message.timestamp.nanos = (index % 10) * 100_000_000
    report = message.detection_report
    report.report_id = f"01HZY3M8Q9R2S3T4V5W{index % 10_000_000:07d}"
    report.object_id = f"01HZY3M8Q9R2S3T4V5W6X7Y{index % 100:03d}"
    location = report.location
    location.x = -0.45 + index * 1e-6
    location.y = 51.48 + index * 1e-6
    location.z = 120.0
    location.x_error = 0.0001
    location.y_error = 0.0001
    location.z_error = 5.0
    location.coordinate_system = location_pb2.LOCATION_COORDINATE_SYSTEM_LAT_LNG_DEG_M
    location.datum = location_pb2.LOCATION_DATUM_WGS84_E
    report.enu_velocity.east_rate = 3.0
    report.enu_velocity.north_rate = 4.0
    report.enu_velocity.up_rate = 0.1
    report.classification.add(type="UAV", confidence=0.8)
    report.classification.add(type="Bird", confidence=0.2)
    return encode_frame(message.SerializeToString())


def chunks(stream: bytes) -> list[bytes]:
    return [stream[i : i + CHUNK_BYTES] for i in range(0, len(stream), CHUNK_BYTES)]


def best_of(repeat: int, run: Callable[[], int]) -> tuple[float, int]:
    best = float("inf")
    count = 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = run()
        best = min(best, time.perf_counter() - start)
    return best, count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    stream = registration() + b"".join(detection(i) for i in range(args.reports))
    pieces = chunks(stream)
    sensor = Sensor(sensor_id="bench", kind="radar", lat_deg=51.47, lon_deg=-0.45, alt_m=20.0)

    def framing_only() -> int:
        reader = FrameReader("bench", lambda e: None)
        return sum(len(reader.feed_data(piece)) for piece in pieces)

    def framing_and_protobuf() -> int:
        reader = FrameReader("bench", lambda e: None)
        return sum(len([parse_message(f.payload) for f in reader.feed_data(piece)]) for piece in pieces)

    def framing_protobuf_checks() -> int:
        reader = FrameReader("bench", lambda e: None)
        count = 0
        for piece in pieces:
            for f in reader.feed_data(piece):
                count += not problems(parse_message(f.payload))
        return count

    def decoder() -> int:
        decoding = SapientDecoder(sensor)
        found = sum(len(decoding.decode(piece, float(T0_S))) for piece in pieces)
        assert decoding.stats.errors == 0, decoding.stats.last_error
        return found

    megabytes = len(stream) / 1e6
    print(f"SAPIENT decode: {args.reports} detection reports, {megabytes:.2f} MB, best of {args.repeat} runs")
    print(f"{'stage':<34} {'reports/s':>12} {'us/report':>10} {'MB/s':>8}")
    for name, run in (
        ("framing", framing_only),
        ("framing + protobuf", framing_and_protobuf),
        ("framing + protobuf + ICD checks", framing_protobuf_checks),
        ("SapientDecoder -> Detection", decoder),
    ):
        seconds, count = best_of(args.repeat, run)
        assert count >= args.reports, f"{name}: {count} of {args.reports}"
        rate = args.reports / seconds
        print(f"{name:<34} {rate:>12,.0f} {1e6 / rate:>10.2f} {megabytes / seconds:>8.1f}")


if __name__ == "__main__":
    main()
