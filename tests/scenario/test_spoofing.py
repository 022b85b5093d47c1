"""Spoofed broadcasts: the companion file, and Remote ID reports that lie while radar does not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.geo import enu_to_geodetic, geodetic_to_enu
from raqib.model import Detection, Site, Truth
from raqib.scenario import ScenarioError, loads_scenario, simulate
from raqib.scenario.spoofing import (
    ClaimedPoint,
    SpoofedBroadcast,
    SpoofingSimulator,
    load_spoofing,
    simulate_spoofed,
)

SITE = Site(lat_deg=33.3, lon_deg=44.4, alt_m=40.0)


def _latlon(east_m: float, north_m: float) -> tuple[float, float]:
    lat, lon, _ = enu_to_geodetic(east_m, north_m, 0.0, SITE)
    return float(lat), float(lon)


START, END, OPERATOR = _latlon(-1000.0, 500.0), _latlon(1000.0, 500.0), _latlon(0.0, -300.0)
SCENARIO = f"""
[scenario]
name = "spoof-test"
start_time = 2024-05-01T21:00:00Z
duration_s = 20.0

[site]
lat = 33.3
lon = 44.4
alt = 40.0

[[sensors]]
id = "radar-1"
kind = "radar"
lat = 33.3
lon = 44.4
alt = 50.0
pd = 1.0

[[sensors]]
id = "rid-1"
kind = "remoteid"
lat = 33.3
lon = 44.4
alt = 45.0
pd = 1.0
max_range_m = 3000.0

[[targets]]
id = "spoofer"
class = "drone"
hostile = true
broadcasts = ["remoteid"]
identity = "ALLOWED-1"
operator = {{ lat = {OPERATOR[0]}, lon = {OPERATOR[1]} }}
[targets.path]
waypoints = [[{START[0]}, {START[1]}, 60.0], [{END[0]}, {END[1]}, 60.0]]
speed_ms = 20.0

[[targets]]
id = "bird"
class = "bird"
[targets.path]
waypoints = [[{START[0]}, {START[1]}, 30.0], [{END[0]}, {END[1]}, 30.0]]
speed_ms = 10.0
"""


def _records(spoofs: tuple[SpoofedBroadcast, ...], seed: int = 3) -> list[object]:
    return list(simulate_spoofed(loads_scenario(SCENARIO), seed, spoofs))


def _reports_enu(records: list[object]) -> np.ndarray:
    reports = [r for r in records if isinstance(r, Detection) and r.sensor_id == "rid-1"]
    assert reports and all(r.identity == "ALLOWED-1" for r in reports)
    e, n, u = geodetic_to_enu(
        np.array([r.lat_deg for r in reports], float),
        np.array([r.lon_deg for r in reports], float),
        np.array([r.alt_m for r in reports], float),
        SITE,
    )
    return np.stack([e, n, u], axis=-1)


def _truth_enu(records: list[object], target: str) -> np.ndarray:
    truths = [r for r in records if isinstance(r, Truth) and r.target_id == target]
    e, n, u = geodetic_to_enu(
        np.array([r.lat_deg for r in truths]),
        np.array([r.lon_deg for r in truths]),
        np.array([r.alt_m for r in truths]),
        SITE,
    )
    return np.stack([e, n, u], axis=-1)


def test_without_spoofing_it_is_the_plain_simulator() -> None:
    scenario = loads_scenario(SCENARIO)
    assert _records(()) == list(simulate(scenario, 3))


def test_a_claimed_point_replaces_the_broadcast_position_only() -> None:
    lat, lon = _latlon(-300.0, -800.0)
    spoof = SpoofedBroadcast(target="spoofer", claimed=ClaimedPoint(lat=lat, lon=lon, alt_agl_m=40.0))
    records = _records((spoof,))
    reports = _reports_enu(records)
    # Every report sits near (-300, -800, 40) (5 m sigma), though the drone flies along north 500.
    assert np.all(np.abs(reports[:, :2] - [-300.0, -800.0]) < 30.0)
    assert np.all(np.abs(reports[:, 2] - 40.0) < 30.0)
    # Truth and radar are untouched: the same as the plain simulation.
    plain = list(simulate(loads_scenario(SCENARIO), 3))
    assert [r for r in records if isinstance(r, Truth)] == [r for r in plain if isinstance(r, Truth)]
    radar = [r for r in records if isinstance(r, Detection) and r.sensor_id == "radar-1"]
    assert radar == [r for r in plain if isinstance(r, Detection) and r.sensor_id == "radar-1"]


def test_an_offset_shifts_the_broadcast_position() -> None:
    records = _records((SpoofedBroadcast(target="spoofer", offset_m=(0.0, -600.0, 0.0)),))
    reports = _reports_enu(records)
    truth = _truth_enu(records, "spoofer")
    # Reports are 600 m south of the truth's track (north 500 -> -100), along the same line.
    assert np.all(np.abs(reports[:, 1] - (-100.0)) < 30.0)
    assert reports[:, 0].min() >= truth[:, 0].min() - 30.0 and reports[:, 0].max() <= truth[:, 0].max() + 30.0


def test_same_seed_same_records() -> None:
    spoof = (SpoofedBroadcast(target="spoofer", offset_m=(100.0, 0.0, 0.0)),)
    assert _records(spoof, 5) == _records(spoof, 5)


def test_a_spoof_must_name_a_broadcasting_target() -> None:
    scenario = loads_scenario(SCENARIO)
    with pytest.raises(ScenarioError, match="no target has id 'ghost'"):
        SpoofingSimulator(scenario, 0, (SpoofedBroadcast(target="ghost", offset_m=(0.0, 0.0, 0.0)),))
    with pytest.raises(ScenarioError, match="broadcasts nothing"):
        SpoofingSimulator(scenario, 0, (SpoofedBroadcast(target="bird", offset_m=(0.0, 0.0, 0.0)),))


def test_load_spoofing(tmp_path: Path) -> None:
    path = tmp_path / "s.spoofing.toml"
    path.write_text(
        '[[spoofed]]\ntarget = "a"\noffset_m = [1.0, 2.0, 3.0]\n\n'
        '[[spoofed]]\ntarget = "b"\nclaimed = { lat = 33.3, lon = 44.4 }\n'
    )
    first, second = load_spoofing(path)
    assert first.offset_m == (1.0, 2.0, 3.0) and first.claimed is None
    assert second.claimed == ClaimedPoint(lat=33.3, lon=44.4, alt_agl_m=30.0)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('[[spoofed]]\ntarget = "a"\n', "exactly one of offset_m or claimed"),
        ('[[spoofed]]\ntarget = "a"\noffset_m = [0, 0, 0]\nclaimed = { lat = 1, lon = 2 }\n', "exactly one"),
        ('[[spoofed]]\ntarget = "a"\noffset = [0, 0, 0]\n', "unknown field"),
        ('[[spoofed]]\ntarget = "a"\nclaimed = { lat = 95, lon = 2 }\n', "<= 90"),
        ("[[spoofed]\n", "not valid TOML"),
    ],
)
def test_bad_spoofing_files_say_why(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "bad.spoofing.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=r"bad\.spoofing\.toml") as raised:
        load_spoofing(path)
    assert reason in str(raised.value)


def test_a_missing_spoofing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        load_spoofing(tmp_path / "absent.toml")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_any_text_loads_or_raises_a_scenario_error(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("spoof") / "any.spoofing.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        spoofs = load_spoofing(path)
    except ScenarioError:
        return
    assert all(isinstance(s, SpoofedBroadcast) for s in spoofs)
