"""ASTERIX data-block framing: where blocks start and end in a datagram, a file or a stream.

A datagram (or a raw ``.ast`` file) is a run of data blocks::

    CAT (1 byte) | LEN (2 bytes, big-endian, counting these 3) | records ...

Nothing in a block says where the next one starts except LEN, so a damaged LEN loses the
thread. ``resync`` finds it again: the next offset where a whole block begins that passes a
check (for the decoder: its records parse exactly under the configured edition) and is
followed by the end of the data or by another header.

On a byte stream (TCP, a file read in pieces) the end of the data so far is not the end of
the blocks: ``stream_boundary`` and ``stream_resync`` answer "not yet" where the bytes still
to come decide, so that a stream cut anywhere frames as it would in one piece.
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
# Whether the block starting at the offset, which runs past the end of the data (or whose
# header is cut short), is worth waiting for on a stream.
WaitCheck = Callable[[bytes, int], bool]


def stream_boundary(data: bytes, offset: int, may_wait: WaitCheck) -> bool | None:
    """``plausible_boundary`` on a stream: None while the bytes still to come decide it (the
    data ends at ``offset``, or there begins a block worth waiting for that has not all
    arrived)."""
    if offset == len(data):
        return None
    header = read_header(data, offset)
    if isinstance(header, BlockHeader) and not header.truncated:
        return True
    cut_short = isinstance(header, BlockHeader) or len(data) - offset < HEADER_BYTES
    return None if cut_short and may_wait(data, offset) else False


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


def stream_resync(
    data: bytes, start: int, looks_like_block: BlockCheck, may_wait: WaitCheck
) -> tuple[int, bool]:
    """``resync`` on a stream: (offset, True) where a block is found; (offset, False) where a
    candidate that more bytes will decide begins (wait there), or ``len(data)`` when no
    offset from ``start`` can begin a block.

    Unlike ``resync`` it does not look for a header after the block: on a stream that may not
    have arrived yet, and waiting for it would hold up the block found. The check is weak in
    any case: it turns away only a length under 4 after the block (zero padding)."""
    for offset in range(start, len(data)):
        header = read_header(data, offset)
        if isinstance(header, FramingFault):
            if len(data) - offset < HEADER_BYTES and may_wait(data, offset):
                return offset, False
            continue
        if header.truncated:
            if may_wait(data, offset):
                return offset, False
            continue
        if looks_like_block(data, header):
            return offset, True
    return len(data), False


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
