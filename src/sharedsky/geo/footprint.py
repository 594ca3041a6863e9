"""Footprints on the WGS-84 ellipsoid: a *core* (area, line or point) grown by a radius.

Every footprint shape sharedsky accepts is one core and one radius:

========  ======================================  =====================
shape     core                                    radius
========  ======================================  =====================
polygon   the polygon (geodesic edges, holes)     0
circle    the centre point                        the circle's radius
corridor  the centreline (geodesic segments)      half the width
orbit     the segment between its two points,     half the width
          shifted left or right by the alignment
========  ======================================  =====================

On a geodesic length space the distance from a set grown by r is the distance from the set
minus r, so distances between footprints are exact: ``gap = d(core_a, core_b) - r_a - r_b``.
No circle is ever approximated by a polygon for a decision.

Cores are stored in ECEF with every geodesic edge densified so that no piece is longer than
``MAX_SEGMENT_M``; in a gnomonic frame (:mod:`sharedsky.geo.gnomonic`) the densified edges are
straight to better than 1 mm.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import shapely

from sharedsky.errors import InvalidInput, Issue
from sharedsky.geo.ellipsoid import (
    A_M,
    B_M,
    MEAN_RADIUS_M,
    WGS84,
    ecef_from_lonlat,
    lonlat_from_ecef,
)
from sharedsky.geo.gnomonic import GnomonicFrame, angle_between

__all__ = [
    "MAX_EXTENT_RAD",
    "MAX_SEGMENT_M",
    "CoreKind",
    "FootprintGeometry",
    "VertexPath",
    "circle",
    "corridor",
    "orbit",
    "polygon",
]

Array = npt.NDArray[np.float64]
LonLat = Sequence[tuple[float, float]]

MAX_SEGMENT_M = 4_000.0
"""Geodesic edges are cut into pieces no longer than this (plane deviation below 1.1 mm)."""

MAX_EXTENT_RAD = 0.5
"""A footprint must lie within this angle (about 3,200 km) of its centre."""

VertexPath = Callable[[int, int | None], str]
"""Where a vertex is in the caller's input: (ring or line index, vertex index) -> JSON path."""


def _default_path(ring: int, vertex: int | None) -> str:
    return f"ring {ring}" if vertex is None else f"ring {ring} vertex {vertex}"


class CoreKind(enum.Enum):
    AREA = "area"
    LINE = "line"
    POINT = "point"


@dataclass(frozen=True, slots=True, eq=False)
class FootprintGeometry:
    """A footprint ready for exact distance computations (see the module docstring).

    ``xyz`` holds every ring or line, densified and concatenated; ``starts`` the index where
    each begins (a polygon's exterior first, then its holes; rings are closed).
    """

    core: CoreKind
    xyz: Array
    starts: tuple[int, ...]
    ring_lengths: tuple[int, ...]
    """Points in each ring or line of ``xyz``."""
    radius_m: float
    centre: Array
    """Unit vector of the footprint's centre."""
    angular_radius_rad: float
    """No point of the footprint is further than this angle from ``centre``."""
    box_min: Array
    box_max: Array
    """A conservative ECEF box around the footprint (radius, curvature bulge included)."""
    area_m2: float
    vertex_count: int
    """Vertices as the input counts them (a circle counts 1)."""
    bounds_deg: tuple[float, float, float, float]
    """West, east, south, north of the core's points, in degrees (the radius is not included;
    a pole inside takes the whole circle of longitude). West may be below -180 and east above
    180 (across the antimeridian)."""

    def pieces(self) -> list[Array]:
        ends = (*self.starts[1:], len(self.xyz))
        return [self.xyz[s:e] for s, e in zip(self.starts, ends, strict=True)]

    def in_frame(self, frame: GnomonicFrame) -> shapely.Geometry:
        """The core as a planar shapely geometry in ``frame``."""
        xy = frame.project(self.xyz)
        if self.core is CoreKind.POINT:
            return shapely.points(xy[0])
        if self.core is CoreKind.LINE:
            return shapely.linestrings(xy)
        if len(self.starts) == 1:
            return shapely.polygons(xy)
        ends = (*self.starts[1:], len(xy))
        rings = [shapely.linearrings(xy[s:e]) for s, e in zip(self.starts, ends, strict=True)]
        return shapely.polygons(rings[0], rings[1:])

    def frame(self) -> GnomonicFrame:
        return GnomonicFrame.at(_surface(self.centre))


def _surface(unit: Array) -> Array:
    t = 1.0 / math.sqrt((unit[0] ** 2 + unit[1] ** 2) / (A_M * A_M) + unit[2] ** 2 / (B_M * B_M))
    return unit * t


def _check_coordinates(points: Array, where: VertexPath, ring: int) -> list[Issue]:
    issues = []
    for i, (lon, lat) in enumerate(points):
        if not (math.isfinite(lon) and math.isfinite(lat)):
            issues.append(Issue(where(ring, i), "coordinates must be finite numbers"))
        elif not -90.0 <= lat <= 90.0:
            issues.append(Issue(where(ring, i), f"latitude {lat} is outside [-90, 90]"))
        elif not -180.0 <= lon <= 180.0:
            issues.append(Issue(where(ring, i), f"longitude {lon} is outside [-180, 180]"))
    return issues


def _same(a: Array, b: Array) -> bool:
    return bool(a[1] == b[1] and (a[0] == b[0] or abs(a[1]) == 90.0 or abs(a[0] - b[0]) == 360.0))


def _dedupe(points: Array, closed: bool) -> Array:
    """Drop repeated consecutive vertices (and a ring's closing vertex)."""
    if len(points) == 0:
        return points
    keep = [0]
    for i in range(1, len(points)):
        if not _same(points[i], points[keep[-1]]):
            keep.append(i)
    if closed and len(keep) > 1 and _same(points[keep[-1]], points[keep[0]]):
        keep.pop()
    return points[keep]


def _densify(lonlat: Array, closed: bool) -> Array:
    """ECEF of the vertices with points added along each geodesic edge, every MAX_SEGMENT_M."""
    pts = np.vstack([lonlat, lonlat[:1]]) if closed else lonlat
    lon1, lat1, lon2, lat2 = pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1]
    az, _, dist = WGS84.inv(lon1, lat1, lon2, lat2)
    az = np.asarray(az)
    dist = np.asarray(dist)
    pieces = np.maximum(1, np.ceil(dist / MAX_SEGMENT_M)).astype(np.int64)
    edge = np.repeat(np.arange(len(dist)), pieces)
    first = np.repeat(np.cumsum(pieces) - pieces, pieces)
    fraction = (np.arange(len(edge)) - first) / pieces[edge]
    lon, lat, _ = WGS84.fwd(lon1[edge], lat1[edge], az[edge], dist[edge] * fraction)
    lon = np.asarray(lon)
    lat = np.asarray(lat)
    # The exact input vertices, not fwd's rounding of them.
    at_vertex = fraction == 0
    lon[at_vertex] = lon1[edge[at_vertex]]
    lat[at_vertex] = lat1[edge[at_vertex]]
    xyz = ecef_from_lonlat(lon, lat)
    last = ecef_from_lonlat(pts[-1:, 0], pts[-1:, 1])
    return np.vstack([xyz, last])


def _finish(
    core: CoreKind,
    pieces: list[Array],
    radius_m: float,
    area_m2: float,
    vertex_count: int,
    where: VertexPath,
) -> FootprintGeometry:
    xyz = np.vstack(pieces)
    starts = tuple(int(s) for s in np.cumsum([0] + [len(p) for p in pieces[:-1]]))
    mean = xyz.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    if norm < 1.0:
        raise InvalidInput.one(where(0, None), "footprint has no defined centre")
    centre = mean / norm
    units = xyz / np.linalg.norm(xyz, axis=1)[:, None]
    spread = float(angle_between(units, centre[None, :]).max())
    angular_radius = spread + radius_m / (B_M * B_M / A_M) + 1e-7
    if angular_radius > MAX_EXTENT_RAD:
        raise InvalidInput.one(
            where(0, None),
            f"footprint extends {angular_radius * MEAN_RADIUS_M / 1000:,.0f} km from its centre;"
            f" at most {MAX_EXTENT_RAD * MEAN_RADIUS_M / 1000:,.0f} km is accepted",
        )
    lo, hi = xyz.min(axis=0), xyz.max(axis=0)
    chord = float(np.linalg.norm(hi - lo))
    pad = radius_m + chord * chord / (8 * B_M * B_M / A_M) + 1.0
    lon, lat = lonlat_from_ecef(xyz)
    centre_lon = math.degrees(math.atan2(centre[1], centre[0]))
    rel = (lon - centre_lon + 180.0) % 360.0 - 180.0
    west, east = centre_lon + float(rel.min()), centre_lon + float(rel.max())
    south, north = float(lat.min()), float(lat.max())
    geometry = FootprintGeometry(
        core=core,
        xyz=xyz,
        starts=starts,
        ring_lengths=tuple(len(p) for p in pieces),
        radius_m=radius_m,
        centre=centre,
        angular_radius_rad=angular_radius,
        box_min=lo - pad,
        box_max=hi + pad,
        area_m2=area_m2,
        vertex_count=vertex_count,
        bounds_deg=(west, east, south, north),
    )
    poles = _poles_inside(geometry)
    if not poles:
        return geometry
    for pole in poles:
        lo, hi = np.minimum(lo, pole), np.maximum(hi, pole)
        south, north = (south, 90.0) if pole[2] > 0 else (-90.0, north)
    return replace(
        geometry,
        box_min=lo - pad,
        box_max=hi + pad,
        bounds_deg=(-180.0, 180.0, south, north),
    )


def _poles_inside(geometry: FootprintGeometry) -> list[Array]:
    # A footprint holding a pole has its centre within its angular radius of it, so only
    # footprints centred within MAX_EXTENT_RAD of a pole need the test.
    if geometry.core is not CoreKind.AREA or abs(geometry.centre[2]) < math.cos(MAX_EXTENT_RAD):
        return []
    frame = geometry.frame()
    found = []
    for pole in (np.array([0.0, 0.0, B_M]), np.array([0.0, 0.0, -B_M])):
        if float(pole @ geometry.centre) <= 0.0:
            continue
        x, y = frame.project(pole[None, :])[0]
        if shapely.contains_xy(geometry.in_frame(frame), x, y):
            found.append(pole)
    return found


def polygon(
    exterior: LonLat, holes: Sequence[LonLat] = (), *, where: VertexPath = _default_path
) -> FootprintGeometry:
    """A polygon with geodesic edges (and holes), vertices as ``(lon_deg, lat_deg)``.

    Rings may be open or closed; the winding that encloses the smaller area is meant.
    Raises :class:`InvalidInput` for fewer than 3 distinct vertices, non-finite or
    out-of-range coordinates, self-intersecting rings and holes outside the exterior.

    >>> square = polygon([(36.0, 35.0), (36.1, 35.0), (36.1, 35.1), (36.0, 35.1)])
    >>> round(square.area_m2 / 1e6, 1)
    101.2
    """
    rings_in = [np.asarray(r, dtype=np.float64).reshape(-1, 2) for r in (exterior, *holes)]
    issues: list[Issue] = []
    for k, ring in enumerate(rings_in):
        issues += _check_coordinates(ring, where, k)
    if issues:
        raise InvalidInput(issues)
    rings = [_dedupe(r, closed=True) for r in rings_in]
    for k, ring in enumerate(rings):
        if len(np.unique(ring, axis=0)) < 3:
            issues.append(Issue(where(k, None), "a ring needs at least 3 distinct vertices"))
    if issues:
        raise InvalidInput(issues)
    pieces = [_densify(r, closed=True) for r in rings]
    area = 0.0
    for k, ring in enumerate(rings):
        ring_area, _ = WGS84.polygon_area_perimeter(ring[:, 0], ring[:, 1])
        area += abs(ring_area) if k == 0 else -abs(ring_area)
    geometry = _finish(CoreKind.AREA, pieces, 0.0, area, sum(len(r) for r in rings), where)
    planar = geometry.in_frame(geometry.frame())
    if not shapely.is_valid(planar):
        raise InvalidInput.one(*_invalid_ring(planar, geometry, where))
    return geometry


def _invalid_ring(
    planar: shapely.Geometry, geometry: FootprintGeometry, where: VertexPath
) -> tuple[str, str]:
    """Which ring makes a polygon invalid, and why (in longitude and latitude)."""
    shell = shapely.Polygon(planar.exterior)
    rings = [planar.exterior, *planar.interiors]
    for k, ring in enumerate(rings):
        if not shapely.is_valid(shapely.Polygon(ring)):
            reason = shapely.is_valid_reason(shapely.Polygon(ring))
            return where(k, None), f"ring is not simple: {_explain(reason, geometry)}"
    for k, ring in enumerate(rings[1:], start=1):
        if not shapely.contains(shell, shapely.Polygon(ring)):
            return where(k, None), "hole is not inside the exterior ring"
    return where(0, None), f"invalid polygon: {_explain(shapely.is_valid_reason(planar), geometry)}"


def _explain(reason: str, geometry: FootprintGeometry) -> str:
    """GEOS's reason with its planar location turned back into longitude and latitude."""
    if "[" not in reason:
        return reason.lower()
    text, _, rest = reason.partition("[")
    try:
        x, y = (float(v) for v in rest.rstrip("]").split()[:2])
    except ValueError:
        return reason.lower()
    lon, lat = geometry.frame().unproject_lonlat(np.array([[x, y]]))
    return f"{text.strip().lower()} near lon {lon[0]:.6f}, lat {lat[0]:.6f}"


def _positive(value: float, what: str, path: str) -> None:
    if not math.isfinite(value) or value <= 0:
        raise InvalidInput.one(path, f"{what} must be a positive finite number, got {value}")


def circle(
    centre: tuple[float, float], radius_m: float, *, where: VertexPath = _default_path
) -> FootprintGeometry:
    """A geodesic circle: every point within ``radius_m`` of ``centre`` (lon_deg, lat_deg)."""
    point = np.asarray([centre], dtype=np.float64)
    issues = _check_coordinates(point, where, 0)
    if issues:
        raise InvalidInput(issues)
    _positive(radius_m, "radius", where(0, None))
    xyz = ecef_from_lonlat(point[:, 0], point[:, 1])
    area = 2 * math.pi * MEAN_RADIUS_M**2 * (1 - math.cos(radius_m / MEAN_RADIUS_M))
    return _finish(CoreKind.POINT, [xyz], radius_m, area, 1, where)


def _line(points: LonLat, where: VertexPath) -> Array:
    line = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    issues = _check_coordinates(line, where, 0)
    if issues:
        raise InvalidInput(issues)
    line = _dedupe(line, closed=False)
    if len(line) < 2:
        raise InvalidInput.one(where(0, None), "a line needs at least 2 distinct points")
    return line


def _line_area(line: Array, width_m: float) -> float:
    _, _, dist = WGS84.inv(line[:-1, 0], line[:-1, 1], line[1:, 0], line[1:, 1])
    return float(np.sum(dist)) * width_m + math.pi * (width_m / 2) ** 2


def corridor(
    centreline: LonLat, width_m: float, *, where: VertexPath = _default_path
) -> FootprintGeometry:
    """Every point within ``width_m / 2`` of a centreline of geodesic segments (AIXM corridor)."""
    line = _line(centreline, where)
    _positive(width_m, "width", where(0, None))
    return _finish(
        CoreKind.LINE,
        [_densify(line, closed=False)],
        width_m / 2,
        _line_area(line, width_m),
        len(line),
        where,
    )


def orbit(
    start: tuple[float, float],
    end: tuple[float, float],
    width_m: float,
    alignment: str = "C",
    *,
    where: VertexPath = _default_path,
) -> FootprintGeometry:
    """A racetrack of total width ``width_m`` around the segment from ``start`` to ``end``.

    ``alignment`` C centres it on the segment; L or R puts it wholly left or right of the
    segment as seen from ``start`` towards ``end`` (ACO AORBIT).
    """
    line = _line([start, end], where)
    _positive(width_m, "width", where(0, None))
    if alignment not in ("C", "L", "R"):
        raise InvalidInput.one(where(0, None), f"alignment must be C, L or R, not {alignment!r}")
    xyz = _densify(line, closed=False)
    if alignment != "C":
        lon, lat = lonlat_from_ecef(xyz)
        az_fwd, az_back, _ = WGS84.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
        # The direction of travel at the end point is the back azimuth turned round.
        az = np.append(np.asarray(az_fwd), np.asarray(az_back)[-1] + 180.0)
        turn = -90.0 if alignment == "L" else 90.0
        lon2, lat2, _ = WGS84.fwd(lon, lat, az + turn, np.full(len(lon), width_m / 2))
        xyz = ecef_from_lonlat(lon2, lat2)
    return _finish(CoreKind.LINE, [xyz], width_m / 2, _line_area(line, width_m), 2, where)
