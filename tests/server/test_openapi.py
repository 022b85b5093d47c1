"""Schemathesis drives every operation of the OpenAPI document as an administrator: no request,
however odd, may cause a server error, and every response must match its documented schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from raqib.server import StateHub, create_app
from raqib.server.context import ServerSettings
from tests.server.conftest import make_users
from tests.server.fakes import (
    COMPOUND,
    RADAR,
    SITE,
    TOWER,
    FakePipeline,
    FakeStep,
    make_alert,
    make_threat,
    make_track,
)


@pytest.fixture
def api_schema(tmp_path: Path) -> Any:
    pipeline = FakePipeline()
    hub = StateHub(site=SITE, zones=[COMPOUND, TOWER], sensors=[RADAR], commands=pipeline)
    track = make_track(1, 0.0, 100, 100)
    alert = make_alert(1, 0.0, [1])
    pipeline.remember([alert])
    hub.publish(FakeStep(0.0, [track], [make_threat(track)], [alert]))
    users = make_users(tmp_path / "users.toml")
    app = create_app(
        hub,
        users=users,
        zones_file=tmp_path / "zones.geojson",
        recordings_dir=tmp_path,
        settings=ServerSettings(static_dir=tmp_path / "none"),
    )
    session = app.state.raqib.sessions.create("ada")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    schema.token = session.token  # type: ignore[attr-defined]
    return schema


def test_the_document_describes_every_route(api_schema: Any) -> None:
    paths = set(api_schema.raw_schema["paths"])
    assert {
        "/api/state",
        "/api/alerts/{alert_id}/acknowledge",
        "/api/zones/{zone_id}",
        "/api/recordings/{name}/state",
        "/api/auth/login",
        "/api/users/{name}",
    } <= paths


def test_no_request_causes_a_server_error(api_schema: Any) -> None:
    headers = {"Authorization": f"Bearer {api_schema.token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        check()
