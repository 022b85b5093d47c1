"""Stone Soup, configured as its documentation recommends, as raqib's peer on one recording.

Benchmark only: Stone Soup (stonesoup 1.9.1, MIT) is never a runtime dependency of raqib.

The state is Stone Soup's [x, vx, y, vy, z, vz] with x = east, y = north, z = up metres from
the site. Each configuration uses:

* motion: CombinedLinearGaussianTransitionModel of three ConstantVelocity models, the
  horizontal and vertical noise intensities q = sigma_a^2 (m^2/s^3) from raqib's
  nearly-constant-velocity model (MotionConfig.cv_accel_sigma_ms2 and
  cv_vertical_accel_sigma_ms2);
* measurements, each detection with its own model: a 3-D radar's polar plots through
  CartesianToElevationBearingRange (translation_offset = the radar's ENU position, noise =
  the sensor's sigmas), position reports (ADS-B, Remote ID) through a LinearGaussian on
  (x, y, z);
* an EKF (ExtendedKalmanPredictor/Updater) or a UKF (UnscentedKalmanPredictor/Updater);
* GNN: GNNWith2DAssignment over a DistanceHypothesiser (Mahalanobis, gate 4 sigma); or, for
  large scans, DetectionKDTreeGNN2D, the same with a k-d tree prefilter of detections; or
  JPDA: JPDAwithEHM2 (efficient hypothesis management) over a PDAHypothesiser with the
  scenario's clutter density and Pd, in a MultiTargetMixtureTracker;
* MultiMeasurementInitiator (3 updates to confirm; its holding tracks are dropped after one
  missed scan) and an UpdateTimeDeleter (3 missed scans).

A scan is the detections sharing a time and a sensor. ``run_configuration`` runs one
configuration in this process; ``run_with_timeout`` runs it in a child process under a wall
clock limit and reports what it managed.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from raqib.geo import geodetic_to_enu
from raqib.model import Detection, Sensor, Site

EPOCH = datetime(2022, 1, 3, 4, 30)  # Stone Soup wants datetimes; scenario seconds count from here


@dataclass(frozen=True, slots=True)
class Scan:
    time_s: float
    sensor_id: str
    detections: tuple[Detection, ...]


@dataclass(frozen=True, slots=True)
class PeerSettings:
    """What the peer is told about the scenario (the same as raqib knows)."""

    accel_sigma_h_ms2: float = 1.5
    accel_sigma_v_ms2: float = 0.8
    max_speed_ms: float = 60.0  # prior velocity sigma of a new track: the fastest expected target
    gate_sigma: float = 4.0
    confirm_updates: int = 3
    missed_scans_to_delete: float = 3.0
    scan_period_s: float = 1.0
    pd: float = 0.9
    clutter_per_scan: float = 0.0
    radar_volume: float = 1.0  # measurement-space volume of a radar scan (rad * rad * m)


@dataclass(frozen=True, slots=True)
class Configuration:
    name: str
    filter: str  # "ekf" | "ukf"
    associator: str  # "gnn" | "gnn-kdtree" | "jpda"


CONFIGURATIONS = (
    Configuration("EKF+GNN", "ekf", "gnn"),
    Configuration("EKF+GNN(kd-tree)", "ekf", "gnn-kdtree"),
    Configuration("UKF+GNN", "ukf", "gnn"),
    Configuration("EKF+JPDA", "ekf", "jpda"),
)


@dataclass(slots=True)
class PeerRun:
    """The tracks a configuration wrote after each scan (ENU), and how long it took."""

    name: str
    finished: bool
    wall_s: float = 0.0  # in the tracker's own calls (conversion and output excluded)
    cpu_s: float = 0.0
    scans_done: int = 0
    detections_done: int = 0
    track_time_s: list[float] = field(default_factory=list)
    track_id: list[str] = field(default_factory=list)
    track_enu_m: list[tuple[float, float, float]] = field(default_factory=list)
    error: str = ""

    @property
    def detections_per_s(self) -> float:
        return self.detections_done / self.wall_s if self.wall_s > 0 else math.nan


def _sensor_enu(sensors: Sequence[Sensor], site: Site) -> dict[str, np.ndarray]:
    out = {}
    for sensor in sensors:
        e, n, u = geodetic_to_enu(sensor.lat_deg, sensor.lon_deg, sensor.alt_m, site)
        out[sensor.sensor_id] = np.array([float(e), float(n), float(u)])
    return out


class _Converter:
    """raqib detections to Stone Soup detections, one measurement model per sensor (and per
    distinct sigma override), so a k-d tree sees one model per scan."""

    def __init__(self, site: Site, sensors: Sequence[Sensor]) -> None:
        self.site = site
        self.sensors = {s.sensor_id: s for s in sensors}
        self.offsets = _sensor_enu(sensors, site)
        self.models: dict[tuple[Any, ...], Any] = {}

    def _radar_model(self, det: Detection) -> Any:
        from stonesoup.models.measurement.nonlinear import CartesianToElevationBearingRange
        from stonesoup.types.array import StateVector

        sensor = self.sensors[det.sensor_id]
        sigma_r = det.sigma_range_m or sensor.sigma_range_m or 10.0
        sigma_az = math.radians(det.sigma_azimuth_deg or sensor.sigma_azimuth_deg or 0.5)
        sigma_el = math.radians(det.sigma_elevation_deg or sensor.sigma_elevation_deg or 0.5)
        key = ("radar", det.sensor_id, sigma_r, sigma_az, sigma_el)
        if key not in self.models:
            self.models[key] = CartesianToElevationBearingRange(
                ndim_state=6,
                mapping=(0, 2, 4),
                noise_covar=np.diag([sigma_el**2, sigma_az**2, sigma_r**2]),
                translation_offset=StateVector(self.offsets[det.sensor_id]),
            )
        return self.models[key]

    def _position_model(self, det: Detection) -> Any:
        from stonesoup.models.measurement.linear import LinearGaussian

        sensor = self.sensors.get(det.sensor_id)
        sigma_h = det.sigma_h_m or (sensor.sigma_h_m if sensor else None) or 20.0
        sigma_v = det.sigma_v_m or (sensor.sigma_v_m if sensor else None) or 10.0
        key = ("position", det.sensor_id, sigma_h, sigma_v)
        if key not in self.models:
            self.models[key] = LinearGaussian(
                ndim_state=6, mapping=(0, 2, 4), noise_covar=np.diag([sigma_h**2, sigma_h**2, sigma_v**2])
            )
        return self.models[key]

    def convert(self, scan: Scan) -> set[Any]:
        from stonesoup.types.angle import Bearing, Elevation
        from stonesoup.types.array import StateVector
        from stonesoup.types.detection import Detection as SsDetection

        when = EPOCH + timedelta(seconds=scan.time_s)
        out = set()
        polar = [
            d
            for d in scan.detections
            if d.is_polar and d.elevation_deg is not None and d.sensor_id in self.sensors
        ]
        for det in polar:
            bearing = math.radians(90.0 - float(det.azimuth_deg or 0.0))
            vector = StateVector(
                [
                    Elevation(math.radians(float(det.elevation_deg or 0.0))),
                    Bearing(bearing),
                    float(det.range_m or 0.0),
                ]
            )
            out.add(SsDetection(vector, timestamp=when, measurement_model=self._radar_model(det)))
        positions = [d for d in scan.detections if d.is_position and d.alt_m is not None]
        if positions:
            e, n, u = geodetic_to_enu(
                np.array([d.lat_deg for d in positions], float),
                np.array([d.lon_deg for d in positions], float),
                np.array([d.alt_m for d in positions], float),
                self.site,
            )
            for det, x, y, z in zip(positions, np.ravel(e), np.ravel(n), np.ravel(u), strict=True):
                out.add(
                    SsDetection(
                        StateVector([x, y, z]), timestamp=when, measurement_model=self._position_model(det)
                    )
                )
        return out


def build_tracker(configuration: Configuration, settings: PeerSettings) -> Any:
    """A Stone Soup tracker of one configuration (components wired as in its tutorials)."""
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.dataassociator.probability import JPDAwithEHM2
    from stonesoup.dataassociator.tree import DetectionKDTreeGNN2D
    from stonesoup.deleter.time import UpdateTimeDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.hypothesiser.probability import PDAHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.transition.linear import CombinedLinearGaussianTransitionModel, ConstantVelocity
    from stonesoup.predictor.kalman import ExtendedKalmanPredictor, UnscentedKalmanPredictor
    from stonesoup.tracker.simple import MultiTargetMixtureTracker, MultiTargetTracker
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import ExtendedKalmanUpdater, UnscentedKalmanUpdater

    q_h, q_v = settings.accel_sigma_h_ms2**2, settings.accel_sigma_v_ms2**2
    transition = CombinedLinearGaussianTransitionModel(
        [ConstantVelocity(q_h), ConstantVelocity(q_h), ConstantVelocity(q_v)]
    )
    if configuration.filter == "ukf":
        predictor: Any = UnscentedKalmanPredictor(transition)
        updater: Any = UnscentedKalmanUpdater(measurement_model=None)
    else:
        predictor = ExtendedKalmanPredictor(transition)
        updater = ExtendedKalmanUpdater(measurement_model=None)
    gnn_hypothesiser = DistanceHypothesiser(
        predictor, updater, measure=Mahalanobis(), missed_distance=settings.gate_sigma
    )
    v0 = settings.max_speed_ms
    prior = GaussianState(np.zeros((6, 1)), np.diag([0.0, v0**2, 0.0, v0**2, 0.0, (v0 / 4) ** 2]))
    initiator = MultiMeasurementInitiator(
        prior_state=prior,
        measurement_model=None,
        deleter=UpdateTimeDeleter(timedelta(seconds=1.5 * settings.scan_period_s)),
        data_associator=GNNWith2DAssignment(gnn_hypothesiser),
        updater=updater,
        min_points=settings.confirm_updates,
    )
    deleter = UpdateTimeDeleter(
        timedelta(seconds=(settings.missed_scans_to_delete + 0.5) * settings.scan_period_s)
    )
    if configuration.associator == "jpda":
        pda = PDAHypothesiser(
            predictor,
            updater,
            clutter_spatial_density=max(settings.clutter_per_scan, 1.0) / settings.radar_volume,
            prob_detect=settings.pd,
            prob_gate=0.9999,
        )
        return MultiTargetMixtureTracker(
            initiator=initiator,
            deleter=deleter,
            detector=None,
            data_associator=JPDAwithEHM2(pda),
            updater=updater,
        )
    if configuration.associator == "gnn-kdtree":
        # The tree is in measurement space (elevation, bearing, range): its Euclidean distance is
        # about the range difference, so the radius is the gate on range for the fastest target.
        radius_m = settings.gate_sigma * (50.0 + v0 * settings.scan_period_s)
        associator: Any = DetectionKDTreeGNN2D(
            hypothesiser=gnn_hypothesiser, predictor=predictor, updater=updater, max_distance=radius_m
        )
        initiator.data_associator = DetectionKDTreeGNN2D(
            hypothesiser=gnn_hypothesiser, predictor=predictor, updater=updater, max_distance=radius_m
        )
    else:
        associator = GNNWith2DAssignment(gnn_hypothesiser)
    return MultiTargetTracker(
        initiator=initiator, deleter=deleter, detector=None, data_associator=associator, updater=updater
    )


def run_configuration(
    configuration: Configuration,
    site: Site,
    sensors: Sequence[Sensor],
    scans: Sequence[Scan],
    settings: PeerSettings,
    time_limit_s: float,
) -> PeerRun:
    """Runs one configuration over the scans in order, stopping (unfinished) past the time limit."""
    converter = _Converter(site, sensors)
    tracker = build_tracker(configuration, settings)
    run = PeerRun(configuration.name, finished=False)
    uses_kdtree = configuration.associator == "gnn-kdtree"
    started = time.perf_counter()
    for scan in scans:
        detections = converter.convert(scan)
        if uses_kdtree and len({d.measurement_model for d in detections}) > 1:
            run.error = "k-d tree association needs one measurement model per scan"
            break
        when = EPOCH + timedelta(seconds=scan.time_s)
        wall, cpu = time.perf_counter(), time.process_time()
        _, tracks = tracker.update_tracker(when, detections)
        run.wall_s += time.perf_counter() - wall
        run.cpu_s += time.process_time() - cpu
        run.scans_done += 1
        run.detections_done += len(scan.detections)
        for track in tracks:
            state = track.state_vector
            run.track_time_s.append(scan.time_s)
            run.track_id.append(str(track.id))
            run.track_enu_m.append((float(state[0, 0]), float(state[2, 0]), float(state[4, 0])))
        if time.perf_counter() - started > time_limit_s:
            break
    else:
        run.finished = True
    return run


def _child(connection: Any, args: tuple[Any, ...]) -> None:
    try:
        connection.send(run_configuration(*args))
    except Exception as error:  # a peer's failure is reported, not raised
        connection.send(PeerRun(args[0].name, finished=False, error=f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


def run_with_timeout(
    configuration: Configuration,
    site: Site,
    sensors: Sequence[Sensor],
    scans: Sequence[Scan],
    settings: PeerSettings,
    time_limit_s: float,
) -> PeerRun:
    """``run_configuration`` in a child process; one scan that hangs past the limit is killed."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(sender, (configuration, site, sensors, scans, settings, time_limit_s))
    )
    process.start()
    sender.close()
    grace_s = 30.0 + 0.2 * time_limit_s
    result: PeerRun
    if receiver.poll(time_limit_s + grace_s):
        try:
            result = receiver.recv()
        except EOFError:
            result = PeerRun(configuration.name, finished=False, error="the child process died")
    else:
        process.kill()
        result = PeerRun(
            configuration.name,
            finished=False,
            wall_s=time_limit_s,
            error=f"one scan ran past the {time_limit_s:.0f} s limit",
        )
    process.join(timeout=10)
    return result
