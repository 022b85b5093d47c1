"""The "sapient" Decoder: framed SAPIENT bytes from a file or stream -> Detections."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.model import Sensor
from raqib.sensors.base import DECODERS, DecodeError, TruncatedError
from raqib.sensors.sapient.decoder import SapientDecoder
from raqib.sensors.sapient.errors import DataWarning, MessageError
from tests.sensors.sapient import builders
from tests.sensors.sapient.builders import RADAR_ID, T0, frame

FEED_SENSOR = Sensor(sensor_id="sapient-feed", kind="other", lat_deg=0.0, lon_deg=0.0, alt_m=0.0)


def recording() -> bytes:
    return b"".join(
        frame(m)
        for m in (
            builders.registration(),
            builders.status(),
            builders.detection(time_s=T0),
            builders.detection(time_s=T0 + 1, lat_deg=51.481),
            builders.range_bearing_detection(),
        )
    )


def test_the_decoder_is_registered_as_sapient() -> None:
    assert DECODERS["sapient"] is SapientDecoder
    assert SapientDecoder.format_name == "sapient"


def test_a_recorded_file_decodes_read_by_read(tmp_path: Path) -> None:
    path = tmp_path / "node.sapient"
    path.write_bytes(recording())
    decoder = SapientDecoder(FEED_SENSOR, feed="file:node.sapient")
    detections = []
    with path.open("rb") as stream:
        while chunk := stream.read(100):
            detections += decoder.decode(chunk, T0 + 5)
    decoder.finish(T0 + 5)
    assert [d.lat_deg for d in detections] == [51.48, 51.481, None]
    assert [d.time_s for d in detections[:2]] == [T0, T0 + 1]
    assert all(d.sensor_id == f"sapient:{RADAR_ID}" for d in detections)
    assert decoder.stats.records == 5
    assert decoder.stats.detections == 3
    assert decoder.stats.errors == 0
    status = decoder.registry.get(RADAR_ID)
    assert status is not None and status.registered and not status.connected


def test_errors_carry_the_feed_and_the_offset_of_the_bad_frame() -> None:
    errors: list[DecodeError] = []
    decoder = SapientDecoder(FEED_SENSOR, feed="capture", on_error=errors.append)
    bad = builders.detection()
    bad.detection_report.ClearField("object_id")
    good_part = recording()
    detections = decoder.decode(good_part, T0) + decoder.decode(
        frame(bad) + frame(builders.detection())[:10], T0
    )
    decoder.finish(T0)
    assert len(detections) == 3
    assert [type(e) for e in errors] == [MessageError, TruncatedError]
    assert errors[0].feed == "capture"
    assert errors[0].offset == len(good_part)
    assert errors[1].offset == len(good_part) + len(frame(bad))
    assert decoder.stats.errors == 2
    assert decoder.stats.errors_by_kind == {"MessageError": 1, "TruncatedError": 1}


def test_a_recording_that_starts_after_registration_is_still_read() -> None:
    errors: list[DecodeError] = []
    decoder = SapientDecoder(FEED_SENSOR, on_error=errors.append)
    detections = decoder.decode(frame(builders.detection()) + frame(builders.detection()), T0)
    assert len(detections) == 2
    assert [type(e) for e in errors] == [DataWarning]


@settings(max_examples=200)
@given(st.lists(st.binary(max_size=200), max_size=6))
def test_any_bytes_never_raise_and_every_error_is_counted(chunks: list[bytes]) -> None:
    errors: list[DecodeError] = []
    decoder = SapientDecoder(FEED_SENSOR, on_error=errors.append)
    decoder.decode(recording()[:60], T0)
    for chunk in chunks:
        decoder.decode(chunk, T0)
    decoder.finish(T0)
    assert decoder.stats.errors == len(errors)
    assert not any(e.reason.startswith("decoder failed") for e in errors)
