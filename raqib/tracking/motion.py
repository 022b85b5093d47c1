"""Motion models over the ENU state x = [e, n, u, ve, vn, vu] (m, m/s), batched over tracks.

Every model is linear in the state for a given time step (the ballistic model linearises its
drag about the current velocity), so the interacting multiple model filter can run all
models of all tracks as one (N, M, 6, 6) array pass.

Models (index in the IMM bank):
  0 CV         nearly constant velocity, level: small white-noise acceleration
  1 CT_LEFT    coordinated turn at +turn_rate (counter-clockwise seen from above), level
  2 CT_RIGHT   coordinated turn at -turn_rate, level
  3 MANOEUVRE  nearly constant velocity with loose acceleration on every axis (climbs, dives)
  4 BALLISTIC  gravity and quadratic drag, a free-falling round
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from raqib.geo import FloatArray
from raqib.tracking import kernels

GRAVITY_MS2 = 9.80665

CV, CT_LEFT, CT_RIGHT, MANOEUVRE, BALLISTIC = 0, 1, 2, 3, 4
MODEL_NAMES = ("cv", "ct_left", "ct_right", "manoeuvre", "ballistic")
N_MODELS = 5
STATE_DIM = 6


@dataclass(frozen=True, slots=True)
class MotionConfig:
    # How hard an unmanoeuvring target may still accelerate. Low, because the turn models (and
    # their 2 m/s^2) take the manoeuvres: the CV model's job is to average the radar's
    # cross-range and elevation noise down on straight legs (GOSPA, 3 scenarios: 0.6 -> 0.15
    # m/s^2 took drones-inbound 46 -> 42 m, crossing 67 -> 64 m, swarm 432 -> 389 m). Not
    # lower: 0.05 gained 1-2 % GOSPA but a bird breaking away at 800 m then started a second
    # track in 1 of 12 runs (test_initiation), the CV gate being too narrow for the break.
    cv_accel_sigma_ms2: float = 0.15
    # The CV model and the turns fly level (a drone or an airliner holds its height between
    # climbs, and the radar's elevation, 50-70 m across at 6-8 km, is what the track's height
    # is averaged from); climbs and dives are the manoeuvre model's. When the turns took them
    # too (0.3 m/s^2), swarm-200's heights were 25-29 m rms for the first minute where the
    # plots allowed 20 (the turns hold a quarter of a young track's weight).
    cv_vertical_accel_sigma_ms2: float = 0.01
    turn_rate_deg_s: float = 6.0  # the turn models' rate; fixed-wing drones and airliners turn slower
    turn_accel_sigma_ms2: float = 2.0
    turn_vertical_accel_sigma_ms2: float = 0.01
    # The manoeuvre model: straight, and free to accelerate on every axis: a climb-out, a
    # drone's terminal dive, a bird's erratic flight. Its vertical noise is what the turns had
    # before they flew level: at 0.5 m/s^2 a 5 m/s dive 4 km out was followed to 13 m rms (16 m
    # at 0.3, 20 m at 0.2), but a steady 3 m/s climb's height, once the track had a minute,
    # was 13 m rms (11 m at 0.3, 10 m at 0.2): tests/tracking/test_height.py.
    manoeuvre_accel_sigma_ms2: float = 2.0
    manoeuvre_vertical_accel_sigma_ms2: float = 0.3
    ballistic_accel_sigma_ms2: float = 4.0  # absorbs the unknown drag of the actual round ...
    # ... which acts along its velocity. Across it, only what the ballistic model leaves out
    # pushes a round: crosswind drift, k |v| v_wind, a few tenths of m/s^2. Isotropic 4 m/s^2
    # let a young track's cross-range velocity wander (the impact of the round aimed between
    # rockets-near-zone's two zones swung 150 m across its path from scan to scan).
    ballistic_cross_accel_sigma_ms2: float = 0.5
    ballistic_drag_per_m: float = 1.0e-4  # rho * Cd * A / (2 m) of a nominal 107 mm rocket
    mean_sojourn_s: float = 60.0  # how long a target stays in one level mode (CV, a turn), on average
    # Leaving the manoeuvre model for a level one is made rare. The IMM's mixing hands each
    # model the others' estimates with their spread, and the manoeuvre model's vertical
    # velocity, loose by metres a second, leaked into the level models' (swarm-200's CV model:
    # 0.3 -> 0.7 m/s within 30 s); a level model wins its weight back by its likelihood alone
    # (imm.update_mode_probs keeps every model alive). At 600 s: swarm-200 GOSPA 338 m, at 6000 s
    # 336 m, at the level models' 60 s 342 m.
    manoeuvre_exit_s: float = 6000.0
    # A drone or aircraft does not turn into a free-falling round: the ballistic mode is
    # entered about once in this long, and never left (a round does not turn into a drone).
    # Mixing the ballistic model's estimates into the air models, with their gravity-driven
    # vertical velocity hundreds of m/s from the drone's in a young track, was the largest
    # source of a level track's height error (swarm-200, the air models' vertical noise off:
    # the CV model's vertical velocity sigma went 0.05 -> 0.9 m/s in a track's first 10 s).
    ballistic_switch_s: float = 6000.0
    # CV, left turn, right turn, manoeuvre, ballistic. A new track's loose models cost a level
    # one: its first plots' noise, weighted into them, stays in the output for a minute of a
    # 70 m elevation sigma. Swarm-200 mean GOSPA over seeds 1-5: 330.3 m at (0.55, 0.12, 0.12,
    # 0.06, 0.15), 326.2 m here (seed 3 worse by 4 m, the others better by 2-9 m); the small
    # scenarios moved by 0.2 m at most, the rounds (bench_ballistic --quick) not at all.
    initial_mode_probs: tuple[float, ...] = (0.75, 0.04, 0.04, 0.02, 0.15)


AIR_DENSITY_SCALE_HEIGHT_M = 8500.0


def ballistic_acceleration(
    velocity_ms: FloatArray, drag_per_m: FloatArray | float, height_m: FloatArray | float = 0.0
) -> FloatArray:
    """a = g - k(h) |v| v for velocities (..., 3) -> (..., 3), where k is the drag constant at the
    site's height and falls with the air's density, k(h) = k exp(-h / 8.5 km)."""
    velocity_ms = np.asarray(velocity_ms, float)
    # np.linalg.norm's own arithmetic for real arrays, without its checks and copies (this runs
    # every scan for every track's ballistic model).
    speed = np.sqrt(np.add.reduce(velocity_ms * velocity_ms, axis=-1, keepdims=True))
    k = np.asarray(drag_per_m, float) * np.exp(-np.asarray(height_m, float) / AIR_DENSITY_SCALE_HEIGHT_M)
    accel = -k[..., None] * speed * velocity_ms if np.ndim(k) else -float(k) * speed * velocity_ms
    accel[..., 2] -= GRAVITY_MS2
    return np.asarray(accel)


def _bank_noise_sigma2(config: MotionConfig) -> FloatArray:
    """Each model's white-noise acceleration variance per axis (M, 3): east, north, up."""
    sigmas = (
        (config.cv_accel_sigma_ms2, config.cv_vertical_accel_sigma_ms2),
        (config.turn_accel_sigma_ms2, config.turn_vertical_accel_sigma_ms2),
        (config.turn_accel_sigma_ms2, config.turn_vertical_accel_sigma_ms2),
        (config.manoeuvre_accel_sigma_ms2, config.manoeuvre_vertical_accel_sigma_ms2),
        (config.ballistic_accel_sigma_ms2, config.ballistic_accel_sigma_ms2),
    )
    return np.array([[h * h, h * h, v * v] for h, v in sigmas])


@functools.lru_cache(maxsize=16)
def _bank_constants(config: MotionConfig) -> tuple[FloatArray, FloatArray, FloatArray]:
    """What predict_bank needs of a configuration, built once for it: each model's turn rate
    (M,), white-noise acceleration variances (M, 3) and their diagonal covariances (M, 3, 3).
    Shared between calls: read, never written (writable all the same, for Numba's sake: a
    read-only array would compile the kernel again)."""
    omega = np.radians(config.turn_rate_deg_s)
    turn_rate_rad_s = np.zeros(N_MODELS)
    turn_rate_rad_s[CT_LEFT], turn_rate_rad_s[CT_RIGHT] = omega, -omega
    sigma2 = _bank_noise_sigma2(config)
    accel_cov = np.zeros((N_MODELS, 3, 3))
    axes = np.arange(3)
    accel_cov[:, axes, axes] = sigma2
    return turn_rate_rad_s, sigma2, accel_cov


def predict_bank(
    x: FloatArray, p: FloatArray, dt: FloatArray, config: MotionConfig
) -> tuple[FloatArray, FloatArray]:
    """Predict every model of every track by dt (N,): x (N, M, 6), P (N, M, 6, 6) -> same shapes.

    CV and the ballistic model fly straight; the two coordinated turns rotate the horizontal
    velocity at +turn_rate and -turn_rate (vertical motion is constant velocity); the
    ballistic model adds the acceleration of gravity and drag as a known input. Each model's
    white-noise acceleration covariance is built here and the transitions are applied, for
    all models of all tracks at once, by kernels.predict_kernel."""
    n = len(dt)
    dt = kernels.as_input(dt)
    turn_rate_rad_s, sigma2, model_accel_cov = _bank_constants(config)  # (M,), (M, 3), (M, 3, 3)
    accel_cov = np.empty((n, N_MODELS, 3, 3))
    accel_cov[:] = model_accel_cov
    # The ballistic model's noise: ballistic_accel_sigma along its velocity (the unknown drag),
    # ballistic_cross_accel_sigma across it; isotropic while it has no velocity yet.
    v_ballistic = x[:, BALLISTIC, 3:]
    speed = np.sqrt(np.einsum("ni,ni->n", v_ballistic, v_ballistic))
    moving = speed > 1.0
    along = v_ballistic * (moving / np.maximum(speed, 1e-9))[:, None]
    along_var = sigma2[BALLISTIC, 0]
    cross_var = np.where(moving, config.ballistic_cross_accel_sigma_ms2**2, along_var)
    ballistic_cov = accel_cov[:, BALLISTIC]
    ballistic_cov[:] = (along_var - cross_var)[:, None, None] * (along[:, :, None] * along[:, None, :])
    # Its diagonal as a strided view of the (contiguous) covariances: cheaper than fancy indexing.
    accel_cov.reshape(n, N_MODELS, 9)[:, BALLISTIC, ::4] += cross_var[:, None]
    x = kernels.as_input(x)
    x_pred, p_pred = np.empty_like(x), np.empty((n, N_MODELS, STATE_DIM, STATE_DIM))
    kernels.predict_kernel(x, kernels.as_input(p), dt, turn_rate_rad_s, accel_cov, x_pred, p_pred)
    # Ballistic: the acceleration at the start of the step, applied as a known input;
    # the drag's dependence on velocity is left to the process noise.
    accel = ballistic_acceleration(x[:, BALLISTIC, 3:], config.ballistic_drag_per_m, x[:, BALLISTIC, 2])
    x_pred[:, BALLISTIC, :3] += 0.5 * accel * dt[:, None] ** 2
    x_pred[:, BALLISTIC, 3:] += accel * dt[:, None]
    return x_pred, p_pred


def mode_transition(dt: FloatArray, config: MotionConfig) -> FloatArray:
    """Markov mode transition matrices (N, M, M) for steps dt, from row to column. Among the
    level models (CV, the two turns) stay with probability exp(-dt/mean_sojourn_s), switching to
    each other air-breathing model alike; the manoeuvre model is left for each level one with
    probability (1 - exp(-dt/manoeuvre_exit_s)) / 3 (see MotionConfig); the ballistic model is
    entered with probability 1 - exp(-dt/ballistic_switch_s), and never left."""
    dt = np.maximum(dt, 0.0)
    n = len(dt)
    # The three exponentials, exp(-dt / scale) for the ballistic switch, the level models'
    # sojourn and the manoeuvre model's exit, as one array pass: the same values as three
    # (x / -s is -x / s exactly), in fewer NumPy calls; this runs every scan.
    scales_s = np.array([-config.ballistic_switch_s, -config.mean_sojourn_s, -config.manoeuvre_exit_s])
    leave_or_switch = 1.0 - np.exp(dt[:, None] / scales_s)
    to_ballistic = leave_or_switch[:, 0]
    stay_air = 1.0 - to_ballistic
    air = BALLISTIC  # the air-breathing models are the ones before it
    level = MANOEUVRE  # ... and the level ones those before the manoeuvre model
    leave = np.empty((n, air))
    leave[:, :level] = leave_or_switch[:, 1:2]
    leave[:, MANOEUVRE] = leave_or_switch[:, 2]
    pi = np.zeros((n, N_MODELS, N_MODELS))
    pi[:, :air, :air] = (leave * stay_air[:, None] / (air - 1))[:, :, None]
    # The air models' diagonal, entries 0, 6, 12 and 18 of each flattened 5x5 matrix.
    pi.reshape(n, N_MODELS * N_MODELS)[:, : air * (N_MODELS + 1) : N_MODELS + 1] = (1.0 - leave) * stay_air[
        :, None
    ]
    pi[:, :air, BALLISTIC] = to_ballistic[:, None]
    pi[:, BALLISTIC, BALLISTIC] = 1.0
    return pi
