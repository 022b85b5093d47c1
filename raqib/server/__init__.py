"""The operator's screen: FastAPI REST and WebSocket API, log-in with roles, the web UI.

pipeline ──publish()──► StateHub ──diffs per tick──► WebSocket /api/ws ──► browser
                           ▲                                                 │
                           └──── acknowledge / clear / zones (Commands) ◄────┘
"""

from raqib.server.app import create_app
from raqib.server.auth import Role, SessionStore, UserStore, ensure_admin
from raqib.server.context import ServerSettings
from raqib.server.hub import Commands, NoCommandsError, StateHub, StepResultLike
from raqib.server.serve import (
    InsecureServerError,
    build_from_args,
    make_server,
    serve,
    serve_from_args,
)

__all__ = [
    "Commands",
    "InsecureServerError",
    "NoCommandsError",
    "Role",
    "ServerSettings",
    "SessionStore",
    "StateHub",
    "StepResultLike",
    "UserStore",
    "build_from_args",
    "create_app",
    "ensure_admin",
    "make_server",
    "serve",
    "serve_from_args",
]
