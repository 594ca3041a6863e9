"""The WGS-84 ellipsoid: the one ``pyproj.Geod`` and conversions to and from Earth-centred,
Earth-fixed (ECEF) coordinates on its surface.

Longitude and latitude are WGS-84 degrees; ECEF coordinates are metres. Footprints live on the
surface (height 0): altitude is carried separately by the volume.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pyproj import Geod

__all__ = [
    "A_M",
    "B_M",
    "E2",
    "MEAN_RADIUS_M",
    "WGS84",
    "ecef_from_lonlat",
    "geodesic_distance_m",
    "lonlat_from_ecef",
]

Array = npt.NDArray[np.float64]

WGS84 = Geod(ellps="WGS84")
"""The geodesic calculator every distance, area and densification in sharedsky uses."""

A_M = 6_378_137.0
_F = 1 / 298.257223563
B_M = A_M * (1 - _F)
E2 = _F * (2 - _F)
MEAN_RADIUS_M = 6_371_008.8


def ecef_from_lonlat(lon_deg: npt.ArrayLike, lat_deg: npt.ArrayLike) -> Array:
    """ECEF metres, shape ``(..., 3)``, of surface points given in WGS-84 degrees."""
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    sin_lat = np.sin(lat)
    cos_lat = np.cos(lat)
    n = A_M / np.sqrt(1.0 - E2 * sin_lat * sin_lat)
    return np.stack(
        [n * cos_lat * np.cos(lon), n * cos_lat * np.sin(lon), n * (1.0 - E2) * sin_lat], axis=-1
    )


def lonlat_from_ecef(xyz: npt.ArrayLike) -> tuple[Array, Array]:
    """WGS-84 degrees of ECEF points that lie on the ellipsoid's surface (height 0).

    On the surface the geodetic latitude is exact in closed form:
    ``tan(lat) = z / ((1 - e²) · p)``.
    """
    p = np.asarray(xyz, dtype=np.float64)
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    lon = np.degrees(np.arctan2(y, x))
    lat = np.degrees(np.arctan2(z, (1.0 - E2) * np.hypot(x, y)))
    return lon, lat


def geodesic_distance_m(
    lon1_deg: npt.ArrayLike,
    lat1_deg: npt.ArrayLike,
    lon2_deg: npt.ArrayLike,
    lat2_deg: npt.ArrayLike,
) -> Array:
    """Geodesic distance in metres between points (broadcasts like a ufunc)."""
    lon1, lat1, lon2, lat2 = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (lon1_deg, lat1_deg, lon2_deg, lat2_deg))
    )
    _, _, dist = WGS84.inv(lon1.ravel(), lat1.ravel(), lon2.ravel(), lat2.ravel())
    return np.asarray(dist, dtype=np.float64).reshape(lon1.shape)
