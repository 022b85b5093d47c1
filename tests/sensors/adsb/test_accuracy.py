from __future__ import annotations

import math

import pytest

import raqib.sensors.adsb  # noqa: F401  (registers the decoders)
from raqib.sensors.adsb import BeastDecoder, RawDecoder, SbsDecoder
from raqib.sensors.adsb.accuracy import (
    CIRCLE_95,
    GEOMETRIC_SIGMA_V_M,
    containment_radius_m,
    horizontal_sigma_m,
    sigma_h_from_nacp,
    sigma_v_geometric,
    sigma_vel_from_nacv,
)
from raqib.sensors.base import DECODERS


def test_the_95_percent_circle_factor() -> None:
    # a circular Gaussian holds 95 % of its mass within 2.4477 sigma
    assert 1 - math.exp(-(CIRCLE_95**2) / 2) == pytest.approx(0.95)


def test_nacp_to_sigma() -> None:
    assert sigma_h_from_nacp(8) == pytest.approx(92.6 / 2.4477, rel=1e-4)  # ≈ 37.8 m
    assert sigma_h_from_nacp(11) == pytest.approx(3.0 / 2.4477, rel=1e-4)
    assert sigma_h_from_nacp(0) is None and sigma_h_from_nacp(None) is None


def test_horizontal_sigma_prefers_nacp_then_nucp_then_nic() -> None:
    assert horizontal_sigma_m(10, 7, 11, None, None) == pytest.approx(10 / CIRCLE_95)
    assert horizontal_sigma_m(None, 7, 11, None, None) == pytest.approx(92.6 / CIRCLE_95)
    assert horizontal_sigma_m(None, None, 11, 1, 1) == pytest.approx(75 / CIRCLE_95)
    assert horizontal_sigma_m(None, None, 18, None, None) is None


def test_nic_containment_radius() -> None:
    assert containment_radius_m(11, 1, 1) == 75.0
    assert containment_radius_m(11) == pytest.approx(185.2)
    assert containment_radius_m(16, 1, 1) == pytest.approx(4 * 1852)
    assert containment_radius_m(16) == pytest.approx(8 * 1852)
    assert containment_radius_m(18) is None


def test_velocity_and_vertical() -> None:
    assert sigma_vel_from_nacv(1) == pytest.approx(10 / CIRCLE_95)
    assert sigma_vel_from_nacv(0) is None
    assert sigma_v_geometric(1) == pytest.approx(150 / 1.96, rel=1e-3)
    assert sigma_v_geometric(None) == GEOMETRIC_SIGMA_V_M


def test_decoders_are_registered_by_format_name() -> None:
    assert DECODERS["beast"] is BeastDecoder
    assert DECODERS["sbs"] is SbsDecoder
    assert DECODERS["raw"] is RawDecoder
