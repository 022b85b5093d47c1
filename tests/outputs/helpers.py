"""Records built by hand, the CoT and CAP schemas, and fake receivers (TAK over UDP and TCP,
an HTTP endpoint that fails its first requests) for the outputs' tests."""

from __future__ import annotations

import asyncio
import functools
import http.server
import os
import threading
import xml.etree.ElementTree as ET
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import xmlschema

from raqib.model import Alert, AlertState, Track
from tests.conftest import SHARED_DATA, require_shared
from tests.sites import COMPOUND, ORBI, TOWER
from tests.tracks import placed_track

# A two-word name: the outputs derive the CoT uid prefix and CAP sender from it (orbi-compound).
SITE = msgspec.structs.replace(ORBI, name="ORBI compound")
ZONE_A = msgspec.structs.replace(COMPOUND, warn=("tak-a", "cap-a", "hook-a", "siren-a"))
ZONE_B = msgspec.structs.replace(TOWER, warn=("tak-b", "cap-b", "hook-b"))
MITRE = "cot/tak_takcot/mitre"


def run(coroutine: Coroutine[Any, Any, Any], timeout_s: float = 20.0) -> Any:
    return asyncio.run(asyncio.wait_for(coroutine, timeout_s))


def make_track(
    track_id: int,
    time_s: float = 10.0,
    east_m: float = 500.0,
    north_m: float = 800.0,
    up_m: float = 120.0,
    *,
    vel_e_ms: float = -3.0,
    vel_n_ms: float = -14.0,
    vel_u_ms: float = 0.0,
    target_class: str = "drone",
    sources: tuple[str, ...] = ("radar-1", "rf-2"),
    identity: str | None = None,
    authorised: bool = False,
) -> Track:
    return placed_track(
        SITE,
        track_id,
        time_s,
        (east_m, north_m, up_m),
        (vel_e_ms, vel_n_ms, vel_u_ms),
        target_class=target_class,
        class_probs={target_class: 0.87},
        sources=sources,
        identity=identity,
        identity_kind="remoteid" if identity else None,
        authorised=authorised,
    )


def make_alert(
    alert_id: int = 1,
    time_s: float = 10.0,
    track_ids: Sequence[int] = (42,),
    *,
    zone_id: str = "compound",
    state: str = AlertState.RAISED,
    target_class: str = "drone",
    **changes: Any,
) -> Alert:
    alert = Alert(
        alert_id=alert_id,
        zone_id=zone_id,
        state=state,
        target_class=target_class,
        track_ids=tuple(track_ids),
        raised_time_s=time_s,
        updated_time_s=time_s,
        time_to_entry_s=35.0,
        predicted_entry_time_s=time_s + 35.0,
        score=0.8,
        reason=f"track {track_ids[0]} ({target_class}) P(entry)=0.90 in 35 s",
    )
    return msgspec.structs.replace(alert, **changes) if changes else alert


@dataclass(frozen=True)
class FakeStep:
    """A StepResult look-alike (the dispatcher reads these four fields)."""

    time_s: float
    tracks: Sequence[Track] = ()
    threats: Sequence[Any] = ()
    alert_changes: Sequence[Alert] = ()
    audit: Sequence[Any] = ()


def attribute(element: ET.Element, path: str, name: str) -> str:
    found = element.find(path)
    assert found is not None, f"no {path}"
    return found.get(name, "")


def child(element: ET.Element, path: str) -> ET.Element:
    found = element.find(path)
    assert found is not None, f"no {path}"
    return found


# ------------------------------------------------------------------ schemas


def schemas_available() -> bool:
    """Whether the schemas are there to validate against (under CI=true they must be)."""
    return (SHARED_DATA / MITRE).is_dir() or os.environ.get("CI") == "true"


@functools.cache
def _schema(path: Path) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(path))


def cot_schema(name: str = "Base-Event") -> xmlschema.XMLSchema:
    [path] = require_shared(MITRE).glob(f"CoT {name} Schema*(PUBLIC RELEASE).xsd")  # some have two spaces
    return _schema(path)


def cap_schema() -> xmlschema.XMLSchema:
    return _schema(require_shared("cap/CAP-v1.2.xsd"))


SUB_SCHEMAS = {"track": "Track", "contact": "Contact", "remarks": "Remarks", "shape": "Shape", "link": "Link"}


def validate_cot(xml: bytes) -> ET.Element:
    """Against the MITRE Base-Event schema, and each MITRE detail element against its own
    sub-schema (TAK's <link point="…"/> drawing vertices are TAK's, not MITRE's: skipped)."""
    cot_schema().validate(xml.decode("utf-8"))
    event = ET.fromstring(xml)
    for child in event.find("detail") or []:
        name = SUB_SCHEMAS.get(child.tag)
        if name is None or (child.tag == "link" and "uid" not in child.attrib):
            continue
        cot_schema(name).validate(ET.tostring(child, encoding="unicode"))
    return event


def validate_cap(xml: bytes) -> ET.Element:
    cap_schema().validate(xml.decode("utf-8"))
    return ET.fromstring(xml)


# ------------------------------------------------------------------ fake receivers


class FakeTakUdp(asyncio.DatagramProtocol):
    """A TAK client on a UDP port: parses each datagram as one CoT event."""

    def __init__(self) -> None:
        self.events: list[ET.Element] = []
        self.raw: list[bytes] = []
        self.arrived = asyncio.Event()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.raw.append(data)
        self.events.append(ET.fromstring(data))
        self.arrived.set()

    async def wait_for(self, count: int, timeout_s: float = 5.0) -> list[ET.Element]:
        async with asyncio.timeout(timeout_s):
            while len(self.events) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.events


@dataclass
class FakeTakServer:
    """A TAK Server's streaming input on 127.0.0.1: splits the stream after </event>. It can
    drop the first connection after ``close_after`` events, to make the sender reconnect."""

    close_after: int | None = None
    events: list[ET.Element] = field(default_factory=list)
    connections: int = 0
    port: int = 0

    async def start(self) -> asyncio.Server:
        self.arrived = asyncio.Event()
        server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        return server

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._serve(reader, writer)
        except (asyncio.CancelledError, ConnectionError):  # the test is over
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        first = self.connections == 1
        writer.write(b"<event version='2.0' uid='takserver-ping' type='t-x-c-t'/>")  # a server talks back
        buffer = b""
        received = 0
        while True:
            chunk = await reader.read(4096)
            if not chunk:
                break
            buffer += chunk
            while b"</event>" in buffer:
                piece, buffer = buffer.split(b"</event>", 1)
                self.events.append(ET.fromstring(piece.strip() + b"</event>"))
                received += 1
                self.arrived.set()
            if first and self.close_after is not None and received >= self.close_after:
                break
        writer.close()

    async def wait_for(self, count: int, timeout_s: float = 10.0) -> list[ET.Element]:
        async with asyncio.timeout(timeout_s):
            while len(self.events) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.events


class FlakyHttpServer:
    """HTTP on 127.0.0.1 in a thread: answers ``fail_status`` to the first ``failures`` POSTs,
    then 200; records every request's path, headers and body."""

    def __init__(self, failures: int = 0, fail_status: int = 503, retry_after: str | None = None) -> None:
        self.failures = failures
        self.fail_status = fail_status
        self.retry_after = retry_after
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.delivered: list[bytes] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer._lock:
                    outer.requests.append((self.path, dict(self.headers.items()), body))
                    failing = len(outer.requests) <= outer.failures
                    if not failing:
                        outer.delivered.append(body)
                self.send_response(outer.fail_status if failing else 200)
                if failing and outer.retry_after is not None:
                    self.send_header("Retry-After", outer.retry_after)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> FlakyHttpServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [msgspec.json.decode(line) for line in path.read_bytes().splitlines() if line.strip()]
