"""Every sensor's pulse: when it last spoke, how much, how many errors, and its health.

Health, judged against the sensor's expected period P (``expected_period_s``)::

    silent      never heard since start, or no message for longer than ``silent_periods`` x P
    degraded    no message for longer than ``degraded_periods`` x P (about 3 x P), or more than
                ``max_error_ratio`` decode errors per message over the last ``rate_window_s``
    recovering  it speaks again after being degraded or silent; it stays here until it has been
                healthy for ``recover_periods`` x P, then it is ok
    ok          speaking on time, few errors

A sensor heard for the first time goes straight from silent to ok (start-up is not a fault).
Each change of health is a :class:`HealthEvent`, returned by ``record``/``check`` and passed
to ``on_event``. Times are whatever clock the caller drives (``clock``, or explicit
``now_s``): tests step it by hand.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import msgspec

from raqib.model import Sensor


class Health(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    SILENT = "silent"
    RECOVERING = "recovering"


class SensorStatus(msgspec.Struct, frozen=True, kw_only=True):
    """One sensor's state as the UI and the alerts see it."""

    sensor_id: str
    kind: str
    feed: str
    health: str
    reason: str
    since_s: float  # when it entered this health
    expected_period_s: float
    last_message_time_s: float | None
    silent_for_s: float | None  # None: never heard
    message_rate_hz: float
    detection_rate_hz: float
    error_ratio: float  # decode errors per message over the rate window
    messages: int
    detections: int
    errors: int
    dropped: int  # chunks dropped by the listener's full queue or the kernel's full buffer
    last_error: str = ""  # the last decode error
    transport_error: str = ""  # the listener's last problem (refused, closed, silent connection)


class HealthEvent(msgspec.Struct, frozen=True, kw_only=True):
    time_s: float
    sensor_id: str
    feed: str
    previous: str
    current: str
    reason: str


@dataclass(frozen=True)
class HealthThresholds:
    degraded_periods: float = 3.0
    silent_periods: float = 10.0
    recover_periods: float = 3.0
    rate_window_s: float = 10.0
    max_error_ratio: float = 0.5
    min_errors: int = 3  # fewer errors than this in the window never degrade a sensor


@dataclass
class _Entry:
    sensor: Sensor
    feed: str
    period_s: float
    start_s: float
    health: Health = Health.SILENT
    reason: str = "no data yet"
    since_s: float = 0.0
    healthy_since_s: float | None = None
    ever_ok: bool = False
    last_message_s: float | None = None
    messages: int = 0
    detections: int = 0
    errors: int = 0
    dropped: int = 0
    last_error: str = ""
    # one-second bins of [bin start, messages, detections, errors] over the rate window
    bins: deque[list[float]] = field(default_factory=deque)


class SensorRegistry:
    """Counts and health of every configured sensor, keyed by sensor id."""

    def __init__(
        self,
        thresholds: HealthThresholds | None = None,
        *,
        clock: Callable[[], float] = time.time,
        on_event: Callable[[HealthEvent], None] | None = None,
    ) -> None:
        self.thresholds = thresholds or HealthThresholds()
        self.clock = clock
        self.on_event = on_event
        self._entries: dict[str, _Entry] = {}

    def add(
        self,
        sensor: Sensor,
        *,
        feed: str = "",
        expected_period_s: float | None = None,
        now_s: float | None = None,
    ) -> None:
        """Start watching a sensor; it is silent until its first message."""
        start = self.clock() if now_s is None else now_s
        period = expected_period_s or sensor.period_s or 1.0
        self._entries[sensor.sensor_id] = _Entry(
            sensor, feed or sensor.sensor_id, float(period), start, since_s=start
        )

    def __contains__(self, sensor_id: object) -> bool:
        return sensor_id in self._entries

    def record(
        self,
        sensor_id: str,
        time_s: float,
        *,
        detections: int = 0,
        errors: int = 0,
        dropped_total: int | None = None,
        last_error: str = "",
    ) -> list[HealthEvent]:
        """One message (a decoded chunk) from a sensor, received at ``time_s``."""
        entry = self._entries.get(sensor_id)
        if entry is None:
            return []
        entry.last_message_s = time_s if entry.last_message_s is None else max(entry.last_message_s, time_s)
        entry.messages += 1
        entry.detections += detections
        entry.errors += errors
        if dropped_total is not None:
            entry.dropped = dropped_total
        if last_error:
            entry.last_error = last_error
        second = math.floor(time_s)
        if entry.bins and entry.bins[-1][0] == second:
            counts = entry.bins[-1]
            counts[1] += 1
            counts[2] += detections
            counts[3] += errors
        else:
            entry.bins.append([second, 1, detections, errors])
        return self._evaluate(entry, time_s)

    def check(self, now_s: float | None = None) -> list[HealthEvent]:
        """Judge every sensor at ``now_s`` (default: the clock); returns the changes of health."""
        now = self.clock() if now_s is None else now_s
        events: list[HealthEvent] = []
        for entry in self._entries.values():
            events.extend(self._evaluate(entry, now))
        return events

    def status(self, sensor_id: str, now_s: float | None = None) -> SensorStatus:
        return self._status(self._entries[sensor_id], self.clock() if now_s is None else now_s)

    def statuses(self, now_s: float | None = None) -> list[SensorStatus]:
        now = self.clock() if now_s is None else now_s
        return [self._status(entry, now) for entry in self._entries.values()]

    # ------------------------------------------------------------------ internals

    def _window(self, entry: _Entry, now: float) -> tuple[float, float, float, float]:
        """Messages, detections and errors in the rate window, and the window's length."""
        window = self.thresholds.rate_window_s
        while entry.bins and entry.bins[0][0] <= now - window - 1.0:
            entry.bins.popleft()
        lower = now - window
        messages = detections = errors = 0.0
        for start, m, d, e in entry.bins:
            if start + 1.0 > lower:
                messages += m
                detections += d
                errors += e
        span = max(min(window, now - entry.start_s), 1.0)
        return messages, detections, errors, span

    def _judge(self, entry: _Entry, now: float) -> tuple[Health | None, str]:
        """The bad health the sensor is in at ``now``, with why; (None, "") when it is healthy."""
        t = self.thresholds
        period = entry.period_s
        if entry.last_message_s is None:
            return Health.SILENT, "no data yet"
        silence = now - entry.last_message_s
        if silence > t.silent_periods * period:
            return Health.SILENT, f"no data for {silence:.1f} s"
        if silence > t.degraded_periods * period:
            return Health.DEGRADED, f"no data for {silence:.1f} s (expected every {period:g} s)"
        messages, _, errors, _ = self._window(entry, now)
        if errors >= t.min_errors and errors > t.max_error_ratio * max(messages, 1.0):
            reason = f"{errors:.0f} decode errors in {messages:.0f} messages"
            return Health.DEGRADED, f"{reason}: {entry.last_error}" if entry.last_error else reason
        return None, ""

    def _evaluate(self, entry: _Entry, now: float) -> list[HealthEvent]:
        bad, reason = self._judge(entry, now)
        if bad is not None:
            entry.healthy_since_s = None
            if bad is Health.SILENT and entry.health is Health.SILENT:
                entry.reason = reason  # keep the count of seconds current without a new event
                return []
            return self._move(entry, bad, reason, now)
        if entry.health in (Health.SILENT, Health.DEGRADED):
            if not entry.ever_ok:
                entry.ever_ok = True
                return self._move(entry, Health.OK, "first data", now)
            entry.healthy_since_s = now
            return self._move(entry, Health.RECOVERING, "speaking again", now)
        if entry.health is Health.RECOVERING:
            since = entry.healthy_since_s if entry.healthy_since_s is not None else now
            entry.healthy_since_s = since
            if now - since >= self.thresholds.recover_periods * entry.period_s:
                return self._move(entry, Health.OK, f"healthy for {now - since:.1f} s", now)
        return []

    def _move(self, entry: _Entry, health: Health, reason: str, now: float) -> list[HealthEvent]:
        if health is entry.health:
            entry.reason = reason
            return []
        event = HealthEvent(
            time_s=now,
            sensor_id=entry.sensor.sensor_id,
            feed=entry.feed,
            previous=entry.health.value,
            current=health.value,
            reason=reason,
        )
        entry.health, entry.reason, entry.since_s = health, reason, now
        if health is Health.OK:
            entry.ever_ok = True
        if self.on_event is not None:
            self.on_event(event)
        return [event]

    def _status(self, entry: _Entry, now: float) -> SensorStatus:
        messages, detections, errors, span = self._window(entry, now)
        return SensorStatus(
            sensor_id=entry.sensor.sensor_id,
            kind=entry.sensor.kind,
            feed=entry.feed,
            health=entry.health.value,
            reason=entry.reason,
            since_s=entry.since_s,
            expected_period_s=entry.period_s,
            last_message_time_s=entry.last_message_s,
            silent_for_s=None if entry.last_message_s is None else max(0.0, now - entry.last_message_s),
            message_rate_hz=messages / span,
            detection_rate_hz=detections / span,
            error_ratio=errors / max(messages, 1.0),
            messages=entry.messages,
            detections=entry.detections,
            errors=entry.errors,
            dropped=entry.dropped,
            last_error=entry.last_error,
        )
