"""A zone's outline as warnings draw it: a closed ring of (lat, lon), or a circle, with a
centre and the radius of a circle about it that holds the whole zone."""

from __future__ import annotations

from dataclasses import dataclass

from raqib.geo import enu_to_geodetic
from raqib.model import Site, Zone
from raqib.threat.zones import ZoneGeometry

METRES_PER_FOOT = 0.3048


@dataclass(frozen=True, slots=True)
class ZoneOutline:
    zone: Zone
    centre_lat_deg: float
    centre_lon_deg: float
    radius_m: float  # a circle about the centre that holds the zone
    ring: tuple[tuple[float, float], ...]  # closed (first = last), at least 4 pairs; () for a circle

    @property
    def is_circle(self) -> bool:
        return not self.ring


def closed_ring(polygon: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
    """The ring with its first vertex repeated at the end; () when it has fewer than 3 corners."""
    ring = list(polygon)
    while len(ring) > 1 and ring[-1] == ring[0]:
        ring.pop()
    if len({tuple(p) for p in ring}) < 3:
        return ()
    return (*ring, ring[0])


def zone_outline(zone: Zone, site: Site) -> ZoneOutline:
    """Raises ValueError for a zone with neither a usable polygon nor a circle."""
    geometry = ZoneGeometry.from_zone(zone, site)
    ring = closed_ring(zone.polygon)
    if zone.polygon and not ring:
        raise ValueError(f"zone {zone.zone_id!r}: its polygon has fewer than 3 distinct corners")
    if not ring and zone.center_lat_deg is not None and zone.center_lon_deg is not None and zone.radius_m:
        return ZoneOutline(
            zone=zone,
            centre_lat_deg=zone.center_lat_deg,
            centre_lon_deg=zone.center_lon_deg,
            radius_m=float(zone.radius_m),
            ring=(),
        )
    lat, lon, _ = enu_to_geodetic(geometry.centre_en_m[0], geometry.centre_en_m[1], 0.0, site)
    return ZoneOutline(
        zone=zone, centre_lat_deg=float(lat), centre_lon_deg=float(lon), radius_m=geometry.radius_m, ring=ring
    )
