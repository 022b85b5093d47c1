"""The site file: one TOML file that says where the site is, what to protect and where the
sensors' data comes from.

    [site]                       # the origin of east-north-up coordinates
    name = "Example airfield"
    lat = 52.0                   # degrees (WGS84)
    lon = 4.5
    alt = 10.0                   # metres above the ellipsoid
    zones_file = "zones.geojson" # optional, relative to this file (GeoJSON, see threat.zonefile)

    [live]                       # optional: the live runner's timing
    window_s = 0.5               # reordering window (late data within it is sorted by time)
    step_s = 0.25                # one pipeline step per slice

    [tracker]                    # optional
    association = "gnn"          # gnn (global nearest neighbour) | jpda (soft weights in
                                 # clusters where several tracks compete for several plots)

    [[zones]]                    # optional, beside or instead of zones_file
    id = "runway"
    name = "Runway"
    kind = "protected"           # protected | restricted | warning
    polygon = [[52.0, 4.5], [52.01, 4.5], [52.01, 4.52]]   # [lat, lon] pairs
    # or: center = [52.0, 4.5] and radius_m = 300
    floor_m = 0.0
    ceiling_m = 500.0
    warn = ["tower"]

    [[authorisations]]           # cooperative identities allowed to fly (model.Authorisation)
    identity = "1581F5FJD239C00DW22E"
    name = "Survey drone"
    zone_ids = ["runway"]

    [outputs]                    # optional: who is warned, and how (see raqib.outputs.config)
    # [[outputs.channels]] name = "tower", kind = "cot-udp", address = "239.2.3.1", port = 6969

    [[feeds]]
    name = "adsb"                # unique; names the feed in messages (default: the sensor id)
    format = "beast"             # a registered decoder: beast, sbs, raw, asterix, jsonl, ...
    transport = "tcp-client"     # udp | udp-multicast | tcp-client | tcp-server | file | pcap
    address = "127.0.0.1"        # host to connect to, address to bind, or multicast group
    port = 30005
    interface = "192.168.1.10"   # udp-multicast: the interface to join on (address or name)
    path = "capture.pcap"        # file, pcap: relative to this file
    pace = "recorded"            # file, pcap: "recorded" (real time, shifted to start now) or
                                 # "fast" (for tests: the live runner drops what is ahead of its clock)
    speed = 1.0                  # file, pcap: replay speed with pace = "recorded"
    expected_period_s = 1.0      # how often the sensor should speak (health); default period_s
    queue_size = 1024            # chunks held before new ones are dropped (and counted)
    reconnect_min_s = 0.5        # tcp-client: first wait before reconnecting, doubled up to ...
    reconnect_max_s = 30.0       # ... this
    idle_timeout_s = 60.0        # tcp-client: reconnect after this long without data (default: never)
    [feeds.sensor]               # the sensor's record, named as in a CONTRACT.md sensor line
    id = "adsb-1"
    kind = "adsb"
    lat = 52.0
    lon = 4.5
    alt = 12.0
    sigma_h_m = 30.0
    [feeds.options]              # passed to the decoder as keyword arguments
    # e.g. asterix: sac = 25, sic = 10, editions = {"48" = "1.32"}
    # (tcp-client, tcp-server and file transports read ASTERIX and JSON Lines as a stream,
    # whose reads may end inside a block or line; the others as whole datagrams; an ASTERIX
    # stream waits for a cut block of up to max_stream_block_bytes = 8192, up to 65535)

Every problem is reported as a :class:`SiteError` naming the file and the key.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import msgspec

from raqib.model import Authorisation, Sensor, Site, Zone
from raqib.outputs.config import OutputsConfig, OutputsConfigError, parse_outputs
from raqib.sensors.base import Decoder, ErrorSink
from raqib.sensors.formats import decoder_class, decoder_kwargs
from raqib.tracking import ASSOCIATIONS

TRANSPORTS = ("udp", "udp-multicast", "tcp-client", "tcp-server", "file", "pcap")
DATAGRAM_TRANSPORTS = frozenset({"udp", "udp-multicast", "pcap"})
PACES = ("recorded", "fast")


class SiteError(ValueError):
    """A site file that can't be used: ``source`` (the file), ``key`` (where in it) and why."""

    def __init__(self, source: str, key: str, reason: str) -> None:
        super().__init__(f"{source}: {key}: {reason}" if key else f"{source}: {reason}")
        self.source = source
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class LiveConfig:
    """Timing of the live runner (see raqib.live for the reordering rule)."""

    window_s: float = 0.5
    step_s: float = 0.25
    max_future_s: float = 5.0  # detections stamped further ahead of the clock are dropped
    max_buffered: int = 100_000


@dataclass(frozen=True)
class FeedConfig:
    """One feed: where its bytes come from, how to decode them, and the sensor behind them."""

    name: str
    format: str
    transport: str
    sensor: Sensor
    address: str = ""
    port: int = 0
    interface: str = ""
    path: Path | None = None
    pace: str = "recorded"
    speed: float = 1.0
    expected_period_s: float = 1.0
    queue_size: int = 1024
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0
    idle_timeout_s: float | None = None
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_datagram(self) -> bool:
        return self.transport in DATAGRAM_TRANSPORTS


@dataclass(frozen=True)
class SiteConfig:
    site: Site
    zones: tuple[Zone, ...] = ()
    authorisations: tuple[Authorisation, ...] = ()
    feeds: tuple[FeedConfig, ...] = ()
    live: LiveConfig = LiveConfig()
    outputs: OutputsConfig = field(default_factory=OutputsConfig)
    source: str = ""
    tracker_association: str = "gnn"  # raqib.tracking.ASSOCIATIONS

    @property
    def sensors(self) -> tuple[Sensor, ...]:
        """Every feed's sensor, once each, in feed order."""
        unique: dict[str, Sensor] = {}
        for feed in self.feeds:
            unique.setdefault(feed.sensor.sensor_id, feed.sensor)
        return tuple(unique.values())


def load_site(path: str | Path) -> SiteConfig:
    """Read and check a site file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteError(source, "", f"can't read: {exc}") from exc
    return parse_site(text, source=source, base_dir=Path(path).resolve().parent)


def parse_site(text: str, *, source: str = "<site>", base_dir: Path | None = None) -> SiteConfig:
    """A site file's text to a SiteConfig; relative paths are taken from ``base_dir``."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SiteError(source, "", f"not valid TOML: {exc}") from exc
    return _Reader(source, base_dir or Path.cwd()).site_config(document)


def make_decoder(feed: FeedConfig, on_error: ErrorSink | None = None) -> Decoder:
    """A fresh decoder for one feed (a new one per TCP connection: framing state is per stream)."""
    cls = decoder_class(feed.format)
    return cls(feed.sensor, feed=feed.name, on_error=on_error, **decoder_options(feed))


def decoder_options(feed: FeedConfig) -> dict[str, Any]:
    """The feed's options as its decoder's keyword arguments (see raqib.sensors.formats).

    How the transport cuts the bytes decides the framing: JSON Lines over UDP are whole
    datagrams, and ASTERIX over TCP or from a file is a stream whose reads can end inside a
    block."""
    options = dict(feed.options)
    if feed.format == "jsonl" and feed.is_datagram:
        options.setdefault("datagrams", True)
    if feed.format == "asterix" and not feed.is_datagram:
        options.setdefault("stream", True)
    return decoder_kwargs(decoder_class(feed.format), feed.sensor, options)


class _Reader:
    """Walks the parsed TOML, turning each table into a record and each problem into a SiteError."""

    def __init__(self, source: str, base_dir: Path) -> None:
        self.source = source
        self.base_dir = base_dir

    def fail(self, key: str, reason: str) -> SiteError:
        return SiteError(self.source, key, reason)

    def table(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table, not {type(value).__name__}")
        return value

    def tables(self, document: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = document.get(key, [])
        if not isinstance(value, list):
            raise self.fail(key, f"must be an array of tables ([[{key}]])")
        return [self.table(item, f"{key}[{index}]") for index, item in enumerate(value)]

    def number(
        self,
        table: dict[str, Any],
        name: str,
        key: str,
        default: float | None = None,
        *,
        positive: bool = False,
    ) -> float:
        value = table.get(name, default)
        if value is None:
            raise self.fail(f"{key}.{name}", "is required")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.fail(f"{key}.{name}", f"must be a finite number, not {value!r}")
        if positive and value <= 0:
            raise self.fail(f"{key}.{name}", f"must be positive, not {value!r}")
        return float(value)

    def text(self, table: dict[str, Any], name: str, key: str, default: str | None = None) -> str:
        value = table.get(name, default)
        if value is None:
            raise self.fail(f"{key}.{name}", "is required")
        if not isinstance(value, str):
            raise self.fail(f"{key}.{name}", f"must be a string, not {value!r}")
        return value

    def site_config(self, document: dict[str, Any]) -> SiteConfig:
        unknown = set(document) - {"site", "live", "tracker", "zones", "authorisations", "feeds", "outputs"}
        if unknown:
            raise self.fail(sorted(unknown)[0], "unknown section")
        if "site" not in document:
            raise self.fail("site", "is required (the site's lat, lon and alt)")
        site_table = self.table(document["site"], "site")
        site = self.site(site_table)
        zones = self.zones(site_table, document)
        feed_tables = self.tables(document, "feeds")
        feeds = tuple(self.feed(table, f"feeds[{i}]") for i, table in enumerate(feed_tables))
        names = [feed.name for feed in feeds]
        for name in names:
            if names.count(name) > 1:
                raise self.fail("feeds", f"two feeds are named {name!r}; give each a unique name")
        return SiteConfig(
            site=site,
            zones=zones,
            authorisations=self.authorisations(document),
            feeds=feeds,
            live=self.live(document.get("live", {})),
            outputs=self.outputs(document.get("outputs", {})),
            source=self.source,
            tracker_association=self.tracker_association(document.get("tracker", {})),
        )

    def tracker_association(self, value: Any) -> str:
        table = self.table(value, "tracker")
        unknown = set(table) - {"association"}
        if unknown:
            raise self.fail(f"tracker.{sorted(unknown)[0]}", "unknown setting (association)")
        association = table.get("association", "gnn")
        if association not in ASSOCIATIONS:
            choices = ", ".join(ASSOCIATIONS)
            raise self.fail("tracker.association", f"must be one of {choices}, not {association!r}")
        return str(association)

    def outputs(self, table: Any) -> OutputsConfig:
        try:
            return parse_outputs(self.table(table, "outputs"), base_dir=self.base_dir)
        except OutputsConfigError as exc:
            raise self.fail(f"outputs.{exc.key}" if exc.key else "outputs", exc.reason) from exc

    def site(self, table: dict[str, Any]) -> Site:
        unknown = set(table) - {"name", "lat", "lon", "alt", "zones_file"}
        if unknown:
            raise self.fail(f"site.{sorted(unknown)[0]}", "unknown setting (name, lat, lon, alt, zones_file)")
        lat = self.number(table, "lat", "site")
        lon = self.number(table, "lon", "site")
        if not -90 <= lat <= 90 or not -180 <= lon <= 180:
            raise self.fail("site", f"lat {lat}, lon {lon} is not a position on Earth")
        return Site(
            lat_deg=lat,
            lon_deg=lon,
            alt_m=self.number(table, "alt", "site"),
            name=self.text(table, "name", "site", ""),
        )

    def zones(self, site_table: dict[str, Any], document: dict[str, Any]) -> tuple[Zone, ...]:
        from raqib.threat.zonefile import ZoneFileError, load_zones, zones_from_geojson

        zones: list[Zone] = []
        if "zones_file" in site_table:
            path = self.path(self.text(site_table, "zones_file", "site"))
            try:
                zones.extend(load_zones(path))
            except ZoneFileError as exc:
                raise self.fail("site.zones_file", str(exc)) from exc
        features = [
            self.zone_feature(table, f"zones[{i}]") for i, table in enumerate(self.tables(document, "zones"))
        ]
        try:
            zones.extend(
                zones_from_geojson({"type": "FeatureCollection", "features": features}, source="zones")
            )
        except ZoneFileError as exc:
            raise self.fail(f"zones[{exc.feature_index}]", exc.reason) from exc
        ids = [zone.zone_id for zone in zones]
        for zone_id in ids:
            if ids.count(zone_id) > 1:
                raise self.fail("zones", f"zone id {zone_id!r} is defined twice")
        return tuple(zones)

    def zone_feature(self, table: dict[str, Any], key: str) -> dict[str, Any]:
        """An inline zone as the GeoJSON feature the zones file would hold, so both are checked alike."""
        properties = {name: value for name, value in table.items() if name not in ("polygon", "center")}
        if "polygon" in table:
            ring = table["polygon"]
            if not isinstance(ring, list) or not all(isinstance(p, list) and len(p) == 2 for p in ring):
                raise self.fail(f"{key}.polygon", "must be a list of [lat, lon] pairs")
            geometry = {"type": "Polygon", "coordinates": [[[p[1], p[0]] for p in ring]]}
        elif "center" in table:
            center = table["center"]
            if not isinstance(center, list) or len(center) != 2:
                raise self.fail(f"{key}.center", "must be [lat, lon]")
            geometry = {"type": "Point", "coordinates": [center[1], center[0]]}
        else:
            raise self.fail(key, "needs a polygon, or a center and radius_m")
        return {"type": "Feature", "properties": properties, "geometry": geometry}

    def authorisations(self, document: dict[str, Any]) -> tuple[Authorisation, ...]:
        result = []
        for index, table in enumerate(self.tables(document, "authorisations")):
            try:
                result.append(msgspec.convert(table, Authorisation))
            except msgspec.ValidationError as exc:
                raise self.fail(f"authorisations[{index}]", str(exc)) from exc
        return tuple(result)

    def live(self, value: Any) -> LiveConfig:
        table = self.table(value, "live")
        defaults = LiveConfig()
        unknown = set(table) - {"window_s", "step_s", "max_future_s", "max_buffered"}
        if unknown:
            raise self.fail(f"live.{sorted(unknown)[0]}", "unknown setting")
        window_s = self.number(table, "window_s", "live", defaults.window_s)
        if window_s < 0:
            raise self.fail("live.window_s", "must not be negative")
        return LiveConfig(
            window_s=window_s,
            step_s=self.number(table, "step_s", "live", defaults.step_s, positive=True),
            max_future_s=self.number(table, "max_future_s", "live", defaults.max_future_s, positive=True),
            max_buffered=int(
                self.number(table, "max_buffered", "live", defaults.max_buffered, positive=True)
            ),
        )

    def path(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    def sensor(self, value: Any, key: str) -> Sensor:
        table = dict(self.table(value, key))
        renamed = {"id": "sensor_id", "lat": "lat_deg", "lon": "lon_deg", "alt": "alt_m"}
        for old, new in renamed.items():
            if old in table:
                table[new] = table.pop(old)
        for required in ("sensor_id", "kind", "lat_deg", "lon_deg", "alt_m"):
            if required not in table:
                name = next((old for old, new in renamed.items() if new == required), required)
                raise self.fail(f"{key}.{name}", "is required")
        unknown = set(table) - set(Sensor.__struct_fields__)
        if unknown:
            raise self.fail(f"{key}.{sorted(unknown)[0]}", "unknown sensor field")
        try:
            sensor = msgspec.convert(table, Sensor)
        except msgspec.ValidationError as exc:
            raise self.fail(key, str(exc).replace("`$.", "`")) from exc
        if not -90 <= sensor.lat_deg <= 90 or not -180 <= sensor.lon_deg <= 180:
            raise self.fail(key, f"lat {sensor.lat_deg}, lon {sensor.lon_deg} is not a position on Earth")
        return sensor

    def feed(self, table: dict[str, Any], key: str) -> FeedConfig:
        known = {
            "name",
            "format",
            "transport",
            "address",
            "port",
            "interface",
            "path",
            "pace",
            "speed",
            "expected_period_s",
            "queue_size",
            "reconnect_min_s",
            "reconnect_max_s",
            "idle_timeout_s",
            "sensor",
            "options",
        }
        unknown = set(table) - known
        if unknown:
            names = ", ".join(sorted(known))
            raise self.fail(f"{key}.{sorted(unknown)[0]}", f"unknown setting (known: {names})")
        if "sensor" not in table:
            raise self.fail(f"{key}.sensor", "is required (id, kind, lat, lon, alt of the sensor)")
        sensor = self.sensor(table["sensor"], f"{key}.sensor")
        transport = self.text(table, "transport", key)
        if transport not in TRANSPORTS:
            raise self.fail(f"{key}.transport", f"must be one of {', '.join(TRANSPORTS)}, not {transport!r}")
        feed = FeedConfig(
            name=self.text(table, "name", key, sensor.sensor_id),
            format=self.text(table, "format", key),
            transport=transport,
            sensor=sensor,
            address=self.text(table, "address", key, ""),
            port=self.port(table, key),
            interface=self.text(table, "interface", key, ""),
            path=self.path(self.text(table, "path", key)) if "path" in table else None,
            pace=self.text(table, "pace", key, "recorded"),
            speed=self.number(table, "speed", key, 1.0, positive=True),
            expected_period_s=self.number(
                table, "expected_period_s", key, sensor.period_s or 1.0, positive=True
            ),
            queue_size=int(self.number(table, "queue_size", key, 1024, positive=True)),
            reconnect_min_s=self.number(table, "reconnect_min_s", key, 0.5, positive=True),
            reconnect_max_s=self.number(table, "reconnect_max_s", key, 30.0, positive=True),
            idle_timeout_s=(
                self.number(table, "idle_timeout_s", key, positive=True)
                if "idle_timeout_s" in table
                else None
            ),
            options=MappingProxyType(dict(self.table(table.get("options", {}), f"{key}.options"))),
        )
        self.check_transport(feed, key)
        self.check_decoder(feed, key)
        return feed

    def port(self, table: dict[str, Any], key: str) -> int:
        value = table.get("port", 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
            raise self.fail(f"{key}.port", f"must be an integer 0..65535, not {value!r}")
        return value

    def check_transport(self, feed: FeedConfig, key: str) -> None:
        if feed.pace not in PACES:
            raise self.fail(f"{key}.pace", f"must be one of {', '.join(PACES)}, not {feed.pace!r}")
        if feed.transport in ("file", "pcap"):
            if feed.path is None:
                raise self.fail(f"{key}.path", f"is required for transport {feed.transport!r}")
            return
        if feed.transport in ("udp-multicast", "tcp-client") and not feed.address:
            what = "the multicast group" if feed.transport == "udp-multicast" else "the host to connect to"
            raise self.fail(f"{key}.address", f"is required for transport {feed.transport!r} ({what})")
        if feed.transport in ("udp-multicast", "tcp-client") and feed.port == 0:
            raise self.fail(f"{key}.port", f"is required for transport {feed.transport!r}")

    def check_decoder(self, feed: FeedConfig, key: str) -> None:
        try:
            make_decoder(feed)
        except KeyError as exc:
            raise self.fail(f"{key}.format", str(exc.args[0])) from exc
        except (TypeError, ValueError) as exc:
            raise self.fail(f"{key}.options", f"decoder {feed.format!r} refused its options: {exc}") from exc
