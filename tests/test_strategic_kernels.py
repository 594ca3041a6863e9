"""The shortcuts behind fast checks give what the plain code paths give.

* :func:`sharedsky.geo.kernels.angles_to_core` (compiled) against dense sampling of the arcs;
* the reach prefilter of :func:`sharedsky.geo.lateral_gaps_m` never drops a pair whose gap
  is below its limit: per pair, the filtered result is bit for bit the unfiltered one;
* the vertex depths of overlapping cores (bounding-box prefilter, one boundary per area)
  equal, bit for bit, the plain per-vertex shapely computation;
* the compiled grid of :class:`sharedsky.strategic.index.VolumeIndex`, under random adds,
  removes and queries, finds every stored volume whose boxes, band and window meet the
  query's, and nothing that a plain scan of the filters would drop.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharedsky.geo import FootprintGeometry, ecef_from_lonlat, lateral_gaps_m
from sharedsky.geo import distance as geo_distance
from sharedsky.geo.kernels import angles_to_core
from sharedsky.strategic.index import Box, VolumeIndex

try:
    import reference as ref
except ImportError:  # pragma: no cover - tests imported as a package
    from tests import reference as ref

KERNELS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def geometry(footprint: dict[str, Any]) -> FootprintGeometry:
    return ref.volume(footprint).geometry


def units_of(g: FootprintGeometry) -> np.ndarray:
    return g.xyz / np.linalg.norm(g.xyz, axis=1)[:, None]


def sampled_angle(g: FootprintGeometry, p: np.ndarray, samples: int = 400) -> float:
    """The least angle from unit vector ``p`` to points spread along the core's arcs."""
    units = units_of(g)
    best = math.inf
    for start, length in zip(g.starts, g.ring_lengths, strict=True):
        piece = units[start : start + length]
        if length == 1:
            pts = piece
        else:
            t = np.linspace(0.0, 1.0, samples)[None, :, None]
            pts = ((1 - t) * piece[:-1, None, :] + t * piece[1:, None, :]).reshape(-1, 3)
            pts /= np.linalg.norm(pts, axis=1)[:, None]
        cross = np.linalg.norm(np.cross(pts, p), axis=1)
        best = min(best, float(np.arctan2(cross, pts @ p).min()))
    return best


def core_arguments(g: FootprintGeometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        units_of(g),
        np.array(g.starts, dtype=np.int64),
        np.array(g.ring_lengths, dtype=np.int64),
    )


@st.composite
def near_points(draw: st.DrawFn, centre: tuple[float, float], n: int = 6) -> np.ndarray:
    points = [
        ref.offset(*centre, draw(st.floats(0, 360)), draw(st.floats(0, 80_000.0))) for _ in range(n)
    ]
    xyz = ecef_from_lonlat([p[0] for p in points], [p[1] for p in points])
    return np.asarray(xyz / np.linalg.norm(xyz, axis=1)[:, None])


@KERNELS
@given(data=st.data(), centre=st.sampled_from(ref.REGIONS))
def test_angles_to_core_match_dense_sampling(data, centre):
    g = geometry(data.draw(ref.footprints(centre)))
    points = data.draw(near_points(centre))
    least = angles_to_core(*core_arguments(g), points, np.full(len(points), -1.0))
    for p, angle in zip(points, least, strict=True):
        sampled = sampled_angle(g, p)
        # Samples lie on the arcs, so they are never nearer than the least angle; the arcs'
        # pieces (at most 4 km, 6e-4 rad) are sampled every 1.6e-6 rad.
        assert angle <= sampled + 1e-12
        assert angle >= sampled - 2e-6


@KERNELS
@given(data=st.data(), centre=st.sampled_from(ref.REGIONS))
def test_angles_to_core_stop_early_only_within_enough(data, centre):
    g = geometry(data.draw(ref.footprints(centre)))
    points = data.draw(near_points(centre))
    args = core_arguments(g)
    least = angles_to_core(*args, points, np.full(len(points), -1.0))
    enough = np.array([data.draw(st.floats(0.0, 0.02)) for _ in points])
    early = angles_to_core(*args, points, enough)
    assert np.array_equal(early <= enough, least <= enough)
    assert np.all(early >= least)


def unfiltered(a: FootprintGeometry, b: FootprintGeometry, limit: float) -> float:
    """The gap by the plain path alone (no reach prefilter)."""
    frame = a.frame()
    gap = geo_distance._gaps(
        a,
        frame,
        a.in_frame(frame),
        [b],
        np.array([limit]),
        b.centre[None, :],
        np.array([b.angular_radius_rad]),
    )
    return float(gap[0])


@st.composite
def long_footprints(draw: st.DrawFn, centre: tuple[float, float]) -> dict[str, Any]:
    """A corridor of up to 300 km, or a large polygon: caps far wider than the core."""
    start = ref.offset(*centre, draw(st.floats(0, 360)), draw(st.floats(0, 50_000.0)))
    if draw(st.booleans()):
        points = [start]
        for _ in range(draw(st.integers(1, 3))):
            points.append(
                ref.offset(*points[-1], draw(st.floats(0, 360)), draw(st.floats(5e3, 1e5)))
            )
        width = draw(st.floats(100.0, 20_000.0))
        return {"type": "corridor", "centerline": [list(p) for p in points], "width": width}
    k = draw(st.integers(3, 9))
    ring = [
        ref.offset(*start, 360.0 / k * i, draw(st.floats(0.2, 1.0)) * 120_000.0) for i in range(k)
    ]
    return ref.polygon_fp(ring)


@settings(KERNELS, max_examples=40)
@given(data=st.data(), centre=st.sampled_from(ref.REGIONS))
def test_reach_prefilter_never_changes_a_gap(data, centre):
    a = geometry(data.draw(st.one_of(long_footprints(centre), ref.footprints(centre))))
    others = [geometry(data.draw(ref.footprints(centre, spread_m=150_000.0))) for _ in range(16)]
    limits = np.array([data.draw(st.sampled_from([0.0, 1.0, 5_556.0, 20_000.0])) for _ in others])
    batched = lateral_gaps_m(a, others, limits)
    for k, (b, limit) in enumerate(zip(others, limits, strict=True)):
        alone = float(lateral_gaps_m(a, [b], limit)[0])
        plain = unfiltered(a, b, float(limit))
        assert alone == plain or (math.isinf(alone) and math.isinf(plain))
        # In a batch, only the projection's last bits may differ (as they always did).
        assert math.isinf(batched[k]) == math.isinf(plain)
        if not math.isinf(plain):
            assert batched[k] == plain or abs(batched[k] - plain) < 1e-9 * (1 + abs(plain))


def plain_reach(
    movers: np.ndarray, areas: np.ndarray | shapely.Geometry, single: bool
) -> np.ndarray:
    """The vertex depths as first written: every vertex tested, a boundary per vertex."""
    coords, owner = shapely.get_coordinates(movers, return_index=True)
    target = np.full(len(coords), areas, dtype=object) if single else np.asarray(areas)[owner]
    inside = shapely.contains_xy(target, coords[:, 0], coords[:, 1])
    depth = np.zeros(len(coords))
    if inside.any():
        depth[inside] = shapely.distance(
            shapely.points(coords[inside]), shapely.boundary(target[inside])
        )
    out = np.zeros(len(movers))
    np.maximum.at(out, owner, depth)
    return out


@KERNELS
@given(data=st.data(), centre=st.sampled_from(ref.REGIONS))
def test_vertex_depths_equal_the_plain_computation(data, centre):
    a = geometry(data.draw(ref.footprints(centre, spread_m=20_000.0)))
    others = [geometry(data.draw(ref.footprints(centre, spread_m=20_000.0))) for _ in range(8)]
    frame = a.frame()
    core_a = a.in_frame(frame)
    cores = geo_distance.cores_in_frame(others, frame)
    areas = cores[np.asarray(shapely.get_type_id(cores)) == 3]
    if len(areas):
        movers = np.full(len(areas), core_a, dtype=object)
        got = geo_distance._reach(movers, areas, single=False)
        assert np.array_equal(got, plain_reach(movers, areas, single=False))
    if a.core.value == "area":
        got = geo_distance._reach(cores, core_a, single=True)
        assert np.array_equal(got, plain_reach(cores, core_a, single=True))


@st.composite
def index_boxes(draw: st.DrawFn) -> tuple[Box, float, float, float, float]:
    """A box (longitudes past ±180 included; under 64° wide, as footprints' boxes are), an
    ECEF box, a band and a window, on coarse values so that edges often coincide."""
    west = draw(st.sampled_from([-181.0, -3.0, 178.0])) + draw(st.integers(0, 12)) / 4
    east = west + draw(st.sampled_from([0, 1, 2, 3, 8, 40, 127])) / 2
    south = draw(st.sampled_from([-60.0, 0.0, 88.0])) + draw(st.integers(0, 6)) / 4
    north = min(south + draw(st.sampled_from([0, 1, 3, 20, 60])) / 2, 89.5)
    low = np.array([draw(st.integers(-6, 5)) * 1e6 for _ in range(3)])
    high = low + np.array([draw(st.integers(0, 6)) * 1e6 for _ in range(3)])
    z0, t0 = draw(st.integers(0, 10)), draw(st.integers(0, 10))
    z1, t1 = z0 + draw(st.integers(0, 5)), t0 + draw(st.integers(0, 5))
    return Box(west, east, south, north, low, high), z0, z1, t0, t1


def lon_meet(a: Box, b: Box) -> bool:
    return any(a.west + k <= b.east and b.west <= a.east + k for k in (-360.0, 0.0, 360.0))


def filters_meet(a: tuple[Box, float, float, float, float], q: tuple[Box, ...]) -> bool:
    box, z0, z1, t0, t1 = a
    qbox, qz0, qz1, qt0, qt1 = q
    return bool(
        z0 <= qz1
        and z1 >= qz0
        and t0 <= qt1
        and t1 >= qt0
        and np.all(box.ecef_min <= qbox.ecef_max)
        and np.all(box.ecef_max >= qbox.ecef_min)
    )


@settings(KERNELS, max_examples=150)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["add", "add", "remove", "query"]), index_boxes(), st.integers()),
        min_size=1,
        max_size=120,
    )
)
def test_index_finds_what_a_plain_scan_finds(steps):
    index = VolumeIndex(capacity=2)
    stored: dict[int, tuple[Box, float, float, float, float]] = {}
    for action, item, pick in steps:
        if action == "add":
            slot = index.add(*item)
            assert slot not in stored
            stored[slot] = item
        elif action == "remove" and stored:
            slot = sorted(stored)[pick % len(stored)]
            index.remove(slot)
            del stored[slot]
        else:
            found = index.query(*item)
            assert list(found) == sorted(set(found.tolist()))
            query_box = item[0]
            must = {
                s
                for s, v in stored.items()
                if filters_meet(v, item)
                and lon_meet(v[0], query_box)
                and v[0].south <= query_box.north
                and query_box.south <= v[0].north
            }
            may = {s for s, v in stored.items() if filters_meet(v, item)}
            assert must <= set(found.tolist()) <= may
        assert len(index) == len(stored)
