"""The dispatcher: an alert for zone A warns zone A's channels and nobody else's, over real
sockets, files and HTTP; tracks go out at each channel's rate; open alarms are refreshed."""

from __future__ import annotations

import asyncio
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import msgspec
import pytest

from raqib.model import AlertState, Track, Zone
from raqib.outputs.audible import AudiblePlayer
from raqib.outputs.base import Channel, MessageKind, Outgoing
from raqib.outputs.cap import CAP_NS, read_cap
from raqib.outputs.capfile import CapFileWriter
from raqib.outputs.config import AudibleOptions, OutputsConfig, WebhookOptions, parse_outputs
from raqib.outputs.dispatcher import OutputDispatcher, Route
from raqib.outputs.transport import CotUdpSender
from raqib.outputs.webhook import WebhookSender
from tests.outputs.helpers import (
    SITE,
    ZONE_A,
    ZONE_B,
    FakeStep,
    FakeTakUdp,
    FlakyHttpServer,
    attribute,
    make_alert,
    make_track,
    run,
    schemas_available,
    validate_cap,
    validate_cot,
)

NS = {"cap": CAP_NS}
EPOCH = 1_789_999_980.0  # 2026-09-21T14:13:00Z: a whole minute, so that time_s reads in the seconds


class Recorder(Channel):
    """An in-memory channel: what was sent to it, in order."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.messages: list[Outgoing] = []

    def send(self, message: Outgoing) -> None:
        self.messages.append(message)

    async def deliver(self, message: Outgoing) -> None:
        raise AssertionError("never queued")

    def cot(self) -> list[ET.Element]:
        return [ET.fromstring(m.body) for m in self.messages]


class CotRecorder(Recorder):
    accepts = "cot"


class CapRecorder(Recorder):
    accepts = "cap"


class JsonRecorder(Recorder):
    accepts = "json"


class NoticeRecorder(Recorder):
    accepts = "notice"


RECORDERS: dict[MessageKind, type[Recorder]] = {
    "cot": CotRecorder,
    "cap": CapRecorder,
    "json": JsonRecorder,
    "notice": NoticeRecorder,
}


def the_life_of_alert_1() -> list[FakeStep]:
    """Zone A: raised at 10 s by track 42, joined by 43 at 12 s, cleared at 20 s; track 77 flies elsewhere."""
    raised = make_alert(1, 10.0, (42,))
    updated = msgspec.structs.replace(
        raised, state=AlertState.UPDATED, track_ids=(42, 43), updated_time_s=12.0
    )
    cleared = msgspec.structs.replace(
        updated, state=AlertState.CLEARED, updated_time_s=20.0, cleared_time_s=20.0
    )

    def tracks(time_s: float) -> list[Track]:
        return [
            make_track(42, time_s),
            make_track(43, time_s, east_m=600.0),
            make_track(77, time_s, east_m=-4000.0),
        ]

    return [
        FakeStep(10.0, tracks(10.0), alert_changes=[raised]),
        FakeStep(11.0, tracks(11.0)),
        FakeStep(12.0, tracks(12.0), alert_changes=[updated]),
        FakeStep(20.0, tracks(20.0), alert_changes=[cleared]),
    ]


def recorders(*specs: tuple[str, MessageKind]) -> dict[str, Recorder]:
    return {name: RECORDERS[kind](name) for name, kind in specs}


def dispatcher(
    channels: dict[str, Recorder],
    routes: dict[str, Route] | None = None,
    zones: Sequence[Zone] = (ZONE_A, ZONE_B),
    config: OutputsConfig | None = None,
) -> OutputDispatcher:
    return OutputDispatcher(
        SITE,
        zones,
        list(channels.values()),
        routes,
        config=config,
        run_id="20261125T101500Z",
        epoch_offset_s=EPOCH,
    )


# ------------------------------------------------------------------ over real sockets, files and HTTP


def test_an_alert_for_zone_a_reaches_zone_a_s_channels_only(tmp_path: Path) -> None:
    script = tmp_path / "say.py"
    script.write_text("import sys\nopen(sys.argv[1], 'a').write(sys.argv[2] + '\\n')\n", encoding="utf-8")
    spoken = tmp_path / "spoken.txt"

    async def scenario(hook_a: FlakyHttpServer, hook_b: FlakyHttpServer) -> tuple[FakeTakUdp, FakeTakUdp]:
        loop = asyncio.get_running_loop()
        tak_a_transport, tak_a = await loop.create_datagram_endpoint(FakeTakUdp, local_addr=("127.0.0.1", 0))
        tak_b_transport, tak_b = await loop.create_datagram_endpoint(FakeTakUdp, local_addr=("127.0.0.1", 0))
        fast = WebhookOptions(backoff_initial_s=0.01, backoff_max_s=0.02)
        channels: list[Channel] = [
            CotUdpSender("tak-a", "127.0.0.1", tak_a_transport.get_extra_info("sockname")[1]),
            CotUdpSender("tak-b", "127.0.0.1", tak_b_transport.get_extra_info("sockname")[1]),
            CapFileWriter("cap-a", tmp_path / "cap-a"),
            CapFileWriter("cap-b", tmp_path / "cap-b"),
            WebhookSender("hook-a", hook_a.url, fast, dead_letter_path=tmp_path / "dead-a.jsonl"),
            WebhookSender("hook-b", hook_b.url, fast, dead_letter_path=tmp_path / "dead-b.jsonl"),
            AudiblePlayer(
                "siren-a", AudibleOptions(command=(sys.executable, str(script), str(spoken), "{message}"))
            ),
        ]
        outputs = OutputDispatcher(SITE, [ZONE_A, ZONE_B], channels, epoch_offset_s=1.79e9)
        await outputs.start()
        for step in the_life_of_alert_1():
            outputs.handle(step)
            await asyncio.sleep(0.05)
        await outputs.stop(timeout_s=10.0)
        tak_a_transport.close()
        tak_b_transport.close()
        assert outputs.build_errors == 0
        assert all(stats.failed == stats.dropped == 0 for stats in outputs.stats().values())
        return tak_a, tak_b

    with FlakyHttpServer(failures=1) as hook_a, FlakyHttpServer() as hook_b:
        tak_a, tak_b = run(scenario(hook_a, hook_b))

    # Nobody at zone B heard anything.
    assert tak_b.events == [] and hook_b.requests == [] and not (tmp_path / "cap-b").exists()

    # TAK at zone A: the alarm and the red zone, the threatening tracks (not 77), then the cancel.
    for raw in tak_a.raw if schemas_available() else ():
        validate_cot(raw)
    seen = [(e.get("type"), e.get("uid")) for e in tak_a.events]
    assert seen[:2] == [
        ("b-a-g", f"{outputs_prefix()}.alert.1"),
        ("u-d-f", f"{outputs_prefix()}.zone.compound"),
    ]
    track_uids = {uid for kind, uid in seen if kind is not None and kind.startswith("a-")}
    assert track_uids == {f"{outputs_prefix()}.track.42", f"{outputs_prefix()}.track.43"}
    cancel, removal = tak_a.events[-2:]
    assert (cancel.get("type"), cancel.get("uid")) == ("b-a-o-can", f"{outputs_prefix()}.alert.1")
    assert attribute(cancel, "detail/emergency", "cancel") == "true"
    assert removal.get("type") == "u-d-f" and removal.get("stale") == removal.get("time")

    # CAP at zone A: Alert, Update, Cancel, the cancel referencing the original.
    files = sorted((tmp_path / "cap-a").glob("*.xml"), key=lambda p: int(p.stem.rsplit(".", 1)[1]))
    messages = [read_cap(path.read_bytes()) for path in files]
    for path in files if schemas_available() else ():
        validate_cap(path.read_bytes())
    assert [m.msg_type for m in messages] == ["Alert", "Update", "Cancel"]
    assert messages[0].reference in messages[2].references
    assert [path.name for path in files] == [f"{m.identifier}.xml" for m in messages]

    # The webhook at zone A, after one failed try, in order, naming the CAP message of each change.
    bodies = [msgspec.json.decode(body) for body in hook_a.delivered]
    assert [b["type"] for b in bodies] == ["alert.raised", "alert.updated", "alert.cleared"]
    assert [b["cap_identifier"] for b in bodies] == [m.identifier for m in messages]
    assert len(hook_a.requests) == 4

    # The siren at zone A.
    assert spoken.read_text(encoding="utf-8").splitlines() == [
        "Warning. drone threat to Diplomatic compound. "
        "Take cover indoors, away from windows, until the all clear.",
        "Warning. 2 drone threats to Diplomatic compound.",
        "All clear for Diplomatic compound.",
    ]


def outputs_prefix() -> str:
    return "raqib.orbi-compound"


# ------------------------------------------------------------------ routing and timing, in memory


def test_a_channel_for_all_zones_hears_every_zone_and_a_zone_without_channels_is_silent() -> None:
    channels = recorders(("ops", "json"), ("hook-b", "json"))
    outputs = dispatcher(
        channels, {"ops": Route(all_zones=True)}, zones=[ZONE_A, msgspec.structs.replace(ZONE_B, warn=())]
    )
    outputs.handle(
        FakeStep(1.0, alert_changes=[make_alert(1, zone_id="compound"), make_alert(2, zone_id="tower")])
    )
    assert [msgspec.json.decode(m.body)["zone"]["zone_id"] for m in channels["ops"].messages] == [
        "compound",
        "tower",
    ]
    assert channels["hook-b"].messages == []


def test_tracks_go_out_at_the_channel_s_rate_all_or_only_those_alerted() -> None:
    channels = recorders(("tak-a", "cot"), ("picture", "cot"), ("slow", "cot"))
    routes = {"picture": Route(tracks="all", zones="none"), "slow": Route(all_zones=True, track_rate_hz=0.5)}
    outputs = dispatcher(channels, routes)
    for step in the_life_of_alert_1()[:3]:
        outputs.handle(step)

    def tracks_sent(name: str) -> list[tuple[str, str]]:
        return [
            (e.get("time", "")[17:19], e.get("uid", "").rsplit(".", 1)[1])
            for e in channels[name].cot()
            if e.get("type", "").startswith("a-")
        ]

    assert tracks_sent("picture") == [(s, t) for s in ("10", "11", "12") for t in ("42", "43", "77")]
    assert tracks_sent("tak-a") == [("10", "42"), ("11", "42"), ("12", "42"), ("12", "43")]
    assert tracks_sent("slow") == [("10", "42"), ("12", "42"), ("12", "43")]  # every 2 s
    stale = {e.get("stale", "")[17:19] for e in channels["slow"].cot() if e.get("type", "").startswith("a-")}
    assert stale == {"16", "18"}  # three periods of 2 s
    alerted_type = [e.get("type") for e in channels["picture"].cot() if e.get("uid", "").endswith(".42")]
    assert set(alerted_type) == {"a-h-A-M-F-Q"}  # hostile while in an alert ...
    assert {e.get("type") for e in channels["picture"].cot() if e.get("uid", "").endswith(".77")} == {
        "a-s-A-M-F-Q"
    }


def test_an_operator_clear_cancels_everywhere() -> None:
    channels = recorders(("tak-a", "cot"), ("cap-a", "cap"), ("hook-a", "json"), ("siren-a", "notice"))
    outputs = dispatcher(channels)
    outputs.handle(the_life_of_alert_1()[0])
    cleared = make_alert(1, 10.0, (42,), state=AlertState.CLEARED, cleared_time_s=14.0, note="friendly drone")
    outputs.handle_alerts([cleared], 14.0)
    assert [e.get("type") for e in channels["tak-a"].cot()][-2:] == ["b-a-o-can", "u-d-f"]
    assert read_cap(channels["cap-a"].messages[-1].body).msg_type == "Cancel"
    assert msgspec.json.decode(channels["hook-a"].messages[-1].body)["alert"]["note"] == "friendly drone"
    last_notice = channels["siren-a"].messages[-1].notice
    assert last_notice is not None and last_notice.state == "cleared"


def test_open_alarms_are_refreshed_before_they_go_stale() -> None:
    channels = recorders(("tak-a", "cot"))
    outputs = dispatcher(channels, config=parse_outputs({"cot": {"alarm_stale_s": 10.0}}))
    outputs.handle(the_life_of_alert_1()[0])
    for time_s in (11.0, 14.0, 15.0, 16.0, 20.0):
        outputs.handle(FakeStep(time_s, [make_track(42, time_s)]))
    alarms = [e.get("time", "")[17:19] for e in channels["tak-a"].cot() if e.get("type") == "b-a-g"]
    assert alarms == ["10", "15", "20"]  # raised, then every half of the 10 s stale time


def test_always_drawn_zones_are_sent_quiet_then_red_then_quiet() -> None:
    channels = recorders(("tak-a", "cot"))
    outputs = dispatcher(channels, {"tak-a": Route(zones="always", tracks="none")})
    for step in [FakeStep(5.0, []), *the_life_of_alert_1()]:
        outputs.handle(step)
    drawings = [
        attribute(e, "detail/strokeColor", "value")
        for e in channels["tak-a"].cot()
        if e.get("type") == "u-d-f"
    ]
    assert drawings == ["-256", "-65536", "-65536", "-256"]  # quiet, raised, updated, cleared
    assert all(e.get("stale") != e.get("time") for e in channels["tak-a"].cot() if e.get("type") == "u-d-f")


def test_an_unknown_zone_or_a_broken_one_never_stops_the_others() -> None:
    channels = recorders(("tak-a", "cot"), ("hook-a", "json"), ("ops", "cap"))
    broken = Zone(
        zone_id="broken", name="Broken", polygon=((33.0, 44.0), (33.0, 44.1)), warn=("tak-a", "hook-a")
    )
    outputs = dispatcher(channels, {"ops": Route(all_zones=True)}, zones=[ZONE_A, broken])
    outputs.handle(
        FakeStep(
            1.0,
            alert_changes=[make_alert(1, zone_id="broken"), make_alert(2, zone_id="nowhere"), make_alert(3)],
        )
    )
    assert outputs.build_errors >= 2  # the broken zone's drawing and alarm, its CAP area, the unknown zone's
    assert [msgspec.json.decode(m.body)["alert"]["alert_id"] for m in channels["hook-a"].messages] == [1, 3]
    assert [read_cap(m.body).identifier.rsplit(".", 2)[1] for m in channels["ops"].messages] == ["3"]


def test_a_step_from_another_thread_is_handled_on_the_event_loop() -> None:
    channels = recorders(("hook-a", "json"))
    outputs = dispatcher(channels)

    async def scenario() -> None:
        await outputs.start()
        loop_thread = threading.get_ident()
        seen: list[int] = []
        original = channels["hook-a"].send

        def send_noting_the_thread(message: Outgoing) -> None:
            seen.append(threading.get_ident())
            original(message)

        channels["hook-a"].send = send_noting_the_thread  # type: ignore[method-assign]
        await asyncio.to_thread(outputs.handle, the_life_of_alert_1()[0])
        await asyncio.sleep(0.05)
        assert seen == [loop_thread]
        await outputs.stop()

    run(scenario())
    assert len(channels["hook-a"].messages) == 1


def test_zones_edited_by_the_operator_reroute_the_warnings() -> None:
    channels = recorders(("hook-a", "json"), ("hook-b", "json"))
    outputs = dispatcher(channels)
    outputs.set_zones([msgspec.structs.replace(ZONE_A, warn=("hook-b",)), ZONE_B])
    outputs.handle(FakeStep(1.0, alert_changes=[make_alert(1)]))
    assert (len(channels["hook-a"].messages), len(channels["hook-b"].messages)) == (0, 1)


def test_a_demo_is_marked_as_an_exercise() -> None:
    config = parse_outputs({"channels": [{"name": "cap-a", "kind": "cap-file", "path": "/nonexistent"}]})
    outputs = OutputDispatcher.from_config(config, SITE, [ZONE_A], simulated=True)
    recorder = CapRecorder("cap-a")
    outputs.channels = [recorder]
    outputs.handle(FakeStep(1.0, alert_changes=[make_alert(1)]))
    assert read_cap(recorder.messages[0].body).status == "Exercise"
    assert OutputDispatcher.from_config(OutputsConfig(), SITE, []).config.cap.status == "Actual"


@pytest.mark.parametrize("bad", [FakeStep(float("nan"), alert_changes=[make_alert(1)]), object()])
def test_handle_never_raises(bad: object) -> None:
    outputs = dispatcher(recorders(("tak-a", "cot"), ("cap-a", "cap")))
    outputs.handle(bad)  # type: ignore[arg-type]
    assert outputs.build_errors >= 1
