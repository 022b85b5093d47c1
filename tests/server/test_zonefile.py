"""Zones as GeoJSON: round trips, clear errors that name the feature, nothing crashes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.model import Zone
from raqib.threat.zonefile import (
    ZoneFileError,
    load_zones,
    save_zones,
    validate_zone,
    zones_from_geojson,
    zones_to_geojson,
)
from tests.server.fakes import COMPOUND, TOWER


def test_polygon_and_circle_zones_survive_a_save_and_load(tmp_path: Path) -> None:
    path = tmp_path / "zones.geojson"
    save_zones(path, [COMPOUND, TOWER])
    assert load_zones(path) == [COMPOUND, TOWER]
    document = json.loads(path.read_text())
    polygon, circle = document["features"]
    assert polygon["geometry"]["type"] == "Polygon"
    ring = polygon["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] == [44.2400, 33.2660]  # GeoJSON order is [lon, lat], closed
    assert circle["geometry"] == {"type": "Point", "coordinates": [44.2300, 33.2600]}
    assert circle["properties"]["radius_m"] == 300.0


def _collection(*features: object) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": list(features)}


def _feature(**properties: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": {"id": "a", **properties},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[44.0, 33.0], [44.1, 33.0], [44.1, 33.1], [44.0, 33.0]]],
        },
    }


@pytest.mark.parametrize(
    ("feature", "reason"),
    [
        (_feature(kind="secret"), "kind must be one of"),
        (_feature(floor_m=500, ceiling_m=100), "must be above floor_m"),
        (_feature(id=""), "'id' must be a non-empty string"),
        (
            {
                "type": "Feature",
                "properties": {"id": "a"},
                "geometry": {"type": "Point", "coordinates": [44, 33]},
            },
            "positive radius_m",
        ),
        (
            {
                "type": "Feature",
                "properties": {"id": "a"},
                "geometry": {"type": "Polygon", "coordinates": [[[44, 33], [44, 95], [45, 33]]]},
            },
            "outside",
        ),
        (
            {
                "type": "Feature",
                "properties": {"id": "a"},
                "geometry": {"type": "Polygon", "coordinates": [[[44, 33], [45, 33], [44, 33]]]},
            },
            "3 distinct",
        ),
        (
            {
                "type": "Feature",
                "properties": {"id": "a"},
                "geometry": {"type": "LineString", "coordinates": []},
            },
            "Polygon or Point",
        ),
    ],
)
def test_a_bad_feature_is_named_with_the_reason(feature: dict[str, object], reason: str) -> None:
    with pytest.raises(ZoneFileError) as caught:
        zones_from_geojson(_collection(_feature(id="good"), feature), source="zones.geojson")
    assert caught.value.feature_index == 1
    assert reason in str(caught.value)
    assert str(caught.value).startswith("zones.geojson feature 1")


def test_with_on_error_the_good_zones_around_a_bad_one_are_kept() -> None:
    errors: list[ZoneFileError] = []
    features = _collection(
        _feature(id="one"), _feature(id="bad", kind="x"), _feature(id="two"), _feature(id="one")
    )
    zones = zones_from_geojson(features, on_error=errors.append)
    assert [z.zone_id for z in zones] == ["one", "two"]
    assert [(e.feature_index, e.zone_id) for e in errors] == [(1, "bad"), (3, "one")]
    assert "duplicate id" in str(errors[1])


def test_a_file_that_is_not_geojson_says_so(tmp_path: Path) -> None:
    path = tmp_path / "zones.geojson"
    path.write_text("{not json")
    with pytest.raises(ZoneFileError, match="not JSON"):
        load_zones(path)
    path.write_text('{"type": "Feature"}')
    with pytest.raises(ZoneFileError, match="not a GeoJSON FeatureCollection"):
        load_zones(path)
    with pytest.raises(ZoneFileError, match="can't read"):
        load_zones(tmp_path / "missing.geojson")


def test_validate_zone_rejects_a_zone_with_no_shape() -> None:
    with pytest.raises(ZoneFileError, match="needs a polygon"):
        validate_zone(Zone(zone_id="z", name="z"))
    assert validate_zone(COMPOUND) == COMPOUND


latitudes = st.floats(-89.0, 89.0, allow_nan=False)
longitudes = st.floats(-179.0, 179.0, allow_nan=False)
names = st.text(max_size=20)


@st.composite
def zones(draw: st.DrawFn) -> Zone:
    zone_id = draw(st.text(min_size=1, max_size=12).filter(str.strip))
    floor_m = draw(st.floats(-100, 1000, allow_nan=False))
    kind = draw(st.sampled_from(["protected", "restricted", "warning"]))
    common: dict[str, Any] = {
        "zone_id": zone_id,
        "name": draw(names),
        "kind": kind,
        "floor_m": floor_m,
        "ceiling_m": floor_m + draw(st.floats(1, 5000, allow_nan=False)),
        "warn": tuple(draw(st.lists(names, max_size=3))),
    }
    if draw(st.booleans()):
        ring = draw(st.lists(st.tuples(latitudes, longitudes), min_size=3, max_size=8, unique=True))
        if ring[0] == ring[-1]:
            ring = ring[:-1]
        if len(set(ring)) < 3:
            ring = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)]
        return Zone(polygon=tuple(ring), **common)
    return Zone(
        center_lat_deg=draw(latitudes),
        center_lon_deg=draw(longitudes),
        radius_m=draw(st.floats(0.5, 1e5, allow_nan=False)),
        **common,
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(zones(), max_size=4, unique_by=lambda z: z.zone_id))
def test_any_valid_zones_round_trip_through_geojson_text(zone_list: list[Zone]) -> None:
    text = json.dumps(zones_to_geojson(zone_list))
    assert zones_from_geojson(json.loads(text)) == zone_list


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        json_values
        | st.fixed_dictionaries(
            {"type": st.just("Feature"), "properties": json_values, "geometry": json_values}
        ),
        max_size=4,
    )
)
def test_any_json_features_are_read_or_reported_never_crash(features: list[object]) -> None:
    errors: list[ZoneFileError] = []
    good = zones_from_geojson(_collection(*features), on_error=errors.append)
    assert len(good) + len(errors) == len(features)
