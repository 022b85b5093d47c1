"""The multi-sensor, multi-target tracker.

For each sensor scan, in time order:
  1. predict every track to the scan time (IMM mixing and the motion-model bank);
  2. propose (track, detection) pairs with a KD-tree, gate them exactly (chi-square);
  3. assign within clusters of conflicting tracks (GNN, or JPDA weights in dense clusters);
  4. update assigned tracks (EKF per model, IMM mode probabilities), score every track with
     the log-likelihood ratio of target versus clutter, confirm or delete by score;
  5. start tentative tracks from unused detections that carry a position.
Cooperative identities (ICAO address, Remote ID serial) ride on the track: a report never
joins a track bound to another identity, and one bound to its own identity is preferred.

Late data: a scan older than the tracker's clock is not applied (tracks are never predicted
backwards); it is counted in ``stats.late_scans``. The live runner's reordering window sorts
data that arrive out of order within it before they reach the tracker.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import chdtri

from raqib.geo import FloatArray, SiteFrame
from raqib.model import TARGET_CLASSES, Detection, Sensor, Site, Track
from raqib.tracking import ASSOCIATIONS, imm, jpda, kernels
from raqib.tracking.association import (
    Pairs,
    assign_gnn,
    assign_mutual_best,
    bearing_candidates,
    candidate_pairs,
    gate,
    widest_variance,
)
from raqib.tracking.formation import FormationConfig, apply_formation_prior
from raqib.tracking.measurement import (
    MeasurementBatch,
    innovation,
    predict_measurement,
    with_range_rate_curvature,
)
from raqib.tracking.motion import BALLISTIC, MANOEUVRE, N_MODELS, MotionConfig, mode_transition, predict_bank
from raqib.tracking.scan import CLUTTER_SLOW_RANGE_RATE_MS, SensorGeometry, build_batches
from raqib.tracking.store import TrackStore

CLASS_INDEX = {c.value: i for i, c in enumerate(TARGET_CLASSES)}
CLASS_NAMES = [c.value for c in TARGET_CLASSES]


@dataclass(frozen=True, slots=True)
class TrackerConfig:
    motion: MotionConfig = field(default_factory=MotionConfig)
    gate_probability: float = 0.9995
    # Prior on a new track's velocity, per axis. The ballistic model's is wide (rounds fly at 300+
    # m/s, climbing or diving steeply); the air-breathing models' is narrow: drones and birds fly
    # under 40 m/s and mostly fly level, climbing or sinking a few m/s at most (a 3 m/s sigma still
    # lets a 6 m/s climb in at two sigma; the manoeuvre model follows steeper ones). That is what lets
    # a new track's height settle within a few scans when the radar's elevation is coarse, and
    # keeps a swarm's plots from pairing across drones. A faster aircraft still initiates: the
    # ballistic model's share of the mixture keeps the second plot's gate open to 250 m/s.
    initial_speed_sigma_ms: float = 200.0
    initial_horizontal_speed_sigma_ms: float = 40.0
    # (3 m/s against 10 m/s, with the CV model's vertical noise 0.05 m/s^2, 3 seeds: drones-inbound
    # GOSPA 41.6 -> 38.8 m, crossing 66.5 -> 63.6 m, mixed 100.9 -> 98.1 m, swarm 384 -> 367 m).
    # That is the manoeuvre model's; the level models' (CV, the turns) is tighter still: level
    # flight is level (0.3 against 3 m/s: swarm-200 GOSPA 342 -> 336 m with the level models'
    # vertical noise 0.01 m/s^2).
    initial_vertical_speed_sigma_ms: float = 3.0
    initial_level_vertical_speed_sigma_ms: float = 0.3
    confirm_score: float = 9.0  # log-likelihood ratio to confirm (about 1e-4 false-track odds)
    delete_tentative_score: float = -4.0
    delete_drop_score: float = 9.0  # confirmed: delete when the score falls this far below its peak
    max_coast_s: float = 6.0  # confirmed: delete after this long without an update ...
    coast_periods: float = 4.0  # ... or this many revisit periods, whichever is longer
    identity_bonus: float = 12.0  # cost taken off a pair whose identities agree
    merge_distance_m: float = 40.0  # confirmed tracks closer than this, moving alike, are one object
    merge_speed_diff_ms: float = 8.0
    max_gate_radius_m: float = 4000.0
    min_gate_mode_p: float = 0.1  # each air-breathing model's least weight in the gate's covariance
    ballistic_output_p: float = 0.05  # report the ballistic model's own state above this probability
    spoofing_conflicts: int = 3  # identity reports out of the bound track's gate before it is flagged
    # A young track's update is iterated (Gauss-Newton, relinearised about the updated state):
    # its predicted velocity is still far from the truth, and the range rate's dependence on the
    # line of sight, d(rr)/d(position) = v_perp / range, vanishes when linearised about a state
    # whose cross-range velocity is zero. A round crossing the beam at 200 m/s turns the LOS
    # enough in one 0.5 s scan to shift its range rate by ~4 m/s, four of the radar's sigmas,
    # which a first-order EKF update books as radial velocity it knows to 1 m/s. (The range
    # rate's second-order terms now keep the covariance honest either way; the iteration still
    # moves the young track's mean to where the whole plot puts it.)
    iterated_update_hits: int = 4  # tracks with fewer hits than this, before the update
    update_iterations: int = 3
    association: str = "gnn"  # "gnn", or "jpda": JPDA where several tracks compete for several detections
    jpda: jpda.JpdaConfig = field(default_factory=jpda.JpdaConfig)
    formation: FormationConfig = field(default_factory=FormationConfig)  # a swarm's young tracks

    def __post_init__(self) -> None:
        if self.association not in ASSOCIATIONS:
            choices = ", ".join(ASSOCIATIONS)
            raise ValueError(f"association must be one of {choices}, not {self.association!r}")


@dataclass
class TrackerStats:
    scans: int = 0
    detections: int = 0
    late_scans: int = 0
    unknown_sensor_detections: int = 0
    tracks_confirmed: int = 0


@dataclass(frozen=True, slots=True)
class _ScanPrediction:
    """The latest scan's prediction of every track it found (rows as ``TrackStore.scan_row``)
    and which of them that scan updated."""

    time_s: float
    x_hat: FloatArray
    p_hat: FloatArray
    c: FloatArray
    x_pred: FloatArray
    p_pred: FloatArray
    updated: np.ndarray


class Tracker:
    """Feed it scans with ``step``; read confirmed tracks back as Track records."""

    def __init__(self, site: Site, sensors: Sequence[Sensor], config: TrackerConfig | None = None) -> None:
        self.site = site
        # The site's geodetic constants, computed once: every step converts its tracks' positions.
        self._frame = SiteFrame(site)
        self.config = config or TrackerConfig()
        self.sensors: dict[str, SensorGeometry] = {}
        self.sensor_column: dict[str, int] = {}
        self.store = TrackStore()
        self.clock_s = -np.inf
        self.stats = TrackerStats()
        self._next_id = 1
        self._scan_prediction: _ScanPrediction | None = None
        for sensor in sensors:
            self.add_sensor(sensor)
        kernels.warm_up()

    def add_sensor(self, sensor: Sensor) -> None:
        self.sensors[sensor.sensor_id] = SensorGeometry.from_sensor(sensor, self.site)
        self.sensor_column.setdefault(sensor.sensor_id, len(self.sensor_column))
        self.store.ensure_sensor_columns(len(self.sensor_column))

    # ------------------------------------------------------------------ public API

    def step(self, detections: Sequence[Detection], time_s: float) -> list[Track]:
        """Process every scan in ``detections`` (grouped by time and sensor, in time order),
        then return the confirmed tracks predicted to ``time_s``."""
        self._scan_prediction = None
        scans: dict[tuple[float, str], list[Detection]] = defaultdict(list)
        for det in detections:
            scans[(det.time_s, det.sensor_id)].append(det)
        for (scan_time, sensor_id), dets in sorted(scans.items(), key=lambda item: item[0]):
            self.process_scan(scan_time, sensor_id, dets)
        self._delete_stale(max(time_s, self.clock_s))
        # One prediction of the confirmed tracks serves both the duplicate check and the output.
        rows = np.flatnonzero(self.store.confirmed)
        predicted = self._output_prediction(rows, time_s)
        drop = self._merge_duplicates(rows, predicted[0], predicted[1])
        if drop.any():
            self.store.keep(~drop)
            kept = ~drop[rows]
            predicted = tuple(a[kept] for a in predicted)
            rows = np.flatnonzero(self.store.confirmed)
        return self._tracks(rows, time_s, *predicted)

    def process_scan(self, time_s: float, sensor_id: str, detections: Sequence[Detection]) -> None:
        geometry = self.sensors.get(sensor_id)
        if geometry is None:
            self.stats.unknown_sensor_detections += len(detections)
            return
        if time_s < self.clock_s:
            self.stats.late_scans += 1
            return
        self.clock_s = time_s
        self.stats.scans += 1
        self.stats.detections += len(detections)
        store = self.store
        n = len(store)
        dt = np.maximum(time_s - store.time_s, 0.0)
        pi = mode_transition(dt, self.config.motion)
        x0, p0, c = imm.mix(store.x, store.p, store.mu, pi)
        x_pred, p_pred = predict_bank(x0, p0, dt, self.config.motion)
        x_hat, p_hat = imm.combine(x_pred, p_pred, c)
        updated = np.zeros(n, bool)
        store.scan_row[:] = np.arange(n)
        self._scan_prediction = _ScanPrediction(time_s, x_hat, p_hat, c, x_pred, p_pred, updated)
        new_tracks: list[TrackStore] = []
        # The gate must hold a target that has just begun to manoeuvre, whatever the mode
        # probabilities say of the straight flight so far: it is drawn with the turn models
        # weighted at least min_gate_mode_p each (an erratic bird close to the radar otherwise
        # leaves its track's gate, and a second track starts on it).
        p_gate = imm.combine(x_pred, p_pred, self._gate_weights(c))[1]
        for batch in build_batches(detections, geometry, self.site):
            used = self._associate_and_update(
                batch, detections, geometry, time_s, x_pred, p_pred, c, x_hat, p_gate, updated
            )
            if not batch.is_bearing_only:
                unused = np.ones(len(batch.z), bool)
                unused[used] = False
                fresh = np.flatnonzero(unused)
                if len(fresh):
                    new_tracks.append(self._initiate(batch, fresh, detections, geometry, time_s))
        self._score_misses(geometry, x_hat, updated, sensor_id)
        self._formation_prior(updated)
        for fresh_store in new_tracks:
            self.store.append(fresh_store)
        self._confirm_and_delete()

    def _formation_prior(self, updated: np.ndarray) -> None:
        """Young tracks this scan updated, without a cooperative identity (whose reports carry
        their own velocity), take their established neighbours' velocity as a prior
        (tracking/formation.py)."""
        cfg = self.config.formation
        if not cfg.enabled:
            return
        store = self.store
        young = updated & (store.hits >= 2) & (store.hits <= cfg.young_hits)
        young &= store.identity == None  # noqa: E711  (object array)
        free_sigma_ms = self.config.initial_horizontal_speed_sigma_ms
        apply_formation_prior(store, np.flatnonzero(young), cfg, free_sigma_ms)

    def _gate_weights(self, c: FloatArray) -> FloatArray:
        weights = c.copy()
        weights[:, :BALLISTIC] = np.maximum(weights[:, :BALLISTIC], self.config.min_gate_mode_p)
        return np.asarray(weights / weights.sum(axis=1, keepdims=True))

    def confirmed_tracks(self, time_s: float) -> list[Track]:
        """The confirmed tracks, predicted to ``time_s``."""
        rows = np.flatnonzero(self.store.confirmed)
        return self._tracks(rows, time_s, *self.predicted_state(rows, time_s, per_model=True))

    def _tracks(
        self,
        rows: np.ndarray,
        time_s: float,
        x_hat: FloatArray,
        p_hat: FloatArray,
        mu: FloatArray,
        x_models: FloatArray,
        p_models: FloatArray,
    ) -> list[Track]:
        store = self.store
        if len(rows) == 0:
            return []
        if self._frame.site is not self.site:  # the site was replaced after construction
            self._frame = SiteFrame(self.site)
        lat, lon, alt = (
            np.atleast_1d(a) for a in self._frame.enu_to_geodetic(x_hat[:, 0], x_hat[:, 1], x_hat[:, 2])
        )
        sensor_names = list(self.sensor_column)
        recent = store.sensor_time_s[rows] >= (time_s - 10.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            rcs = store.rcs_sum_dbsm[rows] / store.rcs_count[rows]
        covariances = list(map(tuple, p_hat.reshape(len(rows), 36).tolist()))
        ballistic = mu[:, BALLISTIC] >= self.config.ballistic_output_p
        ballistic_rows = np.flatnonzero(ballistic).tolist()
        ballistic_x = {k: tuple(x_models[k, BALLISTIC].tolist()) for k in ballistic_rows}
        ballistic_p = {k: tuple(p_models[k, BALLISTIC].ravel().tolist()) for k in ballistic_rows}
        votes = store.class_votes[rows]
        vote_total = votes.sum(axis=1)
        has_votes = (vote_total > 0).tolist()
        vote_list = votes.tolist()
        vote_shares = (votes / np.where(vote_total > 0, vote_total, 1.0)[:, None]).tolist()
        # Tracks share few combinations of sources: name each combination once (the loop below
        # looks each track's key up; a row of ``recent`` is read only for a key not seen yet).
        source_keys = np.packbits(recent, axis=1)
        width = source_keys.shape[1]
        packed_keys = source_keys.tobytes()
        source_names: dict[bytes, tuple[str, ...]] = {}
        x_list = x_hat.tolist()
        lat_list, lon_list, alt_list = lat.tolist(), lon.tolist(), alt.tolist()
        ballistic_mu = mu[:, BALLISTIC].tolist()
        # Every column as a Python list once: no NumPy scalar per track and field.
        columns = zip(
            store.track_id[rows].tolist(),
            store.identity[rows].tolist(),
            store.callsign[rows].tolist(),
            store.spoofing_suspected[rows].tolist(),
            store.first_time_s[rows].tolist(),
            store.hits[rows].tolist(),
            rcs.tolist(),
            store.identity_kind[rows].tolist(),
            strict=True,
        )
        time_s = float(time_s)
        tracks = []
        for k, fields in enumerate(columns):
            track_id, identity, callsign, spoofing, first_time_s, hits, rcs_k, identity_kind = fields
            x = x_list[k]
            key = packed_keys[k * width : (k + 1) * width]
            sources = source_names.get(key)
            if sources is None:
                sources = source_names[key] = tuple(sensor_names[j] for j in np.flatnonzero(recent[k]))
            rcs_dbsm = None if rcs_k != rcs_k else rcs_k  # NaN: no RCS seen
            tracks.append(
                Track(
                    time_s=time_s,
                    track_id=track_id,
                    lat_deg=lat_list[k],
                    lon_deg=lon_list[k],
                    alt_m=alt_list[k],
                    east_m=x[0],
                    north_m=x[1],
                    up_m=x[2],
                    vel_e_ms=x[3],
                    vel_n_ms=x[4],
                    vel_u_ms=x[5],
                    cov_enu=covariances[k],
                    sources=sources,
                    identity=identity,
                    callsign=callsign,
                    spoofing_suspected=spoofing,
                    first_detection_time_s=first_time_s,
                    hits=hits,
                    ballistic_p=ballistic_mu[k],
                    rcs_dbsm=rcs_dbsm,
                    reported_class={
                        name: share
                        for name, vote, share in zip(CLASS_NAMES, vote_list[k], vote_shares[k], strict=True)
                        if vote > 0
                    }
                    if has_votes[k]
                    else {},
                    identity_kind=identity_kind,
                    ballistic_state=ballistic_x.get(k, ()),
                    ballistic_cov=ballistic_p.get(k, ()),
                )
            )
        return tracks

    def predicted_state(
        self, rows: np.ndarray, time_s: float, per_model: bool = False
    ) -> tuple[FloatArray, ...]:
        """Combined state, covariance and mode probabilities of ``rows`` predicted to ``time_s``
        (and, with ``per_model``, every model's own state and covariance)."""
        store = self.store
        dt = np.maximum(time_s - store.time_s[rows], 0.0)
        pi = mode_transition(dt, self.config.motion)
        x0, p0, c = imm.mix(store.x[rows], store.p[rows], store.mu[rows], pi)
        x_pred, p_pred = predict_bank(x0, p0, dt, self.config.motion)
        x_hat, p_hat = imm.combine(x_pred, p_pred, c)
        if per_model:
            return x_hat, p_hat, c, x_pred, p_pred
        return x_hat, p_hat, c

    def _output_prediction(self, rows: np.ndarray, time_s: float) -> tuple[FloatArray, ...]:
        """``predicted_state(rows, time_s, per_model=True)``, with what this step already knows:
        a track the latest scan (at ``time_s``) predicted but did not update keeps that
        prediction, and one updated or started at ``time_s`` needs none (predicting by 0 s is
        the identity while every mode probability is above mix's floor). Only the rest, if any,
        are predicted here."""
        scan = self._scan_prediction
        if scan is None or scan.time_s != time_s or len(rows) == 0:
            return self.predicted_state(rows, time_s, per_model=True)
        store = self.store
        scan_row = store.scan_row[rows]
        cached = scan_row >= 0
        cached[cached] = ~scan.updated[scan_row[cached]]
        mu = store.mu[rows]
        still = ~cached & (store.time_s[rows] == time_s) & (mu.min(axis=1) >= 1e-12)
        other = ~(cached | still)
        parts: list[tuple[np.ndarray, tuple[FloatArray, ...]]] = []
        if cached.any():
            at = scan_row[cached]
            parts.append(
                (cached, (scan.x_hat[at], scan.p_hat[at], scan.c[at], scan.x_pred[at], scan.p_pred[at]))
            )
        if still.any():
            x, p = store.x[rows[still]], store.p[rows[still]]
            x_hat, p_hat = imm.combine(x, p, mu[still])
            parts.append((still, (x_hat, p_hat, mu[still], x, p)))
        if other.any():
            parts.append((other, self.predicted_state(rows[other], time_s, per_model=True)))
        if len(parts) == 1:
            return parts[0][1]
        out = tuple(np.empty((len(rows), *a.shape[1:])) for a in parts[0][1])
        for mask, arrays in parts:
            for target, values in zip(out, arrays, strict=True):
                target[mask] = values
        return out

    # ------------------------------------------------------------------ internals

    def _associate_and_update(
        self,
        batch: MeasurementBatch,
        detections: Sequence[Detection],
        geometry: SensorGeometry,
        time_s: float,
        x_pred: FloatArray,
        p_pred: FloatArray,
        c: FloatArray,
        x_hat: FloatArray,
        p_hat: FloatArray,
        updated: np.ndarray,
    ) -> np.ndarray:
        """Associate one batch with the tracks not yet updated in this scan; update them.

        Returns the batch-local indices of the detections used."""
        eligible = np.flatnonzero(~updated)
        if len(eligible) == 0:
            return np.zeros(0, int)
        if batch.is_bearing_only:
            t_local, d = bearing_candidates(x_hat[eligible, :3], batch, geometry.max_range_m)
        else:
            det_pos = batch.approx_position_enu()
            det_sigma = float(batch.approx_position_sigma_m().max())
            radius = self._gate_radius_m(p_hat[eligible], det_sigma)
            t_local, d = candidate_pairs(x_hat[eligible, :3], radius, det_pos)
        pairs = gate(x_hat, p_hat, batch, eligible[t_local], d, self.config.gate_probability)
        pairs, cost = self._identity_rules(pairs, batch, detections)
        if len(pairs.track) == 0:
            return np.zeros(0, int)
        clutter = geometry.clutter_log_density(batch)
        # Cost of a pair: -ln(likelihood ratio of target to clutter); a miss costs -ln(1 - pd).
        cost = cost - pairs.log_likelihood + clutter[pairs.detection]
        soft_used = np.zeros(0, int)
        if self.config.association == "jpda":
            pairs, cost, soft_used = self._jpda(
                batch, detections, geometry, time_s, pairs, cost, x_pred, p_pred, c, updated
            )
        tracks, dets = self._assign(pairs, cost, len(batch.z))
        if len(tracks) == 0:
            return np.union1d(dets, soft_used)
        # A bearing that fits several tracks cannot say which of them its class hint belongs to.
        ambiguity = np.bincount(pairs.detection, minlength=len(batch.z))
        self._update(
            batch, detections, geometry, time_s, tracks, dets, x_pred, p_pred, c, clutter[dets], ambiguity
        )
        updated[tracks] = True
        return np.union1d(dets, soft_used)

    def _gate_radius_m(self, p: FloatArray, det_sigma_m: float) -> FloatArray:
        """The gate's reach along each covariance's widest axis: the chi-square gate of a 3-D
        position, about 4.2 sigma at 99.95 %."""
        reach = np.sqrt(chdtri(3, 1.0 - self.config.gate_probability))
        widest_var = widest_variance(p[:, :3, :3])
        return np.minimum(reach * np.sqrt(widest_var + det_sigma_m**2), self.config.max_gate_radius_m)

    def _assign(self, pairs: Pairs, cost: FloatArray, n_dets: int) -> tuple[np.ndarray, np.ndarray]:
        """Confirmed tracks first, by GNN within clusters (the gate alone decides what may pair;
        the score then judges the track); tentative tracks then share what is left, by mutual
        best choice."""
        store = self.store
        firm = store.confirmed[pairs.track]
        confirmed_pairs = Pairs(
            pairs.track[firm], pairs.detection[firm], pairs.mahalanobis2[firm], pairs.log_likelihood[firm]
        )
        tracks, dets = assign_gnn(len(store), n_dets, confirmed_pairs, cost[firm], miss_cost=1e6)
        taken = np.zeros(n_dets, bool)
        taken[dets] = True
        rest = ~firm & ~taken[pairs.detection]
        if not rest.any():
            return tracks, dets
        tentative_pairs = Pairs(
            pairs.track[rest], pairs.detection[rest], pairs.mahalanobis2[rest], pairs.log_likelihood[rest]
        )
        more_tracks, more_dets = assign_mutual_best(tentative_pairs, cost[rest])
        return np.concatenate([tracks, more_tracks]), np.concatenate([dets, more_dets])

    def _jpda(
        self,
        batch: MeasurementBatch,
        detections: Sequence[Detection],
        geometry: SensorGeometry,
        time_s: float,
        pairs: Pairs,
        cost: FloatArray,
        x_pred: FloatArray,
        p_pred: FloatArray,
        c: FloatArray,
        updated: np.ndarray,
    ) -> tuple[Pairs, FloatArray, np.ndarray]:
        """JPDA update of the clusters where several tracks compete for several detections.

        Returns the pairs and costs left for GNN, and the detections JPDA explained."""
        column = self.sensor_column[geometry.sensor.sensor_id]
        log_ratio = np.log(geometry.pd) - cost  # cost is -ln(likelihood ratio), identity bonus included
        done = jpda.update_dense_clusters(
            self.store, batch, geometry, time_s, column, pairs, log_ratio, x_pred, p_pred, c, self.config.jpda
        )
        ambiguity = np.bincount(pairs.detection, minlength=len(batch.z))
        self._absorb_attributes(
            self.store, batch, detections, geometry, done.attribute_tracks, done.attribute_dets, ambiguity
        )
        updated[done.tracks] = True
        return done.rest, cost[done.left], done.used

    def _identity_rules(
        self, pairs: Pairs, batch: MeasurementBatch, detections: Sequence[Detection]
    ) -> tuple[Pairs, FloatArray]:
        """Forbid pairs whose identities differ; favour pairs whose identities agree; count the
        identity reports that fall outside the gate of the track bound to them (spoofing evidence)."""
        store = self.store
        det_identity = np.array([detections[i].identity for i in batch.index], dtype=object)
        cost = np.zeros(len(pairs.track))
        if not any(v is not None for v in det_identity):
            return pairs, cost
        track_identity = store.identity[pairs.track]
        pair_det_identity = det_identity[pairs.detection]
        both = (track_identity != None) & (pair_det_identity != None)  # noqa: E711  (object arrays)
        same = both & (track_identity == pair_det_identity)
        allowed = ~both | same
        cost = np.where(same, -self.config.identity_bonus, 0.0)
        # Spoofing evidence: a report of identity X that could not pair with the track bound to X.
        bound = {ident: row for row, ident in enumerate(store.identity) if ident is not None}
        paired_with_own = {det_identity[d] for d, ok in zip(pairs.detection, same, strict=True) if ok}
        for ident in set(det_identity) - {None} - paired_with_own:
            row = bound.get(ident)
            if row is not None and store.confirmed[row] and np.isfinite(store.radar_time_s[row]):
                store.identity_conflicts[row] += 1
                if store.identity_conflicts[row] >= self.config.spoofing_conflicts:
                    store.spoofing_suspected[row] = True
        kept = Pairs(
            pairs.track[allowed],
            pairs.detection[allowed],
            pairs.mahalanobis2[allowed],
            pairs.log_likelihood[allowed],
        )
        return kept, cost[allowed]

    def _update(
        self,
        batch: MeasurementBatch,
        detections: Sequence[Detection],
        geometry: SensorGeometry,
        time_s: float,
        tracks: np.ndarray,
        dets: np.ndarray,
        x_pred: FloatArray,
        p_pred: FloatArray,
        c: FloatArray,
        clutter_log_density: FloatArray,
        ambiguity: np.ndarray,
    ) -> None:
        store = self.store
        x_m = x_pred[tracks]  # (K, M, 6)
        p_m = p_pred[tracks]
        # Each detection's sensor position, measurement and noise, (K, 1, ...): NumPy broadcasts
        # them over the models (the iterated update below takes them whole).
        sensor_pos = batch.sensor_enu_m[dets][:, None, :]
        z_pred, h = predict_measurement(x_m, sensor_pos, batch.layout)
        z, r = with_range_rate_curvature(
            batch.z[dets][:, None, :], batch.r[dets][:, None], x_m, p_m, sensor_pos, batch.layout
        )
        nu = innovation(z, z_pred, batch.layout)
        x_new, p_new, loglik = imm.kalman_update(x_m, p_m, nu, h, r)
        # Only a range rate's linearisation depends on the velocity: range and angles are
        # linear enough in position that another pass changes nothing worth its cost (12-14 %
        # of the throughput on the tracker benchmark's scenarios, whose radars have no Doppler).
        young = store.hits[tracks] < self.config.iterated_update_hits
        if "rr" in batch.layout and young.any() and self.config.update_iterations > 1:
            sensor_pos = np.broadcast_to(sensor_pos, (len(tracks), N_MODELS, 3))
            z = np.broadcast_to(z, z_pred.shape)
            r = np.broadcast_to(r, (*z_pred.shape, z_pred.shape[-1]))
            x_new[young], p_new[young] = imm.iterated_update(
                x_m[young],
                p_m[young],
                z[young],
                sensor_pos[young],
                r[young],
                batch.layout,
                x_new[young],
                self.config.update_iterations - 1,
            )
        c_rows = c[tracks]
        store.x[tracks] = x_new
        store.p[tracks] = p_new
        store.mu[tracks] = imm.update_mode_probs(c_rows, loglik)
        # Score: ln of (mixture likelihood * pd) over clutter density.
        mixture = np.log(np.einsum("km,km->k", c_rows, np.exp(np.clip(loglik, -700, 700))) + 1e-300)
        store.score[tracks] += mixture + np.log(geometry.pd) - clutter_log_density
        store.max_score[tracks] = np.maximum(store.max_score[tracks], store.score[tracks])
        store.time_s[tracks] = time_s
        store.hits[tracks] += 1
        store.period_s[tracks] = np.minimum(store.period_s[tracks], geometry.period_s)
        store.sensor_time_s[tracks, self.sensor_column[geometry.sensor.sensor_id]] = time_s
        if not geometry.cooperative:
            store.radar_time_s[tracks] = time_s
        self._absorb_attributes(store, batch, detections, geometry, tracks, dets, ambiguity)

    @staticmethod
    def _absorb_attributes(
        store: TrackStore,
        batch: MeasurementBatch,
        detections: Sequence[Detection],
        geometry: SensorGeometry,
        tracks: np.ndarray,
        dets: np.ndarray,
        ambiguity: np.ndarray | None = None,
    ) -> None:
        """Carry identity, callsign, RCS and reported class from detections onto their tracks
        (each track appears once: one detection per track per scan)."""
        if len(tracks) == 0:
            return
        chosen = [detections[i] for i in batch.index[dets].tolist()]
        rcs = np.array([np.nan if d.rcs_dbsm is None else d.rcs_dbsm for d in chosen])
        seen = ~np.isnan(rcs)
        store.rcs_sum_dbsm[tracks[seen]] += rcs[seen]
        store.rcs_count[tracks[seen]] += 1
        hint = np.array([CLASS_INDEX.get(d.class_hint or "", -1) for d in chosen])
        hinted = hint >= 0
        if hinted.any():
            confidence = np.array([d.class_confidence or 1.0 for d in chosen])
            share = np.ones(len(dets)) if ambiguity is None else 1.0 / np.maximum(ambiguity[dets], 1)
            store.class_votes[tracks[hinted], hint[hinted]] += (confidence * share)[hinted]
        if geometry.sensor.kind == "adsb":
            store.class_votes[tracks, CLASS_INDEX["aircraft"]] += 1.0
        elif geometry.sensor.kind == "remoteid":
            store.class_votes[tracks, CLASS_INDEX["drone"]] += 1.0
        # Identities and callsigns come with few detections: only those are visited.
        for k in (k for k, d in enumerate(chosen) if d.identity is not None or d.callsign):
            row, det = tracks[k], chosen[k]
            if det.identity is not None and not store.spoofing_suspected[row]:
                store.identity[row] = det.identity
                store.identity_kind[row] = geometry.sensor.kind
            if det.callsign:
                store.callsign[row] = det.callsign

    def _initiate(
        self,
        batch: MeasurementBatch,
        fresh: np.ndarray,
        detections: Sequence[Detection],
        geometry: SensorGeometry,
        time_s: float,
    ) -> TrackStore:
        k = len(fresh)
        new = TrackStore.new(k, len(self.sensor_column))
        pos = batch.approx_position_enu()[fresh]
        pos_sigma = batch.approx_position_sigma_m()[fresh]
        x = np.zeros((k, 6))
        x[:, :3] = pos
        p = np.zeros((k, N_MODELS, 6, 6))
        idx = np.arange(3)
        p[:, :, idx, idx] = pos_sigma[:, None, None] ** 2
        cfg = self.config
        air_v_sigma = [cfg.initial_horizontal_speed_sigma_ms] * 2 + [cfg.initial_vertical_speed_sigma_ms]
        p[:, :, idx + 3, idx + 3] = np.square(air_v_sigma)
        p[:, BALLISTIC, idx + 3, idx + 3] = cfg.initial_speed_sigma_ms**2
        p[:, :MANOEUVRE, 5, 5] = cfg.initial_level_vertical_speed_sigma_ms**2
        if "ve" in batch.layout:
            x[:, 3:] = batch.z[fresh, 3:6]
            p[:, :, idx + 3, idx + 3] = np.maximum(batch.r[fresh][:, None, [3, 4, 5], [3, 4, 5]], 1.0)
        new.x[:] = x[:, None, :]
        new.p[:] = p
        new.mu[:] = np.asarray(self.config.motion.initial_mode_probs)
        if "rr" in batch.layout:
            self._condition_on_range_rate(new, batch, fresh)
        new.time_s[:] = time_s
        new.first_time_s[:] = time_s
        new.hits[:] = 1
        new.score[:] = new.max_score[:] = geometry.birth_log_ratio(batch)[fresh]
        new.period_s[:] = geometry.period_s
        new.sensor_time_s[:, self.sensor_column[geometry.sensor.sensor_id]] = time_s
        if not geometry.cooperative:
            new.radar_time_s[:] = time_s
        self._absorb_attributes(new, batch, detections, geometry, np.arange(k), fresh)
        return new

    def _condition_on_range_rate(self, new: TrackStore, batch: MeasurementBatch, fresh: np.ndarray) -> None:
        """A fast first plot's range rate is its velocity along the line of sight, u . v: every
        model's velocity prior is updated with it as a measurement (its noise, plus the second-
        order variance of a line of sight known only to the plot's cross-range accuracy), and
        each model's probability with its likelihood: a 250 m/s radial speed is six sigmas of
        the level models' 40 m/s prior and one of the ballistic model's 200. Without it a round's
        first track expects it still, and the second plot of one flying 350 m/s falls outside its
        gate: a second tentative track starts on it and confirmation waits (bench_ballistic
        --shots 200: predicted within 3 scans 195 -> 198). How the radial speed then drifts as
        the line of sight turns is left to the later updates' second-order terms
        (measurement.range_rate_curvature); taken here as known to +-30 m/s instead, a steep
        round's second plot, whose range rate had fallen 23 m/s in 1 s as no level flight's
        can, still looked like an aircraft (198 -> 199, and 200/200 by the third scan). Slow plots,
        clutter's (scan.CLUTTER_SLOW_RANGE_RATE_MS), are left as they were: conditioned too, 200
        simulated minutes of a Doppler radar's clutter confirmed 7 false tracks instead of 2."""
        column = batch.layout.index("rr")
        fast = np.abs(batch.z[fresh, column]) > CLUTTER_SLOW_RANGE_RATE_MS
        if not fast.any():
            return
        rows, plots = np.flatnonzero(fast), fresh[fast]
        x, p = new.x[rows], new.p[rows]
        sensor_pos = np.broadcast_to(batch.sensor_enu_m[plots][:, None, :], (len(rows), N_MODELS, 3))
        predicted, h = predict_measurement(x, sensor_pos, ("rr",))
        range_rate, variance = with_range_rate_curvature(
            batch.z[plots, column, None, None],
            batch.r[plots, column, column, None, None, None],
            x,
            p,
            sensor_pos,
            ("rr",),
        )
        new.x[rows], new.p[rows], log_likelihood = imm.kalman_update(
            x, p, range_rate - predicted, h, variance
        )
        new.mu[rows] = imm.update_mode_probs(new.mu[rows], log_likelihood)

    def _score_misses(
        self, geometry: SensorGeometry, x_hat: FloatArray, updated: np.ndarray, sensor_id: str
    ) -> None:
        """Tracks the sensor should have seen but did not lose score; only sensors that see
        every target (radars) or a track's own cooperative identity count."""
        store = self.store
        n = len(updated)
        if n == 0:
            return
        if geometry.cooperative:
            should_see = store.identity_kind[:n] == geometry.sensor.kind
        elif geometry.sensor.kind == "radar":
            dist = np.linalg.norm(x_hat[:, :3] - geometry.enu_m, axis=1)
            should_see = dist <= geometry.max_range_m
        else:
            return
        missed = should_see & ~updated
        store.score[:n][missed] += np.log(max(1.0 - geometry.pd, 1e-3))

    def _confirm_and_delete(self) -> None:
        store = self.store
        cfg = self.config
        newly = ~store.confirmed & (store.score >= cfg.confirm_score)
        if newly.any():
            count = int(newly.sum())
            store.track_id[newly] = np.arange(self._next_id, self._next_id + count)
            self._next_id += count
            store.confirmed |= newly
            self.stats.tracks_confirmed += count
        dead = (~store.confirmed & (store.score <= cfg.delete_tentative_score)) | (
            store.confirmed & (store.score <= store.max_score - cfg.delete_drop_score)
        )
        if dead.any():
            store.keep(~dead)

    def _delete_stale(self, now_s: float) -> None:
        store = self.store
        if len(store) == 0:
            return
        age = now_s - store.time_s
        limit_confirmed = np.maximum(self.config.max_coast_s, self.config.coast_periods * store.period_s)
        limit_tentative = 2.5 * store.period_s
        stale = np.where(store.confirmed, age > limit_confirmed, age > limit_tentative)
        if stale.any():
            store.keep(~stale)

    def _merge_duplicates(self, rows: np.ndarray, x_hat: FloatArray, p_hat: FloatArray) -> np.ndarray:
        """Two confirmed tracks on one object (two sensors whose reports did not associate, say):
        the older one takes the other's identity and evidence, and the other is to be dropped.
        ``rows`` are the confirmed tracks, ``x_hat``/``p_hat`` their states at one time; positions
        are compared by Mahalanobis distance, velocities directly. Returns a drop mask over the store."""
        store = self.store
        drop = np.zeros(len(store), bool)
        if len(rows) < 2:
            return drop
        sigma = np.sqrt(np.einsum("nii->n", p_hat[:, :3, :3]) / 3.0)
        reach = 4.0 * float(sigma.max()) + self.config.merge_distance_m
        pairs = cKDTree(x_hat[:, :3]).query_pairs(reach, output_type="ndarray")
        if len(pairs) == 0:
            return drop
        i, j = pairs[:, 0], pairs[:, 1]
        dp = x_hat[i, :3] - x_hat[j, :3]
        s = p_hat[i, :3, :3] + p_hat[j, :3, :3]
        d2 = np.einsum("ki,kij,kj->k", dp, imm.inverse_and_logdet(s)[0], dp)
        near = (d2 < 11.34) | (np.linalg.norm(dp, axis=1) < self.config.merge_distance_m)
        alike = np.linalg.norm(x_hat[i, 3:] - x_hat[j, 3:], axis=1) < self.config.merge_speed_diff_ms
        a, b = rows[i], rows[j]
        id_a, id_b = store.identity[a], store.identity[b]
        compatible = (id_a == None) | (id_b == None) | (id_a == id_b)  # noqa: E711
        # Duplicates come from sensors that did not associate with each other; two tracks fed by
        # the same sensors are two objects those sensors resolved (drones flying in formation).
        times_a, times_b = store.sensor_time_s[a], store.sensor_time_s[b]
        resolved = ((times_a == times_b) & np.isfinite(times_a)).any(axis=1)
        same_sensors = (np.isfinite(times_a) == np.isfinite(times_b)).all(axis=1)
        close = near & alike & compatible & ~resolved & ~same_sensors
        for keep_row, lose_row in zip(a[close], b[close], strict=True):
            if drop[keep_row] or drop[lose_row]:
                continue
            if store.track_id[lose_row] < store.track_id[keep_row]:
                keep_row, lose_row = lose_row, keep_row
            if store.identity[keep_row] is None and store.identity[lose_row] is not None:
                store.identity[keep_row] = store.identity[lose_row]
                store.identity_kind[keep_row] = store.identity_kind[lose_row]
                store.callsign[keep_row] = store.callsign[lose_row]
            store.class_votes[keep_row] += store.class_votes[lose_row]
            store.sensor_time_s[keep_row] = np.maximum(
                store.sensor_time_s[keep_row], store.sensor_time_s[lose_row]
            )
            store.radar_time_s[keep_row] = max(store.radar_time_s[keep_row], store.radar_time_s[lose_row])
            store.rcs_sum_dbsm[keep_row] += store.rcs_sum_dbsm[lose_row]
            store.rcs_count[keep_row] += store.rcs_count[lose_row]
            store.period_s[keep_row] = min(store.period_s[keep_row], store.period_s[lose_row])
            drop[lose_row] = True
        return drop
