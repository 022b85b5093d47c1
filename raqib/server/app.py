"""The operator's screen: a FastAPI app serving the REST API, the live WebSocket and the web UI."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

import raqib
from raqib.model import Zone
from raqib.server.auth import SessionStore, UserStore
from raqib.server.context import ServerContext, ServerSettings
from raqib.server.hub import StateHub
from raqib.server.replay import PipelineFactory, ReplayLibrary, default_pipeline
from raqib.server.routes import alerts, auth, live, recordings, sensors, state, zones

NOT_BUILT_PAGE = """<!doctype html><html><head><title>raqib</title></head>
<body style="background:#111;color:#eee;font-family:sans-serif;padding:2em">
<h1>raqib</h1><p>The web UI has not been built. Run <code>web/build.sh</code>
(npm ci and npm run build in web/), then reload. The API is at <a href="/docs">/docs</a>.</p>
</body></html>"""


def create_app(
    hub: StateHub,
    *,
    users: UserStore | str | os.PathLike[str],
    zones_file: str | os.PathLike[str] | None = None,
    recordings_dir: str | os.PathLike[str] | None = None,
    settings: ServerSettings | None = None,
    sessions: SessionStore | None = None,
    replay_pipeline: PipelineFactory = default_pipeline,
    initial_zones: Sequence[Zone] | None = None,
) -> FastAPI:
    """The app for one site's hub.

    ``users`` is a UserStore or the path of the users file. Zone edits are saved to
    ``zones_file`` when given. ``recordings_dir`` holds the ``*.jsonl`` recordings offered for
    replay, each run through ``replay_pipeline`` (by default raqib.pipeline.Pipeline)."""
    settings = settings or ServerSettings()
    if initial_zones is not None:
        hub.set_zones(initial_zones)
    replays = None
    if recordings_dir is not None:
        replays = ReplayLibrary(
            Path(recordings_dir), replay_pipeline, zones=lambda: hub.zones, site=lambda: hub.site
        )
    context = ServerContext(
        hub=hub,
        users=users if isinstance(users, UserStore) else UserStore(users),
        sessions=sessions or SessionStore(settings.session_lifetime_s),
        settings=settings,
        zones_file=Path(zones_file) if zones_file is not None else None,
        replays=replays,
    )
    app = FastAPI(
        title="raqib",
        version=raqib.__version__,
        description="Sense and warn: the operator's screen and its API.",
    )
    app.state.raqib = context
    for module in (auth, state, zones, alerts, sensors, recordings, live):
        app.include_router(module.router)
    static_dir = settings.static_dir
    if (static_dir / "index.html").is_file():
        app.mount("/", StaticFiles(directory=static_dir, html=True), name="ui")
    else:

        @app.get("/", include_in_schema=False)
        async def not_built() -> HTMLResponse:
            return HTMLResponse(NOT_BUILT_PAGE)

    return app
