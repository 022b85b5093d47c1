"""Zones: everyone sees them; an administrator draws, moves, changes and deletes them.

Every change is checked as the zones file would be, saved to the file (when there is one)
before the pipeline and the screens get it, so a change that can't be saved changes nothing."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, HTTPException, Request, Response, status

from raqib.model import Zone
from raqib.server.context import ServerContext, context_of
from raqib.server.deps import AUTH_ERRORS, Admin, Viewer
from raqib.server.schemas import Problem, ZoneIn, ZoneView
from raqib.threat.zonefile import ZoneFileError, save_zones, validate_zone, zones_to_geojson

router = APIRouter(prefix="/api", tags=["zones"], responses=AUTH_ERRORS)

EDIT_ERRORS: dict[int | str, dict[str, object]] = {
    422: {"model": Problem, "description": "not a valid zone"},
    507: {"model": Problem, "description": "the zones file could not be written"},
}


def _zone(body: ZoneIn, zone_id: str) -> Zone:
    zone = Zone(
        zone_id=zone_id,
        name=body.name or zone_id,
        kind=body.kind,
        polygon=tuple((float(lat), float(lon)) for lat, lon in body.polygon),
        center_lat_deg=body.center_lat_deg,
        center_lon_deg=body.center_lon_deg,
        radius_m=body.radius_m,
        floor_m=body.floor_m,
        ceiling_m=body.ceiling_m,
        warn=tuple(body.warn),
    )
    try:
        return validate_zone(zone)
    except ZoneFileError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.reason) from exc


def _apply(context: ServerContext, zones: Sequence[Zone]) -> None:
    if context.zones_file is not None:
        try:
            save_zones(context.zones_file, zones)
        except (OSError, ValueError) as exc:
            raise HTTPException(507, f"the zones file could not be written: {exc}") from exc
    context.hub.change_zones(zones)


def _view(context: ServerContext, zone_id: str) -> ZoneView:
    return next(v for v in context.hub.zone_views() if v.zone_id == zone_id)


@router.get("/zones")
async def list_zones(request: Request, _: Viewer) -> list[ZoneView]:
    return context_of(request).hub.zone_views()


@router.get("/zones.geojson")
async def zones_geojson(request: Request, _: Viewer) -> Response:
    """The zones as the zones file holds them (a GeoJSON FeatureCollection)."""
    import json

    body = json.dumps(zones_to_geojson(context_of(request).hub.zones))
    return Response(body, media_type="application/geo+json")


@router.post(
    "/zones",
    status_code=status.HTTP_201_CREATED,
    responses={**EDIT_ERRORS, 409: {"model": Problem, "description": "the id is taken"}},
)
async def create_zone(body: ZoneIn, request: Request, _: Admin) -> ZoneView:
    context = context_of(request)
    zone = _zone(body, body.zone_id)
    if any(z.zone_id == zone.zone_id for z in context.hub.zones):
        raise HTTPException(status.HTTP_409_CONFLICT, f"zone {zone.zone_id!r} exists")
    _apply(context, [*context.hub.zones, zone])
    return _view(context, zone.zone_id)


@router.put("/zones/{zone_id}", responses={**EDIT_ERRORS, 404: {"model": Problem}})
async def replace_zone(zone_id: str, body: ZoneIn, request: Request, _: Admin) -> ZoneView:
    """Change a zone's shape, floor, ceiling, kind or name (its id stays)."""
    context = context_of(request)
    zones = context.hub.zones
    if not any(z.zone_id == zone_id for z in zones):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no zone {zone_id!r}")
    zone = _zone(body, zone_id)
    _apply(context, [zone if z.zone_id == zone_id else z for z in zones])
    return _view(context, zone_id)


@router.delete(
    "/zones/{zone_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**EDIT_ERRORS, 404: {"model": Problem}},
)
async def delete_zone(zone_id: str, request: Request, _: Admin) -> None:
    context = context_of(request)
    zones = context.hub.zones
    if not any(z.zone_id == zone_id for z in zones):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no zone {zone_id!r}")
    _apply(context, [z for z in zones if z.zone_id != zone_id])
