"""Run the app with uvicorn inside the caller's asyncio loop (its command-line options live in
raqib.cli._server_options, so that `raqib --help` does not load the web stack)."""

from __future__ import annotations

import argparse
import ipaddress
import os
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from raqib.server.app import create_app
from raqib.server.auth import ensure_admin
from raqib.server.context import ServerSettings
from raqib.server.hub import StateHub
from raqib.threat.zonefile import load_zones


class InsecureServerError(ValueError):
    """A non-loopback address without TLS, which would send passwords in clear."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_server(
    app: FastAPI,
    host: str,
    port: int,
    *,
    tls_cert: str | os.PathLike[str] | None = None,
    tls_key: str | os.PathLike[str] | None = None,
    allow_insecure_public: bool = False,
) -> uvicorn.Server:
    """A uvicorn server for ``app``, refusing a public address without TLS unless allowed."""
    if (tls_cert is None) != (tls_key is None):
        raise InsecureServerError("TLS needs both a certificate and a key")
    if tls_cert is None and not is_loopback(host) and not allow_insecure_public:
        raise InsecureServerError(
            f"refusing to serve on {host} without TLS: give a certificate and key, "
            "or allow_insecure_public (--insecure-public) on a network you trust"
        )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        log_level="warning",
        lifespan="off",
        ws_ping_interval=20.0,
    )
    return uvicorn.Server(config)


async def serve(
    app: FastAPI,
    host: str,
    port: int,
    *,
    tls_cert: str | os.PathLike[str] | None = None,
    tls_key: str | os.PathLike[str] | None = None,
    allow_insecure_public: bool = False,
) -> None:
    """Serve until cancelled, in the running event loop (so the pipeline can share it)."""
    server = make_server(
        app, host, port, tls_cert=tls_cert, tls_key=tls_key, allow_insecure_public=allow_insecure_public
    )
    await server.serve()


def build_from_args(args: argparse.Namespace, hub: StateHub) -> tuple[FastAPI, str | None]:
    """The app for parsed :func:`add_server_arguments` options, plus a log-in line to print
    when a new administrator was created (None otherwise). Zones from ``--zones-file`` (when
    it exists) replace the hub's; the caller hands ``hub.zones`` to its pipeline."""
    user, password = ensure_admin(args.users)
    zones_file = args.zones_file
    if zones_file is not None and Path(zones_file).exists():
        hub.set_zones(load_zones(zones_file))
    settings = ServerSettings(
        tile_url=args.tile_url, pmtiles_url=args.pmtiles, secure_cookies=args.tls_cert is not None
    )
    app = create_app(
        hub, users=args.users, zones_file=zones_file, recordings_dir=args.recordings, settings=settings
    )
    scheme = "https" if args.tls_cert else "http"
    message = None
    if password is not None:
        message = (
            f"Created administrator {user!r} with password {password} (in {args.users}). "
            f"Log in at {scheme}://{args.host}:{args.port}/"
        )
    return app, message


async def serve_from_args(args: argparse.Namespace, app: FastAPI) -> None:
    await serve(
        app,
        args.host,
        args.port,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        allow_insecure_public=args.insecure_public,
    )
