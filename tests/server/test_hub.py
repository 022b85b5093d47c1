"""The hub: the latest picture, and per-subscriber changes batched and coalesced."""

from __future__ import annotations

import pytest

from raqib.model import AlertState, AuditEntry
from raqib.server.hub import NoCommandsError, StateHub
from tests.server.fakes import (
    COMPOUND,
    RADAR,
    SITE,
    TOWER,
    FakePipeline,
    FakeStep,
    make_alert,
    make_threat,
    make_track,
)


def make_hub(pipeline: FakePipeline | None = None) -> StateHub:
    clock = iter(range(1_000_000))
    return StateHub(
        site=SITE,
        zones=[COMPOUND, TOWER],
        sensors=[RADAR],
        commands=pipeline,
        trail_length=3,
        clock=lambda: float(next(clock)),
    )


def test_a_new_subscriber_gets_nothing_until_something_changes() -> None:
    hub = make_hub()
    sub = hub.subscribe()
    assert hub.collect(sub) is None
    hub.publish(FakeStep(0.0, [make_track(1, 0.0, 0, 0)]))
    update = hub.collect(sub)
    assert update is not None and [t.track_id for t in update.tracks] == [1]
    assert hub.collect(sub) is None


def test_updates_carry_only_changed_tracks_and_removals() -> None:
    hub = make_hub()
    sub = hub.subscribe()
    hub.publish(FakeStep(0.0, [make_track(1, 0.0, 0, 0), make_track(2, 0.0, 500, 0)]))
    hub.collect(sub)
    still = make_track(2, 0.0, 500, 0)
    hub.publish(FakeStep(1.0, [make_track(1, 1.0, 0, 15), still, make_track(3, 1.0, 9, 9)]))
    update = hub.collect(sub)
    assert update is not None
    assert sorted(t.track_id for t in update.tracks) == [1, 3]  # 2 did not change
    hub.publish(FakeStep(2.0, [make_track(3, 2.0, 9, 20)]))
    update = hub.collect(sub)
    assert update is not None and update.removed == [1, 2]
    assert hub.track(1) is None


def test_a_slow_subscriber_gets_one_update_with_the_newest_values() -> None:
    hub = make_hub()
    sub = hub.subscribe()
    for step in range(5):
        hub.publish(FakeStep(float(step), [make_track(1, float(step), 0, 15.0 * step)]))
    update = hub.collect(sub)
    assert update is not None
    assert [t.time_s for t in update.tracks] == [4.0]
    assert update.published_ms == 0.0  # the oldest change waiting in this batch
    track = hub.track(1)
    assert track is not None and track.trail is not None and len(track.trail) == 3


def test_speed_heading_and_threat_level_are_derived() -> None:
    hub = make_hub(FakePipeline())
    east = make_track(1, 0.0, 0, 0, vel_e_ms=10.0, vel_n_ms=0.0)
    threatening = make_track(2, 0.0, 1000, 0)
    hub.publish(FakeStep(0.0, [east, threatening], [make_threat(threatening)]))
    assert hub.track(1).heading_deg == pytest.approx(90.0)  # type: ignore[union-attr]
    assert hub.track(1).speed_ms == pytest.approx(10.0)  # type: ignore[union-attr]
    assert hub.track(1).level == "none" and hub.track(2).level == "threat"  # type: ignore[union-attr]
    assert {z.zone_id: z.state for z in hub.zone_views()} == {"compound": "threatened", "tower": "quiet"}
    hub.publish(FakeStep(1.0, [threatening], [make_threat(threatening)], [make_alert(7, 1.0, [2])]))
    assert hub.track(2).level == "alert"  # type: ignore[union-attr]
    assert {z.zone_id: z.state for z in hub.zone_views()}["compound"] == "alerted"


def test_operator_actions_go_to_the_pipeline_and_the_audit_once() -> None:
    pipeline = FakePipeline()
    hub = make_hub(pipeline)
    alert = make_alert(7, 1.0, [2])
    pipeline.remember([alert])
    hub.publish(
        FakeStep(
            1.0,
            [make_track(2, 1.0, 0, 0)],
            [],
            [alert],
            [
                AuditEntry(
                    time_s=1.0, alert_id=7, zone_id="compound", action="raised", actor="raqib", reason="drone"
                )
            ],
        )
    )
    sub = hub.subscribe()
    view = hub.acknowledge(7, "otto", "seen it")
    assert view.state == AlertState.ACKNOWLEDGED and view.acknowledged_by == "otto"
    assert pipeline.calls == [("acknowledge", 7, "otto", "seen it")]
    update = hub.collect(sub)
    assert update is not None and [a.alert_id for a in update.alerts] == [7]
    assert [(e.action, e.actor) for e in update.audit] == [("acknowledged", "otto")]
    # the pipeline's own audit of the same action is not shown twice
    hub.publish(
        FakeStep(
            2.0,
            [],
            [],
            [],
            [
                AuditEntry(
                    time_s=2.0,
                    alert_id=7,
                    zone_id="compound",
                    action="acknowledge",
                    actor="otto",
                    reason="seen it",
                )
            ],
        )
    )
    assert [(e.action, e.actor) for e in hub.audit()] == [("raised", "raqib"), ("acknowledged", "otto")]
    cleared = hub.clear(7, "otto", "gone")
    assert not cleared.active
    assert {z.zone_id: z.state for z in hub.zone_views()}["compound"] == "quiet"


def test_actions_on_unknown_alerts_or_without_a_pipeline_are_refused() -> None:
    hub = make_hub(None)
    with pytest.raises(KeyError):
        hub.acknowledge(1, "otto", "")
    hub.publish(FakeStep(0.0, [], [], [make_alert(1, 0.0, [])]))
    with pytest.raises(NoCommandsError):
        hub.acknowledge(1, "otto", "")


def test_sensor_health_and_zone_edits_reach_subscribers() -> None:
    pipeline = FakePipeline()
    hub = make_hub(pipeline)
    sub = hub.subscribe()
    hub.set_sensor_status("radar-1", "down", "no data for 10 s", 12.0)
    hub.change_zones([COMPOUND])
    update = hub.collect(sub)
    assert update is not None
    assert [(s.sensor_id, s.health, s.detail) for s in update.sensors] == [
        ("radar-1", "down", "no data for 10 s")
    ]
    assert update.zones is not None and [z.zone_id for z in update.zones] == ["compound"]
    assert pipeline.zones == [COMPOUND]


def test_alerts_are_listed_active_first_by_score() -> None:
    hub = make_hub()
    hub.publish(
        FakeStep(
            0.0,
            [],
            [],
            [
                make_alert(1, 0.0, [], score=0.2),
                make_alert(2, 0.0, [], score=0.9),
                make_alert(3, 0.0, [], score=1.0, state=AlertState.CLEARED),
            ],
        )
    )
    assert [a.alert_id for a in hub.alerts()] == [2, 1, 3]
