"""Measurement models: how a Detection sees the ENU state, batched.

A detection measures a subset of these components, named by a *layout*:
    r   slant range from the sensor (m)
    az  azimuth, clockwise from north (rad inside the filter)
    el  elevation (rad)
    rr  range rate (m/s)
    e n u     position in the site frame (m)      (ADS-B, Remote ID, system tracks)
    ve vn vu  velocity (m/s)
Polar radar plots are (r, az, el[, rr]); a radar with only Mode C height gives (r, az, u);
bearing-only sensors give (az[, el]); position reports give (e, n, u[, ve, vn, vu]).
The Jacobian H of each component is analytic (extended Kalman filter). The range rate alone
also gets its second-order terms (``with_range_rate_curvature``): it is bilinear in position
and velocity, so a young track's unknown cross-range speed moves it in a way no Jacobian sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from raqib.geo import FloatArray

ANGLE_COMPONENTS = frozenset({"az", "el"})
POSITION_COMPONENTS = ("e", "n", "u")


@dataclass(frozen=True, slots=True)
class MeasurementBatch:
    """Detections of one layout from one scan: z (K,Z), R (K,Z,Z), sensor positions (K,3)."""

    layout: tuple[str, ...]
    z: FloatArray
    r: FloatArray
    sensor_enu_m: FloatArray
    index: np.ndarray  # positions of these detections in the scan's detection list

    @property
    def is_bearing_only(self) -> bool:
        return "r" not in self.layout and "e" not in self.layout

    def approx_position_enu(self) -> FloatArray:
        """A point estimate of each detection's position (K,3), for spatial gating and initiation."""
        comp = {name: self.z[:, i] for i, name in enumerate(self.layout)}
        if "e" in comp:
            return np.stack([comp["e"], comp["n"], comp["u"]], axis=1)
        rng = comp["r"]
        az = comp["az"]
        if "el" in comp:
            el = comp["el"]
        elif "u" in comp:
            dz = comp["u"] - self.sensor_enu_m[:, 2]
            el = np.arcsin(np.clip(dz / np.maximum(rng, 1.0), -1.0, 1.0))
        else:
            el = np.zeros_like(rng)
        ground = rng * np.cos(el)
        offset = np.stack([ground * np.sin(az), ground * np.cos(az), rng * np.sin(el)], axis=1)
        return np.asarray(self.sensor_enu_m + offset)

    def approx_position_sigma_m(self) -> FloatArray:
        """A rough isotropic position standard deviation of each detection (K,), for gate radii."""
        comp_var = {name: self.r[:, i, i] for i, name in enumerate(self.layout)}
        if "e" in comp_var:
            return np.sqrt(np.maximum(comp_var["e"], comp_var["u"]))
        rng = self.z[:, self.layout.index("r")]
        cross = rng * np.sqrt(comp_var["az"])
        return np.sqrt(np.maximum(comp_var["r"], cross**2) + (rng**2 * comp_var.get("el", 0.0)))


def predict_measurement(
    x: FloatArray, sensor_enu_m: FloatArray, layout: tuple[str, ...]
) -> tuple[FloatArray, FloatArray]:
    """h(x) and its Jacobian for states x (...,6) seen from sensors (...,3).

    Returns z_pred (...,Z) and H (...,Z,6)."""
    d = x[..., :3] - sensor_enu_m
    v = x[..., 3:]
    de, dn, du = d[..., 0], d[..., 1], d[..., 2]
    ground2 = np.maximum(de * de + dn * dn, 1e-6)
    ground = np.sqrt(ground2)
    rng2 = ground2 + du * du
    rng = np.sqrt(rng2)
    shape = x.shape[:-1]
    # Each component is written into its row of the outputs: no array per component to stack
    # afterwards (this runs twice a scan, for gating and for the update, on a few dozen pairs).
    z_pred = np.empty((*shape, len(layout)))
    h_all = np.zeros((*shape, len(layout), 6))
    for row, name in enumerate(layout):
        h = h_all[..., row, :]
        if name == "r":
            value = rng
            h[..., 0], h[..., 1], h[..., 2] = de / rng, dn / rng, du / rng
        elif name == "az":
            value = np.arctan2(de, dn)
            h[..., 0], h[..., 1] = dn / ground2, -de / ground2
        elif name == "el":
            value = np.arctan2(du, ground)
            h[..., 0] = -de * du / (rng2 * ground)
            h[..., 1] = -dn * du / (rng2 * ground)
            h[..., 2] = ground / rng2
        elif name == "rr":
            value = np.einsum("...k,...k->...", d, v) / rng
            h[..., :3] = (v - value[..., None] * d / rng[..., None]) / rng[..., None]
            h[..., 3:] = d / rng[..., None]
        else:
            axis = {"e": 0, "n": 1, "u": 2, "ve": 3, "vn": 4, "vu": 5}[name]
            value = x[..., axis]
            h[..., axis] = 1.0
        z_pred[..., row] = value
    return z_pred, h_all


def innovation(z: FloatArray, z_pred: FloatArray, layout: tuple[str, ...]) -> FloatArray:
    """z - h(x) with angle components wrapped into [-pi, pi)."""
    nu = z - z_pred
    for i, name in enumerate(layout):
        if name in ANGLE_COMPONENTS:
            nu[..., i] = (nu[..., i] + np.pi) % (2 * np.pi) - np.pi
    return nu


def range_rate_curvature(
    x: FloatArray, p: FloatArray, sensor_enu_m: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The second-order terms of the range rate's prediction for states x (...,6) with
    covariances p (...,6,6) seen from sensors (...,3): the mean of rr(x) over the Gaussian less
    rr at its mean, and the variance the linearisation misses, each (...).

    rr = u . v with u the unit line of sight. Its Hessian in (position, velocity) is
    [[Q, M], [M, 0]] with M = (I - u u^T) / r: a cross-range velocity error dv turns the
    line of sight by the position error dp it causes, so rr changes by dp^T M dv. After a
    prediction of dt a young track's position and velocity errors are correlated (P_pv =
    dt P_vv), and a round whose cross-range speed is known to +-300 m/s, 5 km out, drifts in
    range rate by 36 +- 36 m/s a second: what no constant-velocity Jacobian predicts, and what
    makes its second plot's range rate look wrong. The second-order EKF (Bar-Shalom, Li and
    Kirubarajan, 10.3.2) adds the mean tr(M P_pv) and the variance
    tr(M P_vp M P_vp) + tr(M P_vv M P_pp). Q, of order |v| / r^2, is left out: 0.02 m/s for a
    300 m/s round placed to +-40 m at 5 km."""
    d = x[..., :3] - sensor_enu_m
    rng = np.maximum(np.linalg.norm(d, axis=-1), 1.0)
    u = d / rng[..., None]
    m = (np.eye(3) - u[..., :, None] * u[..., None, :]) / rng[..., None, None]
    p_pv, p_vv, p_pp = p[..., :3, 3:], p[..., 3:, 3:], p[..., :3, :3]
    bias = np.einsum("...ij,...ji->...", m, p_pv)
    m_vp = m @ np.swapaxes(p_pv, -1, -2)
    variance = np.einsum("...ij,...ji->...", m_vp, m_vp) + np.einsum("...ij,...ji->...", m @ p_vv, m @ p_pp)
    return bias, np.maximum(variance, 0.0)


def with_range_rate_curvature(
    z: FloatArray,
    r: FloatArray,
    x: FloatArray,
    p: FloatArray,
    sensor_enu_m: FloatArray,
    layout: tuple[str, ...],
) -> tuple[FloatArray, FloatArray]:
    """Measurements z (...,Z) and their noise r (...,Z,Z) as an EKF about x should take them:
    the range rate's second-order mean taken off z, its variance added to r (broadcast to the
    shape of x's batch). Layouts without a range rate are returned as they are."""
    if "rr" not in layout:
        return z, r
    bias, variance = range_rate_curvature(x, p, sensor_enu_m)
    column = layout.index("rr")
    lead = bias.shape
    z_eff = np.array(np.broadcast_to(z, (*lead, len(layout))))
    r_eff = np.array(np.broadcast_to(r, (*lead, len(layout), len(layout))))
    z_eff[..., column] -= bias
    r_eff[..., column, column] += variance
    return z_eff, r_eff
