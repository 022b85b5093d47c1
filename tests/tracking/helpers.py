"""Small hand-built scenes for tracker tests: a site, a radar, and exact target paths."""

from __future__ import annotations

import numpy as np

from raqib.geo import enu_to_geodetic, enu_to_polar
from raqib.model import Detection, Sensor, Site

SITE = Site(lat_deg=33.2625, lon_deg=44.2346, alt_m=35.0, name="test")
RADAR = Sensor(
    sensor_id="radar",
    kind="radar",
    lat_deg=SITE.lat_deg,
    lon_deg=SITE.lon_deg,
    alt_m=SITE.alt_m,
    sigma_range_m=10.0,
    sigma_azimuth_deg=0.3,
    sigma_elevation_deg=0.3,
    pd=0.95,
    clutter_rate=5.0,
    max_range_m=15_000.0,
    period_s=1.0,
)
ADSB = Sensor(
    sensor_id="adsb",
    kind="adsb",
    lat_deg=SITE.lat_deg,
    lon_deg=SITE.lon_deg,
    alt_m=SITE.alt_m,
    sigma_h_m=10.0,
    sigma_v_m=15.0,
    period_s=1.0,
)
RF = Sensor(
    sensor_id="rf",
    kind="rf",
    lat_deg=SITE.lat_deg,
    lon_deg=SITE.lon_deg,
    alt_m=SITE.alt_m,
    sigma_azimuth_deg=1.0,
    max_range_m=10_000.0,
    period_s=1.0,
)


def radar_detections(
    positions_enu: np.ndarray,
    time_s: float,
    rng: np.random.Generator,
    pd: float = 1.0,
    clutter: int = 0,
    sensor: str = "radar",
) -> list[Detection]:
    r, az, el = enu_to_polar(np.atleast_2d(positions_enu))
    dets = []
    for i in range(len(r)):
        if rng.random() <= pd:
            dets.append(
                Detection(
                    time_s=time_s,
                    sensor_id=sensor,
                    range_m=float(r[i] + rng.normal(0, 10)),
                    azimuth_deg=float(az[i] + rng.normal(0, 0.3)),
                    elevation_deg=float(el[i] + rng.normal(0, 0.3)),
                )
            )
    for _ in range(clutter):
        dets.append(
            Detection(
                time_s=time_s,
                sensor_id=sensor,
                range_m=float(rng.uniform(500, 14_000)),
                azimuth_deg=float(rng.uniform(0, 360)),
                elevation_deg=float(rng.uniform(0, 20)),
            )
        )
    return dets


def position_report(
    position_enu: np.ndarray,
    velocity_enu: np.ndarray,
    time_s: float,
    identity: str,
    rng: np.random.Generator,
    sensor: str = "adsb",
) -> Detection:
    noisy = position_enu + rng.normal(0, [10, 10, 15])
    lat, lon, alt = enu_to_geodetic(noisy[0], noisy[1], noisy[2], SITE)
    return Detection(
        time_s=time_s,
        sensor_id=sensor,
        lat_deg=float(lat),
        lon_deg=float(lon),
        alt_m=float(alt),
        vel_e_ms=float(velocity_enu[0]),
        vel_n_ms=float(velocity_enu[1]),
        vel_u_ms=float(velocity_enu[2]),
        identity=identity,
    )
