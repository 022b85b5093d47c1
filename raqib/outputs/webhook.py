"""HTTP POST outputs: JSON webhooks per alert change, and CAP messages to a URL.

Each message is POSTed until the receiver answers 2xx, at most ``max_attempts`` times, waiting
``backoff_initial_s`` × 2ⁿ (capped at ``backoff_max_s``, and at least what a 429/503's
Retry-After asks) scaled by a random factor in [0.5, 1] so that many raqib instances don't
retry in step. Connection errors, timeouts, 408, 425, 429 and 5xx are retried; other answers
are final. What is given up, dropped from a full queue or left at shutdown is appended to
the dead-letter file (JSON Lines) with the reason, so it can be replayed by hand.

The JSON body (``WebhookEvent``) carries the alert record, its zone and its tracks; headers
name the delivery (``X-Raqib-Delivery``, stable across retries, for de-duplication) and,
where a secret is configured, sign the body (``X-Raqib-Signature: sha256=<HMAC hex>``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging
import random
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import msgspec

from raqib import __version__
from raqib.model import Alert, Track, Zone
from raqib.outputs.base import Channel, DeliveryError, Outgoing
from raqib.outputs.config import CapPostOptions, HttpOptions, WebhookOptions

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 425, 429})


# ------------------------------------------------------------------ the JSON body


class WebhookZone(msgspec.Struct, frozen=True, kw_only=True):
    zone_id: str
    name: str
    kind: str
    floor_m: float
    ceiling_m: float


class WebhookTrack(msgspec.Struct, frozen=True, kw_only=True):
    track_id: int
    lat_deg: float
    lon_deg: float
    alt_m: float
    vel_e_ms: float
    vel_n_ms: float
    vel_u_ms: float
    target_class: str
    identity: str | None = None
    callsign: str | None = None


class WebhookEvent(msgspec.Struct, frozen=True, kw_only=True):
    id: str  # unique per message: receivers de-duplicate retries on it
    type: str  # "alert.raised" | "alert.updated" | "alert.acknowledged" | "alert.cleared"
    site: str
    sent_utc: str
    time_s: float  # the pipeline's time of the change
    raised_utc: str
    cleared_utc: str | None
    alert: Alert
    zone: WebhookZone
    tracks: list[WebhookTrack]
    cot_uid: str  # the alarm's uid on TAK
    cap_identifier: str | None  # the CAP message sent for the same change, if any


def utc(epoch_s: float) -> str:
    moment = dt.datetime.fromtimestamp(epoch_s, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def webhook_event(
    *,
    delivery_id: str,
    site_name: str,
    alert: Alert,
    zone: Zone,
    tracks: Sequence[Track],
    time_s: float,
    epoch_offset_s: float,
    cot_uid: str,
    cap_identifier: str | None,
) -> bytes:
    event = WebhookEvent(
        id=delivery_id,
        type=f"alert.{alert.state}",
        site=site_name,
        sent_utc=utc(epoch_offset_s + time_s),
        time_s=time_s,
        raised_utc=utc(epoch_offset_s + alert.raised_time_s),
        cleared_utc=None if alert.cleared_time_s is None else utc(epoch_offset_s + alert.cleared_time_s),
        alert=alert,
        zone=WebhookZone(
            zone_id=zone.zone_id,
            name=zone.name,
            kind=zone.kind,
            floor_m=zone.floor_m,
            ceiling_m=zone.ceiling_m,
        ),
        tracks=[
            WebhookTrack(
                track_id=t.track_id,
                lat_deg=t.lat_deg,
                lon_deg=t.lon_deg,
                alt_m=t.alt_m,
                vel_e_ms=t.vel_e_ms,
                vel_n_ms=t.vel_n_ms,
                vel_u_ms=t.vel_u_ms,
                target_class=t.target_class,
                identity=t.identity,
                callsign=t.callsign,
            )
            for t in tracks
        ],
        cot_uid=cot_uid,
        cap_identifier=cap_identifier,
    )
    return msgspec.json.encode(event)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# ------------------------------------------------------------------ delivery


class DeadLetter(msgspec.Struct, frozen=True, kw_only=True):
    time_utc: str
    channel: str
    url: str
    key: str
    reason: str
    attempts: int
    content_type: str
    body: msgspec.Raw | str  # JSON bodies as JSON, others as text


class HttpChannel(Channel):
    """POSTs each message in order with retries; see the module docstring."""

    content_type = "application/json"

    def __init__(
        self,
        name: str,
        url: str,
        options: HttpOptions,
        *,
        dead_letter_path: str | Path = "",
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(name, queue_size=options.queue_size)
        self.url = url
        self.options = options
        self.dead_letter_path = Path(dead_letter_path) if dead_letter_path else None
        self._transport = transport
        self._rng = rng or random.Random()
        self._client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        self._client = httpx.AsyncClient(
            timeout=self.options.timeout_s,
            verify=self.options.verify_tls,
            transport=self._transport,
            follow_redirects=False,
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def headers(self, message: Outgoing) -> dict[str, str]:
        return {
            **self.options.headers,
            "Content-Type": self.content_type,
            "User-Agent": f"raqib/{__version__}",
            "X-Raqib-Delivery": message.key,
        }

    def backoff_s(self, attempt: int, retry_after_s: float | None) -> float:
        """The wait after failed attempt ``attempt`` (1-based)."""
        options = self.options
        ceiling = min(options.backoff_max_s, options.backoff_initial_s * 2 ** (attempt - 1))
        wait = ceiling * self._rng.uniform(0.5, 1.0)
        if retry_after_s is not None:
            wait = max(wait, min(retry_after_s, options.backoff_max_s))
        return wait

    async def deliver(self, message: Outgoing) -> None:
        if self._client is None:
            raise DeliveryError("the channel was not started")
        headers = self.headers(message)
        reason = ""
        for attempt in range(1, self.options.max_attempts + 1):
            retry_after_s = None
            try:
                response = await self._client.post(self.url, content=message.body, headers=headers)
            except httpx.HTTPError as exc:
                reason, retryable = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, True
            else:
                if response.is_success:
                    return
                reason = f"HTTP {response.status_code} {response.reason_phrase}".strip()
                retryable = response.status_code in RETRY_STATUSES or response.status_code >= 500
                retry_after_s = _retry_after_s(response.headers.get("Retry-After"))
            self.stats.last_error = reason
            if not retryable or attempt == self.options.max_attempts:
                raise DeliveryError(reason, attempt)
            await asyncio.sleep(self.backoff_s(attempt, retry_after_s))
        raise DeliveryError(reason or "no attempt made", self.options.max_attempts)

    def undelivered(self, message: Outgoing, reason: str, attempts: int) -> bool:
        if self.dead_letter_path is None:
            log.error(
                "output %s: lost %s (%s); no dead-letter file is configured", self.name, message.key, reason
            )
            return False
        body: msgspec.Raw | str = message.body.decode("utf-8", "replace")
        if self.content_type.endswith("json"):
            body = msgspec.Raw(message.body)
        letter = DeadLetter(
            time_utc=utc(time.time()),
            channel=self.name,
            url=self.url,
            key=message.key,
            reason=reason,
            attempts=attempts,
            content_type=self.content_type,
            body=body,
        )
        try:
            self.dead_letter_path.parent.mkdir(parents=True, exist_ok=True)
            with self.dead_letter_path.open("ab") as stream:
                stream.write(msgspec.json.encode(letter) + b"\n")
        except OSError as exc:
            log.error(
                "output %s: lost %s: can't write the dead-letter file %s: %s",
                self.name,
                message.key,
                self.dead_letter_path,
                exc,
            )
            return False
        return True


class WebhookSender(HttpChannel):
    accepts = "json"

    def __init__(
        self,
        name: str,
        url: str,
        options: WebhookOptions | None = None,
        *,
        dead_letter_path: str | Path = "",
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
    ) -> None:
        options = options or WebhookOptions()
        super().__init__(name, url, options, dead_letter_path=dead_letter_path, transport=transport, rng=rng)
        self.secret = options.secret

    def headers(self, message: Outgoing) -> dict[str, str]:
        headers = super().headers(message)
        if self.secret:
            headers["X-Raqib-Signature"] = signature(self.secret, message.body)
        return headers


class CapPoster(HttpChannel):
    accepts = "cap"

    def __init__(
        self,
        name: str,
        url: str,
        options: CapPostOptions | None = None,
        *,
        dead_letter_path: str | Path = "",
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
    ) -> None:
        options = options or CapPostOptions()
        super().__init__(name, url, options, dead_letter_path=dead_letter_path, transport=transport, rng=rng)
        self.content_type = options.content_type


def _retry_after_s(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is ignored: a receiver's clock is no reason to wait)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
