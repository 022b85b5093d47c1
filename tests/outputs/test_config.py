"""The [outputs] section of a site file: the documented example reads as documented, and every
mistake names its key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import raqib.outputs.config as config_module
from raqib.outputs import OutputDispatcher, OutputsConfig, OutputsConfigError, parse_outputs, unrouted_names
from raqib.outputs.config import (
    AudibleChannel,
    CapFileChannel,
    CapPostChannel,
    CotTcpChannel,
    CotUdpChannel,
    WebhookChannel,
)
from tests.outputs.helpers import SITE, ZONE_A, ZONE_B


def documented_example() -> str:
    """The TOML in the module docstring, minus its leading prose."""
    doc = config_module.__doc__ or ""
    return doc[doc.index("[outputs.cot]") : doc.index("Relative paths")]


def test_the_documented_example_reads_as_documented(tmp_path: Path) -> None:
    document = tomllib.loads(documented_example())
    config = parse_outputs(document["outputs"], base_dir=tmp_path)
    assert config.cot.uid_prefix == "raqib.compound" and config.cot.types.drone == "a-s-A-M-F-Q"
    assert config.cap.sender == "raqib@compound.example" and config.cap.instructions["rocket"].startswith(
        "Take"
    )
    tak, ops, takserver, folder, feed, siren = config.channels
    assert isinstance(takserver, CotTcpChannel) and takserver.options.tls
    assert takserver.options.tls_cert == str(tmp_path / "certs" / "raqib.pem")
    assert isinstance(folder, CapFileChannel) and folder.path == str(tmp_path / "cap-out")
    assert isinstance(feed, CapPostChannel) and feed.path == str(tmp_path / "cap-feed.undelivered.jsonl")
    assert isinstance(siren, AudibleChannel) and siren.options.on == ("raised", "cleared")
    assert isinstance(tak, CotUdpChannel) and (tak.address, tak.port, tak.options.tracks) == (
        "239.2.3.1",
        6969,
        "all",
    )
    assert isinstance(ops, WebhookChannel) and ops.url == "https://ops.example/hooks/raqib"
    assert ops.path == str(tmp_path / "dead-letters" / "ops.jsonl")
    assert (ops.options.secret, ops.options.max_attempts) == ("change-me", 6)


def test_defaults_fill_what_is_left_out(tmp_path: Path) -> None:
    config = parse_outputs(
        {
            "channels": [
                {"name": "tak", "kind": "cot-tcp", "address": "tak.example"},
                {"name": "hook", "kind": "webhook", "url": "http://127.0.0.1:9/x"},
                {"name": "files", "kind": "cap-file", "path": "cap"},
            ]
        },
        base_dir=tmp_path,
    )
    tak, hook, files = config.channels
    assert isinstance(tak, CotTcpChannel) and tak.port == 8087 and tak.options.tracks == "alerted"
    assert isinstance(hook, WebhookChannel) and hook.path == str(tmp_path / "hook.undelivered.jsonl")
    assert hook.options.max_attempts == 5
    assert isinstance(files, CapFileChannel) and files.path == str(tmp_path / "cap")
    assert config.cap.status == "Actual" and config.cap.categories == ("Security",)
    assert parse_outputs({}) == OutputsConfig()


@pytest.mark.parametrize(
    ("table", "key", "why"),
    [
        ({"channels": [{"name": "a", "kind": "cot-foo"}]}, "outputs.channels[0].kind", "Invalid value"),
        (
            {"channels": [{"name": "a", "kind": "cot-udp", "options": {"tll": 2}}]},
            "outputs.channels[0].options",
            "unknown field `tll`",
        ),
        (
            {"channels": [{"name": "a", "kind": "cot-udp", "port": "6969"}]},
            "outputs.channels[0].port",
            "Expected `int`",
        ),
        ({"channels": [{"name": "a", "kind": "cot-udp", "port": 0}]}, "outputs.channels[0].port", "1..65535"),
        ({"channels": [{"name": "a", "kind": "cot-tcp"}]}, "outputs.channels[0].address", "required"),
        (
            {"channels": [{"name": "a", "kind": "webhook", "url": "ftp://x"}]},
            "outputs.channels[0].url",
            "http",
        ),
        ({"channels": [{"name": "a", "kind": "cap-file"}]}, "outputs.channels[0].path", "required"),
        ({"channels": [{"kind": "audible"}]}, "outputs.channels[0]", "missing required field `name`"),
        (
            {"channels": [{"name": "a", "kind": "audible"}, {"name": "a", "kind": "audible"}]},
            "outputs.channels[1].name",
            "two channels",
        ),
        (
            {"channels": [{"name": "a", "kind": "audible", "options": {"repeat": 0}}]},
            "outputs.channels[0].options.repeat",
            "at least 1",
        ),
        ({"cap": {"status": "Real"}}, "outputs.cap.status", "Invalid enum value"),
        ({"cap": {"sender": "raqib at orbi"}}, "outputs.cap.sender", "spaces"),
        ({"cot": {"track_stale_s": 0}}, "outputs.cot.track_stale_s", "positive"),
        ({"cap": {"scope": "Private"}}, "outputs.cap.addresses", "required with scope Private"),
        ({"sirens": []}, "outputs", "unknown field `sirens`"),
    ],
)
def test_mistakes_name_their_key(table: dict[str, object], key: str, why: str) -> None:
    with pytest.raises(OutputsConfigError) as caught:
        parse_outputs(table)
    assert caught.value.key == key
    assert why in caught.value.reason
    assert isinstance(caught.value, ValueError)


def test_warn_entries_that_name_no_channel_are_reported() -> None:
    config = parse_outputs({"channels": [{"name": "tak-a", "kind": "cot-udp"}]})
    problems = unrouted_names(config, [ZONE_A, ZONE_B])
    assert "zone 'compound' warns 'cap-a', which is no output channel" in problems
    assert not any("'tak-a'" in p for p in problems)


def test_a_dispatcher_is_built_from_the_section(tmp_path: Path) -> None:
    config = parse_outputs(tomllib.loads(documented_example())["outputs"], base_dir=tmp_path)
    dispatcher = OutputDispatcher.from_config(config, SITE, [ZONE_A], simulated=True)
    assert [c.name for c in dispatcher.channels] == [
        "tak",
        "ops",
        "takserver",
        "cap-folder",
        "cap-feed",
        "siren",
    ]
    assert dispatcher.routes["tak"].tracks == "all"
    assert dispatcher.config.cap.status == "Exercise" and dispatcher.config.cot.opex.startswith("s")
    assert dispatcher.uid_prefix == "raqib.compound"


def test_every_exported_name_resolves() -> None:
    import raqib.outputs

    for name in raqib.outputs.__all__:
        assert getattr(raqib.outputs, name) is not None, name
    with pytest.raises(AttributeError):
        raqib.outputs.nothing_here  # noqa: B018
