"""ASTERIX test vectors built with libasterix's encoder, so that every category is tested
without the shared recordings. Values go in ASTERIX units (NM, FL, ft, s of day); libasterix
takes a float as a quantity and an int as raw bits, hence the float() calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asterix.generated as gen

from raqib.model import Sensor

# Typed as Any: libasterix types each edition's record as a TypedDict of exact item shapes,
# which the builders fill from a plain dict.
CAT048: Any = gen.Cat_048_1_32
CAT034: Any = gen.Cat_034_1_29
CAT062: Any = gen.Cat_062_1_21
CAT021: Any = gen.Cat_021_2_7

RADAR = Sensor(
    sensor_id="radar-1",
    kind="radar",
    lat_deg=45.0,
    lon_deg=16.0,
    alt_m=120.0,
    sigma_range_m=50.0,
    sigma_azimuth_deg=0.08,
)


def block(spec: Any, records: list[Any]) -> bytes:
    """One data block of ``records`` (made with the ``*_record`` builders below)."""
    return bytes(spec.create(records).unparse().to_bytes())


@dataclass(frozen=True)
class Plot:
    """A CAT048 target report, in ASTERIX units."""

    tod_s: float = 27_354.6015625
    rho_nm: float = 100.5
    theta_deg: float = 45.0
    sac: int = 25
    sic: int = 201
    typ: int = 5  # single Mode S roll-call
    sim: int = 0
    rab: int = 0
    fl: float | None = 330.0
    height_ft: float | None = None
    address: int | None = 0x3C660C
    callsign: str | None = "DLH65A"
    track_number: int | None = None
    doppler_ms: float | None = None


def cat048_record(plot: Plot) -> Any:
    items: dict[str, Any] = {
        "010": (plot.sac, plot.sic),
        "140": float(plot.tod_s),
        "020": ((plot.typ, plot.sim, 0, 0, plot.rab, None),),
        "040": (float(plot.rho_nm), float(plot.theta_deg)),
    }
    if plot.fl is not None:
        items["090"] = (0, 0, float(plot.fl))
    if plot.height_ft is not None:
        items["110"] = (0, float(plot.height_ft))
    if plot.address is not None:
        items["220"] = plot.address
    if plot.callsign is not None:
        items["240"] = plot.callsign
    if plot.track_number is not None:
        items["161"] = (0, plot.track_number)
        items["170"] = ((0, 2, 0, 0, 0, None),)
    if plot.doppler_ms is not None:
        items["120"] = {"CAL": (0, 0, float(plot.doppler_ms))}
    return CAT048.cv_record.create(items)


def cat034_record(
    message_type: int,
    tod_s: float,
    *,
    sac: int = 25,
    sic: int = 201,
    sector_deg: float | None = None,
    period_s: float | None = None,
    nogo: int = 0,
    overload: int = 0,
    position: tuple[float, float, float] | None = None,
) -> Any:
    items: dict[str, Any] = {"010": (sac, sic), "000": message_type, "030": float(tod_s)}
    if sector_deg is not None:
        items["020"] = float(sector_deg)
    if period_s is not None:
        items["041"] = float(period_s)
    if nogo or overload:
        items["050"] = {"COM": (nogo, 0, 0, overload, 0, 0, 0, 0), "SSR": (0, 1, overload, 0, 0)}
    if position is not None:
        height_m, lat_deg, lon_deg = position
        items["120"] = (float(height_m), float(lat_deg), float(lon_deg))
    return CAT034.cv_record.create(items)


@dataclass(frozen=True)
class SystemTrack:
    """A CAT062 system track, in ASTERIX units."""

    tod_s: float = 30_911.6640625
    track_number: int = 4980
    lat_deg: float | None = 44.734413
    lon_deg: float | None = 13.0415279
    x_m: float | None = None
    y_m: float | None = None
    vx_ms: float | None = -51.25
    vy_ms: float | None = 170.0
    fl: float | None = 157.0
    geometric_ft: float | None = None
    address: int | None = None
    callsign: str | None = None
    sim: int = 0
    sigma_xy_m: tuple[float, float] | None = None
    sac: int = 25
    sic: int = 100


def cat062_record(track: SystemTrack) -> Any:
    items: dict[str, Any] = {
        "010": (track.sac, track.sic),
        "070": float(track.tod_s),
        "040": track.track_number,
        "080": ((1, 0, 0, 0, 0, None), (track.sim, 0, 0, 0, 0, 0, 0, None)),
    }
    if track.lat_deg is not None and track.lon_deg is not None:
        items["105"] = (float(track.lat_deg), float(track.lon_deg))
    if track.x_m is not None and track.y_m is not None:
        items["100"] = (float(track.x_m), float(track.y_m))
    if track.vx_ms is not None and track.vy_ms is not None:
        items["185"] = (float(track.vx_ms), float(track.vy_ms))
    if track.fl is not None:
        items["136"] = float(track.fl)
    if track.geometric_ft is not None:
        items["130"] = float(track.geometric_ft)
    aircraft: dict[str, Any] = {}
    if track.address is not None:
        aircraft["ADR"] = track.address
    if track.callsign is not None:
        aircraft["ID"] = track.callsign
    if aircraft:
        items["380"] = aircraft
    if track.sigma_xy_m is not None:
        items["500"] = {"APC": (float(track.sigma_xy_m[0]), float(track.sigma_xy_m[1]))}
    return CAT062.cv_record.create(items)


@dataclass(frozen=True)
class AdsbReport:
    """A CAT021 (2.x) report, in ASTERIX units."""

    tod_s: float | None = 45_000.0
    address: int = 0x1A4B65
    lat_deg: float | None = 46.8442011
    lon_deg: float | None = 12.2985291
    geometric_ft: float | None = 36_000.0
    fl: float | None = 350.0
    gs_nm_s: float | None = 0.125
    track_deg: float | None = 90.0
    vertical_ft_min: float | None = -625.0
    callsign: str | None = "EZS14ZH"
    nacp: int | None = 8
    nucp: int | None = None
    version: int | None = 2
    sim: int = 0
    sac: int = 0
    sic: int = 3


def cat021_record(report: AdsbReport) -> Any:
    items: dict[str, Any] = {
        "010": (report.sac, report.sic),
        "040": ((0, 0, 0, 0, 1), (0, 0, report.sim, 0, 0, 0, None)),
        "080": report.address,
    }
    if report.tod_s is not None:
        items["071"] = float(report.tod_s)
    if report.lat_deg is not None and report.lon_deg is not None:
        items["131"] = (float(report.lat_deg), float(report.lon_deg))
    if report.geometric_ft is not None:
        items["140"] = float(report.geometric_ft)
    if report.fl is not None:
        items["145"] = float(report.fl)
    if report.gs_nm_s is not None and report.track_deg is not None:
        items["160"] = (0, float(report.gs_nm_s), float(report.track_deg))
    if report.vertical_ft_min is not None:
        items["157"] = (0, float(report.vertical_ft_min))
    if report.callsign is not None:
        items["170"] = report.callsign
    if report.nacp is not None:
        items["090"] = ((0, 0, None), (0, 0, report.nacp, None))
    elif report.nucp is not None:
        items["090"] = ((0, report.nucp, None),)
    if report.version is not None:
        items["210"] = (0, 0, report.version, 0)
    return CAT021.cv_record.create(items)
