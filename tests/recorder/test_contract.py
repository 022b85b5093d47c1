"""The recording contract: every record type round-trips, and bad lines are reported and skipped."""

from __future__ import annotations

import io
import json
import math
import sys
from pathlib import Path

import msgspec
import pytest

from raqib.geo import geodetic_to_enu
from raqib.model import Detection, Sensor, Site, Track, Truth
from raqib.recorder.contract import (
    ContractError,
    Record,
    RecordingWriter,
    from_contract_dict,
    parse_line,
    read_recording,
    to_contract_dict,
    write_recording,
)

SITE = Site(lat_deg=33.2625, lon_deg=44.2346, alt_m=35.0, name="ORBI")
RADAR = Sensor(
    sensor_id="radar-1",
    kind="radar",
    lat_deg=33.2581,
    lon_deg=44.2553,
    alt_m=47.5,
    sigma_range_m=7.5,
    sigma_azimuth_deg=0.3,
    sigma_elevation_deg=0.4,
    pd=0.92,
    clutter_rate=4.0,
    max_range_m=15000.0,
    period_s=1.0,
)
POLAR = Detection(
    time_s=12.5,
    sensor_id="radar-1",
    range_m=4210.25,
    azimuth_deg=301.5,
    elevation_deg=2.125,
    range_rate_ms=-33.5,
    rcs_dbsm=-17.0,
)
BEARING = Detection(time_s=12.5, sensor_id="rf-1", azimuth_deg=299.0, sigma_azimuth_deg=2.0)
POSITION = Detection(
    time_s=13.0,
    sensor_id="rid-1",
    lat_deg=33.27,
    lon_deg=44.22,
    alt_m=95.0,
    vel_e_ms=4.0,
    vel_n_ms=-1.5,
    vel_u_ms=0.25,
    identity="1581F5FKD229400BA0ZC",
    callsign="BIAP-INSPECT",
    operator_lat_deg=33.2601,
    operator_lon_deg=44.2299,
    class_hint="drone",
    class_confidence=0.75,
    sigma_h_m=3.0,
    sigma_v_m=4.0,
    sigma_vel_ms=0.5,
)
TRUTH = Truth(
    time_s=13.0,
    target_id="hostile-1",
    lat_deg=33.31,
    lon_deg=44.30,
    alt_m=180.0,
    vel_e_ms=-30.0,
    vel_n_ms=-12.0,
    vel_u_ms=-0.5,
    target_class="drone",
)
TRACK = Track(
    time_s=13.0,
    track_id=42,
    lat_deg=33.31,
    lon_deg=44.30,
    alt_m=180.0,
    east_m=math.nan,
    north_m=math.nan,
    up_m=math.nan,
    vel_e_ms=-29.0,
    vel_n_ms=-11.5,
    vel_u_ms=0.0,
    cov_enu=tuple(float(i) / 7 for i in range(36)),
    target_class="drone",
    class_probs={"drone": 0.8, "bird": 0.2},
    sources=("radar-1", "rf-1"),
    identity=None,
    callsign="X1",
    ballistic=True,
    authorised=True,
    spoofing_suspected=True,
    first_detection_time_s=3.0,
    hits=11,
)
RECORDS: list[Record] = [SITE, RADAR, POLAR, BEARING, POSITION, TRUTH, TRACK]


def same(a: object, b: object) -> bool:
    """Equality where NaN equals NaN (a track's east/north/up without a site)."""
    return bool(msgspec.json.encode(a) == msgspec.json.encode(b)) and type(a) is type(b)


def lines_of(records: list) -> list[str]:
    stream = io.StringIO()
    write_recording(stream, records)
    return stream.getvalue().splitlines()


class Collect(list[ContractError]):
    def __call__(self, error: ContractError) -> None:
        self.append(error)


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_every_record_type_round_trips_through_one_line(record) -> None:
    (line,) = lines_of([record])
    assert same(parse_line(line, 1), record)
    assert same(from_contract_dict(json.loads(line)), record)


def test_a_whole_recording_round_trips_through_a_file(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    assert write_recording(path, RECORDS) == len(RECORDS)
    errors = Collect()
    back = list(read_recording(path, errors))
    assert errors == []
    assert [type(r) for r in back] == [type(r) for r in RECORDS]
    assert all(same(a, b) for a, b in zip(back[:-1], RECORDS[:-1], strict=True))
    # the recording's site line is known when the track is read: east/north/up come from it
    e, n, u = geodetic_to_enu(TRACK.lat_deg, TRACK.lon_deg, TRACK.alt_m, SITE)
    track = back[-1]
    assert isinstance(track, Track)
    assert (track.east_m, track.north_m, track.up_m) == pytest.approx(
        (float(e), float(n), float(u)), abs=1e-6
    )
    assert same(msgspec.structs.replace(track, east_m=math.nan, north_m=math.nan, up_m=math.nan), TRACK)


def test_lines_use_the_contract_names_with_type_first_and_no_nulls() -> None:
    site, radar, polar, bearing, position, truth, track = (json.loads(x) for x in lines_of(RECORDS))
    assert list(site) == ["type", "lat", "lon", "alt", "name"]
    assert radar["id"] == "radar-1" and radar["kind"] == "radar" and radar["sigma_range_m"] == 7.5
    assert list(polar) == [
        "type",
        "time",
        "sensor",
        "range_m",
        "azimuth_deg",
        "elevation_deg",
        "range_rate_ms",
        "rcs_dbsm",
    ]
    assert bearing == {
        "type": "detection",
        "time": 12.5,
        "sensor": "rf-1",
        "azimuth_deg": 299.0,
        "sigma_azimuth_deg": 2.0,
    }
    assert position["id"] == "1581F5FKD229400BA0ZC" and position["vel_u"] == 0.25
    assert position["operator_lat"] == 33.2601
    assert truth["id"] == "hostile-1" and truth["class"] == "drone"
    assert track["id"] == 42 and track["class_p"] == {"drone": 0.8, "bird": 0.2}
    assert len(track["cov_enu"]) == 36 and track["sources"] == ["radar-1", "rf-1"]
    assert "east_m" not in track and "east" not in track
    for obj in (site, radar, polar, bearing, position, truth, track):
        assert next(iter(obj)) == "type"
        assert None not in obj.values()


def test_to_contract_dict_matches_the_written_line() -> None:
    for record, line in zip(RECORDS, lines_of(RECORDS), strict=True):
        assert to_contract_dict(record) == json.loads(line)
        assert list(to_contract_dict(record)) == list(json.loads(line))


def test_defaults_are_left_out_and_come_back() -> None:
    plain = Track(
        time_s=1.0,
        track_id=1,
        lat_deg=33.0,
        lon_deg=44.0,
        alt_m=0.0,
        east_m=math.nan,
        north_m=math.nan,
        up_m=math.nan,
        vel_e_ms=0.0,
        vel_n_ms=0.0,
        vel_u_ms=0.0,
    )
    obj = to_contract_dict(plain)
    assert set(obj) == {"type", "time", "id", "lat", "lon", "alt", "vel_e", "vel_n", "vel_u", "class"}
    assert same(parse_line(json.dumps(obj), 1), plain)
    assert to_contract_dict(Site(lat_deg=1.0, lon_deg=2.0, alt_m=3.0)) == {
        "type": "site",
        "lat": 1.0,
        "lon": 2.0,
        "alt": 3.0,
    }


def test_absent_optional_fields_take_the_model_defaults() -> None:
    truth = parse_line('{"type":"truth","time":1,"id":"b1","lat":33,"lon":44,"alt":40}', 1)
    assert truth == Truth(time_s=1.0, target_id="b1", lat_deg=33.0, lon_deg=44.0, alt_m=40.0)
    track = parse_line(
        '{"type":"track","time":1,"id":3,"lat":33,"lon":44,"alt":40,"vel_e":1,"vel_n":2,"vel_u":0}', 1
    )
    assert isinstance(track, Track)
    assert track.target_class == "unknown" and track.cov_enu == () and track.class_probs == {}
    assert math.isnan(track.east_m) and math.isnan(track.north_m) and math.isnan(track.up_m)


def test_tracks_get_east_north_up_from_a_site_passed_in() -> None:
    line = lines_of([TRACK])[0]
    track = parse_line(line, 1, site=SITE)
    assert isinstance(track, Track)
    e, n, u = geodetic_to_enu(TRACK.lat_deg, TRACK.lon_deg, TRACK.alt_m, SITE)
    assert (track.east_m, track.north_m, track.up_m) == pytest.approx((float(e), float(n), float(u)))
    (read,) = list(read_recording(io.StringIO(line + "\n"), site=SITE))
    assert isinstance(read, Track) and read.east_m == pytest.approx(float(e))


def test_unknown_fields_are_ignored() -> None:
    line = (
        '{"type":"detection","time":1.5,"sensor":"r","range_m":10,"azimuth_deg":5,"snr_db":17,'
        '"future":{"nested":[1,2]}}'
    )
    assert parse_line(line, 1) == Detection(time_s=1.5, sensor_id="r", range_m=10.0, azimuth_deg=5.0)


def test_floats_round_trip_exactly() -> None:
    odd = Detection(
        time_s=1640403000.123456,
        sensor_id="r",
        range_m=0.1 + 0.2,
        azimuth_deg=1e-300,
        elevation_deg=-0.0,
        rcs_dbsm=-1.7976931348623157e308,
    )
    assert parse_line(lines_of([odd])[0], 1) == odd


def test_records_keep_file_order_across_batched_tracks(tmp_path: Path) -> None:
    tracks = [msgspec.structs.replace(TRACK, time_s=float(i // 3), track_id=i) for i in range(3000)]
    records: list = [SITE]
    for i, track in enumerate(tracks):
        records.append(track)
        if i % 5 == 0:
            records.append(msgspec.structs.replace(POLAR, time_s=track.time_s))
    path = tmp_path / "tracks.jsonl"
    write_recording(path, records)
    from_file = list(read_recording(path))
    from_stream = list(read_recording(io.StringIO(path.read_text())))
    assert [to_contract_dict(r) for r in from_file] == [to_contract_dict(r) for r in records]
    assert [to_contract_dict(r) for r in from_stream] == [to_contract_dict(r) for r in records]
    assert all(not math.isnan(r.east_m) for r in from_file if isinstance(r, Track))


def test_writer_counts_lines_and_writes_to_binary_streams() -> None:
    stream = io.BytesIO()
    writer = RecordingWriter(stream)
    for record in RECORDS:
        writer.write(record)
    assert writer.lines_written == len(RECORDS)
    assert stream.getvalue().count(b"\n") == len(RECORDS)
    assert len(list(read_recording(io.BytesIO(stream.getvalue())))) == len(RECORDS)


def test_dash_means_standard_output_and_input(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    write_recording("-", RECORDS[:3])
    written = capsys.readouterr().out
    assert written.count("\n") == 3
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(written.encode())))
    assert list(read_recording("-")) == RECORDS[:3]


def test_a_non_record_cannot_be_written() -> None:
    with pytest.raises(TypeError):
        to_contract_dict("not a record")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- bad lines

GOOD = '{"type":"detection","time":1,"sensor":"r","range_m":100,"azimuth_deg":10}'
BAD_LINES = {
    "not JSON": ('{"type": "detection", "time": 1,', "not valid JSON"),
    "not an object": ("[1, 2, 3]", "not a JSON object (got array)"),
    "a string": ('"detection"', "not a JSON object (got str)"),
    "no type": ('{"time": 1, "sensor": "r", "azimuth_deg": 3}', "lacks `type`"),
    "unknown type": ('{"type": "alert", "time": 1}', "unknown type 'alert'"),
    "missing field": (
        '{"type": "detection", "sensor": "r", "azimuth_deg": 3}',
        "detection line lacks required field `time`",
    ),
    "wrong type": (
        '{"type": "truth", "time": 1, "id": "a", "lat": "33.2", "lon": 44, "alt": 3}',
        "truth line, field `lat`: expected `float`, got `str`",
    ),
    "bool for float": (
        '{"type": "detection", "time": true, "sensor": "r", "azimuth_deg": 3}',
        "field `time`: expected `float`, got `bool`",
    ),
    "latitude out of range": ('{"type": "site", "lat": 95, "lon": 44, "alt": 3}', "field `lat`"),
    "negative range": (
        '{"type": "detection", "time": 1, "sensor": "r", "range_m": -5, "azimuth_deg": 3}',
        "field `range_m`",
    ),
    "probability above one": (
        '{"type": "sensor", "id": "r", "kind": "radar", "lat": 1, "lon": 2, "alt": 3, "pd": 1.5}',
        "field `pd`",
    ),
    "no measurement": ('{"type": "detection", "time": 1, "sensor": "r"}', "no measurement"),
    "range without azimuth": (
        '{"type": "detection", "time": 1, "sensor": "r", "range_m": 5}',
        "`range_m` without `azimuth_deg`",
    ),
    "partial position": (
        '{"type": "detection", "time": 1, "sensor": "r", "lat": 33, "lon": 44}',
        "needs all of `lat`, `lon` and `alt`",
    ),
    "short covariance": (
        '{"type": "track", "time": 1, "id": 1, "lat": 1, "lon": 2, "alt": 3, "vel_e": 0, '
        '"vel_n": 0, "vel_u": 0, "cov_enu": [1, 2, 3]}',
        "field `cov_enu`",
    ),
    "fractional track id": (
        '{"type": "track", "time": 1, "id": 1.5, "lat": 1, "lon": 2, "alt": 3, '
        '"vel_e": 0, "vel_n": 0, "vel_u": 0}',
        "field `id`: expected `int`",
    ),
    "NaN": ('{"type": "detection", "time": NaN, "sensor": "r", "azimuth_deg": 3}', "not valid JSON"),
    "overflow": ('{"type": "detection", "time": 1e999, "sensor": "r", "azimuth_deg": 3}', "out of range"),
    "null required": (
        '{"type": "truth", "time": 1, "id": "a", "lat": null, "lon": 44, "alt": 3}',
        "field `lat`",
    ),
}


@pytest.mark.parametrize("name", list(BAD_LINES))
def test_a_bad_line_is_reported_with_its_number_and_the_lines_around_it_are_kept(name: str) -> None:
    bad, why = BAD_LINES[name]
    text = "\n".join([GOOD, GOOD, bad, GOOD]) + "\n"
    errors = Collect()
    records = list(read_recording(io.StringIO(text), errors))
    assert len(records) == 3
    assert [e.line_number for e in errors] == [3]
    assert why in errors[0].reason
    with pytest.raises(ContractError) as raised:
        parse_line(bad, 17)
    assert raised.value.line_number == 17 and why in raised.value.reason
    assert str(raised.value).startswith("line 17: ")


def test_bad_lines_go_to_standard_error_by_default(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([GOOD, "{oops", GOOD, '{"type": "alert"}', GOOD]) + "\n")
    assert len(list(read_recording(path))) == 3
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{path}:2: not valid JSON")
    assert err[1].startswith(f"{path}:4: unknown type 'alert'")


def test_invalid_utf8_a_bom_blank_lines_and_crlf_do_not_lose_data() -> None:
    raw = (
        b"\xef\xbb\xbf"
        + GOOD.encode()
        + b"\r\n\r\n   \n"
        + b'{"type":"site","name":"\xff\xfe"}\n'
        + GOOD.encode()
    )
    errors = Collect()
    records = list(read_recording(io.BytesIO(raw), errors))
    assert len(records) == 2
    assert [e.line_number for e in errors] == [4]
    assert "JSON" in errors[0].reason or "UTF-8" in errors[0].reason


def test_a_lone_surrogate_in_text_is_a_contract_error() -> None:
    with pytest.raises(ContractError):
        parse_line('{"type":"site","lat":1,"lon":2,"alt":3,"name":"\udc80"}', 1)


def test_from_contract_dict_reports_bad_objects() -> None:
    with pytest.raises(ContractError, match="lacks required field `alt`"):
        from_contract_dict({"type": "site", "lat": 1.0, "lon": 2.0}, 5)


def test_model_fields_beyond_the_lines_are_left_out_and_read_back_as_defaults() -> None:
    evidence = msgspec.structs.replace(TRACK, ballistic_p=0.7, rcs_dbsm=-12.0, ballistic_state=(1.0, 2.0))
    line = lines_of([evidence])[0]
    assert "ballistic_p" not in line and "ballistic_state" not in line
    assert same(parse_line(line, 1), TRACK)


def test_every_line_field_is_a_model_field() -> None:
    """A guard against drift between the lines and the model records."""
    from raqib.recorder import contract_schema as schema

    pairs = [
        (schema.SiteLine, Site),
        (schema.SensorLine, Sensor),
        (schema.DetectionLine, Detection),
        (schema.TruthLine, Truth),
        (schema.TrackLine, Track),
    ]
    for line_type, model in pairs:
        assert set(line_type.__struct_fields__) <= set(model.__struct_fields__), line_type.__name__
