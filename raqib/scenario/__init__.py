"""Scenarios and the simulator: TOML scenario files (built-in ones by name), targets that
move, sensors that see them with noise and clutter, and recordings in the contract's lines."""

from raqib.scenario.scenario import Scenario, ScenarioError, list_scenarios, load_scenario, loads_scenario
from raqib.scenario.simulator import Simulator, simulate

__all__ = [
    "Scenario",
    "ScenarioError",
    "Simulator",
    "list_scenarios",
    "load_scenario",
    "loads_scenario",
    "simulate",
]
