"""Alerts by threat score; an operator acknowledges, annotates or clears one; the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status

from raqib.server.context import context_of
from raqib.server.deps import AUTH_ERRORS, Operator, Viewer
from raqib.server.hub import NoCommandsError
from raqib.server.schemas import AlertView, AuditView, NoteIn, Problem

router = APIRouter(prefix="/api", tags=["alerts"], responses=AUTH_ERRORS)

ACTION_ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": Problem, "description": "no such alert"},
    409: {"model": Problem, "description": "the alert's state does not allow this"},
    503: {"model": Problem, "description": "no pipeline attached (a replay or view-only server)"},
}


@router.get("/alerts")
async def list_alerts(request: Request, _: Viewer) -> list[AlertView]:
    """Active alerts first, highest threat score first."""
    return context_of(request).hub.alerts()


@router.get("/audit")
async def list_audit(
    request: Request, _: Viewer, limit: Annotated[int, Query(ge=1, le=5000)] = 500
) -> list[AuditView]:
    """The latest changes to alerts, oldest first: when, what, why and by whom."""
    return context_of(request).hub.audit(limit)


def _act(action: Callable[[int, str, str], AlertView], alert_id: int, user: str, note: str) -> AlertView:
    try:
        return action(alert_id, user, note)
    except KeyError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no alert {alert_id}") from exc
    except NoCommandsError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


@router.post("/alerts/{alert_id}/acknowledge", responses=ACTION_ERRORS)
async def acknowledge(alert_id: int, body: NoteIn, request: Request, principal: Operator) -> AlertView:
    return _act(context_of(request).hub.acknowledge, alert_id, principal.user.name, body.note)


@router.post("/alerts/{alert_id}/clear", responses=ACTION_ERRORS)
async def clear(alert_id: int, body: NoteIn, request: Request, principal: Operator) -> AlertView:
    return _act(context_of(request).hub.clear, alert_id, principal.user.name, body.note)


@router.post("/alerts/{alert_id}/note", responses=ACTION_ERRORS)
async def add_note(alert_id: int, body: NoteIn, request: Request, principal: Operator) -> AlertView:
    return _act(context_of(request).hub.add_note, alert_id, principal.user.name, body.note)
