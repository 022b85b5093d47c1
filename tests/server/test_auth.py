"""Users, passwords and sessions."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from raqib.server.auth import Role, SessionStore, UsersFileError, UserStore, ensure_admin
from tests.server.conftest import FAST_HASHER


def test_passwords_are_stored_as_argon2_hashes_readable_by_the_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    users = UserStore(path, hasher=FAST_HASHER)
    users.set_user("otto", Role.OPERATOR, "correct horse")
    text = path.read_text()
    assert "correct horse" not in text
    entry = tomllib.loads(text)["users"]["otto"]
    assert entry["role"] == "operator"
    assert entry["password_hash"].startswith("$argon2id$")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    reloaded = UserStore(path, hasher=FAST_HASHER)
    assert reloaded.verify("otto", "correct horse") is not None
    assert reloaded.verify("otto", "wrong horse") is None
    assert reloaded.verify("nobody", "correct horse") is None


def test_role_order() -> None:
    assert Role.ADMIN.allows(Role.OPERATOR) and Role.OPERATOR.allows(Role.VIEWER)
    assert not Role.VIEWER.allows(Role.OPERATOR) and not Role.OPERATOR.allows(Role.ADMIN)


def test_bad_users_are_refused(tmp_path: Path) -> None:
    users = UserStore(tmp_path / "users.toml", hasher=FAST_HASHER)
    with pytest.raises(UsersFileError, match="needs a password"):
        users.set_user("new", Role.VIEWER)
    with pytest.raises(UsersFileError, match="at least 8"):
        users.set_user("new", Role.VIEWER, "short")
    with pytest.raises(UsersFileError, match="user name"):
        users.set_user("no spaces", Role.VIEWER, "long enough")


@pytest.mark.parametrize(
    "text",
    [
        "not toml [",
        "[users.x]\nrole = 'god'\npassword_hash = '$argon2id$x'",
        "[users.x]\nrole = 'admin'\npassword_hash = 'plain'",
        "users = 3",
    ],
)
def test_a_broken_users_file_is_reported(tmp_path: Path, text: str) -> None:
    path = tmp_path / "users.toml"
    path.write_text(text)
    with pytest.raises(UsersFileError, match=str(path)):
        UserStore(path)


def test_ensure_admin_creates_one_admin_once(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    name, password = ensure_admin(path)
    assert name == "admin" and password and len(password) >= 12
    assert UserStore(path).verify("admin", password) is not None
    assert ensure_admin(path) == ("admin", None)


def test_sessions_expire_and_can_be_revoked() -> None:
    now = [1000.0]
    sessions = SessionStore(lifetime_s=60.0, clock=lambda: now[0])
    first = sessions.create("otto")
    second = sessions.create("otto")
    assert first.token != second.token and len(first.token) >= 32
    assert sessions.get(first.token) == first
    now[0] += 61.0
    assert sessions.get(first.token) is None
    third = sessions.create("vera")
    sessions.revoke(third.token)
    assert sessions.get(third.token) is None
