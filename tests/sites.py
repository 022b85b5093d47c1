"""The ORBI site and two of its zones, for tests that need a site with zones but no scenario
(the server's, the browser's and the outputs'). Each test module sets the warn lists it needs."""

from __future__ import annotations

from raqib.model import Site, Zone

ORBI = Site(lat_deg=33.2625, lon_deg=44.2346, alt_m=35.0, name="ORBI")
COMPOUND = Zone(
    zone_id="compound",
    name="Diplomatic compound",
    kind="protected",
    polygon=((33.2660, 44.2400), (33.2660, 44.2432), (33.2633, 44.2432), (33.2633, 44.2400)),
    floor_m=0.0,
    ceiling_m=500.0,
)
TOWER = Zone(
    zone_id="tower",
    name="Control tower",
    kind="warning",
    center_lat_deg=33.2600,
    center_lon_deg=44.2300,
    radius_m=300.0,
)
