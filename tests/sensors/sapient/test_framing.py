"""The 4-byte little-endian length framing: splitting, bounds, resynchronisation, truncation."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.sensors.base import DecodeError, FramingError, TruncatedError
from raqib.sensors.sapient.framing import START_TAGS, FrameReader, encode_frame

# Payloads that start as a SapientMessage does (field 1, the timestamp, comes first).
payloads = st.binary(min_size=0, max_size=300).map(lambda body: b"\x0a" + body)


def reader(errors: list[DecodeError], **kwargs: int) -> FrameReader:
    return FrameReader("test-feed", errors.append, **kwargs)


def test_a_frame_is_a_little_endian_length_then_the_payload() -> None:
    assert encode_frame(b"\x0a\x01\x02") == b"\x03\x00\x00\x00\x0a\x01\x02"


def test_frames_split_anywhere_across_reads_come_out_whole_with_their_offsets() -> None:
    stream = encode_frame(b"\x0aabc") + encode_frame(b"\x12" * 300)
    for cut in range(len(stream) + 1):
        errors: list[DecodeError] = []
        frames_reader = reader(errors)
        frames = frames_reader.feed_data(stream[:cut]) + frames_reader.feed_data(stream[cut:])
        assert [(f.offset, f.payload) for f in frames] == [(0, b"\x0aabc"), (8, b"\x12" * 300)]
        assert errors == []
        assert frames_reader.buffered == 0


def test_a_length_over_the_bound_is_reported_and_the_next_frame_still_read() -> None:
    errors: list[DecodeError] = []
    frames_reader = reader(errors, max_frame_bytes=1000)
    good = encode_frame(b"\x0agood")
    frames = frames_reader.feed_data(struct.pack("<I", 5000) + b"\xee" * 20 + good)
    assert [f.payload for f in frames] == [b"\x0agood"]
    assert frames[0].offset == 24
    assert len(errors) == 1
    assert isinstance(errors[0], FramingError)
    assert errors[0].offset == 0
    assert errors[0].feed == "test-feed"
    assert "5000" in errors[0].reason and "1..1000" in errors[0].reason
    assert frames_reader.skipped_bytes == 24


def test_a_zero_length_prefix_is_a_framing_error() -> None:
    errors: list[DecodeError] = []
    frames = reader(errors).feed_data(b"\x00\x00\x00\x00" + encode_frame(b"\x0ax"))
    assert [f.payload for f in frames] == [b"\x0ax"]
    assert [type(e) for e in errors] == [FramingError]


def test_resynchronisation_waits_for_the_tag_byte_of_a_candidate() -> None:
    errors: list[DecodeError] = []
    frames_reader = reader(errors)
    good = encode_frame(b"\x0a\x05hello")
    data = b"\xff\xff\xff\xff" + good
    frames = []
    for i in range(len(data)):  # one byte at a time: the candidate is only judged once complete
        frames += frames_reader.feed_data(data[i : i + 1])
    assert [f.payload for f in frames] == [b"\x0a\x05hello"]
    assert len(errors) == 1


def test_a_stream_that_ends_inside_a_frame_reports_a_truncated_frame() -> None:
    errors: list[DecodeError] = []
    frames_reader = reader(errors)
    assert frames_reader.feed_data(encode_frame(b"\x0a" * 50)[:30]) == []
    frames_reader.close()
    assert [type(e) for e in errors] == [TruncatedError]
    assert "26 of 50 bytes" in errors[0].reason
    assert frames_reader.buffered == 0


def test_the_bound_must_fit_the_prefix() -> None:
    with pytest.raises(ValueError, match="max_frame_bytes"):
        FrameReader("f", lambda e: None, max_frame_bytes=0)


@given(st.lists(payloads, max_size=8), st.data())
def test_any_chunking_of_a_valid_stream_gives_the_same_frames(body: list[bytes], data: st.DataObject) -> None:
    stream = b"".join(encode_frame(p) for p in body)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    errors: list[DecodeError] = []
    frames_reader = reader(errors)
    frames = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        frames += frames_reader.feed_data(stream[start:end])
    assert [f.payload for f in frames] == [p for p in body if p]
    assert errors == []


# Garbage without a zero byte can never hold a plausible length prefix (its top byte is zero).
garbage = st.binary(min_size=1, max_size=200).map(lambda b: b.replace(b"\x00", b"\x01"))


@given(garbage, st.lists(payloads.filter(len), min_size=1, max_size=5))
def test_garbage_before_good_frames_costs_only_the_garbage(junk: bytes, body: list[bytes]) -> None:
    errors: list[DecodeError] = []
    frames_reader = reader(errors)
    frames = frames_reader.feed_data(junk + b"".join(encode_frame(p) for p in body))
    assert [f.payload for f in frames] == body
    assert len(errors) == 1 and isinstance(errors[0], FramingError)
    assert frames_reader.skipped_bytes == len(junk)


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=64), max_size=12), st.integers(1, 4096))
def test_any_bytes_are_accounted_for_and_nothing_raises(chunks: list[bytes], bound: int) -> None:
    errors: list[DecodeError] = []
    frames_reader = reader(errors, max_frame_bytes=bound)
    frames = []
    for chunk in chunks:
        frames += frames_reader.feed_data(chunk)
    frames_reader.close()
    total = sum(len(c) for c in chunks)
    assert sum(4 + len(f.payload) for f in frames) + frames_reader.skipped_bytes == total
    assert all(0 < len(f.payload) <= bound for f in frames)
    assert all(0 <= e.offset <= total for e in errors)


def test_every_start_tag_is_a_length_delimited_sapient_message_field() -> None:
    assert [tag >> 3 for tag in START_TAGS] == list(range(1, 14))
    assert {tag & 7 for tag in START_TAGS} == {2}
