"""The contract of an output channel: ``send`` queues a message and returns at once; a worker
task delivers the queue in order; what can't be delivered is handed to ``undelivered``.

    dispatcher ──send()──► bounded queue ──worker──► deliver()  (one message at a time, in order)
                              │ full: drop (oldest or newest), counted
                              └────────────────────────────► undelivered(message, reason)

The pipeline never waits on a slow or dead receiver: a full queue drops and counts. Every
channel counts what it sent, failed, dropped and dead-lettered in ``stats``. Channels are
used from one event loop's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

import msgspec

log = logging.getLogger(__name__)

MessageKind = Literal["cot", "cap", "json", "notice"]


@dataclass(frozen=True, slots=True)
class AlertNotice:
    """What a person needs to hear about an alert change."""

    state: str
    alert_id: int
    zone_name: str
    target_class: str
    track_count: int
    instruction: str


@dataclass(frozen=True, slots=True)
class Outgoing:
    kind: MessageKind
    key: str  # CoT uid, CAP identifier or webhook delivery id: names the message in files and logs
    body: bytes = b""
    notice: AlertNotice | None = None


class ChannelStats(msgspec.Struct, kw_only=True):
    sent: int = 0
    failed: int = 0  # deliveries given up (after retries, where the channel retries)
    dropped: int = 0  # never tried: the queue was full, or the channel had stopped
    dead_lettered: int = 0
    connections: int = 0  # stream channels: connections made
    last_error: str = ""


class DeliveryError(Exception):
    """A message given up on, with why and after how many attempts."""

    def __init__(self, reason: str, attempts: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts


class Channel(ABC):
    """A named destination for one kind of message (template method: subclasses fill ``deliver``)."""

    accepts: ClassVar[MessageKind]
    drop_oldest: ClassVar[bool] = False  # situational awareness favours the newest; alerts keep order

    def __init__(self, name: str, *, queue_size: int = 1000) -> None:
        self.name = name
        self.stats = ChannelStats()
        self._queue: asyncio.Queue[Outgoing] = asyncio.Queue(maxsize=queue_size)
        self._worker: asyncio.Task[None] | None = None
        self._current: Outgoing | None = None
        self._stopped = False

    # ------------------------------------------------------------------ the dispatcher's side

    def send(self, message: Outgoing) -> None:
        """Queue a message; never blocks, never raises."""
        if self._stopped:
            self._drop(message, "the channel has stopped")
            return
        if self._queue.full():
            if not self.drop_oldest:
                self._drop(message, "queue full")
                return
            self._drop(self._queue.get_nowait(), "queue full: superseded by newer messages")
            self._queue.task_done()
        self._queue.put_nowait(message)

    @property
    def pending(self) -> int:
        return self._queue.qsize() + (self._current is not None)

    async def start(self) -> None:
        if self._worker is None:
            try:
                await self.open()
            except Exception as exc:  # the worker still runs: each message then fails and is counted
                self.stats.last_error = f"can't open: {type(exc).__name__}: {exc}"
                log.error("output %s: %s", self.name, self.stats.last_error)
            self._worker = asyncio.create_task(self._run(), name=f"raqib-output-{self.name}")

    async def stop(self, timeout_s: float = 5.0) -> None:
        """Deliver what is queued within ``timeout_s``, then give up on the rest."""
        self._stopped = True
        if self._worker is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), timeout_s)
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        while not self._queue.empty():
            self._drop(self._queue.get_nowait(), "not delivered before shutdown")
            self._queue.task_done()
        await self.close()

    # ------------------------------------------------------------------ the subclass's side

    async def open(self) -> None:  # noqa: B027 (optional hook)
        """Prepare to deliver (a client, a socket); must not wait on the receiver."""

    async def close(self) -> None:  # noqa: B027 (optional hook)
        """Release what ``open`` took."""

    @abstractmethod
    async def deliver(self, message: Outgoing) -> None:
        """Deliver one message, or raise DeliveryError (or OSError) to give it up."""

    def undelivered(self, message: Outgoing, reason: str, attempts: int) -> bool:
        """Keep a message that was given up or dropped; True if it was kept (dead-lettered)."""
        return False

    # ------------------------------------------------------------------ internals

    async def _run(self) -> None:
        while True:
            message = await self._queue.get()
            self._current = message
            try:
                await self.deliver(message)
            except asyncio.CancelledError:
                self._give_up(message, "not delivered before shutdown", 1)
                raise
            except DeliveryError as exc:
                self._give_up(message, exc.reason, exc.attempts)
            except Exception as exc:  # a channel's bug or an odd OS error must not end its worker
                self._give_up(message, f"{type(exc).__name__}: {exc}", 1)
            else:
                self.stats.sent += 1
            finally:
                self._current = None
                self._queue.task_done()

    def _give_up(self, message: Outgoing, reason: str, attempts: int) -> None:
        self.stats.failed += 1
        self.stats.last_error = reason
        log.warning("output %s: gave up %s after %d attempt(s): %s", self.name, message.key, attempts, reason)
        if self.undelivered(message, reason, attempts):
            self.stats.dead_lettered += 1

    def _drop(self, message: Outgoing, reason: str) -> None:
        self.stats.dropped += 1
        if self.undelivered(message, reason, 0):
            self.stats.dead_lettered += 1
