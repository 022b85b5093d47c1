"""Recordings on disk: raw block files and pcap captures of the UDP feed."""

from __future__ import annotations

from pathlib import Path

import dpkt
import pytest

from raqib.sensors.asterix import AsterixDecoder, decode_file, iter_chunks
from raqib.sensors.base import DecodeError
from tests.sensors.asterix.builders import CAT034, CAT048, RADAR, Plot, block, cat034_record, cat048_record

DAY_S = 1_462_406_400.0  # 2016-05-05 00:00 UTC
SOURCE_IP = bytes([10, 0, 0, 1])
GROUP_IP = bytes([224, 1, 1, 1])  # radar feeds are usually multicast
PLOTS = [block(CAT048, [cat048_record(Plot(tod_s=100.0 + i, theta_deg=10.0 * i))]) for i in range(5)]


def write_pcap(path: Path, datagrams: list[tuple[float, bytes]], ports: tuple[int, ...] = (8600,)) -> None:
    with path.open("wb") as stream:
        writer = dpkt.pcap.Writer(stream)
        for index, (time_s, payload) in enumerate(datagrams):
            udp = dpkt.udp.UDP(sport=5000, dport=ports[index % len(ports)], data=payload)
            udp.ulen = len(udp)
            ip = dpkt.ip.IP(
                src=b"\x0a\x00\x00\x01", dst=b"\xe0\x01\x01\x01", p=dpkt.ip.IP_PROTO_UDP, data=udp
            )
            ip.len = len(ip)
            frame = dpkt.ethernet.Ethernet(src=b"\x00" * 6, dst=b"\x01\x00\x5e\x01\x01\x01", data=ip)
            writer.writepkt(bytes(frame) + b"\x00" * 4, ts=time_s)  # with Ethernet padding


def test_raw_file_dated_on_the_given_day(tmp_path: Path) -> None:
    path = tmp_path / "feed.ast"
    path.write_bytes(b"".join(PLOTS))
    detections = list(decode_file(path, AsterixDecoder(RADAR), day_s=DAY_S + 3600.0))
    assert [d.time_s for d in detections] == [DAY_S + 100.0 + i for i in range(5)]


def test_raw_file_without_a_day_gives_seconds_of_the_day(tmp_path: Path) -> None:
    path = tmp_path / "feed.ast"
    path.write_bytes(PLOTS[0])
    (detection,) = decode_file(path, AsterixDecoder(RADAR))
    assert detection.time_s == 100.0


def test_damaged_raw_file_loses_only_the_damage(tmp_path: Path) -> None:
    path = tmp_path / "feed.ast"
    data = PLOTS[0] + PLOTS[1] + b"\x30\x00" + PLOTS[2] + PLOTS[3] + PLOTS[4][:-3]
    path.write_bytes(data)
    errors: list[DecodeError] = []
    decoder = AsterixDecoder(RADAR, on_error=errors.append)
    detections = list(decode_file(path, decoder))
    assert [round(d.azimuth_deg or 0) for d in detections] == [0, 10, 20, 30]
    damage = len(PLOTS[0] + PLOTS[1])
    assert errors and damage <= errors[0].offset <= damage + 3  # the bad header, or its first record
    assert b"".join(c.data for c in iter_chunks(path)) == data


def test_pcap_capture_times_date_the_reports(tmp_path: Path) -> None:
    path = tmp_path / "feed.pcap"
    marker = block(CAT034, [cat034_record(1, 99.5)])
    write_pcap(path, [(DAY_S + 101.0, PLOTS[0] + marker), (DAY_S + 102.5, PLOTS[1] + PLOTS[2])])
    decoder = AsterixDecoder(RADAR)
    detections = list(decode_file(path, decoder))
    assert [d.time_s for d in detections] == [DAY_S + 100.0, DAY_S + 101.0, DAY_S + 102.0]
    assert decoder.stats.errors == 0 and decoder.stats.chunks == 2  # padding trimmed
    assert decoder.service is not None and decoder.service.north_marker_time_s == DAY_S + 99.5


def test_capture_across_midnight(tmp_path: Path) -> None:
    path = tmp_path / "midnight.pcap"
    late = block(CAT048, [cat048_record(Plot(tod_s=86_399.5))])
    early = block(CAT048, [cat048_record(Plot(tod_s=0.5, theta_deg=1.0))])
    write_pcap(path, [(DAY_S - 0.1, late), (DAY_S + 0.1, late), (DAY_S + 0.6, early)])
    decoder = AsterixDecoder(RADAR)
    detections = list(decode_file(path, decoder))
    assert [d.time_s for d in detections] == [pytest.approx(DAY_S - 0.5), pytest.approx(DAY_S + 0.5)]
    assert decoder.counts.duplicates == 1


def test_capture_filtered_to_the_feed_port(tmp_path: Path) -> None:
    path = tmp_path / "two-feeds.pcap"
    write_pcap(path, [(DAY_S + 101.0, PLOTS[0]), (DAY_S + 102.0, b"not asterix at all")], ports=(8600, 9000))
    decoder = AsterixDecoder(RADAR)
    assert len(list(decode_file(path, decoder, port=8600))) == 1
    assert decoder.stats.errors == 0
    assert list(decode_file(path, AsterixDecoder(RADAR), port=9999)) == []
