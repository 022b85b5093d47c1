"""Replay: a recording runs once through a pipeline; the slider looks up the picture at any time."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from raqib.model import Detection, Sensor, Site, Zone
from raqib.recorder.contract import write_recording
from raqib.server import StateHub, create_app
from raqib.server.context import ServerSettings
from raqib.server.replay import ReplayError, build_replay
from tests.server.conftest import make_users
from tests.server.fakes import COMPOUND, RADAR, SITE, FakeStep, make_alert, make_track


class EchoPipeline:
    """Turns each detection at a position into a track of the same number: enough to replay."""

    def __init__(self, site: Site, zones: Sequence[Zone], sensors: Sequence[Sensor]) -> None:
        self.zones = zones

    def step(self, detections: Sequence[Detection], time_s: float) -> FakeStep:
        tracks = [make_track(int(d.identity or 0), time_s, 0.0, 15.0 * time_s) for d in detections]
        alerts = [make_alert(1, time_s, [1])] if time_s == 2.0 else []
        return FakeStep(time_s, tracks, (), alerts)


def _detections_recording(path: Path) -> Path:
    detections = [
        Detection(
            time_s=float(t), sensor_id="radar-1", lat_deg=33.27, lon_deg=44.24, alt_m=150.0, identity=str(i)
        )
        for t in range(5)
        for i in (1, 2)
        if not (i == 2 and t >= 3)
    ]
    write_recording(path, [SITE, RADAR, *detections])
    return path


def test_each_scan_is_kept_and_looked_up_by_time(tmp_path: Path) -> None:
    replay = build_replay(_detections_recording(tmp_path / "r.jsonl"), EchoPipeline, zones=[COMPOUND])
    assert replay.times_s.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert [t.track_id for t in replay.at(2.5).tracks] == [1, 2]
    assert [t.track_id for t in replay.at(3.0).tracks] == [1]  # track 2 ended at 3 s
    assert len(replay.at(4.0).tracks[0].trail or []) == 5
    assert replay.at(-10.0).time_s == 0.0 and replay.at(99.0).time_s == 4.0
    assert {z.zone_id: z.state for z in replay.at(2.0).zones} == {"compound": "alerted"}


def test_a_recording_of_tracks_alone_is_shown_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "tracks.jsonl"
    lines = ['{"type": "site", "lat": 33.2625, "lon": 44.2346, "alt": 35.0}']
    lines += [
        json.dumps(
            {
                "type": "track",
                "time": float(t),
                "id": 7,
                "lat": 33.27 + 1e-4 * t,
                "lon": 44.24,
                "alt": 150.0,
                "vel_e": 0.0,
                "vel_n": 10.0,
                "vel_u": 0.0,
            }
        )
        for t in range(3)
    ]
    lines.append("this line is broken")
    path.write_text("\n".join(lines) + "\n")
    replay = build_replay(path, EchoPipeline)
    assert replay.info().scan_count == 3 and replay.info().bad_lines == 1
    assert replay.at(1.5).tracks[0].track_id == 7


def test_a_recording_without_a_site_or_records_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    with pytest.raises(ReplayError, match="no site"):
        build_replay(path, EchoPipeline)
    with pytest.raises(ReplayError, match="no detections or tracks"):
        build_replay(path, EchoPipeline, site=SITE)


@pytest.mark.anyio
async def test_the_replay_api_lists_replays_and_answers_by_time(tmp_path: Path) -> None:
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    _detections_recording(recordings / "night.jsonl")
    (recordings / "notes.txt").write_text("not a recording")
    hub = StateHub(site=SITE, zones=[COMPOUND], sensors=[RADAR])
    app = create_app(
        hub,
        users=make_users(None),
        recordings_dir=recordings,
        replay_pipeline=EchoPipeline,
        settings=ServerSettings(static_dir=tmp_path),
    )
    token = app.state.raqib.sessions.create("vera").token
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://t",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        listed = (await client.get("/api/recordings")).json()
        assert [r["name"] for r in listed] == ["night.jsonl"]
        info = (await client.get("/api/recordings/night.jsonl/replay")).json()
        assert (info["start_time_s"], info["end_time_s"], info["scan_count"]) == (0.0, 4.0, 5)
        state = (await client.get("/api/recordings/night.jsonl/state", params={"time_s": 3.5})).json()
        assert state["time_s"] == 3.0 and [t["track_id"] for t in state["tracks"]] == [1]
        assert (await client.get("/api/recordings/..%2Fusers.toml/replay")).status_code == 404
        assert (await client.get("/api/recordings/missing.jsonl/replay")).status_code == 404
        assert hub.time_s is None  # the live picture is untouched by a replay


def test_a_simulated_scenario_replays_through_the_real_pipeline(tmp_path: Path) -> None:
    scenario_module = pytest.importorskip("raqib.scenario")
    from raqib.server.replay import default_pipeline

    scenario = scenario_module.load_scenario("single-drone")
    path = tmp_path / "single-drone.jsonl"
    early = list(
        itertools.takewhile(
            lambda r: getattr(r, "time_s", 0.0) <= 20.0, scenario_module.simulate(scenario, seed=1)
        )
    )
    write_recording(path, early)
    replay = build_replay(path, default_pipeline, zones=scenario.zones)
    assert replay.info().scan_count > 5
    assert max(len(s.tracks) for s in replay.snapshots) >= 1
