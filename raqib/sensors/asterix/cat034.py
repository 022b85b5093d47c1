"""CAT034 monoradar service messages -> scan timing and radar health (no detections).

Items read (editions 1.27-1.29):
    I034/010  SAC, SIC                      data source
    I034/000  message type                  1 north marker, 2 sector crossing, 3-7 others
    I034/030  time of day                   1/128 s since UTC midnight
    I034/020  sector number                 azimuth, 360/2^8 deg
    I034/041  antenna rotation period       1/128 s
    I034/050  system configuration, status  COM NOGO/RDPC/RDPR/OVLRDP/OVLXMT/MSC/TSV, and
                                            the overload bits of the PSR, SSR and Mode S parts
    I034/120  3-D position of the source    height m, latitude and longitude 180/2^23 deg

The latest state of each radar is a RadarService, replaced (never mutated) by every
message: when the antenna last crossed north, how long a turn takes (I041 when sent,
otherwise measured between north markers), which sector it last crossed, and its status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from raqib.sensors.asterix import items
from raqib.sensors.asterix.clock import SECONDS_PER_DAY

CATEGORY = 34
NORTH_MARKER = 1
SECTOR_CROSSING = 2
# Longer gaps between north markers mean missed markers, not a slow antenna.
MAX_MEASURED_PERIOD_S = 60.0


class RadarStatus(msgspec.Struct, frozen=True, kw_only=True):
    """I034/050 as flags; True is the healthy value of every ``*_ok`` flag."""

    operational: bool  # NOGO clear: released for operational use
    rdp_chain: int  # 1 or 2
    rdp_reset: bool  # the processor restarted: expect new track numbers
    rdp_overload: bool
    transmission_overload: bool
    monitoring_ok: bool  # the monitoring system is connected
    time_source_ok: bool
    psr_overload: bool | None = None  # None: the PSR part was not sent
    ssr_overload: bool | None = None
    mode_s_overload: bool | None = None

    @property
    def healthy(self) -> bool:
        overloads = (self.psr_overload, self.ssr_overload, self.mode_s_overload)
        return (
            self.operational
            and self.time_source_ok
            and not self.rdp_overload
            and not self.transmission_overload
            and not any(overloads)
        )


class RadarService(msgspec.Struct, frozen=True, kw_only=True):
    """What a radar's service messages say about its scan and health, for the sensor registry.

    Times are UNIX seconds (from the ASTERIX time of day, dated by the receive time)."""

    sac: int
    sic: int
    last_message_time_s: float
    messages: int = 0
    north_marker_time_s: float | None = None
    north_markers: int = 0
    rotation_period_s: float | None = None
    sector_azimuth_deg: float | None = None
    sector_time_s: float | None = None
    status: RadarStatus | None = None
    status_time_s: float | None = None
    lat_deg: float | None = None  # the radar's own position, when it sends I034/120
    lon_deg: float | None = None
    height_m: float | None = None


@dataclass(frozen=True, slots=True)
class ServiceMessage:
    sac: int
    sic: int
    message_type: int
    time_of_day_s: float
    sector_azimuth_deg: float | None
    rotation_period_s: float | None
    status: RadarStatus | None
    position: tuple[float, float, float] | None  # lat_deg, lon_deg, height_m


def read(record: Any) -> ServiceMessage:
    sac, sic = items.source(record)
    message_type = items.uint(record, "000")
    if message_type is None:
        raise items.RecordError("no message type I034/000")
    tod = items.si(record, "030")
    if tod is None:
        raise items.RecordError("no time of day I034/030")
    if not 0.0 <= tod < SECONDS_PER_DAY:
        raise items.RecordError(f"time of day {tod:.3f} s is past midnight (is the edition right?)")
    position = None
    if items.has(record, "120"):
        lat = items.si(record, "120", "LAT")
        lon = items.si(record, "120", "LON")
        height = items.si(record, "120", "HGT")
        if lat is not None and lon is not None and height is not None:
            position = (lat, lon, height)
    return ServiceMessage(
        sac=sac,
        sic=sic,
        message_type=message_type,
        time_of_day_s=tod,
        sector_azimuth_deg=items.si(record, "020"),
        rotation_period_s=items.si(record, "041"),
        status=_status(record) if items.has(record, "050") else None,
        position=position,
    )


def _status(record: Any) -> RadarStatus | None:
    def common(name: str) -> bool:
        return items.flag(record, "050", "COM", name)

    def overload(part: str, name: str) -> bool | None:
        value = items.uint(record, "050", part, name)
        return None if value is None else bool(value)

    if items.variation(record, "050", "COM") is None:
        return None
    return RadarStatus(
        operational=not common("NOGO"),
        rdp_chain=2 if common("RDPC") else 1,
        rdp_reset=common("RDPR"),
        rdp_overload=common("OVLRDP"),
        transmission_overload=common("OVLXMT"),
        monitoring_ok=not common("MSC"),
        time_source_ok=not common("TSV"),
        psr_overload=overload("PSR", "OVL"),
        ssr_overload=overload("SSR", "OVL"),
        mode_s_overload=overload("MDS", "OVLSUR"),
    )


def update(service: RadarService | None, message: ServiceMessage, time_s: float) -> RadarService:
    """The radar's state after ``message``, stamped ``time_s`` (UNIX seconds)."""
    if service is None:
        service = RadarService(sac=message.sac, sic=message.sic, last_message_time_s=time_s)
    north_time, north_markers, period = (
        service.north_marker_time_s,
        service.north_markers,
        service.rotation_period_s,
    )
    # A repeated (redundant LAN) or late message must not move the scan clock backwards.
    if message.message_type == NORTH_MARKER and (north_time is None or time_s > north_time):
        if north_time is not None and time_s - north_time <= MAX_MEASURED_PERIOD_S:
            period = time_s - north_time
        north_time, north_markers = time_s, north_markers + 1
    if message.rotation_period_s is not None and message.rotation_period_s > 0.0:
        period = message.rotation_period_s
    sector, sector_time = service.sector_azimuth_deg, service.sector_time_s
    if message.sector_azimuth_deg is not None and (sector_time is None or time_s >= sector_time):
        sector, sector_time = message.sector_azimuth_deg, time_s
    status, status_time = service.status, service.status_time_s
    if message.status is not None:
        status, status_time = message.status, time_s
    lat, lon, height = message.position or (service.lat_deg, service.lon_deg, service.height_m)
    return RadarService(
        sac=service.sac,
        sic=service.sic,
        last_message_time_s=max(service.last_message_time_s, time_s),
        messages=service.messages + 1,
        north_marker_time_s=north_time,
        north_markers=north_markers,
        rotation_period_s=period,
        sector_azimuth_deg=sector,
        sector_time_s=sector_time,
        status=status,
        status_time_s=status_time,
        lat_deg=lat,
        lon_deg=lon,
        height_m=height,
    )
