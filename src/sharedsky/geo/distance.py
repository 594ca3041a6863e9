"""Exact lateral gaps between footprints on the WGS-84 ellipsoid.

The gap between two footprints is the geodesic distance between them when they are apart,
and minus their overlap's depth when they overlap.

* Apart: ``d(core_a, core_b) - r_a - r_b`` with ``d`` geodesic. The decision "is the gap below
  the limit" is exact to 1 cm (the tests hold it there). The gap returned is the geodesic
  distance between the two footprint points nearest in the first footprint's gnomonic frame:
  exact for two circles, otherwise longer than the true gap by at most about 3e-6 of it
  (2 cm at 6 NM), and refined to the millimetre whenever it is within 0.5 % + 1 m of the
  limit, where the decision could turn on it.
* Overlapping: minus the overlap's depth, ``r_a + r_b - d(core_a, core_b)`` while the cores
  are apart (exactly the overlap's width along the line between two circles' centres), and
  ``r_a + r_b + p`` once they intersect, where ``p`` is how far the cores reach into each
  other: the width of two areas' overlap (twice its area over its perimeter), the depth of a
  point or of a line's deepest vertex inside an area (for two areas the larger of that and
  the overlap's width), 0 between points and lines. Overlap
  magnitudes are measured in the first footprint's gnomonic frame (to 1 % within 500 km of
  its centre). Footprints that only touch, or overlap by less than 1 cm (two polygons sharing
  an edge, whose geodesic densifications differ by micrometres), have a gap of 0: with zero
  buffers they do not conflict, as F3548's 1 cm intersection precision allows.

How: both cores are drawn in the gnomonic frame of the first (straight edges, same topology
as on the ellipsoid, so "the cores intersect" is decided there exactly); a bound on the frame's
stretch discards pairs certainly further apart than the caller's limit; the nearest points of
the rest are measured geodesically, and the uncertain ones are found again in a frame centred
between them, where the plane is true to well under a millimetre over the distances involved.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely

from sharedsky.geo.ellipsoid import A_M, B_M, WGS84, lonlat_from_ecef
from sharedsky.geo.footprint import CoreKind, FootprintGeometry
from sharedsky.geo.gnomonic import GnomonicFrame, max_stretch
from sharedsky.geo.kernels import angles_to_core

__all__ = ["core_distance_m", "lateral_gap_m", "lateral_gaps_m"]

Array = npt.NDArray[np.float64]

_REFINEMENTS = 1
_MIN_DEPTH_M = 0.01
_SURE_M = 1.0
_SURE_FRACTION = 0.005


def lateral_gaps_m(
    a: FootprintGeometry, others: Sequence[FootprintGeometry], limit_m: npt.ArrayLike
) -> Array:
    """Gaps from ``a`` to each of ``others`` that are below ``limit_m``; ``inf`` for the rest.

    Every finite value returned is the gap (see the module docstring) and is below its limit;
    ``inf`` means the gap is at least the limit. Work is batched over ``others``.
    """
    n = len(others)
    limits = np.broadcast_to(np.asarray(limit_m, dtype=np.float64), (n,))
    out = np.full(n, np.inf)
    if n == 0:
        return out
    frame = a.frame()
    core_a = a.in_frame(frame)
    centres = np.array([b.centre for b in others])
    spread = np.array([b.angular_radius_rad for b in others])
    # The prefilter pays for itself only over many footprints, and for a point core it
    # would repeat the caps' test that callers such as the engine have already made.
    if n >= _REACH_MIN_BATCH and a.core is not CoreKind.POINT:
        kept = np.flatnonzero(_within_reach(a, frame, core_a, centres, spread, limits))
    else:
        kept = np.arange(n)
    if len(kept):
        out[kept] = _gaps(
            a,
            frame,
            core_a,
            [others[int(i)] for i in kept],
            limits[kept],
            centres[kept],
            spread[kept],
        )
    return out


_REACH_MIN_BATCH = 16
_SLACK_RAD = 1e-9
"""Rounding allowance (6 mm) of the angles :func:`_within_reach` compares."""


def _within_reach(
    a: FootprintGeometry,
    frame: GnomonicFrame,
    core_a: shapely.Geometry,
    centres: Array,
    spread: Array,
    limits: Array,
) -> npt.NDArray[np.bool_]:
    """False where a footprint, known by its bounding cap, is certainly at least its limit
    from ``a``: the cap is further from ``a``'s core than ``a``'s radius and the limit allow
    (points at a geocentric angle θ are at least 2·b·sin(θ/2) apart on the ellipsoid). Much
    finer than the two footprints' caps for long corridors and large polygons."""
    limit_rad = 2 * np.arcsin(np.clip(limits / (2 * B_M), 0.0, 1.0))
    enough = spread + a.radius_m / (B_M * B_M / A_M) + 1e-7 + limit_rad + _SLACK_RAD
    units = a.xyz / np.linalg.norm(a.xyz, axis=1)[:, None]
    angles = angles_to_core(
        units,
        np.array(a.starts, dtype=np.int64),
        np.array(a.ring_lengths, dtype=np.int64),
        centres,
        enough,
    )
    near = np.asarray(angles <= enough, dtype=np.bool_)
    if a.core is CoreKind.AREA:
        # A cap centred inside the area is near it whatever the distance to its rings; the
        # frame shows every centre in the area's hemisphere (others are kept).
        far = np.flatnonzero(~near)
        facing = far[centres[far] @ a.centre > 0.0]
        xy = frame.project(centres[facing])
        near[far] = True
        near[facing] = shapely.intersects_xy(core_a, xy[:, 0], xy[:, 1])
    return near


def _gaps(
    a: FootprintGeometry,
    frame: GnomonicFrame,
    core_a: shapely.Geometry,
    others: Sequence[FootprintGeometry],
    limits: Array,
    centres: Array,
    spread: Array,
) -> Array:
    """:func:`lateral_gaps_m` for footprints not known to be out of reach."""
    out = np.full(len(others), np.inf)
    cores = cores_in_frame(others, frame)
    plane = np.asarray(shapely.distance(core_a, cores), dtype=np.float64)
    cosine = np.clip(centres @ a.centre, -1.0, 1.0)
    reach = np.maximum(np.arccos(cosine) + spread + 1e-6, a.angular_radius_rad)
    radii = np.array([b.radius_m for b in others]) + a.radius_m
    # Cores that touch are always examined: their overlap may be deeper than any limit.
    near = ((plane / max_stretch(reach) - radii) < limits) | (plane == 0.0)

    touching = np.flatnonzero(near & (plane == 0.0))
    if len(touching):
        depths = _depths(core_a, cores[touching], a.radius_m, radii[touching] - a.radius_m)
        gaps_touching = 0.0 - depths
        below = gaps_touching < limits[touching]
        out[touching[below]] = gaps_touching[below]

    apart = np.flatnonzero(near & (plane > 0.0))
    if len(apart):
        ends = shapely.get_coordinates(shapely.shortest_line(core_a, cores[apart]))
        lon, lat = lonlat_from_ecef(frame.unproject(ends))
        _, _, dist = WGS84.inv(lon[0::2], lat[0::2], lon[1::2], lat[1::2])
        gaps = np.asarray(dist, dtype=np.float64) - radii[apart]
        # Refine where the decision could turn on the first frame's error (about 2e-6 of
        # the gap), that is near the limit.
        unsure = np.abs(gaps - limits[apart]) < _SURE_M + _SURE_FRACTION * np.abs(limits[apart])
        for k in np.flatnonzero(unsure):
            b = others[int(apart[k])]
            if not (a.core is CoreKind.POINT and b.core is CoreKind.POINT):
                gaps[k] = core_distance_m(a, b) - radii[apart[k]]
        below = gaps < limits[apart]
        out[apart[below]] = gaps[below]
    return out


def cores_in_frame(
    geometries: Sequence[FootprintGeometry], frame: GnomonicFrame
) -> npt.NDArray[np.object_]:
    """The cores of many footprints as planar shapely geometries, built in a few batch calls."""
    xy = frame.project(np.concatenate([g.xyz for g in geometries]))
    kinds = np.array([_KIND[g.core] for g in geometries])
    sizes = np.array([len(g.xyz) for g in geometries])
    row_kind = np.repeat(kinds, sizes)
    out = np.empty(len(geometries), dtype=object)
    points = np.flatnonzero(kinds == _POINT)
    if len(points):
        out[points] = shapely.points(xy[(np.cumsum(sizes) - sizes)[points]])
    lines = np.flatnonzero(kinds == _LINE)
    if len(lines):
        ids = np.repeat(np.arange(len(lines)), sizes[lines])
        out[lines] = shapely.linestrings(xy[row_kind == _LINE], indices=ids)
    areas = np.flatnonzero(kinds == _AREA_CORE)
    if len(areas):
        owned = [geometries[int(i)] for i in areas]
        lengths = [n for g in owned for n in g.ring_lengths]
        rings = shapely.linearrings(
            xy[row_kind == _AREA_CORE], indices=np.repeat(np.arange(len(lengths)), lengths)
        )
        per = [len(g.ring_lengths) for g in owned]
        out[areas] = shapely.polygons(rings, indices=np.repeat(np.arange(len(owned)), per))
    return out


_POINT, _LINE, _AREA_CORE = 0, 1, 2
_KIND = {CoreKind.POINT: _POINT, CoreKind.LINE: _LINE, CoreKind.AREA: _AREA_CORE}


def lateral_gap_m(a: FootprintGeometry, b: FootprintGeometry) -> float:
    """The gap between two footprints (see the module docstring)."""
    return float(lateral_gaps_m(a, [b], math.inf)[0])


def core_distance_m(a: FootprintGeometry, b: FootprintGeometry) -> float:
    """Geodesic distance between the cores of two footprints (0 when they intersect)."""
    if a.core is CoreKind.POINT and b.core is CoreKind.POINT:
        lon, lat = lonlat_from_ecef(np.vstack([a.xyz[:1], b.xyz[:1]]))
        return _geodesic(lon, lat)
    frame = a.frame()
    core_a, core_b = a.in_frame(frame), b.in_frame(frame)
    for _ in range(_REFINEMENTS + 1):
        if shapely.intersects(core_a, core_b):
            return 0.0
        ends = shapely.get_coordinates(shapely.shortest_line(core_a, core_b))
        middle = frame.unproject(ends.mean(axis=0, keepdims=True))[0]
        frame = GnomonicFrame.at(middle)
        core_a, core_b = a.in_frame(frame), b.in_frame(frame)
    ends = shapely.get_coordinates(shapely.shortest_line(core_a, core_b))
    lon, lat = lonlat_from_ecef(frame.unproject(ends))
    return _geodesic(lon, lat)


def _geodesic(lon: Array, lat: Array) -> float:
    _, _, dist = WGS84.inv(lon[0], lat[0], lon[1], lat[1])
    return float(dist)


def _depths(
    core_a: shapely.Geometry,
    cores_b: npt.NDArray[np.object_],
    radius_a: float,
    radii_b: Array,
) -> Array:
    """How deep footprints whose cores intersect reach into each other (module docstring);
    0 for overlaps under a centimetre, such as polygons that share an edge."""
    depth = radius_a + radii_b + _penetrations(core_a, cores_b)
    return np.where(depth < _MIN_DEPTH_M, 0.0, depth)


def _penetrations(core_a: shapely.Geometry, cores_b: npt.NDArray[np.object_]) -> Array:
    """How far intersecting cores reach into each other: for two areas the larger of their
    overlap's width (twice its area over its perimeter) and the depth of the deepest vertex of
    either inside the other, a point's or a line's depth inside an area, 0 between points and
    lines."""
    out = np.zeros(len(cores_b))
    kind_a = int(shapely.get_type_id(core_a))
    kinds = np.asarray(shapely.get_type_id(cores_b))
    areas = kinds == _AREA
    if kind_a == _AREA:
        both = np.flatnonzero(areas)
        if len(both):
            overlap = shapely.intersection(core_a, cores_b[both])
            perimeter = np.asarray(shapely.length(overlap), dtype=np.float64)
            area = np.asarray(shapely.area(overlap), dtype=np.float64)
            width = np.where(perimeter > 0, 2 * area / np.maximum(perimeter, 1e-9), 0.0)
            # A corner poking in has a thin overlap but a deep vertex: take the deeper.
            into_b = _reach(np.full(len(both), core_a, dtype=object), cores_b[both], single=False)
            into_a = _reach(cores_b[both], core_a, single=True)
            out[both] = np.maximum(width, np.maximum(into_b, into_a))
        others = np.flatnonzero(~areas)
        if len(others):
            out[others] = _reach(cores_b[others], core_a, single=True)
    elif areas.any():
        where = np.flatnonzero(areas)
        out[where] = _reach(np.full(len(where), core_a, dtype=object), cores_b[where], single=False)
    return out


def _reach(
    movers: npt.NDArray[np.object_], areas: npt.NDArray[np.object_] | shapely.Geometry, single: bool
) -> Array:
    """For each point or line in ``movers``, the depth of its deepest vertex inside the area
    paired with it (``areas`` one area for all when ``single``)."""
    coords, owner = shapely.get_coordinates(movers, return_index=True)
    x, y = coords[:, 0], coords[:, 1]
    # A vertex outside its area's bounding box is not inside it: only the rest are tested, and
    # each area's boundary is built once, not once per vertex.
    box = shapely.bounds(areas)
    if not single:
        box = box[owner]
    maybe = np.flatnonzero(
        (x >= box[..., 0]) & (x <= box[..., 2]) & (y >= box[..., 1]) & (y <= box[..., 3])
    )
    target = areas if single else np.asarray(areas)[owner[maybe]]
    inside = maybe[shapely.contains_xy(target, x[maybe], y[maybe])]
    depth = np.zeros(len(coords))
    if len(inside):
        boundary = shapely.boundary(areas)
        depth[inside] = shapely.distance(
            shapely.points(coords[inside]), boundary if single else boundary[owner[inside]]
        )
    out = np.zeros(len(movers))
    np.maximum.at(out, owner, depth)
    return out


_AREA = 3  # shapely's type id of a Polygon
