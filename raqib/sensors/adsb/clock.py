"""The receiver's own clock: the 48-bit MLAT timestamp of Beast frames and ``@`` raw lines.

Two counters are in use:
  * ``"12mhz"``: a free-running 12 MHz counter (dump1090, readsb); it wraps after 2**48 ticks,
    about 6.5 hours;
  * ``"gps"``: Radarcape/GNS GPS time of day: seconds since midnight in the top 18 bits and
    nanoseconds in the low 30; it wraps at midnight.

Neither says what day or epoch it is, so the counter is anchored to the receive time of the
first frame and each later frame's time is the anchor plus the counter's advance since then:
the spacing of messages is the receiver's, not the network's. The advance is taken frame to
frame as a signed difference modulo the wrap, so a wrap, or frames slightly out of order,
are handled. The clock re-anchors when the counter runs backwards by more than
``max_backstep_s`` (a receiver restart) or forwards faster than the receive clock by more than
``max_lead_s`` (a jump), or after half a wrap period of silence (the difference would alias).
A zero counter means "no MLAT time" (dump1090-fa): the receive time is used instead.
"""

from __future__ import annotations

CLOCK_KINDS = ("12mhz", "gps")
TICKS_PER_S_12MHZ = 12_000_000
COUNTER_WRAP_TICKS = 1 << 48
NANOSECONDS_PER_DAY = 86_400 * 1_000_000_000
_NANOSECOND_BITS = 30


class MlatClock:
    """Turns MLAT counter values into times on the receive clock's scale.

    The counter is kept as an integer count since the anchor, so no rounding accumulates
    however long the feed runs."""

    def __init__(self, kind: str = "12mhz", *, max_backstep_s: float = 1.0, max_lead_s: float = 30.0) -> None:
        if kind not in CLOCK_KINDS:
            raise ValueError(f"unknown MLAT clock {kind!r}: expected '12mhz' or 'gps'")
        self.kind = kind
        self.units_per_s = TICKS_PER_S_12MHZ if kind == "12mhz" else 1_000_000_000
        self.period_units = COUNTER_WRAP_TICKS if kind == "12mhz" else NANOSECONDS_PER_DAY
        self.max_backstep_s = max_backstep_s
        self.max_lead_s = max_lead_s
        self.anchors = 0  # how many times the clock was (re-)anchored
        self._last_units: int | None = None
        self._elapsed_units = 0  # counter advance since the anchor
        self._anchor_s = 0.0
        self._last_receive_s = 0.0

    def counter_units(self, ticks: int) -> int:
        """The counter's reading in its own units (12 MHz ticks or nanoseconds), in [0, period)."""
        if self.kind == "12mhz":
            return ticks % COUNTER_WRAP_TICKS
        seconds = (ticks >> _NANOSECOND_BITS) & 0x3FFFF
        return (seconds * 1_000_000_000 + (ticks & ((1 << _NANOSECOND_BITS) - 1))) % NANOSECONDS_PER_DAY

    def counter_seconds(self, ticks: int) -> float:
        """The counter's reading in seconds, in [0, period)."""
        return self.counter_units(ticks) / self.units_per_s

    def time_of(self, ticks: int, receive_time_s: float) -> tuple[float, str]:
        """(time in seconds, time source): ("sensor") from the counter, ("receive") without one."""
        if ticks == 0:
            return receive_time_s, "receive"
        units = self.counter_units(ticks)
        if self._last_units is None:
            return self._anchor(units, receive_time_s), "sensor"
        half = self.period_units // 2
        advance = (units - self._last_units + half) % self.period_units - half
        advance_s = advance / self.units_per_s
        received_s = receive_time_s - self._last_receive_s
        too_far_back = advance_s < -self.max_backstep_s
        if too_far_back or advance_s > received_s + self.max_lead_s or received_s > half / self.units_per_s:
            return self._anchor(units, receive_time_s), "sensor"
        self._last_units = units
        self._elapsed_units += advance
        self._last_receive_s = max(self._last_receive_s, receive_time_s)
        return self._anchor_s + self._elapsed_units / self.units_per_s, "sensor"

    def _anchor(self, units: int, receive_time_s: float) -> float:
        self.anchors += 1
        self._last_units = units
        self._elapsed_units = 0
        self._anchor_s = receive_time_s
        self._last_receive_s = receive_time_s
        return receive_time_s
