"""Sensor health: silence, errors and recovery, on a clock the test drives by hand."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.model import Sensor
from raqib.sensors.registry import Health, HealthEvent, HealthThresholds, SensorRegistry

RADAR = Sensor(sensor_id="radar-1", kind="radar", lat_deg=51.5, lon_deg=-0.1, alt_m=20.0, period_s=2.0)
ADSB = Sensor(sensor_id="adsb-1", kind="adsb", lat_deg=51.5, lon_deg=-0.1, alt_m=20.0)


class Clock:
    def __init__(self, now_s: float = 1000.0) -> None:
        self.now_s = now_s

    def __call__(self) -> float:
        return self.now_s


def registry_with(*sensors: Sensor) -> tuple[SensorRegistry, Clock, list[HealthEvent]]:
    clock = Clock()
    events: list[HealthEvent] = []
    registry = SensorRegistry(clock=clock, on_event=events.append)
    for sensor in sensors:
        registry.add(sensor)
    return registry, clock, events


def speak(registry: SensorRegistry, clock: Clock, sensor_id: str, until_s: float, every_s: float) -> None:
    """The sensor sends one good message every ``every_s`` until ``until_s``; health checked each time."""
    while clock.now_s < until_s:
        clock.now_s += every_s
        registry.record(sensor_id, clock.now_s, detections=2)
        registry.check()


def test_a_sensor_is_silent_until_it_speaks_then_ok_without_recovering() -> None:
    registry, clock, events = registry_with(RADAR)
    assert registry.status("radar-1").health == Health.SILENT
    assert registry.status("radar-1").silent_for_s is None
    clock.now_s += 0.5
    registry.record("radar-1", clock.now_s, detections=3)
    assert [(e.previous, e.current) for e in events] == [("silent", "ok")]
    status = registry.status("radar-1")
    assert status.health == "ok" and status.messages == 1 and status.detections == 3
    assert status.last_message_time_s == clock.now_s


def test_silence_degrades_after_three_periods_then_silent_then_recovers() -> None:
    registry, clock, events = registry_with(RADAR)  # period 2 s
    speak(registry, clock, "radar-1", 1010.0, 2.0)
    assert registry.status("radar-1").health == "ok"
    last = clock.now_s
    clock.now_s = last + 5.9  # under 3 periods
    assert registry.check() == [] and registry.status("radar-1").health == "ok"
    clock.now_s = last + 6.1
    (event,) = registry.check()
    assert (event.previous, event.current) == ("ok", "degraded")
    assert "no data for 6.1 s" in event.reason and "expected every 2 s" in event.reason
    clock.now_s = last + 20.5  # beyond 10 periods
    (event,) = registry.check()
    assert (event.previous, event.current) == ("degraded", "silent")
    assert registry.check() == []  # no repeats while it stays silent
    assert registry.status("radar-1").silent_for_s == 20.5
    clock.now_s += 1.0
    (event,) = registry.record("radar-1", clock.now_s, detections=1)
    assert (event.previous, event.current) == ("silent", "recovering")
    speak(registry, clock, "radar-1", clock.now_s + 3.5, 2.0)
    assert registry.status("radar-1").health == "recovering"  # 4 s healthy: not yet 3 periods
    speak(registry, clock, "radar-1", clock.now_s + 2.0, 2.0)
    assert registry.status("radar-1").health == "ok"
    assert [e.current for e in events] == ["ok", "degraded", "silent", "recovering", "ok"]


def test_a_relapse_while_recovering_degrades_again() -> None:
    registry, clock, _ = registry_with(RADAR)
    speak(registry, clock, "radar-1", 1004.0, 2.0)
    clock.now_s += 7.0
    registry.check()
    registry.record("radar-1", clock.now_s)
    assert registry.status("radar-1").health == "recovering"
    clock.now_s += 6.5
    (event,) = registry.check()
    assert (event.previous, event.current) == ("recovering", "degraded")


def test_many_decode_errors_degrade_a_sensor_that_still_speaks() -> None:
    registry, clock, events = registry_with(ADSB)  # period 1 s
    speak(registry, clock, "adsb-1", 1003.0, 0.5)
    for _ in range(4):
        clock.now_s += 0.5
        registry.record("adsb-1", clock.now_s, errors=3, last_error="beast: byte 7: bad frame type")
    status = registry.status("adsb-1")
    assert status.health == "degraded"
    assert "decode errors" in status.reason and "bad frame type" in status.reason
    assert status.errors == 12 and status.error_ratio > 0.5
    # the errors stop; once they have left the 10 s window it recovers, then is ok
    speak(registry, clock, "adsb-1", clock.now_s + 12.0, 0.5)
    assert [e.current for e in events][-3:] == ["degraded", "recovering", "ok"]


def test_a_few_errors_do_not_degrade() -> None:
    registry, clock, _ = registry_with(ADSB)
    speak(registry, clock, "adsb-1", 1002.0, 0.5)
    registry.record("adsb-1", clock.now_s, errors=2)
    assert registry.check() == [] and registry.status("adsb-1").health == "ok"


def test_rates_count_over_the_window() -> None:
    registry, clock, _ = registry_with(ADSB)
    clock.now_s += 20.0
    speak(registry, clock, "adsb-1", clock.now_s + 10.0, 0.25)  # 4 messages/s, 2 detections each
    status = registry.status("adsb-1")
    assert abs(status.message_rate_hz - 4.0) < 0.5
    assert abs(status.detection_rate_hz - 8.0) < 1.0
    assert status.dropped == 0


def test_sensors_are_judged_independently_and_unknown_ids_ignored() -> None:
    registry, clock, _ = registry_with(RADAR, ADSB)
    clock.now_s += 1.0
    registry.record("radar-1", clock.now_s)
    registry.record("adsb-1", clock.now_s)
    assert registry.record("nobody", clock.now_s) == []
    speak(registry, clock, "adsb-1", clock.now_s + 8.0, 0.5)
    health = {s.sensor_id: s.health for s in registry.statuses()}
    assert health == {"radar-1": "degraded", "adsb-1": "ok"}


def test_expected_period_overrides_the_sensors_own() -> None:
    clock = Clock()
    registry = SensorRegistry(HealthThresholds(degraded_periods=2.0), clock=clock)
    registry.add(RADAR, feed="north", expected_period_s=10.0)
    registry.record("radar-1", clock.now_s)
    clock.now_s += 15.0
    assert registry.check() == []
    clock.now_s += 6.0
    (event,) = registry.check()
    assert event.current == "degraded" and event.feed == "north"


@settings(max_examples=60)
@given(st.lists(st.tuples(st.floats(0.01, 30.0), st.booleans(), st.integers(0, 5)), max_size=40))
def test_health_is_always_a_known_state_and_events_chain(steps: list[tuple[float, bool, int]]) -> None:
    registry, clock, events = registry_with(RADAR)
    for gap_s, speaks, errors in steps:
        clock.now_s += gap_s
        if speaks:
            registry.record("radar-1", clock.now_s, errors=errors)
        registry.check()
        status = registry.status("radar-1")
        assert status.health in {h.value for h in Health}
        silent = status.silent_for_s
        if silent is not None and silent > 6.0:
            assert status.health in ("degraded", "silent")
    previous = "silent"
    for event in events:
        assert event.previous == previous and event.current != previous
        previous = event.current
