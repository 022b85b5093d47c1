"""The operator screen's command-line options, shared by `raqib demo` and `raqib run`; kept
apart from raqib.server so that building the parser stays light."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """The operator screen's options, for `raqib demo` and `raqib run`."""
    group = parser.add_argument_group("operator's screen")
    group.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    group.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    group.add_argument("--tls-cert", type=Path, help="TLS certificate (PEM); needed off loopback")
    group.add_argument("--tls-key", type=Path, help="TLS private key (PEM)")
    group.add_argument(
        "--insecure-public",
        action="store_true",
        help="serve a non-loopback address without TLS (trusted networks only)",
    )
    group.add_argument(
        "--users",
        type=Path,
        default=Path("raqib-users.toml"),
        help="users file (created with an admin if missing; default raqib-users.toml)",
    )
    group.add_argument("--zones-file", type=Path, help="GeoJSON zones file, read at start and saved on edit")
    group.add_argument("--recordings", type=Path, help="folder of *.jsonl recordings to offer for replay")
    group.add_argument("--tile-url", help="the site's own raster tiles, a {z}/{x}/{y} URL template")
    group.add_argument("--pmtiles", help="URL of a PMTiles archive of raster tiles")


__all__ = ["add_server_arguments"]
