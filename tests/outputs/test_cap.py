"""CAP 1.2: an alert's life as Alert, Update and Cancel messages, valid against the OASIS schema,
in CAP's own units and times, and a reader that refuses hostile XML."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.model import AlertState, Threat, Zone
from raqib.outputs.cap import CAP_NS, CapError, CapMessage, CapWriter, cap_time, read_cap, slug
from raqib.outputs.config import CapSettings
from tests.conftest import require_shared
from tests.fuzz import run_fuzz_target
from tests.outputs.helpers import SITE, ZONE_A, ZONE_B, make_alert, make_track, validate_cap

EPOCH = dt.datetime(2026, 11, 25, 10, 15, 0, tzinfo=dt.UTC).timestamp()
CAP_TIME = re.compile(r"^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-,+]\d\d:\d\d$")  # the schema's own pattern
NS = {"cap": CAP_NS}


def writer(**settings_: Any) -> CapWriter:
    return CapWriter(
        SITE, CapSettings(**settings_), id_prefix="raqib.orbi.20261125T101500Z", epoch_offset_s=EPOCH
    )


def xml_of(message: CapMessage | None) -> bytes:
    assert message is not None
    return message.xml


def text(root: ET.Element, path: str) -> str:
    return root.findtext(path, "", NS)


def life_of_an_alert(cap: CapWriter) -> list[bytes]:
    track = make_track(42)
    raised = make_alert(1, 2.0, (42,))
    updated = msgspec.structs.replace(
        raised, state=AlertState.UPDATED, track_ids=(42, 43), updated_time_s=5.0
    )
    acked = msgspec.structs.replace(updated, state=AlertState.ACKNOWLEDGED, acknowledged_by="duty-officer")
    cleared = msgspec.structs.replace(
        acked, state=AlertState.CLEARED, cleared_time_s=40.0, updated_time_s=40.0
    )
    messages = [
        cap.message(raised, ZONE_A, 2.4, {42: track}),
        cap.message(updated, ZONE_A, 5.0, {42: track}),
        cap.message(acked, ZONE_A, 8.0),
        cap.message(cleared, ZONE_A, 40.0),
    ]
    return [m.xml for m in messages if m is not None]


# ------------------------------------------------------------------ self-contained


def test_an_alert_is_announced_updated_and_cancelled_with_references_to_the_first() -> None:
    messages = [read_cap(xml) for xml in life_of_an_alert(writer(sender="raqib@orbi.example"))]
    assert [m.msg_type for m in messages] == ["Alert", "Update", "Update", "Cancel"]
    assert [m.identifier for m in messages] == [
        f"raqib.orbi.20261125T101500Z.alert.1.{n}" for n in (1, 2, 3, 4)
    ]
    assert len({m.incidents for m in messages}) == 1
    first = messages[0]
    assert first.references == ()
    assert (
        first.reference
        == "raqib@orbi.example,raqib.orbi.20261125T101500Z.alert.1.1,2026-11-25T10:15:02+00:00"
    )
    assert messages[1].references == (first.reference,)
    assert messages[3].references == (first.reference, messages[2].reference)


def test_times_have_an_offset_and_whole_seconds() -> None:
    assert cap_time(EPOCH + 2.9) == "2026-11-25T10:15:02+00:00"
    root = ET.fromstring(life_of_an_alert(writer())[0])
    for path in ("cap:sent", "cap:info/cap:effective", "cap:info/cap:onset", "cap:info/cap:expires"):
        assert CAP_TIME.match(text(root, path)), path
    assert text(root, "cap:info/cap:onset") == "2026-11-25T10:15:37+00:00"  # raised at 2 s, entry 35 s later
    assert text(root, "cap:info/cap:expires") == "2026-11-25T10:25:02+00:00"  # sent + 600 s


def test_the_zone_is_a_closed_polygon_with_floor_and_ceiling_in_feet_above_sea_level() -> None:
    root = ET.fromstring(xml_of(writer(geoid_height_m=5.0).message(make_alert(), ZONE_A, 2.0)))
    area = root.find("cap:info/cap:area", NS)
    assert area is not None and text(area, "cap:areaDesc") == "Diplomatic compound"
    pairs = text(area, "cap:polygon").split()
    assert len(pairs) == 5 and pairs[0] == pairs[-1] == "33.266000,44.240000"
    assert text(area, "cap:altitude") == str(round(30.0 / 0.3048))  # site 35 m HAE, geoid 5 m: 30 m MSL
    assert text(area, "cap:ceiling") == str(round(530.0 / 0.3048))


def test_a_circle_zone_has_its_radius_in_kilometres() -> None:
    root = ET.fromstring(xml_of(writer().message(make_alert(zone_id="tower"), ZONE_B, 2.0)))
    assert text(root, "cap:info/cap:area/cap:circle") == "33.260000,44.230000 0.300"


def test_a_drone_warning_asks_to_shelter_and_the_cancel_gives_the_all_clear() -> None:
    raised, *_, cancelled = (ET.fromstring(xml) for xml in life_of_an_alert(writer()))
    assert text(raised, "cap:info/cap:responseType") == "Shelter"
    assert text(raised, "cap:info/cap:severity") == "Severe"
    assert text(raised, "cap:info/cap:urgency") == "Immediate"
    assert text(raised, "cap:info/cap:certainty") == "Likely"
    assert text(raised, "cap:scope") == "Restricted" and text(raised, "cap:restriction")
    assert "Diplomatic compound" in text(raised, "cap:info/cap:headline")
    assert text(cancelled, "cap:msgType") == "Cancel"
    assert text(cancelled, "cap:info/cap:responseType") == "AllClear"
    assert text(cancelled, "cap:info/cap:urgency") == "Past"
    assert text(cancelled, "cap:info/cap:headline") == "All clear: Diplomatic compound"


def test_the_track_position_and_the_impact_area_are_given() -> None:
    track = make_track(42)
    alert = make_alert(target_class="rocket", impact_lat_deg=33.2646, impact_lon_deg=44.2416)
    threat = Threat(
        time_s=2.0,
        track_id=42,
        zone_id="compound",
        target_class="rocket",
        inside=False,
        probability=0.9,
        time_to_entry_s=20.0,
        closest_approach_m=0.0,
        score=0.9,
        impact_lat_deg=33.2646,
        impact_lon_deg=44.2416,
        impact_ellipse_m=(120.0, 60.0, 30.0),
    )
    root = ET.fromstring(xml_of(writer().message(alert, ZONE_A, 2.0, {42: track}, [threat])))
    assert text(root, "cap:info/cap:severity") == "Extreme"
    circles = [c.text for c in root.findall("cap:info/cap:area/cap:circle", NS)]
    assert circles[0] == "33.264600,44.241600 0.120"  # the 95 % ellipse's semi-major axis
    assert circles[1] == f"{track.lat_deg:.6f},{track.lon_deg:.6f} 0.030"  # the track's 30 m sigma
    parameters = {
        p.findtext("cap:valueName", "", NS): p.findtext("cap:value", "", NS)
        for p in root.findall("cap:info/cap:parameter", NS)
    }
    assert parameters["raqib:track_ids"] == "42" and parameters["raqib:impact"] == "33.264600,44.241600"


def test_a_clear_for_an_alert_never_announced_sends_nothing() -> None:
    cleared = make_alert(state=AlertState.CLEARED, cleared_time_s=9.0)
    assert writer().message(cleared, ZONE_A, 9.0) is None


def test_the_default_sender_is_derived_from_the_site_name() -> None:
    assert writer().sender == "raqib@orbi-compound.invalid"
    assert slug("Baghdad Int'l — Compound 2") == "baghdad-int-l-compound-2"
    assert slug("مجمع") == "site"


def test_the_reader_refuses_doctypes_and_entities() -> None:
    ok = life_of_an_alert(writer())[0]
    assert read_cap(ok).msg_type == "Alert"
    billion_laughs = (
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY l "lol"><!ENTITY l2 "&l;&l;&l;">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&l2;</identifier></alert>'
    )
    for hostile in (billion_laughs, b"<!DOCTYPE alert SYSTEM 'file:///etc/passwd'><alert/>"):
        with pytest.raises(CapError, match="DOCTYPE"):
            read_cap(hostile)
    with pytest.raises(CapError, match="not well-formed"):
        read_cap(b"<alert")
    with pytest.raises(CapError, match=r"not well-formed.*encoding"):  # found by the fuzz target
        read_cap(b"<?xml version='1.0' encoding='WTF-8'?><alert/>")
    with pytest.raises(CapError, match=r"not a CAP 1\.2 alert"):
        read_cap(b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.1'/>")


# ------------------------------------------------------------------ against the schema and the example


def test_every_message_of_an_alert_is_valid_cap() -> None:
    for xml in life_of_an_alert(
        writer(
            scope="Private",
            addresses="ops@orbi.example",
            web="https://orbi.example",
            contact="+964 1 000 0000",
            categories=("Security", "Transport"),
        )
    ):
        validate_cap(xml)
    rocket = make_alert(2, target_class="rocket", impact_lat_deg=33.26, impact_lon_deg=44.24)
    validate_cap(xml_of(writer(scope="Public").message(rocket, ZONE_B, 2.0)))


def test_the_hostile_xxe_sample_is_refused() -> None:
    with pytest.raises(CapError, match="DOCTYPE"):
        read_cap(require_shared("cap/examples/google_xee.cap").read_bytes())


def test_the_standard_library_parser_does_not_resolve_its_external_entities_either() -> None:
    with pytest.raises(ET.ParseError, match="undefined entity"):
        ET.parse(require_shared("cap/examples/google_xee.cap"))


def test_real_alerts_are_read() -> None:
    for name in ("google_australia.cap", "google_canada.cap", "oasis_cap_amber_alert_example.xml"):
        message = read_cap(require_shared(f"cap/examples/{name}").read_bytes())
        assert message.identifier and message.sender and CAP_TIME.match(message.sent)


def test_messages_have_the_elements_of_the_worked_example_in_the_same_order() -> None:
    reference = ET.parse(require_shared("cap/raqib_examples/uas_area_warning.cap.xml")).getroot()
    ours = ET.fromstring(life_of_an_alert(writer())[0])

    def tags(element: ET.Element | None) -> list[str]:
        assert element is not None
        return list(dict.fromkeys(child.tag for child in element))  # in order, repeats folded

    def assert_has_theirs_in_order(ours: list[str], theirs: list[str]) -> None:
        assert set(theirs) <= set(ours), set(theirs) - set(ours)
        assert [tag for tag in ours if tag in theirs] == theirs

    assert_has_theirs_in_order(tags(ours), tags(reference))
    assert_has_theirs_in_order(tags(ours.find("cap:info", NS)), tags(reference.find("cap:info", NS)))
    assert tags(ours.find("cap:info/cap:area", NS)) == tags(reference.find("cap:info/cap:area", NS))


@settings(max_examples=40, deadline=None)
@given(
    corners=st.lists(
        st.tuples(st.floats(-89, 89), st.floats(-179, 179)), min_size=3, max_size=10, unique=True
    ),
    floor_m=st.floats(0, 1000),
    height_m=st.floats(1, 5000),
    time_s=st.floats(0, 1e6),
    kind=st.sampled_from(["drone", "rocket", "aircraft", "unknown"]),
    tte=st.one_of(st.none(), st.floats(-5, 900)),
    name=st.text(min_size=1, max_size=30),
)
def test_any_zone_and_alert_give_valid_cap(
    corners: list[tuple[float, float]],
    floor_m: float,
    height_m: float,
    time_s: float,
    kind: str,
    tte: float | None,
    name: str,
) -> None:
    zone = Zone(
        zone_id="z",
        name="".join(c for c in name if c.isprintable()) or "z",
        polygon=tuple(corners),
        floor_m=floor_m,
        ceiling_m=floor_m + height_m,
    )
    alert = make_alert(7, time_s, (1,), zone_id="z", target_class=kind, time_to_entry_s=tte)
    message = writer().message(alert, zone, time_s)
    assert message is not None
    root = validate_cap(message.xml)
    pairs = text(root, "cap:info/cap:area/cap:polygon").split()
    assert pairs[0] == pairs[-1] and len(pairs) >= 4
    assert int(text(root, "cap:info/cap:area/cap:ceiling")) >= int(
        text(root, "cap:info/cap:area/cap:altitude")
    )


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400))
def test_the_reader_only_ever_raises_cap_errors(data: bytes | str) -> None:
    with contextlib.suppress(CapError):
        read_cap(data)


def test_the_fuzz_target_runs_clean(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "alert").write_bytes(life_of_an_alert(writer())[0])
    (corpus / "doctype").write_bytes(b'<!DOCTYPE a [<!ENTITY x "y">]><alert>&x;</alert>')
    run_fuzz_target("cap", corpus, runs=2000, seed=5)
