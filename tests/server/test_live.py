"""The WebSocket over a real uvicorn: log-in required, a snapshot, then batched updates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from raqib.server import StateHub, create_app
from raqib.server.context import ServerSettings
from tests.server.conftest import make_users
from tests.server.fakes import COMPOUND, RADAR, SITE, FakePipeline, FakeStep, circling_tracks, make_alert
from tests.web.live_server import LiveServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    hub = StateHub(site=SITE, zones=[COMPOUND], sensors=[RADAR], commands=FakePipeline())
    app = create_app(hub, users=make_users(None), settings=ServerSettings(static_dir=tmp_path, tick_s=0.05))
    live = LiveServer(app).start()
    yield live
    live.stop()


def _token(server: LiveServer, user: str = "vera") -> str:
    return server.call(lambda: server.app.state.raqib.sessions.create(user).token)


def test_without_a_session_the_socket_is_refused(server: LiveServer) -> None:
    with pytest.raises(ConnectionClosed) as closed, connect(f"ws://127.0.0.1:{server.port}/api/ws") as ws:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


def test_a_page_of_another_site_is_refused(server: LiveServer) -> None:
    url = f"ws://127.0.0.1:{server.port}/api/ws?token={_token(server)}"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, origin=Origin("http://evil.example"))
    assert refused.value.response.status_code == 403


def test_snapshot_then_only_the_changes(server: LiveServer) -> None:
    hub: StateHub = server.app.state.raqib.hub
    server.call(hub.publish, FakeStep(0.0, circling_tracks(50, 0.0)))
    headers = {"Authorization": f"Bearer {_token(server)}"}
    with connect(f"ws://127.0.0.1:{server.port}/api/ws", additional_headers=headers) as ws:
        snapshot = json.loads(ws.recv(timeout=5))
        assert snapshot["type"] == "snapshot" and len(snapshot["tracks"]) == 50
        assert all(t["trail"] for t in snapshot["tracks"])
        moved = circling_tracks(50, 1.0)[:10]  # ten tracks move, forty are gone
        server.call(hub.publish, FakeStep(1.0, moved, (), [make_alert(1, 1.0, [1])]))
        update = json.loads(ws.recv(timeout=5))
        assert update["type"] == "update" and update["time_s"] == 1.0
        assert sorted(t["track_id"] for t in update["tracks"]) == list(range(1, 11))
        assert update["removed"] == list(range(11, 51))
        assert [a["alert_id"] for a in update["alerts"]] == [1]
        assert update["zone_states"] == [{"zone_id": "compound", "state": "alerted"}]
        assert update["published_ms"] > 1e12 and update["tracks"][0]["trail"] is None
