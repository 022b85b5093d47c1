"""Log in and out; who am I; the administrator's list of users."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from starlette.concurrency import run_in_threadpool

from raqib.server.auth import Role, UsersFileError
from raqib.server.context import context_of
from raqib.server.deps import AUTH_ERRORS, COOKIE_NAME, Admin, Viewer, token_of
from raqib.server.schemas import Credentials, LoginResult, Problem, UserEdit, UserView

router = APIRouter(prefix="/api", tags=["auth"])


@router.post("/auth/login", responses={401: {"model": Problem, "description": "wrong name or password"}})
async def login(credentials: Credentials, request: Request, response: Response) -> LoginResult:
    """Check the password; start a session (a cookie for the browser, the token for API clients)."""
    context = context_of(request)
    user = await run_in_threadpool(context.users.verify, credentials.username, credentials.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong user name or password")
    session = context.sessions.create(user.name)
    response.set_cookie(
        COOKIE_NAME,
        session.token,
        max_age=int(context.sessions.lifetime_s),
        httponly=True,
        samesite="strict",
        secure=context.settings.secure_cookies,
        path="/",
    )
    return LoginResult(token=session.token, user=user.name, role=user.role, expires_at_s=session.expires_at_s)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(request: Request, response: Response) -> None:
    token = token_of(request)
    if token:
        context_of(request).sessions.revoke(token)
    response.delete_cookie(COOKIE_NAME, path="/")


@router.get("/auth/me", responses=AUTH_ERRORS)
async def me(principal: Viewer) -> UserView:
    return UserView(name=principal.user.name, role=principal.user.role)


@router.get("/users", responses=AUTH_ERRORS)
async def list_users(request: Request, _: Admin) -> list[UserView]:
    return [UserView(name=u.name, role=u.role) for u in context_of(request).users.all()]


@router.put("/users/{name}", responses={**AUTH_ERRORS, 422: {"model": Problem}, 409: {"model": Problem}})
async def put_user(name: str, edit: UserEdit, request: Request, principal: Admin) -> UserView:
    """Create a user (with a password) or change one's role or password."""
    users = context_of(request).users
    if name == principal.user.name and edit.role is not Role.ADMIN:
        raise HTTPException(status.HTTP_409_CONFLICT, "an administrator can't demote themself")
    try:
        user = await run_in_threadpool(users.set_user, name, edit.role, edit.password)
    except UsersFileError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return UserView(name=user.name, role=user.role)


@router.delete(
    "/users/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**AUTH_ERRORS, 404: {"model": Problem}, 409: {"model": Problem}},
)
async def delete_user(name: str, request: Request, principal: Admin) -> None:
    context = context_of(request)
    if name == principal.user.name:
        raise HTTPException(status.HTTP_409_CONFLICT, "an administrator can't delete themself")
    if not context.users.delete(name):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user {name!r}")
    context.sessions.revoke_user(name)
