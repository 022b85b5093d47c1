"""The JSON Lines feed decoder: CONTRACT.md detection lines from a custom sensor."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.model import Detection, Sensor
from raqib.recorder.contract import encode_line
from raqib.sensors.base import DECODERS, DecodeError, FramingError, UnsupportedError
from raqib.sensors.jsonl import JsonlDecoder
from tests.fuzz import run_fuzz_target

SENSOR = Sensor(sensor_id="cam-1", kind="eo", lat_deg=51.5, lon_deg=-0.1, alt_m=20.0)


def detection_line(time_s: float, sensor: str = "cam-1", **fields: object) -> bytes:
    obj = {"type": "detection", "time": time_s, "sensor": sensor, "azimuth_deg": 45.0, **fields}
    return json.dumps(obj).encode() + b"\n"


def decode_all(decoder: JsonlDecoder, chunks: list[bytes]) -> list[Detection]:
    out: list[Detection] = []
    for chunk in chunks:
        out.extend(decoder.decode(chunk, 1.0e9))
    return out


def test_registered_as_jsonl() -> None:
    assert DECODERS["jsonl"] is JsonlDecoder


def test_every_measurement_form_and_optional_field_is_read() -> None:
    stream = (
        detection_line(10.0, range_m=1200.0, elevation_deg=3.0, sigma_range_m=5.0, rcs_dbsm=-20.0)
        + detection_line(10.5, id="1581F5FJD239C00DW22E", class_hint="drone")
        + b'{"type":"detection","time":11,"sensor":"cam-1","lat":51.6,"lon":-0.2,"alt":120,'
        b'"vel_e":3,"vel_n":-1,"vel_u":0.5,"callsign":"SURV1"}\n'
    )
    polar, bearing, position = JsonlDecoder(SENSOR).decode(stream, 0.0)
    assert (
        polar.is_polar and polar.range_m == 1200.0 and polar.sigma_range_m == 5.0 and polar.rcs_dbsm == -20.0
    )
    assert bearing.is_bearing and bearing.identity == "1581F5FJD239C00DW22E" and bearing.class_hint == "drone"
    assert position.is_position and (position.lat_deg, position.lon_deg, position.alt_m) == (
        51.6,
        -0.2,
        120.0,
    )
    assert (position.vel_e_ms, position.vel_n_ms, position.vel_u_ms) == (3.0, -1.0, 0.5)
    assert position.callsign == "SURV1"
    assert [d.time_s for d in (polar, bearing, position)] == [10.0, 10.5, 11.0]


def test_a_line_split_across_reads_is_joined() -> None:
    line = detection_line(5.0, range_m=900.0)
    decoder = JsonlDecoder(SENSOR)
    assert decoder.decode(line[:17], 0.0) == []
    assert decoder.decode(line[17:40], 0.0) == []
    (detection,) = decoder.decode(line[40:], 0.0)
    assert detection.range_m == 900.0
    assert decoder.stats.errors == 0


def test_non_detection_lines_are_counted_and_skipped() -> None:
    stream = (
        b'{"type":"site","lat":51.5,"lon":-0.1,"alt":20}\n'
        b'{"type":"sensor","id":"cam-1","kind":"eo","lat":51.5,"lon":-0.1,"alt":20}\n'
        + detection_line(1.0)
        + b'{"type":"truth","time":1,"id":"t1","lat":51.5,"lon":-0.1,"alt":100}\n'
    )
    decoder = JsonlDecoder(SENSOR)
    assert len(decoder.decode(stream, 0.0)) == 1
    assert decoder.skipped_by_type == {"site": 1, "sensor": 1, "truth": 1}
    assert decoder.stats.errors == 0


def test_bad_lines_are_reported_with_line_and_byte_and_the_good_ones_kept() -> None:
    errors: list[DecodeError] = []
    good = detection_line(1.0)
    stream = good + b"not json\n" + good + b'{"type":"detection","time":2,"sensor":"cam-1"}\n' + good
    decoder = JsonlDecoder(SENSOR, on_error=errors.append)
    assert len(decoder.decode(stream, 0.0)) == 3
    assert [type(e) for e in errors] == [FramingError, FramingError]
    assert errors[0].offset == len(good)
    assert "line 2" in errors[0].reason and "not valid JSON" in errors[0].reason
    assert errors[1].offset == 2 * len(good) + len(b"not json\n")
    assert "line 4" in errors[1].reason and "no measurement" in errors[1].reason
    assert decoder.stats.errors == 2 and decoder.stats.errors_by_kind == {"FramingError": 2}


def test_a_detection_of_another_sensor_is_refused_unless_listed() -> None:
    errors: list[DecodeError] = []
    stream = detection_line(1.0, sensor="cam-2") + detection_line(2.0)
    assert [d.sensor_id for d in JsonlDecoder(SENSOR, on_error=errors.append).decode(stream, 0.0)] == [
        "cam-1"
    ]
    assert isinstance(errors[0], UnsupportedError) and "cam-2" in errors[0].reason
    listed = JsonlDecoder(SENSOR, sensors=["cam-2"]).decode(stream, 0.0)
    assert [d.sensor_id for d in listed] == ["cam-2", "cam-1"]


def test_stream_mode_waits_for_the_newline_datagram_mode_does_not() -> None:
    line = detection_line(3.0).rstrip(b"\n")
    stream = JsonlDecoder(SENSOR)
    assert stream.decode(line, 0.0) == []
    assert len(stream.decode(b"\n", 0.0)) == 1
    datagrams = JsonlDecoder(SENSOR, datagrams=True)
    assert len(datagrams.decode(line, 0.0)) == 1
    assert len(datagrams.decode(line + b"\n" + line, 0.0)) == 2


def test_the_last_line_of_a_stream_needs_no_newline() -> None:
    """A sender that writes its last record and closes: the stream's end ends the line. Its
    error, if it is not a record, is reported at its byte on the feed."""
    first, last = detection_line(1.0), detection_line(2.0, range_m=50.0).rstrip(b"\n")
    decoder = JsonlDecoder(SENSOR)
    assert len(decoder.decode(first + last[:25], 0.0)) == 1
    assert decoder.decode(last[25:], 0.0) == []
    (detection,) = decoder.finish(0.0)
    assert detection.time_s == 2.0 and detection.range_m == 50.0
    assert decoder.finish(0.0) == []  # nothing is held twice
    errors: list[DecodeError] = []
    broken = JsonlDecoder(SENSOR, on_error=errors.append)
    broken.decode(first + b'{"type": "detec', 0.0)
    assert broken.finish(0.0) == []
    (error,) = errors
    assert error.offset == len(first) and "line 2" in error.reason


def test_an_overlong_last_line_being_discarded_stays_discarded_at_the_end() -> None:
    decoder = JsonlDecoder(SENSOR, max_line_bytes=200)
    decoder.decode(b'{"type":"detection",' + b" " * 300, 0.0)
    decoder.decode(b'"tail": 1}', 0.0)
    assert decoder.finish(0.0) == []
    assert decoder.stats.errors == 1


def test_a_broken_datagram_does_not_spoil_the_next() -> None:
    errors: list[DecodeError] = []
    decoder = JsonlDecoder(SENSOR, datagrams=True, on_error=errors.append)
    assert decoder.decode(detection_line(1.0)[:30], 0.0) == []
    assert len(decoder.decode(detection_line(2.0), 0.0)) == 1
    assert len(errors) == 1


def test_crlf_and_blank_lines() -> None:
    stream = detection_line(1.0).replace(b"\n", b"\r\n") + b"\r\n\n   \n" + detection_line(2.0)
    decoder = JsonlDecoder(SENSOR)
    assert len(decoder.decode(stream, 0.0)) == 2
    assert decoder.stats.errors == 0


def test_an_overlong_line_is_discarded_up_to_its_newline() -> None:
    errors: list[DecodeError] = []
    decoder = JsonlDecoder(SENSOR, max_line_bytes=200, on_error=errors.append)
    assert decoder.decode(b'{"type":"detection",' + b" " * 300, 0.0) == []
    assert decoder.decode(b" " * 300, 0.0) == []
    (detection,) = decoder.decode(b'"more": 1}\n' + detection_line(7.0), 0.0)
    assert detection.time_s == 7.0
    assert len(errors) == 1 and "longer than 200 bytes" in errors[0].reason


def test_a_recording_written_by_the_contract_writer_reads_back() -> None:
    written = [
        Detection(
            time_s=1.0 + i / 4,
            sensor_id="cam-1",
            azimuth_deg=10.0 * i,
            elevation_deg=2.0,
            sigma_azimuth_deg=0.5,
            class_hint="drone",
            class_confidence=0.75,
        )
        for i in range(20)
    ]
    stream = b"".join(encode_line(d) for d in written)
    assert JsonlDecoder(SENSOR).decode(stream, 0.0) == written


detections = st.builds(
    Detection,
    time_s=st.floats(0, 2e9),
    sensor_id=st.just("cam-1"),
    azimuth_deg=st.floats(0, 360),
    range_m=st.none() | st.floats(0, 1e5),
    elevation_deg=st.none() | st.floats(-90, 90),
    identity=st.none() | st.text(max_size=12),
)


@given(st.lists(detections, max_size=12), st.lists(st.integers(0, 4000), max_size=8), st.booleans())
def test_any_split_of_a_stream_gives_the_same_detections(
    written: list[Detection], cuts: list[int], crlf: bool
) -> None:
    stream = b"".join(encode_line(d) for d in written)
    if crlf:
        stream = stream.replace(b"\n", b"\r\n")
    points = sorted(c for c in cuts if c <= len(stream))
    chunks = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    decoder = JsonlDecoder(SENSOR)
    assert decode_all(decoder, chunks) == written
    assert decoder.stats.errors == 0


@given(st.lists(detections, min_size=1, max_size=6), st.lists(st.binary(max_size=60), min_size=1, max_size=6))
def test_garbage_lines_never_lose_the_good_lines_around_them(
    written: list[Detection], garbage: list[bytes]
) -> None:
    lines = []
    junk_lines = 0
    for i, detection in enumerate(written):
        lines.append(encode_line(detection))
        junk = garbage[i % len(garbage)].replace(b"\n", b"")
        junk_lines += bool(junk.rstrip(b"\r").strip())
        lines.append(junk + b"\n")
    decoder = JsonlDecoder(SENSOR)
    out = decoder.decode(b"".join(lines), 0.0)
    assert [d for d in out if d in written] == written
    # every non-blank garbage line is accounted for: an error, a skipped line, or (by a miracle) a detection
    accounted = decoder.stats.errors + sum(decoder.skipped_by_type.values()) + len(out) - len(written)
    assert accounted == junk_lines


@settings(max_examples=200)
@given(st.binary(max_size=600), st.booleans(), st.integers(0, 600))
def test_arbitrary_bytes_never_raise(data: bytes, datagrams: bool, cut: int) -> None:
    decoder = JsonlDecoder(SENSOR, datagrams=datagrams, max_line_bytes=100)
    out = decoder.decode(data[:cut], 0.0) + decoder.decode(data[cut:], 0.0)
    assert all(d.sensor_id == "cam-1" for d in out)
    assert decoder.stats.chunks == 2 and decoder.stats.bytes == len(data)


def test_the_fuzz_target_runs_clean(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "seed0").write_bytes(
        b"\x00\x01\x00" + detection_line(1.0) + detection_line(2.0, sensor="cam-2")
    )
    (corpus / "seed1").write_bytes(b"\x01" + b'{"type":"sensor","id":"x"}\n{"type":"detection"')
    run_fuzz_target("jsonl", corpus, runs=3000, seed=11)
