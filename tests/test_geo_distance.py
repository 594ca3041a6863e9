"""Exactness of lateral gaps on the WGS-84 ellipsoid, to 1 cm, against ground truth built with
``pyproj.Geod`` (geodesic constructions whose gap is known by construction)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from sharedsky.geo import lateral_gap_m
from sharedsky.model import Volume4D
from sharedsky.strategic import BufferPolicy, Buffers, StrategicEngine

try:
    import reference as ref
except ImportError:  # pragma: no cover - tests imported as a package
    from tests import reference as ref

GEOD = Geod(ellps="WGS84")
CM = 0.01
LATITUDES = (0.0, 45.0, 70.0, -60.0)
EXACT = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fwd(lon: float, lat: float, az: float, dist: float) -> tuple[float, float, float]:
    """Geod.fwd as plain floats: (lon, lat, forward azimuth at the end point)."""
    lon2, lat2, back = GEOD.fwd(lon, lat, az, dist)
    return float(lon2), float(lat2), float(back) + 180.0


def vol(footprint: dict[str, Any]) -> Volume4D:
    return ref.volume(footprint)


def poly(*rings: list[tuple[float, float]]) -> dict[str, Any]:
    return {"type": "polygon", "coordinates": [[[p[0], p[1]] for p in r] for r in rings]}


def circle(lon: float, lat: float, radius_m: float) -> dict[str, Any]:
    return {"type": "circle", "center": [lon, lat], "radius": radius_m}


def zero_engine_conflicts(a: Volume4D, b: Volume4D, buffers: Buffers | None = None) -> int:
    """How many conflicts checking ``a`` against an engine holding only ``b`` finds."""
    engine = StrategicEngine(buffers=BufferPolicy(default=buffers or Buffers.zero()))
    engine.add(ref.operation("b", "B", b))
    return len(engine.check(ref.operation("a", "A", a)).conflicts)


# -- (a) circle against circle -----------------------------------------------------------------


@EXACT
@given(
    lat=st.floats(-80, 80),
    lon=st.floats(-180, 180),
    az=st.floats(0, 360),
    dist=st.one_of(st.floats(1.0, 2_000.0), st.floats(2_000.0, 300_000.0)),
    r1=st.floats(1.0, 50_000.0),
    r2=st.floats(1.0, 50_000.0),
)
def test_circle_circle_gap_is_geodesic_centre_distance_minus_radii(lat, lon, az, dist, r1, r2):
    lon2, lat2, _ = fwd(lon, lat, az, dist)
    _, _, truth = GEOD.inv(lon, lat, lon2, lat2)
    expected = truth - r1 - r2
    a, b = vol(circle(lon, lat, r1)), vol(circle(lon2, lat2, r2))
    assert lateral_gap_m(a.geometry, b.geometry) == pytest.approx(expected, abs=CM)
    assert lateral_gap_m(b.geometry, a.geometry) == pytest.approx(expected, abs=CM)


def test_circle_circle_across_the_antimeridian():
    a, b = vol(circle(179.99, 10.0, 500.0)), vol(circle(-179.99, 10.0, 700.0))
    _, _, truth = GEOD.inv(179.99, 10.0, -179.99, 10.0)
    assert truth < 3_000
    assert lateral_gap_m(a.geometry, b.geometry) == pytest.approx(truth - 1_200.0, abs=CM)


# -- (b) a polygon's edge and a triangle's vertex at a known geodesic distance ------------------


def edge_construction(
    lat: float, lon: float, az: float, edge_m: float, fraction: float, gap_m: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Triangle A with a geodesic edge through P (azimuth ``az`` at P), A on its left; triangle
    B with its apex Q at ``gap_m`` from P along the geodesic normal to the edge on the right,
    opening away from A. The gap between A and B is ``gap_m`` (negative: Q inside A)."""
    v0 = fwd(lon, lat, az + 180.0, fraction * edge_m)[:2]
    v1 = fwd(lon, lat, az, (1 - fraction) * edge_m)[:2]
    v2 = fwd(lon, lat, az - 90.0, max(edge_m / 2, 500.0))[:2]
    a = poly([v0, v1, v2])
    if gap_m >= 0:
        qlon, qlat, out = fwd(lon, lat, az + 90.0, gap_m)
    else:
        qlon, qlat, inward = fwd(lon, lat, az - 90.0, -gap_m)
        out = inward + 180.0
    side = max(2 * abs(gap_m), 1_000.0)
    far = [fwd(qlon, qlat, out + turn, side)[:2] for turn in (30.0, -30.0)]
    return a, poly([(qlon, qlat), *far])


@EXACT
@given(
    lat=st.sampled_from(LATITUDES),
    dlat=st.floats(-1.0, 1.0),
    lon=st.one_of(st.floats(-180, 180), st.sampled_from([179.999, -179.999, 180.0])),
    az=st.floats(0, 360),
    edge_m=st.floats(1_000.0, 200_000.0),
    fraction=st.floats(0.1, 0.9),
    log_gap=st.floats(math.log10(0.05), math.log10(50_000.0)),
)
def test_point_to_edge_gap_is_exact(lat, dlat, lon, az, edge_m, fraction, log_gap):
    gap = 10.0**log_gap
    fa, fb = edge_construction(lat + dlat, lon, az, edge_m, fraction, gap)
    a, b = vol(fa), vol(fb)
    assert lateral_gap_m(a.geometry, b.geometry) == pytest.approx(gap, abs=CM)
    assert lateral_gap_m(b.geometry, a.geometry) == pytest.approx(gap, abs=CM)
    # And the engine's decision, with the buffer a centimetre either side of the gap.
    assert zero_engine_conflicts(a, b, Buffers.uniform(lateral_m=gap + CM, vertical_m=0, time_s=0))
    assert not zero_engine_conflicts(
        a, b, Buffers.uniform(lateral_m=max(gap - CM, 0.0), vertical_m=0, time_s=0)
    )


@pytest.mark.parametrize("lat", LATITUDES)
@pytest.mark.parametrize("edge_m", [1_000.0, 200_000.0])
@pytest.mark.parametrize("gap", [0.05, 1.0, 1_234.5, 50_000.0])
def test_point_to_edge_across_the_antimeridian(lat, edge_m, gap):
    # P on the antimeridian, the edge running across it.
    fa, fb = edge_construction(lat, 180.0, 80.0, edge_m, 0.5, gap)
    lons = [p[0] for ring in fa["coordinates"] for p in ring]
    assert min(lons) < 0 < max(lons)
    a, b = vol(fa), vol(fb)
    assert lateral_gap_m(a.geometry, b.geometry) == pytest.approx(gap, abs=CM)


# -- (c) overlap decided at 1 cm ---------------------------------------------------------------


@pytest.mark.parametrize("lat", LATITUDES)
def test_two_centimetres_apart_is_clear_with_zero_buffers(lat):
    a, b = (vol(f) for f in edge_construction(lat, 179.9, 20.0, 30_000.0, 0.4, 0.02))
    assert 0 < lateral_gap_m(a.geometry, b.geometry) == pytest.approx(0.02, abs=CM)
    assert zero_engine_conflicts(a, b) == 0
    assert zero_engine_conflicts(b, a) == 0


@pytest.mark.parametrize("lat", LATITUDES)
def test_two_centimetres_into_the_polygon_is_an_overlap(lat):
    a, b = (vol(f) for f in edge_construction(lat, 179.9, 20.0, 30_000.0, 0.4, -0.02))
    assert lateral_gap_m(a.geometry, b.geometry) < 0
    assert lateral_gap_m(b.geometry, a.geometry) < 0


@pytest.mark.parametrize("lat", LATITUDES)
def test_two_centimetres_into_the_polygon_conflicts_with_zero_buffers(lat):
    a, b = (vol(f) for f in edge_construction(lat, 179.9, 20.0, 30_000.0, 0.4, -0.02))
    assert zero_engine_conflicts(a, b) == 1
    assert zero_engine_conflicts(b, a) == 1


def test_overlapping_squares_conflict_with_zero_buffers():
    a = vol(poly([(10.0, 50.0), (10.1, 50.0), (10.1, 50.1), (10.0, 50.1)]))
    b = vol(poly([(10.05, 50.0), (10.15, 50.0), (10.15, 50.1), (10.05, 50.1)]))
    assert lateral_gap_m(a.geometry, b.geometry) < -1_000  # they do overlap, by kilometres
    assert zero_engine_conflicts(a, b) == 1


@pytest.mark.parametrize("lon", [10.0, 179.95])
def test_polygons_sharing_an_edge_do_not_conflict_with_zero_buffers(lon):
    west = [(lon - 0.1, 50.0), (lon, 50.0), (lon, 50.1), (lon - 0.1, 50.1)]
    east = [(lon, 50.0), (lon + 0.1, 50.0), (lon + 0.1, 50.1), (lon, 50.1)]
    a, b = (
        vol(poly([(ref.wrap_lon(x), y) for x, y in west])),
        vol(poly([(ref.wrap_lon(x), y) for x, y in east])),
    )
    assert lateral_gap_m(a.geometry, b.geometry) == pytest.approx(0.0, abs=CM)
    assert zero_engine_conflicts(a, b) == 0
    assert zero_engine_conflicts(b, a) == 0


@pytest.mark.parametrize("lat", LATITUDES)
@pytest.mark.parametrize("depth", [0.02, -0.02])
def test_circle_two_centimetres_into_or_off_an_edge(lat, depth):
    """A circle reaching ``depth`` into polygon A (negative: stopping short of it)."""
    lon, az, radius = 179.95, 33.0, 2_500.0
    fa, _ = edge_construction(lat, lon, az, 30_000.0, 0.4, 1.0)
    clon, clat, _ = fwd(lon, lat, az + 90.0, radius - depth)
    a, c = vol(fa), vol(circle(clon, clat, radius))
    assert lateral_gap_m(a.geometry, c.geometry) == pytest.approx(-depth, abs=CM / 2)
    assert zero_engine_conflicts(a, c) == (1 if depth > 0 else 0)
    assert zero_engine_conflicts(c, a) == (1 if depth > 0 else 0)


# -- (d) symmetry ------------------------------------------------------------------------------


@EXACT
@given(data=st.data(), centre=st.sampled_from(ref.REGIONS))
def test_gap_is_symmetric(data, centre):
    a = data.draw(ref.volumes(centre, spread_m=30_000.0))
    b = data.draw(ref.volumes(centre, spread_m=30_000.0))
    ab, ba = lateral_gap_m(a.geometry, b.geometry), lateral_gap_m(b.geometry, a.geometry)
    if ab >= 0 or ba >= 0:
        assert ab == pytest.approx(ba, abs=CM)
    else:
        # Overlap depths are measured in the first footprint's frame, to 1 %.
        assert ab == pytest.approx(ba, rel=0.02, abs=CM)


# -- (e) corridors and orbits ------------------------------------------------------------------


def straight_line(lat: float, lon: float, az: float, length_m: float):
    """Start, end and the azimuth at the midpoint of a geodesic through (lon, lat)."""
    start = fwd(lon, lat, az + 180.0, length_m / 2)[:2]
    end = fwd(lon, lat, az, length_m / 2)[:2]
    return start, end


@pytest.mark.parametrize("lat", LATITUDES)
@pytest.mark.parametrize("side", [90.0, -90.0])
@pytest.mark.parametrize("distance", [3_000.0, 7_654.3, 25_000.0])
def test_corridor_against_circle(lat, side, distance):
    lon, az, width, radius = 179.97, 61.0, 4_000.0, 800.0
    start, end = straight_line(lat, lon, az, 40_000.0)
    corridor = vol({"type": "corridor", "centerline": [start, end], "width": width})
    clon, clat, _ = fwd(lon, lat, az + side, distance)
    c = vol(circle(clon, clat, radius))
    expected = distance - width / 2 - radius
    assert lateral_gap_m(corridor.geometry, c.geometry) == pytest.approx(expected, abs=CM)
    assert lateral_gap_m(c.geometry, corridor.geometry) == pytest.approx(expected, abs=CM)


@pytest.mark.parametrize("lat", LATITUDES)
def test_corridor_vertex_against_circle(lat):
    """The nearest point is a bend of the centreline: the round join is exact too."""
    lon, width, radius = 20.0, 3_000.0, 500.0
    start = fwd(lon, lat, 200.0, 15_000.0)[:2]
    end = fwd(lon, lat, 160.0, 15_000.0)[:2]
    corridor = vol({"type": "corridor", "centerline": [start, (lon, lat), end], "width": width})
    clon, clat, _ = fwd(lon, lat, 0.0, 9_000.0)
    c = vol(circle(clon, clat, radius))
    _, _, truth = GEOD.inv(lon, lat, clon, clat)
    expected = truth - width / 2 - radius
    assert lateral_gap_m(corridor.geometry, c.geometry) == pytest.approx(expected, abs=CM)


@pytest.mark.parametrize("lat", LATITUDES)
@pytest.mark.parametrize("alignment", ["C", "L", "R"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_orbit_alignment(lat, alignment, side):
    """An L orbit lies wholly left of start → end, an R orbit wholly right, C centred."""
    lon, az, width, radius, distance = -179.98, 115.0, 6_000.0, 400.0, 9_000.0
    start, end = straight_line(lat, lon, az, 30_000.0)
    orbit = vol(
        {"type": "orbit", "start": start, "end": end, "width": width, "alignment": alignment}
    )
    turn = -90.0 if side == "left" else 90.0
    clon, clat, _ = fwd(lon, lat, az + turn, distance)
    c = vol(circle(clon, clat, radius))
    towards = (alignment == "L" and side == "left") or (alignment == "R" and side == "right")
    away = (alignment == "L" and side == "right") or (alignment == "R" and side == "left")
    near_edge = distance - width if towards else distance if away else distance - width / 2
    expected = near_edge - radius
    assert lateral_gap_m(orbit.geometry, c.geometry) == pytest.approx(expected, abs=CM)


def orbit_and_caps(lat: float, alignment: str, gap: float):
    """A 30 km L/R orbit and circles straight beyond its start and end caps, ``gap`` away."""
    start, az, length, width, radius = (179.5, lat), 80.0, 30_000.0, 8_000.0, 1_000.0
    turn = -90.0 if alignment == "L" else 90.0
    elon, elat, az_end = fwd(*start, az, length)
    orbit = vol(
        {
            "type": "orbit",
            "start": start,
            "end": (elon, elat),
            "width": width,
            "alignment": alignment,
        }
    )
    beyond = gap + width / 2 + radius
    end_cap = fwd(elon, elat, az_end + turn, width / 2)[:2]
    start_cap = fwd(*start, az + turn, width / 2)[:2]
    after = vol(circle(*fwd(*end_cap, az_end, beyond)[:2], radius))
    before = vol(circle(*fwd(*start_cap, az + 180.0, beyond)[:2], radius))
    return orbit, before, after


@pytest.mark.parametrize("lat", LATITUDES)
@pytest.mark.parametrize("alignment", ["L", "R"])
def test_orbit_start_cap_is_exact(lat, alignment):
    orbit, before, _ = orbit_and_caps(lat, alignment, 5_000.0)
    assert lateral_gap_m(orbit.geometry, before.geometry) == pytest.approx(5_000.0, abs=CM)


def test_orbit_end_cap_is_exact():
    errors = {}
    for lat in LATITUDES:
        for alignment in "LR":
            orbit, _, after = orbit_and_caps(lat, alignment, 5_000.0)
            errors[lat, alignment] = lateral_gap_m(orbit.geometry, after.geometry) - 5_000.0
    assert all(abs(e) <= CM for e in errors.values()), errors


@pytest.mark.parametrize("lat", LATITUDES)
def test_orbit_left_covers_the_left_side_only(lat):
    lon, az, width = 30.0, 10.0, 4_000.0
    start, end = straight_line(lat, lon, az, 20_000.0)
    orbit = {"type": "orbit", "start": start, "end": end, "width": width}
    left = vol(circle(*fwd(lon, lat, az - 90.0, width / 2)[:2], 100.0))
    right = vol(circle(*fwd(lon, lat, az + 90.0, width / 2)[:2], 100.0))
    l_orbit = vol({**orbit, "alignment": "L"})
    r_orbit = vol({**orbit, "alignment": "R"})
    assert lateral_gap_m(l_orbit.geometry, left.geometry) < 0
    assert lateral_gap_m(l_orbit.geometry, right.geometry) == pytest.approx(width / 2 - 100, abs=CM)
    assert lateral_gap_m(r_orbit.geometry, right.geometry) < 0
    assert lateral_gap_m(r_orbit.geometry, left.geometry) == pytest.approx(width / 2 - 100, abs=CM)


# -- (f) holes ---------------------------------------------------------------------------------


def holed_polygon(lon: float, lat: float, hole_edge_m: float) -> dict[str, Any]:
    """A big square around (lon, lat) with a hole whose nearest edge to (lon, lat) lies
    ``hole_edge_m`` north of it, along a geodesic running east-west there."""
    outer = [fwd(lon, lat, az, 40_000.0)[:2] for az in (45.0, 135.0, 225.0, 315.0)]
    flon, flat, north = fwd(lon, lat, 0.0, hole_edge_m)
    hole = [
        fwd(flon, flat, north + 90.0, 4_000.0)[:2],
        fwd(flon, flat, north - 90.0, 4_000.0)[:2],
        fwd(lon, lat, 240.0, 3 * hole_edge_m)[:2],
        fwd(lon, lat, 120.0, 3 * hole_edge_m)[:2],
    ]
    return poly(outer, hole)


@pytest.mark.parametrize("lat", LATITUDES)
@pytest.mark.parametrize("lon", [12.0, 180.0])
def test_circle_inside_a_hole_does_not_overlap(lat, lon):
    holed = vol(holed_polygon(lon, lat, 3_000.0))
    inside = vol(circle(lon, lat, 1_000.0))
    assert lateral_gap_m(holed.geometry, inside.geometry) == pytest.approx(2_000.0, abs=CM)
    assert lateral_gap_m(inside.geometry, holed.geometry) == pytest.approx(2_000.0, abs=CM)
    assert zero_engine_conflicts(holed, inside) == 0
    assert zero_engine_conflicts(inside, holed) == 0
    too_big = vol(circle(lon, lat, 3_500.0))
    assert lateral_gap_m(holed.geometry, too_big.geometry) == pytest.approx(-500.0, abs=CM)
    assert zero_engine_conflicts(holed, too_big) == 1
    assert zero_engine_conflicts(too_big, holed) == 1


# -- the reference itself ----------------------------------------------------------------------


@settings(EXACT, max_examples=25)
@given(
    lat=st.sampled_from(LATITUDES),
    lon=st.floats(-180, 180),
    az=st.floats(0, 360),
    dist=st.floats(10.0, 80_000.0),
    r1=st.floats(10.0, 20_000.0),
    r2=st.floats(10.0, 20_000.0),
)
def test_reference_agrees_with_ground_truth_within_its_tolerance(lat, lon, az, dist, r1, r2):
    lon2, lat2, _ = fwd(lon, lat, az, dist)
    _, _, truth = GEOD.inv(lon, lat, lon2, lat2)
    a, b = vol(circle(lon, lat, r1)), vol(circle(lon2, lat2, r2))
    found = ref.lateral(a.footprint, b.footprint)
    expected = truth - r1 - r2
    if expected >= 0:
        assert found.gap_m == pytest.approx(expected, abs=found.tolerance_m)
    else:
        assert found.gap_m < 0
