"""A fake pipeline and hand-built records for the server's and the browser's tests."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec

from raqib.model import Alert, AlertState, AuditEntry, Sensor, Threat, Track, Zone
from tests import sites
from tests.tracks import placed_track

SITE = sites.ORBI
COMPOUND = msgspec.structs.replace(sites.COMPOUND, warn=("siren",))
TOWER = sites.TOWER
RADAR = Sensor(
    sensor_id="radar-1",
    kind="radar",
    lat_deg=33.2625,
    lon_deg=44.2346,
    alt_m=40.0,
    max_range_m=8000.0,
    period_s=1.0,
)


@dataclass(frozen=True)
class FakeStep:
    time_s: float
    tracks: Sequence[Track]
    threats: Sequence[Threat] = ()
    alert_changes: Sequence[Alert] = ()
    audit: Sequence[AuditEntry] = ()


def make_track(
    track_id: int,
    time_s: float,
    east_m: float,
    north_m: float,
    up_m: float = 120.0,
    *,
    vel_e_ms: float = 0.0,
    vel_n_ms: float = 15.0,
    target_class: str = "drone",
    identity: str | None = None,
) -> Track:
    return placed_track(
        SITE,
        track_id,
        time_s,
        (east_m, north_m, up_m),
        (vel_e_ms, vel_n_ms, 0.0),
        east_north_correlation=0.5,
        target_class=target_class,
        class_probs={target_class: 0.8, "bird": 0.2},
        sources=("radar-1",),
        identity=identity,
        hits=int(time_s) + 1,
    )


def make_threat(
    track: Track, zone_id: str = "compound", *, time_to_entry_s: float | None = 40.0, score: float = 0.8
) -> Threat:
    return Threat(
        time_s=track.time_s,
        track_id=track.track_id,
        zone_id=zone_id,
        target_class=track.target_class,
        inside=False,
        probability=0.9,
        time_to_entry_s=time_to_entry_s,
        closest_approach_m=0.0,
        score=score,
        impact_lat_deg=33.2646,
        impact_lon_deg=44.2416,
        impact_time_s=track.time_s + 60.0,
        impact_ellipse_m=(120.0, 60.0, 30.0),
    )


def make_alert(
    alert_id: int,
    time_s: float,
    track_ids: Sequence[int],
    *,
    zone_id: str = "compound",
    score: float = 0.8,
    state: str = AlertState.RAISED,
) -> Alert:
    return Alert(
        alert_id=alert_id,
        zone_id=zone_id,
        state=state,
        target_class="drone",
        track_ids=tuple(track_ids),
        raised_time_s=time_s,
        updated_time_s=time_s,
        time_to_entry_s=40.0,
        score=score,
        reason="drone heading for the compound",
    )


@dataclass
class FakePipeline:
    """Implements the hub's Commands the way the real Pipeline is specified to."""

    alerts: dict[int, Alert] = field(default_factory=dict)
    zones: list[Zone] = field(default_factory=list)
    sensors: list[Sensor] = field(default_factory=list)
    calls: list[tuple[str, int, str, str]] = field(default_factory=list)

    def remember(self, alerts: Sequence[Alert]) -> None:
        for alert in alerts:
            self.alerts[alert.alert_id] = alert

    def acknowledge(self, alert_id: int, user: str, note: str) -> Alert:
        alert = self.alerts[alert_id]
        if alert.state == AlertState.CLEARED:
            raise ValueError(f"alert {alert_id} is cleared")
        self.calls.append(("acknowledge", alert_id, user, note))
        alert = msgspec.structs.replace(alert, state=AlertState.ACKNOWLEDGED, acknowledged_by=user, note=note)
        self.alerts[alert_id] = alert
        return alert

    def clear(self, alert_id: int, user: str, note: str) -> Alert:
        alert = self.alerts[alert_id]
        self.calls.append(("clear", alert_id, user, note))
        alert = msgspec.structs.replace(
            alert, state=AlertState.CLEARED, cleared_time_s=alert.updated_time_s, note=note
        )
        self.alerts[alert_id] = alert
        return alert

    def add_note(self, alert_id: int, user: str, note: str) -> Alert:
        alert = self.alerts[alert_id]
        self.calls.append(("note", alert_id, user, note))
        alert = msgspec.structs.replace(alert, note=note)
        self.alerts[alert_id] = alert
        return alert

    def set_zones(self, zones: Sequence[Zone]) -> None:
        self.zones = list(zones)

    def set_sensors(self, sensors: Sequence[Sensor]) -> None:
        self.sensors = list(sensors)


def circling_tracks(count: int, time_s: float, radius_m: float = 3000.0) -> list[Track]:
    """``count`` tracks spread round the site, each moving along its circle."""
    tracks = []
    for i in range(count):
        angle = 2 * math.pi * i / count + time_s * 0.01
        r = radius_m * (0.3 + 0.7 * ((i * 7919) % count) / max(count, 1))
        tracks.append(
            make_track(
                i + 1,
                time_s,
                r * math.cos(angle),
                r * math.sin(angle),
                vel_e_ms=-10 * math.sin(angle),
                vel_n_ms=10 * math.cos(angle),
                target_class=("drone", "bird", "aircraft", "rocket", "unknown")[i % 5],
            )
        )
    return tracks
