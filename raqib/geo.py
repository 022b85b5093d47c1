"""Geodesy: WGS84 geodetic <-> local east-north-up (ENU) about the site origin, and polar
measurements <-> ENU. Every function takes scalars or NumPy arrays (vectorised through
pymap3d)."""

from __future__ import annotations

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
