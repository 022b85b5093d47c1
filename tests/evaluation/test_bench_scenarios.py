"""The benchmark scenarios: generated deterministically, committed up to date, and loadable."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from raqib.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "bench" / "scenarios"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scenarios_generate", SCENARIOS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_files_match_the_generator(capsys: pytest.CaptureFixture[str]) -> None:
    assert _generator().main(["--check"]) == 0, capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "targets", "sensor_kinds"),
    [
        ("drones-inbound", 5, ["radar"]),
        ("crossing-turning", 16, ["radar"]),
        ("swarm-200", 200, ["radar"]),
        ("mixed", 30, ["radar", "adsb"]),
        ("dense-1000", 1000, ["radar"]),
    ],
)
def test_scenario_loads(name: str, targets: int, sensor_kinds: list[str]) -> None:
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    assert scenario.name == name
    assert len(scenario.targets) == targets
    assert [sensor.kind for sensor in scenario.sensors] == sensor_kinds


def test_dense_scenario_has_1000_clutter_detections_a_scan() -> None:
    radar = load_scenario(SCENARIOS / "dense-1000.toml").sensor_specs[0]
    assert radar.clutter_rate == 1000.0
    assert radar.period_s == 1.0


def test_mixed_scenario_has_airliners_drones_and_birds() -> None:
    classes = {target.target_class for target in load_scenario(SCENARIOS / "mixed.toml").targets}
    assert classes == {"aircraft", "drone", "bird"}
