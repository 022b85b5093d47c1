"""Zones in the site's local frame: polygons (circles become 72-gons), with floor and ceiling."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from raqib.geo import FloatArray, geodetic_to_enu, points_in_polygon, polygon_to_enu
from raqib.model import Site, Zone

CIRCLE_VERTICES = 72


@dataclass(frozen=True, slots=True)
class ZoneGeometry:
    zone: Zone
    polygon_en_m: FloatArray  # (V, 2)
    centre_en_m: FloatArray  # (2,)
    radius_m: float  # of the smallest circle about the centre holding the polygon
    bbox_en_m: FloatArray  # (min_e, min_n, max_e, max_n)

    @classmethod
    def from_zone(cls, zone: Zone, site: Site) -> ZoneGeometry:
        if zone.polygon:
            polygon = polygon_to_enu(zone.polygon, site)
        elif zone.center_lat_deg is not None and zone.center_lon_deg is not None and zone.radius_m:
            e, n, _ = geodetic_to_enu(zone.center_lat_deg, zone.center_lon_deg, site.alt_m, site)
            angles = np.linspace(0, 2 * np.pi, CIRCLE_VERTICES, endpoint=False)
            polygon = np.stack(
                [float(e) + zone.radius_m * np.sin(angles), float(n) + zone.radius_m * np.cos(angles)], 1
            )
        else:
            raise ValueError(f"zone {zone.zone_id!r} has neither a polygon nor a circle")
        centre = polygon.mean(axis=0)
        radius = float(np.linalg.norm(polygon - centre, axis=1).max())
        bbox = np.concatenate([polygon.min(axis=0), polygon.max(axis=0)])
        return cls(zone=zone, polygon_en_m=polygon, centre_en_m=centre, radius_m=radius, bbox_en_m=bbox)

    def contains(self, points_enu_m: FloatArray) -> np.ndarray:
        """Inside the prism: polygon horizontally, floor..ceiling vertically. (P,3) -> (P,) bool."""
        pts = np.asarray(points_enu_m, float).reshape(-1, 3)
        box = self.bbox_en_m
        candidate = (
            (pts[:, 2] >= self.zone.floor_m)
            & (pts[:, 2] <= self.zone.ceiling_m)
            & (pts[:, 0] >= box[0])
            & (pts[:, 1] >= box[1])
            & (pts[:, 0] <= box[2])
            & (pts[:, 1] <= box[3])
        )
        inside = np.zeros(len(pts), bool)
        if candidate.any():
            inside[candidate] = points_in_polygon(pts[candidate, :2], self.polygon_en_m)
        return inside


def zone_geometries(zones: Sequence[Zone], site: Site) -> list[ZoneGeometry]:
    return [ZoneGeometry.from_zone(z, site) for z in zones]
