"""Fixtures: a hub fed by the fake pipeline, the app over it, and a logged-in client per role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher

from raqib.server import Role, StateHub, UserStore, create_app
from raqib.server.context import ServerSettings
from tests.server.fakes import COMPOUND, RADAR, SITE, TOWER, FakePipeline

PASSWORDS = {"vera": "viewer-pass", "otto": "operator-pass", "ada": "admin-pass"}
ROLES = {"vera": Role.VIEWER, "otto": Role.OPERATOR, "ada": Role.ADMIN}
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)  # tests only


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def make_users(path: Path | None) -> UserStore:
    users = UserStore(path, hasher=FAST_HASHER)
    for name, password in PASSWORDS.items():
        users.set_user(name, ROLES[name], password)
    return users


@pytest.fixture
def pipeline() -> FakePipeline:
    return FakePipeline(zones=[COMPOUND, TOWER])


@pytest.fixture
def hub(pipeline: FakePipeline) -> StateHub:
    return StateHub(site=SITE, zones=[COMPOUND, TOWER], sensors=[RADAR], commands=pipeline)


@pytest.fixture
def zones_file(tmp_path: Path) -> Path:
    return tmp_path / "zones.geojson"


@pytest.fixture
def app(hub: StateHub, tmp_path: Path, zones_file: Path):  # type: ignore[no-untyped-def]
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    return create_app(
        hub,
        users=make_users(tmp_path / "users.toml"),
        zones_file=zones_file,
        recordings_dir=recordings,
        settings=ServerSettings(static_dir=tmp_path / "no-static", tick_s=0.01),
    )


@pytest.fixture
async def clients(app) -> AsyncIterator[dict[str, httpx.AsyncClient]]:  # type: ignore[no-untyped-def]
    """An anonymous client ("anon") and one logged in (by bearer token) per user."""
    transport = httpx.ASGITransport(app=app)
    result: dict[str, httpx.AsyncClient] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anon:
        result["anon"] = anon
        for name, password in PASSWORDS.items():
            response = await anon.post("/api/auth/login", json={"username": name, "password": password})
            assert response.status_code == 200, response.text
            token = response.json()["token"]
            result[name] = httpx.AsyncClient(
                transport=transport,
                base_url="http://testserver",
                headers={"Authorization": f"Bearer {token}"},
            )
        anon.cookies.clear()
        yield result
        for name in PASSWORDS:
            await result[name].aclose()
