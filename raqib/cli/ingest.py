"""`raqib ingest FORMAT FILE -o REC.jsonl`: decode a capture or file of a feed into a
CONTRACT.md recording, so any real capture can be replayed, tracked and evaluated.

    raqib ingest beast capture.bin --sensor-lat 59.7 --sensor-lon 30.6 --sensor-alt 20 -o rec.jsonl
    raqib ingest asterix radar.pcap --site site.toml --feed psr-north -o rec.jsonl
    raqib ingest sbs feed.txt --sensor-lat 59.7 --sensor-lon 30.6 --sensor-alt 20 -o -

FILE is one of:
  * a pcap/pcapng capture (told by its first bytes): each UDP datagram (``--port`` keeps one
    port) is decoded with its capture time as the receive time; formats that read radio frames
    (remoteid-frames) get the link-layer frames instead;
  * anything else: the file's bytes as the feed would send them (a Beast dump, SBS or raw hex
    text, concatenated ASTERIX blocks, JSON Lines), decoded as one stream received at
    ``--start-time`` (default: the file's modification time). Remote ID files are read one
    record per line (``--split lines``).

The recording holds a ``site`` line (the site file's origin, ``--site-lat/lon/alt``, or the
sensor's position), the ``sensor`` line, then the detections in time order. Detections that
name another sensor (a SAPIENT node's UUID) are given the sensor's id unless
``--keep-sensor-ids``. What could not be read is summarised on standard error.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

import msgspec

from raqib.model import Detection, Sensor, Site
from raqib.recorder.contract import ContractError, RecordingWriter, encode_line, parse_line
from raqib.sensors.base import DecodeError, Decoder
from raqib.sensors.capture import is_capture, iter_frames, iter_udp
from raqib.site import FeedConfig, SiteError, load_site, make_decoder

DEFAULT_KIND = {
    "beast": "adsb",
    "sbs": "adsb",
    "raw": "adsb",
    "asterix": "radar",
    "remoteid": "remoteid",
    "remoteid-frames": "remoteid",
    "sapient": "other",
    "jsonl": "other",
}
LINE_RECORD_FORMATS = frozenset({"remoteid"})
ERRORS_SHOWN = 10


class UsageError(ValueError):
    """The command line does not say enough (or says something impossible)."""


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "ingest",
        help="decode a capture or feed file into a CONTRACT.md recording",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "format", help="decoder: beast, sbs, raw, asterix, remoteid, remoteid-frames, sapient, jsonl"
    )
    parser.add_argument("file", type=Path, help="pcap/pcapng capture, or the feed's raw bytes or text")
    parser.add_argument(
        "-o", "--output", default="-", help="recording to write (JSON Lines), - for standard output"
    )
    parser.add_argument(
        "--site", type=Path, help="site file: the site origin, and the feed's sensor and options"
    )
    parser.add_argument("--feed", help="the site file's feed to take (default: its only feed of FORMAT)")
    parser.add_argument("--sensor-id", help="sensor id (default: FORMAT-1)")
    parser.add_argument("--sensor-kind", help="sensor kind (default from FORMAT: adsb, radar, remoteid, ...)")
    parser.add_argument("--sensor-lat", type=float, help="sensor latitude, degrees")
    parser.add_argument("--sensor-lon", type=float, help="sensor longitude, degrees")
    parser.add_argument("--sensor-alt", type=float, help="sensor altitude, metres above the ellipsoid")
    parser.add_argument(
        "--sensor-field",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="another sensor field, e.g. sigma_range_m=50 (repeatable)",
    )
    parser.add_argument("--site-lat", type=float, help="site origin latitude (default: the sensor's)")
    parser.add_argument("--site-lon", type=float, help="site origin longitude")
    parser.add_argument("--site-alt", type=float, help="site origin altitude")
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help='decoder option, value in TOML syntax, e.g. sac=25 or editions={48="1.31"}',
    )
    parser.add_argument("--port", type=int, default=0, help="pcap: only UDP datagrams to this port")
    parser.add_argument(
        "--start-time", type=float, help="raw file: its receive time, UNIX seconds (default: mtime)"
    )
    parser.add_argument(
        "--split",
        choices=("auto", "none", "lines"),
        default="auto",
        help="raw file: decode it whole, or one line at a time (auto: lines for remoteid)",
    )
    parser.add_argument(
        "--keep-sensor-ids",
        action="store_true",
        help="keep detections' own sensor ids instead of the sensor's",
    )
    return parser


@dataclass
class IngestReport:
    """What an ingest read, wrote and skipped."""

    chunks: int = 0
    bytes: int = 0
    detections: int = 0
    renamed: Counter[str] = field(default_factory=Counter)  # other sensor ids given the sensor's
    skipped_datagrams: int = 0  # capture datagrams to another port
    capture_problems: list[str] = field(default_factory=list)
    errors: list[DecodeError] = field(default_factory=list)
    errors_total: int = 0
    not_in_contract: int = 0  # decoded detections the contract reader would refuse
    not_in_contract_reason: str = ""


def run(args: argparse.Namespace) -> int:
    try:
        site, feed = resolve(args)
    except (UsageError, SiteError) as exc:
        print(f"raqib ingest: {exc}", file=sys.stderr)
        return 2
    if not args.file.is_file():
        print(f"raqib ingest: {args.file}: no such file", file=sys.stderr)
        return 2
    capture = is_capture(args.file)
    if capture:  # a capture's datagrams are framed as datagrams
        feed = replace(feed, transport="pcap")
    report = IngestReport()

    def on_error(error: DecodeError) -> None:
        report.errors_total += 1
        if len(report.errors) < ERRORS_SHOWN:
            report.errors.append(error)

    try:
        decoder = make_decoder(feed, on_error)
    except KeyError as exc:
        print(f"raqib ingest: {exc.args[0]}", file=sys.stderr)
        return 2
    except (TypeError, ValueError) as exc:
        print(f"raqib ingest: decoder {feed.format!r} refused its options: {exc}", file=sys.stderr)
        return 2
    start_s = args.start_time if args.start_time is not None else args.file.stat().st_mtime
    split = args.split
    if split == "auto":
        split = "lines" if feed.format in LINE_RECORD_FORMATS else "none"
    detections = sorted(
        decode_file(
            decoder, args.file, report, capture=capture, port=args.port, start_s=start_s, split=split
        ),
        key=lambda d: d.time_s,
    )
    if not args.keep_sensor_ids:
        detections = own_sensor(detections, feed.sensor.sensor_id, report)
    detections = contract_checked(detections, report)
    report.detections = len(detections)
    out: IO[bytes] = sys.stdout.buffer if args.output == "-" else open(args.output, "wb")  # noqa: SIM115
    try:
        writer = RecordingWriter(out)
        writer.write(site)
        writer.write(feed.sensor)
        writer.write_all(detections)
        writer.flush()
    finally:
        if out is not sys.stdout.buffer:
            out.close()
    print_report(args, feed, decoder, report)
    return 0


def resolve(args: argparse.Namespace) -> tuple[Site, FeedConfig]:
    """The site and the feed (sensor and decoder options) the command line describes."""
    options = dict(parse_pairs(args.option, "--option"))
    if args.site is not None:
        config = load_site(args.site)
        feeds = [f for f in config.feeds if (f.name == args.feed if args.feed else f.format == args.format)]
        if len(feeds) != 1:
            what = f"named {args.feed!r}" if args.feed else f"of format {args.format!r}"
            raise UsageError(f"{args.site}: {len(feeds)} feeds {what}; choose one with --feed")
        feed = feeds[0]
        if feed.format != args.format:
            raise UsageError(f"feed {feed.name!r} is of format {feed.format!r}, not {args.format!r}")
        merged = MappingProxyType({**feed.options, **options})
        return config.site, FeedConfig(
            name=feed.name, format=feed.format, transport="file", sensor=feed.sensor, options=merged
        )
    if args.sensor_lat is None or args.sensor_lon is None or args.sensor_alt is None:
        raise UsageError("give the sensor's position (--sensor-lat, --sensor-lon, --sensor-alt) or --site")
    fields: dict[str, Any] = {
        "sensor_id": args.sensor_id or f"{args.format}-1",
        "kind": args.sensor_kind or DEFAULT_KIND.get(args.format, "other"),
        "lat_deg": args.sensor_lat,
        "lon_deg": args.sensor_lon,
        "alt_m": args.sensor_alt,
        **dict(parse_pairs(args.sensor_field, "--sensor-field")),
    }
    try:
        sensor = msgspec.convert(fields, Sensor)
    except msgspec.ValidationError as exc:
        raise UsageError(f"sensor: {exc}") from exc
    origin = (args.site_lat, args.site_lon, args.site_alt)
    if any(value is not None for value in origin) and None in origin:
        raise UsageError("give all of --site-lat, --site-lon and --site-alt, or none")
    if None in origin:
        site = Site(lat_deg=sensor.lat_deg, lon_deg=sensor.lon_deg, alt_m=sensor.alt_m)
    else:
        site = Site(lat_deg=args.site_lat, lon_deg=args.site_lon, alt_m=args.site_alt)
    feed = FeedConfig(
        name=f"{args.format}:{args.file.name}",
        format=args.format,
        transport="file",
        sensor=sensor,
        options=MappingProxyType(options),
    )
    return site, feed


def parse_pairs(pairs: list[str], flag: str) -> Iterator[tuple[str, Any]]:
    """KEY=VALUE pairs, each value read as a TOML value (a bare word that is not TOML stays a string)."""
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{flag} {pair!r}: expected KEY=VALUE")
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text
        yield key.strip(), value


def decode_file(
    decoder: Decoder,
    path: Path,
    report: IngestReport,
    *,
    capture: bool,
    port: int,
    start_s: float,
    split: str,
) -> Iterator[Detection]:
    if capture and hasattr(decoder, "linktype"):  # a decoder of radio frames, not of datagrams
        for frame in iter_frames(path, report.capture_problems.append):
            decoder.linktype = frame.linktype
            yield from _decode(decoder, frame.data, frame.time_s, report)
    elif capture:
        for datagram in iter_udp(path, report.capture_problems.append):
            if port and datagram.dst_port != port:
                report.skipped_datagrams += 1
                continue
            yield from _decode(decoder, datagram.payload, datagram.time_s, report)
    elif split == "lines":
        with open(path, "rb") as stream:
            for line in stream:
                if line.strip():
                    yield from _decode(decoder, line.strip(), start_s, report)
    else:
        yield from _decode(decoder, path.read_bytes(), start_s, report)
    # a stream decoder reads (or reports as cut short) what it still holds at the end
    yield from decoder.finish(start_s)


def _decode(decoder: Decoder, data: bytes, receive_time_s: float, report: IngestReport) -> list[Detection]:
    report.chunks += 1
    report.bytes += len(data)
    return decoder.decode(data, receive_time_s)


def own_sensor(detections: list[Detection], sensor_id: str, report: IngestReport) -> list[Detection]:
    """Detections under the recording's one sensor id, counting those that named another."""
    out = []
    for detection in detections:
        if detection.sensor_id != sensor_id:
            report.renamed[detection.sensor_id] += 1
            detection = msgspec.structs.replace(detection, sensor_id=sensor_id)
        out.append(detection)
    return out


def contract_checked(detections: list[Detection], report: IngestReport) -> list[Detection]:
    """The detections that read back from their contract line; the rest are counted and skipped,
    so that the recording holds nothing raqib's own reader would refuse."""
    kept = []
    for number, detection in enumerate(detections, 1):
        try:
            parse_line(encode_line(detection), number)
        except ContractError as exc:
            report.not_in_contract += 1
            report.not_in_contract_reason = report.not_in_contract_reason or exc.reason
            continue
        kept.append(detection)
    return kept


def print_report(args: argparse.Namespace, feed: FeedConfig, decoder: Decoder, report: IngestReport) -> None:
    stats = decoder.stats
    lines = [
        f"raqib ingest: {feed.format} {args.file} -> {args.output}",
        f"  read {report.bytes} bytes in {report.chunks} chunks; {stats.records} records; "
        f"{report.detections} detections written for sensor {feed.sensor.sensor_id!r}",
    ]
    if report.skipped_datagrams:
        lines.append(f"  skipped {report.skipped_datagrams} datagrams to other ports than {args.port}")
    lines.extend(f"  capture: {problem}" for problem in report.capture_problems)
    skipped = getattr(decoder, "skipped_by_type", None)
    if skipped:
        lines.append("  skipped lines: " + ", ".join(f"{n} {kind}" for kind, n in sorted(skipped.items())))
    if report.renamed:
        names = ", ".join(f"{name} ({n})" for name, n in report.renamed.most_common())
        lines.append(f"  detections of other sensor ids given {feed.sensor.sensor_id!r}: {names}")
    if report.not_in_contract:
        lines.append(
            f"  skipped {report.not_in_contract} detections the recording contract cannot hold, "
            f"e.g.: {report.not_in_contract_reason}"
        )
    if stats.errors:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(stats.errors_by_kind.items()))
        lines.append(f"  skipped {stats.errors} unreadable pieces: {kinds}")
        lines.extend(f"    {error}" for error in report.errors)
        if stats.errors > len(report.errors):
            lines.append(f"    ... and {stats.errors - len(report.errors)} more")
    print("\n".join(lines), file=sys.stderr)
