"""The REST API in-process: what each role may do, and that a refused request changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from raqib.model import AlertState
from raqib.server import StateHub
from tests.server.fakes import FakePipeline, FakeStep, make_alert, make_threat, make_track

pytestmark = pytest.mark.anyio

NEW_ZONE = {
    "zone_id": "gate",
    "name": "Gate",
    "kind": "warning",
    "polygon": [[33.27, 44.22], [33.27, 44.23], [33.26, 44.23]],
    "floor_m": 0,
    "ceiling_m": 300,
}

# (method, path, body, the least role allowed)
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, str]] = [
    ("GET", "/api/auth/me", None, "viewer"),
    ("GET", "/api/state", None, "viewer"),
    ("GET", "/api/config", None, "viewer"),
    ("GET", "/api/tracks/1", None, "viewer"),
    ("GET", "/api/alerts", None, "viewer"),
    ("GET", "/api/audit", None, "viewer"),
    ("GET", "/api/zones", None, "viewer"),
    ("GET", "/api/zones.geojson", None, "viewer"),
    ("GET", "/api/sensors", None, "viewer"),
    ("GET", "/api/recordings", None, "viewer"),
    ("POST", "/api/alerts/1/acknowledge", {"note": "x"}, "operator"),
    ("POST", "/api/alerts/1/note", {"note": "x"}, "operator"),
    ("POST", "/api/alerts/1/clear", {"note": "x"}, "operator"),
    ("POST", "/api/zones", NEW_ZONE, "admin"),
    ("PUT", "/api/zones/compound", {**NEW_ZONE, "zone_id": "compound"}, "admin"),
    ("DELETE", "/api/zones/tower", None, "admin"),
    ("PATCH", "/api/sensors/radar-1", {"max_range_m": 5000}, "admin"),
    ("GET", "/api/users", None, "admin"),
    ("PUT", "/api/users/newbie", {"role": "viewer", "password": "long enough"}, "admin"),
    ("DELETE", "/api/users/vera", None, "admin"),
]
RANK = {"anon": -1, "vera": 0, "otto": 1, "ada": 2}
NEEDED = {"viewer": 0, "operator": 1, "admin": 2}


@pytest.fixture
def busy_hub(hub: StateHub, pipeline: FakePipeline) -> StateHub:
    track = make_track(1, 5.0, 1500, 800, vel_e_ms=-20)
    alert = make_alert(1, 5.0, [1])
    pipeline.remember([alert])
    hub.publish(FakeStep(5.0, [track], [make_threat(track)], [alert]))
    return hub


async def _everything(client: httpx.AsyncClient) -> str:
    parts = [await client.get(path) for path in ("/api/state", "/api/users", "/api/sensors")]
    state = parts[0].json()
    state.pop("seq")
    return json.dumps([state, parts[1].json(), parts[2].json()], sort_keys=True)


REFUSED = [
    (who, *endpoint)
    for endpoint in ENDPOINTS
    for who in ("anon", "vera", "otto")
    if RANK[who] < NEEDED[endpoint[3]]
]


@pytest.mark.parametrize(("who", "method", "path", "body", "least"), REFUSED)
async def test_a_role_below_the_endpoints_gets_401_or_403_and_nothing_changes(
    busy_hub: StateHub,
    clients: dict[str, httpx.AsyncClient],
    zones_file: Path,
    who: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    least: str,
) -> None:
    before = await _everything(clients["ada"])
    response = await clients[who].request(method, path, json=body)
    assert response.status_code == (401 if who == "anon" else 403), response.text
    assert response.json()["detail"]
    assert await _everything(clients["ada"]) == before
    assert not zones_file.exists()


@pytest.mark.parametrize(("method", "path", "body", "least"), ENDPOINTS)
async def test_the_least_role_allowed_gets_a_success(
    busy_hub: StateHub,
    clients: dict[str, httpx.AsyncClient],
    method: str,
    path: str,
    body: dict[str, Any] | None,
    least: str,
) -> None:
    who = {"viewer": "vera", "operator": "otto", "admin": "ada"}[least]
    response = await clients[who].request(method, path, json=body)
    assert response.status_code in (200, 201, 204), response.text


async def test_login_sets_an_httponly_cookie_that_works_until_logout(app: Any) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
        wrong = await browser.post("/api/auth/login", json={"username": "otto", "password": "nope"})
        assert wrong.status_code == 401
        response = await browser.post(
            "/api/auth/login", json={"username": "otto", "password": "operator-pass"}
        )
        cookie = response.headers["set-cookie"]
        assert "raqib_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert (await browser.get("/api/auth/me")).json() == {"name": "otto", "role": "operator"}
        assert (await browser.post("/api/auth/logout")).status_code == 204
        assert (await browser.get("/api/auth/me")).status_code == 401


async def test_state_shows_tracks_with_trails_threats_and_zone_states(
    busy_hub: StateHub, clients: dict[str, httpx.AsyncClient]
) -> None:
    state = (await clients["vera"].get("/api/state")).json()
    (track,) = state["tracks"]
    assert track["track_id"] == 1 and track["level"] == "alert" and track["trail"]
    assert track["threats"][0]["zone_id"] == "compound" and track["threats"][0]["impact_ellipse_m"]
    assert {z["zone_id"]: z["state"] for z in state["zones"]} == {"compound": "alerted", "tower": "quiet"}
    assert (await clients["vera"].get("/api/tracks/99")).status_code == 404


async def test_an_operator_acknowledges_then_clears_and_the_audit_says_who(
    busy_hub: StateHub, clients: dict[str, httpx.AsyncClient], pipeline: FakePipeline
) -> None:
    otto = clients["otto"]
    acknowledged = (await otto.post("/api/alerts/1/acknowledge", json={"note": "seen"})).json()
    assert acknowledged["state"] == AlertState.ACKNOWLEDGED and acknowledged["acknowledged_by"] == "otto"
    assert (await otto.post("/api/alerts/1/clear", json={"note": "landed"})).json()["active"] is False
    assert (await otto.post("/api/alerts/1/acknowledge", json={"note": ""})).status_code == 409
    assert (await otto.post("/api/alerts/42/clear", json={"note": ""})).status_code == 404
    audit = (await otto.get("/api/audit")).json()
    assert [(e["action"], e["actor"], e["reason"]) for e in audit] == [
        ("acknowledged", "otto", "seen"),
        ("cleared", "otto", "landed"),
    ]
    assert [c[0] for c in pipeline.calls] == ["acknowledge", "clear"]


async def test_zone_edits_are_validated_saved_and_given_to_the_pipeline(
    clients: dict[str, httpx.AsyncClient], zones_file: Path, pipeline: FakePipeline
) -> None:
    ada = clients["ada"]
    created = await ada.post("/api/zones", json=NEW_ZONE)
    assert created.status_code == 201 and created.json()["state"] == "quiet"
    assert (await ada.post("/api/zones", json=NEW_ZONE)).status_code == 409
    bad = await ada.post("/api/zones", json={**NEW_ZONE, "zone_id": "bad", "floor_m": 500, "ceiling_m": 10})
    assert bad.status_code == 422 and "ceiling_m" in bad.json()["detail"]
    moved = {**NEW_ZONE, "polygon": [[33.28, 44.22], [33.28, 44.23], [33.27, 44.23]], "ceiling_m": 800}
    assert (await ada.put("/api/zones/gate", json=moved)).json()["ceiling_m"] == 800
    assert (await ada.delete("/api/zones/tower")).status_code == 204
    saved = json.loads(zones_file.read_text())
    assert [f["properties"]["id"] for f in saved["features"]] == ["compound", "gate"]
    assert saved["features"][1]["geometry"]["coordinates"][0][0] == [44.22, 33.28]
    assert [z.zone_id for z in pipeline.zones] == ["compound", "gate"]
    assert (await ada.delete("/api/zones/nope")).status_code == 404


async def test_admins_manage_users_but_not_themselves(clients: dict[str, httpx.AsyncClient]) -> None:
    ada = clients["ada"]
    assert (await ada.put("/api/users/ada", json={"role": "viewer"})).status_code == 409
    assert (await ada.delete("/api/users/ada")).status_code == 409
    demoted = await ada.put("/api/users/otto", json={"role": "viewer"})
    assert demoted.json() == {"name": "otto", "role": "viewer"}
    assert (await clients["otto"].post("/api/alerts/1/clear", json={"note": ""})).status_code == 403
    assert (await ada.delete("/api/users/vera")).status_code == 204
    assert (await clients["vera"].get("/api/state")).status_code == 401  # her session died with her


async def test_without_a_built_ui_the_root_page_says_how_to_build_it(
    clients: dict[str, httpx.AsyncClient],
) -> None:
    response = await clients["anon"].get("/")
    assert response.status_code == 200 and "web/build.sh" in response.text
