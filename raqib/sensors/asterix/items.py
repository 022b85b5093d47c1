"""Reading values out of libasterix records, the same way for every edition.

libasterix generates one set of typed classes per category edition; an item can be a plain
element in one edition and a group in the next (CAT021 I131 is a signal amplitude in 0.26
and a high-resolution position in 2.x). These accessors walk an item path such as
``("040", "RHO")`` and give None where the item, or that shape of it, is absent, and they
turn libasterix quantities into SI units from the unit the specification gives them.

Every error from here is a RecordError: the record parsed, but a value in it can't be used.
"""

from __future__ import annotations

import math
from typing import Any

from asterix.base import (
    Compound,
    ContentQuantity,
    ContentString,
    Element,
    Extended,
    Group,
    NonSpare,
    RuleContentContextFree,
    RuleVariationContextFree,
)

FT_M = 0.3048
NM_M = 1852.0
FL_M = 100 * FT_M  # one flight level is 100 ft of pressure altitude

# From the unit libasterix states for a quantity to SI (angles stay in degrees). A flight
# level becomes metres of pressure altitude: approximate as a height, see cat048.py.
SI_FACTORS: dict[str, float] = {
    "s": 1.0,
    "m": 1.0,
    "m/s": 1.0,
    "°": 1.0,
    "NM": NM_M,
    "NM/s": NM_M,
    "kt": NM_M / 3600.0,
    "ft": FT_M,
    "ft/min": FT_M / 60.0,
    "FL": FL_M,
}


class RecordError(ValueError):
    """A record that parsed but whose contents raqib cannot use (missing or impossible values)."""


def variation(record: Any, *path: str) -> Any | None:
    """The libasterix variation at ``path`` ("040", "RHO") in ``record``, or None if absent."""
    node = record.get_item(path[0])
    current = _unwrap(node)
    for name in path[1:]:
        if not isinstance(current, Group | Extended | Compound):
            return None
        try:
            child = current.get_item(name)  # type: ignore[union-attr]
        except (ValueError, KeyError):  # Group raises for a name it lacks
            return None
        current = _unwrap(child)
    return current


def _unwrap(node: Any) -> Any | None:
    if isinstance(node, NonSpare):
        node = node.arg
    if isinstance(node, RuleVariationContextFree):
        return node.arg
    return None  # absent, or context-dependent (none of the items raqib reads)


def has(record: Any, item: str) -> bool:
    return record.get_item(item) is not None


def _content(record: Any, path: tuple[str, ...]) -> Any | None:
    element = variation(record, *path)
    if element is None:
        return None
    if not isinstance(element, Element):
        raise RecordError(f"I{'/'.join(path)} is not a single value in this edition")
    rule = element.rule  # type: ignore[attr-defined]
    if not isinstance(rule, RuleContentContextFree):
        raise RecordError(f"I{'/'.join(path)} has a context-dependent meaning raqib does not read")
    return rule.content  # type: ignore[attr-defined]


def si(record: Any, *path: str) -> float | None:
    """A quantity in SI units (degrees for angles), or None if the item is absent."""
    content = _content(record, path)
    if content is None:
        return None
    if not isinstance(content, ContentQuantity):
        raise RecordError(f"I{'/'.join(path)} is not a quantity in this edition")
    unit = type(content).cv_unit
    factor = SI_FACTORS.get(unit)
    if factor is None:
        raise RecordError(f"I{'/'.join(path)} is in {unit!r}, a unit raqib does not convert")
    value = content.as_quantity() * factor  # type: ignore[attr-defined]
    if not math.isfinite(value):
        raise RecordError(f"I{'/'.join(path)} is not a finite number")
    return float(value)


def first_si(record: Any, *paths: tuple[str, ...]) -> float | None:
    """The first of several item paths present as a single quantity (editions differ in shape)."""
    for path in paths:
        if isinstance(variation(record, *path), Element):
            return si(record, *path)
    return None


def uint(record: Any, *path: str) -> int | None:
    """The raw unsigned bits of an element (codes, flags, addresses), or None if absent."""
    content = _content(record, path)
    return None if content is None else int(content.as_uint())


def text(record: Any, *path: str) -> str | None:
    """A character item (callsign) without its padding; None if absent or blank."""
    content = _content(record, path)
    if content is None:
        return None
    if not isinstance(content, ContentString):
        raise RecordError(f"I{'/'.join(path)} is not text in this edition")
    value = content.as_string().strip()
    return value or None


def flag(record: Any, *path: str) -> bool:
    """A one-bit indicator; False when absent."""
    return bool(uint(record, *path) or 0)


def source(record: Any) -> tuple[int, int]:
    """SAC and SIC from I010, which every category raqib reads carries first."""
    sac = uint(record, "010", "SAC")
    sic = uint(record, "010", "SIC")
    if sac is None or sic is None:
        raise RecordError("no data source identifier I010 (is the edition right?)")
    return sac, sic


def icao_address(record: Any, *path: str) -> str | None:
    """A 24-bit Mode S address as six upper-case hex digits."""
    value = uint(record, *path)
    return None if value is None else f"{value:06X}"
