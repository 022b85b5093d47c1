"""Packet captures (pcap and pcapng, read with dpkt) as a stream of link-layer frames, and
the UDP payloads inside them.

Bad packets are reported and skipped; a capture that ends mid-packet yields what came before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import dpkt

CAPTURE_MAGICS = frozenset(
    {
        b"\xd4\xc3\xb2\xa1",  # pcap, microseconds, little-endian
        b"\xa1\xb2\xc3\xd4",
        b"\x4d\x3c\xb2\xa1",  # pcap, nanoseconds
        b"\xa1\xb2\x3c\x4d",
        b"\x0a\x0d\x0d\x0a",  # pcapng
    }
)


def is_capture(path: str | Path) -> bool:
    """Whether the file is a pcap or pcapng capture (by its first four bytes)."""
    with open(path, "rb") as stream:
        return stream.read(4) in CAPTURE_MAGICS


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured frame: capture time (UNIX seconds), link type (DLT number), raw bytes."""

    time_s: float
    linktype: int
    data: bytes
    index: int  # the frame's position in the capture, from 0


DLT_EN10MB = 1
DLT_RAW = 101
DLT_LINUX_SLL = 113
DLT_IEEE802_11 = 105
DLT_IEEE802_11_RADIO = 127
DLT_BLUETOOTH_LE_LL = 251
DLT_BLUETOOTH_LE_LL_WITH_PHDR = 256
DLT_NORDIC_BLE = 272


def iter_frames(path: str | Path, on_error: Callable[[str], None] | None = None) -> Iterator[Frame]:
    """Every frame of a pcap or pcapng file, in capture order."""
    with open(path, "rb") as stream:
        yield from _iter_stream(stream, str(path), on_error)


def _iter_stream(stream: BinaryIO, name: str, on_error: Callable[[str], None] | None) -> Iterator[Frame]:
    magic = stream.read(4)
    stream.seek(0)
    reader: dpkt.pcap.Reader | dpkt.pcapng.Reader
    try:
        reader = dpkt.pcapng.Reader(stream) if magic == b"\x0a\x0d\x0d\x0a" else dpkt.pcap.Reader(stream)
    except (ValueError, dpkt.dpkt.Error) as exc:
        if on_error:
            on_error(f"{name}: not a pcap or pcapng capture: {exc}")
        return
    linktype = reader.datalink()
    index = 0
    try:
        for timestamp, data in reader:
            yield Frame(float(timestamp), linktype, bytes(data), index)
            index += 1
    except (ValueError, dpkt.dpkt.Error, EOFError) as exc:
        if on_error:
            on_error(f"{name}: frame {index}: capture ends in a damaged record: {exc}")


@dataclass(frozen=True, slots=True)
class Datagram:
    time_s: float
    src: str
    dst: str
    dst_port: int
    payload: bytes
    index: int


def iter_udp(path: str | Path, on_error: Callable[[str], None] | None = None) -> Iterator[Datagram]:
    """The UDP datagrams of a capture (Ethernet, Linux cooked or raw IP; IPv4 or IPv6).

    The payload is cut to the UDP length, which drops Ethernet padding."""
    for frame in iter_frames(path, on_error):
        try:
            ip = _ip_packet(frame)
        except (dpkt.dpkt.Error, ValueError, IndexError) as exc:
            if on_error:
                on_error(f"{path}: frame {frame.index}: unreadable link layer: {exc}")
            continue
        if ip is None or not isinstance(ip.data, dpkt.udp.UDP):
            continue
        udp = ip.data
        payload = bytes(udp.data)[: max(0, udp.ulen - 8)] if udp.ulen else bytes(udp.data)
        src = _address(ip.src)
        dst = _address(ip.dst)
        yield Datagram(frame.time_s, src, dst, int(udp.dport), payload, frame.index)


def _ip_packet(frame: Frame) -> dpkt.ip.IP | dpkt.ip6.IP6 | None:
    if frame.linktype == DLT_EN10MB:
        eth = dpkt.ethernet.Ethernet(frame.data)
        packet = eth.data
    elif frame.linktype == DLT_LINUX_SLL:
        packet = dpkt.sll.SLL(frame.data).data
    elif frame.linktype in (DLT_RAW, 12, 14):
        version = frame.data[0] >> 4
        packet = dpkt.ip.IP(frame.data) if version == 4 else dpkt.ip6.IP6(frame.data)
    else:
        return None
    return packet if isinstance(packet, dpkt.ip.IP | dpkt.ip6.IP6) else None


def _address(raw: bytes) -> str:
    import ipaddress

    return str(ipaddress.ip_address(raw))
