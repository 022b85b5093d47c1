"""A confirmed track placed in a site's frame, for tests that need whole Track records (the
server's, the browser's and the outputs')."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from raqib.geo import enu_to_geodetic
from raqib.model import Site, Track

SIGMAS_ENU = (30.0, 20.0, 10.0, 3.0, 3.0, 2.0)  # position m, velocity m/s


def placed_track(
    site: Site,
    track_id: int,
    time_s: float,
    enu_m: Sequence[float],
    velocity_enu_ms: Sequence[float],
    *,
    sigmas_enu: Sequence[float] | None = SIGMAS_ENU,
    east_north_correlation: float = 0.0,
    **fields: Any,
) -> Track:
    """A track at ``enu_m`` of ``site`` with its geodetic position worked out; a diagonal
    covariance of ``sigmas_enu`` (with that correlation between east and north; none at all
    for None); and any other Track fields as given."""
    east_m, north_m, up_m = (float(x) for x in enu_m)
    vel_e_ms, vel_n_ms, vel_u_ms = (float(v) for v in velocity_enu_ms)
    lat, lon, alt = enu_to_geodetic(east_m, north_m, up_m, site)
    if sigmas_enu is not None:
        cov = np.diag(np.square(sigmas_enu))
        cov[0, 1] = cov[1, 0] = east_north_correlation * sigmas_enu[0] * sigmas_enu[1]
        fields["cov_enu"] = tuple(cov.ravel().tolist())
    return Track(
        time_s=time_s,
        track_id=track_id,
        lat_deg=float(lat),
        lon_deg=float(lon),
        alt_m=float(alt),
        east_m=east_m,
        north_m=north_m,
        up_m=up_m,
        vel_e_ms=vel_e_ms,
        vel_n_ms=vel_n_ms,
        vel_u_ms=vel_u_ms,
        **fields,
    )
