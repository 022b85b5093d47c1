"""Cursor on Target 2.0 events (TAK protocol version 0, XML) for tracks, zones and alarms.

    <event version="2.0" uid type how time start stale [opex]>     one object, stable uid
      <point lat lon hae ce le/>                                   WGS84, metres; 9999999.0 = unknown
      <detail> track | contact | remarks | link | emergency | shape | TAK drawing style </detail>
    </event>

What raqib sends (see data/cot/SUMMARY.md and the raqib examples beside it):

    air track      uid <prefix>.track.<id>   type per class (CotTypes)   how m-f (m-p when coasting)
    zone drawing   uid <prefix>.zone.<id>    u-d-f polygon (<link point>) | u-d-c-c circle (<shape><ellipse>)
    alarm          uid <prefix>.alert.<id>   b-a-g + <emergency type="Geo-fence Breached">, linked to
                                             the zone and the tracks
    alarm cancel   the alarm's uid           b-a-o-can + <emergency cancel="true">

An object is taken off the map by sending it again with ``stale`` = ``time``. TAK protocol
version 1 (protobuf) is not produced: its .proto files are GPL-3.0 and XML is accepted by
ATAK, WinTAK and TAK Server alike.
"""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from raqib.model import Alert, Site, TargetClass, Track, Zone
from raqib.outputs.areas import ZoneOutline, zone_outline
from raqib.outputs.config import CotTypes

UNKNOWN = 9999999.0
XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"
ALARM_TYPE = "b-a-g"  # ATAK "Geo-fence Breached"
CANCEL_TYPE = "b-a-o-can"
EMERGENCY = "Geo-fence Breached"
CANCEL_STALE_S = 60.0
MAX_LINKED_TRACKS = 50

RED_ARGB = -65536  # TAK colours are signed 32-bit ARGB
RED_FILL_ARGB = 0x55FF0000
YELLOW_ARGB = -256
YELLOW_FILL_ARGB = 0x33FFFF00

LABELS: dict[str, str] = {
    TargetClass.DRONE: "UAS",
    TargetClass.ROCKET: "RAM",
    TargetClass.AIRCRAFT: "ACFT",
    TargetClass.BIRD: "BIRD",
    TargetClass.UNKNOWN: "UNK",
}


Point = tuple[float, float, float, float, float]  # lat_deg, lon_deg, hae_m, ce_m, le_m


@dataclass(frozen=True, slots=True)
class CotEvent:
    uid: str
    type: str
    xml: bytes  # <?xml …?> declaration, the event, a newline: one datagram, or one piece of a stream


def cot_time(epoch_s: float) -> str:
    """xs:dateTime in UTC with milliseconds, as TAK writes it: 2026-11-25T10:15:02.500Z."""
    moment = dt.datetime.fromtimestamp(round(epoch_s, 3), tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _decimal(value: float, digits: int, unknown: float = UNKNOWN) -> str:
    """xs:decimal text: no exponent, no NaN; what is not finite is 'unknown'."""
    return f"{value:.{digits}f}" if math.isfinite(value) else f"{unknown:.1f}"


def track_callsign(track: Track) -> str:
    if track.callsign and track.callsign.strip():
        return track.callsign.strip()
    return f"{LABELS.get(track.target_class, 'UNK')}-{track.track_id}"


@dataclass(frozen=True, slots=True)
class Kinematics:
    """Per track, as CoT wants them: course (deg true, [0, 360)), speed (m/s), slope (deg),
    ce (m, one-sigma along the worst horizontal axis), le (m, one-sigma vertical)."""

    course_deg: np.ndarray
    speed_ms: np.ndarray
    slope_deg: np.ndarray
    ce_m: np.ndarray
    le_m: np.ndarray


def kinematics(tracks: Sequence[Track]) -> Kinematics:
    velocity = np.array([(t.vel_e_ms, t.vel_n_ms, t.vel_u_ms) for t in tracks], float).reshape(-1, 3)
    unknown = (np.nan,) * 36
    cov = np.array([t.cov_enu if len(t.cov_enu) == 36 else unknown for t in tracks], float).reshape(-1, 6, 6)
    # A corrupt track (a velocity near the float limit, a negative variance) gives inf or NaN
    # here, which the event writes as unknown: no warning for it.
    with np.errstate(over="ignore", invalid="ignore"):
        speed = np.hypot(velocity[:, 0], velocity[:, 1])
        # Rounded before wrapping so that 359.96 is written 0.0, not 360.0 (the schema excludes 360).
        course = np.round(np.degrees(np.arctan2(velocity[:, 0], velocity[:, 1])), 1) % 360.0
        slope = np.degrees(np.arctan2(velocity[:, 2], speed))
        a, b, d = cov[:, 0, 0], cov[:, 0, 1], cov[:, 1, 1]
        largest = (a + d) / 2 + np.sqrt(((a - d) / 2) ** 2 + b**2)  # the 2x2 horizontal block's eigenvalue
        ce = np.sqrt(largest)
        le = np.sqrt(cov[:, 2, 2])
    return Kinematics(course_deg=course, speed_ms=speed, slope_deg=slope, ce_m=ce, le_m=le)


class CotWriter:
    """Builds raqib's CoT events; pure (no I/O). Times are pipeline seconds plus ``epoch_offset_s``."""

    def __init__(
        self,
        site: Site,
        *,
        uid_prefix: str,
        types: CotTypes | None = None,
        opex: str = "",
        epoch_offset_s: float = 0.0,
        alarm_stale_s: float = 300.0,
    ) -> None:
        self.site = site
        self.uid_prefix = uid_prefix
        self.types = types or CotTypes()
        self.opex = opex
        self.epoch_offset_s = epoch_offset_s
        self.alarm_stale_s = alarm_stale_s
        self._outlines: dict[str, ZoneOutline] = {}

    # ------------------------------------------------------------------ names

    def track_uid(self, track_id: int) -> str:
        return f"{self.uid_prefix}.track.{track_id}"

    def zone_uid(self, zone_id: str) -> str:
        return f"{self.uid_prefix}.zone.{zone_id}"

    def alert_uid(self, alert_id: int) -> str:
        return f"{self.uid_prefix}.alert.{alert_id}"

    def track_type(self, track: Track, alerted: bool) -> str:
        types, kind = self.types, track.target_class
        if kind == TargetClass.DRONE:
            if track.authorised and not alerted:
                return types.drone_authorised
            return types.drone_alerted if alerted else types.drone
        if kind == TargetClass.AIRCRAFT:
            return types.aircraft
        if kind == TargetClass.ROCKET:
            return types.rocket
        if kind == TargetClass.BIRD:
            return types.bird
        return types.unknown_alerted if alerted else types.unknown

    def outline(self, zone: Zone) -> ZoneOutline:
        cached = self._outlines.get(zone.zone_id)
        if cached is None or cached.zone != zone:
            cached = self._outlines[zone.zone_id] = zone_outline(zone, self.site)
        return cached

    def zone_type(self, zone: Zone) -> str:
        return "u-d-c-c" if self.outline(zone).is_circle else "u-d-f"

    # ------------------------------------------------------------------ events

    def tracks(
        self, tracks: Sequence[Track], time_s: float, stale_s: float, alerted: Collection[int] = ()
    ) -> list[CotEvent]:
        """One air event per track with a position on Earth."""
        motion = kinematics(tracks)
        times = self._times(time_s, stale_s)
        events = []
        for k, track in enumerate(tracks):
            if not (
                math.isfinite(track.lat_deg)
                and math.isfinite(track.lon_deg)
                and -90 <= track.lat_deg <= 90
                and -180 <= track.lon_deg <= 180
            ):
                continue
            event, detail = self._event(
                self.track_uid(track.track_id),
                self.track_type(track, track.track_id in alerted),
                "m-f" if track.sources else "m-p",
                times,
                (track.lat_deg, track.lon_deg, track.alt_m, float(motion.ce_m[k]), float(motion.le_m[k])),
            )
            motion_attrs = {
                "course": _decimal(float(motion.course_deg[k]), 1, 0.0),
                "speed": _decimal(float(motion.speed_ms[k]), 2, 0.0),
            }
            if math.isfinite(float(motion.slope_deg[k])):
                motion_attrs["slope"] = f"{float(motion.slope_deg[k]):.1f}"
            ET.SubElement(detail, "track", motion_attrs)
            ET.SubElement(detail, "contact", callsign=track_callsign(track))
            ET.SubElement(detail, "remarks").text = self._track_remarks(track)
            events.append(self._finish(event))
        return events

    def zone(self, zone: Zone, time_s: float, stale_s: float, *, alerted: bool) -> CotEvent:
        """The zone as a TAK drawing; ``stale_s`` = 0 takes it off the map."""
        outline = self.outline(zone)
        centre = (outline.centre_lat_deg, outline.centre_lon_deg, UNKNOWN, UNKNOWN, UNKNOWN)
        event, detail = self._event(
            self.zone_uid(zone.zone_id), self.zone_type(zone), "h-e", self._times(time_s, stale_s), centre
        )
        if outline.is_circle:
            shape = ET.SubElement(detail, "shape")
            radius = f"{outline.radius_m:.1f}"
            ET.SubElement(shape, "ellipse", major=radius, minor=radius, angle="360")
        for lat, lon in outline.ring:
            ET.SubElement(detail, "link", point=f"{lat:.7f},{lon:.7f}")
        ET.SubElement(detail, "contact", callsign=zone.name or zone.zone_id)
        state = "ALERT: threatened" if alerted else "quiet"
        ET.SubElement(detail, "remarks").text = (
            f"raqib {zone.kind} zone {zone.zone_id}: floor {zone.floor_m:.0f} m, "
            f"ceiling {zone.ceiling_m:.0f} m above the site; {state}"
        )
        ET.SubElement(detail, "strokeColor", value=str(RED_ARGB if alerted else YELLOW_ARGB))
        ET.SubElement(detail, "strokeWeight", value="3.0")
        ET.SubElement(detail, "fillColor", value=str(RED_FILL_ARGB if alerted else YELLOW_FILL_ARGB))
        ET.SubElement(detail, "labels_on", value="true")
        return self._finish(event)

    def alarm(self, alert: Alert, zone: Zone, time_s: float, tracks: Mapping[int, Track]) -> CotEvent:
        """The warning: at the lead track (else the predicted impact, else the zone), linked to both."""
        members = [tracks[t] for t in alert.track_ids if t in tracks]
        lead = members[0] if members else None
        times = self._times(time_s, self.alarm_stale_s)
        event, detail = self._event(
            self.alert_uid(alert.alert_id), ALARM_TYPE, "m-f", times, self._alarm_point(alert, zone, lead)
        )
        for track in members[:MAX_LINKED_TRACKS]:
            ET.SubElement(
                detail,
                "link",
                uid=self.track_uid(track.track_id),
                type=self.track_type(track, True),
                relation="p-p",
            )
        self._link_zone(detail, zone)
        label = self._alarm_label(alert, lead)
        ET.SubElement(detail, "contact", callsign=f"{label} in {zone.name or zone.zone_id}")
        ET.SubElement(detail, "emergency", type=EMERGENCY).text = label
        ET.SubElement(detail, "remarks").text = self._alarm_remarks(alert, zone)
        return self._finish(event)

    def cancel(self, alert: Alert, zone: Zone, time_s: float, tracks: Mapping[int, Track]) -> CotEvent:
        """Ends the alarm of the same uid."""
        lead = next((tracks[t] for t in alert.track_ids if t in tracks), None)
        event, detail = self._event(
            self.alert_uid(alert.alert_id),
            CANCEL_TYPE,
            "m-f",
            self._times(time_s, CANCEL_STALE_S),
            self._alarm_point(alert, zone, lead),
        )
        self._link_zone(detail, zone)
        label = self._alarm_label(alert, lead)
        ET.SubElement(detail, "contact", callsign=f"{label} in {zone.name or zone.zone_id}")
        ET.SubElement(detail, "emergency", cancel="true").text = label
        note = f": {alert.note}" if alert.note else ""
        remarks = f"raqib alert {alert.alert_id} for zone {zone.zone_id} cleared{note}"
        ET.SubElement(detail, "remarks").text = remarks
        return self._finish(event)

    # ------------------------------------------------------------------ parts

    def _times(self, time_s: float, stale_s: float) -> tuple[str, str]:
        return cot_time(self.epoch_offset_s + time_s), cot_time(self.epoch_offset_s + time_s + stale_s)

    def _event(
        self, uid: str, type_: str, how: str, times: tuple[str, str], point: Point
    ) -> tuple[ET.Element, ET.Element]:
        now, stale = times
        attrs = {
            "version": "2.0",
            "uid": uid,
            "type": type_,
            "how": how,
            "time": now,
            "start": now,
            "stale": stale,
        }
        if self.opex:
            attrs["opex"] = self.opex
        event = ET.Element("event", attrs)
        lat, lon, hae, ce, le = point
        ET.SubElement(
            event,
            "point",
            lat=f"{lat:.7f}",
            lon=f"{lon:.7f}",
            hae=_decimal(hae, 1),
            ce=_decimal(ce, 1),
            le=_decimal(le, 1),
        )
        return event, ET.SubElement(event, "detail")

    @staticmethod
    def _finish(event: ET.Element) -> CotEvent:
        xml = (XML_DECLARATION + ET.tostring(event, encoding="unicode") + "\n").encode("utf-8")
        return CotEvent(uid=event.get("uid", ""), type=event.get("type", ""), xml=xml)

    def _link_zone(self, detail: ET.Element, zone: Zone) -> None:
        ET.SubElement(
            detail, "link", uid=self.zone_uid(zone.zone_id), type=self.zone_type(zone), relation="p-p"
        )

    def _alarm_point(self, alert: Alert, zone: Zone, lead: Track | None) -> Point:
        if lead is not None and math.isfinite(lead.lat_deg) and math.isfinite(lead.lon_deg):
            motion = kinematics([lead])
            return lead.lat_deg, lead.lon_deg, lead.alt_m, float(motion.ce_m[0]), float(motion.le_m[0])
        if alert.impact_lat_deg is not None and alert.impact_lon_deg is not None:
            return alert.impact_lat_deg, alert.impact_lon_deg, UNKNOWN, UNKNOWN, UNKNOWN
        outline = self.outline(zone)
        return outline.centre_lat_deg, outline.centre_lon_deg, UNKNOWN, outline.radius_m, UNKNOWN

    @staticmethod
    def _alarm_label(alert: Alert, lead: Track | None) -> str:
        if len(alert.track_ids) > 1:
            return f"{len(alert.track_ids)} x {LABELS.get(alert.target_class, 'UNK')}"
        if lead is not None:
            return track_callsign(lead)
        label = LABELS.get(alert.target_class, "UNK")
        return f"{label}-{alert.track_ids[0]}" if alert.track_ids else label

    def _alarm_remarks(self, alert: Alert, zone: Zone) -> str:
        tracks = ", ".join(self.track_uid(t) for t in alert.track_ids[:MAX_LINKED_TRACKS])
        parts = [
            f"raqib warning {alert.state.upper()}: alert {alert.alert_id}, {len(alert.track_ids)} "
            f"{alert.target_class} track(s) ({tracks}) threaten zone {zone.zone_id}"
        ]
        if alert.time_to_entry_s is not None:
            parts.append(f"entry in {alert.time_to_entry_s:.0f} s")
        if alert.impact_lat_deg is not None and alert.impact_lon_deg is not None:
            parts.append(f"predicted impact {alert.impact_lat_deg:.5f},{alert.impact_lon_deg:.5f}")
        if alert.acknowledged_by:
            parts.append(f"acknowledged by {alert.acknowledged_by}")
        if alert.reason:
            parts.append(alert.reason)
        return "; ".join(parts)

    @staticmethod
    def _track_remarks(track: Track) -> str:
        probability = track.class_probs.get(track.target_class)
        parts = [
            f"raqib track {track.track_id}: class={track.target_class}"
            + (f" p={probability:.2f}" if probability is not None else "")
        ]
        if track.sources:
            parts.append("sources=" + ",".join(track.sources))
        if track.identity:
            kind = {"remoteid": "RemoteID", "adsb": "ICAO"}.get(track.identity_kind or "", "identity")
            parts.append(f"{kind}={track.identity}")
        if track.authorised:
            parts.append("authorised")
        if track.spoofing_suspected:
            parts.append("SPOOFING SUSPECTED")
        return "; ".join(parts)
