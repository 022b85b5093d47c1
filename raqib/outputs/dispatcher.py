"""The dispatcher: each pipeline step's tracks and alert changes to the channels that must hear them.

    StepResult ──► alert changes ──► routed by the zone's ``warn`` list (channel names)
                 │                    ├─ cot-*:   alarm b-a-g (or its cancel) + the zone drawing
                 │                    ├─ cap-*:   CAP Alert / Update / Cancel (references the first)
                 │                    ├─ webhook: JSON event
                 │                    └─ audible: a spoken warning or a siren
                 └─► tracks ──► cot-* channels, at each channel's rate: all tracks, those in its
                                zones' open alerts, or none

Only the zones at risk are warned, and only through their own channels (a channel with
``all_zones`` hears every zone). Open alarms and zone drawings are re-sent before they go
stale on TAK. ``handle`` builds the messages and queues them; it never waits for a receiver.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import msgspec

from raqib.model import Alert, AlertState, Site, StepResult, Threat, Track, Zone
from raqib.outputs.audible import AudiblePlayer
from raqib.outputs.base import AlertNotice, Channel, ChannelStats, Outgoing
from raqib.outputs.cap import CapWriter, slug
from raqib.outputs.capfile import CapFileWriter
from raqib.outputs.config import (
    CapFileChannel,
    CapPostChannel,
    ChannelConfig,
    CotTcpChannel,
    CotUdpChannel,
    OutputsConfig,
    TrackSelection,
    WebhookChannel,
    ZoneDrawing,
)
from raqib.outputs.cot import CotEvent, CotWriter
from raqib.outputs.transport import CotTcpSender, CotUdpSender
from raqib.outputs.webhook import CapPoster, WebhookSender, webhook_event

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Route:
    """What one channel hears besides its zones' alerts."""

    all_zones: bool = False
    tracks: TrackSelection = "alerted"  # CoT channels only
    track_rate_hz: float = 1.0
    zones: ZoneDrawing = "alerted"


def build_channel(config: ChannelConfig) -> tuple[Channel, Route]:
    """A channel and its route from its site-file section."""
    if isinstance(config, CotUdpChannel | CotTcpChannel):
        options = config.options
        route = Route(
            all_zones=config.all_zones,
            tracks=options.tracks,
            track_rate_hz=options.track_rate_hz,
            zones=options.zones,
        )
        if isinstance(config, CotUdpChannel):
            return CotUdpSender(config.name, config.address, config.port, config.options), route
        return CotTcpSender(config.name, config.address, config.port, config.options), route
    route = Route(all_zones=config.all_zones, tracks="none", zones="none")
    if isinstance(config, CapFileChannel):
        return CapFileWriter(config.name, config.path), route
    if isinstance(config, CapPostChannel):
        return CapPoster(config.name, config.url, config.options, dead_letter_path=config.path), route
    if isinstance(config, WebhookChannel):
        return WebhookSender(config.name, config.url, config.options, dead_letter_path=config.path), route
    return AudiblePlayer(config.name, config.options), route


class OutputDispatcher:
    def __init__(
        self,
        site: Site,
        zones: Sequence[Zone],
        channels: Sequence[Channel],
        routes: Mapping[str, Route] | None = None,
        *,
        config: OutputsConfig | None = None,
        epoch_offset_s: float = 0.0,
        run_id: str | None = None,
    ) -> None:
        self.site = site
        self.config = config or OutputsConfig()
        self.channels = list(channels)
        self.routes = {c.name: (routes or {}).get(c.name, Route()) for c in self.channels}
        self.epoch_offset_s = epoch_offset_s
        cot = self.config.cot
        self.uid_prefix = cot.uid_prefix or f"raqib.{slug(site.name)}"
        run_id = run_id or dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        self.id_prefix = f"{self.uid_prefix}.{run_id}"  # CAP identifiers must never repeat across runs
        self.cot = CotWriter(
            site,
            uid_prefix=self.uid_prefix,
            types=cot.types,
            opex=cot.opex,
            epoch_offset_s=epoch_offset_s,
            alarm_stale_s=cot.alarm_stale_s,
        )
        self.cap = CapWriter(site, self.config.cap, id_prefix=self.id_prefix, epoch_offset_s=epoch_offset_s)
        self.build_errors = 0
        self._zones: dict[str, Zone] = {}
        self._removed_zones: list[Zone] = []
        self._current_zone_ids: set[str] = set()
        self._drawings_sent_s: dict[str, float] = {}
        self.set_zones(zones)
        self._open: dict[int, Alert] = {}
        self._tracks: dict[int, Track] = {}
        self._threats: list[Threat] = []
        self._tracks_sent_s: dict[str, float] = {}
        self._alarm_sent_s: dict[int, float] = {}
        self._webhook_seq: dict[int, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_config(
        cls,
        config: OutputsConfig,
        site: Site,
        zones: Sequence[Zone],
        *,
        epoch_offset_s: float = 0.0,
        simulated: bool = False,
    ) -> OutputDispatcher:
        """``simulated``: mark everything as an exercise (CoT opex "s-…", CAP status Exercise), for demos."""
        if simulated:
            cap = config.cap
            if cap.status == "Actual":
                cap = msgspec.structs.replace(cap, status="Exercise")
            cot = msgspec.structs.replace(config.cot, opex=config.cot.opex or "s-raqib-simulation")
            config = msgspec.structs.replace(config, cap=cap, cot=cot)
        built = [build_channel(channel) for channel in config.channels]
        return cls(
            site,
            zones,
            [c for c, _ in built],
            {c.name: r for c, r in built},
            config=config,
            epoch_offset_s=epoch_offset_s,
        )

    # ------------------------------------------------------------------ life cycle

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        for channel in self.channels:
            await channel.start()

    async def stop(self, timeout_s: float = 5.0) -> None:
        """Let each channel deliver what it holds for up to ``timeout_s``, then close it."""
        await asyncio.gather(*(channel.stop(timeout_s) for channel in self.channels))

    def stats(self) -> dict[str, ChannelStats]:
        return {channel.name: channel.stats for channel in self.channels}

    def set_zones(self, zones: Sequence[Zone]) -> None:
        """The operator edited the zones: route and draw from these from now on."""
        current = {zone.zone_id: zone for zone in zones}
        self._removed_zones.extend(z for zid, z in self._zones.items() if zid not in current)
        self._zones.update(current)  # a removed zone's open alerts still need their zone to clear
        self._current_zone_ids = set(current)
        self._drawings_sent_s = {}

    # ------------------------------------------------------------------ the pipeline's side

    def handle(self, result: StepResult) -> None:
        """Queue everything one StepResult calls for; returns at once, never raises."""
        if self._hop_to_loop(self.handle, result):
            return
        try:
            self._step(result.time_s, result.tracks, result.threats, result.alert_changes)
        except Exception:
            self.build_errors += 1
            log.exception("outputs: a step could not be dispatched")

    def handle_alerts(self, alerts: Iterable[Alert], time_s: float) -> None:
        """Alert changes made outside a step (an operator's acknowledge or clear)."""
        if self._hop_to_loop(self.handle_alerts, list(alerts), time_s):
            return
        try:
            self._step(time_s, None, None, list(alerts))
        except Exception:
            self.build_errors += 1
            log.exception("outputs: an operator's change could not be dispatched")

    def _hop_to_loop(self, method: Callable[..., None], *args: object) -> bool:
        """From another thread, hand the call to the event loop the channels live on."""
        loop = self._loop
        if loop is None or not loop.is_running():
            return False
        try:
            if asyncio.get_running_loop() is loop:
                return False
        except RuntimeError:
            pass
        loop.call_soon_threadsafe(method, *args)
        return True

    def _step(
        self,
        time_s: float,
        tracks: Sequence[Track] | None,
        threats: Sequence[Threat] | None,
        changes: Sequence[Alert],
    ) -> None:
        if tracks is not None:
            self._tracks = {track.track_id: track for track in tracks}
        if threats is not None:
            self._threats = list(threats)
        for alert in changes:
            self._alert_changed(alert, time_s)
        if tracks is not None:
            self._send_tracks(time_s)
            self._refresh(time_s)

    # ------------------------------------------------------------------ routing

    def channels_for(self, zone_id: str) -> list[Channel]:
        zone = self._zones.get(zone_id)
        warned = zone.warn if zone is not None else ()
        return [c for c in self.channels if self.routes[c.name].all_zones or c.name in warned]

    def _send(self, channels: Iterable[Channel], message: Outgoing) -> None:
        for channel in channels:
            if channel.accepts == message.kind:
                channel.send(message)

    def _build(self, what: str, build: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T | None:
        try:
            return build(*args, **kwargs)
        except Exception as exc:
            self.build_errors += 1
            log.error("outputs: can't build the %s: %s: %s", what, type(exc).__name__, exc)
            return None

    # ------------------------------------------------------------------ alert changes

    def _alert_changed(self, alert: Alert, time_s: float) -> None:
        cleared = alert.state == AlertState.CLEARED
        if cleared:
            self._open.pop(alert.alert_id, None)
        else:
            self._open[alert.alert_id] = alert
        zone = self._zones.get(alert.zone_id) or Zone(zone_id=alert.zone_id, name=alert.zone_id)
        targets = self.channels_for(alert.zone_id)
        if not targets:
            return
        kinds = {channel.accepts for channel in targets}
        if "cot" in kinds:
            self._send_area(alert, zone, time_s, targets)
        cap_identifier = None
        if "cap" in kinds:
            message = self._build(
                "CAP message", self.cap.message, alert, zone, time_s, self._tracks, self._threats
            )
            if message is not None:
                cap_identifier = message.identifier
                self._send(targets, Outgoing("cap", cap_identifier, message.xml))
        if "json" in kinds:
            sequence = self._webhook_seq[alert.alert_id] = self._webhook_seq.get(alert.alert_id, 0) + 1
            delivery_id = f"{self.id_prefix}.webhook.{alert.alert_id}.{sequence}"
            members = [self._tracks[t] for t in alert.track_ids if t in self._tracks]
            body = self._build(
                "webhook body",
                lambda: webhook_event(
                    delivery_id=delivery_id,
                    site_name=self.site.name,
                    alert=alert,
                    zone=zone,
                    tracks=members,
                    time_s=time_s,
                    epoch_offset_s=self.epoch_offset_s,
                    cot_uid=self.cot.alert_uid(alert.alert_id),
                    cap_identifier=cap_identifier,
                ),
            )
            if body is not None:
                self._send(targets, Outgoing("json", delivery_id, body))
        if "notice" in kinds:
            instructions = self.config.cap.instructions
            instruction = instructions.get(alert.target_class, instructions.get("default", ""))
            notice = AlertNotice(
                state=alert.state,
                alert_id=alert.alert_id,
                zone_name=zone.name or zone.zone_id,
                target_class=alert.target_class,
                track_count=len(alert.track_ids),
                instruction=instruction,
            )
            self._send(targets, Outgoing("notice", f"alert.{alert.alert_id}.{alert.state}", notice=notice))
        if cleared:
            self._alarm_sent_s.pop(alert.alert_id, None)
            self._webhook_seq.pop(alert.alert_id, None)

    def _zone_alerted(self, zone_id: str) -> bool:
        return any(a.zone_id == zone_id for a in self._open.values())

    def _send_area(self, alert: Alert, zone: Zone, time_s: float, targets: Sequence[Channel]) -> None:
        """The alarm (or its cancel) and the zone drawing, to the CoT channels among ``targets``."""
        cleared = alert.state == AlertState.CLEARED
        build = self.cot.cancel if cleared else self.cot.alarm
        alarm = self._build("CoT alarm", build, alert, zone, time_s, self._tracks)
        if alarm is not None:
            self._send(targets, _cot(alarm))
            self._alarm_sent_s[alert.alert_id] = time_s
        alerted = self._zone_alerted(zone.zone_id)
        for channel in targets:
            drawing = self.routes[channel.name].zones
            if channel.accepts != "cot" or drawing == "none":
                continue
            if alerted:
                stale_s = self.config.cot.alarm_stale_s
            elif drawing == "always":
                stale_s = self.config.cot.zone_stale_s
            else:  # drawn only while alerted: take it off the map
                stale_s = 0.0
            event = self._build("zone drawing", self.cot.zone, zone, time_s, stale_s, alerted=alerted)
            if event is not None:
                channel.send(_cot(event))

    # ------------------------------------------------------------------ periodic CoT

    def _send_tracks(self, time_s: float) -> None:
        """Each due CoT channel's tracks; each event built once, and only if some channel wants it."""
        due: list[tuple[Channel, list[int], float]] = []
        for channel in self.channels:
            route = self.routes[channel.name]
            if channel.accepts != "cot" or route.tracks == "none":
                continue
            last = self._tracks_sent_s.get(channel.name)
            if last is not None and time_s - last < 1.0 / route.track_rate_hz - 1e-6:
                continue
            self._tracks_sent_s[channel.name] = time_s
            if route.tracks == "all":
                wanted = sorted(self._tracks)
            else:
                wanted = sorted(
                    {
                        t
                        for a in self._open.values()
                        if self._routes_zone(channel, a.zone_id)
                        for t in a.track_ids
                        if t in self._tracks
                    }
                )
            due.append((channel, wanted, max(self.config.cot.track_stale_s, 3.0 / route.track_rate_hz)))
        needed: dict[float, set[int]] = {}
        for _, wanted, stale_s in due:
            needed.setdefault(stale_s, set()).update(wanted)
        alerted_ids = {t for alert in self._open.values() for t in alert.track_ids}
        events: dict[float, dict[str, CotEvent]] = {}
        for stale_s, ids in needed.items():
            built = (
                self._build(
                    "CoT tracks",
                    self.cot.tracks,
                    [self._tracks[t] for t in sorted(ids)],
                    time_s,
                    stale_s,
                    alerted_ids,
                )
                or []
            )
            events[stale_s] = {event.uid: event for event in built}
        for channel, wanted, stale_s in due:
            for track_id in wanted:
                event = events[stale_s].get(self.cot.track_uid(track_id))
                if event is not None:
                    channel.send(_cot(event))

    def _routes_zone(self, channel: Channel, zone_id: str) -> bool:
        zone = self._zones.get(zone_id)
        return self.routes[channel.name].all_zones or (zone is not None and channel.name in zone.warn)

    def _refresh(self, time_s: float) -> None:
        """Re-send open alarms before TAK lets them go stale, and the always-drawn zones."""
        half_life_s = self.config.cot.alarm_stale_s / 2
        for alert_id, alert in list(self._open.items()):
            if time_s - self._alarm_sent_s.get(alert_id, -float("inf")) >= half_life_s:
                zone = self._zones.get(alert.zone_id)
                targets = [c for c in self.channels_for(alert.zone_id) if c.accepts == "cot"]
                if zone is not None and targets:
                    self._send_area(alert, zone, time_s, targets)
        for channel in self.channels:
            if channel.accepts != "cot" or self.routes[channel.name].zones != "always":
                continue
            last_s = self._drawings_sent_s.get(channel.name, -float("inf"))
            if time_s - last_s < self.config.cot.zone_stale_s / 2:
                continue
            self._drawings_sent_s[channel.name] = time_s
            for zone in self._removed_zones:
                event = self._build("zone drawing", self.cot.zone, zone, time_s, 0.0, alerted=False)
                if event is not None:
                    channel.send(_cot(event))
            for zone_id in sorted(self._current_zone_ids):
                if not self._routes_zone(channel, zone_id) or self._zone_alerted(zone_id):
                    continue
                event = self._build(
                    "zone drawing",
                    self.cot.zone,
                    self._zones[zone_id],
                    time_s,
                    self.config.cot.zone_stale_s,
                    alerted=False,
                )
                if event is not None:
                    channel.send(_cot(event))
        self._removed_zones.clear()


def _cot(event: CotEvent) -> Outgoing:
    return Outgoing("cot", event.uid, event.xml)
