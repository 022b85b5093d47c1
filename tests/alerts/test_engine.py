"""The alert life cycle: debounce, one alert per zone and event, hysteresis, operator actions."""

from __future__ import annotations

import msgspec
import pytest

from raqib.alerts.engine import AlertConfig, AlertEngine
from raqib.model import Threat

QUICK = AlertConfig(raise_after_s=1.0)  # two evaluations a second apart raise


def threat(
    track: int,
    zone: str = "compound",
    p: float = 0.9,
    tte: float | None = 60.0,
    cls: str = "drone",
    inside: bool = False,
    t: float = 0.0,
) -> Threat:
    return Threat(
        time_s=t,
        track_id=track,
        zone_id=zone,
        target_class=cls,
        inside=inside,
        probability=p,
        time_to_entry_s=tte,
        closest_approach_m=0.0,
        score=p,
    )


def test_raised_after_two_consecutive_evaluations_not_one() -> None:
    engine = AlertEngine(QUICK)
    changes, _ = engine.update([threat(1)], 0.0)
    assert changes == []
    changes, audit = engine.update([threat(1)], 1.0)
    assert [a.state for a in changes] == ["raised"]
    assert audit[0].action == "raised" and "P(entry)=0.90" in audit[0].reason


def test_a_single_blip_raises_nothing() -> None:
    engine = AlertEngine(QUICK)
    engine.update([threat(1)], 0.0)
    engine.update([], 1.0)
    changes, _ = engine.update([threat(1)], 2.0)
    assert changes == []


def test_a_swarm_is_one_alert_with_its_count_and_other_zones_get_their_own() -> None:
    engine = AlertEngine(QUICK)
    for t in (0.0, 1.0):
        engine.update([threat(1), threat(2), threat(3), threat(9, zone="terminal")], t)
    open_alerts = [a for a in engine.alerts if a.state != "cleared"]
    by_zone = {a.zone_id: a for a in open_alerts}
    assert set(by_zone) == {"compound", "terminal"}
    assert sorted(by_zone["compound"].track_ids) == [1, 2, 3]


def test_low_probability_or_far_future_does_not_raise() -> None:
    engine = AlertEngine(AlertConfig(warn_horizon_s=120, raise_after_s=1.0))
    for t in range(5):
        engine.update([threat(1, p=0.25), threat(2, tte=500.0)], float(t))
    assert engine.alerts == []


def test_cleared_after_the_threat_is_gone_for_the_hold_time_with_an_all_clear() -> None:
    engine = AlertEngine(AlertConfig(clear_after_s=10, raise_after_s=1.0))
    engine.update([threat(1)], 0.0)
    engine.update([threat(1)], 1.0)
    changes, _ = engine.update([], 5.0)
    assert changes == []  # hysteresis: not yet
    changes, audit = engine.update([], 11.0)
    assert [a.state for a in changes] == ["cleared"]
    assert [e.action for e in audit] == ["cleared", "all-clear"]


def test_hysteresis_keeps_an_alert_while_probability_dips_a_little() -> None:
    engine = AlertEngine(AlertConfig(clear_after_s=3, raise_after_s=1.0))
    engine.update([threat(1)], 0.0)
    engine.update([threat(1)], 1.0)
    for t in range(2, 10):
        changes, _ = engine.update([threat(1, p=0.3)], float(t))
        assert all(a.state != "cleared" for a in changes)


def test_operator_acknowledges_then_clears_and_it_is_audited_and_not_re_raised() -> None:
    engine = AlertEngine(QUICK)
    engine.update([threat(1)], 0.0)
    _, audit = engine.update([threat(1)], 1.0)
    alert_id = audit[0].alert_id
    alert, entry = engine.acknowledge(alert_id, "olivia", "seen", 2.0)
    assert alert.state == "acknowledged" and alert.acknowledged_by == "olivia"
    assert entry.actor == "olivia"
    alert, entries = engine.clear(alert_id, "olivia", "false alarm", 3.0)
    assert alert.state == "cleared"
    assert entries[0].actor == "olivia"
    changes, _ = engine.update([threat(1)], 4.0)
    assert changes == []  # suppressed while the same threat goes on
    with pytest.raises(KeyError):
        engine.acknowledge(alert_id, "olivia", "", 5.0)


def test_rounds_and_drones_against_one_zone_are_separate_events() -> None:
    engine = AlertEngine(QUICK)
    for t in (0.0, 1.0):
        engine.update([threat(1), threat(2, cls="rocket", tte=20.0)], t)
    assert len(engine.alerts) == 2


def test_a_brief_risk_like_a_drone_turning_a_corner_raises_nothing_but_a_steady_one_does() -> None:
    engine = AlertEngine(AlertConfig(raise_after_s=4.0))
    for t in (0.0, 1.0, 2.0, 3.0):  # pointing at the zone for three seconds, then away
        changes, _ = engine.update([threat(1)], t)
        assert changes == []
    engine.update([], 4.0)
    raised = []
    for t in (10.0, 11.0, 12.0, 13.0, 14.0):
        changes, _ = engine.update([threat(1)], t)
        raised += changes
    assert [a.state for a in raised] == ["raised"] and raised[0].raised_time_s == 14.0


def test_a_zone_already_warned_takes_another_track_sooner_than_a_new_alert_is_raised() -> None:
    """The debounce keeps a zone from being warned on a moment's risk; a zone whose alert is
    already sounding adds a second drone after join_after_s (the alert's count and the
    drone's own lead), while a zone not yet warned still waits raise_after_s."""
    config = AlertConfig(raise_after_s=4.0, join_after_s=1.0)
    engine = AlertEngine(config)
    for t in (0.0, 1.0, 2.0, 3.0, 4.0):
        engine.update([threat(1)], t)
    joined_s = raised_s = None
    for t in (10.0, 11.0, 12.0, 13.0, 14.0):
        changes, _ = engine.update([threat(1, t=t), threat(2, t=t), threat(3, zone="terminal", t=t)], t)
        for alert in changes:
            if alert.zone_id == "compound" and 2 in alert.track_ids and joined_s is None:
                joined_s = t
            if alert.zone_id == "terminal" and alert.state == "raised":
                raised_s = t
    assert joined_s == 11.0 and raised_s == 14.0


def test_a_track_inside_the_zone_or_a_round_raises_at_once() -> None:
    engine = AlertEngine(AlertConfig(raise_after_s=4.0, raise_after_steps=2))
    changes, _ = engine.update([threat(1, inside=True, tte=0.0)], 0.0)
    assert [a.state for a in changes] == ["raised"]


def test_a_provisional_impact_is_shown_but_never_raises() -> None:
    """A round's first impact prediction (2 plots) is marked provisional: however likely its
    zone, only the third plot's prediction may raise the alert."""
    engine = AlertEngine(QUICK)
    rough = msgspec.structs.replace(
        threat(1, cls="rocket", p=0.9, tte=20.0), impact_ellipse_m=(3000.0, 1500.0, 0.0), provisional=True
    )
    assert engine.update([rough], 0.0)[0] == []
    firm = msgspec.structs.replace(rough, provisional=False, time_s=0.5)
    assert [a.state for a in engine.update([firm], 0.5)[0]] == ["raised"]


def test_a_risk_read_from_a_straight_runs_heading_needs_no_debounce_a_moments_line_does() -> None:
    """The debounce is for a moment's risk: a drone turning a corner points its line at a zone
    for a few seconds. A risk read from the heading of a straight run (intent reads one only
    from 12-16 s of it) has persisted already: it raises on its second evaluation, while a
    line's risk still waits raise_after_s."""
    engine = AlertEngine(AlertConfig(raise_after_s=4.0, raise_after_steps=2))
    raised: dict[str, float] = {}
    reasons: dict[str, str] = {}
    for t in (0.0, 1.0, 2.0, 3.0, 4.0):
        read = msgspec.structs.replace(threat(1, t=t), heading_probability=0.8)
        line = threat(2, zone="terminal", t=t)
        changes, audit = engine.update([read, line], t)
        raised.update({a.zone_id: t for a in changes if a.state == "raised"})
        reasons.update({entry.zone_id: entry.reason for entry in audit if entry.action == "raised"})
    assert raised == {"compound": 1.0, "terminal": 4.0}
    assert "(heading 0.80)" in reasons["compound"] and "heading" not in reasons["terminal"]  # why
