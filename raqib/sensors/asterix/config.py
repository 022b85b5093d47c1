"""Configuration of one ASTERIX source, and the libasterix category editions it pins.

The bytes of an ASTERIX stream do not say which edition of a category they follow, and a
record written under one edition often parses "successfully" under another into nonsense.
So the edition is configuration, per source: by default the newest edition libasterix
ships, overridden per category with ``editions={"48": "1.31", "62": "1.18"}``.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

import msgspec

from raqib.model import Sensor

# libasterix's generated module is 6 MB of typed per-edition classes; importing it through
# importlib keeps mypy from re-checking it on every run, and our code reads records through
# the edition-independent accessors in items.py anyway.
_generated: Any = importlib.import_module("asterix.generated")

# The categories raqib turns into detections or service state.
SUPPORTED_CATEGORIES: tuple[int, ...] = (21, 34, 48, 62)


class AsterixConfig(msgspec.Struct, frozen=True, kw_only=True):
    """How to read one radar's (or one surveillance system's) ASTERIX feed.

    ``sensor`` gives the position that CAT048 polar measurements are relative to, and the
    default accuracy of every detection. ``sac``/``sic`` pick this source's records from a
    shared feed (others are counted and skipped); left as None, every source is accepted.
    ``editions`` maps a category ("48") to the edition to parse it with ("1.31").
    ``system_ref_*`` is the tangent point (and plane height) of the stereographic plane that
    a CAT062 tracker's Cartesian I100 position lives on; only needed for tracks without the
    WGS-84 position I105. ``ignored_categories`` are skipped without an error (a CAT065
    heartbeat next to CAT062, say). ``keep_test_targets`` keeps simulated, test and
    field-monitor reports, which are otherwise counted and dropped. A record identical, byte
    for byte, to one received less than ``duplicate_window_s`` before is a copy from a
    redundant network path (radar feeds often arrive on two LANs) and is counted and
    dropped; 0 keeps every copy. ``max_stream_block_bytes`` is, on a stream (TCP, a file), the
    longest block waited for when a read ends inside it: 8 KiB by default (a longer LEN cut by a
    read is likelier damage, and waiting would hold up every block behind it), up to 65535 for
    a source known to send long blocks over TCP.
    """

    sensor: Sensor
    sac: int | None = None
    sic: int | None = None
    editions: dict[str, str] = msgspec.field(default_factory=dict)
    system_ref_lat_deg: float | None = None
    system_ref_lon_deg: float | None = None
    system_ref_height_m: float = 0.0
    ignored_categories: tuple[int, ...] = ()
    keep_test_targets: bool = False
    duplicate_window_s: float = 2.0
    max_stream_block_bytes: int = 8192

    def __post_init__(self) -> None:
        for key, edition in self.editions.items():
            category = _category_key(key)
            if category not in SUPPORTED_CATEGORIES:
                raise ValueError(f"editions: category {key!r} is not one raqib reads {SUPPORTED_CATEGORIES}")
            spec_for(category, edition)  # raises ValueError for an edition libasterix lacks
        if (self.sac is None) != (self.sic is None):
            raise ValueError("sac and sic are configured together or not at all")
        if (self.system_ref_lat_deg is None) != (self.system_ref_lon_deg is None):
            raise ValueError("system_ref_lat_deg and system_ref_lon_deg go together")
        if not 3 <= self.max_stream_block_bytes <= 65535:
            raise ValueError("max_stream_block_bytes is a block's length: 3 to 65535 bytes")

    def edition(self, category: int) -> str:
        """The edition this source's ``category`` is parsed with."""
        for key, edition in self.editions.items():
            if _category_key(key) == category:
                return edition
        return latest_edition(category)

    def accepts(self, sac: int, sic: int) -> bool:
        return self.sac is None or (self.sac == sac and self.sic == sic)


def _category_key(key: str | int) -> int:
    try:
        return int(key)
    except ValueError:
        raise ValueError(f"editions: {key!r} is not a category number") from None


def available_editions(category: int) -> tuple[str, ...]:
    """Every edition of ``category`` that libasterix can parse, oldest first."""
    specs = _generated.manifest["CATS"].get(category, [])
    return tuple(f"{spec.cv_edition[0]}.{spec.cv_edition[1]}" for spec in specs)


def latest_edition(category: int) -> str:
    editions = available_editions(category)
    if not editions:
        raise ValueError(f"libasterix has no definition of category {category:03d}")
    return editions[-1]


@cache
def spec_for(category: int, edition: str) -> Any:
    """libasterix's generated class for one category edition (``Cat_048_1_32``)."""
    for spec in _generated.manifest["CATS"].get(category, []):
        if f"{spec.cv_edition[0]}.{spec.cv_edition[1]}" == edition:
            return spec
    known = ", ".join(available_editions(category)) or "none"
    raise ValueError(f"libasterix has no edition {edition!r} of category {category:03d} (it has: {known})")


@cache
def reserved_expansion_spec(category: int) -> Any | None:
    """libasterix's newest Reserved Expansion Field (REF) definition for ``category``, if any.

    REF editions change only by adding items, so the newest reads every older field."""
    specs = _generated.manifest["REFS"].get(category, [])
    return specs[-1] if specs else None
