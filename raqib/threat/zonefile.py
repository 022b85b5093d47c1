"""Zones as a GeoJSON FeatureCollection (RFC 7946), the file an administrator edits.

Each zone is one Feature:

* a ``Polygon`` (outer ring only, ``[lon, lat]`` pairs, closed) for a polygon zone;
* a ``Point`` with a ``radius_m`` property for a circle.

Properties: ``id`` (unique), ``name``, ``kind`` (protected | restricted | warning),
``floor_m`` and ``ceiling_m`` (metres above the site origin), ``warn`` (a list of names).

A feature that can't be read raises (or is reported as) :class:`ZoneFileError`, which names the
feature by its index and id and says why.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from raqib.model import Zone

ZONE_KINDS: tuple[str, ...] = ("protected", "restricted", "warning")


class ZoneFileError(ValueError):
    """A zones file, or one feature in it, that can't be read.

    ``feature_index`` is the feature's position in the collection (None: the whole file);
    ``zone_id`` its ``id`` property where it has one."""

    def __init__(
        self, reason: str, *, source: str = "", feature_index: int | None = None, zone_id: str | None = None
    ) -> None:
        self.reason = reason
        self.source = source
        self.feature_index = feature_index
        self.zone_id = zone_id
        where = source or "zones"
        if feature_index is not None:
            where += f" feature {feature_index}"
            if zone_id:
                where += f" ({zone_id!r})"
        super().__init__(f"{where}: {reason}")


def _number(properties: dict[str, Any], key: str, default: float) -> float:
    value = properties.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{key} must be a finite number, not {value!r}")
    return float(value)


def _position(pair: Any) -> tuple[float, float]:
    """A GeoJSON [lon, lat(, alt)] position to (lat, lon) degrees."""
    if not isinstance(pair, list | tuple) or len(pair) < 2:
        raise ValueError(f"a position must be [lon, lat], not {pair!r}")
    lon, lat = pair[0], pair[1]
    for value in (lon, lat):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"a coordinate must be a finite number, not {value!r}")
    if not -90.0 <= lat <= 90.0 or not -180.0 <= lon <= 180.0:
        raise ValueError(f"position {pair!r} is outside lon -180..180, lat -90..90")
    return float(lat), float(lon)


def _feature_to_zone(feature: Any) -> Zone:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError("not a GeoJSON Feature")
    properties = feature.get("properties") or {}
    geometry = feature.get("geometry")
    if not isinstance(properties, dict):
        raise ValueError("properties must be an object")
    zone_id = properties.get("id", feature.get("id"))
    if not isinstance(zone_id, str) or not zone_id.strip():
        raise ValueError("property 'id' must be a non-empty string")
    name = properties.get("name", zone_id)
    if not isinstance(name, str):
        raise ValueError("property 'name' must be a string")
    kind = properties.get("kind", "protected")
    if kind not in ZONE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(ZONE_KINDS)}, not {kind!r}")
    floor_m = _number(properties, "floor_m", 0.0)
    ceiling_m = _number(properties, "ceiling_m", 1000.0)
    if ceiling_m <= floor_m:
        raise ValueError(f"ceiling_m ({ceiling_m}) must be above floor_m ({floor_m})")
    warn = properties.get("warn", [])
    if not isinstance(warn, list) or not all(isinstance(w, str) for w in warn):
        raise ValueError("property 'warn' must be a list of strings")
    common: dict[str, Any] = {
        "zone_id": zone_id,
        "name": name,
        "kind": kind,
        "floor_m": floor_m,
        "ceiling_m": ceiling_m,
        "warn": tuple(warn),
    }
    if not isinstance(geometry, dict):
        raise ValueError("missing geometry")
    coordinates = geometry.get("coordinates")
    if geometry.get("type") == "Polygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise ValueError("a Polygon needs at least one ring")
        ring = [_position(p) for p in coordinates[0]] if isinstance(coordinates[0], list) else []
        if len(ring) > 1 and ring[0] == ring[-1]:
            ring = ring[:-1]
        if len(set(ring)) < 3:
            raise ValueError("a Polygon ring needs at least 3 distinct positions")
        return Zone(polygon=tuple(ring), **common)
    if geometry.get("type") == "Point":
        lat, lon = _position(coordinates)
        radius_m = _number(properties, "radius_m", math.nan) if "radius_m" in properties else math.nan
        if not radius_m > 0.0:
            raise ValueError("a Point zone needs a positive radius_m property")
        return Zone(center_lat_deg=lat, center_lon_deg=lon, radius_m=radius_m, **common)
    raise ValueError(f"geometry type must be Polygon or Point, not {geometry.get('type')!r}")


def zones_from_geojson(
    collection: Any, *, source: str = "", on_error: Callable[[ZoneFileError], None] | None = None
) -> list[Zone]:
    """Zones from a parsed FeatureCollection.

    A bad feature raises ZoneFileError, or, with ``on_error``, is reported there and skipped
    while the good ones are kept. Strict is the default because silently losing a protected
    zone is worse than refusing to start."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ZoneFileError("not a GeoJSON FeatureCollection", source=source)
    features = collection.get("features")
    if not isinstance(features, list):
        raise ZoneFileError("'features' must be a list", source=source)
    zones: list[Zone] = []
    seen: set[str] = set()
    for index, feature in enumerate(features):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        raw_id = properties.get("id") if isinstance(properties, dict) else None
        label = raw_id if isinstance(raw_id, str) else None
        try:
            zone = _feature_to_zone(feature)
            if zone.zone_id in seen:
                raise ValueError(f"duplicate id {zone.zone_id!r}")
        except (ValueError, TypeError, AttributeError) as exc:
            error = ZoneFileError(str(exc), source=source, feature_index=index, zone_id=label)
            if on_error is None:
                raise error from exc
            on_error(error)
            continue
        seen.add(zone.zone_id)
        zones.append(zone)
    return zones


def zone_to_feature(zone: Zone) -> dict[str, Any]:
    """One zone as a GeoJSON Feature (a circle as a Point with ``radius_m``)."""
    properties: dict[str, Any] = {
        "id": zone.zone_id,
        "name": zone.name,
        "kind": zone.kind,
        "floor_m": zone.floor_m,
        "ceiling_m": zone.ceiling_m,
        "warn": list(zone.warn),
    }
    geometry: dict[str, Any]
    if zone.polygon:
        ring = [[lon, lat] for lat, lon in zone.polygon]
        ring.append(ring[0])
        geometry = {"type": "Polygon", "coordinates": [ring]}
    else:
        properties["radius_m"] = zone.radius_m
        geometry = {"type": "Point", "coordinates": [zone.center_lon_deg, zone.center_lat_deg]}
    return {"type": "Feature", "id": zone.zone_id, "properties": properties, "geometry": geometry}


def zones_to_geojson(zones: Iterable[Zone]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [zone_to_feature(z) for z in zones]}


def load_zones(
    path: str | os.PathLike[str], *, on_error: Callable[[ZoneFileError], None] | None = None
) -> list[Zone]:
    """Read a zones file; see :func:`zones_from_geojson` for how bad features are handled."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ZoneFileError(f"can't read: {exc}", source=source) from exc
    try:
        collection = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ZoneFileError(
            f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", source=source
        ) from exc
    return zones_from_geojson(collection, source=source, on_error=on_error)


def save_zones(path: str | os.PathLike[str], zones: Sequence[Zone]) -> None:
    """Write the zones atomically (a reader never sees half a file)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(zones_to_geojson(zones), indent=2, allow_nan=False)
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text + "\n")
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def validate_zone(zone: Zone) -> Zone:
    """The zone as the zones file would read it back, or ZoneFileError saying what is wrong."""
    if not zone.polygon and (zone.center_lat_deg is None or zone.center_lon_deg is None):
        raise ZoneFileError(
            "a zone needs a polygon, or a centre and radius_m", feature_index=0, zone_id=zone.zone_id
        )
    try:
        feature = json.loads(json.dumps(zone_to_feature(zone), allow_nan=False))
    except ValueError as exc:
        raise ZoneFileError(
            "coordinates must be finite numbers", feature_index=0, zone_id=zone.zone_id
        ) from exc
    return zones_from_geojson({"type": "FeatureCollection", "features": [feature]})[0]
