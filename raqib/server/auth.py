"""Who may use the operator's screen, and what they may do.

Three roles, each allowed everything the one before it is:

    viewer    sees the picture
    operator  also acknowledges, annotates and clears alerts
    admin     also edits zones, sensors and users

Users live in a TOML file (``[users.NAME]`` tables with ``role`` and an argon2
``password_hash``), written atomically and readable by its owner only. Sessions are random
tokens kept in memory that expire; the browser carries one in a cookie, an API client as a
bearer token.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import tomli_w
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

USER_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD_LENGTH = 8


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


_RANKS = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}


class UsersFileError(ValueError):
    """A users file that can't be read, or a user that can't be stored."""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role
    password_hash: str


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    user_name: str
    expires_at_s: float  # UNIX time


class UserStore:
    """The users file, loaded into memory; every change is saved at once."""

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, hasher: PasswordHasher | None = None
    ) -> None:
        self.path = Path(path) if path is not None else None
        self._hasher = hasher or PasswordHasher()
        self._users: dict[str, User] = {}
        self._dummy_hash: str | None = None
        if self.path is not None and self.path.exists():
            self._users = _read_users(self.path)

    def get(self, name: str) -> User | None:
        return self._users.get(name)

    def all(self) -> list[User]:
        return sorted(self._users.values(), key=lambda u: u.name)

    def admins(self) -> list[User]:
        return [u for u in self._users.values() if u.role is Role.ADMIN]

    def verify(self, name: str, password: str) -> User | None:
        """The user if the password is right, else None (taking about as long either way)."""
        user = self._users.get(name)
        if user is None and self._dummy_hash is None:
            # an unknown name still costs one hash with our parameters, so timing can't tell it apart
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        stored = user.password_hash if user else self._dummy_hash
        try:
            self._hasher.verify(stored or "", password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if user is None:
            return None
        if self._hasher.check_needs_rehash(user.password_hash):
            self._put(User(user.name, user.role, self._hasher.hash(password)))
        return user

    def set_user(self, name: str, role: Role, password: str | None = None) -> User:
        """Create a user (a password is needed) or change one's role and/or password."""
        if not USER_NAME.match(name):
            raise UsersFileError(f"user name {name!r} must be 1-64 letters, digits or _ . @ -")
        existing = self._users.get(name)
        if password is None and existing is None:
            raise UsersFileError(f"a new user ({name!r}) needs a password")
        if password is not None and len(password) < MIN_PASSWORD_LENGTH:
            raise UsersFileError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
        password_hash = self._hasher.hash(password) if password is not None else existing.password_hash  # type: ignore[union-attr]
        user = User(name, Role(role), password_hash)
        self._put(user)
        return user

    def delete(self, name: str) -> bool:
        if name not in self._users:
            return False
        remaining = dict(self._users)
        del remaining[name]
        self._replace(remaining)
        return True

    def _put(self, user: User) -> None:
        self._replace({**self._users, user.name: user})

    def _replace(self, users: dict[str, User]) -> None:
        if self.path is not None:
            _write_users(self.path, users)
        self._users = users


def _read_users(path: Path) -> dict[str, User]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsersFileError(f"{path}: can't read the users file: {exc}") from exc
    table = document.get("users", {})
    if not isinstance(table, dict):
        raise UsersFileError(f"{path}: [users] must be a table")
    users: dict[str, User] = {}
    for name, entry in table.items():
        if not isinstance(entry, dict):
            raise UsersFileError(f"{path}: user {name!r} must be a table")
        try:
            role = Role(str(entry.get("role")))
        except ValueError as exc:
            raise UsersFileError(f"{path}: user {name!r} has an unknown role {entry.get('role')!r}") from exc
        password_hash = entry.get("password_hash")
        if not isinstance(password_hash, str) or not password_hash.startswith("$argon2"):
            raise UsersFileError(f"{path}: user {name!r} needs an argon2 password_hash")
        users[name] = User(name, role, password_hash)
    return users


def _write_users(path: Path, users: dict[str, User]) -> None:
    document = {
        "users": {
            u.name: {"role": str(u.role), "password_hash": u.password_hash}
            for u in sorted(users.values(), key=lambda u: u.name)
        }
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as stream:
            tomli_w.dump(document, stream)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


class SessionStore:
    """Log-in sessions in memory: a restart logs everyone out, which is acceptable here."""

    def __init__(self, lifetime_s: float = 8 * 3600.0, clock: Callable[[], float] = time.time) -> None:
        self.lifetime_s = lifetime_s
        self._clock = clock
        self._sessions: dict[str, Session] = {}

    def create(self, user_name: str) -> Session:
        self._forget_expired()
        session = Session(secrets.token_urlsafe(32), user_name, self._clock() + self.lifetime_s)
        self._sessions[session.token] = session
        return session

    def get(self, token: str) -> Session | None:
        session = self._sessions.get(token)
        if session is None:
            return None
        if session.expires_at_s <= self._clock():
            del self._sessions[token]
            return None
        return session

    def revoke(self, token: str) -> None:
        self._sessions.pop(token, None)

    def revoke_user(self, user_name: str) -> None:
        for token in [t for t, s in self._sessions.items() if s.user_name == user_name]:
            del self._sessions[token]

    def _forget_expired(self) -> None:
        now = self._clock()
        for token in [t for t, s in self._sessions.items() if s.expires_at_s <= now]:
            del self._sessions[token]


def ensure_admin(users_path: str | os.PathLike[str], name: str = "admin") -> tuple[str, str | None]:
    """Make sure the users file has an administrator.

    Returns ``(name, password)`` with a new random password when it had to create one, or
    ``(name of an existing admin, None)`` when there already is one."""
    store = UserStore(users_path)
    admins = store.admins()
    if admins:
        return admins[0].name, None
    password = secrets.token_urlsafe(12)
    store.set_user(name, Role.ADMIN, password)
    return name, password
