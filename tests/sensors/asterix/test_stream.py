"""ASTERIX as a byte stream (TCP, a file read in pieces): reads may end anywhere, inside a
header or a block, and the decoder reads the same detections and errors as from the bytes in
one piece; what is cut off at the end is reported with its feed offset."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raqib.model import Detection
from raqib.sensors.asterix import AsterixConfig, AsterixDecoder
from raqib.sensors.base import DecodeError
from raqib.sensors.listeners import Decoded, TcpServerListener
from raqib.sensors.replay import FileListener
from raqib.site import FeedConfig, decoder_options, make_decoder
from tests.sensors.asterix.builders import (
    CAT021,
    CAT034,
    CAT048,
    CAT062,
    RADAR,
    AdsbReport,
    Plot,
    SystemTrack,
    block,
    cat021_record,
    cat034_record,
    cat048_record,
    cat062_record,
)

RECEIVED_S = 1_700_006_400.0 + 30_000.0
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PLOTS = [
    block(CAT048, [cat048_record(Plot(tod_s=30_000.0 + i, theta_deg=10.0 * i + 5.0, sic=i))])
    for i in range(3)
]
POOL = [
    *PLOTS,
    block(CAT048, [cat048_record(Plot(tod_s=29_999.0, theta_deg=90.0)), cat048_record(Plot(theta_deg=91.0))]),
    block(CAT062, [cat062_record(SystemTrack(tod_s=30_001.0, track_number=77))]),
    block(CAT021, [cat021_record(AdsbReport(tod_s=30_002.0))]),
    block(CAT034, [cat034_record(1, 29_999.0)]),
]
A, B, C = PLOTS
LAST_PLOT = cat048_record(Plot(tod_s=30_010.0, theta_deg=120.0, address=0x3C0001))
TWO = block(CAT048, [LAST_PLOT, cat048_record(Plot(tod_s=30_011.0, theta_deg=121.0, address=0x3C0002))])
# TWO up to the end of its first record: a stream that ends there still gives that plot
TWO_CUT = TWO[: len(block(CAT048, [LAST_PLOT]))]


def stream_decoder(**options: object) -> tuple[AsterixDecoder, list[DecodeError]]:
    errors: list[DecodeError] = []
    config = AsterixConfig(sensor=RADAR, duplicate_window_s=0.0, **options)  # type: ignore[arg-type]
    return AsterixDecoder(RADAR, config=config, on_error=errors.append, stream=True), errors


def pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at ``cuts`` (offsets into it, in any order, repeats allowed)."""
    bounds = [0, *sorted(cuts), len(data)]
    return [data[start:end] for start, end in itertools.pairwise(bounds)]


def read(decoder: AsterixDecoder, chunks: list[bytes]) -> list[Detection]:
    detections = [d for chunk in chunks for d in decoder.decode(chunk, RECEIVED_S)]
    return detections + decoder.finish(RECEIVED_S)


def azimuths(detections: list[Detection]) -> list[float]:
    return [round(d.azimuth_deg or 0.0, 1) for d in detections]


def summary(detections: list[Detection]) -> list[tuple[float, str | None, float]]:
    """What a listener's detections say, whatever the day its clock dated them on."""
    return [
        (round(d.time_s % 86_400.0, 3), d.identity, round(d.azimuth_deg or d.lat_deg or 0.0, 3))
        for d in detections
    ]


def kinds(errors: list[DecodeError]) -> list[str]:
    return [type(e).__name__ for e in errors]


@SETTINGS
@given(
    st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=6),
    st.lists(st.integers(0, 2_000), max_size=12),
)
def test_a_stream_cut_anywhere_reads_as_in_one_piece(picks: list[int], cuts: list[int]) -> None:
    data = b"".join(POOL[i] for i in picks)
    whole, whole_errors = stream_decoder()
    expected = read(whole, [data])
    assert whole_errors == [] and len(expected) == sum(i != len(POOL) - 1 for i in picks) + picks.count(3)
    decoder, errors = stream_decoder()
    assert read(decoder, pieces(data, [cut % (len(data) + 1) for cut in cuts])) == expected
    assert errors == [] and decoder.held_bytes == 0
    assert decoder.counts == whole.counts and decoder.stats.records == whole.stats.records


def test_a_stream_fed_one_byte_at_a_time_loses_nothing() -> None:
    data = b"".join(POOL)
    decoder, errors = stream_decoder()
    per_byte = [decoder.decode(data[i : i + 1], RECEIVED_S) for i in range(len(data))]
    detections = [d for chunk in per_byte for d in chunk]
    whole, _ = stream_decoder()
    assert detections == read(whole, [data]) and errors == []
    # each block's detections come out with the byte that completes it, not later
    ends = [i for i, chunk in enumerate(per_byte) if chunk]
    assert ends[: len(PLOTS)] == [len(b"".join(PLOTS[: k + 1])) - 1 for k in range(len(PLOTS))]
    assert decoder.finish(RECEIVED_S) == []


def test_datagram_framing_of_the_same_reads_loses_records() -> None:
    """Why stream mode exists: read as whole datagrams, every cut block is lost or broken."""
    data = A + B + C
    chunks = pieces(data, [len(A) + 2, len(A) + len(B) + 7])  # inside B's header, inside C
    decoder, _ = stream_decoder()
    assert azimuths(read(decoder, chunks)) == [5.0, 15.0, 25.0] and decoder.stats.errors == 0
    errors: list[DecodeError] = []
    datagrams = AsterixDecoder(
        RADAR, config=AsterixConfig(sensor=RADAR, duplicate_window_s=0.0), on_error=errors.append
    )
    assert not datagrams.stream
    detections = [d for chunk in chunks for d in datagrams.decode(chunk, RECEIVED_S)]
    assert len(detections) < 3 and errors


def test_a_block_cut_off_by_the_end_of_the_stream_is_reported_at_its_offset() -> None:
    data = A + B + C[:-4]
    decoder, errors = stream_decoder()
    chunks = pieces(data, [5, len(A) + 1, len(A) + len(B) + 2])
    detections = [d for chunk in chunks for d in decoder.decode(chunk, RECEIVED_S)]
    assert azimuths(detections) == [5.0, 15.0] and errors == []
    assert decoder.held_bytes == len(C) - 4  # the cut block is held, not yet an error
    assert decoder.finish(RECEIVED_S) == []  # its only record lost its tail
    (truncated, *rest) = errors
    assert type(truncated).__name__ == "TruncatedError"
    assert truncated.offset == len(A) + len(B)
    assert f"CAT048 block of {len(C)} bytes: {len(C) - 4} arrived, 4 never did" in truncated.reason
    assert all(e.offset >= len(A) + len(B) for e in rest)
    assert decoder.held_bytes == 0 and decoder.finish(RECEIVED_S) == []  # said once


def test_the_whole_records_of_a_block_cut_off_at_the_end_are_still_read() -> None:
    decoder, errors = stream_decoder()
    assert azimuths(decoder.decode(A + TWO_CUT, RECEIVED_S)) == [5.0]
    assert azimuths(decoder.finish(RECEIVED_S)) == [120.0]
    assert kinds(errors) == ["TruncatedError"] and errors[0].offset == len(A)
    assert f"{len(TWO) - len(TWO_CUT)} never did" in errors[0].reason


def test_a_stream_that_ends_inside_a_header_is_reported() -> None:
    decoder, errors = stream_decoder()
    decoder.decode(A, RECEIVED_S)
    decoder.decode(B[:2], RECEIVED_S)
    assert errors == []
    decoder.finish(RECEIVED_S)
    assert kinds(errors) == ["TruncatedError"] and errors[0].offset == len(A)
    assert "2 byte(s) into the header of a CAT048 block" in errors[0].reason


@pytest.mark.parametrize("cut", [1, 3, 4, 6, 8, 10, 11, 12])
def test_garbage_between_blocks_of_a_stream_is_skipped_and_counted_once(cut: int) -> None:
    garbage = bytes([0x30, 0x00, 0x01, 0xFF, 0x13, 0x37, 0x00])  # begins like a CAT048 header
    data = A + garbage + B + C
    decoder, errors = stream_decoder()
    chunks = pieces(data, [len(A) + cut, len(A) + len(garbage) + 2])
    assert azimuths(read(decoder, chunks)) == [5.0, 15.0, 25.0]
    assert kinds(errors) == ["FramingError"] and errors[0].offset == len(A)
    assert decoder.stats.errors == 1


def test_a_damaged_length_does_not_hold_up_the_blocks_behind_it() -> None:
    """A header of an implausible length at the end of a read is not waited for: the good
    blocks of the next reads come out as they arrive."""
    decoder, errors = stream_decoder()
    assert azimuths(decoder.decode(A + bytes([0x30, 0xEA, 0x60, 0x80]), RECEIVED_S)) == [5.0]
    assert azimuths(decoder.decode(B, RECEIVED_S)) == [15.0]
    assert decoder.held_bytes == 0 and errors
    decoder, errors = stream_decoder()  # a category this feed does not read: not waited for
    assert azimuths(decoder.decode(A + bytes([0x01, 0x00, 0x40]), RECEIVED_S)) == [5.0]
    assert azimuths(decoder.decode(B, RECEIVED_S)) == [15.0] and decoder.held_bytes == 0
    assert "list it in ignored_categories" in errors[0].reason


def test_an_ignored_category_cut_by_a_read_is_skipped_whole() -> None:
    cat065 = bytes([65]) + (6).to_bytes(2, "big") + b"\x80\x19\x64"
    decoder, errors = stream_decoder(ignored_categories=(65,))
    chunks = pieces(A + cat065 + B, [len(A) + 2, len(A) + 4])
    assert azimuths(read(decoder, chunks)) == [5.0, 15.0]
    assert errors == [] and decoder.counts.ignored_blocks == 1


def test_a_long_block_is_waited_for_up_to_the_configured_length() -> None:
    """A CAT048 block of 400 plots (over 8 KiB) cut by a read: by default it is not waited for
    and most of it is lost; a feed configured for long blocks reads every plot."""
    plots = [
        cat048_record(Plot(tod_s=30_000.0 + k / 100, theta_deg=k * 0.5, address=k + 1)) for k in range(400)
    ]
    long_block = block(CAT048, plots)
    assert 8192 < len(long_block) <= 65535
    chunks = pieces(long_block + B, [1000, 5000])
    decoder, errors = stream_decoder()
    assert len(read(decoder, chunks)) < 100 and errors
    assert "max_stream_block_bytes" in errors[0].reason
    decoder, errors = stream_decoder(max_stream_block_bytes=65535)
    assert len(read(decoder, chunks)) == 401 and errors == []


@pytest.mark.parametrize("length", [2, 65536])
def test_a_block_length_no_block_can_have_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="max_stream_block_bytes"):
        AsterixConfig(sensor=RADAR, max_stream_block_bytes=length)


# ---------------------------------------------------------------------------- listeners and site


def feed(transport: str, **fields: object) -> FeedConfig:
    return FeedConfig(name="psr", format="asterix", transport=transport, sensor=RADAR, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("transport", "stream"),
    [
        ("tcp-client", True),
        ("tcp-server", True),
        ("file", True),
        ("udp", False),
        ("udp-multicast", False),
        ("pcap", False),
    ],
)
def test_site_feeds_read_asterix_as_a_stream_over_tcp_and_files_only(transport: str, stream: bool) -> None:
    assert decoder_options(feed(transport)).get("stream", False) is stream
    decoder = make_decoder(feed(transport))
    assert isinstance(decoder, AsterixDecoder) and decoder.stream is stream


def test_a_site_can_still_say_how_a_feed_is_framed() -> None:
    assert decoder_options(feed("tcp-server", options={"stream": False}))["stream"] is False


def test_a_site_sets_the_longest_block_a_stream_waits_for() -> None:
    decoder = make_decoder(feed("tcp-client", options={"max_stream_block_bytes": 65535}))
    assert isinstance(decoder, AsterixDecoder) and decoder.config.max_stream_block_bytes == 65535


def test_a_tcp_sender_writing_blocks_in_awkward_pieces_loses_nothing() -> None:
    data = b"".join(POOL)
    cuts = [1, 2, len(A) - 1, len(A) + 3, len(A) + len(B), len(data) - 5]
    received: list[Decoded] = []

    async def scenario() -> None:
        listener = TcpServerListener(
            "psr", lambda: make_decoder(feed("tcp-server")), received.append, host="127.0.0.1", port=0
        )
        task = asyncio.create_task(listener.run())
        await asyncio.wait_for(listener.ready.wait(), 5.0)
        assert listener.bound_port is not None
        for sent in (data, data + TWO_CUT):  # the second sender hangs up inside a block
            _, writer = await asyncio.open_connection("127.0.0.1", listener.bound_port)
            for piece in pieces(sent, cuts):
                writer.write(piece)
                await writer.drain()
                await asyncio.sleep(0.01)  # so that the pieces arrive as reads of their own
            writer.close()
            await writer.wait_closed()
        for _ in range(200):
            if listener.stats.disconnections == 2 and listener.decode_stats().errors:
                break
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert listener.decode_stats().errors_by_kind == {"TruncatedError": 1}

    asyncio.run(asyncio.wait_for(scenario(), 15.0))
    whole, _ = stream_decoder()
    expected = read(whole, [data])
    detections = [d for chunk in received for d in chunk.detections]
    assert summary(detections) == summary(expected + expected + read(stream_decoder()[0], [TWO_CUT]))
    hang_up = [chunk for chunk in received if chunk.size_bytes == 0]  # handed on as a chunk
    assert [(chunk.errors, azimuths(chunk.detections)) for chunk in hang_up] == [(1, [120.0])]


def test_a_recording_read_in_small_chunks_replays_every_detection(tmp_path: Path) -> None:
    path = tmp_path / "radar.ast"
    data = b"".join(POOL) + TWO_CUT
    path.write_bytes(data)
    received: list[Decoded] = []
    listener = FileListener(
        "psr",
        lambda: make_decoder(feed("file")),
        received.append,
        path=path,
        pace="fast",
        rebase_time=False,
        chunk_bytes=7,
    )
    asyncio.run(asyncio.wait_for(listener.run(), 15.0))
    whole, _ = stream_decoder()
    expected = read(whole, [data])
    assert sorted(summary([d for chunk in received for d in chunk.detections])) == sorted(summary(expected))
    assert len(expected) == len(POOL) + 1
    assert listener.decode_stats().errors_by_kind == {"TruncatedError": 1}
