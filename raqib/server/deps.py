"""Authentication and roles as FastAPI dependencies.

A request carries its session as a bearer token (API clients) or in the ``raqib_session``
cookie (the browser). No session: 401. A role too low for the route: 403. Either way the
route's body never runs, so nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from raqib.server.auth import Role, Session, User
from raqib.server.context import context_of
from raqib.server.schemas import Problem

COOKIE_NAME = "raqib_session"

_bearer = HTTPBearer(auto_error=False, description="a token from POST /api/auth/login")
_cookie = APIKeyCookie(name=COOKIE_NAME, auto_error=False, description="set by POST /api/auth/login")


@dataclass(frozen=True, slots=True)
class Principal:
    user: User
    session: Session


def token_of(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return connection.cookies.get(COOKIE_NAME) or connection.query_params.get("token") or None


def authenticate(connection: HTTPConnection) -> Principal | None:
    token = token_of(connection)
    if token is None:
        return None
    context = context_of(connection)
    session = context.sessions.get(token)
    if session is None:
        return None
    user = context.users.get(session.user_name)  # a deleted user's sessions die with them
    if user is None:
        context.sessions.revoke(token)
        return None
    return Principal(user, session)


def require(role: Role) -> Callable[..., Principal]:
    """A dependency that lets through only users with ``role`` or above."""

    def dependency(
        request: Request,
        _bearer_token: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        _cookie_token: Annotated[str | None, Depends(_cookie)],
    ) -> Principal:
        principal = authenticate(request)
        if principal is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "log in first", headers={"WWW-Authenticate": "Bearer"}
            )
        if not principal.user.role.allows(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role} role")
        return principal

    return dependency


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]

AUTH_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "not logged in, or the session expired"},
    403: {"model": Problem, "description": "the user's role does not allow this"},
}
