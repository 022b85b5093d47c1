"""A confirmed drone track at a given position and velocity, for the threat tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from raqib.model import Track


def drone_track(
    time_s: float,
    east: float,
    north: float,
    ve: float,
    vn: float,
    *,
    cov_diag: Sequence[float],
    up_m: float,
    track_id: int = 1,
    first: float = 0.0,
) -> Track:
    """A level drone track (P(drone) 0.95) with a diagonal position-velocity covariance."""
    return Track(
        time_s=time_s,
        track_id=track_id,
        lat_deg=0.0,
        lon_deg=0.0,
        alt_m=up_m,
        east_m=east,
        north_m=north,
        up_m=up_m,
        vel_e_ms=ve,
        vel_n_ms=vn,
        vel_u_ms=0.0,
        cov_enu=tuple(np.diag(np.asarray(cov_diag, float)).ravel()),
        target_class="drone",
        class_probs={"drone": 0.95, "unknown": 0.05},
        first_detection_time_s=first,
    )
