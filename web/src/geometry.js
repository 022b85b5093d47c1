// Small-area geometry on the map: metres east/north of a point to longitude/latitude,
// circles, and the ellipses of a covariance or a predicted impact.

const EARTH_RADIUS_M = 6371008.8;
const DEG = Math.PI / 180;

/** [lon, lat] of the point `east_m`, `north_m` from [lon, lat] (flat earth: fine within tens of km). */
export function offset([lon, lat], east_m, north_m) {
  const dLat = north_m / EARTH_RADIUS_M / DEG;
  const dLon = east_m / (EARTH_RADIUS_M * Math.cos(lat * DEG)) / DEG;
  return [lon + dLon, lat + dLat];
}

/** A closed ring approximating a circle of `radius_m` about [lon, lat]. */
export function circleRing(center, radius_m, steps = 64) {
  const ring = [];
  for (let i = 0; i <= steps; i++) {
    const a = (2 * Math.PI * i) / steps;
    ring.push(offset(center, radius_m * Math.sin(a), radius_m * Math.cos(a)));
  }
  return ring;
}

/** A closed ring for an ellipse: semi-axes in metres, the major axis at `azimuth_deg` from north. */
export function ellipseRing(center, semiMajor_m, semiMinor_m, azimuth_deg, steps = 48) {
  const az = azimuth_deg * DEG;
  const ring = [];
  for (let i = 0; i <= steps; i++) {
    const t = (2 * Math.PI * i) / steps;
    const along = semiMajor_m * Math.cos(t);
    const across = semiMinor_m * Math.sin(t);
    ring.push(offset(center, along * Math.sin(az) + across * Math.cos(az),
                             along * Math.cos(az) - across * Math.sin(az)));
  }
  return ring;
}

// 95 % of a 2-D Gaussian lies within sqrt(chi2(2 dof, 0.95)) = 2.4477 standard deviations.
export const SIGMA_95_2D = 2.4477;

/** The 95 % horizontal position ellipse of a 6x6 row-major ENU covariance, or null. */
export function covarianceEllipse(cov) {
  if (!cov || cov.length < 8) return null;
  const ee = cov[0], en = cov[1], nn = cov[7];
  const mean = (ee + nn) / 2;
  const spread = Math.sqrt(((ee - nn) / 2) ** 2 + en * en);
  const major = Math.sqrt(Math.max(mean + spread, 0)) * SIGMA_95_2D;
  const minor = Math.sqrt(Math.max(mean - spread, 0)) * SIGMA_95_2D;
  // the major axis's angle from east, turned into an azimuth from north
  const fromEast = 0.5 * Math.atan2(2 * en, ee - nn);
  const azimuth_deg = (90 - fromEast / DEG + 360) % 360;
  return { semiMajor_m: major, semiMinor_m: minor, azimuth_deg };
}

/** Translate a [lat, lon] polygon by a lon/lat delta. */
export function movePolygon(polygon, dLon, dLat) {
  return polygon.map(([lat, lon]) => [lat + dLat, lon + dLon]);
}
