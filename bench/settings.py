"""``--set SECTION.FIELD=VALUE`` for the warning benchmarks: a PipelineConfig with any nested
setting overridden, to try a setting over the suite without editing the code."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Sequence
from typing import Any

from raqib.pipeline import PipelineConfig

SET_HELP = "override a pipeline setting, e.g. threat.intent.goal_prior=0.05 (a Python literal)"


def _override(config: Any, path: list[str], value: object) -> Any:
    """A copy of the (nested, frozen) dataclass ``config`` with the field at ``path`` set."""
    if len(path) == 1:
        return dataclasses.replace(config, **{path[0]: value})
    return dataclasses.replace(config, **{path[0]: _override(getattr(config, path[0]), path[1:], value)})


def pipeline_config(settings: Sequence[str]) -> PipelineConfig:
    """The default PipelineConfig with each ``section.field=value`` of ``settings`` applied."""
    config = PipelineConfig()
    for item in settings:
        path, value = item.split("=", 1)
        config = _override(config, path.split("."), ast.literal_eval(value))
    return config
