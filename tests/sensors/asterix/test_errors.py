"""Bad input: every fault is reported with feed, byte offset and reason, counted, and the good
blocks and records around it are still decoded."""

from __future__ import annotations

import asterix.generated as gen
import pytest

from raqib.sensors.asterix import AsterixConfig, AsterixDecoder
from raqib.sensors.asterix.framing import of_categories, split_runs
from raqib.sensors.base import DecodeError
from tests.sensors.asterix.builders import (
    CAT048,
    CAT062,
    RADAR,
    Plot,
    SystemTrack,
    block,
    cat048_record,
    cat062_record,
)

RECEIVED_S = 1_462_406_400.0 + 27_356.5
A = block(CAT048, [cat048_record(Plot(theta_deg=10.0)), cat048_record(Plot(theta_deg=20.0))])
B = block(CAT048, [cat048_record(Plot(theta_deg=30.0))])


def run(data: bytes, **options: object) -> tuple[list[float], list[DecodeError], AsterixDecoder]:
    errors: list[DecodeError] = []
    config = AsterixConfig(sensor=RADAR, duplicate_window_s=0.0, **options)  # type: ignore[arg-type]
    decoder = AsterixDecoder(RADAR, config=config, on_error=errors.append)
    detections = decoder.decode(data, RECEIVED_S)
    assert decoder.stats.errors == len(errors)
    return [round(d.azimuth_deg or 0.0) for d in detections], errors, decoder


def with_length(data: bytes, length: int) -> bytes:
    return data[:1] + length.to_bytes(2, "big") + data[3:]


def kinds(errors: list[DecodeError]) -> list[str]:
    return [type(e).__name__ for e in errors]


def test_clean_datagram_of_several_blocks() -> None:
    azimuths, errors, _ = run(A + B)
    assert azimuths == [10, 20, 30] and errors == []


def test_truncated_block_keeps_its_whole_records() -> None:
    cut = A[: len(A) - 5]  # the second record loses its tail
    azimuths, errors, _ = run(B + cut)
    assert azimuths == [30, 10]
    assert kinds(errors) == ["TruncatedError", "FramingError"]
    assert errors[0].offset == len(B) and f"only {len(cut)} arrived" in errors[0].reason
    assert errors[0].feed == "asterix:radar-1"


def test_length_field_shorter_than_the_data() -> None:
    short = with_length(A, len(A) - 4)
    azimuths, errors, _ = run(short + B)
    assert azimuths == [10, 30]  # the cut record is lost, the next block is found again
    assert "does not parse" in errors[0].reason


def test_length_field_longer_than_the_data_that_follows() -> None:
    long = with_length(A, len(A) + 2)
    azimuths, errors, _ = run(long + B)
    assert azimuths[:2] == [10, 20] and azimuths[-1] == 30
    assert errors


def test_garbage_between_blocks_is_skipped_to_the_next_block() -> None:
    azimuths, errors, _ = run(A + bytes(7) + B)
    assert azimuths == [10, 20, 30]
    assert kinds(errors) == ["FramingError"] and errors[0].offset == len(A)


def test_stray_bytes_after_the_last_block() -> None:
    azimuths, errors, _ = run(A + b"\x30\x00")
    assert azimuths == [10, 20]
    assert "stray" in errors[0].reason and errors[0].offset == len(A)


def test_unknown_category_is_skipped_and_reported() -> None:
    other = bytes([99]) + (8).to_bytes(2, "big") + bytes(5)
    azimuths, errors, _ = run(A + other + B)
    assert azimuths == [10, 20, 30]
    assert kinds(errors) == ["UnsupportedError"] and "CAT099" in errors[0].reason


def test_ignored_category_is_skipped_quietly() -> None:
    cat065 = bytes([65]) + (6).to_bytes(2, "big") + b"\x80\x19\x64"
    azimuths, errors, decoder = run(A + cat065, ignored_categories=(65,))
    assert azimuths == [10, 20] and errors == [] and decoder.counts.ignored_blocks == 1


def test_wrong_category_label_is_not_believed() -> None:
    track_block = block(CAT062, [cat062_record(SystemTrack())])
    azimuths, errors, _ = run(bytes([48]) + track_block[1:] + B)
    assert azimuths == [30]
    assert errors and all(e.offset < len(track_block) for e in errors)


def test_wrong_edition_records_are_rejected_and_the_right_edition_reads_them() -> None:
    old = gen.Cat_021_0_26
    record = old.cv_record.create(
        {
            "010": (0, 3),
            "040": (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
            "030": 100.0,
            "130": (45.0, 16.0),
            "080": 0xABCDEF,
            "170": "ABC123",
        }
    )
    data = bytes(old.create([record]).unparse().to_bytes())
    _, errors, decoder = run(data)
    assert decoder.stats.detections == 0 and errors
    _, errors, decoder = run(data, editions={"21": "0.26"})
    assert decoder.stats.detections == 1 and errors == []


def test_empty_fspec_ends_the_block() -> None:
    padded = with_length(B + b"\x00\x00", len(B) + 2)
    azimuths, errors, _ = run(padded)
    assert azimuths == [30]
    assert "empty FSPEC" in errors[0].reason and errors[0].offset == len(B)


@pytest.mark.parametrize("data", [b"", b"\x30", b"\x30\x00\x02", b"\xff" * 40, bytes(range(256))])
def test_hopeless_input_never_raises(data: bytes) -> None:
    azimuths, errors, decoder = run(data)
    assert azimuths == []
    assert decoder.stats.chunks == 1 and (errors or not data)


def test_offsets_count_from_the_start_of_the_feed() -> None:
    errors: list[DecodeError] = []
    decoder = AsterixDecoder(RADAR, on_error=errors.append)
    decoder.decode(A, RECEIVED_S)
    decoder.decode(bytes(4), RECEIVED_S)
    assert errors[0].offset == len(A)
    assert str(errors[0]).startswith(f"asterix:radar-1: byte {len(A)}: ")


def test_redundant_copies_within_the_window_are_dropped() -> None:
    decoder = AsterixDecoder(RADAR, config=AsterixConfig(sensor=RADAR, duplicate_window_s=1.0))
    assert len(decoder.decode(B, RECEIVED_S)) == 1
    assert decoder.decode(B, RECEIVED_S + 0.01) == []  # the copy from the other LAN
    assert len(decoder.decode(B, RECEIVED_S + 5.0)) == 1  # long after: a new report
    assert decoder.counts.duplicates == 1


def test_split_runs_passes_every_byte_once_in_order() -> None:
    data = A + bytes(7) + B + A + b"\x99"
    runs = list(split_runs(data, of_categories({48}), max_bytes=40))
    assert b"".join(runs) == data and len(runs) > 1
