"""What a spoofing check needs to know about one Remote ID identity: evidence, not verdicts.

Spoofed Remote ID reuses a real serial number. What gives it away, and what is kept here:
  * the same identity heard from several transmitters at once;
  * positions that jump faster than the aircraft could fly, or faster than it says it flies;
  * Location timestamps far from the time of reception (replayed messages);
  * a pilot (operator position) implausibly far from the aircraft;
  * the message counter kept while the content changes (a transmitter must change it);
  * the received signal strength, where the capture has it (forged frames injected by a
    laptop, or relayed, often come without it or at an unvarying level).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

EARTH_RADIUS_M = 6_371_008.8
MAX_TRANSMITTERS_KEPT = 64  # per identity; randomised BLE addresses must not grow it forever


@dataclass(frozen=True, slots=True)
class EvidenceConfig:
    max_speed_ms: float = 60.0  # a jump implying more than this counts as implausible
    speed_tolerance_ms: float = 10.0  # implied speed may exceed the reported one by this much
    min_jump_interval_s: float = 1.0  # compare positions at least this far apart in time
    position_noise_m: float = 10.0  # GNSS noise allowed before a move counts
    concurrency_window_s: float = 2.0  # transmitters heard within this window are "at once"
    max_timestamp_skew_s: float = 5.0  # Location timestamps further from reception are stale


@dataclass(frozen=True, slots=True)
class SpoofingEvidence:
    """A snapshot of the evidence gathered for one identity (UAS ID) so far."""

    identity: str
    first_heard_s: float
    last_heard_s: float
    transmitters: tuple[str, ...]  # every transmitter (MAC, address, UDP source) that sent it
    max_concurrent_transmitters: int  # most transmitters heard within the concurrency window
    locations: int
    implausible_jumps: int  # moves implying more than max_speed_ms
    speed_mismatches: int  # moves implying more than the reported speed + tolerance
    max_implied_speed_ms: float | None
    max_speed_mismatch_ms: float | None  # implied minus reported ground speed, largest
    stale_timestamps: int  # Location timestamps off the reception time by more than allowed
    max_timestamp_skew_s: float | None  # largest |Location timestamp - reception time|
    max_operator_distance_m: float | None
    counter_reuses: int  # content changed but the counter did not
    rssi_samples: int
    rssi_missing: int  # Location messages received without a signal strength
    rssi_mean_dbm: float | None
    rssi_std_dbm: float | None


def ground_distance_m(lat1_deg: float, lon1_deg: float, lat2_deg: float, lon2_deg: float) -> float:
    """Great-circle distance (haversine) on the mean Earth sphere."""
    phi1, phi2 = math.radians(lat1_deg), math.radians(lat2_deg)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2_deg - lon1_deg)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(slots=True)
class IdentityEvidence:
    """The running evidence for one identity; ``snapshot`` freezes it."""

    identity: str
    config: EvidenceConfig
    first_heard_s: float
    last_heard_s: float = 0.0
    heard_by_transmitter: dict[str, float] = field(default_factory=dict)
    max_concurrent: int = 0
    locations: int = 0
    implausible_jumps: int = 0
    speed_mismatches: int = 0
    max_implied_speed_ms: float | None = None
    max_speed_mismatch_ms: float | None = None
    stale_timestamps: int = 0
    max_timestamp_skew_s: float | None = None
    max_operator_distance_m: float | None = None
    counter_reuses: int = 0
    rssi_n: int = 0
    rssi_mean: float = 0.0
    rssi_m2: float = 0.0  # Welford's running sum of squared deviations
    rssi_missing: int = 0
    previous: tuple[float, float, float] | None = None  # time, lat, lon of the last fix
    reference: tuple[float, float, float] | None = None  # the last fix min_jump_interval_s back

    def heard(self, transmitter: str, time_s: float) -> None:
        self.last_heard_s = max(self.last_heard_s, time_s)
        self.heard_by_transmitter[transmitter] = time_s
        if len(self.heard_by_transmitter) > MAX_TRANSMITTERS_KEPT:
            del self.heard_by_transmitter[
                min(self.heard_by_transmitter, key=self.heard_by_transmitter.__getitem__)
            ]
        window = self.config.concurrency_window_s
        concurrent = sum(1 for last in self.heard_by_transmitter.values() if time_s - last <= window)
        self.max_concurrent = max(self.max_concurrent, concurrent)

    def location(
        self,
        receive_time_s: float,
        lat_deg: float,
        lon_deg: float,
        reported_speed_ms: float | None,
        timestamp_skew_s: float | None,
        operator: tuple[float, float] | None,
        rssi_dbm: float | None,
    ) -> None:
        config = self.config
        self.locations += 1
        if timestamp_skew_s is not None:
            skew = abs(timestamp_skew_s)
            self.max_timestamp_skew_s = max(skew, self.max_timestamp_skew_s or 0.0)
            self.stale_timestamps += skew > config.max_timestamp_skew_s
        if operator is not None:
            distance = ground_distance_m(lat_deg, lon_deg, *operator)
            self.max_operator_distance_m = max(distance, self.max_operator_distance_m or 0.0)
        if rssi_dbm is None:
            self.rssi_missing += 1
        else:
            self.rssi_n += 1
            delta = rssi_dbm - self.rssi_mean
            self.rssi_mean += delta / self.rssi_n
            self.rssi_m2 += delta * (rssi_dbm - self.rssi_mean)
        self._jump(receive_time_s, lat_deg, lon_deg, reported_speed_ms)

    def _jump(self, time_s: float, lat_deg: float, lon_deg: float, reported_speed_ms: float | None) -> None:
        """Implied ground speed from the previous fix (over at least ``min_jump_interval_s``, so
        that GNSS noise between close fixes is not read as speed: this under-states, never
        over-states) and from the last fix at least that interval back (sustained speed)."""
        config = self.config
        implied = 0.0
        for previous in (self.previous, self.reference):
            if previous is not None and time_s >= previous[0]:
                moved_m = ground_distance_m(previous[1], previous[2], lat_deg, lon_deg)
                interval_s = max(time_s - previous[0], config.min_jump_interval_s)
                implied = max(implied, max(0.0, moved_m - config.position_noise_m) / interval_s)
        fix = (time_s, lat_deg, lon_deg)
        if self.reference is None or time_s - self.reference[0] >= config.min_jump_interval_s:
            self.reference = fix
        first = self.previous is None
        self.previous = fix
        if first:
            return
        self.max_implied_speed_ms = max(implied, self.max_implied_speed_ms or 0.0)
        self.implausible_jumps += implied > config.max_speed_ms
        if reported_speed_ms is not None:
            mismatch = implied - reported_speed_ms
            self.max_speed_mismatch_ms = max(mismatch, self.max_speed_mismatch_ms or 0.0)
            self.speed_mismatches += mismatch > config.speed_tolerance_ms

    def snapshot(self) -> SpoofingEvidence:
        return SpoofingEvidence(
            identity=self.identity,
            first_heard_s=self.first_heard_s,
            last_heard_s=self.last_heard_s,
            transmitters=tuple(sorted(self.heard_by_transmitter)),
            max_concurrent_transmitters=self.max_concurrent,
            locations=self.locations,
            implausible_jumps=self.implausible_jumps,
            speed_mismatches=self.speed_mismatches,
            max_implied_speed_ms=self.max_implied_speed_ms,
            max_speed_mismatch_ms=self.max_speed_mismatch_ms,
            stale_timestamps=self.stale_timestamps,
            max_timestamp_skew_s=self.max_timestamp_skew_s,
            max_operator_distance_m=self.max_operator_distance_m,
            counter_reuses=self.counter_reuses,
            rssi_samples=self.rssi_n,
            rssi_missing=self.rssi_missing,
            rssi_mean_dbm=self.rssi_mean if self.rssi_n else None,
            rssi_std_dbm=math.sqrt(self.rssi_m2 / (self.rssi_n - 1)) if self.rssi_n > 1 else None,
        )
