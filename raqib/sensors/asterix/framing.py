"""ASTERIX data-block framing: where blocks start and end in a datagram or a file.

A datagram (or a raw ``.ast`` file) is a run of data blocks::

    CAT (1 byte) | LEN (2 bytes, big-endian, counting these 3) | records ...

Nothing in a block says where the next one starts except LEN, so a damaged LEN loses the
thread. ``resync`` finds it again: the next offset where a whole block begins that passes a
check (for the decoder: its records parse exactly under the configured edition) and is
followed by the end of the data or by another header.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass

HEADER_BYTES = 3
# A block holds at least one record, and a record at least one FSPEC byte.
MIN_BLOCK_BYTES = HEADER_BYTES + 1


@dataclass(frozen=True, slots=True)
class BlockHeader:
    """A data block's header at ``offset``; ``end`` is where its records stop in the data."""

    category: int
    offset: int
    declared_length: int
    end: int

    @property
    def truncated(self) -> bool:
        """The block declares more bytes than the data holds."""
        return self.end < self.offset + self.declared_length

    @property
    def records_offset(self) -> int:
        return self.offset + HEADER_BYTES


@dataclass(frozen=True, slots=True)
class FramingFault:
    """Bytes at ``offset`` that do not frame as a data block."""

    offset: int
    reason: str


def read_header(data: bytes, offset: int) -> BlockHeader | FramingFault:
    """The data block that starts at ``offset``, or why none can."""
    left = len(data) - offset
    if left < HEADER_BYTES:
        return FramingFault(offset, f"{left} stray byte(s) after the last data block, too few for a header")
    category = data[offset]
    length = int.from_bytes(data[offset + 1 : offset + 3], "big")
    if length < MIN_BLOCK_BYTES:
        return FramingFault(
            offset, f"CAT{category:03d} block declares length {length}: too short for a record"
        )
    return BlockHeader(category, offset, length, min(offset + length, len(data)))


def plausible_boundary(data: bytes, offset: int) -> bool:
    """``offset`` is the end of the data or the start of a block that fits in it."""
    if offset == len(data):
        return True
    header = read_header(data, offset)
    return isinstance(header, BlockHeader) and not header.truncated


BlockCheck = Callable[[bytes, BlockHeader], bool]


def of_categories(categories: Container[int]) -> BlockCheck:
    """The weakest check of a candidate block: its category is one we expect."""

    def check(data: bytes, header: BlockHeader) -> bool:
        return header.category in categories

    return check


def resync(data: bytes, start: int, looks_like_block: BlockCheck) -> int:
    """The first offset from ``start`` where a whole block begins that ``looks_like_block``
    (the decoder's check parses its records) and is followed by the end of the data or by
    another header; ``len(data)`` when there is none."""
    for offset in range(start, len(data) - HEADER_BYTES + 1):
        header = read_header(data, offset)
        if (
            isinstance(header, BlockHeader)
            and not header.truncated
            and (header.end == len(data) or isinstance(read_header(data, header.end), BlockHeader))
            and looks_like_block(data, header)
        ):
            return offset
    return len(data)


def split_runs(data: bytes, looks_like_block: BlockCheck, max_bytes: int = 1 << 16) -> Iterator[bytes]:
    """Cut a long run of blocks (a raw recording) into chunks of whole blocks of about
    ``max_bytes``; bytes that do not frame stay in a chunk with their neighbours, so every
    byte is passed on once and in order."""
    start = offset = 0
    while offset < len(data):
        header = read_header(data, offset)
        if isinstance(header, FramingFault) or header.truncated or not plausible_boundary(data, header.end):
            offset = resync(data, offset + 1, looks_like_block)
        else:
            offset = header.end
        if offset - start >= max_bytes:
            yield data[start:offset]
            start = offset
    if start < len(data):
        yield data[start:]
