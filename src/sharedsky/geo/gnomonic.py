"""A local plane in which geodesic footprint edges are straight: the geocentric gnomonic frame.

Each point is projected along the ray from the Earth's centre onto the plane perpendicular to
the centre point's geocentric direction. Every plane through the Earth's centre (so every
great-ellipse arc) maps to a straight line, and the map is a homeomorphism of the hemisphere
around the centre, so "do these footprints intersect" has the same answer in the plane as on
the ellipsoid. A WGS-84 geodesic leaves its great-ellipse plane by less than
``GEODESIC_PLANE_DEVIATION_PER_M2 · L²`` over an edge of length L (6.6 mm at 10 km), which is
why footprint edges are densified (see :mod:`sharedsky.geo.footprint`).

Distances in the plane are stretched by at most ``1 / cos²θ`` (θ the angle from the centre)
and shrunk by at most the ellipsoid's flattening; :func:`max_stretch` bounds the error so that
callers can make safe decisions before they compute exact geodesic distances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sharedsky.geo.ellipsoid import A_M, B_M, lonlat_from_ecef

__all__ = ["GnomonicFrame", "angle_between", "max_stretch"]

Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class GnomonicFrame:
    """A plane at ``origin`` (ECEF metres on the surface); x east, y north, in metres.

    ``axes`` holds the east, north and up unit vectors as rows; ``distance_m`` is the origin's
    distance from the Earth's centre.
    """

    origin: Array
    axes: Array
    distance_m: float

    @classmethod
    def at(cls, point_ecef: npt.ArrayLike) -> GnomonicFrame:
        ox, oy, oz = (float(v) for v in np.asarray(point_ecef, dtype=np.float64))
        r = math.sqrt(ox * ox + oy * oy + oz * oz)
        ux, uy, uz = ox / r, oy / r, oz / r
        h = math.hypot(ux, uy)
        # At a pole "east" is undefined; any horizontal direction will do.
        ex, ey = (-uy / h, ux / h) if h > 1e-12 else (1.0, 0.0)
        north = (-uz * ey, uz * ex, ux * ey - uy * ex)
        axes = np.array([[ex, ey, 0.0], north, [ux, uy, uz]])
        return cls(origin=np.array([ox, oy, oz]), axes=axes, distance_m=r)

    def project(self, xyz: Array) -> Array:
        """Plane coordinates ``(n, 2)`` of ECEF points ``(n, 3)`` in the frame's hemisphere."""
        local = xyz @ self.axes.T
        return local[:, :2] * (self.distance_m / local[:, 2:3])

    def unproject(self, xy: Array) -> Array:
        """ECEF points on the ellipsoid's surface ``(n, 3)`` of plane coordinates ``(n, 2)``."""
        ray = self.origin + xy @ self.axes[:2]
        t = 1.0 / np.sqrt(
            (ray[:, 0] ** 2 + ray[:, 1] ** 2) / (A_M * A_M) + ray[:, 2] ** 2 / (B_M * B_M)
        )
        return ray * t[:, None]

    def unproject_lonlat(self, xy: Array) -> tuple[Array, Array]:
        return lonlat_from_ecef(self.unproject(xy))


def angle_between(u: Array, v: Array) -> Array:
    """Angle in radians between unit vectors (broadcast over the leading axes)."""
    cross = np.linalg.norm(np.cross(u, v), axis=-1)
    return np.asarray(np.arctan2(cross, np.sum(u * v, axis=-1)), dtype=np.float64)


def max_stretch(theta_rad: Array | float) -> Array:
    """Upper bound of plane distance / geodesic distance for points within θ of the centre."""
    theta = np.minimum(np.asarray(theta_rad, dtype=np.float64), 1.2)
    # 1/cos²θ for the projection, 1 % for the ellipsoid's flattening and curvature radii.
    return np.asarray(1.01 / np.cos(theta) ** 2, dtype=np.float64)
