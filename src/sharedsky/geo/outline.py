"""Footprint outlines in longitude/latitude, for drawing on a map (never for decisions).

A footprint is its core grown by its radius (:mod:`sharedsky.geo.footprint`). Decisions use
the exact ``d(core) − r``; a map needs rings. The core is grown in the footprint's own
gnomonic frame, where geodesic edges are straight, and the rings are brought back to the
ellipsoid. The frame stretches distances by up to ``1/cos²θ`` away from its centre, so the
drawn band of a long corridor narrows a little towards its ends (under 2 % at 1,000 km):
invisible at map scale, and the reason this module is not used to decide anything.

Longitudes are continuous along each ring (they may run past ±180 across the antimeridian), as
web maps draw them; the first vertex of the exterior is within [-180, 180].
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

from sharedsky.geo.footprint import FootprintGeometry

__all__ = ["OUTLINE_TOLERANCE_M", "outline_lonlat"]

Array = npt.NDArray[np.float64]

OUTLINE_TOLERANCE_M = 50.0
"""Rings are simplified to within this distance of the grown core (a pixel at zoom 11)."""

Ring = list[list[float]]
"""A closed ring of ``[lon, lat]`` pairs (GeoJSON order)."""


def outline_lonlat(
    geometry: FootprintGeometry, *, tolerance_m: float = OUTLINE_TOLERANCE_M
) -> list[list[Ring]]:
    """The footprint as GeoJSON polygon coordinates: a list of polygons, each an exterior
    ring followed by its holes (a corridor whose band closes on itself has a hole).

    >>> from sharedsky.geo.footprint import circle
    >>> [[ring]] = outline_lonlat(circle((36.0, 35.0), 10_000.0))
    >>> ring[0] == ring[-1], round(min(p[1] for p in ring), 2), round(max(p[1] for p in ring), 2)
    (True, 34.91, 35.09)
    """
    frame = geometry.frame()
    core = geometry.in_frame(frame)
    grown = (
        core if geometry.radius_m == 0.0 else shapely.buffer(core, geometry.radius_m, quad_segs=32)
    )
    simple = shapely.simplify(grown, tolerance_m, preserve_topology=True)
    parts = shapely.get_parts(simple)
    polygons: list[list[Ring]] = []
    for part in parts:
        if shapely.is_empty(part) or shapely.get_type_id(part) != 3:
            continue
        rings = [part.exterior, *part.interiors]
        lonlat = [
            _lonlat(frame.unproject_lonlat(np.asarray(r.coords, dtype=np.float64))) for r in rings
        ]
        polygons.append(_aligned(lonlat))
    return polygons


def _lonlat(pair: tuple[Array, Array]) -> Array:
    lon, lat = pair
    continuous = np.degrees(np.unwrap(np.radians(lon)))
    return np.column_stack([continuous, lat])


def _aligned(rings: list[Array]) -> list[Ring]:
    """Rings shifted by whole turns so that the exterior starts in [-180, 180] and every hole
    lies beside it (not a turn away)."""
    start = rings[0][0, 0]
    shift = -360.0 * np.round(start / 360.0)
    reference = start + shift
    out: list[Ring] = []
    for ring in rings:
        turns = np.round((ring[0, 0] - reference) / 360.0)
        moved = ring.copy()
        moved[:, 0] -= 360.0 * turns
        moved[-1] = moved[0]
        out.append(np.round(moved, 7).tolist())
    return out
