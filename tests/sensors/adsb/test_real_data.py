"""The decoders on real recordings (shared/data/adsb, see its NOTES.md and SOURCES.md)."""

from __future__ import annotations

import calendar
import csv
import itertools
import math
import random
from collections import Counter
from pathlib import Path

import pytest

from raqib.model import Detection, Sensor
from raqib.sensors.adsb.beast import MODE_AC, MODE_S_LONG, MODE_S_SHORT, BeastDecoder
from raqib.sensors.adsb.raw import RawDecoder
from raqib.sensors.adsb.sbs import SbsDecoder
from raqib.sensors.adsb.state import AdsbConfig, haversine_m
from raqib.sensors.base import DecodeError
from tests.conftest import require_shared

# The capture began at 2018-04-03 19:02:28.136 UTC (its upstream file name).
CAPTURE_START_S = 1522782148.136310917
PULKOVO = Sensor(sensor_id="ulss7", kind="adsb", lat_deg=59.80, lon_deg=30.26, alt_m=20.0)
DELFT = Sensor(sensor_id="delft", kind="adsb", lat_deg=51.99, lon_deg=4.37, alt_m=0.0)


def _beast(name: str, **kwargs: object) -> tuple[BeastDecoder, list[Detection], list[DecodeError]]:
    errors: list[DecodeError] = []
    decoder = BeastDecoder(PULKOVO, on_error=errors.append, **kwargs)  # type: ignore[arg-type]
    detections = decoder.decode(require_shared(f"adsb/{name}").read_bytes(), CAPTURE_START_S)
    return decoder, detections, errors


def _sbs_positions(path: Path) -> set[tuple[str, float, float, float, int]]:
    positions = set()
    for line in path.read_text().splitlines():
        fields = line.split(",")
        if len(fields) == 22 and fields[1] == "3" and fields[14]:
            day = calendar.timegm((*tuple(map(int, fields[6].split("/"))), 0, 0, 0))
            hours, minutes, seconds = fields[7].split(":")
            time_s = day + int(hours) * 3600 + int(minutes) * 60 + float(seconds)
            positions.add((fields[4], time_s, float(fields[14]), float(fields[15]), int(fields[11])))
    return positions


def test_beast_frame_counts_match_the_notes() -> None:
    decoder, detections, errors = _beast("beastblackbox_ulss7_beast.bin")
    assert errors == []
    assert decoder.frames_by_type == {MODE_AC: 5026, MODE_S_SHORT: 4942, MODE_S_LONG: 3986}
    assert decoder.unframer.status_frames == 0
    # every frame of this capture was recorded twice
    assert decoder.duplicates == (4942 + 3986) // 2
    assert len({d.identity for d in detections}) == 11


def test_beast_positions_match_the_upstream_sbs_rendering() -> None:
    _, detections, _ = _beast("beastblackbox_ulss7_beast.bin", config=AdsbConfig(prefer_geometric=False))
    expected = _sbs_positions(require_shared("adsb/beastblackbox_ulss7_decoded_sbs.txt"))
    assert len(expected) == 728
    by_icao: dict[str, list[Detection]] = {}
    for detection in detections:
        by_icao.setdefault(detection.identity or "", []).append(detection)
    assert set(by_icao) == {icao for icao, *_ in expected}
    for icao, time_s, lat, lon, altitude_ft in expected:
        nearest = min(by_icao[icao], key=lambda d: abs(d.time_s - time_s))
        assert abs(nearest.time_s - time_s) < 0.005  # SBS times are cut to the millisecond
        assert nearest.lat_deg == pytest.approx(lat, abs=1e-4)
        assert nearest.lon_deg == pytest.approx(lon, abs=1e-4)
        assert nearest.alt_m == pytest.approx(altitude_ft * 0.3048)
        assert nearest.time_source == "sensor"
    assert len(detections) == len(expected)


def test_beast_callsigns_match_the_sbs_rendering() -> None:
    _, detections, _ = _beast("beastblackbox_ulss7_beast.bin")
    sbs = require_shared("adsb/beastblackbox_ulss7_decoded_sbs.txt").read_text().splitlines()
    expected = {f[4]: f[10].strip() for f in (line.split(",") for line in sbs) if f[:2] == ["MSG", "1"]}
    ours = {d.identity: d.callsign for d in detections}
    assert ours == expected


def test_beast_in_random_chunks_gives_the_same_detections() -> None:
    data = require_shared("adsb/beastblackbox_ulss7_beast.bin").read_bytes()
    whole = BeastDecoder(PULKOVO).decode(data, CAPTURE_START_S)
    rng = random.Random(7)
    decoder = BeastDecoder(PULKOVO)
    detections: list[Detection] = []
    position = 0
    while position < len(data):
        size = rng.randint(1, 600)
        detections += decoder.decode(data[position : position + size], CAPTURE_START_S)
        position += size
    assert detections == whole
    assert decoder.stats.errors == 0


def test_sbs_twin_decodes_to_the_same_positions() -> None:
    path = require_shared("adsb/beastblackbox_ulss7_decoded_sbs.txt")
    errors: list[DecodeError] = []
    decoder = SbsDecoder(PULKOVO, on_error=errors.append)
    detections = decoder.decode(path.read_bytes(), 0.0)
    assert {(d.identity, round(d.lat_deg or 0, 5), round(d.lon_deg or 0, 5)) for d in detections} == {
        (icao, lat, lon) for icao, _, lat, lon, _ in _sbs_positions(path)
    }
    assert len(detections) == 728
    # the file ends with two summary lines that are not SBS
    assert [e.reason.split(":")[0] for e in errors] == ["line 8624", "line 8625"]
    assert decoder.stats.records == 8622


def test_single_aircraft_extract() -> None:
    _decoder, detections, errors = _beast("beastblackbox_71be34_beast.bin")
    assert errors == [] and len(detections) > 50
    assert {d.identity for d in detections} == {"71BE34"}
    assert {d.callsign for d in detections} == {"AAR542"}
    _, everything, _ = _beast("beastblackbox_ulss7_beast.bin")
    full = {(d.lat_deg, d.lon_deg): d.time_s for d in everything if d.identity == "71BE34"}
    assert {(d.lat_deg, d.lon_deg) for d in detections} <= set(full)
    # Both files anchor their counter at their own first frame: one constant offset between them.
    offsets = [full[(d.lat_deg, d.lon_deg)] - d.time_s for d in detections]
    assert max(offsets) - min(offsets) < 1e-6


def test_a_receiver_on_the_wrong_continent_rejects_every_fix() -> None:
    errors: list[DecodeError] = []
    decoder = BeastDecoder(DELFT, on_error=errors.append)
    data = require_shared("adsb/beastblackbox_71be34_beast.bin").read_bytes()
    assert decoder.decode(data, 0.0) == []
    assert decoder.table.stats.rejected > 0


def _pymodes_rows() -> list[tuple[float, str]]:
    with require_shared("adsb/pymodes_sample_data_adsb.csv").open(encoding="utf-8-sig") as stream:
        return [(float(row[0]), row[1]) for row in csv.reader(stream)]


def test_pymodes_corpus_positions_and_velocities() -> None:
    rows = _pymodes_rows()
    errors: list[DecodeError] = []
    decoder = RawDecoder(DELFT, on_error=errors.append)
    detections: list[Detection] = []
    for time_s, frame in rows:
        detections += decoder.decode(f"{frame}\n".encode(), time_s)
    assert errors == [] and decoder.stats.records == 2000
    assert len(detections) >= 900  # NOTES.md: 929 positions from pyModeS on the same frames
    assert {(d.identity, d.callsign) for d in detections} == {("406B90", "EZY85MH")}
    assert all(51.1 < (d.lat_deg or 0) < 51.75 and 4.7 < (d.lon_deg or 0) < 7.3 for d in detections)
    speeds = [math.hypot(d.vel_e_ms or 0, d.vel_n_ms or 0) for d in detections]
    assert all(240 < speed < 270 for speed in speeds)
    # The fixes agree with the reported velocity: distance flown over 60 s of receive time.
    for first, later in itertools.pairwise(detections):
        if later.time_s - first.time_s >= 60:
            flown_m = haversine_m(
                first.lat_deg or 0, first.lon_deg or 0, later.lat_deg or 0, later.lon_deg or 0
            )
            assert flown_m == pytest.approx(speeds[0] * (later.time_s - first.time_s), rel=0.1)
            heading = math.degrees(math.atan2(first.vel_e_ms or 0, first.vel_n_ms or 0)) % 360
            assert 280 < heading < 300  # west-north-west, as the track moves
            break


@pytest.mark.parametrize("name", ["df20", "df21"])
def test_pymodes_comm_b_corpus_decodes_without_errors(name: str) -> None:
    path = require_shared(f"adsb/pymodes_sample_data_commb_{name}.csv")
    with path.open(encoding="utf-8-sig") as stream:
        frames = [row[2] for row in csv.reader(stream)]
    errors: list[DecodeError] = []
    decoder = RawDecoder(DELFT, on_error=errors.append)
    detections = decoder.decode("".join(f"*{frame};\n" for frame in frames).encode(), 0.0)
    assert errors == [] and decoder.stats.records == 5000
    # Comm-B replies carry no position, and these aircraft sent no checked squitter here.
    assert detections == [] and decoder.table.stats.unverified == 5000
    assert Counter(frame[:2] for frame in frames).most_common(1)[0][1] > 1000
