"""The bridge between the pipeline and the operator's screens.

The pipeline runner calls :meth:`StateHub.publish` with each step's result (from the asyncio
loop's thread, as every other method here is called). The hub keeps the latest picture
(tracks with short trails, threats, alerts, audit, zones, sensors) and, for each WebSocket
subscriber, what changed since that subscriber's last message, so a slow screen gets one
coalesced update with the newest values instead of a backlog.

Operator actions go through the hub to a :class:`Commands` object (the Pipeline).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import msgspec
import numpy as np

from raqib.model import Alert, AlertState, AuditEntry, Sensor, Site, StepResult, Threat, Track, Zone
from raqib.server.schemas import (
    AlertView,
    AuditView,
    SensorHealth,
    SensorView,
    SiteView,
    StateSnapshot,
    StateUpdate,
    ThreatLevel,
    ThreatView,
    TrackView,
    ZoneState,
    ZoneStateView,
    ZoneView,
)

# The pipeline step's record, under the name the server's modules use for it.
StepResultLike = StepResult


class Commands(Protocol):
    """Operator actions the pipeline carries out (raqib.pipeline.Pipeline implements these).

    An unknown alert raises KeyError; an action the alert's state forbids raises ValueError.
    A ``set_sensors(sensors)`` method, where the object has one, receives sensor edits."""

    def acknowledge(self, alert_id: int, user: str, note: str) -> Alert: ...
    def clear(self, alert_id: int, user: str, note: str) -> Alert: ...
    def add_note(self, alert_id: int, user: str, note: str) -> Alert | None: ...
    def set_zones(self, zones: Sequence[Zone]) -> None: ...


class NoCommandsError(RuntimeError):
    """The hub has no pipeline to carry out operator actions (a replay, or a view-only feed)."""


def is_active(alert: Alert) -> bool:
    return alert.state != AlertState.CLEARED


@dataclass(eq=False)
class Subscription:
    """What one subscriber has not been sent yet."""

    event: asyncio.Event = field(default_factory=asyncio.Event)
    tracks: set[int] = field(default_factory=set)
    removed: set[int] = field(default_factory=set)
    alerts: set[int] = field(default_factory=set)
    zone_states: set[str] = field(default_factory=set)
    zones: bool = False
    sensors: set[str] = field(default_factory=set)
    audit_sent: int = 0
    published_ms: float | None = None

    def has_changes(self) -> bool:
        return bool(
            self.tracks
            or self.removed
            or self.alerts
            or self.zone_states
            or self.zones
            or self.sensors
            or self.published_ms is not None
        )


def site_view(site: Site) -> SiteView:
    return SiteView(lat_deg=site.lat_deg, lon_deg=site.lon_deg, alt_m=site.alt_m, name=site.name)


def alert_view(alert: Alert) -> AlertView:
    return AlertView(
        alert_id=alert.alert_id,
        zone_id=alert.zone_id,
        state=alert.state,
        active=is_active(alert),
        target_class=alert.target_class,
        track_ids=list(alert.track_ids),
        raised_time_s=alert.raised_time_s,
        updated_time_s=alert.updated_time_s,
        cleared_time_s=alert.cleared_time_s,
        acknowledged_by=alert.acknowledged_by,
        time_to_entry_s=alert.time_to_entry_s,
        predicted_entry_time_s=alert.predicted_entry_time_s,
        impact_lat_deg=alert.impact_lat_deg,
        impact_lon_deg=alert.impact_lon_deg,
        score=alert.score,
        reason=alert.reason,
        note=alert.note,
    )


def audit_view(entry: AuditEntry) -> AuditView:
    return AuditView(
        time_s=entry.time_s,
        alert_id=entry.alert_id,
        zone_id=entry.zone_id,
        action=entry.action,
        actor=entry.actor,
        reason=entry.reason,
    )


def zone_view(zone: Zone, state: ZoneState) -> ZoneView:
    return ZoneView(
        zone_id=zone.zone_id,
        name=zone.name,
        kind=zone.kind,
        polygon=list(zone.polygon),
        center_lat_deg=zone.center_lat_deg,
        center_lon_deg=zone.center_lon_deg,
        radius_m=zone.radius_m,
        floor_m=zone.floor_m,
        ceiling_m=zone.ceiling_m,
        warn=list(zone.warn),
        state=state,
    )


def threat_view(threat: Threat) -> ThreatView:
    return ThreatView(
        zone_id=threat.zone_id,
        inside=threat.inside,
        probability=threat.probability,
        time_to_entry_s=threat.time_to_entry_s,
        closest_approach_m=threat.closest_approach_m,
        score=threat.score,
        impact_lat_deg=threat.impact_lat_deg,
        impact_lon_deg=threat.impact_lon_deg,
        impact_time_s=threat.impact_time_s,
        impact_ellipse_m=threat.impact_ellipse_m,
        provisional=threat.provisional,
    )


def is_threatening(threat: Threat) -> bool:
    return threat.inside or threat.time_to_entry_s is not None


def _action_stem(action: str) -> str:
    return action.lower()[:3]  # "ack"/"acknowledged", "cle"/"cleared", "not"/"note"


class StateHub:
    """The latest picture, and the changes each subscriber has yet to receive."""

    def __init__(
        self,
        *,
        site: Site | None = None,
        zones: Iterable[Zone] = (),
        sensors: Iterable[Sensor] = (),
        commands: Commands | None = None,
        trail_length: int = 30,
        audit_limit: int = 5000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.site = site
        self.commands = commands
        self.trail_length = trail_length
        self._clock = clock
        self.time_s: float | None = None
        self.seq = 0
        self._zones: dict[str, Zone] = {z.zone_id: z for z in zones}
        self._zone_states: dict[str, ZoneState] = dict.fromkeys(self._zones, "quiet")
        self._sensors: dict[str, Sensor] = {s.sensor_id: s for s in sensors}
        self._sensor_views: dict[str, SensorView] = {}
        self._health: dict[str, tuple[SensorHealth, str, float | None]] = {}
        self._tracks: dict[int, TrackView] = {}
        self._trails: dict[int, deque[tuple[float, float]]] = {}
        self._alerts: dict[int, Alert] = {}
        self._alert_views: dict[int, AlertView] = {}
        self._audit: deque[AuditView] = deque(maxlen=audit_limit)
        self._audit_total = 0
        # operator actions recorded here at once, awaiting the pipeline's own audit of them
        self._operator_audit: list[tuple[int, str, str]] = []
        self._subscribers: set[Subscription] = set()
        self._threatened_zones: set[str] = set()
        for sensor_id in self._sensors:
            self._refresh_sensor(sensor_id)

    # ---- the pipeline's side -------------------------------------------------------------

    def publish(self, result: StepResultLike) -> None:
        """Take one step's result: new and moved tracks, threats, alert changes, audit."""
        published_ms = self._clock() * 1000.0
        self.time_s = result.time_s
        self.seq += 1
        for alert in result.alert_changes:
            self._store_alert(alert)
        for entry in result.audit:
            self._add_audit(entry, from_pipeline=True)
        alerted_tracks = {tid for a in self._alerts.values() if is_active(a) for tid in a.track_ids}
        threats_by_track: dict[int, list[Threat]] = {}
        for threat in result.threats:
            threats_by_track.setdefault(threat.track_id, []).append(threat)

        changed = self._update_tracks(result.tracks, threats_by_track, alerted_tracks)
        removed = set(self._tracks) - {t.track_id for t in result.tracks}
        for track_id in removed:
            del self._tracks[track_id]
            self._trails.pop(track_id, None)
        self._threatened_zones = {t.zone_id for t in result.threats if is_threatening(t)}
        zones_changed = self._update_zone_states()
        for sub in self._subscribers:
            sub.tracks.difference_update(removed)
            sub.tracks.update(changed)
            sub.removed.difference_update(changed)
            sub.removed.update(removed)
            sub.alerts.update(a.alert_id for a in result.alert_changes)
            sub.zone_states.update(zones_changed)
            if sub.published_ms is None:
                sub.published_ms = published_ms
            sub.event.set()

    def _update_tracks(
        self, tracks: Sequence[Track], threats_by_track: dict[int, list[Threat]], alerted_tracks: set[int]
    ) -> list[int]:
        if not tracks:
            return []
        velocity = np.array([(t.vel_e_ms, t.vel_n_ms) for t in tracks], float).reshape(-1, 2)
        speed_ms = np.hypot(velocity[:, 0], velocity[:, 1])
        heading_deg = np.degrees(np.arctan2(velocity[:, 0], velocity[:, 1])) % 360.0
        changed: list[int] = []
        for track, speed, heading in zip(tracks, speed_ms.tolist(), heading_deg.tolist(), strict=True):
            threats = threats_by_track.get(track.track_id, [])
            level: ThreatLevel = "none"
            if track.track_id in alerted_tracks:
                level = "alert"
            elif any(is_threatening(t) for t in threats):
                level = "threat"
            view = TrackView(
                track_id=track.track_id,
                time_s=track.time_s,
                lat_deg=track.lat_deg,
                lon_deg=track.lon_deg,
                alt_m=track.alt_m,
                up_m=track.up_m,
                vel_e_ms=track.vel_e_ms,
                vel_n_ms=track.vel_n_ms,
                vel_u_ms=track.vel_u_ms,
                speed_ms=speed,
                heading_deg=heading,
                cov_enu=list(track.cov_enu),
                target_class=track.target_class,
                class_probs=dict(track.class_probs),
                sources=list(track.sources),
                identity=track.identity,
                callsign=track.callsign,
                ballistic=track.ballistic,
                authorised=track.authorised,
                spoofing_suspected=track.spoofing_suspected,
                first_detection_time_s=track.first_detection_time_s,
                hits=track.hits,
                level=level,
                score=max((t.score for t in threats), default=0.0),
                threats=[threat_view(t) for t in sorted(threats, key=lambda t: -t.score)],
            )
            if self._tracks.get(track.track_id) == view:
                continue
            trail = self._trails.setdefault(track.track_id, deque(maxlen=self.trail_length))
            position = (track.lon_deg, track.lat_deg)
            if not trail or trail[-1] != position:
                trail.append(position)
            self._tracks[track.track_id] = view
            changed.append(track.track_id)
        return changed

    def _update_zone_states(self) -> list[str]:
        alerted = {a.zone_id for a in self._alerts.values() if is_active(a)}
        threatened = self._threatened_zones
        changed = []
        for zone_id in self._zones:
            state: ZoneState = "quiet"
            if zone_id in alerted:
                state = "alerted"
            elif zone_id in threatened:
                state = "threatened"
            if self._zone_states.get(zone_id) != state:
                self._zone_states[zone_id] = state
                changed.append(zone_id)
        return changed

    def _store_alert(self, alert: Alert) -> None:
        self._alerts[alert.alert_id] = alert
        self._alert_views[alert.alert_id] = alert_view(alert)

    def _add_audit(self, entry: AuditEntry, *, from_pipeline: bool) -> None:
        key = (entry.alert_id, entry.actor, _action_stem(entry.action))
        if from_pipeline and key in self._operator_audit:
            self._operator_audit.remove(key)  # already recorded when the operator acted
            return
        if not from_pipeline:
            self._operator_audit.append(key)
            del self._operator_audit[:-100]
        self._audit.append(audit_view(entry))
        self._audit_total += 1
        for sub in self._subscribers:
            sub.event.set()

    def set_site(self, site: Site) -> None:
        self.site = site

    def set_sensors(self, sensors: Iterable[Sensor]) -> None:
        self._sensors = {s.sensor_id: s for s in sensors}
        self._sensor_views = {}
        for sensor_id in self._sensors:
            self._refresh_sensor(sensor_id)
        self._mark_sensors(self._sensors)

    def set_sensor_status(
        self, sensor_id: str, health: SensorHealth, detail: str = "", last_seen_s: float | None = None
    ) -> None:
        """A sensor's health as the listeners see it (ok, degraded, down)."""
        if self._health.get(sensor_id) == (health, detail, last_seen_s):
            return
        self._health[sensor_id] = (health, detail, last_seen_s)
        if sensor_id in self._sensors:
            self._refresh_sensor(sensor_id)
            self._mark_sensors([sensor_id])

    def _refresh_sensor(self, sensor_id: str) -> None:
        sensor = self._sensors[sensor_id]
        health, detail, last_seen_s = self._health.get(sensor_id, ("unknown", "", None))
        self._sensor_views[sensor_id] = SensorView(
            sensor_id=sensor.sensor_id,
            kind=sensor.kind,
            lat_deg=sensor.lat_deg,
            lon_deg=sensor.lon_deg,
            alt_m=sensor.alt_m,
            max_range_m=sensor.max_range_m,
            period_s=sensor.period_s,
            health=health,
            detail=detail,
            last_seen_s=last_seen_s,
        )

    def _mark_sensors(self, sensor_ids: Iterable[str]) -> None:
        ids = list(sensor_ids)
        for sub in self._subscribers:
            sub.sensors.update(ids)
            sub.event.set()

    def set_zones(self, zones: Iterable[Zone]) -> None:
        """Show this set of zones (the pipeline's own set is changed by :meth:`change_zones`)."""
        self._zones = {z.zone_id: z for z in zones}
        self._zone_states = {zid: self._zone_states.get(zid, "quiet") for zid in self._zones}
        for sub in self._subscribers:
            sub.zones = True
            sub.event.set()

    # ---- the operator's side -------------------------------------------------------------

    @property
    def zones(self) -> list[Zone]:
        return list(self._zones.values())

    @property
    def sensors(self) -> list[Sensor]:
        return list(self._sensors.values())

    def zone_views(self) -> list[ZoneView]:
        return [zone_view(z, self._zone_states.get(z.zone_id, "quiet")) for z in self._zones.values()]

    def sensor_views(self) -> list[SensorView]:
        return list(self._sensor_views.values())

    def track(self, track_id: int) -> TrackView | None:
        view = self._tracks.get(track_id)
        if view is None:
            return None
        return view.model_copy(update={"trail": list(self._trails.get(track_id, ()))})

    def alerts(self) -> list[AlertView]:
        """Active alerts first, then by threat score, highest first."""
        return sorted(self._alert_views.values(), key=lambda a: (not a.active, -a.score, -a.raised_time_s))

    def alert(self, alert_id: int) -> AlertView | None:
        return self._alert_views.get(alert_id)

    def audit(self, limit: int | None = None) -> list[AuditView]:
        entries = list(self._audit)
        return entries[-limit:] if limit else entries

    def change_zones(self, zones: Sequence[Zone]) -> None:
        """Give the pipeline a new set of zones, and show it."""
        if self.commands is not None:
            self.commands.set_zones(list(zones))
        self.set_zones(zones)

    def change_sensor(self, sensor: Sensor) -> None:
        self._sensors[sensor.sensor_id] = sensor
        set_sensors = getattr(self.commands, "set_sensors", None)
        if callable(set_sensors):
            set_sensors(list(self._sensors.values()))
        self._refresh_sensor(sensor.sensor_id)
        self._mark_sensors([sensor.sensor_id])

    def acknowledge(self, alert_id: int, user: str, note: str = "") -> AlertView:
        return self._act(alert_id, user, note, "acknowledged")

    def clear(self, alert_id: int, user: str, note: str = "") -> AlertView:
        return self._act(alert_id, user, note, "cleared")

    def add_note(self, alert_id: int, user: str, note: str) -> AlertView:
        return self._act(alert_id, user, note, "note")

    def _act(self, alert_id: int, user: str, note: str, action: str) -> AlertView:
        if alert_id not in self._alerts:
            raise KeyError(alert_id)
        if self.commands is None:
            raise NoCommandsError("no pipeline is attached: alerts can't be changed here")
        if action == "acknowledged":
            alert: Alert | None = self.commands.acknowledge(alert_id, user, note)
        elif action == "cleared":
            alert = self.commands.clear(alert_id, user, note)
        else:
            alert = self.commands.add_note(alert_id, user, note)
        if alert is None:
            previous = self._alerts[alert_id]
            joined = f"{previous.note}\n{user}: {note}" if previous.note else f"{user}: {note}"
            alert = msgspec.structs.replace(previous, note=joined)
        self._store_alert(alert)
        self._add_audit(
            AuditEntry(
                time_s=self.time_s or 0.0,
                alert_id=alert_id,
                zone_id=alert.zone_id,
                action=action,
                actor=user,
                reason=note,
            ),
            from_pipeline=False,
        )
        zones_changed = self._update_zone_states()
        for sub in self._subscribers:
            sub.alerts.add(alert_id)
            sub.zone_states.update(zones_changed)
            sub.event.set()
        return self._alert_views[alert_id]

    # ---- subscribers ---------------------------------------------------------------------

    def subscribe(self) -> Subscription:
        sub = Subscription(audit_sent=self._audit_total)
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def snapshot(self, audit_limit: int = 200) -> StateSnapshot:
        tracks = [
            view.model_copy(update={"trail": list(self._trails.get(tid, ()))})
            for tid, view in self._tracks.items()
        ]
        return StateSnapshot(
            seq=self.seq,
            time_s=self.time_s,
            site=site_view(self.site) if self.site else None,
            tracks=tracks,
            alerts=self.alerts(),
            zones=self.zone_views(),
            sensors=self.sensor_views(),
            audit=self.audit(audit_limit),
        )

    def collect(self, sub: Subscription) -> StateUpdate | None:
        """Everything ``sub`` has not been sent, as one update (None: nothing new)."""
        new_audit = min(self._audit_total - sub.audit_sent, len(self._audit))
        if not sub.has_changes() and new_audit <= 0:
            return None
        update = StateUpdate(
            seq=self.seq,
            time_s=self.time_s,
            published_ms=sub.published_ms,
            tracks=[self._tracks[tid] for tid in sub.tracks if tid in self._tracks],
            removed=sorted(sub.removed),
            alerts=[self._alert_views[aid] for aid in sorted(sub.alerts) if aid in self._alert_views],
            zone_states=[
                ZoneStateView(zone_id=zid, state=self._zone_states[zid])
                for zid in sorted(sub.zone_states)
                if zid in self._zone_states
            ],
            zones=self.zone_views() if sub.zones else None,
            sensors=[self._sensor_views[sid] for sid in sorted(sub.sensors) if sid in self._sensor_views],
            audit=list(self._audit)[len(self._audit) - new_audit :] if new_audit > 0 else [],
        )
        sub.tracks.clear()
        sub.removed.clear()
        sub.alerts.clear()
        sub.zone_states.clear()
        sub.zones = False
        sub.sensors.clear()
        sub.audit_sent = self._audit_total
        sub.published_ms = None
        return update
