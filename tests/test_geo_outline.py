"""Map outlines of footprints against plain geodesic references: each drawn vertex lies at the
footprint's edge, within the stated display tolerance."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sharedsky.geo import WGS84, circle, corridor, outline_lonlat, polygon
from sharedsky.geo.outline import OUTLINE_TOLERANCE_M

lats = st.floats(-70.0, 70.0)
lons = st.floats(-180.0, 180.0)


def vertices(rings: list[list[list[float]]]) -> np.ndarray:
    return np.array([p for ring in rings for p in ring], dtype=np.float64)


def continuous(ring: list[list[float]]) -> bool:
    return all(abs(a[0] - b[0]) < 90.0 for a, b in itertools.pairwise(ring))


def distance_to_line_m(points: np.ndarray, line: list[tuple[float, float]]) -> np.ndarray:
    """Geodesic distance from each point to a line sampled every ~100 m along its geodesics
    (the brute-force reference)."""
    samples = []
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(line):
        _, _, length = WGS84.inv(lon1, lat1, lon2, lat2)
        n = max(2, int(length / 100.0) + 1)
        pts = WGS84.npts(lon1, lat1, lon2, lat2, n - 2, initial_idx=0, terminus_idx=0)
        samples += list(pts)
    sx, sy = np.array(samples).T
    best = np.full(len(points), np.inf)
    for x, y in zip(sx, sy, strict=True):
        _, _, d = WGS84.inv(
            points[:, 0], points[:, 1], np.full(len(points), x), np.full(len(points), y)
        )
        best = np.minimum(best, d)
    return best


@settings(max_examples=60, deadline=None)
@given(lon=lons, lat=lats, radius_m=st.floats(500.0, 100_000.0))
def test_a_circle_is_drawn_at_its_radius(lon: float, lat: float, radius_m: float) -> None:
    [rings] = outline_lonlat(circle((lon, lat), radius_m))
    assert len(rings) == 1 and rings[0][0] == rings[0][-1] and continuous(rings[0])
    assert -180.0 <= rings[0][0][0] <= 180.0
    pts = vertices(rings)
    n = len(pts)
    _, _, d = WGS84.inv(np.full(n, lon), np.full(n, lat), pts[:, 0], pts[:, 1])
    # The plane of the circle's own frame stretches by under 1e-4 within 100 km.
    assert np.all(np.abs(d - radius_m) <= OUTLINE_TOLERANCE_M + 1e-3 * radius_m)


@settings(max_examples=25, deadline=None)
@given(
    lon=lons,
    lat=lats,
    bearing=st.floats(0.0, 360.0),
    length_m=st.floats(2_000.0, 200_000.0),
    width_m=st.floats(1_000.0, 40_000.0),
)
def test_a_corridor_is_drawn_half_its_width_from_its_centreline(
    lon: float, lat: float, bearing: float, length_m: float, width_m: float
) -> None:
    lon2, lat2, _ = WGS84.fwd(lon, lat, bearing, length_m)
    line = [(lon, lat), (float(lon2), float(lat2))]
    polygons = outline_lonlat(corridor(line, width_m))
    pts = vertices(polygons[0])
    pts[:, 0] = (pts[:, 0] + 180.0) % 360.0 - 180.0
    d = distance_to_line_m(pts, line)
    # Stated tolerance: 2 % of the half width (frame stretch), plus simplification and the
    # reference's 100 m sampling (at most ~1.3 m off at these widths).
    assert np.all(np.abs(d - width_m / 2) <= 0.02 * width_m / 2 + OUTLINE_TOLERANCE_M + 2.0)


@settings(max_examples=40, deadline=None)
@given(lon=lons, lat=lats, dx=st.floats(0.05, 2.0), dy=st.floats(0.05, 2.0))
def test_a_polygon_is_drawn_on_its_own_edges(lon: float, lat: float, dx: float, dy: float) -> None:
    ring = [(lon, lat), (lon + dx, lat), (lon + dx, lat + dy), (lon, lat + dy)]
    ring = [((x + 180.0) % 360.0 - 180.0, y) for x, y in ring]
    [rings] = outline_lonlat(polygon(ring))
    assert continuous(rings[0])
    pts = vertices(rings)
    pts[:, 0] = (pts[:, 0] + 180.0) % 360.0 - 180.0
    d = distance_to_line_m(pts, [*ring, ring[0]])
    assert np.all(d <= OUTLINE_TOLERANCE_M + 1.0)


def test_a_hole_stays_beside_its_exterior_across_the_antimeridian() -> None:
    outer = [(179.0, -1.0), (-179.0, -1.0), (-179.0, 1.0), (179.0, 1.0)]
    hole = [(179.8, -0.2), (-179.8, -0.2), (-179.8, 0.2), (179.8, 0.2)]
    [rings] = outline_lonlat(polygon(outer, [hole]))
    assert len(rings) == 2
    exterior, inner = (np.array(r) for r in rings)
    assert exterior[:, 0].min() >= 178.99 and exterior[:, 0].max() <= 181.01
    assert inner[:, 0].min() >= 179.79 and inner[:, 0].max() <= 180.21
