"""The WebSocket that keeps a screen current: a snapshot, then one batch of changes per tick.

Batching is per subscriber: changes that arrive while a message is being sent, or within
``tick_s`` of the last one, go out together with their newest values, so a slow screen
never builds a backlog."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from raqib.server.context import context_of
from raqib.server.deps import authenticate

router = APIRouter()

POLICY_VIOLATION = 1008  # RFC 6455: the server refuses this client


def _same_origin(websocket: WebSocket) -> bool:
    """Browsers send Origin; refuse pages of other sites (cross-site WebSocket hijacking)."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == websocket.headers.get("host", "")


async def _until_closed(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()  # the client has nothing to say; this notices it leave


@router.websocket("/api/ws")
async def live(websocket: WebSocket) -> None:
    context = context_of(websocket)
    if not _same_origin(websocket):
        await websocket.close(code=POLICY_VIOLATION)  # before accepting: the handshake gets 403
        return
    principal = authenticate(websocket)
    await websocket.accept()
    if principal is None:  # accepted first so that the page learns why, and stops retrying
        await websocket.close(code=POLICY_VIOLATION, reason="log in first")
        return
    hub = context.hub
    subscription = hub.subscribe()
    closed = asyncio.create_task(_until_closed(websocket))
    try:
        await websocket.send_text(hub.snapshot().model_dump_json())
        while not closed.done():
            changed = asyncio.create_task(subscription.event.wait())
            await asyncio.wait({changed, closed}, return_when=asyncio.FIRST_COMPLETED)
            if closed.done():
                changed.cancel()
                break
            if context.sessions.get(principal.session.token) is None:
                await websocket.close(code=POLICY_VIOLATION, reason="session expired")
                break
            subscription.event.clear()
            update = hub.collect(subscription)
            if update is not None:
                await websocket.send_text(update.model_dump_json())
            await asyncio.sleep(context.settings.tick_s)
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client went away mid-send
    finally:
        hub.unsubscribe(subscription)
        closed.cancel()
