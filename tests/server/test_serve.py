"""Serving: TLS off loopback, the command-line options, the admin created on first start."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from raqib.cli._server_options import add_server_arguments
from raqib.server import InsecureServerError, StateHub, build_from_args, make_server
from raqib.server.auth import UserStore
from raqib.threat.zonefile import save_zones
from tests.server.fakes import COMPOUND, SITE, TOWER


@pytest.fixture
def app(tmp_path: Path):  # type: ignore[no-untyped-def]
    from raqib.server import create_app

    return create_app(StateHub(site=SITE), users=UserStore(None))


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "example.org", "::"])
def test_a_public_address_without_tls_is_refused(app, host: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InsecureServerError, match="without TLS"):
        make_server(app, host, 8080)
    assert make_server(app, host, 8080, allow_insecure_public=True).config.host == host


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_needs_no_tls(app, host: str) -> None:  # type: ignore[no-untyped-def]
    assert make_server(app, host, 0).config.port == 0


def test_tls_needs_both_certificate_and_key(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InsecureServerError, match="both"):
        make_server(app, "0.0.0.0", 8443, tls_cert=tmp_path / "cert.pem")
    server = make_server(app, "0.0.0.0", 8443, tls_cert=tmp_path / "c.pem", tls_key=tmp_path / "k.pem")
    assert server.config.ssl_certfile == tmp_path / "c.pem"


def test_build_from_args_creates_an_admin_and_loads_the_zones_file(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_server_arguments(parser)
    zones_file = tmp_path / "zones.geojson"
    save_zones(zones_file, [TOWER])
    args = parser.parse_args(
        [
            "--port",
            "9000",
            "--users",
            str(tmp_path / "users.toml"),
            "--zones-file",
            str(zones_file),
            "--recordings",
            str(tmp_path),
        ]
    )
    hub = StateHub(site=SITE, zones=[COMPOUND])
    app, message = build_from_args(args, hub)
    assert message is not None and "admin" in message and "http://127.0.0.1:9000/" in message
    assert hub.zones == [TOWER]
    assert app.state.raqib.zones_file == zones_file
    _, again = build_from_args(args, hub)
    assert again is None  # the admin exists now
