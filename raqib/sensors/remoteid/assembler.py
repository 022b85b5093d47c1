"""Per-aircraft assembly: Basic ID + Location + System (+ Operator ID, Self-ID, Authentication)
into position Detections.

The messages of one aircraft arrive in different packets (over Bluetooth 4 each advertisement
carries one), so they are associated by transmitter (MAC or advertising address, UDP source)
and time. Each Location with a position, from a transmitter whose UAS ID is known, gives one
Detection:

  * ``alt_m``: geodetic altitude (WGS84 HAE) when sent; else pressure altitude, else height
    plus the ground altitude, else the ground altitude, each with a larger ``sigma_v_m``
    (``RemoteIdFix.alt_source`` says which);
  * ``sigma_h_m`` / ``sigma_v_m`` / ``sigma_vel_ms`` from the 95 % accuracy codes;
  * ``time_s``: the Location timestamp (tenths of a second since the UTC hour) anchored to the
    hour nearest the receive time, with ``time_source`` "sensor"; the receive time when the
    timestamp is unknown or further than ``max_timestamp_skew_s`` from it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from raqib.model import Detection, Sensor, TargetClass
from raqib.sensors.remoteid.evidence import EvidenceConfig, IdentityEvidence, SpoofingEvidence
from raqib.sensors.remoteid.messages import (
    AuthenticationPage,
    BasicId,
    IdType,
    Location,
    Message,
    OperatorId,
    SelfId,
    System,
)

SIGMA_PER_95_2D = 2.4477  # radius holding 95 % of a circular Gaussian, in sigmas: sqrt(-2 ln 0.05)
SIGMA_PER_95_1D = 1.96
PRESSURE_ALTITUDE_SIGMA_M = 60.0  # no QNH correction (about 7 hPa) and the geoid's offset
HEIGHT_ALTITUDE_SIGMA_M = 30.0  # takeoff point or terrain assumed at the ground altitude
NO_ALTITUDE_SIGMA_M = 150.0
IDENTITY_PREFERENCE = (
    IdType.SERIAL_NUMBER,
    IdType.CAA_REGISTRATION,
    IdType.UTM_UUID,
    IdType.SPECIFIC_SESSION,
)
HOUR_S = 3600.0


@dataclass(frozen=True, slots=True)
class AssemblerConfig:
    evidence: EvidenceConfig = field(default_factory=EvidenceConfig)
    ground_alt_m: float | None = None  # terrain altitude (HAE) for height-only fixes; else the sensor's
    emit_without_identity: bool = False  # Locations from transmitters that never sent a Basic ID
    forget_after_s: float = 600.0  # drop transmitters and identities silent this long


@dataclass(frozen=True, slots=True)
class RemoteIdFix:
    """One assembled Location: the Detection and what else is known about the aircraft."""

    detection: Detection
    transmitter: str
    transport: str
    alt_source: str  # geodetic | pressure | height | ground
    ua_type: int | None
    status: int  # OperationalStatus
    operator_id: str | None
    self_id: str | None
    rssi_dbm: float | None
    timestamp_skew_s: float | None  # anchored Location timestamp minus receive time


@dataclass
class AssemblerStats:
    messages: int = 0
    locations: int = 0
    fixes: int = 0
    locations_without_identity: int = 0
    locations_without_position: int = 0


@dataclass(slots=True)
class _Transmitter:
    last_heard_s: float
    ids: dict[int, str] = field(default_factory=dict)  # ID type -> UAS ID
    ua_type: int | None = None
    system: System | None = None
    operator_id: str | None = None
    self_id: str | None = None
    auth_pages: dict[int, AuthenticationPage] = field(default_factory=dict)
    counters: dict[str, tuple[int, tuple[Message, ...]]] = field(default_factory=dict)

    @property
    def identity(self) -> str | None:
        for id_type in IDENTITY_PREFERENCE:
            if id_type in self.ids:
                return self.ids[id_type]
        return next(iter(self.ids.values()), None)


def anchor_to_hour(timestamp_tenths: int, receive_time_s: float) -> float:
    """The time nearest ``receive_time_s`` that is ``timestamp_tenths`` past a full UTC hour."""
    skew_s = (timestamp_tenths / 10.0 - receive_time_s + HOUR_S / 2) % HOUR_S - HOUR_S / 2  # in [-1800, 1800)
    return receive_time_s + skew_s


class RemoteIdAssembler:
    """Feed it the messages of each packet, in order; it returns the fixes they complete."""

    def __init__(self, sensor: Sensor, config: AssemblerConfig | None = None) -> None:
        self.sensor = sensor
        self.config = config or AssemblerConfig()
        self.stats = AssemblerStats()
        self._transmitters: dict[str, _Transmitter] = {}
        self._evidence: dict[str, IdentityEvidence] = {}
        self._last_expiry_s = -math.inf

    def add(
        self,
        messages: Sequence[Message],
        transmitter: str,
        receive_time_s: float,
        *,
        rssi_dbm: float | None = None,
        counter: int | None = None,
        transport: str = "",
    ) -> list[RemoteIdFix]:
        """The messages of one packet (one message, or a pack's) from one transmitter."""
        self._expire(receive_time_s)
        state = self._transmitters.get(transmitter)
        if state is None:
            state = self._transmitters[transmitter] = _Transmitter(receive_time_s)
        state.last_heard_s = max(state.last_heard_s, receive_time_s)
        self.stats.messages += len(messages)
        for message in messages:  # a pack's System may follow its Location: read it first
            if not isinstance(message, Location):
                self._static(message, state)
        fixes: list[RemoteIdFix] = []
        for message in messages:
            if isinstance(message, Location):
                fix = self._location(message, state, transmitter, receive_time_s, rssi_dbm, transport)
                if fix is not None:
                    fixes.append(fix)
        identity = state.identity
        if identity is not None:
            evidence = self._identity_evidence(identity, receive_time_s)
            evidence.heard(transmitter, receive_time_s)
            if counter is not None and messages:
                evidence.counter_reuses += self._counter_reused(state, counter, tuple(messages))
        self.stats.fixes += len(fixes)
        return fixes

    def evidence(self, identity: str) -> SpoofingEvidence | None:
        state = self._evidence.get(identity)
        return None if state is None else state.snapshot()

    def all_evidence(self) -> list[SpoofingEvidence]:
        return [state.snapshot() for state in self._evidence.values()]

    def authentication_data(self, transmitter: str) -> bytes | None:
        """The reassembled authentication data of a transmitter, once every page has arrived."""
        state = self._transmitters.get(transmitter)
        first = None if state is None else state.auth_pages.get(0)
        if state is None or first is None or first.last_page is None or first.length is None:
            return None
        pages = [state.auth_pages.get(index) for index in range(first.last_page + 1)]
        if any(page is None or page.auth_type != first.auth_type for page in pages):
            return None
        return b"".join(page.data for page in pages if page is not None)[: first.length]

    def _static(self, message: Message, state: _Transmitter) -> None:
        if isinstance(message, BasicId):
            if message.uas_id:
                state.ids[message.id_type] = message.uas_id
            state.ua_type = message.ua_type
        elif isinstance(message, System):
            state.system = message
        elif isinstance(message, OperatorId):
            state.operator_id = message.operator_id or None
        elif isinstance(message, SelfId):
            state.self_id = message.description or None
        elif isinstance(message, AuthenticationPage):
            if message.page == 0:  # a new signature: older pages belong to the previous one
                state.auth_pages.clear()
            state.auth_pages[message.page] = message

    def _location(
        self,
        location: Location,
        state: _Transmitter,
        transmitter: str,
        receive_time_s: float,
        rssi_dbm: float | None,
        transport: str,
    ) -> RemoteIdFix | None:
        self.stats.locations += 1
        identity = state.identity
        if location.lat_deg is None or location.lon_deg is None:
            self.stats.locations_without_position += 1
            return None
        if identity is None:
            self.stats.locations_without_identity += 1
            if not self.config.emit_without_identity:
                return None
        skew_s = None
        time_s, time_source = receive_time_s, "receive"
        if location.timestamp_tenths is not None:
            anchored = anchor_to_hour(location.timestamp_tenths, receive_time_s)
            skew_s = anchored - receive_time_s
            if abs(skew_s) <= self.config.evidence.max_timestamp_skew_s:
                time_s, time_source = anchored, "sensor"
        operator = self._operator_position(state.system)
        if identity is not None:
            self._identity_evidence(identity, receive_time_s).location(
                receive_time_s,
                location.lat_deg,
                location.lon_deg,
                location.speed_h_ms,
                skew_s,
                operator,
                rssi_dbm,
            )
        alt_m, alt_source, sigma_v_m = self._altitude(location)
        vel_e, vel_n = _horizontal_velocity(location)
        h_acc, speed_acc = location.horizontal_accuracy_m, location.speed_accuracy_ms
        detection = Detection(
            time_s=time_s,
            sensor_id=self.sensor.sensor_id,
            lat_deg=location.lat_deg,
            lon_deg=location.lon_deg,
            alt_m=alt_m,
            vel_e_ms=vel_e,
            vel_n_ms=vel_n,
            vel_u_ms=location.speed_v_ms,
            sigma_h_m=None if h_acc is None else h_acc / SIGMA_PER_95_2D,
            sigma_v_m=sigma_v_m,
            sigma_vel_ms=None if speed_acc is None else speed_acc / SIGMA_PER_95_1D,
            identity=identity,
            class_hint=TargetClass.DRONE.value,
            operator_lat_deg=None if operator is None else operator[0],
            operator_lon_deg=None if operator is None else operator[1],
            time_source=time_source,
        )
        return RemoteIdFix(
            detection, transmitter, transport, alt_source, state.ua_type, location.status,
            state.operator_id, state.self_id, rssi_dbm, skew_s,
        )  # fmt: skip

    def _altitude(self, location: Location) -> tuple[float, str, float | None]:
        ground_m = self.config.ground_alt_m if self.config.ground_alt_m is not None else self.sensor.alt_m
        v_acc, baro_acc = location.vertical_accuracy_m, location.baro_accuracy_m
        if location.alt_geodetic_m is not None:
            return location.alt_geodetic_m, "geodetic", None if v_acc is None else v_acc / SIGMA_PER_95_1D
        if location.alt_pressure_m is not None:
            sigma = math.hypot((baro_acc or 0.0) / SIGMA_PER_95_1D, PRESSURE_ALTITUDE_SIGMA_M)
            return location.alt_pressure_m, "pressure", sigma
        if location.height_m is not None:
            sigma = math.hypot((v_acc or 0.0) / SIGMA_PER_95_1D, HEIGHT_ALTITUDE_SIGMA_M)
            return ground_m + location.height_m, "height", sigma
        return ground_m, "ground", NO_ALTITUDE_SIGMA_M

    @staticmethod
    def _operator_position(system: System | None) -> tuple[float, float] | None:
        if system is None or system.operator_lat_deg is None or system.operator_lon_deg is None:
            return None
        return system.operator_lat_deg, system.operator_lon_deg

    @staticmethod
    def _counter_reused(state: _Transmitter, counter: int, messages: tuple[Message, ...]) -> bool:
        key = "pack" if len(messages) > 1 else type(messages[0]).__name__
        previous = state.counters.get(key)
        state.counters[key] = (counter, messages)
        return previous is not None and previous[0] == counter and previous[1] != messages

    def _identity_evidence(self, identity: str, time_s: float) -> IdentityEvidence:
        evidence = self._evidence.get(identity)
        if evidence is None:
            evidence = self._evidence[identity] = IdentityEvidence(identity, self.config.evidence, time_s)
        return evidence

    def _expire(self, now_s: float) -> None:
        if now_s - self._last_expiry_s < 10.0:
            return
        self._last_expiry_s = now_s
        horizon = now_s - self.config.forget_after_s
        for name in [name for name, state in self._transmitters.items() if state.last_heard_s < horizon]:
            del self._transmitters[name]
        for name in [name for name, state in self._evidence.items() if state.last_heard_s < horizon]:
            del self._evidence[name]


def _horizontal_velocity(location: Location) -> tuple[float | None, float | None]:
    speed, direction = location.speed_h_ms, location.direction_deg
    if speed is None:
        return None, None
    if speed == 0.0:
        return 0.0, 0.0
    if direction is None:
        return None, None
    radians = math.radians(direction)
    return speed * math.sin(radians), speed * math.cos(radians)
