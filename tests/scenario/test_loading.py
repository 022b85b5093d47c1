"""Scenario files: built-ins load by name, files by path, and every mistake is named clearly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.model import Authorisation, Sensor, Site, Zone
from raqib.scenario import ScenarioError, Simulator, list_scenarios, load_scenario, loads_scenario

MINIMAL = """
[scenario]
name = "mini"
start_time = 2022-01-03T01:30:00Z
duration_s = 60

[site]
lat = 33.2625
lon = 44.2346
alt = 35

[[zones]]
id = "home"
polygon = [[33.26, 44.23], [33.27, 44.23], [33.27, 44.24], [33.26, 44.23]]

[[sensors]]
id = "radar-1"
kind = "radar"
lat = 33.26
lon = 44.23
alt = 40

[[targets]]
id = "d1"
class = "drone"
[targets.path]
waypoints = [[33.30, 44.23, 100], [33.26, 44.23, 20]]
speed_ms = 30
"""


def error_of(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as raised:
        loads_scenario(text, source="drill.toml")
    return raised.value


def test_the_built_in_scenarios_are_listed_and_load_by_name() -> None:
    names = list_scenarios()
    assert {"baghdad-2022", "baghdad-rockets", "single-drone"} <= set(names)
    for name in names:
        scenario = load_scenario(name)
        assert scenario.name == name
        assert scenario.description and scenario.duration_s > 0
        assert isinstance(scenario.site, Site)
        assert all(isinstance(s, Sensor) for s in scenario.sensors) and scenario.sensors
        assert all(isinstance(z, Zone) for z in scenario.zones)
        assert len(scenario.sensor_specs) == len(scenario.sensors)


def test_a_scenario_loads_from_a_file_path(tmp_path: Path) -> None:
    path = tmp_path / "mini.toml"
    path.write_text(MINIMAL)
    scenario = load_scenario(str(path))
    assert scenario.name == "mini" and scenario.source == str(path)
    assert scenario.start_epoch_s == 1641173400.0  # 2022-01-03T01:30:00Z
    assert scenario.site == Site(lat_deg=33.2625, lon_deg=44.2346, alt_m=35.0)
    (zone,) = scenario.zones
    assert zone.polygon == ((33.26, 44.23), (33.27, 44.23), (33.27, 44.24))  # closing point dropped
    assert zone.name == "home" and zone.kind == "protected"
    (radar,) = scenario.sensors
    assert radar.sigma_range_m == 10.0 and radar.max_range_m == 12000.0 and radar.pd == 0.9  # defaults
    assert scenario.targets[0].rcs_dbsm == -15.0  # a drone's default RCS
    assert load_scenario(path).name == "mini"


def test_the_baghdad_scenario_maps_to_model_records() -> None:
    scenario = load_scenario("baghdad-2022")
    assert scenario.start_epoch_s == 1641173400.0
    assert {z.zone_id for z in scenario.zones} >= {"compound", "airfield", "terminal", "fuel-farm"}
    assert {s.kind for s in scenario.sensors} == {"radar", "adsb", "remoteid", "rf"}
    (permit,) = scenario.authorisations
    assert isinstance(permit, Authorisation) and permit.zone_ids == ("airfield",)
    assert scenario.hostile_ids == ("hostile-1", "hostile-2")
    assert scenario.target("inspection-1").identity == permit.identity


def test_a_circle_zone_and_its_warn_list() -> None:
    text = MINIMAL.replace(
        "polygon = [[33.26, 44.23], [33.27, 44.23], [33.27, 44.24], [33.26, 44.23]]",
        'circle = { lat = 33.26, lon = 44.23, radius_m = 250 }\nwarn = ["siren"]\nkind = "warning"',
    )
    (zone,) = loads_scenario(text).zones
    assert (zone.center_lat_deg, zone.center_lon_deg, zone.radius_m) == (33.26, 44.23, 250.0)
    assert zone.warn == ("siren",) and zone.kind == "warning" and zone.polygon == ()


MISTAKES = {
    "not TOML": (MINIMAL.replace("duration_s = 60", "duration_s = "), "", "not valid TOML"),
    "unknown key": (
        MINIMAL.replace("alt = 40", "alt = 40\nrange_max = 5"),
        "sensors[0] (id 'radar-1').range_max",
        "unknown key",
    ),
    "wrong type": (
        MINIMAL.replace("lat = 33.26\nlon = 44.23\nalt = 40", 'lat = "north"\nlon = 44.23\nalt = 40'),
        "sensors[0] (id 'radar-1').lat",
        "expected `float`, got `str`",
    ),
    "missing key": (
        MINIMAL.replace("duration_s = 60\n", ""),
        "scenario.duration_s",
        "required key is missing",
    ),
    "out of range": (
        MINIMAL.replace("lat = 33.2625", "lat = 133.2625"),
        "site.lat",
        "expected `float` <= 90",
    ),
    "bad kind": (
        MINIMAL.replace('kind = "radar"', 'kind = "sonar"'),
        "sensors[0] (id 'radar-1').kind",
        "invalid",
    ),
    "bad class": (
        MINIMAL.replace('class = "drone"', 'class = "ufo"'),
        "targets[0] (id 'd1').class",
        "invalid",
    ),
    "no zone shape": (
        MINIMAL.replace("polygon = [[33.26, 44.23], [33.27, 44.23], [33.27, 44.24], [33.26, 44.23]]", ""),
        "zones[0] (id 'home')",
        "exactly one of polygon",
    ),
    "thin polygon": (
        MINIMAL.replace("[33.27, 44.24], [33.26, 44.23]]", "[33.26, 44.23]]"),
        "zones[0] (id 'home').polygon",
        "at least 3 distinct",
    ),
    "ceiling below floor": (
        MINIMAL.replace('id = "home"', 'id = "home"\nfloor_m = 100\nceiling_m = 50'),
        "zones[0] (id 'home').ceiling_m",
        "above floor_m",
    ),
    "naive start time": (MINIMAL.replace("01:30:00Z", "01:30:00"), "scenario.start_time", "UTC"),
    "two motions": (
        MINIMAL + "[targets.erratic]\nlat = 33.2\nlon = 44.2\nradius_m = 100\n",
        "targets[0] (id 'd1')",
        "exactly one motion",
    ),
    "no motion": (MINIMAL.split("[targets.path]")[0], "targets[0] (id 'd1')", "exactly one motion"),
    "one waypoint": (
        MINIMAL.replace("[[33.30, 44.23, 100], [33.26, 44.23, 20]]", "[[33.30, 44.23, 100]]"),
        "targets[0] (id 'd1').path.waypoints",
        "length >= 2",
    ),
    "duplicate ids": (
        MINIMAL + '[[targets]]\nid = "d1"\nclass = "bird"\n[targets.erratic]\nlat = 33.2\n'
        "lon = 44.2\nradius_m = 100\n",
        "targets[1].id",
        "used twice",
    ),
    "broadcast without identity": (
        MINIMAL.replace('class = "drone"', 'class = "drone"\nbroadcasts = ["adsb"]'),
        "targets[0] (id 'd1').identity",
        "needs one",
    ),
    "remote id without operator": (
        MINIMAL.replace('class = "drone"', 'class = "drone"\nbroadcasts = ["remoteid"]\nidentity = "SN1"'),
        "targets[0] (id 'd1').operator",
        "operator",
    ),
    "ballistic drone": (
        MINIMAL.split("[targets.path]")[0] + "[targets.ballistic]\nlat = 33.2\nlon = 44.2\n"
        "azimuth_deg = 10\nelevation_deg = 20\nspeed_ms = 300\ndrag_per_m = 0\n",
        "targets[0] (id 'd1').ballistic",
        "only a rocket",
    ),
    "unknown zone in permit": (
        MINIMAL + '[[authorisations]]\nidentity = "SN1"\nzone_ids = ["runway"]\n',
        "authorisations[0] (id 'SN1').zone_ids",
        "no zone has id 'runway'",
    ),
    "no sensors": (MINIMAL.split("[[sensors]]")[0], "sensors", "required key is missing"),
    "start after end": (
        MINIMAL.replace('class = "drone"', 'class = "drone"\nstart_time_s = 100'),
        "targets[0] (id 'd1').start_time_s",
        "after the end",
    ),
}


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_every_mistake_names_the_file_the_key_and_why(mistake: str) -> None:
    text, key, why = MISTAKES[mistake]
    error = error_of(text)
    assert error.source == "drill.toml"
    assert error.key == key
    assert why in error.reason
    assert str(error).startswith("drill.toml: ")


def test_an_unknown_name_lists_the_built_in_scenarios() -> None:
    with pytest.raises(ScenarioError, match=r"built-in: .*baghdad-2022"):
        load_scenario("baghdad-2099")


def test_a_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "absent.toml")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_random_text_never_raises_anything_but_scenario_error(text: str) -> None:
    try:
        loads_scenario(text)
    except ScenarioError as error:
        assert error.reason


_LINE = re.compile(r"^(\w+) = (.+)$", re.MULTILINE)
_VALUES = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(alphabet="abcxyz -_", max_size=6).map(lambda s: f'"{s}"'),
    st.just("true"),
    st.just("[]"),
    st.just("[[1, 2], [3, 4], [5, 6]]"),
    st.just("{ lat = 1, lon = 2 }"),
)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_value_in_any_key_loads_or_is_a_scenario_error(data: st.DataObject) -> None:
    keys = _LINE.findall(MINIMAL)
    index = data.draw(st.integers(0, len(keys) - 1))
    value = data.draw(_VALUES)
    lines = MINIMAL.splitlines()
    hits = [i for i, line in enumerate(lines) if line.startswith(f"{keys[index][0]} = ")]
    lines[hits[0]] = f"{keys[index][0]} = {value}"
    try:
        scenario = loads_scenario("\n".join(lines))
    except ScenarioError as error:
        assert error.reason
        return
    for step, (time_s, detections, truths) in enumerate(Simulator(scenario, seed=1).scans()):
        assert time_s <= scenario.duration_s
        assert all(d.time_s == time_s for d in detections) and all(t.time_s <= time_s for t in truths)
        if step == 20:
            break


def test_the_readme_example_is_a_valid_scenario() -> None:
    readme = Path(__file__).resolve().parents[2] / "raqib" / "scenario" / "README.md"
    (example,) = re.findall(r"```toml\n(.*?)```", readme.read_text(), flags=re.DOTALL)
    scenario = loads_scenario(example, source="README.md")
    assert [t.id for t in scenario.targets] == ["hostile-1", "bird-1", "rocket-1"]
    assert scenario.authorisations[0].zone_ids == ("gate",)
    assert list(Simulator(scenario, seed=0).scans())
