"""Recordings to replay: the list, a replay's timeline, and the picture at any time in it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status

from raqib.server.context import context_of
from raqib.server.deps import AUTH_ERRORS, Viewer
from raqib.server.replay import Replay, ReplayError
from raqib.server.schemas import Problem, RecordingInfo, ReplayInfo, StateSnapshot

router = APIRouter(prefix="/api", tags=["recordings"], responses=AUTH_ERRORS)

REPLAY_ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": Problem, "description": "no such recording"},
    422: {"model": Problem, "description": "the recording can't be replayed"},
    503: {"model": Problem, "description": "replay is not configured, or the pipeline is missing"},
}


@router.get("/recordings")
async def list_recordings(request: Request, _: Viewer) -> list[RecordingInfo]:
    replays = context_of(request).replays
    return replays.recordings() if replays else []


async def _replay(request: Request, name: str) -> Replay:
    replays = context_of(request).replays
    if replays is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "no recordings folder is configured")
    try:
        return await replays.load(name)
    except KeyError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no recording {name!r}") from exc
    except ImportError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"no pipeline to replay with: {exc}"
        ) from exc
    except (ReplayError, OSError) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc


@router.get("/recordings/{name}/replay", responses=REPLAY_ERRORS)
async def replay_info(name: str, request: Request, _: Viewer) -> ReplayInfo:
    """Replay the recording through the pipeline (once; later calls are instant): its timeline."""
    return (await _replay(request, name)).info()


@router.get("/recordings/{name}/state", responses=REPLAY_ERRORS)
async def replay_state(
    name: str,
    request: Request,
    _: Viewer,
    time_s: Annotated[float, Query(description="seconds, in the recording's own time")],
) -> StateSnapshot:
    """The picture after the last scan at or before ``time_s``."""
    return (await _replay(request, name)).at(time_s)
