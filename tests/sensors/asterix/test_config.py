"""AsterixConfig: editions pinned per category, sources, and the registry entry."""

from __future__ import annotations

import msgspec
import pytest

from raqib.sensors.asterix import AsterixConfig, AsterixDecoder, available_editions, latest_edition
from raqib.sensors.base import DECODERS
from tests.sensors.asterix.builders import RADAR


def test_registered_as_asterix() -> None:
    assert DECODERS["asterix"] is AsterixDecoder
    decoder = DECODERS["asterix"](RADAR)
    assert decoder.feed == "asterix:radar-1"


def test_default_editions_are_the_newest_libasterix_has() -> None:
    config = AsterixConfig(sensor=RADAR)
    assert config.edition(48) == latest_edition(48) == available_editions(48)[-1]
    assert {c: config.edition(c) for c in (21, 34, 48, 62)} == {21: "2.7", 34: "1.29", 48: "1.32", 62: "1.21"}


def test_editions_are_configurable_per_category() -> None:
    config = AsterixConfig(sensor=RADAR, editions={"48": "1.31", "62": "1.18"})
    assert (config.edition(48), config.edition(62), config.edition(34)) == ("1.31", "1.18", "1.29")


@pytest.mark.parametrize(
    "options",
    [
        {"editions": {"48": "9.99"}},
        {"editions": {"65": "1.6"}},
        {"editions": {"cat48": "1.31"}},
        {"sac": 25},
        {"system_ref_lat_deg": 45.0},
    ],
)
def test_bad_configuration_is_refused_at_load(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        AsterixConfig(sensor=RADAR, **options)  # type: ignore[arg-type]


def test_loads_from_a_site_file_structure() -> None:
    raw = {
        "sensor": msgspec.to_builtins(RADAR),
        "sac": 25,
        "sic": 201,
        "editions": {"48": "1.31"},
    }
    config = msgspec.convert(raw, AsterixConfig)
    assert config.accepts(25, 201) and not config.accepts(25, 13)
    assert config.sensor == RADAR


def test_config_and_sensor_must_agree() -> None:
    other = msgspec.structs.replace(RADAR, sensor_id="other")
    with pytest.raises(ValueError):
        AsterixDecoder(RADAR, config=AsterixConfig(sensor=other))
    decoder = AsterixDecoder.from_config(AsterixConfig(sensor=other))
    assert decoder.sensor.sensor_id == "other"
