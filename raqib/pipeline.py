"""The pipeline: detections -> tracks -> classes -> threats -> alerts, one step at a time.

The same object runs live, in replay, in the simulator and in tests; only the source of
detections and the clock differ. Each stage is a plain object with its own state and a pure
step; records flow one way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from raqib.alerts.engine import AlertConfig, AlertEngine
from raqib.model import Alert, AuditEntry, Authorisation, Detection, Sensor, Site, StepResult, Threat, Zone
from raqib.threat.classify import Classifier, ClassifierConfig
from raqib.threat.evaluate import ThreatConfig, ThreatEvaluator
from raqib.tracking.tracker import Tracker, TrackerConfig


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    classifier: ClassifierConfig = field(default_factory=ClassifierConfig)
    threat: ThreatConfig = field(default_factory=ThreatConfig)
    alerts: AlertConfig = field(default_factory=AlertConfig)
    threat_period_s: float = 0.5  # threats and alerts are re-evaluated at most this often


class Pipeline:
    def __init__(
        self,
        site: Site,
        zones: Sequence[Zone],
        sensors: Sequence[Sensor],
        authorisations: Sequence[Authorisation] = (),
        config: PipelineConfig | None = None,
    ) -> None:
        self.site = site
        self.config = config or PipelineConfig()
        self.tracker = Tracker(site, sensors, self.config.tracker)
        self.classifier = Classifier(self.config.classifier)
        self.threat = ThreatEvaluator(site, zones, authorisations, self.config.threat)
        self.engine = AlertEngine(self.config.alerts)
        self.zones: list[Zone] = list(zones)
        self.time_s = 0.0
        self.audit: list[AuditEntry] = []
        self._threats: list[Threat] = []
        self._last_threat_time_s = -float("inf")

    def add_sensor(self, sensor: Sensor) -> None:
        self.tracker.add_sensor(sensor)

    def step(self, detections: Sequence[Detection], time_s: float) -> StepResult:
        self.time_s = max(self.time_s, time_s)
        tracks = self.tracker.step(detections, time_s)
        tracks = self.classifier.classify(tracks, time_s)
        self.classifier.forget({t.track_id for t in tracks})
        tracks = self.threat.mark_authorised(tracks, time_s)
        changes: list[Alert] = []
        audit: list[AuditEntry] = []
        # Several sensors' scans arrive each second; the zones' risk moves more slowly.
        if time_s - self._last_threat_time_s >= self.config.threat_period_s - 1e-9:
            self._last_threat_time_s = time_s
            live = {t.track_id for t in tracks}
            self._threats = self.threat.evaluate(tracks, time_s)
            changes, audit = self.engine.update(self._threats, time_s)
            self.audit.extend(audit)
            self._threats = [th for th in self._threats if th.track_id in live]
        return StepResult(
            time_s=time_s, tracks=tracks, threats=self._threats, alert_changes=changes, audit=audit
        )

    # ------------------------------------------------------------------ operator commands

    @property
    def alerts(self) -> list[Alert]:
        return self.engine.alerts

    def acknowledge(self, alert_id: int, user: str, note: str = "") -> Alert:
        alert, entry = self.engine.acknowledge(alert_id, user, note, self.time_s)
        self.audit.append(entry)
        return alert

    def add_note(self, alert_id: int, user: str, note: str) -> Alert:
        alert, entry = self.engine.add_note(alert_id, user, note, self.time_s)
        self.audit.append(entry)
        return alert

    def clear(self, alert_id: int, user: str, note: str = "") -> Alert:
        alert, entries = self.engine.clear(alert_id, user, note, self.time_s)
        self.audit.extend(entries)
        return alert

    def set_zones(self, zones: Sequence[Zone]) -> None:
        self.zones = list(zones)
        self.threat.set_zones(zones)
