"""The seed scenarios end to end (issue 2's acceptance): simulator -> tracker -> classes ->
threats -> alerts, over several seeds, judged against the simulator's truth."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pytest

from raqib.alerts.summary import summarise
from raqib.geo import geodetic_to_enu
from raqib.pipeline import Pipeline
from raqib.scenario import Simulator, load_scenario

SEEDS = [1, 2, 3, 4, 5]


def play(name: str, seed: int):
    """Run a scenario; return the alert summary, each track's truth, and each truth's last point."""
    scenario = load_scenario(name)
    pipeline = Pipeline(scenario.site, scenario.zones, scenario.sensors, scenario.authorisations)
    votes: dict[int, Counter[str]] = defaultdict(Counter)
    last_truth = {}
    for time_s, detections, truths in Simulator(scenario, seed).scans():
        result = pipeline.step(detections, time_s)
        for truth in truths:
            last_truth[truth.target_id] = truth
        if not result.tracks or not truths:
            continue
        truth_pos = np.array(
            geodetic_to_enu(
                [t.lat_deg for t in truths],
                [t.lon_deg for t in truths],
                [t.alt_m for t in truths],
                scenario.site,
            )
        ).T
        for track in result.tracks:
            gaps = np.linalg.norm(truth_pos - [track.east_m, track.north_m, track.up_m], axis=1)
            nearest = int(np.argmin(gaps))
            if gaps[nearest] < 150.0:
                votes[track.track_id][truths[nearest].target_id] += 1
    truth_of = {track_id: counter.most_common(1)[0][0] for track_id, counter in votes.items()}
    return scenario, summarise(pipeline.engine.history()), truth_of, last_truth


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_both_hostile_drones_warned_a_minute_ahead_and_nothing_else(seed: int) -> None:
    scenario, alerts, truth_of, _ = play("baghdad-2022", seed)
    hostile = set(scenario.hostile_ids)
    warned_lead: dict[str, float] = {}
    for alert in alerts:
        for warning in alert.tracks:
            truth = truth_of.get(warning.track)
            # Every alert is for a hostile drone, and for the compound only.
            assert truth in hostile, f"alert {alert.alert} for {truth} (zone {alert.zone})"
            assert alert.zone == "compound"
            assert warning.lead_time_s is not None
            warned_lead[truth] = max(warned_lead.get(truth, 0.0), warning.lead_time_s)
    assert set(warned_lead) == hostile
    assert min(warned_lead.values()) >= 60.0, warned_lead


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_rockets_into_the_compound_are_warned_ten_seconds_ahead_and_the_stray_is_not(seed: int) -> None:
    scenario, alerts, truth_of, last_truth = play("baghdad-rockets", seed)
    compound = next(z for z in scenario.zones if z.zone_id == "compound")
    from raqib.geo import points_in_polygon, polygon_to_enu

    polygon = polygon_to_enu(compound.polygon, scenario.site)
    inside, outside = set(), set()
    for target in scenario.targets:
        if target.target_class != "rocket":
            continue
        end = last_truth[target.id]
        e, n, _ = geodetic_to_enu(end.lat_deg, end.lon_deg, end.alt_m, scenario.site)
        (inside if points_in_polygon(np.array([[float(e), float(n)]]), polygon)[0] else outside).add(
            target.id
        )
    assert len(inside) == 2 and len(outside) == 1  # as the scenario is built
    warned_at: dict[str, float] = {}
    for alert in alerts:
        for warning in alert.tracks:
            truth = truth_of.get(warning.track)
            assert truth not in outside, f"the stray round was warned for zone {alert.zone}"
            assert alert.zone == "compound", f"zone {alert.zone} warned of {truth}"
            if truth in inside:
                warned_at[truth] = min(warned_at.get(truth, np.inf), warning.warned)
    assert set(warned_at) == inside
    for target_id, when in warned_at.items():
        assert last_truth[target_id].time_s - when >= 10.0, (target_id, when, last_truth[target_id].time_s)
