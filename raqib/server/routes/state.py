"""The whole picture, one track, and the screen's settings."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from raqib.server.context import context_of
from raqib.server.deps import AUTH_ERRORS, Viewer
from raqib.server.hub import site_view
from raqib.server.schemas import Problem, StateSnapshot, TrackView, UiConfig

router = APIRouter(prefix="/api", tags=["state"], responses=AUTH_ERRORS)


@router.get("/state")
async def get_state(request: Request, _: Viewer) -> StateSnapshot:
    """Everything on the screen now; the WebSocket /api/ws sends this, then the changes."""
    return context_of(request).hub.snapshot()


@router.get("/tracks/{track_id}", responses={404: {"model": Problem}})
async def get_track(track_id: int, request: Request, _: Viewer) -> TrackView:
    track = context_of(request).hub.track(track_id)
    if track is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no track {track_id}")
    return track


@router.get("/config")
async def get_config(request: Request, _: Viewer) -> UiConfig:
    context = context_of(request)
    site = context.hub.site
    settings = context.settings
    return UiConfig(
        site=site_view(site) if site else None,
        tile_url=settings.tile_url,
        pmtiles_url=settings.pmtiles_url,
        range_rings_m=list(settings.range_rings_m),
    )
