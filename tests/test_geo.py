"""raqib.geo's SiteFrame against pymap3d, the reference it stands in for on the tracker's hot path."""

from __future__ import annotations

import numpy as np
import pymap3d
from hypothesis import given, settings
from hypothesis import strategies as st

from raqib.geo import SiteFrame, enu_to_geodetic, geodetic_to_enu
from raqib.model import Site

SITES = (
    Site(lat_deg=31.5, lon_deg=34.45, alt_m=30.0),
    Site(lat_deg=0.0, lon_deg=0.0, alt_m=0.0),
    Site(lat_deg=-33.9, lon_deg=151.2, alt_m=-20.0),
    Site(lat_deg=69.6, lon_deg=-179.9, alt_m=2500.0),
    Site(lat_deg=-89.99, lon_deg=12.0, alt_m=2800.0),
)


def _grid_enu_m() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points from the site out to 500 km, every bearing, from below the ellipsoid to 1000 km up."""
    ranges_m = np.array([0.0, 1.0, 150.0, 4_000.0, 12_000.0, 60_000.0, 200_000.0, 500_000.0])
    bearings_rad = np.radians(np.arange(0.0, 360.0, 30.0))
    ups_m = np.array([-500.0, 0.0, 35.0, 3_000.0, 20_000.0, 100_000.0, 1_000_000.0])
    r, b, u = np.meshgrid(ranges_m, bearings_rad, ups_m, indexing="ij")
    return (r * np.sin(b)).ravel(), (r * np.cos(b)).ravel(), u.ravel()


def test_site_frame_matches_pymap3d_to_the_bit_over_a_grid() -> None:
    east, north, up = _grid_enu_m()
    for site in SITES:
        ours = SiteFrame(site).enu_to_geodetic(east, north, up)
        reference = enu_to_geodetic(east, north, up, site)
        for value, expected in zip(ours, reference, strict=True):
            np.testing.assert_array_equal(value, expected)


def test_site_frame_round_trips_within_a_millimetre() -> None:
    """Not only pymap3d's numbers: the right numbers (back through geodetic_to_enu). Within a
    millimetre up to 100 km above the site; at 1000 km, You's single correction step (pymap3d's
    method, so pymap3d's own error too) is off by a few millimetres."""
    east, north, up = _grid_enu_m()
    tolerance_m = np.where(up <= 100_000.0, 1e-3, 1e-2)
    for site in SITES:
        lat, lon, alt = SiteFrame(site).enu_to_geodetic(east, north, up)
        back = geodetic_to_enu(lat, lon, alt, site)
        for value, expected in zip(back, (east, north, up), strict=True):
            assert np.all(np.abs(value - expected) <= tolerance_m)


def test_site_frame_takes_any_shape_like_pymap3d() -> None:
    site = SITES[0]
    frame = SiteFrame(site)
    points = np.random.default_rng(5).uniform(-9_000.0, 9_000.0, (3, 4, 7))
    for args in ((1200.0, -300.0, 450.0), tuple(points), (np.zeros(0),) * 3):
        ours = frame.enu_to_geodetic(*args)
        reference = enu_to_geodetic(*args, site)
        for value, expected in zip(ours, reference, strict=True):
            assert np.shape(value) == np.shape(expected)
            np.testing.assert_array_equal(value, expected)


def test_site_frame_hands_pymap3d_its_special_points() -> None:
    """The polar axis and the Earth's centre take pymap3d's special branches: the frame gives
    those calls to pymap3d whole."""
    site = Site(lat_deg=90.0, lon_deg=0.0, alt_m=0.0)  # the site on the axis: east = north = 0 is on it
    east, north, up = np.array([0.0, 10.0]), np.array([0.0, 0.0]), np.array([100.0, 100.0])
    ours = SiteFrame(site).enu_to_geodetic(east, north, up)
    for value, expected in zip(ours, enu_to_geodetic(east, north, up, site), strict=True):
        np.testing.assert_array_equal(value, expected)
    centre = Site(lat_deg=0.0, lon_deg=0.0, alt_m=0.0)
    x0, _, _ = pymap3d.geodetic2ecef(0.0, 0.0, 0.0)
    ours = SiteFrame(centre).enu_to_geodetic(np.array([0.0]), np.array([0.0]), np.array([-x0]))
    reference = enu_to_geodetic(np.array([0.0]), np.array([0.0]), np.array([-x0]), centre)
    for value, expected in zip(ours, reference, strict=True):
        np.testing.assert_array_equal(value, expected)


@settings(max_examples=200, deadline=None)
@given(
    lat_deg=st.floats(-89.9, 89.9),
    lon_deg=st.floats(-180.0, 180.0),
    alt_m=st.floats(-400.0, 9_000.0),
    enu_m=st.lists(
        st.tuples(
            st.floats(-300_000.0, 300_000.0), st.floats(-300_000.0, 300_000.0), st.floats(-1_000.0, 100_000.0)
        ),
        min_size=1,
        max_size=40,
    ),
)
def test_site_frame_equals_pymap3d_anywhere(
    lat_deg: float, lon_deg: float, alt_m: float, enu_m: list[tuple[float, float, float]]
) -> None:
    site = Site(lat_deg=lat_deg, lon_deg=lon_deg, alt_m=alt_m)
    points = np.array(enu_m)
    ours = SiteFrame(site).enu_to_geodetic(points[:, 0], points[:, 1], points[:, 2])
    reference = enu_to_geodetic(points[:, 0], points[:, 1], points[:, 2], site)
    for value, expected in zip(ours, reference, strict=True):
        np.testing.assert_array_equal(value, expected)
