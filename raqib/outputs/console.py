"""The terminal: one line per alert raised, updated or cleared, and a live one-line status."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from raqib.model import Alert, AlertState

if TYPE_CHECKING:
    from raqib.model import StepResult


def clock_label(time_s: float, start_epoch_s: float | None) -> str:
    """A scenario time as UTC clock time where the start is known, else as seconds."""
    if start_epoch_s is None:
        return f"t={time_s:7.1f}s"
    import datetime as dt

    moment = dt.datetime.fromtimestamp(start_epoch_s + time_s, tz=dt.UTC)
    return moment.strftime("%H:%M:%SZ")


class ConsoleReporter:
    """Prints alert changes as they happen and keeps a status line up to date on a terminal."""

    def __init__(
        self,
        *,
        stream: TextIO | None = None,
        start_epoch_s: float | None = None,
        zone_names: dict[str, str] | None = None,
        live_status: bool | None = None,
        open_alerts: Callable[[], list[Alert]] | None = None,
    ) -> None:
        self.stream = stream or sys.stdout
        self.start_epoch_s = start_epoch_s
        self.zone_names = zone_names or {}
        self.live_status = self.stream.isatty() if live_status is None else live_status
        self.open_alerts = open_alerts
        self._status_shown = False

    def _line(self, text: str) -> None:
        if self._status_shown:
            self.stream.write("\r\033[K")
            self._status_shown = False
        self.stream.write(text + "\n")

    def note(self, text: str) -> None:
        """A line of its own (sensor health, say) that does not disturb the status line."""
        self._line(text)
        self.stream.flush()

    def on_result(self, result: StepResult) -> None:
        when = clock_label(result.time_s, self.start_epoch_s)
        for alert in result.alert_changes:
            zone = self.zone_names.get(alert.zone_id, alert.zone_id)
            tracks = ", ".join(str(t) for t in alert.track_ids)
            if alert.state == AlertState.RAISED:
                eta = f", entry in {alert.time_to_entry_s:.0f} s" if alert.time_to_entry_s is not None else ""
                self._line(
                    f"{when}  ALERT {alert.alert_id} RAISED  zone {zone}: {alert.target_class} "
                    f"track {tracks}{eta}  ({alert.reason})"
                )
            elif alert.state == AlertState.CLEARED:
                self._line(f"{when}  ALERT {alert.alert_id} CLEARED zone {zone} (tracks {tracks})")
            elif alert.state == AlertState.UPDATED:
                self._line(
                    f"{when}  ALERT {alert.alert_id} UPDATED zone {zone}: {len(alert.track_ids)} "
                    f"{alert.target_class} tracks ({tracks})"
                )
        for entry in result.audit:
            if entry.action == "all-clear":
                zone = self.zone_names.get(entry.zone_id, entry.zone_id)
                self._line(f"{when}  ALL CLEAR zone {zone}")
        if self.live_status:
            self.stream.write("\r\033[K" + self.status(result))
            self._status_shown = True
        self.stream.flush()

    def status(self, result: StepResult) -> str:
        counts = Counter(t.target_class for t in result.tracks)
        by_class = " ".join(f"{name}:{counts[name]}" for name in sorted(counts)) or "none"
        alerts = self.open_alerts() if self.open_alerts else []
        open_count = sum(1 for a in alerts if a.state != AlertState.CLEARED)
        return (
            f"{clock_label(result.time_s, self.start_epoch_s)}  tracks {len(result.tracks)} ({by_class})  "
            f"alerts open {open_count}"
        )

    def finish(self) -> None:
        if self._status_shown:
            self.stream.write("\n")
            self._status_shown = False
        self.stream.flush()
