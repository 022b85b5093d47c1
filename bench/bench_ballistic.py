"""Rockets and mortar rounds: how soon is a round confirmed with a predicted impact, and is its
95 % impact ellipse honest? (issue 3: within 3 radar scans of the first detection, the ellipse
holding the true impact point in at least 95 % of shots).

Each shot is a random round (3-8 km out, any azimuth, 15-65 degrees elevation, 200-420 m/s,
ballistic coefficient 1500-9000 kg/m^2) simulated with raqib's simulator and seen by one 3-D
radar that measures range rate, like the seed site's and every counter-fire radar
(``--no-doppler``: one that does not); the pipeline's tracker, classifier and threat stage
run on it. For every shot the benchmark prints nothing; at the end it prints the share of
shots with a prediction within 3 scans (with that prediction's ellipse holding the impact, the
target's sentence read as one; and among the shots the radar saw at least twice in those
scans: a velocity takes two plots), the ellipse's coverage at that first prediction and
over all later scans, and the median miss distance. A shot ends when its round lands.

    .venv/bin/python bench/bench_ballistic.py [--shots 200] [--seed 1] [--quick]
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Sequence

import numpy as np

from raqib.geo import enu_to_geodetic, geodetic_to_enu
from raqib.model import Detection, Site, Truth, Zone
from raqib.scenario import Simulator, loads_scenario
from raqib.threat.classify import Classifier
from raqib.threat.evaluate import ThreatConfig, ThreatEvaluator
from raqib.tracking.tracker import Tracker

SITE = Site(lat_deg=33.2625, lon_deg=44.2346, alt_m=35.0, name="bench")
RADAR_PERIOD_S = 0.5
RANGE_RATE_SIGMA_MS = 0.5  # a pulse-Doppler radar's, as every counter-fire radar is (and the seed site's)

TEMPLATE = """
[scenario]
name = "shot"
start_time = 2024-01-01T00:00:00Z
duration_s = {duration}

[site]
lat = {site_lat}
lon = {site_lon}
alt = {site_alt}

[[sensors]]
id = "radar"
kind = "radar"
lat = {site_lat}
lon = {site_lon}
alt = {radar_alt}
sigma_range_m = 7.5
sigma_azimuth_deg = 0.4
sigma_elevation_deg = 0.5
{range_rate}pd = 0.95
clutter_rate = 5.0
max_range_m = 15000.0
period_s = {period}

[[targets]]
id = "round"
class = "rocket"
start_time_s = 2.0
[targets.ballistic]
lat = {lat}
lon = {lon}
azimuth_deg = {azimuth}
elevation_deg = {elevation}
speed_ms = {speed}
ballistic_coefficient_kg_m2 = {bc}
"""


def shot(rng: np.random.Generator) -> dict[str, float]:
    distance = rng.uniform(3000.0, 8000.0)
    bearing = rng.uniform(0.0, 2 * math.pi)
    east, north = distance * math.sin(bearing), distance * math.cos(bearing)
    lat, lon, _ = enu_to_geodetic(east, north, 0.0, SITE)
    # Fire roughly towards the site, so that the radar sees the whole flight.
    azimuth = (math.degrees(bearing) + 180.0 + rng.uniform(-25, 25)) % 360.0
    return {
        "lat": float(lat),
        "lon": float(lon),
        "azimuth": azimuth,
        "elevation": float(rng.uniform(15.0, 65.0)),
        "speed": float(rng.uniform(200.0, 420.0)),
        "bc": float(rng.uniform(1500.0, 9000.0)),
    }


def run_shot(
    params: dict[str, float], seed: int, doppler: bool = True, threat_config: ThreatConfig | None = None
) -> dict[str, float | bool | None]:
    text = TEMPLATE.format(
        duration=120.0,
        site_lat=SITE.lat_deg,
        site_lon=SITE.lon_deg,
        site_alt=SITE.alt_m,
        radar_alt=SITE.alt_m + 10.0,
        period=RADAR_PERIOD_S,
        range_rate=f"sigma_range_rate_ms = {RANGE_RATE_SIGMA_MS}\n" if doppler else "",
        **params,
    )
    scenario = loads_scenario(text, "bench-shot")
    everywhere = Zone(
        zone_id="all",
        name="everywhere",
        center_lat_deg=SITE.lat_deg,
        center_lon_deg=SITE.lon_deg,
        radius_m=30_000.0,
        ceiling_m=30_000.0,
    )
    tracker = Tracker(scenario.site, scenario.sensors)
    classifier = Classifier()
    threat = ThreatEvaluator(scenario.site, [everywhere], config=threat_config)
    truths = []
    first_detection_scan: int | None = None
    first_prediction_scan: int | None = None
    plots_in_first_3_scans = 0  # scans among the first three from the first detection that saw the round
    predictions: list[tuple[float, float, float, float, float]] = []  # time, e, n, major, minor, az
    scan = 0
    for time_s, detections, step_truths in Simulator(scenario, seed).scans():
        if truths and not step_truths:
            break  # the round has landed: nothing after it is scored
        truths.extend(step_truths)
        if not detections:
            continue
        scan += 1
        early = first_detection_scan is None or scan < first_detection_scan + 3
        if early and step_truths and _sees_round(detections, step_truths[0], scenario.site):
            if first_detection_scan is None:
                first_detection_scan = scan
            plots_in_first_3_scans += 1
        tracks = classifier.classify(tracker.step(detections, time_s), time_s)
        for th in threat.evaluate(tracks, time_s):
            if th.impact_ellipse_m is None or th.impact_lat_deg is None:
                continue
            e, n, _ = geodetic_to_enu(th.impact_lat_deg, th.impact_lon_deg, SITE.alt_m, scenario.site)
            predictions.append((time_s, float(e), float(n), *th.impact_ellipse_m))
            if first_prediction_scan is None:
                first_prediction_scan = scan
    impact = truths[-1]
    ie, in_, _ = geodetic_to_enu(impact.lat_deg, impact.lon_deg, impact.alt_m, scenario.site)
    inside = [_in_ellipse(float(ie) - p[1], float(in_) - p[2], p[3], p[4], p[5]) for p in predictions]
    misses = [math.hypot(float(ie) - p[1], float(in_) - p[2]) for p in predictions]
    scans_to_prediction = (
        None
        if first_prediction_scan is None or first_detection_scan is None
        else first_prediction_scan - first_detection_scan + 1
    )
    return {
        "scans_to_prediction": scans_to_prediction,
        "plots_in_first_3_scans": plots_in_first_3_scans,
        "first_inside": inside[0] if inside else None,
        "inside_share": float(np.mean(inside)) if inside else None,
        "first_miss_m": misses[0] if misses else None,
        "last_miss_m": misses[-1] if misses else None,
        "flight_s": impact.time_s - 2.0,
    }


def _sees_round(detections: Sequence[Detection], truth: Truth, site: Site) -> bool:
    """Does one of the scan's plots lie within 200 m of the round (the radar 10 m above the site)?"""
    te, tn, tu = geodetic_to_enu(truth.lat_deg, truth.lon_deg, truth.alt_m, site)
    for det in detections:
        if det.range_m is None:
            continue
        el = math.radians(det.elevation_deg or 0.0)
        az = math.radians(det.azimuth_deg or 0.0)
        ground = det.range_m * math.cos(el)
        offset = np.array([ground * math.sin(az), ground * math.cos(az), det.range_m * math.sin(el) + 10.0])
        if np.linalg.norm(offset - [float(te), float(tn), float(tu)]) < 200.0:
            return True
    return False


def _in_ellipse(de: float, dn: float, major: float, minor: float, azimuth_deg: float) -> bool:
    """Is the offset (east, north) inside the ellipse of semi-axes major/minor, major axis at
    azimuth_deg from north?"""
    a = math.radians(azimuth_deg)
    along = de * math.sin(a) + dn * math.cos(a)
    across = de * math.cos(a) - dn * math.sin(a)
    return (along / max(major, 1e-6)) ** 2 + (across / max(minor, 1e-6)) ** 2 <= 1.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shots", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="40 shots")
    parser.add_argument(
        "--no-doppler",
        action="store_true",
        help="a radar without range rate (confirmation needs a third plot)",
    )
    args = parser.parse_args()
    shots = 40 if args.quick else args.shots
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    results = [run_shot(shot(rng), args.seed + i, doppler=not args.no_doppler) for i in range(shots)]
    elapsed = time.perf_counter() - started
    predicted = [r for r in results if r["scans_to_prediction"] is not None]
    within3 = [r for r in predicted if r["scans_to_prediction"] <= 3]  # type: ignore[operator]
    first_inside = [bool(r["first_inside"]) for r in predicted]
    shares = [float(r["inside_share"]) for r in predicted]  # type: ignore[arg-type]
    radar = "without range rate" if args.no_doppler else f"range rate sigma {RANGE_RATE_SIGMA_MS} m/s"
    print(f"radar                                   {radar}, {RADAR_PERIOD_S} s a scan")
    print(f"shots                                   {shots} ({elapsed:.0f} s)")
    print(f"predicted at all                        {len(predicted)} / {shots}")
    print(
        f"impact predicted within 3 radar scans   {len(within3)} / {shots} "
        f"({100 * len(within3) / shots:.1f} %, target 100 %)"
    )
    # The target as one sentence: confirmed and predicted within 3 scans, that prediction's
    # ellipse holding the true impact, in at least 95 % of shots.
    held = [r for r in within3 if r["first_inside"]]
    print(
        f"  and that ellipse holding the impact   {len(held)} / {shots} "
        f"({100 * len(held) / shots:.1f} %; the target read as one sentence: >= 95 %)"
    )
    # A velocity takes two plots: a shot the radar saw once in its first three scans (pd 0.95:
    # missed twice running, 1 shot in 400) cannot be predicted in them by any tracker.
    seen_twice = [r for r in results if r["plots_in_first_3_scans"] >= 2]  # type: ignore[operator]
    seen_twice_within3 = [r for r in within3 if r["plots_in_first_3_scans"] >= 2]  # type: ignore[operator]
    print(
        f"  of the shots with >= 2 plots in those scans {len(seen_twice_within3)} / {len(seen_twice)} "
        f"({shots - len(seen_twice)} seen only once)"
    )
    # The target read the other way: within three scan periods after the first detection's scan
    # (that scan and the next three).
    after3 = [r for r in predicted if r["scans_to_prediction"] <= 4]  # type: ignore[operator]
    print(f"  by the third scan after the first detection's  {len(after3)} / {shots}")
    scans = [r["scans_to_prediction"] for r in predicted]
    print(f"scans to first prediction (median/max)  {np.median(scans):.0f} / {max(scans)}")  # type: ignore[type-var]
    print(
        f"95 % ellipse holds the impact, at first prediction   {100 * np.mean(first_inside):.1f} % "
        f"(target >= 95 %)"
    )
    print(f"95 % ellipse holds the impact, over every later scan {100 * np.mean(shares):.1f} %")
    first_miss = np.median([r["first_miss_m"] for r in predicted])
    last_miss = np.median([r["last_miss_m"] for r in predicted])
    print(f"miss distance at first prediction (median)  {first_miss:.0f} m")
    print(f"miss distance at last prediction (median)   {last_miss:.0f} m")


if __name__ == "__main__":
    main()
