from __future__ import annotations

import pytest

from raqib.sensors.adsb.clock import COUNTER_WRAP_TICKS, MlatClock

TICKS_PER_S = 12_000_000


def test_counter_differences_give_the_spacing_of_messages() -> None:
    clock = MlatClock()
    assert clock.time_of(100 * TICKS_PER_S, 5000.0) == (5000.0, "sensor")
    # received together (one TCP read), measured 0.25 s and 1.5 s later
    assert clock.time_of(100 * TICKS_PER_S + TICKS_PER_S // 4, 5000.0)[0] == pytest.approx(5000.25)
    assert clock.time_of(int(101.5 * TICKS_PER_S), 5000.1)[0] == pytest.approx(5001.5)


def test_wrap_around_of_the_48_bit_counter() -> None:
    clock = MlatClock()
    clock.time_of(COUNTER_WRAP_TICKS - TICKS_PER_S, 10.0)
    time_s, source = clock.time_of(TICKS_PER_S, 12.0)  # 2 s later, after the wrap
    assert source == "sensor"
    assert time_s == pytest.approx(12.0)
    assert clock.anchors == 1


def test_slightly_out_of_order_frames_go_back_in_time() -> None:
    clock = MlatClock()
    clock.time_of(10 * TICKS_PER_S, 0.0)
    assert clock.time_of(10 * TICKS_PER_S - TICKS_PER_S // 10, 0.0)[0] == pytest.approx(-0.1)
    assert clock.anchors == 1


def test_a_receiver_restart_reanchors() -> None:
    clock = MlatClock()
    clock.time_of(5_000 * TICKS_PER_S, 100.0)
    assert clock.time_of(3 * TICKS_PER_S, 140.0)[0] == 140.0  # counter went back 4997 s
    assert clock.anchors == 2
    assert clock.time_of(4 * TICKS_PER_S, 141.0)[0] == pytest.approx(141.0)


def test_a_forward_jump_faster_than_the_receive_clock_reanchors() -> None:
    clock = MlatClock()
    clock.time_of(TICKS_PER_S, 100.0)
    assert clock.time_of(3_600 * TICKS_PER_S, 101.0)[0] == 101.0
    assert clock.anchors == 2


def test_zero_means_no_counter() -> None:
    clock = MlatClock()
    assert clock.time_of(0, 77.0) == (77.0, "receive")
    assert clock.anchors == 0


def test_radarcape_gps_time_of_day() -> None:
    clock = MlatClock("gps")

    def stamp(seconds: int, nanoseconds: int) -> int:
        return (seconds << 30) | nanoseconds

    clock.time_of(stamp(86_399, 900_000_000), 1_000.0)  # 0.1 s before midnight
    assert clock.time_of(stamp(0, 400_000_000), 1_000.0)[0] == pytest.approx(1_000.5)
    assert clock.counter_seconds(stamp(3_600, 250_000_000)) == pytest.approx(3_600.25)


def test_unknown_clock_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown MLAT clock"):
        MlatClock("1ghz")
