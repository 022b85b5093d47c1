"""ASTERIX recordings on disk: pcap/pcapng captures of the UDP feed, or raw concatenated
data blocks (``.ast``, ``.raw``, ``.bin``), told apart by their first bytes.

A capture dates each datagram with its capture time, which the decoder uses as the receive
time. A raw file has no timestamps: every report is dated on the UTC day of ``day_s`` (any
UNIX time on that day; by default 1970-01-01, so that times come out as seconds of the day).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from raqib.model import Detection
from raqib.sensors.asterix.clock import noon_of
from raqib.sensors.asterix.config import SUPPORTED_CATEGORIES
from raqib.sensors.asterix.decoder import AsterixDecoder
from raqib.sensors.asterix.framing import of_categories, split_runs
from raqib.sensors.base import FramingError
from raqib.sensors.capture import is_capture, iter_udp


@dataclass(frozen=True, slots=True)
class Chunk:
    """Bytes to decode together, and the time they were (or are taken to be) received."""

    receive_time_s: float
    data: bytes


def iter_chunks(
    path: str | Path,
    *,
    day_s: float = 0.0,
    categories: Collection[int] = SUPPORTED_CATEGORIES,
    port: int | None = None,
    on_error: Callable[[str], None] | None = None,
) -> Iterator[Chunk]:
    """The datagrams of a capture (those to UDP ``port``, if given), or a raw file cut into
    runs of whole blocks."""
    if is_capture(path):
        for datagram in iter_udp(path, on_error):
            if port is None or datagram.dst_port == port:
                yield Chunk(datagram.time_s, datagram.payload)
        return
    reference_s = noon_of(day_s)
    data = Path(path).read_bytes()
    for run in split_runs(data, of_categories(frozenset(categories))):
        yield Chunk(reference_s, run)


def decode_file(
    path: str | Path, decoder: AsterixDecoder, *, day_s: float = 0.0, port: int | None = None
) -> Iterator[Detection]:
    """Every Detection in a recording, in order; errors go to the decoder's sink and stats."""
    categories = (*SUPPORTED_CATEGORIES, *decoder.config.ignored_categories)

    def capture_error(message: str) -> None:
        decoder.error(FramingError, 0, message)

    for chunk in iter_chunks(path, day_s=day_s, categories=categories, port=port, on_error=capture_error):
        yield from decoder.decode(chunk.data, chunk.receive_time_s)
