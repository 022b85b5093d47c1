"""Per-aircraft state assembled from Mode S reports, and the position Detections it yields.

Positions (CPR):
  * airborne: decoded globally from an even and an odd frame at most ``pair_window_s`` apart
    (10 s); when no such pair is at hand, decoded locally against the aircraft's last known
    position if it is younger than ``local_max_age_s``;
  * surface: decoded locally against the last known position, else against the receiver
    (the reference must be within 45 NM, which holds for anything a receiver hears on the
    ground).
Each fix is checked before it is believed: a first fix must lie within ``max_range_m`` of the
receiver; a later one must be reachable from the previous fix at ``max_speed_ms``. After
``max_rejections`` rejected fixes in a row the previous fix is forgotten (it was the bad one).

Altitude: GNSS height (type codes 20-22, or barometric altitude plus the BDS 0,9
GNSS-minus-barometric difference) is preferred to barometric altitude, which is not a height
above the ellipsoid; which one a fix carries is kept in ``AircraftState.altitude_kind`` and
shows in the Detection's ``sigma_v_m`` (see :mod:`raqib.sensors.adsb.accuracy`). Surface fixes
carry the receiver's altitude.

Velocity: ground speed and track (BDS 0,9 or the surface position itself) to east/north,
vertical rate to up, when younger than ``velocity_max_age_s``.

An aircraft silent for ``expiry_s`` is forgotten.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from raqib.model import Detection, Sensor, TargetClass
from raqib.sensors.adsb.accuracy import (
    BAROMETRIC_SIGMA_V_M,
    FPM_MS,
    FT_M,
    KT_MS,
    horizontal_sigma_m,
    sigma_v_geometric,
    sigma_vel_from_nacv,
)
from raqib.sensors.adsb.messages import (
    AircraftReport,
    Altitude,
    CprPosition,
    DecodedPosition,
    Identification,
    Quality,
    Squawk,
    Velocity,
)
from raqib.sensors.adsb.modes import cpr_global, cpr_local

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_MAX_RANGE_M = 600_000.0  # beyond radio line of sight of any ground receiver
SURFACE_SIGMA_V_M = 30.0
_NEVER = -math.inf

# Emitter categories (rs1090's names) that say what is flying.
CATEGORY_CLASS: dict[str, str] = {
    "UAV": TargetClass.DRONE,
    "Glider": TargetClass.AIRCRAFT,
    "Lighter than air": TargetClass.AIRCRAFT,
    "Ultralight": TargetClass.AIRCRAFT,
    "<7000kg": TargetClass.AIRCRAFT,
    "<34,000kg": TargetClass.AIRCRAFT,
    "<136,000kg": TargetClass.AIRCRAFT,
    "High vortex": TargetClass.AIRCRAFT,
    "Heavy": TargetClass.AIRCRAFT,
    "High performance": TargetClass.AIRCRAFT,
    "Rotorcraft": TargetClass.AIRCRAFT,
}


@dataclass(frozen=True, slots=True)
class AdsbConfig:
    pair_window_s: float = 10.0
    local_max_age_s: float = 60.0
    expiry_s: float = 60.0
    velocity_max_age_s: float = 10.0
    altitude_max_age_s: float = 30.0
    max_speed_ms: float = 700.0
    position_slack_m: float = 2_000.0
    max_range_m: float | None = None  # None: the sensor's max_range_m, else DEFAULT_MAX_RANGE_M
    max_rejections: int = 3
    prefer_geometric: bool = True


@dataclass(slots=True)
class CprFrame:
    frame_hex: str
    time_s: float


@dataclass(slots=True)
class AircraftState:
    """What is known of one aircraft; times are those of the message that said it."""

    icao: str
    first_seen_s: float
    last_seen_s: float
    messages: int = 0
    callsign: str | None = None
    category: str | None = None
    squawk: str | None = None
    baro_altitude_ft: int | None = None
    baro_altitude_time_s: float = _NEVER
    geo_minus_baro_ft: int | None = None
    geo_minus_baro_time_s: float = _NEVER
    groundspeed_kt: float | None = None
    track_deg: float | None = None
    vertical_rate_fpm: float | None = None
    velocity_time_s: float = _NEVER
    nac_v: int | None = None
    nac_p: int | None = None
    nic_a: int | None = None
    nic_b: int | None = None
    gva: int | None = None
    version: int | None = None
    type_code: int = 0
    nuc_p: int | None = None
    even: CprFrame | None = None
    odd: CprFrame | None = None
    lat_deg: float | None = None
    lon_deg: float | None = None
    alt_m: float | None = None
    altitude_kind: str | None = None  # "geometric" | "barometric" | "surface"
    position_time_s: float = _NEVER
    on_ground: bool = False
    rejections: int = 0


@dataclass
class TableStats:
    reports: int = 0
    unverified: int = 0  # reports from unknown addresses whose parity could not be checked
    fixes: int = 0
    no_fix: int = 0  # position messages that could not be decoded yet (no pair, no reference)
    rejected: int = 0  # fixes that failed the range or speed check
    expired: int = 0


class AircraftTable:
    """Reports in (with their time), position Detections out."""

    def __init__(self, sensor: Sensor, config: AdsbConfig | None = None) -> None:
        self.sensor = sensor
        self.config = config or AdsbConfig()
        self.max_range_m = self.config.max_range_m or sensor.max_range_m or DEFAULT_MAX_RANGE_M
        self.stats = TableStats()
        self._aircraft: dict[str, AircraftState] = {}
        self._next_sweep_s = _NEVER

    def __len__(self) -> int:
        return len(self._aircraft)

    def __iter__(self) -> Iterator[AircraftState]:
        return iter(list(self._aircraft.values()))

    def get(self, icao: str) -> AircraftState | None:
        return self._aircraft.get(icao.upper())

    def apply(self, report: AircraftReport, time_s: float, time_source: str = "sensor") -> Detection | None:
        """Fold one report into its aircraft; the Detection when it gave a new position."""
        self.stats.reports += 1
        if time_s >= self._next_sweep_s:
            self.expire(time_s)
        aircraft = self._aircraft.get(report.icao)
        if aircraft is None:
            if not report.verified:
                self.stats.unverified += 1
                return None
            aircraft = self._aircraft[report.icao] = AircraftState(report.icao, time_s, time_s)
        aircraft.last_seen_s = max(aircraft.last_seen_s, time_s)
        aircraft.messages += 1
        detection = None
        for item in report.items:
            if isinstance(item, CprPosition):
                detection = self._cpr(aircraft, item, time_s, time_source)
            elif isinstance(item, DecodedPosition):
                altitude = _Altitude(item.altitude_ft, False, item.surface)
                detection = self._fix(
                    aircraft, item.lat_deg, item.lon_deg, altitude, None, time_s, time_source
                )
            elif isinstance(item, Identification):
                aircraft.callsign = item.callsign or aircraft.callsign
                aircraft.category = item.category or aircraft.category
            elif isinstance(item, Velocity):
                _velocity(aircraft, item, time_s)
            elif isinstance(item, Altitude):
                aircraft.baro_altitude_ft, aircraft.baro_altitude_time_s = item.altitude_ft, time_s
            elif isinstance(item, Squawk):
                aircraft.squawk = item.squawk
            elif isinstance(item, Quality):
                _quality(aircraft, item)
        return detection

    def expire(self, now_s: float) -> int:
        """Forget aircraft silent for ``expiry_s``; how many were forgotten."""
        oldest_s = now_s - self.config.expiry_s
        stale = [icao for icao, aircraft in self._aircraft.items() if aircraft.last_seen_s < oldest_s]
        for icao in stale:
            del self._aircraft[icao]
        self.stats.expired += len(stale)
        self._next_sweep_s = now_s + min(10.0, self.config.expiry_s)
        return len(stale)

    def _cpr(
        self, aircraft: AircraftState, item: CprPosition, time_s: float, time_source: str
    ) -> Detection | None:
        config = self.config
        aircraft.type_code, aircraft.nuc_p = item.type_code, item.nuc_p
        if item.nic_b is not None:
            aircraft.nic_b = item.nic_b
        recent = aircraft.lat_deg is not None and time_s - aircraft.position_time_s <= config.local_max_age_s
        position: tuple[float, float] | None = None
        if item.surface:
            if recent and aircraft.lat_deg is not None and aircraft.lon_deg is not None:
                position = cpr_local(item.frame_hex, aircraft.lat_deg, aircraft.lon_deg)
            if position is None:
                position = cpr_local(item.frame_hex, self.sensor.lat_deg, self.sensor.lon_deg)
        else:
            other = aircraft.even if item.odd else aircraft.odd
            if other is not None and abs(time_s - other.time_s) <= config.pair_window_s:
                position = cpr_global(other.frame_hex, item.frame_hex, abs(time_s - other.time_s))
            if position is None and recent and aircraft.lat_deg is not None and aircraft.lon_deg is not None:
                position = cpr_local(item.frame_hex, aircraft.lat_deg, aircraft.lon_deg)
            frame = CprFrame(item.frame_hex, time_s)
            if item.odd:
                aircraft.odd = frame
            else:
                aircraft.even = frame
        if position is None:
            self.stats.no_fix += 1
            return None
        altitude = _Altitude(item.altitude_ft, item.gnss_altitude, item.surface)
        surface_velocity = (item.groundspeed_kt, item.track_deg) if item.surface else None
        return self._fix(aircraft, position[0], position[1], altitude, surface_velocity, time_s, time_source)

    def _fix(
        self,
        aircraft: AircraftState,
        lat_deg: float,
        lon_deg: float,
        altitude: _Altitude,
        surface_velocity: tuple[float | None, float | None] | None,
        time_s: float,
        time_source: str,
    ) -> Detection | None:
        if not self._plausible(aircraft, lat_deg, lon_deg, time_s):
            self.stats.rejected += 1
            aircraft.rejections += 1
            if aircraft.rejections >= self.config.max_rejections:
                aircraft.lat_deg = aircraft.lon_deg = None
                aircraft.rejections = 0
            return None
        self.stats.fixes += 1
        alt_m, sigma_v_m, kind = self._altitude(aircraft, altitude, time_s)
        aircraft.lat_deg, aircraft.lon_deg, aircraft.alt_m = lat_deg, lon_deg, alt_m
        aircraft.altitude_kind, aircraft.position_time_s = kind, time_s
        aircraft.on_ground, aircraft.rejections = altitude.surface, 0
        vel_e = vel_n = vel_u = None
        if surface_velocity is not None:
            vel_e, vel_n = _east_north(*surface_velocity)
            vel_u = 0.0 if vel_e is not None else None
        elif time_s - aircraft.velocity_time_s <= self.config.velocity_max_age_s:
            vel_e, vel_n = _east_north(aircraft.groundspeed_kt, aircraft.track_deg)
            if aircraft.vertical_rate_fpm is not None:
                vel_u = aircraft.vertical_rate_fpm * FPM_MS
        has_velocity = vel_e is not None or vel_u is not None
        return Detection(
            time_s=time_s,
            sensor_id=self.sensor.sensor_id,
            lat_deg=lat_deg,
            lon_deg=lon_deg,
            alt_m=alt_m,
            vel_e_ms=vel_e,
            vel_n_ms=vel_n,
            vel_u_ms=vel_u,
            sigma_h_m=horizontal_sigma_m(
                aircraft.nac_p, aircraft.nuc_p, aircraft.type_code, aircraft.nic_a, aircraft.nic_b
            ),
            sigma_v_m=sigma_v_m,
            sigma_vel_ms=sigma_vel_from_nacv(aircraft.nac_v) if has_velocity else None,
            identity=aircraft.icao,
            callsign=aircraft.callsign,
            class_hint=CATEGORY_CLASS.get(aircraft.category or ""),
            time_source=time_source,
        )

    def _plausible(self, aircraft: AircraftState, lat_deg: float, lon_deg: float, time_s: float) -> bool:
        config = self.config
        if aircraft.lat_deg is not None and aircraft.lon_deg is not None:
            elapsed_s = abs(time_s - aircraft.position_time_s)
            if elapsed_s <= config.expiry_s:
                moved_m = haversine_m(aircraft.lat_deg, aircraft.lon_deg, lat_deg, lon_deg)
                return moved_m <= config.max_speed_ms * elapsed_s + config.position_slack_m
        return haversine_m(self.sensor.lat_deg, self.sensor.lon_deg, lat_deg, lon_deg) <= self.max_range_m

    def _altitude(
        self, aircraft: AircraftState, altitude: _Altitude, time_s: float
    ) -> tuple[float | None, float | None, str | None]:
        """(alt_m, sigma_v_m, kind) for a fix."""
        if altitude.surface:
            return self.sensor.alt_m, SURFACE_SIGMA_V_M, "surface"
        if altitude.feet is not None and altitude.gnss:
            return altitude.feet * FT_M, sigma_v_geometric(aircraft.gva), "geometric"
        baro_ft = altitude.feet
        if baro_ft is not None:
            aircraft.baro_altitude_ft, aircraft.baro_altitude_time_s = baro_ft, time_s
        elif time_s - aircraft.baro_altitude_time_s <= self.config.altitude_max_age_s:
            baro_ft = aircraft.baro_altitude_ft
        if baro_ft is None:
            return None, None, None
        difference_fresh = time_s - aircraft.geo_minus_baro_time_s <= self.config.altitude_max_age_s
        if self.config.prefer_geometric and aircraft.geo_minus_baro_ft is not None and difference_fresh:
            return (baro_ft + aircraft.geo_minus_baro_ft) * FT_M, sigma_v_geometric(aircraft.gva), "geometric"
        return baro_ft * FT_M, BAROMETRIC_SIGMA_V_M, "barometric"


@dataclass(frozen=True, slots=True)
class _Altitude:
    feet: int | None
    gnss: bool
    surface: bool


def _velocity(aircraft: AircraftState, item: Velocity, time_s: float) -> None:
    if item.groundspeed_kt is not None or item.vertical_rate_fpm is not None:
        aircraft.groundspeed_kt, aircraft.track_deg = item.groundspeed_kt, item.track_deg
        aircraft.vertical_rate_fpm, aircraft.velocity_time_s = item.vertical_rate_fpm, time_s
    if item.geo_minus_baro_ft is not None:
        aircraft.geo_minus_baro_ft, aircraft.geo_minus_baro_time_s = item.geo_minus_baro_ft, time_s
    if item.nac_v is not None:
        aircraft.nac_v = item.nac_v


def _quality(aircraft: AircraftState, item: Quality) -> None:
    if item.nac_p is not None:
        aircraft.nac_p = item.nac_p
    if item.nic_a is not None:
        aircraft.nic_a = item.nic_a
    if item.gva is not None:
        aircraft.gva = item.gva
    if item.version is not None:
        aircraft.version = item.version


def _east_north(groundspeed_kt: float | None, track_deg: float | None) -> tuple[float | None, float | None]:
    if groundspeed_kt is None or track_deg is None:
        return None, None
    speed_ms = groundspeed_kt * KT_MS
    track = math.radians(track_deg)
    return speed_ms * math.sin(track), speed_ms * math.cos(track)


def haversine_m(lat1_deg: float, lon1_deg: float, lat2_deg: float, lon2_deg: float) -> float:
    """Great-circle distance on the mean Earth sphere (ample for plausibility checks)."""
    lat1, lat2 = math.radians(lat1_deg), math.radians(lat2_deg)
    half_dlat = (lat2 - lat1) / 2.0
    half_dlon = math.radians(lon2_deg - lon1_deg) / 2.0
    a = math.sin(half_dlat) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(half_dlon) ** 2
    return 2.0 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
