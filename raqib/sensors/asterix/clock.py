"""ASTERIX time of day to UNIX time.

ASTERIX stamps reports with seconds since the last UTC midnight (1/128 s steps) and no
date. The date comes from the time raqib received the report: the report belongs to the
day that puts it within twelve hours of the receive time. So a report stamped 23:59:59.9
and received at 00:00:00.2 belongs to the day before the receive date, and one stamped
00:00:00.1 that arrives, by a slow receive clock, at 23:59:59.8 belongs to the day after.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SECONDS_PER_DAY = 86_400.0


def tod_to_unix(time_of_day_s: Any, receive_time_s: Any) -> Any:
    """UNIX seconds of ``time_of_day_s`` (seconds after UTC midnight) nearest ``receive_time_s``.

    Vectorised over NumPy arrays; scalars in give a float out."""
    tod = np.asarray(time_of_day_s, dtype=float)
    received = np.asarray(receive_time_s, dtype=float)
    # t = tod + 86400 k, with the whole number of days k that brings t nearest the receive time.
    days = np.round((received - tod) / SECONDS_PER_DAY)
    result = tod + days * SECONDS_PER_DAY
    return float(result) if result.ndim == 0 else result


def noon_of(unix_time_s: float) -> float:
    """12:00 UTC on the day of ``unix_time_s``: a reference that puts every time of day on that day."""
    return (unix_time_s // SECONDS_PER_DAY) * SECONDS_PER_DAY + SECONDS_PER_DAY / 2
