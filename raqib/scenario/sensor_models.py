"""Simulated sensors: one scan over every target at once, as Detections stamped at the scan time.

  * radar: polar range/azimuth/elevation from the sensor with Gaussian noise, range rate
    (when ``sigma_range_rate_ms`` is set), RCS with noise, detection probability ``pd``, and
    Poisson clutter spread uniformly over the field-of-view volume;
  * adsb: WGS84 position and velocity reports, identity and callsign, of equipped targets;
  * remoteid: the same for Remote ID broadcasters within receive range, with the pilot's position;
  * rf: bearings (and elevation when ``sigma_elevation_deg`` is set) to drones' control links.

Each model draws from its own random generator, so a scenario replays identically for a seed.
A scan's detections are sorted by azimuth (or identity): their order says nothing about truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from raqib.geo import FloatArray, enu_to_polar
from raqib.model import Detection, Site, TargetClass
from raqib.scenario.frames import SensorFrame, offset_to_degrees
from raqib.scenario.spec import SensorSpec, TargetSpec

BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


@dataclass(frozen=True)
class TargetTable:
    """What sensors may know of each target, in fleet order (fixed for a scenario)."""

    ids: tuple[str, ...]
    classes: tuple[str, ...]
    rcs_dbsm: FloatArray
    adsb: BoolArray
    remoteid: BoolArray
    rf_emitter: BoolArray
    identities: tuple[str | None, ...]
    callsigns: tuple[str | None, ...]
    operator_lat_deg: FloatArray
    operator_lon_deg: FloatArray

    @classmethod
    def of(cls, targets: Sequence[TargetSpec]) -> TargetTable:
        return cls(
            ids=tuple(t.id for t in targets),
            classes=tuple(t.target_class for t in targets),
            rcs_dbsm=np.array([t.rcs_dbsm if t.rcs_dbsm is not None else np.nan for t in targets], float),
            adsb=np.array(["adsb" in t.broadcasts for t in targets], bool),
            remoteid=np.array(["remoteid" in t.broadcasts for t in targets], bool),
            rf_emitter=np.array([t.rf_emitter for t in targets], bool),
            identities=tuple(t.identity for t in targets),
            callsigns=tuple(t.callsign for t in targets),
            operator_lat_deg=np.array([t.operator.lat if t.operator else np.nan for t in targets], float),
            operator_lon_deg=np.array([t.operator.lon if t.operator else np.nan for t in targets], float),
        )


@dataclass(frozen=True)
class TargetStates:
    """Where the targets are at one time: site-ENU position (N, 3), velocity (N, 3), flying (N,),
    and the same positions in WGS84 (N,) each."""

    position_m: FloatArray
    velocity_ms: FloatArray
    flying: BoolArray
    lat_deg: FloatArray
    lon_deg: FloatArray
    alt_m: FloatArray


class SensorModel:
    """One simulated sensor. ``scan(time_s, states)`` returns that scan's detections."""

    def __init__(self, spec: SensorSpec, site: Site, table: TargetTable, rng: np.random.Generator) -> None:
        self.spec = spec
        self.site = site
        self.table = table
        self.rng = rng
        self.frame = SensorFrame(site, spec.lat, spec.lon, spec.alt)

    def scan(self, time_s: float, states: TargetStates) -> list[Detection]:
        raise NotImplementedError

    def _detected(self, candidates: BoolArray) -> np.ndarray[Any, np.dtype[np.intp]]:
        """Indices of the candidates that this scan detects (probability pd each)."""
        pd = 1.0 if self.spec.pd is None else self.spec.pd
        draws = self.rng.random(len(candidates))
        return np.flatnonzero(candidates & (draws < pd))


class RadarModel(SensorModel):
    def _in_view(self, range_m: FloatArray, azimuth_deg: FloatArray, elevation_deg: FloatArray) -> BoolArray:
        spec = self.spec
        assert spec.max_range_m is not None
        relative_az = (azimuth_deg - spec.azimuth_min_deg) % 360.0
        width = spec.azimuth_max_deg - spec.azimuth_min_deg
        in_azimuth = (relative_az <= width) | (width >= 360.0)
        return np.asarray(
            (range_m >= spec.min_range_m)
            & (range_m <= spec.max_range_m)
            & in_azimuth
            & (elevation_deg >= spec.elevation_min_deg)
            & (elevation_deg <= spec.elevation_max_deg)
        )

    def scan(self, time_s: float, states: TargetStates) -> list[Detection]:
        spec = self.spec
        offset = self.frame.to_sensor(np.nan_to_num(states.position_m))
        range_m, azimuth_deg, elevation_deg = enu_to_polar(offset)
        hits = self._detected(states.flying & self._in_view(range_m, azimuth_deg, elevation_deg))
        n = hits.size
        assert spec.sigma_range_m is not None and spec.sigma_azimuth_deg is not None
        assert spec.sigma_elevation_deg is not None
        measured_range = np.abs(range_m[hits] + spec.sigma_range_m * self.rng.standard_normal(n))
        measured_az = (azimuth_deg[hits] + spec.sigma_azimuth_deg * self.rng.standard_normal(n)) % 360.0
        measured_el = np.clip(
            elevation_deg[hits] + spec.sigma_elevation_deg * self.rng.standard_normal(n), -90, 90
        )
        rcs = self.table.rcs_dbsm[hits] + spec.sigma_rcs_db * self.rng.standard_normal(n)
        range_rate: FloatArray | None = None
        if spec.sigma_range_rate_ms is not None:
            velocity = self.frame.rotate(states.velocity_ms[hits])
            radial = np.einsum("ij,ij->i", offset[hits], velocity) / np.maximum(range_m[hits], 1e-9)
            range_rate = radial + spec.sigma_range_rate_ms * self.rng.standard_normal(n)
        clutter = self._clutter()
        ranges = np.concatenate([measured_range, clutter[0]])
        azimuths = np.concatenate([measured_az, clutter[1]])
        elevations = np.concatenate([measured_el, clutter[2]])
        rcss = np.concatenate([rcs, clutter[3]])
        rates = None if range_rate is None else np.concatenate([range_rate, clutter[4]])
        order = np.argsort(azimuths, kind="stable")
        columns = [
            ranges[order].tolist(),
            azimuths[order].tolist(),
            elevations[order].tolist(),
            rcss[order].tolist(),
        ]
        rate_list: list[float | None] = [None] * len(order) if rates is None else rates[order].tolist()
        sensor_id = spec.id
        return [
            Detection(
                time_s=time_s, sensor_id=sensor_id, range_m=r, azimuth_deg=a, elevation_deg=e, rcs_dbsm=s,
                range_rate_ms=rr,
            )
            for r, a, e, s, rr in zip(*columns, rate_list, strict=True)
        ]  # fmt: skip

    def _clutter(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """False detections, uniform over the field-of-view volume: density r^2 cos(el) dr daz del."""
        spec = self.spec
        assert spec.max_range_m is not None
        count = int(self.rng.poisson(spec.clutter_rate)) if spec.clutter_rate > 0 else 0
        low3, high3 = spec.min_range_m**3, spec.max_range_m**3
        range_m = np.cbrt(low3 + self.rng.random(count) * (high3 - low3))
        azimuth_deg = (
            spec.azimuth_min_deg + self.rng.random(count) * (spec.azimuth_max_deg - spec.azimuth_min_deg)
        ) % 360
        sin_low, sin_high = np.sin(np.radians([spec.elevation_min_deg, spec.elevation_max_deg]))
        elevation_deg = np.degrees(np.arcsin(sin_low + self.rng.random(count) * (sin_high - sin_low)))
        rcs_dbsm = spec.clutter_rcs_dbsm + 5.0 * self.rng.standard_normal(count)
        range_rate_ms = 2.0 * self.rng.standard_normal(count)
        return range_m, azimuth_deg, elevation_deg, rcs_dbsm, range_rate_ms


class PositionReportModel(SensorModel):
    """ADS-B and Remote ID receivers: each equipped target in range reports its own position."""

    def scan(self, time_s: float, states: TargetStates) -> list[Detection]:
        spec = self.spec
        assert spec.max_range_m is not None and spec.sigma_h_m is not None and spec.sigma_v_m is not None
        equipped = self.table.adsb if spec.kind == "adsb" else self.table.remoteid
        offset = self.frame.to_sensor(np.nan_to_num(states.position_m))
        in_range = np.linalg.norm(offset, axis=1) <= spec.max_range_m
        hits = self._detected(states.flying & equipped & in_range)
        n = hits.size
        sigma = np.array([spec.sigma_h_m, spec.sigma_h_m, spec.sigma_v_m])
        noise_m = sigma * self.rng.standard_normal((n, 3))
        velocity = states.velocity_ms[hits] + (spec.sigma_vel_ms or 0.0) * self.rng.standard_normal((n, 3))
        dlat, dlon = offset_to_degrees(states.lat_deg[hits], noise_m[:, 0], noise_m[:, 1])
        lat, lon, alt = (
            states.lat_deg[hits] + dlat,
            states.lon_deg[hits] + dlon,
            states.alt_m[hits] + noise_m[:, 2],
        )
        remote_id = spec.kind == "remoteid"
        detections = []
        for i, index in enumerate(hits.tolist()):
            detections.append(
                Detection(
                    time_s=time_s, sensor_id=spec.id, lat_deg=float(lat[i]), lon_deg=float(lon[i]),
                    alt_m=float(alt[i]), vel_e_ms=float(velocity[i, 0]), vel_n_ms=float(velocity[i, 1]),
                    vel_u_ms=float(velocity[i, 2]), identity=self.table.identities[index],
                    callsign=self.table.callsigns[index], class_hint=self.table.classes[index],
                    operator_lat_deg=_maybe(self.table.operator_lat_deg[index]) if remote_id else None,
                    operator_lon_deg=_maybe(self.table.operator_lon_deg[index]) if remote_id else None,
                )
            )  # fmt: skip
        return sorted(detections, key=lambda d: d.identity or "")


def _maybe(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


class DirectionFinderModel(SensorModel):
    """A passive RF direction finder: bearings to the control links of drones within range."""

    def scan(self, time_s: float, states: TargetStates) -> list[Detection]:
        spec = self.spec
        assert spec.max_range_m is not None and spec.sigma_azimuth_deg is not None
        offset = self.frame.to_sensor(np.nan_to_num(states.position_m))
        range_m, azimuth_deg, elevation_deg = enu_to_polar(offset)
        hits = self._detected(states.flying & self.table.rf_emitter & (range_m <= spec.max_range_m))
        n = hits.size
        azimuths = (azimuth_deg[hits] + spec.sigma_azimuth_deg * self.rng.standard_normal(n)) % 360.0
        elevations: list[float | None] = [None] * n
        if spec.sigma_elevation_deg is not None:
            noisy = elevation_deg[hits] + spec.sigma_elevation_deg * self.rng.standard_normal(n)
            elevations = np.clip(noisy, -90.0, 90.0).tolist()
        false_count = int(self.rng.poisson(spec.clutter_rate)) if spec.clutter_rate > 0 else 0
        false_azimuths = self.rng.random(false_count) * 360.0
        rows = list(zip(azimuths.tolist(), elevations, strict=True))
        rows += [(a, None) for a in false_azimuths.tolist()]  # other emitters on drone-link bands
        rows.sort(key=lambda row: row[0])
        hint = TargetClass.DRONE.value  # it hears a drone control-link protocol
        return [
            Detection(time_s=time_s, sensor_id=spec.id, azimuth_deg=a, elevation_deg=e, class_hint=hint)
            for a, e in rows
        ]


MODELS: dict[str, type[SensorModel]] = {
    "radar": RadarModel,
    "adsb": PositionReportModel,
    "remoteid": PositionReportModel,
    "rf": DirectionFinderModel,
}


def sensor_model(spec: SensorSpec, site: Site, table: TargetTable, rng: np.random.Generator) -> SensorModel:
    return MODELS[spec.kind](spec, site, table, rng)
