"""The ``[outputs]`` section of a site file: who is warned, and how.

    [outputs.cot]                        # Cursor on Target (all CoT channels)
    uid_prefix = "raqib.compound"        # default: "raqib.<site name>"
    track_stale_s = 5.0                  # a track not refreshed by then fades on TAK
    alarm_stale_s = 300.0                # alarms and zone drawings are refreshed before this
    opex = ""                            # "s..." marks simulation, "e..." exercise
    [outputs.cot.types]                  # CoT type per class and situation (see CotTypes)
    drone = "a-s-A-M-F-Q"

    [outputs.cap]                        # CAP 1.2 (all cap-file and cap-post channels)
    sender = "raqib@compound.example"    # globally unique; no spaces, commas or "<&"
    status = "Actual"                    # Exercise or Test for drills
    scope = "Restricted"
    restriction = "Site operations and security staff"
    language = "en-GB"
    expires_s = 600.0
    geoid_height_m = 0.0                 # geoid above ellipsoid at the site: CAP altitudes are above MSL
    [outputs.cap.instructions]           # per class; "default" for the others
    rocket = "Take cover now. Lie flat away from windows."

    [[outputs.channels]]
    name = "tak"                         # the name zones' `warn` lists use
    kind = "cot-udp"                     # cot-udp | cot-tcp | cap-file | cap-post | webhook | audible
    address = "239.2.3.1"                # cot-*: host or multicast group
    port = 6969
    all_zones = false                    # true: every zone's alerts, whatever the zones' warn lists say
    [outputs.channels.options]           # per kind: see the *Options structs below
    tracks = "all"                       # cot-*: "all" tracks, those in its "alerted" zones, or "none"

    [[outputs.channels]]
    name = "ops"
    kind = "webhook"
    url = "https://ops.example/hooks/raqib"
    path = "dead-letters/ops.jsonl"      # webhook, cap-post: undeliverable messages (default
                                         # <name>.undelivered.jsonl); cap-file: the folder
    [outputs.channels.options]
    secret = "change-me"                 # signs each body (X-Raqib-Signature)
    max_attempts = 6

    [[outputs.channels]]
    name = "takserver"
    kind = "cot-tcp"                     # TAK Server's streaming input
    address = "tak.example"
    port = 8089
    [outputs.channels.options]
    tls = true
    tls_cert = "certs/raqib.pem"
    tls_key = "certs/raqib.key"

    [[outputs.channels]]
    name = "cap-folder"
    kind = "cap-file"
    path = "cap-out"

    [[outputs.channels]]
    name = "cap-feed"
    kind = "cap-post"
    url = "https://alerts.example/cap"

    [[outputs.channels]]
    name = "siren"
    kind = "audible"
    [outputs.channels.options]
    command = ["espeak-ng", "-v", "en", "{message}"]   # default: espeak-ng, paplay or aplay if found
    on = ["raised", "cleared"]

Relative paths are taken from the site file's folder. Every problem is an
:class:`OutputsConfigError` naming the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import msgspec

from raqib.model import Zone

TrackSelection = Literal["all", "alerted", "none"]
ZoneDrawing = Literal["alerted", "always", "none"]
AlertChange = Literal["raised", "updated", "acknowledged", "cleared"]
CapCategory = Literal[
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
]
CapResponse = Literal[
    "Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"
]

_CAP_FORBIDDEN = re.compile(r"[\s,<&]")


class OutputsConfigError(ValueError):
    """An outputs section that can't be used: ``key`` (where in it) and why."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}" if key else reason)
        self.key = key
        self.reason = reason


class _Options(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


# ------------------------------------------------------------------ Cursor on Target


class CotTypes(_Options, frozen=True):
    """CoT type per class; "alerted" when the track is in an open alert. See data/cot/SUMMARY.md §2."""

    drone: str = "a-s-A-M-F-Q"  # suspect air, military fixed wing, drone (RPV/UAV)
    drone_alerted: str = "a-h-A-M-F-Q"
    drone_authorised: str = "a-n-A-M-F-Q"
    aircraft: str = "a-n-A-C-F"  # neutral civil fixed wing
    rocket: str = "a-h-A-W-M"  # hostile air weapon in flight: the nearest MIL-STD-2525B air entity
    bird: str = "a-u-A"
    unknown: str = "a-u-A"
    unknown_alerted: str = "a-s-A"


class CotSettings(_Options, frozen=True):
    uid_prefix: str = ""  # default "raqib.<site name>"
    track_stale_s: float = 5.0
    alarm_stale_s: float = 300.0
    zone_stale_s: float = 3600.0  # zone drawings sent with zones = "always"
    opex: str = ""
    types: CotTypes = CotTypes()


class CotOptions(_Options, frozen=True):
    tracks: TrackSelection = "alerted"
    track_rate_hz: float = 1.0
    zones: ZoneDrawing = "alerted"  # draw a zone while it is alerted, always, or never
    queue_size: int = 1000  # events held while the link is slow; the oldest are dropped beyond


class CotUdpOptions(CotOptions, frozen=True):
    ttl: int = 1  # multicast hops
    interface: str = ""  # multicast: the local address to send from


class CotTcpOptions(CotOptions, frozen=True):
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0
    connect_timeout_s: float = 10.0
    tls: bool = False
    tls_ca: str = ""  # the server's CA (PEM); default: the system's
    tls_cert: str = ""  # client certificate (PEM), as TAK Server enrolment gives
    tls_key: str = ""
    tls_check_hostname: bool = True


# ------------------------------------------------------------------ CAP


def _default_instructions() -> dict[str, str]:
    return {
        "rocket": "Take cover now in the nearest hardened shelter; lie flat away from windows.",
        "drone": "Take cover indoors, away from windows, until the all clear.",
        "default": "Stay alert and follow the instructions of security staff.",
    }


def _default_responses() -> dict[str, CapResponse]:
    return {"rocket": "Shelter", "drone": "Shelter", "default": "Monitor"}


class CapSettings(_Options, frozen=True):
    sender: str = ""  # default "raqib@<site name>.invalid": set it
    sender_name: str = ""
    status: Literal["Actual", "Exercise", "System", "Test", "Draft"] = "Actual"
    scope: Literal["Public", "Restricted", "Private"] = "Restricted"
    restriction: str = "Site operations and security staff"
    addresses: str = ""
    language: str = "en-GB"
    categories: tuple[CapCategory, ...] = ("Security",)
    expires_s: float = 600.0
    geoid_height_m: float = 0.0
    web: str = ""
    contact: str = ""
    instructions: dict[str, str] = msgspec.field(default_factory=_default_instructions)
    response_types: dict[str, CapResponse] = msgspec.field(default_factory=_default_responses)


# ------------------------------------------------------------------ HTTP and audible


class HttpOptions(_Options, frozen=True):
    max_attempts: int = 5
    backoff_initial_s: float = 0.5  # doubled per attempt up to backoff_max_s, with jitter
    backoff_max_s: float = 30.0
    timeout_s: float = 10.0
    queue_size: int = 1000
    drain_timeout_s: float = 5.0  # on stop, time left to deliver what is queued
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    verify_tls: bool = True


class WebhookOptions(HttpOptions, frozen=True):
    secret: str = ""  # signs each body: X-Raqib-Signature: sha256=<HMAC-SHA256 hex>


class CapPostOptions(HttpOptions, frozen=True):
    content_type: str = "application/cap+xml"


class AudibleOptions(_Options, frozen=True):
    command: tuple[str, ...] = ()  # e.g. ["espeak-ng", "{message}"]; {wav} is a tone file; () = find one
    on: tuple[AlertChange, ...] = ("raised", "updated", "cleared")
    repeat: int = 1
    timeout_s: float = 30.0
    bell: bool = True  # ring the terminal bell where no player works
    message_raised: str = "Warning. {what} threat to {zone}. {instruction}"
    message_updated: str = "Warning. {count} {what} threats to {zone}."
    message_acknowledged: str = "Alert for {zone} acknowledged."
    message_cleared: str = "All clear for {zone}."
    queue_size: int = 8


# ------------------------------------------------------------------ channels


class _Channel(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="kind"):
    name: str
    all_zones: bool = False


class CotUdpChannel(_Channel, frozen=True, tag="cot-udp"):
    address: str = "239.2.3.1"  # the TAK SA mesh group
    port: int = 6969
    options: CotUdpOptions = CotUdpOptions()


class CotTcpChannel(_Channel, frozen=True, tag="cot-tcp"):
    address: str = ""
    port: int = 8087
    options: CotTcpOptions = CotTcpOptions()


class CapFileChannel(_Channel, frozen=True, tag="cap-file"):
    path: str = ""


class CapPostChannel(_Channel, frozen=True, tag="cap-post"):
    url: str = ""
    path: str = ""  # dead-letter file
    options: CapPostOptions = CapPostOptions()


class WebhookChannel(_Channel, frozen=True, tag="webhook"):
    url: str = ""
    path: str = ""  # dead-letter file
    options: WebhookOptions = WebhookOptions()


class AudibleChannel(_Channel, frozen=True, tag="audible"):
    options: AudibleOptions = AudibleOptions()


ChannelConfig = (
    CotUdpChannel | CotTcpChannel | CapFileChannel | CapPostChannel | WebhookChannel | AudibleChannel
)
CHANNEL_KINDS = ("cot-udp", "cot-tcp", "cap-file", "cap-post", "webhook", "audible")


class OutputsConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    cot: CotSettings = CotSettings()
    cap: CapSettings = CapSettings()
    channels: tuple[ChannelConfig, ...] = ()

    def channel(self, name: str) -> ChannelConfig:
        return next(c for c in self.channels if c.name == name)


def parse_outputs(table: Mapping[str, Any], *, base_dir: Path | None = None) -> OutputsConfig:
    """The ``[outputs]`` table of a parsed site file to an OutputsConfig, with paths made absolute."""
    try:
        config = msgspec.convert(dict(table), OutputsConfig, strict=True)
    except msgspec.ValidationError as exc:
        raise OutputsConfigError(_key_of(str(exc)), str(exc).split(" - at ")[0]) from exc
    _check(config)
    return _absolute_paths(config, base_dir or Path.cwd())


def unrouted_names(config: OutputsConfig, zones: Sequence[Zone]) -> list[str]:
    """Zones' warn entries that name no channel (contacts, or typing mistakes worth a warning)."""
    names = {c.name for c in config.channels}
    return [
        f"zone {z.zone_id!r} warns {w!r}, which is no output channel"
        for z in zones
        for w in z.warn
        if w not in names
    ]


def _key_of(message: str) -> str:
    """msgspec's "… - at `$.channels[0].port`" to "outputs.channels[0].port"."""
    match = re.search(r"at `\$(.*)`", message)
    return "outputs" + (match.group(1) if match else "")


def _check(config: OutputsConfig) -> None:
    names = [c.name for c in config.channels]
    for index, channel in enumerate(config.channels):
        key = f"outputs.channels[{index}]"
        if not channel.name:
            raise OutputsConfigError(f"{key}.name", "is required")
        if channel.name in names[:index]:
            raise OutputsConfigError(f"{key}.name", f"two channels are named {channel.name!r}")
        if isinstance(channel, CotUdpChannel | CotTcpChannel):
            if not channel.address:
                raise OutputsConfigError(f"{key}.address", "is required (the TAK host or multicast group)")
            if not 0 < channel.port <= 65535:
                raise OutputsConfigError(f"{key}.port", f"must be 1..65535, not {channel.port}")
            if channel.options.track_rate_hz <= 0 or channel.options.queue_size <= 0:
                raise OutputsConfigError(f"{key}.options", "track_rate_hz and queue_size must be positive")
        elif isinstance(channel, CapPostChannel | WebhookChannel):
            if not channel.url.startswith(("http://", "https://")):
                raise OutputsConfigError(f"{key}.url", f"must be an http(s):// URL, not {channel.url!r}")
            options = channel.options
            if options.max_attempts < 1 or options.queue_size < 1 or options.timeout_s <= 0:
                raise OutputsConfigError(
                    f"{key}.options", "max_attempts, queue_size and timeout_s must be positive"
                )
        elif isinstance(channel, CapFileChannel) and not channel.path:
            raise OutputsConfigError(f"{key}.path", "is required (the folder CAP files are written to)")
        elif isinstance(channel, AudibleChannel) and channel.options.repeat < 1:
            raise OutputsConfigError(f"{key}.options.repeat", "must be at least 1")
    if config.cap.sender and _CAP_FORBIDDEN.search(config.cap.sender):
        raise OutputsConfigError("outputs.cap.sender", "must not contain spaces, commas, '<' or '&'")
    if config.cot.uid_prefix and _CAP_FORBIDDEN.search(config.cot.uid_prefix):
        raise OutputsConfigError("outputs.cot.uid_prefix", "must not contain spaces, commas, '<' or '&'")
    for name in ("track_stale_s", "alarm_stale_s", "zone_stale_s"):
        if getattr(config.cot, name) <= 0:
            raise OutputsConfigError(f"outputs.cot.{name}", "must be positive")
    if config.cap.scope == "Private" and not config.cap.addresses:
        raise OutputsConfigError("outputs.cap.addresses", "is required with scope Private (who receives it)")
    if config.cap.expires_s <= 0:
        raise OutputsConfigError("outputs.cap.expires_s", "must be positive")


def _absolute_paths(config: OutputsConfig, base_dir: Path) -> OutputsConfig:
    def absolute(value: str) -> str:
        if not value:
            return value
        path = Path(value).expanduser()
        return str(path if path.is_absolute() else base_dir / path)

    channels: list[ChannelConfig] = []
    for channel in config.channels:
        if isinstance(channel, CapPostChannel | WebhookChannel):
            dead_letters = channel.path or f"{channel.name}.undelivered.jsonl"
            channel = msgspec.structs.replace(channel, path=absolute(dead_letters))
        elif isinstance(channel, CapFileChannel):
            channel = msgspec.structs.replace(channel, path=absolute(channel.path))
        if isinstance(channel, CotTcpChannel):
            options = channel.options
            channel = msgspec.structs.replace(
                channel,
                options=msgspec.structs.replace(
                    options,
                    tls_ca=absolute(options.tls_ca),
                    tls_cert=absolute(options.tls_cert),
                    tls_key=absolute(options.tls_key),
                ),
            )
        channels.append(channel)
    return msgspec.structs.replace(config, channels=tuple(channels))
