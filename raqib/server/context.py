"""What every route needs: the hub, the users and sessions, the files, the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import HTTPConnection

from raqib.server.auth import SessionStore, UserStore
from raqib.server.hub import StateHub
from raqib.server.replay import ReplayLibrary

STATIC_DIR = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Deployment choices for the operator's screen."""

    tile_url: str | None = None  # a site's own raster tiles, "https://.../{z}/{x}/{y}.png"
    pmtiles_url: str | None = None  # or a PMTiles archive of raster tiles
    range_rings_m: tuple[float, ...] = (1000.0, 2000.0, 5000.0, 10000.0)
    tick_s: float = 0.1  # the WebSocket batches changes over at least this long
    session_lifetime_s: float = 8 * 3600.0
    secure_cookies: bool = False  # set when served over TLS
    static_dir: Path = field(default=STATIC_DIR)


@dataclass(slots=True)
class ServerContext:
    hub: StateHub
    users: UserStore
    sessions: SessionStore
    settings: ServerSettings
    zones_file: Path | None
    replays: ReplayLibrary | None


def context_of(connection: HTTPConnection) -> ServerContext:
    context: ServerContext = connection.app.state.raqib
    return context
