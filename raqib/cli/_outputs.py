"""Warning outputs around a running pipeline, for `raqib run --config` and `raqib demo`: the
dispatcher that routes each alert to its zone's channels, and operator actions passed on to it
(an acknowledgement or a clear made on the screen goes out to TAK, CAP and webhooks too)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from raqib.model import Alert, Site, Zone

if TYPE_CHECKING:
    from raqib.outputs.config import OutputsConfig
    from raqib.outputs.dispatcher import OutputDispatcher
    from raqib.pipeline import Pipeline


def load_outputs_file(path: Path) -> OutputsConfig:
    """An outputs section on its own (a TOML file with [outputs...] tables), for the demo."""
    import tomllib

    from raqib.outputs.config import parse_outputs

    document = tomllib.loads(path.read_text(encoding="utf-8"))
    return parse_outputs(document.get("outputs", document), base_dir=path.resolve().parent)


def make_dispatcher(
    config: OutputsConfig,
    site: Site,
    zones: Sequence[Zone],
    *,
    epoch_offset_s: float = 0.0,
    simulated: bool = False,
) -> OutputDispatcher | None:
    """The dispatcher for the configured channels; None when there are none. Zones whose warn
    lists name no channel are reported, since nobody would hear their warnings."""
    if not config.channels:
        return None
    from raqib.outputs import OutputDispatcher, unrouted_names

    for name in unrouted_names(config, zones):
        print(
            f"raqib: warn list names {name!r}, which is no output channel: nobody hears it", file=sys.stderr
        )
    return OutputDispatcher.from_config(
        config, site, zones, epoch_offset_s=epoch_offset_s, simulated=simulated
    )


class CommandsWithOutputs:
    """The pipeline's operator commands, with each changed alert also sent to the outputs."""

    def __init__(self, pipeline: Pipeline, dispatcher: OutputDispatcher) -> None:
        self.pipeline = pipeline
        self.dispatcher = dispatcher

    def acknowledge(self, alert_id: int, user: str, note: str) -> Alert:
        return self._sent(self.pipeline.acknowledge(alert_id, user, note))

    def clear(self, alert_id: int, user: str, note: str) -> Alert:
        return self._sent(self.pipeline.clear(alert_id, user, note))

    def add_note(self, alert_id: int, user: str, note: str) -> Alert:
        return self.pipeline.add_note(alert_id, user, note)

    def set_zones(self, zones: Sequence[Zone]) -> None:
        self.pipeline.set_zones(zones)
        self.dispatcher.set_zones(zones)

    def _sent(self, alert: Alert) -> Alert:
        self.dispatcher.handle_alerts([alert], self.pipeline.time_s)
        return alert
