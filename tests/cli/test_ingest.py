"""`raqib ingest`: captures and feed files of every format into CONTRACT.md recordings."""

from __future__ import annotations

import json
from pathlib import Path

import dpkt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from raqib.cli.ingest import UsageError, parse_pairs
from raqib.cli.main import main
from raqib.model import Detection, Sensor, Site
from raqib.recorder.contract import ContractError, encode_line, parse_line, read_recording
from tests.conftest import require_shared

POSITION = ["--sensor-lat", "59.7", "--sensor-lon", "30.6", "--sensor-alt", "20"]


def ingest(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["ingest", *args])
    return code, capsys.readouterr().err


def records(path: Path) -> list[Site | Sensor | Detection]:
    errors: list[ContractError] = []
    out = list(read_recording(path, errors.append))
    assert errors == []
    return out  # type: ignore[return-value]


def readable(detection: Detection) -> bool:
    try:
        parse_line(encode_line(detection), 1)
    except ContractError:
        return False
    return True


def detection_line(time_s: float, sensor: str = "cam-1") -> str:
    return json.dumps({"type": "detection", "time": time_s, "sensor": sensor, "azimuth_deg": 12.5}) + "\n"


def write_pcap(path: Path, packets: list[tuple[float, int, bytes]]) -> None:
    with open(path, "wb") as stream:
        writer = dpkt.pcap.Writer(stream)
        for time_s, port, payload in packets:
            udp = dpkt.udp.UDP(sport=40000, dport=port, data=payload)
            udp.ulen = len(udp)
            ip = dpkt.ip.IP(
                src=b"\x0a\x00\x00\x01", dst=b"\x0a\x00\x00\x02", p=dpkt.ip.IP_PROTO_UDP, data=udp
            )
            ip.len = len(ip)
            writer.writepkt(
                bytes(dpkt.ethernet.Ethernet(src=b"\x00" * 6, dst=b"\xff" * 6, data=ip)), ts=time_s
            )


def test_a_jsonl_file_becomes_a_recording_in_time_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "cam.jsonl"
    source.write_text(
        '{"type":"sensor","id":"cam-1","kind":"eo","lat":1,"lon":2,"alt":3}\n'
        + detection_line(12.0)
        + detection_line(10.0)
        + "oops\n"
        + detection_line(11.0)
    )
    out = tmp_path / "rec.jsonl"
    code, err = ingest(capsys, "jsonl", str(source), "-o", str(out), "--sensor-id", "cam-1", *POSITION)
    assert code == 0
    site, sensor, *detections = records(out)
    assert site == Site(lat_deg=59.7, lon_deg=30.6, alt_m=20.0)
    assert isinstance(sensor, Sensor) and sensor.sensor_id == "cam-1" and sensor.kind == "other"
    assert [d.time_s for d in detections if isinstance(d, Detection)] == [10.0, 11.0, 12.0]
    assert "3 detections written for sensor 'cam-1'" in err
    assert "skipped lines: 1 sensor" in err
    assert "skipped 1 unreadable pieces: 1 FramingError" in err and "line 4" in err


def test_a_pcap_of_datagrams_uses_capture_times_and_can_keep_one_port(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "feed.pcap"
    packets = [(1_700_000_000.0 + i, 5000 + i % 2, detection_line(float(i)).encode()) for i in range(6)]
    write_pcap(capture, packets)
    out = tmp_path / "rec.jsonl"
    args = ["jsonl", str(capture), "-o", str(out), "--sensor-id", "cam-1", "--port", "5000", *POSITION]
    code, err = ingest(capsys, *args)
    assert code == 0
    assert [r.time_s for r in records(out) if isinstance(r, Detection)] == [0.0, 2.0, 4.0]
    assert "skipped 3 datagrams to other ports than 5000" in err


def test_sbs_text_with_the_site_origin_and_sensor_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "feed.sbs"
    lines = [
        f"MSG,3,1,1,4CA1F0,1,{stamp},{stamp},,3000,,,59.{70 + i},30.60,,,0,0,0,0"
        for i, stamp in enumerate(f"2026/11/25,10:00:0{i}.000" for i in range(3))
    ]
    source.write_text("\r\n".join(lines) + "\r\n")
    out = tmp_path / "rec.jsonl"
    args = ["sbs", str(source), "-o", str(out), *POSITION, "--site-lat", "59.5", "--site-lon", "30.5"]
    code, err = ingest(
        capsys, *args, "--site-alt", "0", "--sensor-field", "sigma_h_m=25", "--sensor-id", "rx"
    )
    assert code == 0, err
    site, sensor, *detections = records(out)
    assert site == Site(lat_deg=59.5, lon_deg=30.5, alt_m=0.0)
    assert isinstance(sensor, Sensor) and sensor.kind == "adsb" and sensor.sigma_h_m == 25.0
    assert [d.identity for d in detections if isinstance(d, Detection)] == ["4CA1F0"] * 3
    assert all(isinstance(d, Detection) and d.sensor_id == "rx" for d in detections)


def test_a_site_file_gives_origin_sensor_and_decoder_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = tmp_path / "site.toml"
    site.write_text(
        """
[site]
lat = 52.0
lon = 4.5
alt = 10.0

[[feeds]]
name = "cams"
format = "jsonl"
transport = "udp"
port = 9000
[feeds.sensor]
id = "cam-1"
kind = "eo"
lat = 52.001
lon = 4.501
alt = 15.0
[feeds.options]
sensors = ["cam-2"]
"""
    )
    source = tmp_path / "cams.jsonl"
    source.write_text(
        detection_line(1.0) + detection_line(2.0, sensor="cam-2") + detection_line(3.0, sensor="x")
    )
    out = tmp_path / "rec.jsonl"
    code, err = ingest(capsys, "jsonl", str(source), "-o", str(out), "--site", str(site), "--keep-sensor-ids")
    assert code == 0, err
    site_record, sensor, *detections = records(out)
    assert isinstance(site_record, Site) and site_record.lat_deg == 52.0
    assert isinstance(sensor, Sensor) and sensor.sensor_id == "cam-1" and sensor.kind == "eo"
    assert [d.sensor_id for d in detections if isinstance(d, Detection)] == ["cam-1", "cam-2"]
    code, err = ingest(capsys, "jsonl", str(source), "-o", str(out), "--site", str(site))
    assert "given 'cam-1': cam-2 (1)" in err
    assert {d.sensor_id for d in records(out) if isinstance(d, Detection)} == {"cam-1"}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["jsonl", "FILE"], "give the sensor's position"),
        (["morse", "FILE", *POSITION], "no decoder for format 'morse'"),
        (["jsonl", "FILE", *POSITION, "--option", "bogus=1"], "refused its options"),
        (["jsonl", "FILE", *POSITION, "--option", "novalue"], "expected KEY=VALUE"),
        (["jsonl", "FILE", *POSITION, "--site-lat", "1"], "--site-lat, --site-lon and --site-alt"),
        (["jsonl", "FILE", *POSITION, "--sensor-field", "sigma_h_m=abc"], "sensor:"),
        (["jsonl", "MISSING", *POSITION], "no such file"),
    ],
)
def test_usage_mistakes_exit_2_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    source = tmp_path / "f.jsonl"
    source.write_text(detection_line(1.0))
    args = [str(source) if a == "FILE" else str(tmp_path / "nope") if a == "MISSING" else a for a in args]
    code, err = ingest(capsys, *args, "-o", str(tmp_path / "out.jsonl"))
    assert code == 2
    assert words in err, err


@given(st.text(max_size=30))
def test_key_value_pairs_parse_or_say_why(text: str) -> None:
    try:
        ((key, _value),) = parse_pairs([text], "--option")
    except UsageError as exc:
        assert "expected KEY=VALUE" in str(exc)
    else:
        assert key == text.partition("=")[0].strip() and key


def test_pair_values_are_toml() -> None:
    pairs = dict(
        parse_pairs(["sac=25", 'editions={"48" = "1.31"}', "name=plain words", "on=true"], "--option")
    )
    assert pairs == {"sac": 25, "editions": {"48": "1.31"}, "name": "plain words", "on": True}


# ---------------------------------------------------------------------------- real captures


def test_real_beast_capture_is_ingested_and_tracked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = require_shared("adsb/beastblackbox_ulss7_beast.bin")
    out = tmp_path / "beast.jsonl"
    code, err = ingest(capsys, "beast", str(capture), "-o", str(out), *POSITION, "--start-time", "1522782148")
    assert code == 0, err
    detections = [r for r in records(out) if isinstance(r, Detection)]
    assert len(detections) > 500
    assert len({d.identity for d in detections}) <= 11  # the capture's 11 aircraft
    assert all(59.0 < (d.lat_deg or 0) < 61.0 for d in detections)
    times = [d.time_s for d in detections]
    assert times == sorted(times) and times[0] >= 1522782148 and times[-1] - times[0] < 70.0
    from raqib.pipeline import Pipeline
    from raqib.recorder.scans import Scan, iter_scans

    site, sensor = records(out)[:2]
    assert isinstance(site, Site) and isinstance(sensor, Sensor)
    pipeline = Pipeline(site, (), [sensor])
    identities: set[str | None] = set()
    for item in iter_scans(read_recording(out)):
        if isinstance(item, Scan):
            identities.update(t.identity for t in pipeline.step(item.detections, item.time_s).tracks)
    identities.discard(None)
    assert identities and identities <= {d.identity for d in detections}  # real aircraft become tracks


def test_real_sbs_file_reports_its_trailer_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = require_shared("adsb/beastblackbox_ulss7_decoded_sbs.txt")
    code, err = ingest(capsys, "sbs", str(source), "-o", str(tmp_path / "sbs.jsonl"), *POSITION)
    assert code == 0
    assert "skipped 2 unreadable pieces" in err and "Total processed" in err


def test_real_asterix_capture_matches_the_decoders_own_file_reader(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from raqib.sensors.asterix import AsterixDecoder, decode_file

    capture = require_shared("asterix/samples/ccl_cat_034_048.pcap")
    out = tmp_path / "asterix.jsonl"
    code, err = ingest(capsys, "asterix", str(capture), "-o", str(out), "--sensor-id", "psr", *POSITION)
    assert code == 0, err
    sensor = Sensor(sensor_id="psr", kind="radar", lat_deg=59.7, lon_deg=30.6, alt_m=20.0)
    decoded = sorted(decode_file(capture, AsterixDecoder(sensor)), key=lambda d: d.time_s)
    expected = [d for d in decoded if readable(d)]
    written = [r for r in records(out) if isinstance(r, Detection)]
    assert written == expected and len(written) > 0
    if len(expected) < len(decoded):  # what the contract cannot hold is skipped, and said so
        assert f"skipped {len(decoded) - len(expected)} detections the recording contract cannot hold" in err


def test_real_remote_id_capture_matches_the_decoders_own_reader(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from raqib.sensors.remoteid import read_capture

    capture = require_shared("remoteid/captures/cdc_parrot_anafi4_real.pcapng")
    out = tmp_path / "rid.jsonl"
    code, err = ingest(
        capsys, "remoteid-frames", str(capture), "-o", str(out), "--sensor-id", "rid", *POSITION
    )
    assert code == 0, err
    sensor = Sensor(sensor_id="rid", kind="remoteid", lat_deg=59.7, lon_deg=30.6, alt_m=20.0)
    expected = read_capture(capture, sensor).detections
    written = [r for r in records(out) if isinstance(r, Detection)]
    assert len(written) == len(expected) > 100
    assert {d.identity for d in written} == {d.identity for d in expected}
