"""The alert summary printed at the end of a run: per alert, its tracks, zone, class and lead
time (seconds from the track's warning to its zone entry or predicted impact)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from raqib.alerts.engine import OpenAlert


class TrackWarning(msgspec.Struct, frozen=True, kw_only=True):
    track: int
    warned: float  # when this track's threat was first warned (it raised or joined the alert)
    entered: float | None  # first seen inside the zone, or predicted impact time for a round
    lead_time_s: float | None


class AlertSummary(msgspec.Struct, frozen=True, kw_only=True):
    alert: int
    track: int  # the track that raised it
    tracks: list[TrackWarning]
    zone: str
    target_class: str = msgspec.field(name="class")
    raised: float
    cleared: float | None
    lead_time_s: float | None  # of the track that raised it


def summarise(history: Sequence[OpenAlert]) -> list[AlertSummary]:
    rows = []
    for item in history:
        warnings = []
        for track_id, entry in item.tracks.items():
            reached = entry.entry_time_s if entry.entry_time_s is not None else entry.predicted_impact_s
            if item.kind == "ballistic" and entry.predicted_impact_s is not None:
                reached = entry.predicted_impact_s
            lead = None if reached is None else round(reached - entry.joined_time_s, 2)
            warnings.append(
                TrackWarning(track=track_id, warned=entry.joined_time_s, entered=reached, lead_time_s=lead)
            )
        alert = item.alert
        rows.append(
            AlertSummary(
                alert=alert.alert_id,
                track=alert.track_ids[0],
                tracks=warnings,
                zone=alert.zone_id,
                target_class=alert.target_class,
                raised=alert.raised_time_s,
                cleared=alert.cleared_time_s,
                lead_time_s=warnings[0].lead_time_s if warnings else None,
            )
        )
    return rows


def format_table(rows: Sequence[AlertSummary]) -> str:
    if not rows:
        return "No alerts."
    lines = [
        f"{'alert':>5}  {'zone':<14} {'class':<9} {'track':>5}  {'warned':>8}  {'reached':>8}  "
        f"{'lead':>7}  cleared"
    ]
    for row in rows:
        for w in row.tracks:
            reached = "-" if w.entered is None else f"{w.entered:8.1f}"
            lead = "-" if w.lead_time_s is None else f"{w.lead_time_s:6.1f}s"
            cleared = "open" if row.cleared is None else f"{row.cleared:.1f}"
            lines.append(
                f"{row.alert:>5}  {row.zone:<14} {row.target_class:<9} {w.track:>5}  "
                f"{w.warned:8.1f}  {reached:>8}  "
                f"{lead:>7}  {cleared}"
            )
    return "\n".join(lines)
