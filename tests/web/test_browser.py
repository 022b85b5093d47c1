"""The operator's screen in a real Chromium: log in, watch drones move, see and acknowledge an
alert, edit a zone, replay a recording to a given time. Each test saves a screenshot."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from raqib.model import Detection, Sensor, Site, Zone
from raqib.recorder.contract import write_recording
from tests.server.fakes import (
    RADAR,
    SITE,
    FakeStep,
    circling_tracks,
    make_alert,
    make_threat,
    make_track,
)
from tests.web.conftest import Running

pytestmark = pytest.mark.browser


def _pixel(page: Any, lon: float, lat: float) -> tuple[float, float]:
    """Where a point is on the page (the map's projection plus the canvas's offset)."""
    x, y = page.evaluate(
        "([lon, lat]) => { const p = window.raqib.map.project([lon, lat]); return [p.x, p.y]; }", [lon, lat]
    )
    box = page.locator("#map").bounding_box()
    return box["x"] + x, box["y"] + y


def _rendered_tracks(page: Any) -> list[int]:
    return page.evaluate(
        "window.raqib.map.queryRenderedFeatures({layers: ['tracks']})"
        ".map(f => f.properties.track_id).sort((a, b) => a - b)"
    )


def test_log_in_and_watch_drones_appear_and_move(
    browser: Any, site: Running, open_page: Any, test_output_dir: Path
) -> None:
    page = browser.new_page()
    page.goto(site.server.url)
    page.fill("input[name=username]", "vera")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    page.wait_for_selector("#login-error:has-text('Wrong user name or password')")
    page.close()

    page = open_page("vera")
    site.publish(FakeStep(0.0, circling_tracks(12, 0.0)))
    page.wait_for_function("window.raqib.store.tracks.size === 12")
    first = page.evaluate("window.raqib.store.tracks.get(1).lon_deg")
    for step in range(1, 4):
        site.publish(FakeStep(float(step), circling_tracks(12, 10.0 * step)))
        page.wait_for_function(f"window.raqib.store.time_s === {step}")
    assert page.evaluate("window.raqib.store.tracks.get(1).lon_deg") != first
    assert page.evaluate("window.raqib.store.trails.get(1).length") == 4
    page.wait_for_function("window.raqib.map.queryRenderedFeatures({layers: ['tracks']}).length === 12")
    assert _rendered_tracks(page) == list(range(1, 13))
    assert page.locator("#counts").inner_text().startswith("12 tracks")
    assert page.locator("#clock").inner_text() == "T+00:03"
    assert page.locator("#zones-button").is_hidden()  # a viewer edits nothing
    page.screenshot(path=test_output_dir / "tracks.png")


def test_an_alert_flashes_beeps_and_an_operator_acknowledges_it(
    site: Running, open_page: Any, test_output_dir: Path
) -> None:
    page = open_page("otto")
    viewer = open_page("vera")
    drone = make_track(100, 1.0, 1500, 900, vel_e_ms=-25, vel_n_ms=-5)
    site.publish(FakeStep(1.0, [drone], [make_threat(drone)]))
    page.wait_for_function("window.raqib.store.zones.get('compound').state === 'threatened'")
    alert = make_alert(1, 2.0, [100])
    site.pipeline.remember([alert])
    drone = make_track(100, 2.0, 1450, 890, vel_e_ms=-25, vel_n_ms=-5)
    site.publish(FakeStep(2.0, [drone], [make_threat(drone)], [alert]))
    page.wait_for_selector("li[data-alert-id='1'].flash")
    assert page.evaluate("window.raqib.stats.beeps") == 1
    assert page.evaluate("window.raqib.store.zones.get('compound').state") == "alerted"
    assert page.evaluate("window.raqib.store.tracks.get(100).level") == "alert"
    viewer.wait_for_selector("li[data-alert-id='1']")
    assert viewer.locator("li[data-alert-id='1'] button").count() == 0  # viewers can't act

    x, y = _pixel(page, drone.lon_deg, drone.lat_deg)
    page.mouse.click(x, y)
    page.wait_for_selector("#details h3:has-text('Track #100')")
    assert "Diplomatic compound" in page.locator("#details .threats").inner_text()
    drawn = page.evaluate(
        "window.raqib.map.getSource('selection').getData().then(d => d.features.map(f => f.properties.what))"
    )
    assert drawn == ["position-95", "impact", "impact-path", "impact-95"]
    page.screenshot(path=test_output_dir / "alert-raised.png")

    page.fill("input[data-note='1']", "people told to take cover")
    page.click("li[data-alert-id='1'] button[data-action='acknowledge']")
    page.wait_for_selector("li[data-alert-id='1'] .badge:has-text('ACKNOWLEDGED')")
    assert site.pipeline.calls == [("acknowledge", 1, "otto", "people told to take cover")]
    audit = site.server.call(site.hub.audit)
    assert [(e.action, e.actor, e.reason) for e in audit] == [
        ("acknowledged", "otto", "people told to take cover")
    ]
    viewer.wait_for_selector("li[data-alert-id='1'] .badge:has-text('ACKNOWLEDGED')")
    page.click("#audit >> xpath=..//summary")
    page.wait_for_selector("#audit li:has-text('otto')")
    page.screenshot(path=test_output_dir / "alert-acknowledged.png")


def test_an_admin_draws_a_zone_then_moves_it(site: Running, open_page: Any, test_output_dir: Path) -> None:
    page = open_page("ada")
    page.click("#zones-button")
    page.click("button[data-zone-action='new']")
    corners = [(44.250, 33.280), (44.262, 33.280), (44.262, 33.272), (44.250, 33.272)]
    for lon, lat in corners:
        page.mouse.click(*_pixel(page, lon, lat))
        page.wait_for_timeout(350)  # slower than a double-click
    page.click("button[data-zone-action='finish']")
    page.fill("input[name=zone_id]", "fuel")
    page.fill("input[name=name]", "Fuel farm")
    page.select_option("select[name=kind]", "restricted")
    page.fill("input[name=floor_m]", "0")
    page.fill("input[name=ceiling_m]", "400")
    page.click("button[data-zone-action='save']")
    page.wait_for_selector("#zone-editor .message:has-text('Saved zone fuel')")
    saved = json.loads(site.zones_file.read_text())
    fuel = next(f for f in saved["features"] if f["properties"]["id"] == "fuel")
    assert fuel["properties"] == {
        "id": "fuel",
        "name": "Fuel farm",
        "kind": "restricted",
        "floor_m": 0.0,
        "ceiling_m": 400.0,
        "warn": [],
    }
    ring = fuel["geometry"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == pytest.approx([44.250, 33.280], abs=2e-4)
    assert "fuel" in [z.zone_id for z in site.pipeline.zones]
    page.screenshot(path=test_output_dir / "zone-drawn.png")

    page.click("button[data-zone-action='edit'][data-id='fuel']")
    start = _pixel(page, 44.256, 33.276)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + 60, start[1] + 40, steps=8)
    page.mouse.up()
    page.fill("input[name=ceiling_m]", "600")
    page.click("button[data-zone-action='save']")
    page.wait_for_selector("#zone-editor .message:has-text('Saved zone fuel')")
    moved = next(z for z in site.server.call(lambda: site.hub.zones) if z.zone_id == "fuel")
    assert moved.ceiling_m == 600.0
    assert moved.polygon[0][1] > 44.2505 and moved.polygon[0][0] < 33.2795  # east and south of where it was
    page.screenshot(path=test_output_dir / "zone-moved.png")


class EchoPipeline:
    """Each detection becomes a track numbered by its identity."""

    def __init__(self, site: Site, zones: Sequence[Zone], sensors: Sequence[Sensor]) -> None:
        pass

    def step(self, detections: Sequence[Detection], time_s: float) -> FakeStep:
        return FakeStep(
            time_s,
            [
                make_track(int(d.identity or 0), time_s, 300.0 * int(d.identity or 0), 20.0 * time_s)
                for d in detections
            ],
        )


@pytest.mark.parametrize("site", [EchoPipeline], indirect=True)
def test_replay_a_recording_to_a_given_time(site: Running, open_page: Any, test_output_dir: Path) -> None:
    detections = [
        Detection(
            time_s=float(t), sensor_id="radar-1", lat_deg=33.27, lon_deg=44.24, alt_m=150.0, identity=str(i)
        )
        for t in range(0, 60, 2)
        for i in range(1, 4)
        if t < 20 * i
    ]
    write_recording(site.recordings / "night.jsonl", [SITE, RADAR, *detections])
    page = open_page("vera")
    site.publish(FakeStep(0.0, circling_tracks(5, 0.0)))
    page.wait_for_function("window.raqib.store.tracks.size === 5")
    page.click("#replay-button")
    page.select_option("select[data-replay='recording']", "night.jsonl")
    page.click("button[data-replay='load']")
    page.wait_for_selector("#mode:has-text('REPLAY')")
    slider = page.locator("input[data-replay='slider']")
    slider.evaluate("(el) => { el.value = 31; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    page.wait_for_function("window.raqib.store.time_s === 30")
    assert sorted(page.evaluate("[...window.raqib.store.tracks.keys()]")) == [2, 3]  # track 1 ended at 18 s
    assert page.locator("span[data-replay='time']").inner_text() == "T+00:31"
    page.wait_for_function("window.raqib.map.queryRenderedFeatures({layers: ['tracks']}).length === 2")
    # live updates do not disturb a replay
    site.publish(FakeStep(5.0, circling_tracks(5, 5.0)))
    page.wait_for_timeout(300)
    assert page.evaluate("window.raqib.store.time_s") == 30
    page.screenshot(path=test_output_dir / "replay.png")
    page.click("button[data-replay='play']")
    page.wait_for_function("window.raqib.store.time_s > 30")
    page.click("button[data-replay='live']")
    page.wait_for_function("window.raqib.store.time_s === 5 && window.raqib.store.tracks.size === 5")
    assert page.locator("#mode").inner_text() == "LIVE"


def test_the_screen_fits_a_laptop(site: Running, open_page: Any, test_output_dir: Path) -> None:
    page = open_page("otto", viewport=(1366, 768))
    site.publish(FakeStep(0.0, circling_tracks(30, 0.0), (), [make_alert(1, 0.0, [1])]))
    page.wait_for_selector("li[data-alert-id='1']")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    map_box = page.locator("#map").bounding_box()
    assert map_box["width"] > 900 and map_box["height"] > 600
    page.screenshot(path=test_output_dir / "laptop.png")
