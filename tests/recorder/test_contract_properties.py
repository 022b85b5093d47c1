"""Property-based tests of the contract reader and writer (Hypothesis), and its fuzz target."""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raqib.model import Detection, Sensor, Site, Track, Truth
from raqib.recorder.contract import (
    ContractError,
    parse_line,
    read_recording,
    to_contract_dict,
    write_recording,
)
from tests.fuzz import run_fuzz_target

finite = st.floats(allow_nan=False, allow_infinity=False)
altitude = st.floats(-11_000.0, 1_000_000.0)
speed = st.floats(-100_000.0, 100_000.0)
maybe = lambda strategy: st.none() | strategy  # noqa: E731
latitude = st.floats(-90.0, 90.0)
longitude = st.floats(-180.0, 180.0)
non_negative = st.floats(0.0, 1e9)
probability = st.floats(0.0, 1.0)
name = st.text(max_size=12)

sites = st.builds(Site, lat_deg=latitude, lon_deg=longitude, alt_m=altitude, name=name)
sensors = st.builds(
    Sensor,
    sensor_id=name,
    kind=st.sampled_from(["radar", "rf", "adsb", "remoteid", "eo"]),
    lat_deg=latitude,
    lon_deg=longitude,
    alt_m=altitude,
    sigma_range_m=maybe(non_negative),
    sigma_azimuth_deg=maybe(non_negative),
    sigma_elevation_deg=maybe(non_negative),
    sigma_h_m=maybe(non_negative),
    sigma_v_m=maybe(non_negative),
    pd=maybe(probability),
    clutter_rate=maybe(non_negative),
    max_range_m=maybe(st.floats(0.0, 1e7)),
    period_s=maybe(st.floats(1e-3, 1e4)),
)
_detection_common = {
    "time_s": finite,
    "sensor_id": name,
    "range_rate_ms": maybe(speed),
    "vel_e_ms": maybe(speed),
    "vel_n_ms": maybe(speed),
    "vel_u_ms": maybe(speed),
    "sigma_range_m": maybe(non_negative),
    "sigma_azimuth_deg": maybe(non_negative),
    "identity": maybe(name),
    "callsign": maybe(name),
    "rcs_dbsm": maybe(finite),
    "class_hint": maybe(name),
    "class_confidence": maybe(probability),
    "operator_lat_deg": maybe(latitude),
    "operator_lon_deg": maybe(longitude),
    "time_source": st.sampled_from(["sensor", "receive"]),
}
detections = st.one_of(
    st.builds(
        Detection,
        range_m=st.floats(0.0, 1e7),
        azimuth_deg=finite,
        elevation_deg=maybe(finite),
        **_detection_common,
    ),
    st.builds(Detection, azimuth_deg=finite, elevation_deg=maybe(finite), **_detection_common),
    st.builds(Detection, lat_deg=latitude, lon_deg=longitude, alt_m=altitude, **_detection_common),
)
truths = st.builds(
    Truth,
    time_s=finite,
    target_id=name,
    lat_deg=latitude,
    lon_deg=longitude,
    alt_m=altitude,
    vel_e_ms=speed,
    vel_n_ms=speed,
    vel_u_ms=speed,
    target_class=maybe(st.sampled_from(["drone", "bird", "rocket"])),
)
tracks = st.builds(
    Track,
    time_s=finite,
    track_id=st.integers(0, 2**63 - 1),
    lat_deg=latitude,
    lon_deg=longitude,
    alt_m=altitude,
    east_m=st.just(math.nan),
    north_m=st.just(math.nan),
    up_m=st.just(math.nan),
    vel_e_ms=speed,
    vel_n_ms=speed,
    vel_u_ms=speed,
    cov_enu=st.just(()) | st.tuples(*[finite] * 36),
    target_class=st.sampled_from(["drone", "bird", "aircraft", "rocket", "unknown"]),
    class_probs=st.dictionaries(name, probability, max_size=4),
    sources=st.lists(name, max_size=3).map(tuple),
    identity=maybe(name),
    callsign=maybe(name),
    ballistic=st.booleans(),
    authorised=st.booleans(),
    spoofing_suspected=st.booleans(),
    first_detection_time_s=maybe(finite),
    hits=st.integers(0, 10**6),
)
records = st.one_of(sites, sensors, detections, truths, tracks)


def encoded(record: object) -> bytes:
    """NaN-tolerant identity of a record (a track's east/north/up are NaN without a site)."""
    return msgspec.json.encode(record)


@given(records)
def test_every_valid_record_round_trips_exactly(record) -> None:
    stream = io.StringIO()
    write_recording(stream, [record])
    line = stream.getvalue()
    assert line.endswith("\n") and line.count("\n") == 1
    back = parse_line(line, 1)
    assert type(back) is type(record)
    assert encoded(back) == encoded(record)
    assert next(iter(to_contract_dict(record))) == "type"


@given(st.text())
def test_random_text_never_raises_anything_but_contract_error(line: str) -> None:
    try:
        parse_line(line, 3)
    except ContractError as error:
        assert error.line_number == 3 and error.reason


@given(st.binary())
def test_random_bytes_never_raise_anything_but_contract_error(line: bytes) -> None:
    try:
        parse_line(line, 3)
    except ContractError as error:
        assert error.line_number == 3 and error.reason


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
contract_keys = st.sampled_from(
    [
        "time",
        "sensor",
        "id",
        "lat",
        "lon",
        "alt",
        "range_m",
        "azimuth_deg",
        "elevation_deg",
        "vel_e",
        "vel_n",
        "vel_u",
        "cov_enu",
        "class_p",
        "sources",
        "kind",
        "pd",
        "hits",
        "name",
    ]
)


@given(
    st.sampled_from(["site", "sensor", "detection", "truth", "track", "alert"]),
    st.dictionaries(contract_keys, json_values, max_size=12),
)
def test_random_objects_with_a_type_never_raise_anything_but_contract_error(kind: str, fields: dict) -> None:
    line = json.dumps({"type": kind, **fields}, allow_nan=False) if _finite(fields) else "{}"
    with contextlib.suppress(ContractError):
        parse_line(line, 1)


def _finite(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def _is_junk(line: str) -> bool:
    if "\n" in line or "\r" in line or not line.strip():
        return False
    try:
        parse_line(line, 1)
    except ContractError:
        return True
    return False


@settings(suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow], max_examples=60)
@given(
    st.lists(
        records.map(lambda r: ("good", r)) | st.text(min_size=1).filter(_is_junk).map(lambda t: ("bad", t)),
        max_size=20,
    )
)
def test_reading_keeps_every_good_line_and_reports_every_bad_one(mixed: list) -> None:
    text = ""
    bad_numbers = []
    for number, (kind, item) in enumerate(mixed, 1):
        if kind == "good":
            stream = io.StringIO()
            write_recording(stream, [item])
            text += stream.getvalue()
        else:
            text += item + "\n"
            bad_numbers.append(number)
    errors: list[ContractError] = []
    back = list(read_recording(io.StringIO(text), errors.append))
    assert [e.line_number for e in errors] == bad_numbers
    good = [item for kind, item in mixed if kind == "good"]
    assert [to_contract_dict(r) for r in back] == [to_contract_dict(r) for r in good]


def test_the_fuzz_target_runs_clean(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds = [
        '{"type":"site","lat":33.26,"lon":44.23,"alt":35}',
        '{"type":"detection","time":1,"sensor":"r","range_m":100,"azimuth_deg":10,"elevation_deg":1}',
        '{"type":"track","time":1,"id":1,"lat":1,"lon":2,"alt":3,"vel_e":0,"vel_n":0,"vel_u":0,"class_p":{}}',
        '{"type":"truth","time":1,"id":"a","lat":1,"lon":2,"alt":3}\n{"type":"track"}',
    ]
    for i, seed in enumerate(seeds):
        (corpus / f"seed{i}").write_text(seed)
    run_fuzz_target("contract", corpus, runs=3000, seed=7)
