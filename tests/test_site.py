"""The site file: origin, zones, authorisations and feeds from TOML, every mistake named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.sensors.formats import decoder_class
from raqib.sensors.jsonl import JsonlDecoder
from raqib.site import SiteConfig, SiteError, decoder_options, load_site, make_decoder, parse_site

SITE_TOML = """
[site]
name = "Example airfield"
lat = 52.0
lon = 4.5
alt = 10.0
zones_file = "zones.geojson"

[live]
window_s = 0.3
step_s = 0.1

[[zones]]
id = "runway"
name = "Runway"
kind = "protected"
polygon = [[52.0, 4.5], [52.01, 4.5], [52.01, 4.52]]
ceiling_m = 500.0
warn = ["tower"]

[[zones]]
id = "hq"
name = "Headquarters"
center = [52.002, 4.503]
radius_m = 300.0

[[authorisations]]
identity = "1581F5FJD239C00DW22E"
name = "Survey drone"
zone_ids = ["runway"]
from_s = 1700000000
until_s = 1800000000

[[feeds]]
format = "jsonl"
transport = "udp"
address = "127.0.0.1"
port = 47001
[feeds.sensor]
id = "cam-1"
kind = "eo"
lat = 52.001
lon = 4.501
alt = 15.0
sigma_azimuth_deg = 0.5
period_s = 0.2
[feeds.options]
sensors = ["cam-2"]

[[feeds]]
name = "cam-replay"
format = "jsonl"
transport = "file"
path = "recordings/cam.jsonl"
pace = "fast"
expected_period_s = 4.0
[feeds.sensor]
id = "cam-3"
kind = "eo"
lat = 52.0
lon = 4.5
alt = 12.0
"""

ZONES_GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"id": "tower", "name": "Tower", "kind": "warning", "radius_m": 100.0},
            "geometry": {"type": "Point", "coordinates": [4.51, 52.005]},
        }
    ],
}


def write_site(tmp_path: Path, text: str = SITE_TOML) -> Path:
    (tmp_path / "zones.geojson").write_text(json.dumps(ZONES_GEOJSON))
    path = tmp_path / "site.toml"
    path.write_text(text)
    return path


def test_a_full_site_file_is_read(tmp_path: Path) -> None:
    config = load_site(write_site(tmp_path))
    assert config.site.name == "Example airfield"
    assert (config.site.lat_deg, config.site.lon_deg, config.site.alt_m) == (52.0, 4.5, 10.0)
    assert [z.zone_id for z in config.zones] == ["tower", "runway", "hq"]
    runway = config.zones[1]
    assert runway.polygon == ((52.0, 4.5), (52.01, 4.5), (52.01, 4.52))
    assert runway.ceiling_m == 500.0 and runway.warn == ("tower",)
    hq = config.zones[2]
    assert (hq.center_lat_deg, hq.center_lon_deg, hq.radius_m) == (52.002, 4.503, 300.0)
    (auth,) = config.authorisations
    assert auth.identity == "1581F5FJD239C00DW22E" and auth.zone_ids == ("runway",)
    assert auth.from_s == 1700000000.0
    assert config.live.window_s == 0.3 and config.live.step_s == 0.1
    udp, replay = config.feeds
    assert udp.name == "cam-1"  # defaults to the sensor id
    assert (udp.format, udp.transport, udp.address, udp.port) == ("jsonl", "udp", "127.0.0.1", 47001)
    assert udp.sensor.sigma_azimuth_deg == 0.5 and udp.expected_period_s == 0.2
    assert udp.is_datagram and not replay.is_datagram
    assert replay.path == tmp_path / "recordings" / "cam.jsonl"
    assert replay.pace == "fast" and replay.expected_period_s == 4.0
    assert [s.sensor_id for s in config.sensors] == ["cam-1", "cam-3"]


def test_make_decoder_passes_options_and_frames_udp_as_datagrams(tmp_path: Path) -> None:
    config = load_site(write_site(tmp_path))
    udp, replay = config.feeds
    decoder = make_decoder(udp)
    assert isinstance(decoder, JsonlDecoder)
    assert decoder.datagrams and decoder.accepted_sensors == {"cam-1", "cam-2"}
    assert decoder.feed == "cam-1"
    assert not make_decoder(replay).datagrams  # type: ignore[attr-defined]
    assert make_decoder(udp) is not decoder  # a fresh one each time


def test_without_zones_or_feeds_a_site_is_still_a_site() -> None:
    config = parse_site("[site]\nlat = 1.5\nlon = 2.5\nalt = 3\n")
    assert config == SiteConfig(site=config.site, source="<site>")
    assert config.live.window_s == 0.5


def problem(text: str, tmp_path: Path | None = None) -> SiteError:
    with pytest.raises(SiteError) as caught:
        if tmp_path is None:
            parse_site(text, source="site.toml")
        else:
            load_site(write_site(tmp_path, text))
    return caught.value


FEED = """
[[feeds]]
format = "jsonl"
transport = "{transport}"
{extra}
[feeds.sensor]
id = "s1"
kind = "radar"
lat = 1.0
lon = 2.0
alt = 3.0
"""
SITE = "[site]\nlat = 1.0\nlon = 2.0\nalt = 0.0\n"


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("[site]\nlat = 1\n", "site.lon", "is required"),
        ("[site]\nlat = 91\nlon = 0\nalt = 0\n", "site", "not a position"),
        ('[site]\nlat = "north"\nlon = 0\nalt = 0\n', "site.lat", "finite number"),
        ("[sight]\nlat = 1\n", "sight", "unknown section"),
        ("lat = [", "", "not valid TOML"),
        (SITE + "[live]\nstep_s = 0\n", "live.step_s", "positive"),
        (SITE + "[live]\nwindow = 1\n", "live.window", "unknown setting"),
        (SITE + FEED.format(transport="carrier-pigeon", extra=""), "feeds[0].transport", "must be one of"),
        (SITE + FEED.format(transport="tcp-client", extra='address = "h"'), "feeds[0].port", "is required"),
        (
            SITE + FEED.format(transport="tcp-client", extra="port = 30003"),
            "feeds[0].address",
            "host to connect",
        ),
        (
            SITE + FEED.format(transport="udp-multicast", extra="port = 1"),
            "feeds[0].address",
            "multicast group",
        ),
        (SITE + FEED.format(transport="udp", extra="port = 70000"), "feeds[0].port", "0..65535"),
        (SITE + FEED.format(transport="file", extra=""), "feeds[0].path", "is required"),
        (
            SITE + FEED.format(transport="file", extra='path = "x"\npace = "slow"'),
            "feeds[0].pace",
            "must be one of",
        ),
        (SITE + FEED.format(transport="udp", extra="colour = 1"), "feeds[0].colour", "unknown setting"),
        (
            SITE + FEED.format(transport="udp", extra="[feeds.options]\nbogus = 1"),
            "feeds[0].options",
            "refused",
        ),
        (SITE + FEED.format(transport="udp", extra="") * 2, "feeds", "two feeds are named 's1'"),
        (
            SITE + FEED.format(transport="udp", extra="").replace("alt = 3.0\n", ""),
            "feeds[0].sensor.alt",
            "required",
        ),
        (
            SITE + FEED.format(transport="udp", extra="").replace('"radar"', '"radar"\nspeed = 2'),
            "feeds[0].sensor.speed",
            "unknown sensor field",
        ),
        (
            SITE + FEED.format(transport="udp", extra="").replace("lat = 1.0", 'lat = "x"'),
            "feeds[0].sensor",
            "Expected `float`",
        ),
        (SITE + "[[zones]]\nid = 'a'\nradius_m = 5\n", "zones[0]", "needs a polygon"),
        (SITE + "[[zones]]\nid = 'a'\npolygon = [[1, 2], [1, 3]]\n", "zones[0]", "3 distinct"),
        (SITE + "[[zones]]\nid = 'a'\ncenter = [1, 2]\nradius_m = -5\n", "zones[0]", "positive radius_m"),
        (SITE + "[[zones]]\nid = 'a'\ncenter = [1, 2]\nradius_m = 5\n" * 2, "zones[1]", "duplicate id"),
        (SITE + "[[authorisations]]\nname = 'no identity'\n", "authorisations[0]", "identity"),
        ("feeds = 3\n" + SITE, "feeds", "array of tables"),
        (SITE + "feeds = 3\n", "site.feeds", "unknown setting"),
        (SITE + "[tracker]\nassociation = 'mht'\n", "tracker.association", "must be one of gnn, jpda"),
        (SITE + "[tracker]\ngate = 0.99\n", "tracker.gate", "unknown setting"),
    ],
)
def test_each_mistake_is_named_by_its_key(text: str, key: str, words: str) -> None:
    error = problem(text)
    assert error.source == "site.toml"
    assert error.key == key
    assert words in error.reason, error.reason
    assert str(error).startswith("site.toml: ")


def test_an_unknown_format_lists_the_known_ones() -> None:
    error = problem(SITE + FEED.format(transport="udp", extra="").replace('"jsonl"', '"morse"'))
    assert error.key == "feeds[0].format"
    assert "'morse'" in error.reason and "jsonl" in error.reason


def test_a_broken_zones_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text("[site]\nlat = 1.0\nlon = 2.0\nalt = 0.0\nzones_file = 'missing.geojson'\n")
    with pytest.raises(SiteError) as caught:
        load_site(path)
    assert caught.value.key == "site.zones_file" and "missing.geojson" in caught.value.reason


def test_an_unreadable_site_file_is_a_site_error(tmp_path: Path) -> None:
    with pytest.raises(SiteError, match="can't read"):
        load_site(tmp_path / "absent.toml")


def test_decoder_class_finds_registered_formats() -> None:
    assert decoder_class("jsonl") is JsonlDecoder
    with pytest.raises(KeyError, match="no decoder for format 'nope'"):
        decoder_class("nope")


toml_values = st.recursive(
    st.none().map(lambda _: "")
    | st.booleans()
    | st.integers(-(2**31), 2**31)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)
keys = st.sampled_from(
    ["site", "live", "zones", "feeds", "authorisations", "lat", "lon", "alt", "sensor", "port"]
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(keys | st.text(max_size=5), toml_values, max_size=5), st.booleans())
def test_any_toml_document_either_loads_or_raises_site_error(
    document: dict[str, Any], with_site: bool
) -> None:
    if with_site:
        document = {**document, "site": {"lat": 1.0, "lon": 2.0, "alt": 0.0}}
    try:
        text = tomli_w.dumps(document)
    except (TypeError, ValueError):
        return
    try:
        config = parse_site(text, source="fuzz.toml")
    except SiteError as error:
        assert error.source == "fuzz.toml" and error.reason
    else:
        assert isinstance(config, SiteConfig)


def feed_with(fmt: str, options: str, transport: str = "udp", extra: str = "", kind: str = "radar") -> str:
    feed = FEED.format(transport=transport, extra=extra).replace('"jsonl"', f'"{fmt}"')
    return SITE + feed.replace('"radar"', f'"{kind}"') + f"[feeds.options]\n{options}\n"


def test_asterix_options_become_its_config_with_the_feeds_sensor() -> None:
    config = parse_site(feed_with("asterix", 'sac = 25\nsic = 201\neditions = {"48" = "1.31"}'))
    decoder: Any = make_decoder(config.feeds[0])
    assert (decoder.config.sac, decoder.config.sic) == (25, 201)
    assert decoder.config.editions == {"48": "1.31"}
    assert decoder.config.sensor == config.feeds[0].sensor


def test_a_decoder_config_refuses_what_it_does_not_know_or_allow() -> None:
    error = problem(feed_with("asterix", "sac = 25"))
    assert error.key == "feeds[0].options" and "sac and sic" in error.reason
    error = problem(feed_with("asterix", 'editions = {"48" = "9.9"}'))
    assert "9.9" in error.reason
    error = problem(feed_with("beast", "colour = 'red'", "tcp-client", "address = 'h'\nport = 1"))
    assert "unknown option 'colour'" in error.reason and "max_speed_ms" in error.reason


def test_ads_b_keyword_and_config_options_are_told_apart() -> None:
    config = parse_site(
        feed_with(
            "beast",
            'clock = "gps"\nmax_speed_ms = 300.0',
            "tcp-client",
            "address = 'h'\nport = 30005",
            kind="adsb",
        )
    )
    decoder: Any = make_decoder(config.feeds[0])
    assert decoder.clock.kind == "gps"
    assert decoder.table.config.max_speed_ms == 300.0


def test_sapient_node_ids_name_their_detections_after_the_feeds_sensor() -> None:
    node = "5f1c2a9e-1d2b-4c3d-8e4f-0a1b2c3d4e5f"
    config = parse_site(
        feed_with(
            "sapient",
            f'node_ids = ["{node}"]\nmagnetic_declination_deg = 2.5',
            "tcp-server",
        )
    )
    options = decoder_options(config.feeds[0])
    assert options["config"].node_sensors == {node: config.feeds[0].sensor}
    assert options["config"].magnetic_declination_deg == 2.5


def test_the_tracker_table_chooses_the_association() -> None:
    assert parse_site(SITE, source="site.toml").tracker_association == "gnn"
    chosen = parse_site(SITE + "[tracker]\nassociation = 'jpda'\n", source="site.toml")
    assert chosen.tracker_association == "jpda"
