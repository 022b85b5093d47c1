"""Detections of one sensor scan -> measurement batches in the site frame, one per layout."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from raqib.geo import FloatArray, geodetic_to_enu
from raqib.model import Detection, Sensor, Site
from raqib.tracking.measurement import MeasurementBatch

DEFAULT_SIGMA = {
    "r": 15.0,  # m
    "az": np.radians(0.5),
    "el": np.radians(0.5),
    "rr": 1.0,  # m/s
    "h": 15.0,  # m, position reports
    "v": 25.0,
    "vel": 2.0,  # m/s, reported velocities
    "bearing": np.radians(2.0),
}


# False plots' range rates (see SensorGeometry.clutter_log_density).
CLUTTER_SLOW_RANGE_RATE_MS = 30.0
CLUTTER_SLOW_SHARE = 0.95
CLUTTER_MAX_RANGE_RATE_MS = 600.0


@dataclass(frozen=True, slots=True)
class SensorGeometry:
    """A sensor as the tracker needs it: its place in the site frame and its statistics."""

    sensor: Sensor
    enu_m: FloatArray
    pd: float
    clutter_rate: float  # false detections per scan over the whole coverage
    max_range_m: float
    period_s: float
    cooperative: bool  # reports come from the target itself (ADS-B, Remote ID)

    @classmethod
    def from_sensor(cls, sensor: Sensor, site: Site) -> SensorGeometry:
        e, n, u = geodetic_to_enu(sensor.lat_deg, sensor.lon_deg, sensor.alt_m, site)
        cooperative = sensor.kind in ("adsb", "remoteid")
        return cls(
            sensor=sensor,
            enu_m=np.array([float(e), float(n), float(u)]),
            pd=sensor.pd if sensor.pd is not None else (0.95 if cooperative else 0.9),
            clutter_rate=sensor.clutter_rate
            if sensor.clutter_rate is not None
            else (0.0 if cooperative else 1.0),
            max_range_m=sensor.max_range_m or 20_000.0,
            period_s=sensor.period_s or 1.0,
            cooperative=cooperative,
        )

    def birth_log_ratio(self, batch: MeasurementBatch) -> FloatArray:
        """A new track's starting score: what its first plot's range rate already says, target
        (any rate up to CLUTTER_MAX_RANGE_RATE_MS) against clutter (mostly slow). Only the
        credit is taken: a slow plot starts at 0 like any plot, since birds and drones are slow
        too and must still confirm on their third plot."""
        if "rr" not in batch.layout:
            return np.zeros(len(batch.z))
        rr = np.abs(batch.z[:, batch.layout.index("rr")])
        target = 1.0 / (2 * CLUTTER_MAX_RANGE_RATE_MS)
        fast = (1.0 - CLUTTER_SLOW_SHARE) / (2 * CLUTTER_MAX_RANGE_RATE_MS)
        return np.where(rr > CLUTTER_SLOW_RANGE_RATE_MS, np.log(target / fast), 0.0)

    def clutter_log_density(self, batch: MeasurementBatch) -> FloatArray:
        """ln of the false-detection density at each detection of ``batch``, in its layout's
        measurement space. False plots are spread evenly in space, but not in range rate: they
        come from the ground, weather and rain, so almost all are slow (CLUTTER_SLOW_SHARE of
        them within CLUTTER_SLOW_RANGE_RATE_MS) and a plot closing at 200 m/s is far less likely
        to be one. That is what lets a radar with Doppler confirm a round on its second plot."""
        layout = batch.layout
        rate = max(self.clutter_rate, 1e-3)
        if "e" in layout:
            volume = (2 * self.max_range_m) ** 2 * 3000.0  # m^3 around the site
            if "ve" in layout:
                volume *= 200.0**3
            rate = max(self.clutter_rate, 1e-6)
        elif "r" in layout:
            volume = self.max_range_m * 2 * np.pi
            if "el" in layout:
                volume *= np.radians(30.0)
            if "u" in layout:
                volume *= 3000.0
        else:
            volume = 2 * np.pi * (np.radians(30.0) if "el" in layout else 1.0)
        log_density = np.full(len(batch.z), np.log(rate / volume))
        if "rr" in layout:
            rr = np.abs(batch.z[:, layout.index("rr")])
            fast = (1.0 - CLUTTER_SLOW_SHARE) / (2 * CLUTTER_MAX_RANGE_RATE_MS)
            slow = CLUTTER_SLOW_SHARE / (2 * CLUTTER_SLOW_RANGE_RATE_MS) + fast
            log_density += np.log(np.where(rr <= CLUTTER_SLOW_RANGE_RATE_MS, slow, fast))
        return log_density


def _layout(det: Detection) -> tuple[str, ...]:
    if det.is_position:
        has_velocity = det.vel_e_ms is not None and det.vel_n_ms is not None
        return ("e", "n", "u", "ve", "vn", "vu") if has_velocity else ("e", "n", "u")
    if det.range_m is not None:
        if det.elevation_deg is not None:
            base: tuple[str, ...] = ("r", "az", "el")
        elif det.alt_m is not None:
            base = ("r", "az", "u")
        else:
            base = ("r", "az")
        return (*base, "rr") if det.range_rate_ms is not None else base
    return ("az", "el") if det.elevation_deg is not None else ("az",)


def _or(value: float | None, default: float) -> float:
    return default if value is None else float(value)


def build_batches(
    detections: Sequence[Detection], geometry: SensorGeometry, site: Site
) -> list[MeasurementBatch]:
    """Group a scan's detections by layout and build their z, R and sensor positions."""
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, det in enumerate(detections):
        groups[_layout(det)].append(i)
    sensor = geometry.sensor
    batches = []
    for layout, indices in groups.items():
        dets = [detections[i] for i in indices]
        k = len(dets)
        z = np.zeros((k, len(layout)))
        sigma = np.zeros((k, len(layout)))
        if "e" in layout:
            lat = np.array([d.lat_deg for d in dets], float)
            lon = np.array([d.lon_deg for d in dets], float)
            alt = np.array([_or(d.alt_m, site.alt_m) for d in dets], float)
            e, n, u = geodetic_to_enu(lat, lon, alt, site)
            z[:, 0], z[:, 1], z[:, 2] = e, n, u
            sh = np.array([_or(d.sigma_h_m, _or(sensor.sigma_h_m, DEFAULT_SIGMA["h"])) for d in dets])
            sv = np.array([_or(d.sigma_v_m, _or(sensor.sigma_v_m, DEFAULT_SIGMA["v"])) for d in dets])
            sigma[:, 0], sigma[:, 1], sigma[:, 2] = sh, sh, sv
            if "ve" in layout:
                z[:, 3] = [d.vel_e_ms for d in dets]
                z[:, 4] = [d.vel_n_ms for d in dets]
                z[:, 5] = [_or(d.vel_u_ms, 0.0) for d in dets]
                svel = np.array([_or(d.sigma_vel_ms, DEFAULT_SIGMA["vel"]) for d in dets])
                sigma[:, 3] = sigma[:, 4] = svel
                sigma[:, 5] = [
                    _or(d.sigma_vel_ms, DEFAULT_SIGMA["vel"]) * (1 if d.vel_u_ms is not None else 5)
                    for d in dets
                ]
        else:
            for col, name in enumerate(layout):
                if name == "r":
                    z[:, col] = [d.range_m for d in dets]
                    sigma[:, col] = [
                        _or(d.sigma_range_m, _or(sensor.sigma_range_m, DEFAULT_SIGMA["r"])) for d in dets
                    ]
                elif name == "az":
                    z[:, col] = np.radians([float(d.azimuth_deg or 0.0) for d in dets])
                    default_az = DEFAULT_SIGMA["az"] if "r" in layout else DEFAULT_SIGMA["bearing"]
                    sensor_az = (
                        np.radians(sensor.sigma_azimuth_deg) if sensor.sigma_azimuth_deg else default_az
                    )
                    sigma[:, col] = [
                        np.radians(d.sigma_azimuth_deg) if d.sigma_azimuth_deg else sensor_az for d in dets
                    ]
                elif name == "el":
                    z[:, col] = np.radians([float(d.elevation_deg or 0.0) for d in dets])
                    default_el = DEFAULT_SIGMA["el"] if "r" in layout else DEFAULT_SIGMA["bearing"]
                    sensor_el = (
                        np.radians(sensor.sigma_elevation_deg) if sensor.sigma_elevation_deg else default_el
                    )
                    sigma[:, col] = [
                        np.radians(d.sigma_elevation_deg) if d.sigma_elevation_deg else sensor_el
                        for d in dets
                    ]
                elif name == "u":
                    # Pressure altitude against a flat site plane: good to tens of metres near the site.
                    z[:, col] = [float(d.alt_m or 0.0) - site.alt_m for d in dets]
                    sigma[:, col] = [_or(d.sigma_v_m, _or(sensor.sigma_v_m, 30.0)) for d in dets]
                elif name == "rr":
                    z[:, col] = [d.range_rate_ms for d in dets]
                    sigma[:, col] = DEFAULT_SIGMA["rr"]
        r = np.zeros((k, len(layout), len(layout)))
        diag = np.arange(len(layout))
        r[:, diag, diag] = np.maximum(sigma, 1e-9) ** 2
        batches.append(
            MeasurementBatch(
                layout=layout,
                z=z,
                r=r,
                sensor_enu_m=np.broadcast_to(geometry.enu_m, (k, 3)).copy(),
                index=np.asarray(indices),
            )
        )
    return batches
