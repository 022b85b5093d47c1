"""The real recordings in shared/data/asterix, checked against the reference decodes in
expected/ (libasterix 0.36.3 at each category's newest edition, cross-checked there with
asterix-decoder), and the samples that must fail for the right reason."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import asterix.generated as gen
import pytest
from asterix.base import Bits

from raqib.geo import geodetic_to_enu
from raqib.model import Detection, Sensor, Site
from raqib.sensors.asterix import AsterixConfig, AsterixDecoder, decode_file
from raqib.sensors.asterix.items import FL_M, NM_M
from raqib.sensors.base import DecodeError
from tests.conftest import require_shared

SENSOR = Sensor(sensor_id="radar", kind="radar", lat_deg=45.0, lon_deg=16.0, alt_m=100.0)
SAMPLES_WITH_EXPECTED = [
    "asterix4py_cat062.ast",
    "ccl_cat048.raw",
    "ccl_cat062cat065.raw",
    "ccl_cat_034_048.pcap",
    "goasterix_sample.ast",
    "jasterix_cat021ed2.1.bin",
    "jasterix_cat048ed1.23.bin",
]


def decode(name: str, **options: Any) -> tuple[list[Detection], AsterixDecoder, list[DecodeError]]:
    path = require_shared(f"asterix/samples/{name}")
    errors: list[DecodeError] = []
    config = AsterixConfig(sensor=SENSOR, duplicate_window_s=0.0, **options)
    decoder = AsterixDecoder(SENSOR, config=config, on_error=errors.append)
    return list(decode_file(path, decoder)), decoder, errors


def expected(name: str, category: int) -> list[dict[str, Any]]:
    path = require_shared(f"asterix/expected/{name}.libasterix.jsonl")
    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    return [row for row in rows if row["cat"] == category]


def plot_key(tod_s: float, range_m: float, azimuth_deg: float) -> tuple[float, float, float]:
    return (round(tod_s % 86_400.0, 4), round(range_m, 1), round(azimuth_deg, 4))


def test_every_sample_with_a_reference_decode_is_checked() -> None:
    folder = require_shared("asterix/expected")
    names = sorted(p.name.removesuffix(".libasterix.jsonl") for p in Path(folder).glob("*.libasterix.jsonl"))
    assert names == SAMPLES_WITH_EXPECTED


@pytest.mark.parametrize("name", ["ccl_cat_034_048.pcap", "ccl_cat048.raw", "goasterix_sample.ast"])
def test_cat048_plots_match_the_reference(name: str) -> None:
    detections, decoder, _ = decode(name)
    rows = expected(name, 48)
    assert decoder.counts.records_by_category.get(48) == len(rows)
    by_key = {plot_key(r["tod_s"], r["rho_nm"] * NM_M, r["theta_deg"]): r for r in rows if "rho_nm" in r}
    matched: Counter[tuple[float, float, float]] = Counter()
    for detection in detections:
        assert detection.is_polar and detection.time_source == "sensor"
        key = plot_key(detection.time_s, detection.range_m or 0.0, detection.azimuth_deg or 0.0)
        row = by_key[key]  # every detection is a reference record
        matched[key] += 1
        assert detection.identity == row.get("icao24")
        assert detection.callsign == (row.get("callsign") or None)  # blank: no callsign
        if detection.elevation_deg is not None:  # from a 3-D height (I110), which wins over Mode C
            assert detection.alt_m is None
        elif "fl" in row:
            assert detection.alt_m == pytest.approx(row["fl"] * FL_M)
    # The reference rows left over are reports without a detection (TYP 0): counted, not lost.
    assert sum(matched.values()) == len(detections) == len(rows) - decoder.counts.no_detection


def test_cat048_times_are_dated_by_the_capture() -> None:
    detections, _, _ = decode("ccl_cat_034_048.pcap")
    first = expected("ccl_cat_034_048.pcap", 48)[0]
    # Captured 2016-05-05 07:35:56 UTC; the first report's time of day is 07:35:54.60.
    assert detections[0].time_s == pytest.approx(1_462_406_400.0 + first["tod_s"])
    assert detections[0].range_m == pytest.approx(197.6835938 * NM_M, abs=1e-3)
    assert detections[0].azimuth_deg == pytest.approx(340.1367188, abs=1e-6)
    assert (detections[0].identity, detections[0].callsign) == ("3C660C", "DLH65A")


def test_cat034_service_messages_match_the_reference() -> None:
    _, decoder, errors = decode("ccl_cat_034_048.pcap")
    assert errors == []
    rows = expected("ccl_cat_034_048.pcap", 34)
    assert decoder.counts.service_messages == len(rows) == 34
    assert set(decoder.services) == {(r["sac"], r["sic"]) for r in rows}
    for (sac, sic), service in decoder.services.items():
        own = [r for r in rows if (r["sac"], r["sic"]) == (sac, sic)]
        assert service.messages == len(own)
        latest_sector = max((r for r in own if "sector_deg" in r), key=lambda r: r["tod_s"])
        assert service.sector_azimuth_deg == pytest.approx(latest_sector["sector_deg"])
        assert service.north_markers == len({r["tod_s"] for r in own if r["msg_type"] == 1})


def test_the_seven_radars_of_a_shared_feed_are_told_apart_by_sac_sic() -> None:
    detections, decoder, _ = decode("ccl_cat_034_048.pcap", sac=25, sic=13)
    rows = [r for r in expected("ccl_cat_034_048.pcap", 48) if (r["sac"], r["sic"]) == (25, 13)]
    assert 0 < len(detections) <= len(rows)
    assert sum(decoder.counts.foreign_sources.values()) == 162 - len(rows) - decoder.counts.service_messages


def test_redundant_copies_are_dropped_by_default() -> None:
    path = require_shared("asterix/samples/ccl_cat_034_048.pcap")
    decoder = AsterixDecoder(SENSOR)
    detections = list(decode_file(path, decoder))
    with_copies, _, _ = decode("ccl_cat_034_048.pcap")
    assert decoder.counts.duplicates > 0
    assert len(detections) < len(with_copies)
    assert Counter(d.identity for d in detections).keys() == Counter(d.identity for d in with_copies).keys()


@pytest.mark.parametrize("name", ["asterix4py_cat062.ast", "ccl_cat062cat065.raw"])
def test_cat062_tracks_match_the_reference(name: str) -> None:
    detections, decoder, errors = decode(name, ignored_categories=(65,))
    rows = expected(name, 62)
    assert errors == []
    assert len(detections) == len(rows) == decoder.counts.tracks
    for detection, row in zip(detections, rows, strict=True):
        assert detection.is_position and detection.time_source == "sensor"
        assert detection.time_s == pytest.approx(row["tot_s"])
        assert detection.lat_deg == pytest.approx(row["lat"], abs=1e-6)
        assert detection.lon_deg == pytest.approx(row["lon"], abs=1e-6)
        assert (detection.vel_e_ms, detection.vel_n_ms) == (row["vx_ms"], row["vy_ms"])
        assert detection.identity is not None
        assert detection.identity.startswith("trk:") == (detection.identity == f"trk:{row['track_number']}")
        # Geometric altitude where the tracker measured it, else the flight level.
        assert detection.alt_m is not None
        assert abs(detection.alt_m - row["fl"] * FL_M) < 300.0


def test_cat062_cartesian_positions_agree_with_wgs84_given_the_system_reference() -> None:
    wgs84, _, _ = decode("asterix4py_cat062.ast")
    # The same tracks without their WGS-84 item I105, so that only the Cartesian I100 is left.
    data = Path(require_shared("asterix/samples/asterix4py_cat062.ast")).read_bytes()
    spec: Any = gen.Cat_062_1_21
    records = spec.cv_uap.parse(Bits.from_bytes(data[3:]))
    cartesian_only = bytes(spec.create([r.del_item("105") for r in records]).unparse().to_bytes())
    # The SDPS plane of this sample, fitted once from its I100/I105 pairs: tangent near
    # Brussels, with the plane at 7.9 km.
    config = AsterixConfig(
        sensor=SENSOR, system_ref_lat_deg=50.9116, system_ref_lon_deg=4.5319, system_ref_height_m=7899.0
    )
    from_plane = AsterixDecoder.from_config(config).decode(cartesian_only, 43_200.0)  # as decode_file
    assert len(from_plane) == len(wgs84) == 7
    for plane, truth in zip(from_plane, wgs84, strict=True):
        east, north, _ = geodetic_to_enu(plane.lat_deg, plane.lon_deg, 0.0, _site(truth))
        assert math.hypot(float(east), float(north)) < 60.0  # 100-300 km from the tangent point
        assert plane.identity == truth.identity and plane.time_s == truth.time_s


def _site(detection: Detection) -> Site:
    assert detection.lat_deg is not None and detection.lon_deg is not None
    return Site(lat_deg=detection.lat_deg, lon_deg=detection.lon_deg, alt_m=0.0)


def test_cat021_report_matches_the_reference() -> None:
    detections, _, errors = decode("jasterix_cat021ed2.1.bin")
    (row,) = expected("jasterix_cat021ed2.1.bin", 21)
    (detection,) = detections
    assert errors == []
    assert detection.lat_deg == pytest.approx(row["lat"], abs=1e-6)
    assert detection.lon_deg == pytest.approx(row["lon"], abs=1e-6)
    assert (detection.identity, detection.callsign) == (row["icao24"], row["callsign"])
    assert detection.alt_m is not None and abs(detection.alt_m - row["fl"] * FL_M) < 300.0  # geometric height
    assert detection.sigma_h_m is not None and detection.sigma_h_m < 100.0


def test_cat048_extended_range_comes_from_the_reserved_expansion_field() -> None:
    detections, _, errors = decode("jasterix_cat048ed1.23.bin")
    (row,) = expected("jasterix_cat048ed1.23.bin", 48)
    (detection,) = detections
    assert errors == []
    assert row["rho_nm"] == pytest.approx(256.0, abs=0.01)  # RHO pinned at its maximum ...
    assert detection.range_m == pytest.approx(257.0 * NM_M)  # ... the RE field has the range
    assert detection.azimuth_deg == pytest.approx(row["theta_deg"], abs=1e-6)


def test_mixed_stream_skips_categories_it_does_not_read_and_keeps_the_rest() -> None:
    detections, decoder, errors = decode("goasterix_sample.ast")
    assert {type(e).__name__ for e in errors} == {"UnsupportedError"}
    assert {e.reason.split()[0] for e in errors} >= {"CAT001", "CAT002", "CAT030"}
    assert decoder.counts.service_messages == 1
    assert len(detections) == 9


def test_a_cat062_0_17_capture_read_as_1_21_is_rejected_not_believed() -> None:
    detections, decoder, errors = decode("ccl_asterix.pcap")
    assert detections == []
    assert decoder.stats.errors == len(errors) > 90
    kinds = {type(e).__name__ for e in errors}
    assert kinds == {"FramingError", "InvalidRecordError"}
    assert any("is the edition right?" in e.reason for e in errors)


def test_old_cat021_edition_decodes_when_pinned() -> None:
    detections, _, errors = decode("jasterix_cat021ed0.26.bin", editions={"21": "0.26"})
    (detection,) = detections
    assert errors == []
    assert (detection.identity, detection.callsign) == ("496C2E", "FM012")
    assert detection.lat_deg == pytest.approx(38.777, abs=1e-3)
    assert detection.sigma_h_m is None  # the 0.2x figure of merit is not mapped


@pytest.mark.parametrize("name", ["ccl_cat034.raw", "jasterix_cat034ed1.26.bin"])
def test_single_service_messages(name: str) -> None:
    detections, decoder, errors = decode(name)
    assert (detections, errors) == ([], [])
    assert decoder.counts.service_messages == 1 and len(decoder.services) == 1


def test_cat021_with_reserved_expansion() -> None:
    detections, _, errors = decode("ccl_cat21_re.ast")
    assert errors == []
    assert [d.identity for d in detections] == ["000001", "000002"]
    assert all(d.time_source == "sensor" for d in detections)
