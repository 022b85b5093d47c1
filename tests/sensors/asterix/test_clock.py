"""ASTERIX time of day dated by the receive time, across midnight both ways."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from raqib.sensors.asterix import AsterixDecoder, tod_to_unix
from raqib.sensors.asterix.clock import SECONDS_PER_DAY, noon_of
from tests.sensors.asterix.builders import CAT048, RADAR, Plot, block, cat048_record

MIDNIGHT_S = 1_700_006_400.0  # 2023-11-15 00:00:00 UTC


def test_same_day() -> None:
    assert tod_to_unix(3600.5, MIDNIGHT_S + 3601.0) == MIDNIGHT_S + 3600.5


def test_stamped_before_midnight_received_after_belongs_to_the_day_before() -> None:
    assert tod_to_unix(86_399.9, MIDNIGHT_S + 0.2) == pytest.approx(MIDNIGHT_S - 0.1)


def test_stamped_after_midnight_received_before_belongs_to_the_day_after() -> None:
    assert tod_to_unix(0.1, MIDNIGHT_S - 0.2) == pytest.approx(MIDNIGHT_S + 0.1)


def test_vectorised_over_arrays() -> None:
    times = tod_to_unix(np.array([86_399.9, 0.05, 10.0]), MIDNIGHT_S + 0.2)
    assert times == pytest.approx([MIDNIGHT_S - 0.1, MIDNIGHT_S + 0.05, MIDNIGHT_S + 10.0])


def test_noon_of_puts_every_time_of_day_on_that_day() -> None:
    reference = noon_of(MIDNIGHT_S + 5.0)
    assert tod_to_unix(0.0, reference) == MIDNIGHT_S
    assert tod_to_unix(86_399.0, reference) == MIDNIGHT_S + 86_399.0


@given(
    st.floats(0.0, SECONDS_PER_DAY, exclude_max=True),
    st.floats(-43_000.0, 43_000.0),
    st.integers(0, 30_000),
)
def test_result_is_the_time_of_day_within_half_a_day_of_reception(tod: float, lag: float, day: int) -> None:
    received = day * SECONDS_PER_DAY + tod + lag
    result = tod_to_unix(tod, received)
    assert abs(result - received) <= SECONDS_PER_DAY / 2
    days = (result - tod) / SECONDS_PER_DAY
    assert days == pytest.approx(round(days), abs=1e-9)  # a whole number of days after the time of day


def test_a_plot_across_midnight_through_the_decoder() -> None:
    decoder = AsterixDecoder(RADAR)
    late = block(CAT048, [cat048_record(Plot(tod_s=86_399.9))])
    early = block(CAT048, [cat048_record(Plot(tod_s=0.1))])
    (before,) = decoder.decode(late, MIDNIGHT_S + 0.2)
    (after,) = decoder.decode(early, MIDNIGHT_S - 0.2)
    assert before.time_s == pytest.approx(MIDNIGHT_S - 0.1, abs=0.01)
    assert after.time_s == pytest.approx(MIDNIGHT_S + 0.1, abs=0.01)
