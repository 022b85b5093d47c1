"""Point-mass ballistics: gravity and quadratic drag, integrated (RK4) over many rounds at once.

    dv/dt = g - k * (rho(h) / rho0) * |v| * v        k = rho0 / (2 * BC)  [1/m]
    rho(h) = rho0 * exp(-h / H)                      BC = m / (Cd * A)   [kg/m^2]

Positions are the site's ENU metres; the ground is the site's altitude on the curved Earth
(:func:`height_above_ground_m`). Also: where a round lands (:func:`fly_to_impact`) and how to
aim one at a point (:func:`solve_elevation`), which the built-in scenarios were designed with.
"""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np
from scipy import optimize

from raqib.geo import FloatArray
from raqib.scenario.frames import height_above_ground_m

GRAVITY_MS2 = 9.80665
SEA_LEVEL_DENSITY_KG_M3 = 1.225
SCALE_HEIGHT_M = 8_500.0
IMPACT_STEP_S = 0.1


def drag_per_m(ballistic_coefficient_kg_m2: float) -> float:
    """k = rho0 / (2 BC): deceleration per speed squared at sea level."""
    return SEA_LEVEL_DENSITY_KG_M3 / (2.0 * ballistic_coefficient_kg_m2)


def launch_velocity(azimuth_deg: Any, elevation_deg: Any, speed_ms: Any) -> FloatArray:
    """ENU velocity (..., 3) of a launch at azimuth (clockwise from north) and elevation."""
    az, el = np.radians(azimuth_deg), np.radians(elevation_deg)
    speed = np.asarray(speed_ms, float)
    return np.stack(
        [speed * np.cos(el) * np.sin(az), speed * np.cos(el) * np.cos(az), speed * np.sin(el)], -1
    )


def acceleration(position_m: FloatArray, velocity_ms: FloatArray, k_per_m: FloatArray) -> FloatArray:
    """Gravity plus drag for rounds (N, 3) with drag constants (N,)."""
    density_ratio = np.exp(-np.maximum(height_above_ground_m(position_m), 0.0) / SCALE_HEIGHT_M)
    speed = np.linalg.norm(velocity_ms, axis=-1)
    accel = -(k_per_m * density_ratio * speed)[..., None] * velocity_ms
    accel[..., 2] -= GRAVITY_MS2
    return np.asarray(accel)


def rk4_step(
    position_m: FloatArray, velocity_ms: FloatArray, k_per_m: FloatArray, dt_s: float
) -> tuple[FloatArray, FloatArray]:
    """One classical Runge-Kutta step of (position, velocity) for all rounds."""
    a1 = acceleration(position_m, velocity_ms, k_per_m)
    v2 = velocity_ms + 0.5 * dt_s * a1
    a2 = acceleration(position_m + 0.5 * dt_s * velocity_ms, v2, k_per_m)
    v3 = velocity_ms + 0.5 * dt_s * a2
    a3 = acceleration(position_m + 0.5 * dt_s * v2, v3, k_per_m)
    v4 = velocity_ms + dt_s * a3
    a4 = acceleration(position_m + dt_s * v3, v4, k_per_m)
    new_position = position_m + dt_s / 6.0 * (velocity_ms + 2.0 * v2 + 2.0 * v3 + v4)
    new_velocity = velocity_ms + dt_s / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4)
    return new_position, new_velocity


def ground_crossing(height_before_m: FloatArray, height_after_m: FloatArray) -> FloatArray:
    """Fraction of a step at which the height reaches zero (linear within the step)."""
    drop = height_before_m - height_after_m
    return np.asarray(
        np.clip(np.divide(height_before_m, drop, out=np.ones_like(drop), where=drop > 0), 0.0, 1.0)
    )


class Impact(msgspec.Struct, frozen=True):
    """Where and when rounds land: time_s (N,), position_m (N, 3) ENU, velocity_ms (N, 3)."""

    time_s: FloatArray
    position_m: FloatArray
    velocity_ms: FloatArray


def fly_to_impact(
    position_m: Any, velocity_ms: Any, k_per_m: Any, step_s: float = IMPACT_STEP_S, max_time_s: float = 600.0
) -> Impact:
    """Integrates rounds (N, 3) from launch to the ground, all at once (landed rounds keep
    being stepped, below ground, until the last lands: cheaper than taking them out)."""
    position = np.array(position_m, float, ndmin=2)
    velocity = np.array(velocity_ms, float, ndmin=2)
    k = np.broadcast_to(np.asarray(k_per_m, float), position.shape[:1]).copy()
    count = len(position)
    landed = np.zeros(count, bool)
    impact_time = np.full(count, np.nan)
    impact_position = np.full((count, 3), np.nan)
    impact_velocity = np.full((count, 3), np.nan)
    height = height_above_ground_m(position)
    time_s = 0.0
    while not landed.all() and time_s < max_time_s:
        new_position, new_velocity = rk4_step(position, velocity, k, step_s)
        new_height = height_above_ground_m(new_position)
        hit = (new_height <= 0.0) & ~landed
        if hit.any():
            fraction = ground_crossing(height[hit], new_height[hit])[:, None]
            impact_time[hit] = time_s + fraction[:, 0] * step_s
            impact_position[hit] = position[hit] + fraction * (new_position[hit] - position[hit])
            impact_velocity[hit] = velocity[hit] + fraction * (new_velocity[hit] - velocity[hit])
            landed |= hit
        position, velocity, height = new_position, new_velocity, new_height
        time_s += step_s
    return Impact(time_s=impact_time, position_m=impact_position, velocity_ms=impact_velocity)


def solve_elevation(
    launch_m: Any, target_en_m: Any, speed_ms: float, k_per_m: float, high_angle: bool = False
) -> tuple[float, float]:
    """Azimuth and elevation (degrees) that land a round on ``target_en_m`` (east, north).

    Drag and gravity act in the vertical plane of the shot, so the azimuth is the bearing to
    the target; the elevation comes from bisection on the range, over the low (or high)
    branch of the range curve. Raises ValueError when the target is out of reach."""
    launch = np.asarray(launch_m, float)
    target = np.asarray(target_en_m, float)
    offset = target - launch[:2]
    azimuth_deg = float(np.degrees(np.arctan2(offset[0], offset[1])) % 360.0)
    wanted_m = float(np.hypot(*offset))

    def ranges(elevations_deg: FloatArray) -> FloatArray:
        velocity = launch_velocity(azimuth_deg, elevations_deg, speed_ms)
        impact = fly_to_impact(np.broadcast_to(launch, velocity.shape), velocity, k_per_m)
        return np.asarray(np.hypot(*(impact.position_m[:, :2] - launch[:2]).T))

    grid = np.linspace(0.5, 85.0, 170)
    reach = ranges(grid)
    best = int(np.argmax(reach))
    if reach[best] < wanted_m:
        raise ValueError(f"out of reach: {wanted_m:.0f} m wanted, {reach[best]:.0f} m at most")
    # on either side of the farthest shot the range is monotonic in elevation: bracket and solve
    if high_angle:
        beyond = (
            best + int(np.argmax(reach[best:] < wanted_m))
            if (reach[best:] < wanted_m).any()
            else len(grid) - 1
        )
        low, high = grid[beyond - 1], grid[beyond]
    else:
        below = (
            int(np.flatnonzero(reach[: best + 1] < wanted_m)[-1])
            if (reach[: best + 1] < wanted_m).any()
            else 0
        )
        low, high = grid[below], grid[min(below + 1, best)]

    def miss_m(elevation_deg: float) -> float:
        return float(ranges(np.array([elevation_deg]))[0]) - wanted_m

    elevation = optimize.brentq(miss_m, low, high, xtol=1e-6) if miss_m(low) * miss_m(high) < 0 else low
    return azimuth_deg, float(elevation)
