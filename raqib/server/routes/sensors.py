"""Sensors with their coverage and health; an administrator corrects a position or range."""

from __future__ import annotations

import msgspec
from fastapi import APIRouter, HTTPException, Request, status

from raqib.server.context import context_of
from raqib.server.deps import AUTH_ERRORS, Admin, Viewer
from raqib.server.schemas import Problem, SensorEdit, SensorView

router = APIRouter(prefix="/api", tags=["sensors"], responses=AUTH_ERRORS)


@router.get("/sensors")
async def list_sensors(request: Request, _: Viewer) -> list[SensorView]:
    return context_of(request).hub.sensor_views()


@router.patch("/sensors/{sensor_id}", responses={404: {"model": Problem}})
async def edit_sensor(sensor_id: str, edit: SensorEdit, request: Request, _: Admin) -> SensorView:
    hub = context_of(request).hub
    sensor = next((s for s in hub.sensors if s.sensor_id == sensor_id), None)
    if sensor is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no sensor {sensor_id!r}")
    changes = edit.model_dump(exclude_none=True)
    hub.change_sensor(msgspec.structs.replace(sensor, **changes))
    return next(v for v in hub.sensor_views() if v.sensor_id == sensor_id)
