// Spherical approximations for drawing only (the server decides on the ellipsoid).

const EARTH_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** The point `distanceM` from (lon, lat) along `trackDeg`: ample for a 60 s look-ahead. */
export function destination(lon, lat, trackDeg, distanceM) {
  const d = distanceM / EARTH_M;
  const t = trackDeg * RAD;
  const p1 = lat * RAD;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(t));
  const l2 = lon * RAD + Math.atan2(Math.sin(t) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [l2 / RAD, p2 / RAD];
}

/** `lon` moved by whole turns to lie within 180° of `near`, so that a line does not wrap the
 * globe when it crosses the antimeridian. */
export function beside(lon, near) {
  return lon + 360 * Math.round((near - lon) / 360);
}
