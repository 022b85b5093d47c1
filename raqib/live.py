"""The live runner: every feed's listener, a reordering buffer, and the pipeline stepped per
time slice.

    listeners ──► Decoded ──► SensorRegistry (health)
                        └──► ReorderBuffer ──► Pipeline.step(batch, step_time) ──► on_result
                                                                     (every step_s seconds)

The reordering rule. Feeds deliver out of order (a radar's scan arrives after an ADS-B
message measured later; a network delays one feed). Each detection is held until the wall
clock is ``window_s`` past its measurement time, so everything that arrives within the
window is handed to the tracker in time order. The pipeline therefore runs ``window_s``
behind the wall clock: each step is at ``step_time = now - window_s`` with every held
detection measured at or before it.

A detection that arrives later than the window (its time is already behind ``now -
window_s``) is still handed to the tracker, in the next step, if its time is after the
tracker's last step; otherwise the tracker has already moved past it and it is counted
(``late_dropped``) and dropped. Detections stamped more than ``max_future_s`` ahead of the
clock (a sensor clock that is wrong), or with a time that is not a finite number, are
counted and dropped, as are the oldest held detections beyond ``max_buffered``.

Health is checked on every step; changes go to ``on_health``. Stop by setting
``stop_event`` or cancelling the task (Ctrl-C under ``asyncio.run``): every listener is
cancelled and awaited before ``run`` returns.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import inspect
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import msgspec

from raqib.model import Authorisation, Detection, Sensor, Site, Zone
from raqib.sensors.base import DecodeError
from raqib.sensors.listeners import (
    Decoded,
    Listener,
    Sink,
    TcpClientListener,
    TcpServerListener,
    UdpListener,
)
from raqib.sensors.registry import HealthEvent, HealthThresholds, SensorRegistry, SensorStatus
from raqib.sensors.replay import FileListener, PcapListener
from raqib.site import FeedConfig, LiveConfig, SiteConfig, decoder_options, make_decoder

log = logging.getLogger(__name__)

Clock = Callable[[], float]


class PipelineLike(Protocol):
    """What the runner needs of raqib.pipeline.Pipeline."""

    def step(self, detections: Sequence[Detection], time_s: float) -> Any: ...


Callback = Callable[[Any], Awaitable[None] | None]


@dataclass
class BufferStats:
    received: int = 0
    released: int = 0
    late_accepted: int = 0  # arrived after the window but newer than the last step: used
    late_dropped: int = 0  # older than the tracker's last step
    future_dropped: int = 0
    invalid_time_dropped: int = 0
    overflow_dropped: int = 0


class ReorderBuffer:
    """Holds detections for ``window_s`` and releases them in time order (see the module doc)."""

    def __init__(
        self, window_s: float = 0.5, *, max_future_s: float = 5.0, max_buffered: int = 100_000
    ) -> None:
        self.window_s = window_s
        self.max_future_s = max_future_s
        self.max_buffered = max_buffered
        self.last_step_s: float | None = None
        self.stats = BufferStats()
        self._held: list[Detection] = []
        self._times: list[float] = []  # the held detections' times, for the bisect on release

    def __len__(self) -> int:
        return len(self._held)

    def add(self, detections: Iterable[Detection], now_s: float) -> None:
        horizon = now_s - self.window_s
        for detection in detections:
            self.stats.received += 1
            time_s = detection.time_s
            if not math.isfinite(time_s):
                self.stats.invalid_time_dropped += 1
            elif time_s > now_s + self.max_future_s:
                self.stats.future_dropped += 1
            elif self.last_step_s is not None and time_s <= self.last_step_s:
                self.stats.late_dropped += 1
            else:
                if time_s <= horizon:
                    self.stats.late_accepted += 1
                index = bisect.bisect_right(self._times, time_s)  # stable for equal times
                self._times.insert(index, time_s)
                self._held.insert(index, detection)
        overflow = len(self._held) - self.max_buffered
        if overflow > 0:
            del self._held[:overflow], self._times[:overflow]
            self.stats.overflow_dropped += overflow

    def release(self, now_s: float) -> tuple[float, list[Detection]]:
        """(step time, the held detections measured at or before it, in time order)."""
        step_s = now_s - self.window_s
        if self.last_step_s is not None:
            step_s = max(step_s, self.last_step_s)  # the tracker's clock never runs backwards
        count = bisect.bisect_right(self._times, step_s)
        batch = self._held[:count]
        del self._held[:count], self._times[:count]
        self.last_step_s = step_s
        self.stats.released += len(batch)
        return step_s, batch


def listener_for(
    feed: FeedConfig,
    sink: Sink,
    *,
    clock: Clock = time.time,
    on_error: Callable[[DecodeError], None] | None = None,
) -> Listener:
    """The listener a feed's transport calls for, with a decoder factory for the feed."""
    factory = partial(make_decoder, feed, on_error)
    common: dict[str, Any] = {"queue_size": feed.queue_size, "clock": clock}
    if feed.transport == "udp":
        return UdpListener(feed.name, factory, sink, host=feed.address or "0.0.0.0", port=feed.port, **common)
    if feed.transport == "udp-multicast":
        return UdpListener(
            feed.name,
            factory,
            sink,
            group=feed.address,
            port=feed.port,
            interface=feed.interface or None,
            **common,
        )
    if feed.transport == "tcp-client":
        return TcpClientListener(
            feed.name,
            factory,
            sink,
            host=feed.address,
            port=feed.port,
            reconnect_min_s=feed.reconnect_min_s,
            reconnect_max_s=feed.reconnect_max_s,
            idle_timeout_s=feed.idle_timeout_s,
            **common,
        )
    if feed.transport == "tcp-server" and feed.format == "sapient":
        from raqib.sensors.sapient_listener import SapientListener

        return SapientListener(
            feed.name,
            factory,
            sink,
            sensor_id=feed.sensor.sensor_id,
            config=decoder_options(feed).get("config"),
            host=feed.address or "0.0.0.0",
            port=feed.port,
            on_error=on_error,
            **common,
        )
    if feed.transport == "tcp-server":
        return TcpServerListener(
            feed.name, factory, sink, host=feed.address or "0.0.0.0", port=feed.port, **common
        )
    assert feed.path is not None
    replay: dict[str, Any] = {"path": feed.path, "pace": feed.pace, "speed": feed.speed, **common}
    if feed.transport == "pcap":
        return PcapListener(feed.name, factory, sink, port=feed.port, **replay)
    return FileListener(feed.name, factory, sink, **replay)


class _ErrorLog:
    """Logs a feed's first decode errors, then one in every ``every`` so garbage can't flood the log."""

    def __init__(self, feed: str, first: int = 10, every: int = 1000) -> None:
        self.feed, self.first, self.every, self.count = feed, first, every, 0

    def __call__(self, error: DecodeError) -> None:
        self.count += 1
        if self.count <= self.first or self.count % self.every == 0:
            log.warning("%s (error %d on this feed)", error, self.count)


class LiveRunner:
    """Runs a site's feeds into the pipeline. ``await runner.run(stop_event)``."""

    def __init__(
        self,
        config: SiteConfig,
        *,
        pipeline: PipelineLike | None = None,
        on_result: Callback | None = None,
        on_health: Callback | None = None,
        clock: Clock = time.time,
        thresholds: HealthThresholds | None = None,
    ) -> None:
        self.config = config
        self.live: LiveConfig = config.live
        self.clock = clock
        self.pipeline = (
            pipeline
            if pipeline is not None
            else _default_pipeline(config.site, config.zones, config.sensors, config.authorisations)
        )
        self.on_result = on_result
        self.on_health = on_health
        self.buffer = ReorderBuffer(
            self.live.window_s, max_future_s=self.live.max_future_s, max_buffered=self.live.max_buffered
        )
        self._health_events: list[HealthEvent] = []  # delivered to on_health by the step loop
        self.registry = SensorRegistry(thresholds, clock=clock, on_event=self._health_events.append)
        self.listeners: dict[str, Listener] = {}
        self.ready = asyncio.Event()  # every listener bound, connected or open
        self.steps = 0
        self.failed_steps = 0
        self._dead: set[asyncio.Task[None]] = set()
        self._feeds = {feed.name: feed for feed in config.feeds}
        for feed in config.feeds:
            self.registry.add(feed.sensor, feed=feed.name, expected_period_s=feed.expected_period_s)
            self.listeners[feed.name] = listener_for(
                feed, self.submit, clock=clock, on_error=_ErrorLog(feed.name)
            )

    def submit(self, decoded: Decoded) -> None:
        """A listener's decoded chunk: note it for health and hold its detections for the tracker."""
        listener = self.listeners.get(decoded.feed)
        feed = self._feeds.get(decoded.feed)
        sensor_id = feed.sensor.sensor_id if feed is not None else decoded.sensor_id
        dropped, last_error = None, ""
        if listener is not None:
            dropped = listener.stats.chunks_dropped + listener.stats.kernel_drops
            last_error = listener.decode_stats().last_error if decoded.errors else ""
        self.registry.record(
            sensor_id,
            decoded.receive_time_s,
            detections=len(decoded.detections),
            errors=decoded.errors,
            dropped_total=dropped,
            last_error=last_error,
        )
        self.buffer.add(decoded.detections, self.clock())

    def statuses(self, now_s: float | None = None) -> list[SensorStatus]:
        """Every sensor's status, with its listener's last transport problem."""
        errors = {
            feed.sensor.sensor_id: self.listeners[name].stats.last_error for name, feed in self._feeds.items()
        }
        return [
            msgspec.structs.replace(status, transport_error=errors.get(status.sensor_id, ""))
            for status in self.registry.statuses(now_s)
        ]

    async def run(self, stop_event: asyncio.Event | None = None) -> BufferStats:
        stop = stop_event or asyncio.Event()
        tasks = [
            asyncio.create_task(listener.run(), name=f"feed:{name}")
            for name, listener in self.listeners.items()
        ]
        readiness = asyncio.create_task(self._await_ready())
        try:
            await self._step_loop(stop, tasks)
        finally:
            readiness.cancel()
            for task in tasks:
                task.cancel()
            results = await asyncio.gather(readiness, *tasks, return_exceptions=True)
            for name, result in zip(self.listeners, results[1:], strict=True):
                if isinstance(result, Exception):
                    log.error("feed %s stopped: %r", name, result)
        return self.buffer.stats

    async def _await_ready(self) -> None:
        await asyncio.gather(*(listener.ready.wait() for listener in self.listeners.values()))
        self.ready.set()

    async def _step_loop(self, stop: asyncio.Event, tasks: list[asyncio.Task[None]]) -> None:
        step_s = self.live.step_s
        next_tick = self.clock()
        while not stop.is_set():
            self._report_dead(tasks)
            now = self.clock()
            step_time, batch = self.buffer.release(now)
            try:
                result = self.pipeline.step(batch, step_time)
            except Exception:  # a pipeline bug on one batch must not end the watch
                self.failed_steps += 1
                log.exception(
                    "the pipeline failed on %d detections at %.3f; they are dropped", len(batch), step_time
                )
            else:
                self.steps += 1
                await _call(self.on_result, result)
            self.registry.check(now)
            events, self._health_events[:] = list(self._health_events), []
            for event in events:
                log.info(
                    "sensor %s: %s -> %s (%s)", event.sensor_id, event.previous, event.current, event.reason
                )
                await _call(self.on_health, event)
            next_tick = max(next_tick + step_s, self.clock())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, next_tick - self.clock()))

    def _report_dead(self, tasks: list[asyncio.Task[None]]) -> None:
        """A listener that failed (a port in use, a missing file) is logged once; the rest go on."""
        for task in tasks:
            if task.done() and task not in self._dead:
                self._dead.add(task)
                if not task.cancelled() and (exc := task.exception()) is not None:
                    log.error("%s failed: %r", task.get_name(), exc)


async def _call(callback: Callback | None, value: HealthEvent | Any) -> None:
    if callback is None:
        return
    try:
        outcome = callback(value)
        if inspect.isawaitable(outcome):
            await outcome
    except Exception:
        log.exception("a live callback failed")


def _default_pipeline(
    site: Site, zones: Sequence[Zone], sensors: Sequence[Sensor], authorisations: Sequence[Authorisation]
) -> PipelineLike:
    from raqib.pipeline import Pipeline

    return Pipeline(site, zones, sensors, authorisations=authorisations)  # type: ignore[no-any-return]


async def run_live(
    site_config: SiteConfig,
    *,
    on_result: Callback | None = None,
    stop_event: asyncio.Event | None = None,
    on_health: Callback | None = None,
    pipeline: PipelineLike | None = None,
    clock: Clock = time.time,
) -> BufferStats:
    """Run every feed of ``site_config`` through the pipeline until ``stop_event`` is set or the
    task is cancelled; ``on_result`` gets each step's result, ``on_health`` each sensor's change
    of health (either may be a coroutine function). Returns the reordering buffer's counts."""
    runner = LiveRunner(site_config, pipeline=pipeline, on_result=on_result, on_health=on_health, clock=clock)
    return await runner.run(stop_event)
