"""Geodesy: WGS84 geodetic <-> local east-north-up (ENU) about the site origin, and polar
measurements <-> ENU. Every function takes scalars or NumPy arrays (vectorised through
pymap3d)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pymap3d

from raqib.model import Site

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def geodetic_to_enu(
    lat_deg: Any, lon_deg: Any, alt_m: Any, site: Site
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """WGS84 (degrees, metres above the ellipsoid) to east, north, up metres from the site."""
    e, n, u = pymap3d.geodetic2enu(lat_deg, lon_deg, alt_m, site.lat_deg, site.lon_deg, site.alt_m)
    return np.asarray(e, float), np.asarray(n, float), np.asarray(u, float)


def enu_to_geodetic(
    east_m: Any, north_m: Any, up_m: Any, site: Site
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """East, north, up metres from the site to WGS84 latitude, longitude (degrees), altitude (m)."""
    lat, lon, alt = pymap3d.enu2geodetic(east_m, north_m, up_m, site.lat_deg, site.lon_deg, site.alt_m)
    return np.asarray(lat, float), np.asarray(lon, float), np.asarray(alt, float)


class SiteFrame:
    """ENU -> WGS84 about one site, for the tracker's per-scan output of a few dozen tracks.

    ``enu_to_geodetic`` through pymap3d costs about 0.1 ms a call whatever the number of
    points: it rebuilds the ellipsoid, the site's ECEF position and its sines and cosines on
    every call, and its ECEF -> geodetic step masks, tests and patches its arrays for points
    on the polar axis or at the Earth's centre. This frame computes the site's constants once
    and then runs pymap3d's own arithmetic (enu2uvw, then You's (2000) non-iterative
    ecef2geodetic, eqns. 4a-4c, 7 and 13) operation for operation, in the same order, on the
    whole array: the same floating-point operations on the same values, so the same results to
    the bit where pymap3d takes its regular branch (tests/test_geo.py). Any point for which
    pymap3d would take a special branch (|u| or the distance from the polar axis within
    pymap3d's isclose tolerance, a reduced latitude at +-90 degrees) sends the whole call to
    pymap3d, which stays the reference.
    """

    __slots__ = ("_cos_lat0", "_cos_lon0", "_sin_lat0", "_sin_lon0", "_x0_m", "_y0_m", "_z0_m", "site")

    # WGS84 as pymap3d.Ellipsoid.from_name("wgs84") has it.
    SEMIMAJOR_M = 6378137.0
    SEMIMINOR_M = 6356752.31424518
    # pymap3d's tests: np.isclose(value, 0) with its default atol, and its float precision
    # patch of the reduced latitude at the poles.
    _ISCLOSE_ATOL = 1e-8
    _LIM_PI2_RAD = math.pi / 2 - float(np.finfo(np.float64).eps)

    def __init__(self, site: Site) -> None:
        self.site = site
        # The same NumPy calls on the same floats as pymap3d.enu2uvw with deg=True.
        lat0_rad, lon0_rad = np.radians(site.lat_deg), np.radians(site.lon_deg)
        self._sin_lat0, self._cos_lat0 = np.sin(lat0_rad), np.cos(lat0_rad)
        self._sin_lon0, self._cos_lon0 = np.sin(lon0_rad), np.cos(lon0_rad)
        self._x0_m, self._y0_m, self._z0_m = pymap3d.geodetic2ecef(site.lat_deg, site.lon_deg, site.alt_m)

    def enu_to_geodetic(
        self, east_m: Any, north_m: Any, up_m: Any
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """As ``enu_to_geodetic(east_m, north_m, up_m, site)``: WGS84 latitude, longitude
        (degrees) and altitude (m) of arrays of ENU points (any one shape, scalars included)."""
        east_m = np.asarray(east_m, float)
        north_m = np.asarray(north_m, float)
        up_m = np.asarray(up_m, float)
        if east_m.size == 0 or not (east_m.shape == north_m.shape == up_m.shape):
            return enu_to_geodetic(east_m, north_m, up_m, self.site)
        # pymap3d.enu2uvw, then enu2ecef's sum with the site's ECEF position.
        t = self._cos_lat0 * up_m - self._sin_lat0 * north_m
        w = self._sin_lat0 * up_m + self._cos_lat0 * north_m
        x = self._x0_m + (self._cos_lon0 * t - self._sin_lon0 * east_m)
        y = self._y0_m + (self._sin_lon0 * t + self._cos_lon0 * east_m)
        z = self._z0_m + w
        # pymap3d.ecef2geodetic, the regular branch. Squares, products and cosines it computes
        # twice are computed once here: the same values.
        a, b = self.SEMIMAJOR_M, self.SEMIMINOR_M
        x2, y2, z2 = x**2, y**2, z**2
        r = np.sqrt(x2 + y2 + z2)
        e = np.sqrt(a**2 - b**2)
        r2_less_e2 = r**2 - e**2
        u = np.sqrt(0.5 * r2_less_e2 + 0.5 * np.hypot(r2_less_e2, 2 * e * z))
        hxy = np.hypot(x, y)
        # u and hxy are never negative: their minima are pymap3d's isclose(., 0) tests.
        if min(u.min(), hxy.min()) <= self._ISCLOSE_ATOL:
            return enu_to_geodetic(east_m, north_m, up_m, self.site)
        hue = np.hypot(u, e)
        a_hue = a * hue
        beta = np.arctan(hue / u * z / hxy)
        cos_beta = np.cos(beta)
        beta += ((b * u - a_hue + e**2) * np.sin(beta)) / (a_hue / cos_beta - e**2 * cos_beta)
        if np.abs(beta).max() >= self._LIM_PI2_RAD:
            return enu_to_geodetic(east_m, north_m, up_m, self.site)
        lat = np.arctan(a / b * np.tan(beta))
        lon = np.arctan2(y, x)
        alt = np.hypot(z - b * np.sin(beta), hxy - a * np.cos(beta))
        inside = x2 / a**2 + y2 / a**2 + z2 / b**2 < 1
        if inside.any():
            alt = np.where(inside, -alt, alt)
        return np.degrees(lat), np.degrees(lon), np.asarray(alt, float)


def polar_to_enu(range_m: Any, azimuth_deg: Any, elevation_deg: Any) -> FloatArray:
    """Slant range, azimuth (clockwise from north) and elevation to ENU offsets, shape (..., 3)."""
    az = np.radians(azimuth_deg)
    el = np.radians(elevation_deg)
    ground = np.asarray(range_m, float) * np.cos(el)
    return np.stack(
        [ground * np.sin(az), ground * np.cos(az), np.asarray(range_m, float) * np.sin(el)], axis=-1
    )


def enu_to_polar(offset_enu_m: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ENU offsets (..., 3) to slant range (m), azimuth (deg, 0..360) and elevation (deg)."""
    e, n, u = offset_enu_m[..., 0], offset_enu_m[..., 1], offset_enu_m[..., 2]
    ground = np.hypot(e, n)
    range_m = np.hypot(ground, u)
    azimuth_deg = np.degrees(np.arctan2(e, n)) % 360.0
    elevation_deg = np.degrees(np.arctan2(u, ground))
    return range_m, azimuth_deg, elevation_deg


def wrap_deg(angle_deg: Any) -> Any:
    """Wrap an angle difference into [-180, 180)."""
    return (np.asarray(angle_deg) + 180.0) % 360.0 - 180.0


def polygon_to_enu(polygon_latlon: Any, site: Site) -> FloatArray:
    """A ring of (lat, lon) degrees to (N, 2) east-north metres on the site's plane."""
    ring = np.asarray(polygon_latlon, float).reshape(-1, 2)
    e, n, _ = geodetic_to_enu(ring[:, 0], ring[:, 1], np.full(len(ring), site.alt_m), site)
    return np.stack([e, n], axis=1)


def points_in_polygon(
    points_en_m: FloatArray, polygon_en_m: FloatArray
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Even-odd rule for many points against one polygon, vectorised over points and edges.

    points (P, 2), polygon (V, 2) -> (P,) bool."""
    px = points_en_m[:, 0:1]
    py = points_en_m[:, 1:2]
    x1, y1 = polygon_en_m[:, 0], polygon_en_m[:, 1]
    x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
    straddles = (y1 > py) != (y2 > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
    crossings = straddles & (px < x_cross)
    return np.asarray(np.count_nonzero(crossings, axis=1) % 2 == 1)


def distance_to_polygon_m(points_en_m: FloatArray, polygon_en_m: FloatArray) -> FloatArray:
    """Horizontal distance from each point to the polygon's boundary (0 inside). (P,2),(V,2) -> (P,)."""
    a = polygon_en_m
    b = np.roll(polygon_en_m, -1, axis=0)
    ab = b - a  # (V, 2)
    ap = points_en_m[:, None, :] - a[None, :, :]  # (P, V, 2)
    denom = np.maximum(np.einsum("vk,vk->v", ab, ab), 1e-12)
    t = np.clip(np.einsum("pvk,vk->pv", ap, ab) / denom, 0.0, 1.0)
    nearest = a[None] + t[..., None] * ab[None]
    d = np.linalg.norm(points_en_m[:, None, :] - nearest, axis=2).min(axis=1)
    inside = points_in_polygon(points_en_m, polygon_en_m)
    return np.where(inside, 0.0, d)
