"""The built-in Baghdad scenarios tell the story they should (SEED.md): the geometry, the
timings, and what each sensor hears."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import numpy as np
import pytest

from raqib.geo import distance_to_polygon_m, enu_to_polar, geodetic_to_enu, points_in_polygon, polygon_to_enu
from raqib.model import Detection, Site, Truth
from raqib.scenario import Scenario, list_scenarios, load_scenario, simulate

ORBI = (33.2625, 44.2346)


@pytest.fixture(scope="module")
def baghdad() -> tuple[Scenario, list]:
    scenario = load_scenario("baghdad-2022")
    return scenario, list(simulate(scenario, seed=0))


@pytest.fixture(scope="module")
def rockets() -> tuple[Scenario, list]:
    scenario = load_scenario("baghdad-rockets")
    return scenario, list(simulate(scenario, seed=0))


def zone_polygon(scenario: Scenario, zone_id: str) -> np.ndarray:
    (zone,) = [z for z in scenario.zones if z.zone_id == zone_id]
    return polygon_to_enu(zone.polygon, scenario.site)


def en(scenario: Scenario, records: list) -> np.ndarray:
    e, n, _ = geodetic_to_enu(
        [r.lat_deg for r in records], [r.lon_deg for r in records], [r.alt_m for r in records], scenario.site
    )
    return np.stack([np.atleast_1d(e), np.atleast_1d(n)], axis=1)


def truths_by_target(records: list) -> dict[str, list[Truth]]:
    result: dict[str, list[Truth]] = defaultdict(list)
    for record in records:
        if isinstance(record, Truth):
            result[record.target_id].append(record)
    return result


def test_the_site_is_baghdad_airport() -> None:
    for name in ("baghdad-2022", "baghdad-rockets"):
        scenario = load_scenario(name)
        assert (scenario.site.lat_deg, scenario.site.lon_deg, scenario.site.alt_m) == (*ORBI, 35.0)


def test_the_zones_are_laid_out_plausibly(baghdad: tuple[Scenario, list]) -> None:
    scenario, _ = baghdad
    compound = zone_polygon(scenario, "compound")
    sides = np.hypot(*(np.roll(compound, -1, axis=0) - compound).T)
    assert sides == pytest.approx([300.0] * 4, abs=5.0)
    airfield = zone_polygon(scenario, "airfield")
    assert [z.kind for z in scenario.zones if z.zone_id == "airfield"] == ["restricted"]
    # the airfield zone does not overlap the compound: no corner of either inside the other
    assert not points_in_polygon(compound, airfield).any() and not points_in_polygon(airfield, compound).any()
    assert distance_to_polygon_m(compound, airfield).min() > 300.0
    protected = [z.zone_id for z in scenario.zones if z.kind == "protected"]
    assert "compound" in protected and len(protected) >= 3
    # the airfield polygon holds two ~4 km runways oriented 150/330: its long side is about 4.8 km
    long_side = np.hypot(*(airfield[1] - airfield[2]))
    bearing = np.degrees(np.arctan2(*(airfield[2] - airfield[1]))) % 180
    assert 4000 < long_side < 5500 and bearing == pytest.approx(150.0, abs=3.0)


def test_the_scenario_starts_at_0430_local_and_lasts_six_to_eight_minutes() -> None:
    scenario = load_scenario("baghdad-2022")
    assert datetime.fromtimestamp(scenario.start_epoch_s, UTC) == datetime(2022, 1, 3, 1, 30, tzinfo=UTC)
    assert 360.0 <= scenario.duration_s <= 480.0


def test_two_hostile_drones_come_from_afar_and_fly_into_the_compound(baghdad: tuple[Scenario, list]) -> None:
    scenario, records = baghdad
    compound = zone_polygon(scenario, "compound")
    centre = compound.mean(axis=0)
    tracks = truths_by_target(records)
    headings = []
    for target_id in scenario.hostile_ids:
        truths = tracks[target_id]
        positions = en(scenario, truths)
        start = positions[0] - centre
        assert 8000.0 <= np.hypot(*start) <= 10000.0
        headings.append(np.degrees(np.arctan2(*start)))
        speeds = [np.hypot(t.vel_e_ms, t.vel_n_ms) for t in truths]
        assert min(speeds) >= 30.0 and max(speeds) <= 45.0
        heights = np.array([t.alt_m - scenario.site.alt_m for t in truths])
        approach = np.hypot(*(positions - centre).T) > 3000.0  # before the final dive
        assert heights[approach].min() >= 80.0 - 1.0 and heights[approach].max() <= 250.0 + 1.0
        assert points_in_polygon(positions[-1:], compound)[0]
        assert truths[-1].time_s < scenario.duration_s
        assert scenario.target(target_id).rf_emitter and not scenario.target(target_id).broadcasts
        # they never pass near the other protected zones
        for zone in scenario.zones:
            if zone.kind == "protected" and zone.zone_id != "compound":
                assert (
                    distance_to_polygon_m(positions, polygon_to_enu(zone.polygon, scenario.site)).min()
                    > 1000.0
                )
    spread = abs((headings[0] - headings[1] + 180) % 360 - 180)
    assert spread > 45.0  # two directions


def test_the_radar_sees_the_drones_well_over_two_minutes_before_they_arrive(
    baghdad: tuple[Scenario, list],
) -> None:
    scenario, records = baghdad
    (radar,) = [s for s in scenario.sensors if s.kind == "radar"]
    assert (
        radar.max_range_m is not None and radar.max_range_m >= 12000 and radar.period_s == pytest.approx(1.0)
    )
    origin = Site(lat_deg=radar.lat_deg, lon_deg=radar.lon_deg, alt_m=radar.alt_m)
    scans: dict[float, list[Detection]] = defaultdict(list)
    for record in records:
        if isinstance(record, Detection) and record.sensor_id == radar.sensor_id:
            scans[record.time_s].append(record)
    tracks = truths_by_target(records)
    for target_id in scenario.hostile_ids:
        truths = tracks[target_id]
        arrival_s = truths[-1].time_s
        seen = []
        at_scans = [t for t in truths[:-1] if t.time_s % 1.0 == 0.0]  # the radar's scans
        for truth in at_scans:
            e, n, u = geodetic_to_enu(truth.lat_deg, truth.lon_deg, truth.alt_m, origin)
            true_range, true_az, _ = enu_to_polar(np.array([float(e), float(n), float(u)]))
            if any(
                abs((d.range_m or 0.0) - true_range) < 40
                and abs(((d.azimuth_deg or 0.0) - true_az + 180) % 360 - 180) < 2
                for d in scans[truth.time_s]
            ):
                seen.append(truth.time_s)
        assert seen[0] <= arrival_s - 150.0
        assert len(seen) / len(at_scans) > 0.8  # pd 0.9


def test_airliners_broadcast_adsb_and_only_they_are_heard(baghdad: tuple[Scenario, list]) -> None:
    scenario, records = baghdad
    aircraft = {t.identity for t in scenario.targets if t.target_class == "aircraft"}
    assert len(aircraft) >= 4
    assert all("adsb" in t.broadcasts for t in scenario.targets if t.target_class == "aircraft")
    heard = {r.identity for r in records if isinstance(r, Detection) and r.sensor_id == "adsb-1"}
    assert heard == aircraft
    tracks = truths_by_target(records)
    landed = [t for t in scenario.targets if t.target_class == "aircraft" and tracks[t.id][-1].alt_m < 40.0]
    assert len(landed) >= 1  # at least one airliner lands on the runway


def test_the_inspection_drone_flies_inside_its_permission(baghdad: tuple[Scenario, list]) -> None:
    scenario, records = baghdad
    (permit,) = scenario.authorisations
    drone = [t for t in scenario.targets if t.identity == permit.identity]
    assert len(drone) == 1 and "remoteid" in drone[0].broadcasts and not drone[0].hostile
    positions = en(scenario, truths_by_target(records)[drone[0].id])
    for zone_id in permit.zone_ids:
        assert points_in_polygon(positions, zone_polygon(scenario, zone_id)).all()
    heard = {r.identity for r in records if isinstance(r, Detection) and r.sensor_id == "rid-1"}
    assert heard == {permit.identity}


def test_birds_fly_low_and_the_rf_finder_hears_the_hostile_links(baghdad: tuple[Scenario, list]) -> None:
    scenario, records = baghdad
    tracks = truths_by_target(records)
    birds = [t.id for t in scenario.targets if t.target_class == "bird"]
    assert len(birds) >= 3
    for bird in birds:
        assert max(t.alt_m - scenario.site.alt_m for t in tracks[bird]) < 150.0
    (rf,) = [s for s in scenario.sensors if s.kind == "rf"]
    bearings = [r for r in records if isinstance(r, Detection) and r.sensor_id == rf.sensor_id]
    origin = Site(lat_deg=rf.lat_deg, lon_deg=rf.lon_deg, alt_m=rf.alt_m)
    for target_id in scenario.hostile_ids:
        truth = tracks[target_id][len(tracks[target_id]) // 4]  # a quarter of the way in
        e, n, u = geodetic_to_enu(truth.lat_deg, truth.lon_deg, truth.alt_m, origin)
        _, true_az, _ = enu_to_polar(np.array([float(e), float(n), float(u)]))
        near = [b for b in bearings if abs(b.time_s - truth.time_s) <= 5.0]
        assert any(abs(((b.azimuth_deg or 0.0) - true_az + 180) % 360 - 180) < 10.0 for b in near)


def test_two_rockets_land_in_the_compound_and_one_in_open_ground(rockets: tuple[Scenario, list]) -> None:
    scenario, records = rockets
    compound = zone_polygon(scenario, "compound")
    tracks = truths_by_target(records)
    rounds = [t for t in scenario.targets if t.target_class == "rocket"]
    assert len(rounds) == 3
    launches = sorted(t.start_time_s for t in rounds)
    assert np.diff(launches).min() >= 1.0 and np.diff(launches).max() <= 10.0
    inside = []
    for target in rounds:
        assert target.ballistic is not None and 300.0 <= target.ballistic.speed_ms <= 400.0
        first, last = tracks[target.id][0], tracks[target.id][-1]
        launch_en, impact_en = en(scenario, [first])[0], en(scenario, [last])[0]
        assert 5000.0 <= np.hypot(*(launch_en - compound.mean(axis=0))) <= 8000.0
        assert last.alt_m == pytest.approx(scenario.site.alt_m, abs=0.01)  # the impact point, on the ground
        assert 10.0 <= last.time_s - target.start_time_s <= 60.0  # tens of seconds of flight
        in_compound = bool(points_in_polygon(impact_en[None, :], compound)[0])
        inside.append(in_compound)
        if in_compound:
            assert distance_to_polygon_m(impact_en[None, :], compound[::-1])[0] == 0.0
        else:
            for zone in scenario.zones:
                polygon = polygon_to_enu(zone.polygon, scenario.site)
                assert distance_to_polygon_m(impact_en[None, :], polygon)[0] >= 1500.0
    assert sorted(inside) == [False, True, True]


def test_rocket_impacts_sit_well_inside_the_compound_for_any_seed() -> None:
    scenario = load_scenario("baghdad-rockets")
    compound = zone_polygon(scenario, "compound")
    for seed in (1, 2):
        tracks = truths_by_target(list(simulate(scenario, seed=seed)))
        for target_id in ("rocket-1", "rocket-2"):
            impact = en(scenario, [tracks[target_id][-1]])
            assert points_in_polygon(impact, compound)[0]
            edges = np.roll(compound, -1, axis=0) - compound
            normals = np.stack([edges[:, 1], -edges[:, 0]], axis=1) / np.hypot(*edges.T)[:, None]
            margin = np.abs(np.einsum("vk,vk->v", impact - compound, normals)).min()
            assert margin > 50.0


def test_the_radar_tracks_the_rockets(rockets: tuple[Scenario, list]) -> None:
    scenario, records = rockets
    (radar,) = [s for s in scenario.sensors if s.kind == "radar"]
    origin = Site(lat_deg=radar.lat_deg, lon_deg=radar.lon_deg, alt_m=radar.alt_m)
    scans: dict[float, list[Detection]] = defaultdict(list)
    for record in records:
        if isinstance(record, Detection) and record.sensor_id == radar.sensor_id:
            scans[record.time_s].append(record)
    for target_id, truths in truths_by_target(records).items():
        if not target_id.startswith("rocket"):
            continue
        hits = 0
        assert radar.period_s is not None
        at_scans = [t for t in truths[:-1] if t.time_s % radar.period_s == 0.0]
        for truth in at_scans:
            e, n, u = geodetic_to_enu(truth.lat_deg, truth.lon_deg, truth.alt_m, origin)
            true_range, _, _ = enu_to_polar(np.array([float(e), float(n), float(u)]))
            hits += any(abs((d.range_m or 0.0) - true_range) < 40 for d in scans[truth.time_s])
        assert hits >= 0.8 * len(at_scans) and hits >= 15


@pytest.mark.parametrize("name", list_scenarios())
def test_every_built_in_scenario_simulates_the_same_for_the_same_seed(name: str) -> None:
    scenario = load_scenario(name)
    if scenario.duration_s > 200:  # keep the test quick: the first 60 s are compared
        from raqib.scenario import Simulator

        first = [step for step, _ in zip(Simulator(scenario, 4).scans(), range(60), strict=False)]
        second = [step for step, _ in zip(Simulator(scenario, 4).scans(), range(60), strict=False)]
        assert first == second
        return
    assert list(simulate(scenario, 4)) == list(simulate(scenario, 4))
