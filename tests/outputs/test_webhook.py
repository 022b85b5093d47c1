"""Webhooks and CAP POSTs against a real HTTP server on 127.0.0.1 that fails its first requests:
retried with backoff, never blocking the caller, and kept in a dead-letter file when given up."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import random
import socket
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest

from raqib.outputs.base import Outgoing
from raqib.outputs.config import CapPostOptions, WebhookOptions
from raqib.outputs.webhook import CapPoster, WebhookSender, signature, webhook_event
from tests.outputs.helpers import ZONE_A, FlakyHttpServer, make_alert, make_track, read_jsonl, run

FAST: dict[str, Any] = {"backoff_initial_s": 0.01, "backoff_max_s": 0.05, "timeout_s": 2.0}


def message(n: int = 1) -> Outgoing:
    body = webhook_event(
        delivery_id=f"raqib.orbi.webhook.1.{n}",
        site_name="ORBI",
        alert=make_alert(),
        zone=ZONE_A,
        tracks=[make_track(42)],
        time_s=10.0,
        epoch_offset_s=1.7e9,
        cot_uid="raqib.orbi.alert.1",
        cap_identifier="raqib.orbi.x.alert.1.1",
    )
    return Outgoing("json", f"raqib.orbi.webhook.1.{n}", body)


async def deliver_all(
    sender: WebhookSender | CapPoster, *messages: Outgoing, timeout_s: float = 10.0
) -> None:
    await sender.start()
    for item in messages:
        sender.send(item)
    await sender.stop(timeout_s)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/hook"


def test_the_json_body_carries_the_alert_its_zone_and_its_tracks() -> None:
    event = msgspec.json.decode(message().body)
    assert event["type"] == "alert.raised" and event["id"] == "raqib.orbi.webhook.1.1"
    assert event["alert"]["alert_id"] == 1 and event["alert"]["track_ids"] == [42]
    assert event["zone"] == {
        "zone_id": "compound",
        "name": "Diplomatic compound",
        "kind": "protected",
        "floor_m": 0.0,
        "ceiling_m": 500.0,
    }
    assert event["tracks"][0]["track_id"] == 42 and event["tracks"][0]["target_class"] == "drone"
    assert event["sent_utc"].endswith("Z") and event["cleared_utc"] is None
    assert event["cap_identifier"] == "raqib.orbi.x.alert.1.1"


def test_a_receiver_that_fails_twice_gets_the_message_on_the_third_try(tmp_path: Path) -> None:
    with FlakyHttpServer(failures=2) as server:
        sender = WebhookSender(
            "ops", server.url, WebhookOptions(**FAST), dead_letter_path=tmp_path / "dead.jsonl"
        )
        run(deliver_all(sender, message()))
    assert len(server.requests) == 3
    assert server.delivered == [message().body]
    deliveries = {headers["X-Raqib-Delivery"] for _, headers, _ in server.requests}
    assert deliveries == {"raqib.orbi.webhook.1.1"}  # the same id on every retry: receivers de-duplicate
    assert server.requests[0][1]["Content-Type"] == "application/json"
    assert (sender.stats.sent, sender.stats.failed, sender.stats.dead_lettered) == (1, 0, 0)
    assert not (tmp_path / "dead.jsonl").exists()


def test_messages_keep_their_order_through_retries(tmp_path: Path) -> None:
    with FlakyHttpServer(failures=1) as server:
        sender = WebhookSender(
            "ops", server.url, WebhookOptions(**FAST), dead_letter_path=tmp_path / "dead.jsonl"
        )
        run(deliver_all(sender, message(1), message(2), message(3)))
    assert [msgspec.json.decode(body)["id"][-1] for body in server.delivered] == ["1", "2", "3"]


def test_what_is_given_up_goes_to_the_dead_letter_file_with_the_reason(tmp_path: Path) -> None:
    dead = tmp_path / "letters" / "ops.jsonl"
    with FlakyHttpServer(failures=100) as server:
        sender = WebhookSender(
            "ops", server.url, WebhookOptions(max_attempts=3, **FAST), dead_letter_path=dead
        )
        run(deliver_all(sender, message()))
    assert len(server.requests) == 3
    [letter] = read_jsonl(dead)
    assert letter["reason"] == "HTTP 503 Service Unavailable" and letter["attempts"] == 3
    assert (
        letter["channel"] == "ops"
        and letter["url"] == server.url
        and letter["key"] == "raqib.orbi.webhook.1.1"
    )
    assert letter["body"]["alert"]["alert_id"] == 1  # kept as JSON, ready to replay
    assert (sender.stats.failed, sender.stats.dead_lettered) == (1, 1)
    assert sender.stats.last_error == "HTTP 503 Service Unavailable"


def test_a_refusal_is_not_retried(tmp_path: Path) -> None:
    with FlakyHttpServer(failures=100, fail_status=400) as server:
        sender = WebhookSender(
            "ops", server.url, WebhookOptions(**FAST), dead_letter_path=tmp_path / "dead.jsonl"
        )
        run(deliver_all(sender, message()))
    assert len(server.requests) == 1
    assert read_jsonl(tmp_path / "dead.jsonl")[0]["reason"] == "HTTP 400 Bad Request"


def test_nobody_listening_is_retried_then_dead_lettered(tmp_path: Path) -> None:
    sender = WebhookSender(
        "ops",
        closed_port_url(),
        WebhookOptions(max_attempts=2, **FAST),
        dead_letter_path=tmp_path / "dead.jsonl",
    )
    run(deliver_all(sender, message()))
    [letter] = read_jsonl(tmp_path / "dead.jsonl")
    assert letter["reason"].startswith("ConnectError") and letter["attempts"] == 2


def test_retry_after_is_respected(tmp_path: Path) -> None:
    with FlakyHttpServer(failures=1, fail_status=429, retry_after="0.3") as server:
        options = WebhookOptions(
            backoff_initial_s=0.01, backoff_max_s=1.0
        )  # Retry-After is capped at the max
        sender = WebhookSender("ops", server.url, options, dead_letter_path=tmp_path / "dead.jsonl")
        started = time.monotonic()
        run(deliver_all(sender, message()))
    assert len(server.requests) == 2 and server.delivered
    assert time.monotonic() - started >= 0.3


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    sender = WebhookSender(
        "ops",
        "http://127.0.0.1:1/",
        WebhookOptions(backoff_initial_s=1.0, backoff_max_s=8.0),
        rng=random.Random(7),
    )
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (9, 8.0)]:
        waits = [sender.backoff_s(attempt, None) for _ in range(50)]
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert len(set(waits)) > 1  # jittered
    assert sender.backoff_s(1, 5.0) == 5.0  # Retry-After wins when longer, ...
    assert sender.backoff_s(1, 60.0) == 8.0  # ... up to the cap


def test_a_full_queue_drops_and_counts_without_blocking(tmp_path: Path) -> None:
    dead = tmp_path / "dead.jsonl"
    sender = WebhookSender(
        "ops", closed_port_url(), WebhookOptions(queue_size=2, **FAST), dead_letter_path=dead
    )
    for n in range(1, 6):
        sender.send(message(n))  # not started: nothing drains the queue
    assert (sender.stats.dropped, sender.pending) == (3, 2)
    assert [letter["reason"] for letter in read_jsonl(dead)] == ["queue full"] * 3
    assert [letter["key"][-1] for letter in read_jsonl(dead)] == ["3", "4", "5"]  # alerts keep the oldest


def test_stopping_keeps_what_could_not_be_sent_in_time(tmp_path: Path) -> None:
    dead = tmp_path / "dead.jsonl"

    async def scenario() -> None:
        sender = WebhookSender(
            "ops",
            closed_port_url(),
            WebhookOptions(max_attempts=100, backoff_initial_s=0.2, backoff_max_s=0.2),
            dead_letter_path=dead,
        )
        await sender.start()
        sender.send(message(1))
        sender.send(message(2))
        await asyncio.sleep(0.1)
        await sender.stop(timeout_s=0.2)
        assert sender.stats.sent == 0

    run(scenario())
    reasons = [(letter["key"][-1], letter["reason"]) for letter in read_jsonl(dead)]
    assert reasons == [("1", "not delivered before shutdown"), ("2", "not delivered before shutdown")]


def test_a_secret_signs_the_body(tmp_path: Path) -> None:
    with FlakyHttpServer() as server:
        sender = WebhookSender(
            "ops",
            server.url,
            WebhookOptions(secret="s3cret", headers={"Authorization": "Bearer t"}, **FAST),
            dead_letter_path=tmp_path / "dead.jsonl",
        )
        run(deliver_all(sender, message()))
    _, headers, body = server.requests[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Raqib-Signature"] == expected == signature("s3cret", body)
    assert headers["Authorization"] == "Bearer t"


def test_cap_is_posted_as_cap_xml(tmp_path: Path) -> None:
    xml = b"<?xml version='1.0' encoding='UTF-8'?>\n<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'/>"
    with FlakyHttpServer(failures=1) as server:
        poster = CapPoster(
            "cap-ops", server.url, CapPostOptions(**FAST), dead_letter_path=tmp_path / "dead.jsonl"
        )
        run(deliver_all(poster, Outgoing("cap", "raqib.orbi.x.alert.1.1", xml)))
    assert server.delivered == [xml]
    assert server.requests[-1][1]["Content-Type"] == "application/cap+xml"


def test_cap_dead_letters_keep_the_xml_as_text(tmp_path: Path) -> None:
    poster = CapPoster(
        "cap-ops",
        closed_port_url(),
        CapPostOptions(max_attempts=1, **FAST),
        dead_letter_path=tmp_path / "dead.jsonl",
    )
    run(deliver_all(poster, Outgoing("cap", "id-1", b"<alert/>")))
    assert read_jsonl(tmp_path / "dead.jsonl")[0]["body"] == "<alert/>"


@pytest.mark.parametrize("value", ["soon", "-1", "nan"])
def test_odd_retry_after_values_are_ignored(value: str, tmp_path: Path) -> None:
    with FlakyHttpServer(failures=1, fail_status=503, retry_after=value) as server:
        sender = WebhookSender(
            "ops", server.url, WebhookOptions(**FAST), dead_letter_path=tmp_path / "dead.jsonl"
        )
        run(deliver_all(sender, message()))
    assert server.delivered
