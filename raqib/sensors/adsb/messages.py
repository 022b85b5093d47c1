"""What one Mode S message (or one SBS-1 line) says about one aircraft, as typed records.

Every front end (Beast binary, raw hex lines, SBS-1 text) turns its input into an
:class:`AircraftReport`; :mod:`raqib.sensors.adsb.state` folds reports into per-aircraft state
and emits Detections. Units are those of the wire (feet, knots, feet per minute): the state
converts to SI once, where the Detection is built.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Identification:
    """BDS 0,8 (or Comm-B BDS 2,0, or SBS MSG,1): flight identity and emitter category."""

    callsign: str | None
    category: str | None = None  # rs1090's wake vortex category: "Rotorcraft", "UAV", "<7000kg", ...


@dataclass(frozen=True, slots=True)
class CprPosition:
    """BDS 0,5 (airborne) or 0,6 (surface) position, still CPR encoded."""

    frame_hex: str  # the whole message: rs1090 decodes CPR from it
    odd: bool
    surface: bool
    type_code: int
    altitude_ft: int | None = None  # airborne only
    gnss_altitude: bool = False  # type codes 20-22: GNSS height above the ellipsoid, not barometric
    nuc_p: int | None = None  # navigation uncertainty category of ADS-B version 0, from the type code
    nic_b: int | None = None  # NIC supplement B (airborne)
    groundspeed_kt: float | None = None  # surface only
    track_deg: float | None = None  # surface only


@dataclass(frozen=True, slots=True)
class DecodedPosition:
    """A position decoded upstream (SBS MSG,2 and MSG,3)."""

    lat_deg: float
    lon_deg: float
    altitude_ft: int | None
    surface: bool = False


@dataclass(frozen=True, slots=True)
class Velocity:
    """BDS 0,9 (or SBS MSG,4): ground velocity, vertical rate, GNSS-minus-barometric height."""

    groundspeed_kt: float | None = None
    track_deg: float | None = None  # degrees true
    vertical_rate_fpm: float | None = None
    geo_minus_baro_ft: int | None = None
    nac_v: int | None = None


@dataclass(frozen=True, slots=True)
class Altitude:
    """Barometric altitude from a surveillance reply (DF0/4/16/20) or an SBS line."""

    altitude_ft: int


@dataclass(frozen=True, slots=True)
class Squawk:
    """Mode 3/A code from DF5/21, BDS 6,1 or SBS MSG,6."""

    squawk: str


@dataclass(frozen=True, slots=True)
class Quality:
    """BDS 6,5 operational status or BDS 6,2 target state: the position's accuracy categories."""

    nac_p: int | None = None
    nic_a: int | None = None
    gva: int | None = None  # geometric vertical accuracy (version 2)
    version: int | None = None  # ADS-B version (0, 1, 2)


ReportItem = Identification | CprPosition | DecodedPosition | Velocity | Altitude | Squawk | Quality


@dataclass(frozen=True, slots=True)
class AircraftReport:
    """Everything one message says about one aircraft.

    ``verified`` is True when the address was protected by a parity check that was actually
    verified (DF17/18 extended squitters), or was decoded upstream (an SBS line). Replies that
    overlay their parity with the address (DF0/4/5/16/20/21) or with an interrogator code
    (DF11) turn any noise into some address: their reports only count for aircraft already
    known from a verified message.
    """

    icao: str  # 6 upper-case hex digits; non-ICAO (TIS-B, anonymous) addresses start with "~"
    verified: bool
    items: tuple[ReportItem, ...] = ()
    downlink_format: int | None = None
