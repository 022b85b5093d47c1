"""CoT events: what a TAK user sees of a track, a zone and an alarm, valid against MITRE's schemas
and shaped like raqib's worked examples."""

from __future__ import annotations

import datetime as dt
import math
import re
import xml.etree.ElementTree as ET
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.model import AlertState, Zone
from raqib.outputs.config import CotTypes
from raqib.outputs.cot import CotWriter, cot_time, kinematics
from tests.conftest import require_shared
from tests.outputs.helpers import SITE, ZONE_A, ZONE_B, attribute, child, make_alert, make_track, validate_cot

EPOCH = dt.datetime(2026, 11, 25, 10, 15, 0, tzinfo=dt.UTC).timestamp()
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def writer(**kwargs: Any) -> CotWriter:
    return CotWriter(SITE, uid_prefix="raqib.orbi", epoch_offset_s=EPOCH, **kwargs)


def parse(xml: bytes) -> ET.Element:
    assert xml.startswith(b"<?xml") and xml.endswith(b"</event>\n")
    return ET.fromstring(xml)


# ------------------------------------------------------------------ self-contained


def test_a_track_event_carries_position_velocity_and_identity() -> None:
    track = make_track(42, 2.5, vel_e_ms=-14.0, vel_n_ms=1.0, vel_u_ms=-0.5, identity="1588E040445AC004418")
    [event] = writer().tracks([track], 2.5, 10.0)
    root = parse(event.xml)
    assert root.get("uid") == "raqib.orbi.track.42" == event.uid
    assert root.get("type") == "a-s-A-M-F-Q" and root.get("how") == "m-f"
    assert root.get("time") == root.get("start") == "2026-11-25T10:15:02.500Z"
    assert root.get("stale") == "2026-11-25T10:15:12.500Z"
    point = root.find("point")
    assert point is not None
    assert float(point.get("lat", "nan")) == pytest.approx(track.lat_deg, abs=1e-7)
    assert float(point.get("hae", "nan")) == pytest.approx(track.alt_m, abs=0.05)
    assert float(point.get("ce", "nan")) == pytest.approx(30.0, abs=0.05)  # the worse horizontal sigma
    assert float(point.get("le", "nan")) == pytest.approx(10.0, abs=0.05)
    motion = root.find("detail/track")
    assert motion is not None
    assert float(motion.get("course", "nan")) == pytest.approx(274.1, abs=0.05)  # west, a little north
    assert float(motion.get("speed", "nan")) == pytest.approx(math.hypot(14, 1), abs=0.01)
    assert float(motion.get("slope", "nan")) == pytest.approx(-2.0, abs=0.05)
    assert attribute(root, "detail/contact", "callsign") == "UAS-42"
    remarks = root.findtext("detail/remarks", "")
    assert (
        "class=drone p=0.87" in remarks
        and "radar-1,rf-2" in remarks
        and "RemoteID=1588E040445AC004418" in remarks
    )


def test_the_uid_is_stable_across_updates_and_the_type_follows_the_situation() -> None:
    cot = writer()
    first = cot.tracks([make_track(7, 1.0)], 1.0, 5.0)[0]
    later = cot.tracks([make_track(7, 2.0, east_m=480.0)], 2.0, 5.0, alerted={7})[0]
    assert first.uid == later.uid == "raqib.orbi.track.7"
    assert (first.type, later.type) == ("a-s-A-M-F-Q", "a-h-A-M-F-Q")
    kinds = {
        kind: cot.tracks([make_track(1, target_class=kind)], 1.0, 5.0)[0].type
        for kind in ("aircraft", "rocket", "bird", "unknown")
    }
    assert kinds == {"aircraft": "a-n-A-C-F", "rocket": "a-h-A-W-M", "bird": "a-u-A", "unknown": "a-u-A"}
    assert cot.tracks([make_track(2, authorised=True)], 1.0, 5.0)[0].type == "a-n-A-M-F-Q"
    custom = writer(types=CotTypes(drone="a-u-A-M-F-Q"))
    assert custom.tracks([make_track(3)], 1.0, 5.0)[0].type == "a-u-A-M-F-Q"


def test_a_coasting_track_is_predicted_and_unknown_accuracy_is_marked_unknown() -> None:
    track = msgspec.structs.replace(make_track(5), sources=(), cov_enu=(), alt_m=float("nan"))
    root = parse(writer().tracks([track], 1.0, 5.0)[0].xml)
    assert root.get("how") == "m-p"
    point = root.find("point")
    assert point is not None and point.get("ce") == point.get("le") == point.get("hae") == "9999999.0"


def test_a_track_off_the_earth_is_left_out_and_course_never_reaches_360() -> None:
    bad = msgspec.structs.replace(make_track(1), lat_deg=float("nan"))
    north = make_track(2, vel_e_ms=-0.0001, vel_n_ms=10.0)  # 359.9994 deg rounds to 0.0, not 360.0
    events = writer().tracks([bad, north], 1.0, 5.0)
    assert [e.uid for e in events] == ["raqib.orbi.track.2"]
    assert attribute(parse(events[0].xml), "detail/track", "course") == "0.0"


def test_kinematics_are_computed_for_all_tracks_at_once() -> None:
    tracks = [make_track(i, vel_e_ms=float(i), vel_n_ms=0.0) for i in range(1, 4)]
    motion = kinematics(tracks)
    assert motion.course_deg.tolist() == [90.0, 90.0, 90.0]
    assert motion.speed_ms.tolist() == [1.0, 2.0, 3.0]


def test_cot_times_are_utc_with_milliseconds() -> None:
    assert cot_time(EPOCH + 2.5) == "2026-11-25T10:15:02.500Z"
    assert cot_time(EPOCH + 0.9996) == "2026-11-25T10:15:01.000Z"
    assert TIME.match(cot_time(0.0))


def test_a_polygon_zone_is_a_closed_free_form_drawing() -> None:
    open_ring = msgspec.structs.replace(ZONE_A, polygon=ZONE_A.polygon)  # given without repeating the first
    root = parse(writer().zone(open_ring, 0.0, 300.0, alerted=True).xml)
    assert root.get("type") == "u-d-f" and root.get("uid") == "raqib.orbi.zone.compound"
    points = [link.get("point") for link in root.findall("detail/link")]
    assert len(points) == 5 and points[0] == points[-1] == "33.2660000,44.2400000"
    assert attribute(root, "detail/strokeColor", "value") == "-65536"
    assert attribute(root, "detail/contact", "callsign") == "Diplomatic compound"


def test_a_circle_zone_is_an_ellipse_and_a_zone_is_removed_by_making_it_stale() -> None:
    root = parse(writer().zone(ZONE_B, 4.0, 0.0, alerted=False).xml)
    assert root.get("type") == "u-d-c-c"
    ellipse = root.find("detail/shape/ellipse")
    assert ellipse is not None and ellipse.get("major") == ellipse.get("minor") == "300.0"
    assert root.get("stale") == root.get("time")


def test_the_alarm_sits_on_the_lead_track_and_links_track_and_zone() -> None:
    cot = writer()
    track = make_track(42)
    root = parse(cot.alarm(make_alert(1, 10.0, (42,)), ZONE_A, 10.0, {42: track}).xml)
    assert root.get("type") == "b-a-g" and root.get("uid") == "raqib.orbi.alert.1"
    assert attribute(root, "point", "lat") == f"{track.lat_deg:.7f}"
    links = {(link.get("uid"), link.get("type")) for link in root.findall("detail/link")}
    assert links == {("raqib.orbi.track.42", "a-h-A-M-F-Q"), ("raqib.orbi.zone.compound", "u-d-f")}
    emergency = root.find("detail/emergency")
    assert (
        emergency is not None and emergency.get("type") == "Geo-fence Breached" and emergency.text == "UAS-42"
    )
    assert attribute(root, "detail/contact", "callsign") == "UAS-42 in Diplomatic compound"
    assert "entry in 35 s" in root.findtext("detail/remarks", "")


def test_a_salvo_alarm_without_tracks_in_view_falls_back_to_the_impact_point() -> None:
    alert = make_alert(
        3, 10.0, (5, 6, 7), target_class="rocket", impact_lat_deg=33.2646, impact_lon_deg=44.2416
    )
    root = parse(writer().alarm(alert, ZONE_A, 10.0, {}).xml)
    assert attribute(root, "point", "lat") == "33.2646000"
    assert root.findtext("detail/emergency") == "3 x RAM"


def test_the_cancel_reuses_the_alarm_uid() -> None:
    cot = writer()
    alert = make_alert(1, 10.0, (42,), state=AlertState.CLEARED, cleared_time_s=40.0)
    root = parse(cot.cancel(alert, ZONE_A, 40.0, {}).xml)
    assert root.get("uid") == "raqib.orbi.alert.1" and root.get("type") == "b-a-o-can"
    assert attribute(root, "detail/emergency", "cancel") == "true"


def test_opex_marks_simulated_events() -> None:
    root = parse(writer(opex="s-raqib").tracks([make_track(1)], 0.0, 5.0)[0].xml)
    assert root.get("opex") == "s-raqib"


# ------------------------------------------------------------------ against the schemas and the examples


def all_kinds_of_event() -> list[bytes]:
    cot = writer(opex="s-demo")
    tracks = [
        make_track(42, identity="1588E"),
        make_track(43, target_class="rocket", vel_u_ms=-80.0),
        msgspec.structs.replace(make_track(44), sources=(), cov_enu=()),
    ]
    alert = make_alert(1, 10.0, (42, 43))
    return [
        *(e.xml for e in cot.tracks(tracks, 10.0, 5.0, alerted={42})),
        cot.zone(ZONE_A, 10.0, 300.0, alerted=True).xml,
        cot.zone(ZONE_B, 10.0, 0.0, alerted=False).xml,
        cot.alarm(alert, ZONE_A, 10.0, {t.track_id: t for t in tracks}).xml,
        cot.alarm(make_alert(2, 10.0, (9,), zone_id="tower"), ZONE_B, 10.0, {}).xml,
        cot.cancel(msgspec.structs.replace(alert, state="cleared"), ZONE_A, 30.0, {}).xml,
    ]


def test_every_kind_of_event_is_valid_cot() -> None:
    for xml in all_kinds_of_event():
        validate_cot(xml)


@pytest.mark.parametrize(
    ("example", "uid", "build"),
    [
        ("air_track_uas_hostile.cot", "raqib.orbi.track.42", "track"),
        ("protected_zone_polygon.cot", "raqib.orbi.zone.compound", "zone"),
        ("geofence_breach_alarm.cot", "raqib.orbi.alert.1", "alarm"),
    ],
)
def test_events_have_the_shape_of_the_worked_examples(example: str, uid: str, build: str) -> None:
    reference = ET.parse(require_shared(f"cot/raqib_examples/{example}")).getroot()
    cot = writer()
    track = make_track(42)
    ours = {
        "track": lambda: cot.tracks([track], 10.0, 10.0, alerted={42})[0],
        "zone": lambda: cot.zone(ZONE_A, 10.0, 86400.0, alerted=True),
        "alarm": lambda: cot.alarm(make_alert(1, 10.0, (42,)), ZONE_A, 10.0, {42: track}),
    }[build]()
    root = parse(ours.xml)
    assert root.get("uid") == uid
    for name in ("version", "type", "how"):
        assert root.get(name) == reference.get(name), name
    assert set(root.attrib) == set(reference.attrib)
    assert set(child(root, "point").attrib) == set(child(reference, "point").attrib)
    ours_detail, their_detail = child(root, "detail"), child(reference, "detail")
    assert [c.tag for c in ours_detail] == [c.tag for c in their_detail]
    for ours_child, their_child in zip(ours_detail, their_detail, strict=True):
        assert set(their_child.attrib) <= set(ours_child.attrib), ours_child.tag  # ours may add slope


def test_the_worked_examples_pass_the_same_validation() -> None:
    for name in ("air_track_uas_hostile.cot", "protected_zone_polygon.cot", "geofence_breach_alarm.cot"):
        validate_cot(require_shared(f"cot/raqib_examples/{name}").read_bytes())


finite = st.floats(allow_nan=False, allow_infinity=False)
anything = st.floats(allow_nan=True, allow_infinity=True)


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(-90, 90),
    lon=st.floats(-180, 180),
    alt=anything,
    ve=anything,
    vn=anything,
    vu=anything,
    sigma=st.one_of(st.just(None), st.floats(0, 1e6)),
    time_s=st.floats(0, 1e6),
    track_id=st.integers(0, 2**40),
    kind=st.sampled_from(["drone", "rocket", "aircraft", "bird", "unknown", "balloon"]),
    callsign=st.one_of(st.none(), st.text(max_size=20)),
)
def test_any_track_gives_a_valid_event(
    lat: float,
    lon: float,
    alt: float,
    ve: float,
    vn: float,
    vu: float,
    sigma: float | None,
    time_s: float,
    track_id: int,
    kind: str,
    callsign: str | None,
) -> None:
    track = msgspec.structs.replace(
        make_track(1),
        lat_deg=lat,
        lon_deg=lon,
        alt_m=alt,
        vel_e_ms=ve,
        vel_n_ms=vn,
        vel_u_ms=vu,
        track_id=track_id,
        target_class=kind,
        callsign=None if callsign is None else "".join(c for c in callsign if c.isprintable()),
        cov_enu=() if sigma is None else tuple(sigma * (i % 7 == 0) for i in range(36)),
    )
    [event] = writer().tracks([track], time_s, 5.0)
    validate_cot(event.xml)
    motion = parse(event.xml).find("detail/track")
    assert motion is not None and 0.0 <= float(motion.get("course", "nan")) < 360.0


@settings(max_examples=40, deadline=None)
@given(
    corners=st.lists(
        st.tuples(st.floats(33.0, 33.5), st.floats(44.0, 44.5)), min_size=3, max_size=12, unique=True
    ),
    close=st.booleans(),
)
def test_any_polygon_zone_draws_closed_and_valid(corners: list[tuple[float, float]], close: bool) -> None:
    polygon = tuple(corners + corners[:1]) if close else tuple(corners)
    zone = Zone(zone_id="z", name="Z", polygon=polygon)
    root = validate_cot(writer().zone(zone, 0.0, 60.0, alerted=False).xml)
    points = [link.get("point") for link in root.findall("detail/link")]
    assert points[0] == points[-1] and len(points) == len(corners) + 1


def test_the_validation_would_catch_a_broken_event() -> None:
    import xmlschema

    good = writer().tracks([make_track(1)], 0.0, 5.0)[0].xml
    for broken in (good.replace(b'course="', b'course="36'), good.replace(b' stale="', b' old="')):
        with pytest.raises(xmlschema.XMLSchemaValidationError):
            validate_cot(broken)
