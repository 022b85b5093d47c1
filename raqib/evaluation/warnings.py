"""Warning evaluation: did raqib warn the right zones, early enough, and only them?

On a simulated recording (truth lines, and the scenario's zones, authorisations and targets),
given the pipeline's alerts and tracks. Tracks are matched to truths, truths to detections and
zones as :mod:`raqib.evaluation.warning_matching` says (majority vote of the nearest truth
within ``match_distance_m``; first detection within ``max(150 m, 3 sigma)``; zone events are
a first entry into a zone's prism, or a round's impact inside its polygon).

Definitions:

* A **threat event** is a zone event that needs a warning: the target is hostile (the
  scenario says so), or it is a drone or a round without permission for that zone at that
  time (its identity has no authorisation, or the authorisation's window or zones exclude
  it; an authorisation without zones allows anywhere outside protected zones).
* An alert **covers** a truth from the time a track matched to that truth joined it (raised
  it, or was added to it) until the alert cleared.
* **Lead time** of a threat event: from the start of the coverage of that truth by alerts for
  that zone — the run of overlapping coverage that began last before the event — to the
  event (entry or impact). Coverage that ended before the event still counts, as *lapsed*.
* A **missed warning**: a threat event with no alert for its zone covering its target before
  the event (strictly before).
* A **false warning**: an alert for a zone that no threat event touches during the alert or
  within the warning horizon after it was raised: none whose target was in the zone (entry to
  last time inside; an impact's instant) within ``[raised, max(cleared, raised + horizon)]``.
  Its **cause** is what the track that raised it truly was: ``aircraft``, ``bird``,
  ``authorised drone`` (inside its permission), ``threat to another zone``, ``threat to this
  zone, outside the alert's time``, ``drone that entered no zone``, ``round that hit no
  zone``, or ``false track`` (a track that matches no truth). Every track's cause is listed.
* An **over-warned** alert: none of its tracks is a threat to its zone within that window,
  and at least one is a threat to another zone. The over-warned share is over-warned alerts
  over all alerts.
* **Time to a correct class** of a truth: from its first detection to the first time a track
  matched to it declares the truth's class (never: infinite). In radar scans: that time over
  the radar's scan period (the shortest radar period; else the shortest sensor period).
* **Time available** for a threat event: from the target's first detection to the event,
  less the time to confirm a track (``confirm_scans`` scan periods); the lead time's share
  of it is ``lead / available``, at most 1 (events with some time available only; a warning
  can come before the time counted here, e.g. on a track's first output). For a target with
  an authorisation (not hostile) the time starts no earlier than the last time it flew within
  its permission before the event: until then it was no threat to warn of.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from raqib.evaluation.sampling import truth_series
from raqib.evaluation.warning_matching import (
    ZoneEvent,
    first_detection_s,
    last_permitted_s,
    locate_detections,
    match_tracks,
    zone_events,
)
from raqib.evaluation.warning_records import AlertSpan, TargetInfo, WarningInputs, alert_spans
from raqib.model import Authorisation, Sensor, Zone
from raqib.threat.zones import zone_geometries

THREAT_CLASSES = frozenset({"drone", "rocket"})
FALSE_TRACK = "false track"
THIS_ZONE = "threat to this zone"
OTHER_ZONE = "threat to another zone"
OUT_OF_TIME = "threat to this zone, outside the alert's time"
AUTHORISED = "authorised drone"
NO_ZONE_DRONE = "drone that entered no zone"
NO_ZONE_ROUND = "round that hit no zone"
COOPERATIVE_CAUSES = ("aircraft", "bird", AUTHORISED)  # the targets: never a false warning for these


@dataclass(frozen=True, slots=True)
class WarningConfig:
    match_distance_m: float = 100.0
    detection_gate_m: float = 150.0
    detection_gate_sigmas: float = 3.0
    horizon_s: float = 240.0  # the alert engine's warning horizon
    confirm_scans: float = 3.0
    impact_height_m: float = 25.0


@dataclass(frozen=True, slots=True)
class EventResult:
    target_id: str
    target_class: str
    zone_id: str
    kind: str  # "entry" | "impact"
    time_s: float
    first_detection_s: float  # NaN: never detected
    warned_s: float | None  # None: missed
    lapsed: bool  # the warning had cleared before the event
    time_available_s: float  # NaN: never detected
    permitted_until_s: float = math.nan  # an authorised target's last time within its permission

    @property
    def missed(self) -> bool:
        return self.warned_s is None

    @property
    def lead_time_s(self) -> float:
        return math.nan if self.warned_s is None else self.time_s - self.warned_s

    @property
    def lead_share(self) -> float:
        available = self.time_available_s
        return min(self.lead_time_s / available, 1.0) if available > 0 else math.nan


@dataclass(frozen=True, slots=True)
class TrackCause:
    track_id: int
    target_id: str | None
    cause: str


@dataclass(frozen=True, slots=True)
class AlertResult:
    alert_id: int
    zone_id: str
    target_class: str
    raised_s: float
    cleared_s: float | None
    false: bool
    over_warned: bool
    tracks: tuple[TrackCause, ...]

    @property
    def cause(self) -> str | None:
        """A false warning's cause: that of the track that raised it."""
        return self.tracks[0].cause if self.false and self.tracks else None


@dataclass(frozen=True, slots=True)
class ClassResult:
    target_id: str
    target_class: str
    first_detection_s: float  # NaN: never detected
    time_to_class_s: float  # NaN: never detected; inf: never classified correctly
    scans: float


@dataclass(frozen=True, slots=True)
class WarningEvaluation:
    events: tuple[EventResult, ...]
    alerts: tuple[AlertResult, ...]
    classes: tuple[ClassResult, ...]
    scan_period_s: float
    confirm_time_s: float
    track_truth: Mapping[int, str] = field(default_factory=dict)
    label: str = ""


def permitted(permit: Authorisation | None, zone: Zone, time_s: float) -> bool:
    """Whether an authorisation lets its holder be in ``zone`` at ``time_s``."""
    if permit is None:
        return False
    if (permit.from_s is not None and time_s < permit.from_s) or (
        permit.until_s is not None and time_s > permit.until_s
    ):
        return False
    return zone.zone_id in permit.zone_ids if permit.zone_ids else zone.kind != "protected"


def needs_warning(
    target: TargetInfo, zone: Zone, time_s: float, permits: Mapping[str, Authorisation]
) -> bool:
    if target.hostile:
        return True
    return target.target_class in THREAT_CLASSES and not permitted(
        permits.get(target.identity or ""), zone, time_s
    )


def scan_period_s(sensors: Sequence[Sensor]) -> float:
    periods = [s.period_s for s in sensors if s.kind == "radar" and s.period_s] or [
        s.period_s for s in sensors if s.period_s
    ]
    return float(min(periods)) if periods else 1.0


def _coverage(intervals: list[tuple[float, float]], event_s: float) -> tuple[float | None, bool]:
    """(start of the last coverage run begun before the event, whether it ended before it)."""
    before = sorted(iv for iv in intervals if iv[0] < event_s)
    if not before:
        return None, False
    start, end = before[0]
    for next_start, next_end in before[1:]:
        if next_start > end:
            start = next_start
        end = max(end, next_end)
    return start, end < event_s


def _track_cause(
    target: TargetInfo | None,
    zone_id: str,
    justifying: set[str],
    threats: Sequence[ZoneEvent],
    permits: Mapping[str, Authorisation],
) -> str:
    if target is None:
        return FALSE_TRACK
    if target.target_id in justifying:
        return THIS_ZONE
    if target.target_class in ("aircraft", "bird"):
        return target.target_class
    own = [e for e in threats if e.target_id == target.target_id]
    if any(e.zone_id != zone_id for e in own):
        return OTHER_ZONE
    if own:
        return OUT_OF_TIME
    if not target.hostile and (target.identity or "") in permits:
        return AUTHORISED
    return NO_ZONE_ROUND if target.target_class == "rocket" else NO_ZONE_DRONE


def _alert_result(
    span: AlertSpan,
    threats: Sequence[ZoneEvent],
    targets: Mapping[str, TargetInfo],
    match: Mapping[int, str],
    permits: Mapping[str, Authorisation],
    end_time_s: float,
    horizon_s: float,
) -> AlertResult:
    window_end = max(span.cleared_s if span.cleared_s is not None else end_time_s, span.raised_s + horizon_s)
    justifying = {
        e.target_id
        for e in threats
        if e.zone_id == span.zone_id and e.time_s <= window_end and e.last_time_s >= span.raised_s
    }
    causes = tuple(
        TrackCause(
            track_id,
            match.get(track_id),
            _track_cause(targets.get(match.get(track_id, "")), span.zone_id, justifying, threats, permits),
        )
        for track_id, _ in span.joined
    )
    kinds = {c.cause for c in causes}
    return AlertResult(
        span.alert_id,
        span.zone_id,
        span.target_class,
        span.raised_s,
        span.cleared_s,
        false=not justifying,
        over_warned=THIS_ZONE not in kinds and OTHER_ZONE in kinds,
        tracks=causes,
    )


def _class_results(
    inputs: WarningInputs,
    targets: Mapping[str, TargetInfo],
    match: Mapping[int, str],
    detected: Mapping[str, float],
    period_s: float,
) -> tuple[ClassResult, ...]:
    labels = sorted(targets)
    index = {label: i for i, label in enumerate(labels)}
    log = inputs.tracks
    ids, inverse = np.unique(log.track_id, return_inverse=True)
    truth_of = np.array([index.get(match.get(int(t), ""), -1) for t in ids], np.intp)[inverse.reshape(-1)]
    truth_class = np.array([targets[label].target_class for label in labels] + [""], dtype=object)
    correct = (truth_of >= 0) & (log.target_class == truth_class[truth_of])
    first_correct = np.full(len(labels), np.inf)
    np.minimum.at(first_correct, truth_of[correct], log.time_s[correct])
    results = []
    for i, label in enumerate(labels):
        first = detected.get(label, math.nan)
        elapsed = max(float(first_correct[i]) - first, 0.0) if not math.isnan(first) else math.nan
        results.append(ClassResult(label, targets[label].target_class, first, elapsed, elapsed / period_s))
    return tuple(results)


def evaluate_warnings(
    inputs: WarningInputs, config: WarningConfig | None = None, label: str = ""
) -> WarningEvaluation:
    """Every threat event's warning, every alert's truth, and every target's time to a correct class."""
    config = config or WarningConfig()
    site = inputs.site
    truth = truth_series(inputs.truths, site)
    targets = {t.target_id: t for t in inputs.targets}
    for record in inputs.truths:  # targets the scenario does not name: hostile unknown, by class
        if record.target_id not in targets:
            targets[record.target_id] = TargetInfo(record.target_id, record.target_class or "unknown")
    permits = {a.identity: a for a in inputs.authorisations}
    zones = {z.zone_id: z for z in inputs.zones}
    match = {
        int(k): v for k, v in match_tracks(inputs.tracks.series(), truth, config.match_distance_m).items()
    }
    classes = {label: t.target_class for label, t in targets.items()}
    threats = [
        e
        for e in zone_events(truth, classes, inputs.zones, site, config.impact_height_m)
        if e.target_id in targets and needs_warning(targets[e.target_id], zones[e.zone_id], e.time_s, permits)
    ]
    located = locate_detections(
        inputs.detections,
        {s.sensor_id: s for s in inputs.sensors},
        site,
        config.detection_gate_m,
        config.detection_gate_sigmas,
    )
    detected = first_detection_s(located, truth)
    period = scan_period_s(inputs.sensors)
    confirm_s = config.confirm_scans * period
    spans = alert_spans(inputs.alert_changes)
    geometries = zone_geometries(inputs.zones, site)
    events = []
    for event in threats:
        intervals = [
            (joined_s, span.cleared_s if span.cleared_s is not None else math.inf)
            for span in spans
            if span.zone_id == event.zone_id
            for track_id, joined_s in span.joined
            if match.get(track_id) == event.target_id
        ]
        warned, lapsed = _coverage(intervals, event.time_s)
        first = detected.get(event.target_id, math.nan)
        target = targets[event.target_id]
        permit = None if target.hostile else permits.get(target.identity or "")
        until = (
            math.nan
            if permit is None
            else last_permitted_s(truth, event.target_id, event.time_s, permit, geometries)
        )
        # An authorised target is a threat only once it has left its permission.
        start = first if math.isnan(until) else max(first, until)
        events.append(
            EventResult(
                event.target_id,
                target.target_class,
                event.zone_id,
                event.kind,
                event.time_s,
                first,
                warned,
                lapsed,
                event.time_s - start - confirm_s,
                until,
            )
        )
    alerts = tuple(
        _alert_result(span, threats, targets, match, permits, inputs.end_time_s, config.horizon_s)
        for span in spans
    )
    return WarningEvaluation(
        tuple(events),
        alerts,
        _class_results(inputs, targets, match, detected, period),
        period,
        confirm_s,
        match,
        label,
    )
