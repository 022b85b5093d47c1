"""CAP 1.2 alerts (OASIS Common Alerting Protocol) for each change of a raqib alert.

    alert raised        msgType Alert    identifier <prefix>.alert.<id>.1
    updated / acked     msgType Update   references the first and the previous message
    cleared             msgType Cancel   references them too; responseType AllClear, urgency Past

Every message of one alert shares ``incidents``. Element order follows the schema's
sequences (data/cap/SUMMARY.md). Two traps of the format: times carry a ±hh:mm offset and no
fractional seconds (``Z`` is refused), and altitudes are feet above mean sea level (raqib's
are metres above the ellipsoid: ``geoid_height_m`` bridges the two), circle radii kilometres.

:func:`read_cap` reads a CAP message back and refuses any DOCTYPE or entity declaration, so
XML external-entity and entity-expansion attacks never reach the parser's expansion.
"""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
import xml.parsers.expat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from raqib.model import Alert, AlertState, Site, TargetClass, Threat, Track, Zone
from raqib.outputs.areas import METRES_PER_FOOT, ZoneOutline, zone_outline
from raqib.outputs.config import CapSettings
from raqib.outputs.cot import kinematics, track_callsign

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
MAX_TRACK_AREAS = 10
DEFAULT_IMPACT_RADIUS_M = 100.0

EVENTS: dict[str, str] = {
    TargetClass.DRONE: "Unauthorised drone threatening {zone}",
    TargetClass.ROCKET: "Rocket, artillery or mortar fire: predicted impact in {zone}",
    TargetClass.AIRCRAFT: "Aircraft intruding into {zone}",
}
SEVERITIES: dict[str, str] = {TargetClass.ROCKET: "Extreme", TargetClass.DRONE: "Severe"}


class CapError(ValueError):
    """A CAP message raqib refuses to read, and why."""


@dataclass(frozen=True, slots=True)
class CapMessage:
    identifier: str
    sender: str
    sent: str
    msg_type: str
    status: str = ""
    references: tuple[str, ...] = ()  # "sender,identifier,sent" triples
    incidents: str = ""
    headline: str = ""
    xml: bytes = b""

    @property
    def reference(self) -> str:
        return f"{self.sender},{self.identifier},{self.sent}"


def cap_time(epoch_s: float) -> str:
    """2026-11-25T10:15:03+00:00: CAP's dateTime pattern (whole seconds, numeric offset)."""
    moment = dt.datetime.fromtimestamp(math.floor(epoch_s), tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def slug(name: str) -> str:
    """A site name as a piece of an identifier: lower case, letters, digits and dashes."""
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in name.lower()).split()
    return "-".join(words) or "site"


def feet(metres: float) -> str:
    return str(round(metres / METRES_PER_FOOT))


@dataclass
class _History:
    messages: list[CapMessage] = field(default_factory=list)


class CapWriter:
    """Builds the CAP message for each alert change and remembers each alert's messages, so
    that updates and cancels reference them. Pure apart from that memory."""

    def __init__(
        self, site: Site, settings: CapSettings, *, id_prefix: str, epoch_offset_s: float = 0.0
    ) -> None:
        self.site = site
        self.settings = settings
        self.id_prefix = id_prefix  # unique to this run: identifiers must never repeat for one sender
        self.epoch_offset_s = epoch_offset_s
        self.sender = settings.sender or f"raqib@{slug(site.name)}.invalid"
        self.sender_name = settings.sender_name or f"raqib, {site.name or 'site'}"
        self._history: dict[int, _History] = {}
        self._outlines: dict[str, ZoneOutline] = {}

    def message(
        self,
        alert: Alert,
        zone: Zone,
        time_s: float,
        tracks: Mapping[int, Track] | None = None,
        threats: Sequence[Threat] = (),
    ) -> CapMessage | None:
        """The message for this change; None for the clearing of an alert never announced."""
        history = self._history.setdefault(alert.alert_id, _History())
        cleared = alert.state == AlertState.CLEARED
        if cleared and not history.messages:
            return None
        msg_type = "Cancel" if cleared else ("Update" if history.messages else "Alert")
        identifier = f"{self.id_prefix}.alert.{alert.alert_id}.{len(history.messages) + 1}"
        sent = cap_time(self.epoch_offset_s + time_s)
        references = []
        if history.messages:
            references.append(history.messages[0].reference)
            if len(history.messages) > 1:
                references.append(history.messages[-1].reference)
        root = ET.Element(f"{{{CAP_NS}}}alert")
        settings = self.settings
        _add(root, "identifier", identifier)
        _add(root, "sender", self.sender)
        _add(root, "sent", sent)
        _add(root, "status", settings.status)
        _add(root, "msgType", msg_type)
        _add(root, "source", "raqib")
        _add(root, "scope", settings.scope)
        if settings.scope == "Restricted":
            _add(root, "restriction", settings.restriction or "restricted")
        if settings.addresses:
            _add(root, "addresses", settings.addresses)
        _add(root, "code", "raqib-1")
        if references:
            _add(root, "references", " ".join(references))
        incident = f"{self.id_prefix}.alert.{alert.alert_id}"
        _add(root, "incidents", incident)
        self._info(root, alert, zone, time_s, tracks or {}, threats)
        xml = ET.tostring(root, encoding="UTF-8", xml_declaration=True, default_namespace=CAP_NS) + b"\n"
        message = CapMessage(
            identifier=identifier,
            sender=self.sender,
            sent=sent,
            msg_type=msg_type,
            status=settings.status,
            references=tuple(references),
            incidents=incident,
            xml=xml,
        )
        history.messages.append(message)
        if cleared:
            del self._history[alert.alert_id]
        return message

    # ------------------------------------------------------------------ parts

    def _info(
        self,
        root: ET.Element,
        alert: Alert,
        zone: Zone,
        time_s: float,
        tracks: Mapping[int, Track],
        threats: Sequence[Threat],
    ) -> None:
        settings, kind = self.settings, alert.target_class
        cleared = alert.state == AlertState.CLEARED
        zone_name = zone.name or zone.zone_id
        inside = alert.time_to_entry_s is not None and alert.time_to_entry_s <= 0
        soon = alert.time_to_entry_s is None or alert.time_to_entry_s <= 300
        info = ET.SubElement(root, f"{{{CAP_NS}}}info")
        _add(info, "language", settings.language)
        for category in settings.categories:
            _add(info, "category", category)
        event = EVENTS.get(kind, "Unidentified air object threatening {zone}").format(zone=zone_name)
        _add(info, "event", event)
        response = (
            "AllClear"
            if cleared
            else settings.response_types.get(kind, settings.response_types.get("default", "Monitor"))
        )
        _add(info, "responseType", response)
        _add(info, "urgency", "Past" if cleared else ("Immediate" if soon else "Expected"))
        _add(info, "severity", SEVERITIES.get(kind, "Moderate"))
        _add(info, "certainty", "Observed" if cleared or inside else "Likely")
        _value_pair(info, "eventCode", "raqib:zone", zone.zone_id)
        _value_pair(info, "eventCode", "raqib:class", kind)
        _add(info, "effective", cap_time(self.epoch_offset_s + alert.raised_time_s))
        if not cleared and alert.predicted_entry_time_s is not None and alert.predicted_entry_time_s > time_s:
            _add(info, "onset", cap_time(self.epoch_offset_s + alert.predicted_entry_time_s))
        _add(info, "expires", cap_time(self.epoch_offset_s + time_s + settings.expires_s))
        _add(info, "senderName", self.sender_name)
        headline = f"All clear: {zone_name}" if cleared else event
        _add(info, "headline", headline[:160])
        _add(info, "description", self._description(alert, zone_name, time_s))
        instruction = (
            f"The threat to {zone_name} has passed; resume normal activity."
            if cleared
            else settings.instructions.get(kind, settings.instructions.get("default", ""))
        )
        if instruction:
            _add(info, "instruction", instruction)
        if settings.web:
            _add(info, "web", settings.web)
        if settings.contact:
            _add(info, "contact", settings.contact)
        members = [tracks[t] for t in alert.track_ids if t in tracks]
        self._parameters(info, alert, members)
        self._areas(info, alert, zone, members, threats)

    def _description(self, alert: Alert, zone_name: str, time_s: float) -> str:
        ids = ", ".join(str(t) for t in alert.track_ids)
        text = [
            f"raqib alert {alert.alert_id} ({alert.state}): {len(alert.track_ids)} {alert.target_class} "
            f"track(s) [{ids}] threatening {zone_name}."
        ]
        if alert.state == AlertState.CLEARED:
            text.append("The alert is cleared.")
        elif alert.time_to_entry_s is not None:
            text.append(
                "Inside the zone now."
                if alert.time_to_entry_s <= 0
                else f"Predicted to enter in {alert.time_to_entry_s:.0f} s."
            )
        if alert.impact_lat_deg is not None and alert.impact_lon_deg is not None:
            text.append(f"Predicted impact at {alert.impact_lat_deg:.5f}, {alert.impact_lon_deg:.5f}.")
        if alert.acknowledged_by and alert.state != AlertState.CLEARED:
            text.append(f"Acknowledged by {alert.acknowledged_by}.")
        if alert.reason:
            text.append(f"Reason: {alert.reason}.")
        if alert.note:
            text.append(f"Note: {alert.note}")
        return " ".join(text)

    @staticmethod
    def _parameters(info: ET.Element, alert: Alert, members: Sequence[Track]) -> None:
        _value_pair(info, "parameter", "raqib:alert_id", str(alert.alert_id))
        _value_pair(info, "parameter", "raqib:state", alert.state)
        _value_pair(info, "parameter", "raqib:track_ids", " ".join(str(t) for t in alert.track_ids))
        _value_pair(info, "parameter", "raqib:score", f"{alert.score:.2f}")
        if alert.time_to_entry_s is not None:
            _value_pair(info, "parameter", "raqib:time_to_entry_s", f"{alert.time_to_entry_s:.0f}")
        if alert.impact_lat_deg is not None and alert.impact_lon_deg is not None:
            _value_pair(
                info, "parameter", "raqib:impact", f"{alert.impact_lat_deg:.6f},{alert.impact_lon_deg:.6f}"
            )
        for track in members[:MAX_TRACK_AREAS]:
            _value_pair(
                info,
                "parameter",
                "raqib:position",
                f"{track.track_id} {track.lat_deg:.6f},{track.lon_deg:.6f} {track.alt_m:.1f}",
            )

    def _areas(
        self, info: ET.Element, alert: Alert, zone: Zone, members: Sequence[Track], threats: Sequence[Threat]
    ) -> None:
        outline = self._outline(zone)
        area = ET.SubElement(info, f"{{{CAP_NS}}}area")
        _add(area, "areaDesc", zone.name or zone.zone_id)
        if outline.is_circle:
            _add(
                area,
                "circle",
                f"{outline.centre_lat_deg:.6f},{outline.centre_lon_deg:.6f} {outline.radius_m / 1000:.3f}",
            )
        else:
            _add(area, "polygon", " ".join(f"{lat:.6f},{lon:.6f}" for lat, lon in outline.ring))
        msl_m = self.site.alt_m - self.settings.geoid_height_m
        _add(area, "altitude", feet(msl_m + zone.floor_m))
        _add(area, "ceiling", feet(msl_m + zone.ceiling_m))
        if alert.impact_lat_deg is not None and alert.impact_lon_deg is not None:
            ellipses = [
                th.impact_ellipse_m[0]
                for th in threats
                if th.zone_id == zone.zone_id and th.track_id in alert.track_ids and th.impact_ellipse_m
            ]
            radius_m = max(ellipses) if ellipses else DEFAULT_IMPACT_RADIUS_M
            area = ET.SubElement(info, f"{{{CAP_NS}}}area")
            _add(area, "areaDesc", f"Predicted impact area, {radius_m:.0f} m radius")
            _add(
                area, "circle", f"{alert.impact_lat_deg:.6f},{alert.impact_lon_deg:.6f} {radius_m / 1000:.3f}"
            )
        if alert.state == AlertState.CLEARED:
            return
        motion = kinematics(members[:MAX_TRACK_AREAS])
        for k, track in enumerate(members[:MAX_TRACK_AREAS]):
            ce = float(motion.ce_m[k])
            radius_m = max(ce if math.isfinite(ce) else 0.0, 10.0)
            area = ET.SubElement(info, f"{{{CAP_NS}}}area")
            _add(area, "areaDesc", f"{track_callsign(track)} position, {radius_m:.0f} m radius")
            _add(area, "circle", f"{track.lat_deg:.6f},{track.lon_deg:.6f} {radius_m / 1000:.3f}")
            _add(area, "altitude", feet(track.alt_m - self.settings.geoid_height_m))

    def _outline(self, zone: Zone) -> ZoneOutline:
        cached = self._outlines.get(zone.zone_id)
        if cached is None or cached.zone != zone:
            cached = self._outlines[zone.zone_id] = zone_outline(zone, self.site)
        return cached


def _add(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CAP_NS}}}{name}")
    element.text = text
    return element


def _value_pair(parent: ET.Element, name: str, value_name: str, value: str) -> None:
    element = ET.SubElement(parent, f"{{{CAP_NS}}}{name}")
    _add(element, "valueName", value_name)
    _add(element, "value", value)


# ------------------------------------------------------------------ reading


def _refuse(*_: object) -> None:
    raise CapError("DOCTYPE and entity declarations are refused (XML external entity / expansion attack)")


def read_cap(data: bytes | str) -> CapMessage:
    """The header of a CAP 1.2 message. Raises CapError: not XML, a DOCTYPE, not CAP 1.2."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    scanner = xml.parsers.expat.ParserCreate()
    scanner.StartDoctypeDeclHandler = _refuse
    scanner.EntityDeclHandler = _refuse
    try:
        scanner.Parse(raw, True)
        root = ET.fromstring(raw)
    except CapError:
        raise
    except (xml.parsers.expat.ExpatError, ET.ParseError, LookupError, ValueError) as exc:  # Lookup: encoding
        raise CapError(f"not well-formed XML: {exc}") from exc
    if root.tag != f"{{{CAP_NS}}}alert":
        raise CapError(f"not a CAP 1.2 alert: the root is {root.tag!r}")

    def text(name: str, required: bool = True) -> str:
        element = root.find(f"{{{CAP_NS}}}{name}")
        if element is None or not (element.text or "").strip():
            if required:
                raise CapError(f"CAP alert without <{name}>")
            return ""
        return (element.text or "").strip()

    headline = root.find(f"{{{CAP_NS}}}info/{{{CAP_NS}}}headline")
    return CapMessage(
        identifier=text("identifier"),
        sender=text("sender"),
        sent=text("sent"),
        msg_type=text("msgType"),
        status=text("status"),
        references=tuple(text("references", False).split()),
        incidents=text("incidents", False),
        headline=(headline.text or "") if headline is not None else "",
        xml=raw,
    )
