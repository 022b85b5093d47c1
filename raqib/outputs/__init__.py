"""Outputs: the warnings raqib sends, to the zones at risk and only through their channels.

``OutputDispatcher`` takes each pipeline step and queues Cursor on Target events (``cot``,
sent by ``transport``), CAP 1.2 alerts (``cap``, to files by ``capfile`` or POSTed by
``webhook``), JSON webhooks (``webhook``) and audible warnings (``audible``), as the site
file's ``[outputs]`` section (``config``) says. ``console`` prints alerts to the terminal.

The dispatcher's names are imported on first use, so that the console alone stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from raqib.outputs.config import OutputsConfig, OutputsConfigError, parse_outputs, unrouted_names

if TYPE_CHECKING:
    from raqib.outputs.base import Channel, ChannelStats, Outgoing
    from raqib.outputs.dispatcher import OutputDispatcher, Route, build_channel

__all__ = [
    "Channel",
    "ChannelStats",
    "Outgoing",
    "OutputDispatcher",
    "OutputsConfig",
    "OutputsConfigError",
    "Route",
    "build_channel",
    "parse_outputs",
    "unrouted_names",
]

_LAZY = {
    "Channel": "base",
    "ChannelStats": "base",
    "Outgoing": "base",
    "OutputDispatcher": "dispatcher",
    "Route": "dispatcher",
    "build_channel": "dispatcher",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"raqib.outputs.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'raqib.outputs' has no attribute {name!r}")
