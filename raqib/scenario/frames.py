"""Local frames for the simulator: height above the site's ground in its flat east-north-up
frame, and a sensor's own east-north-up frame as an exact affine map of the site's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pymap3d

from raqib.geo import FloatArray
from raqib.model import Site

EARTH_RADIUS_M = 6_371_000.0


def height_above_ground_m(enu_m: FloatArray) -> FloatArray:
    """Height above the ground (the site's altitude on the curved Earth) of ENU points (..., 3).

    The ground drops below the site's tangent plane by d^2 / 2R (5 m at 8 km)."""
    east, north, up = enu_m[..., 0], enu_m[..., 1], enu_m[..., 2]
    return np.asarray(up + (east * east + north * north) / (2.0 * EARTH_RADIUS_M))


def up_for_height_m(east_m: Any, north_m: Any, height_m: Any) -> FloatArray:
    """The ENU ``up`` of a point ``height_m`` above the ground."""
    east, north = np.asarray(east_m, float), np.asarray(north_m, float)
    return np.asarray(np.asarray(height_m, float) - (east * east + north * north) / (2.0 * EARTH_RADIUS_M))


class SensorFrame:
    """Site ENU -> the ENU frame at a sensor's position (both are affine maps of ECEF, so their
    composition is one exact matrix and offset). Directions rotate with ``rotation`` alone."""

    def __init__(self, site: Site, lat_deg: float, lon_deg: float, alt_m: float) -> None:
        basis = np.vstack([np.zeros(3), np.eye(3) * 1000.0])  # origin and 1 km along each axis
        x, y, z = pymap3d.enu2ecef(
            basis[:, 0], basis[:, 1], basis[:, 2], site.lat_deg, site.lon_deg, site.alt_m
        )
        e, n, u = pymap3d.ecef2enu(x, y, z, lat_deg, lon_deg, alt_m)
        mapped = np.stack([e, n, u], axis=1)
        self.offset_m: FloatArray = mapped[0]
        self.rotation: FloatArray = ((mapped[1:] - mapped[0]) / 1000.0).T  # columns: images of site axes
        self.position_m: FloatArray = np.linalg.solve(self.rotation, -self.offset_m)  # sensor in site ENU

    def to_sensor(self, enu_m: FloatArray) -> FloatArray:
        """Site-ENU points (N, 3) as points in the sensor's ENU frame."""
        return np.asarray(enu_m @ self.rotation.T + self.offset_m)

    def rotate(self, vectors: FloatArray) -> FloatArray:
        """Site-ENU directions (velocities) (N, 3) in the sensor's axes."""
        return np.asarray(vectors @ self.rotation.T)


WGS84_A_M = 6_378_137.0
WGS84_E2 = 6.69437999014e-3


def offset_to_degrees(lat_deg: Any, east_m: Any, north_m: Any) -> tuple[FloatArray, FloatArray]:
    """Small east/north offsets (metres, up to kilometres) at a latitude as degrees of latitude
    and longitude, through the WGS84 radii of curvature."""
    lat = np.radians(np.asarray(lat_deg, float))
    w = np.sqrt(1.0 - WGS84_E2 * np.sin(lat) ** 2)
    meridian_m = WGS84_A_M * (1.0 - WGS84_E2) / w**3
    normal_m = WGS84_A_M / w
    dlat = np.degrees(np.asarray(north_m, float) / meridian_m)
    dlon = np.degrees(np.asarray(east_m, float) / (normal_m * np.cos(lat)))
    return np.asarray(dlat), np.asarray(dlon)
