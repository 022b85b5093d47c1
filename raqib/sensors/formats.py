"""Feed formats by name: find the registered decoder, and turn a feed's plain options (a TOML
table, command-line ``key=value`` pairs) into the keyword arguments its constructor takes.

Options are matched against the decoder's keyword parameters. Those that name none of them
go into the decoder's ``config`` object (AsterixConfig, AdsbConfig, SapientConfig, ...),
built from plain values with msgspec, which checks types and runs the config's own checks;
a config with a ``sensor`` field gets the feed's sensor. For SAPIENT, ``node_ids`` lists the
nodes whose detections carry the feed's sensor id.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import pkgutil
import types
import typing
from collections.abc import Mapping
from typing import Any

import msgspec

from raqib.model import Sensor
from raqib.sensors.base import DECODERS, Decoder

# Where each known format registers, so that one feed does not import every decoder (some
# libraries take seconds to import); a format not listed here is found by discovery.
_FORMAT_MODULES = {
    "jsonl": "raqib.sensors.jsonl",
    "asterix": "raqib.sensors.asterix",
    "beast": "raqib.sensors.adsb",
    "sbs": "raqib.sensors.adsb",
    "raw": "raqib.sensors.adsb",
    "remoteid": "raqib.sensors.remoteid",
    "remoteid-frames": "raqib.sensors.remoteid",
    "sapient": "raqib.sensors.sapient.decoder",
}

_BASE_PARAMETERS = frozenset({"self", "sensor", "feed", "on_error"})


def decoder_class(format_name: str) -> type[Decoder]:
    """The decoder registered under ``format_name``, importing raqib.sensors' modules first
    if it is not registered yet. KeyError names the formats there are."""
    if format_name not in DECODERS and format_name in _FORMAT_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(_FORMAT_MODULES[format_name])
    if format_name not in DECODERS:
        discover_decoders()
    try:
        return DECODERS[format_name]
    except KeyError:
        known = ", ".join(sorted(DECODERS))
        raise KeyError(f"no decoder for format {format_name!r} (known: {known})") from None


def discover_decoders() -> dict[str, type[Decoder]]:
    """Import every module under raqib.sensors so that each decoder registers itself.

    A module that fails to import (a missing optional library) is skipped: the formats it
    would register are simply unknown."""
    import raqib.sensors

    for info in pkgutil.walk_packages(raqib.sensors.__path__, "raqib.sensors.", onerror=lambda name: None):
        if ".generated" in info.name or info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        try:
            importlib.import_module(info.name)
        except Exception:  # see the docstring: skip what can't be imported
            continue
    return DECODERS


def decoder_kwargs(cls: type[Decoder], sensor: Sensor, options: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments for ``cls(sensor, feed=..., on_error=..., **kwargs)``.

    Raises ValueError (with the option's name) for options the decoder cannot take."""
    parameters = inspect.signature(cls.__init__).parameters
    accepted = {name for name, p in parameters.items() if p.kind is p.KEYWORD_ONLY} - _BASE_PARAMETERS
    kwargs = {name: value for name, value in options.items() if name in accepted}
    rest = {name: value for name, value in options.items() if name not in accepted}
    config_type = _config_type(cls) if "config" in accepted else None
    if isinstance(kwargs.get("config"), Mapping):
        rest = {**kwargs.pop("config"), **rest}
    if config_type is None:
        if rest:
            names = ", ".join(sorted(accepted)) or "none"
            raise ValueError(f"unknown option {sorted(rest)[0]!r} (options: {names})")
        return kwargs
    if rest or _needs_sensor(config_type):
        kwargs["config"] = _build_config(config_type, sensor, rest)
    return kwargs


def _config_type(cls: type[Decoder]) -> type | None:
    try:
        hints = typing.get_type_hints(cls.__init__)
    except Exception:  # an annotation that can't be resolved: no config object then
        return None
    hint = hints.get("config")
    candidates = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    return next((c for c in candidates if isinstance(c, type) and c is not type(None)), None)


def _fields(config_type: type) -> tuple[str, ...]:
    if issubclass(config_type, msgspec.Struct):
        return tuple(config_type.__struct_fields__)
    return tuple(getattr(config_type, "__dataclass_fields__", {}))


def _needs_sensor(config_type: type) -> bool:
    return "sensor" in _fields(config_type)


def _build_config(config_type: type, sensor: Sensor, options: Mapping[str, Any]) -> Any:
    fields = _fields(config_type)
    values = dict(options)
    if "node_ids" in values and "node_sensors" in fields:
        node_ids = values.pop("node_ids")
        if not isinstance(node_ids, list | tuple) or not all(isinstance(n, str) for n in node_ids):
            raise ValueError("node_ids must be a list of node UUIDs")
        values["node_sensors"] = {node_id: msgspec.to_builtins(sensor) for node_id in node_ids}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        names = ", ".join(f for f in fields if f != "sensor")
        raise ValueError(f"unknown option {unknown[0]!r} (options: {names})")
    if "sensor" in fields:
        values["sensor"] = msgspec.to_builtins(sensor)
    try:
        return msgspec.convert(values, config_type)
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from exc
