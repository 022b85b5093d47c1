"""Loading a scenario: a TOML file (or a built-in one, by name) validated into a Scenario.

    load_scenario("baghdad-2022")           # a built-in scenario (raqib/scenario/builtin/)
    load_scenario("site/drill.toml")        # a file
    list_scenarios()                        # the built-in names

The file's format is in :mod:`raqib.scenario.spec` and README.md. Any problem raises
:class:`ScenarioError` naming the file, the key (``sensors[1] (id 'rf-1').pd``) and why.
The Scenario carries the model records the pipeline sees (site, zones, sensors,
authorisations) and, apart, what only the simulator may know (targets, sensor behaviour).
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from raqib.model import Authorisation, Sensor, Site, Zone
from raqib.scenario.spec import (
    RCS_DEFAULTS,
    SENSOR_DEFAULTS,
    ScenarioFile,
    SensorSpec,
    TargetSpec,
    ZoneSpec,
)

BUILTIN_PACKAGE = "raqib.scenario.builtin"


class ScenarioError(ValueError):
    """A scenario that cannot be loaded: ``source`` (file or name), ``key`` and ``reason``."""

    def __init__(self, source: str, key: str, reason: str) -> None:
        self.source = source
        self.key = key
        self.reason = reason
        super().__init__(f"{source}: {key}: {reason}" if key else f"{source}: {reason}")


class Scenario(msgspec.Struct, frozen=True, kw_only=True):
    """A validated scenario. ``sensor_specs[i]`` simulates ``sensors[i]`` (defaults filled in)."""

    name: str
    description: str
    start_epoch_s: float
    duration_s: float
    site: Site
    zones: tuple[Zone, ...]
    sensors: tuple[Sensor, ...]
    authorisations: tuple[Authorisation, ...]
    sensor_specs: tuple[SensorSpec, ...]
    targets: tuple[TargetSpec, ...]
    source: str = ""

    @property
    def hostile_ids(self) -> tuple[str, ...]:
        return tuple(target.id for target in self.targets if target.hostile)

    def target(self, target_id: str) -> TargetSpec:
        for target in self.targets:
            if target.id == target_id:
                return target
        raise KeyError(target_id)


def list_scenarios() -> list[str]:
    """The names of the built-in scenarios."""
    folder = resources.files(BUILTIN_PACKAGE)
    return sorted(item.name.removesuffix(".toml") for item in folder.iterdir() if item.name.endswith(".toml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a scenario file by path."""
    text = str(name_or_path)
    path = Path(text)
    if text.endswith(".toml") or path.is_file() or "/" in text:
        try:
            return loads_scenario(path.read_text(encoding="utf-8"), source=text)
        except OSError as error:
            raise ScenarioError(text, "", f"cannot read the file: {error.strerror or error}") from None
        except UnicodeDecodeError as error:
            raise ScenarioError(text, "", f"not UTF-8 text: {error}") from None
    resource = resources.files(BUILTIN_PACKAGE) / f"{text}.toml"
    if not resource.is_file():
        known = ", ".join(list_scenarios())
        raise ScenarioError(
            text, "", f"no such file, and no built-in scenario of that name (built-in: {known})"
        )
    return loads_scenario(resource.read_text(encoding="utf-8"), source=f"builtin:{text}")


def loads_scenario(text: str, source: str = "<string>") -> Scenario:
    """A scenario from the text of a TOML file; ``source`` names it in error messages."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(source, "", f"not valid TOML: {error}") from None
    try:
        spec = msgspec.convert(raw, ScenarioFile)
    except msgspec.ValidationError as error:
        key, reason = _locate(str(error), raw)
        raise ScenarioError(source, key, reason) from None
    _Checker(spec, source).check()
    return _build(spec, source)


_AT = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$")


def _locate(message: str, raw: dict[str, Any]) -> tuple[str, str]:
    """msgspec's ``... - at `$.sensors[0].lat``` as ("sensors[0] (id 'r1').lat", "...")."""
    match = _AT.match(message)
    assert match is not None
    what, path = match["what"], (match["path"] or "").lstrip(".")
    missing = re.match(r"Object (missing required|contains unknown) field `([^`]*)`", what)
    if missing:
        path = f"{path}.{missing[2]}" if path else missing[2]
        what = "required key is missing" if missing[1].startswith("missing") else "unknown key (a typo?)"
    return _name_items(path, raw), what[:1].lower() + what[1:]


def _name_items(path: str, raw: dict[str, Any]) -> str:
    """Adds an array item's id to its index in a key path, so the reader finds it."""
    parts = re.match(r"^(\w+)\[(\d+)\](.*)$", path)
    if not parts:
        return path
    table, index, rest = parts[1], int(parts[2]), parts[3]
    items = raw.get(table)
    if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
        item_id = items[index].get("id") or items[index].get("identity")
        if isinstance(item_id, str):
            return f"{table}[{index}] (id {item_id!r}){rest}"
    return path


class _Checker:
    """The rules that span keys: one shape per zone, one motion per target, ids unique."""

    def __init__(self, spec: ScenarioFile, source: str) -> None:
        self.spec = spec
        self.source = source

    def fail(self, key: str, reason: str) -> None:
        raise ScenarioError(self.source, key, reason)

    def check(self) -> None:
        header = self.spec.scenario
        if header.start_time.tzinfo is None or header.start_time.utcoffset() is None:
            self.fail("scenario.start_time", "must be UTC with its zone, e.g. 2022-01-03T01:30:00Z")
        self._unique("zones", [zone.id for zone in self.spec.zones])
        self._unique("sensors", [sensor.id for sensor in self.spec.sensors])
        self._unique("targets", [target.id for target in self.spec.targets])
        for index, zone in enumerate(self.spec.zones):
            self._zone(f"zones[{index}] (id {zone.id!r})", zone)
        for index, sensor in enumerate(self.spec.sensors):
            self._sensor(f"sensors[{index}] (id {sensor.id!r})", sensor)
        zone_ids = {zone.id for zone in self.spec.zones}
        for index, permit in enumerate(self.spec.authorisations):
            key = f"authorisations[{index}] (id {permit.identity!r})"
            for zone_id in permit.zone_ids:
                if zone_id not in zone_ids:
                    self.fail(f"{key}.zone_ids", f"no zone has id {zone_id!r}")
            if permit.from_s is not None and permit.until_s is not None and permit.until_s < permit.from_s:
                self.fail(f"{key}.until_s", "is before from_s")
        for index, target in enumerate(self.spec.targets):
            self._target(f"targets[{index}] (id {target.id!r})", target)

    def _unique(self, table: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for index, item_id in enumerate(ids):
            if item_id in seen:
                self.fail(f"{table}[{index}].id", f"{item_id!r} is used twice")
            seen.add(item_id)

    def _zone(self, key: str, zone: ZoneSpec) -> None:
        if (zone.polygon is None) == (zone.circle is None):
            self.fail(
                key, "needs exactly one of polygon = [[lat, lon], ...] or circle = {lat, lon, radius_m}"
            )
        if zone.polygon is not None and len(set(zone.polygon)) < 3:
            self.fail(f"{key}.polygon", "needs at least 3 distinct [lat, lon] points")
        if zone.ceiling_m <= zone.floor_m:
            self.fail(f"{key}.ceiling_m", f"must be above floor_m ({zone.floor_m})")

    def _sensor(self, key: str, sensor: SensorSpec) -> None:
        if sensor.max_range_m is not None and sensor.min_range_m >= sensor.max_range_m:
            self.fail(f"{key}.min_range_m", "must be below max_range_m")
        if sensor.elevation_max_deg <= sensor.elevation_min_deg:
            self.fail(f"{key}.elevation_max_deg", "must be above elevation_min_deg")
        if not 0.0 < sensor.azimuth_max_deg - sensor.azimuth_min_deg <= 360.0:
            self.fail(f"{key}.azimuth_max_deg", "must be above azimuth_min_deg, by at most 360 degrees")
        if sensor.clutter_rate > 0 and sensor.kind in ("adsb", "remoteid"):
            self.fail(f"{key}.clutter_rate", f"a {sensor.kind} receiver has no clutter")

    def _target(self, key: str, target: TargetSpec) -> None:
        motions = [name for name in ("path", "erratic", "ballistic") if getattr(target, name) is not None]
        if len(motions) != 1:
            self.fail(
                key, f"needs exactly one motion table of path, erratic, ballistic (has {motions or 'none'})"
            )
        if target.ballistic is not None and target.target_class != "rocket":
            self.fail(f"{key}.ballistic", 'only a rocket (class = "rocket") flies a ballistic path')
        if target.broadcasts and not target.identity:
            self.fail(f"{key}.identity", f"a target that broadcasts {', '.join(target.broadcasts)} needs one")
        if "remoteid" in target.broadcasts and target.operator is None:
            self.fail(f"{key}.operator", "a Remote ID broadcaster needs the operator's {lat, lon}")
        if target.start_time_s > self.spec.scenario.duration_s:
            self.fail(f"{key}.start_time_s", "is after the end of the scenario")
        if target.end_time_s is not None and target.end_time_s <= target.start_time_s:
            self.fail(f"{key}.end_time_s", "must be after start_time_s")
        if target.ballistic is not None:
            ballistic = target.ballistic
            if (ballistic.ballistic_coefficient_kg_m2 is None) == (ballistic.drag_per_m is None):
                self.fail(
                    f"{key}.ballistic", "needs exactly one of ballistic_coefficient_kg_m2 or drag_per_m"
                )
        if target.erratic is not None:
            erratic = target.erratic
            for name in ("alt_agl_m", "speed_ms"):
                low, high = getattr(erratic, name)
                if high < low:
                    self.fail(f"{key}.erratic.{name}", "must be [lowest, highest]")
        if target.path is not None and target.path.loop and len(target.path.waypoints) < 3:
            self.fail(f"{key}.path.loop", "a looping path needs at least 3 waypoints")


def _with_defaults(sensor: SensorSpec) -> SensorSpec:
    defaults = {
        key: value for key, value in SENSOR_DEFAULTS[sensor.kind].items() if getattr(sensor, key) is None
    }
    return msgspec.structs.replace(sensor, **defaults) if defaults else sensor


def _model_sensor(sensor: SensorSpec) -> Sensor:
    return Sensor(
        sensor_id=sensor.id,
        kind=sensor.kind,
        lat_deg=sensor.lat,
        lon_deg=sensor.lon,
        alt_m=sensor.alt,
        sigma_range_m=sensor.sigma_range_m,
        sigma_azimuth_deg=sensor.sigma_azimuth_deg,
        sigma_elevation_deg=sensor.sigma_elevation_deg,
        sigma_h_m=sensor.sigma_h_m,
        sigma_v_m=sensor.sigma_v_m,
        pd=sensor.pd,
        clutter_rate=sensor.clutter_rate if sensor.kind in ("radar", "rf") else None,
        max_range_m=sensor.max_range_m,
        period_s=sensor.period_s,
    )


def _model_zone(zone: ZoneSpec) -> Zone:
    common: dict[str, Any] = {
        "zone_id": zone.id,
        "name": zone.name or zone.id,
        "kind": zone.kind,
        "floor_m": zone.floor_m,
        "ceiling_m": zone.ceiling_m,
        "warn": zone.warn,
    }
    if zone.circle is not None:
        return Zone(
            center_lat_deg=zone.circle.lat,
            center_lon_deg=zone.circle.lon,
            radius_m=zone.circle.radius_m,
            **common,
        )
    ring = list(zone.polygon or ())
    if len(ring) > 3 and ring[0] == ring[-1]:
        ring = ring[:-1]  # a closed ring: the model's polygons are open
    return Zone(polygon=tuple(ring), **common)


def _with_rcs(target: TargetSpec) -> TargetSpec:
    if target.rcs_dbsm is not None:
        return target
    return msgspec.structs.replace(target, rcs_dbsm=RCS_DEFAULTS[target.target_class])


def _build(spec: ScenarioFile, source: str) -> Scenario:
    header = spec.scenario
    sensor_specs = tuple(_with_defaults(sensor) for sensor in spec.sensors)
    return Scenario(
        name=header.name,
        description=header.description.strip(),
        start_epoch_s=header.start_time.timestamp(),
        duration_s=header.duration_s,
        site=Site(lat_deg=spec.site.lat, lon_deg=spec.site.lon, alt_m=spec.site.alt, name=spec.site.name),
        zones=tuple(_model_zone(zone) for zone in spec.zones),
        sensors=tuple(_model_sensor(sensor) for sensor in sensor_specs),
        authorisations=tuple(
            Authorisation(
                identity=permit.identity,
                name=permit.name,
                operator_id=permit.operator_id,
                zone_ids=permit.zone_ids,
                from_s=permit.from_s,
                until_s=permit.until_s,
            )
            for permit in spec.authorisations
        ),
        sensor_specs=sensor_specs,
        targets=tuple(_with_rcs(target) for target in spec.targets),
        source=source,
    )
