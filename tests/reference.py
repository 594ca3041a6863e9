"""A plain brute-force reference for strategic conflicts, and random scenes to feed it.

This module is test support, not a test file. It decides conflicts "the obvious way", without
anything from :mod:`sharedsky.geo` or the engine's index:

* **time**: the windows overlap once one is grown by the time buffer, strictly:
  ``a.start < b.end + t`` and ``b.start - t < a.end``;
* **vertical**: the gap between the bands (negative = overlap; a W84 band against an MSL band
  widens the MSL one by the geoid's range, as :mod:`sharedsky.model.altitude` documents) is
  below ``Buffers.vertical_at(max(lowers))``, decided as in decimal arithmetic: bands exactly
  one buffer apart (FL245 and FL250 with 500 ft, whose binary difference is 152.39999999999964
  m) are not in conflict (:attr:`PairDecision.one_vertical_buffer_apart` flags them);
* **lateral**: both footprints are rebuilt from their *declarations* in a local azimuthal
  equidistant projection (``pyproj.Transformer`` for ``+proj=aeqd`` on the WGS-84 ellipsoid)
  centred between them: polygon edges densified geodesically with ``Geod.npts`` every
  :data:`DENSIFY_M` at most, circles as the projected centre buffered by the radius, corridors
  as the densified centreline buffered by half the width, orbits as the densified segment
  (shifted sideways by half the width in the plane for L/R) buffered by half the width; all
  with round caps and :data:`QUAD_SEGS` segments per quarter circle. The gap is shapely's
  planar distance between the two buffered shapes, or minus the width of their overlap (the
  diameter of the largest disc inside both, to 0.5 % of the overlap's size) when they
  intersect. The pair is in conflict iff
  ``gap < Buffers.lateral_at(max(lowers))``.

The projection is centred first between the two footprints, then again at the midpoint of
the nearest points it found (or inside the overlap), so that the distance that matters runs
through the centre, where the projection is true.

Tolerance (the tie band)
------------------------
The plane is not the ellipsoid: away from its centre the azimuthal equidistant projection
stretches distances (by about ρ²/6R² at ρ from the centre), densified geodesic edges become
chords, and a buffered circle is an inscribed polygon (short of the true radius by up to
``r · (1 - cos(π / (4 · QUAD_SEGS)))``). The reference is therefore trusted only when

    ``|gap - lateral buffer| > tolerance``, with
    ``tolerance = 1 m + 0.002 · ρ + 1e-4 · (r_a + r_b)``,

ρ being the largest distance from the final projection centre to the two nearest points (or
to the overlap) and ``r`` the radii or half widths. Pairs inside that band are *ties*: the
property tests must ignore them (collect them with ``ties=`` and drop them from both sides of
a comparison, or ``hypothesis.assume`` they do not occur). Time decisions are exact (whole
seconds) and vertical ones exact to a micrometre: they have no tie band.

For speed only, a pair is declared clear without shapely when a sound bound says so: the
geodesic distance between two anchor points minus the geodesic reach of each footprint from
its anchor (padded by 0.5 % + 10 m for the bulge of edges between densified points) exceeds
the lateral buffer plus 10 km.

The second half of the module builds random volumes, operations and buffer policies (plain
builders and hypothesis strategies) for the property tests.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import shapely
from hypothesis import strategies as st
from pyproj import Geod, Transformer

from sharedsky.model import AltitudeReference, Operation, OperationState, Volume4D
from sharedsky.model.altitude import GEOID_N_MAX_M, GEOID_N_MIN_M
from sharedsky.model.footprint import Circle, Corridor, Orbit, Polygon, distance_m
from sharedsky.strategic import BufferPolicy, Buffers

__all__ = [
    "DENSIFY_M",
    "GEOD",
    "QUAD_SEGS",
    "REGIONS",
    "T0",
    "Lateral",
    "PairDecision",
    "all_conflicts",
    "anchor",
    "bands",
    "buffer_policies",
    "buffers",
    "circle_fp",
    "decide",
    "declaration",
    "fl",
    "footprints",
    "lateral",
    "moved_volume",
    "offset",
    "operation",
    "operation_conflicts",
    "polygon_fp",
    "scenes",
    "times_meet",
    "translated",
    "vertical_gap",
    "volume",
    "volumes",
    "w84",
    "wrap_lon",
]

GEOD = Geod(ellps="WGS84")
DENSIFY_M = 1_000.0
QUAD_SEGS = 64
TOL_ABS_M = 1.0
TOL_PER_RHO = 0.002
TOL_PER_RADIUS = 1e-4

Key = tuple[str, int, str, int]
"""(checked operation, its volume, other operation, its volume)."""


# -- footprints from their declarations ------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    """A declared footprint in longitude/latitude: rings (area) or a line or a point, a radius."""

    kind: str  # "area", "line", "point"
    parts: tuple[np.ndarray, ...]  # (n, 2) lon/lat arrays, densified; rings open
    radius_m: float
    side: float  # orbits: +1 left, -1 right, 0 centred
    anchor: tuple[float, float]
    reach_m: float  # no point of the footprint is further than this from the anchor


def _densify(points: np.ndarray, closed: bool) -> np.ndarray:
    pts = np.vstack([points, points[:1]]) if closed else points
    out = [pts[:1]]
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(pts):
        _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
        n = max(0, math.ceil(dist / DENSIFY_M) - 1)
        if n:
            out.append(np.asarray(GEOD.npts(lon1, lat1, lon2, lat2, n), dtype=np.float64))
        out.append(np.array([[lon2, lat2]]))
    dense = np.vstack(out)
    return dense[:-1] if closed else dense


def _shape(footprint: Any) -> _Shape:
    return _shape_cached(footprint.model_dump_json())


@functools.lru_cache(maxsize=4096)
def _shape_cached(declaration: str) -> _Shape:
    data = _parse_footprint(declaration)
    side = 0.0
    if isinstance(data, Polygon):
        parts = tuple(
            _densify(_open_ring(np.asarray(r, dtype=np.float64)), closed=True)
            for r in data.coordinates
        )
        kind, radius = "area", 0.0
    elif isinstance(data, Circle):
        parts = (np.asarray([data.center], dtype=np.float64),)
        kind, radius = "point", distance_m(data.radius)
    elif isinstance(data, Corridor):
        parts = (_densify(np.asarray(data.centerline, dtype=np.float64), closed=False),)
        kind, radius = "line", distance_m(data.width) / 2
    else:
        assert isinstance(data, Orbit)
        parts = (_densify(np.asarray([data.start, data.end], dtype=np.float64), closed=False),)
        kind, radius = "line", distance_m(data.width) / 2
        side = {"C": 0.0, "L": 1.0, "R": -1.0}[data.alignment]
    every = np.vstack(parts)
    anchor = (float(every[0, 0]), float(every[0, 1]))
    _, _, dist = GEOD.inv(
        np.full(len(every), anchor[0]), np.full(len(every), anchor[1]), every[:, 0], every[:, 1]
    )
    reach = float(np.max(dist)) * 1.005 + 10.0 + radius * (3.0 if side else 1.0)
    return _Shape(kind, parts, radius, side, anchor, reach)


def anchor(footprint: Any) -> tuple[float, float]:
    """A point of the footprint's declaration (its first vertex or centre), lon/lat degrees."""
    return _shape(footprint).anchor


def _parse_footprint(declaration: str) -> Polygon | Circle | Corridor | Orbit:
    data = json.loads(declaration)
    return {"polygon": Polygon, "circle": Circle, "corridor": Corridor, "orbit": Orbit}[
        data["type"]
    ].model_validate(data)


def _open_ring(ring: np.ndarray) -> np.ndarray:
    if len(ring) > 1 and np.array_equal(ring[0], ring[-1]):
        return ring[:-1]
    return ring


@functools.lru_cache(maxsize=256)
def _aeqd(lon0: float, lat0: float) -> Transformer:
    """WGS-84 longitude/latitude degrees to a local azimuthal equidistant plane (metres)."""
    return Transformer.from_pipeline(
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad"
        f" +step +proj=aeqd +lat_0={lat0!r} +lon_0={lon0!r} +ellps=WGS84"
    )


def _planar(shape: _Shape, centre: tuple[float, float]) -> shapely.Geometry:
    """The footprint, buffered, in the projection centred at ``centre``."""
    tr = _aeqd(*centre)
    xy = [np.column_stack(tr.transform(p[:, 0], p[:, 1])) for p in shape.parts]
    if shape.kind == "area":
        return shapely.Polygon(xy[0], xy[1:])
    if shape.kind == "point":
        return shapely.Point(xy[0][0]).buffer(shape.radius_m, quad_segs=QUAD_SEGS)
    line = shapely.LineString(xy[0])
    if shape.side:
        line = shapely.offset_curve(
            line, shape.side * shape.radius_m, quad_segs=QUAD_SEGS, join_style="round"
        )
    return line.buffer(shape.radius_m, quad_segs=QUAD_SEGS, cap_style="round")


def _unproject(centre: tuple[float, float], xy: np.ndarray) -> tuple[float, float]:
    lon, lat = _aeqd(*centre).transform(xy[0], xy[1], direction="INVERSE")
    return float(lon), float(lat)


def _midpoint(p: tuple[float, float], q: tuple[float, float]) -> tuple[float, float]:
    az, _, dist = GEOD.inv(p[0], p[1], q[0], q[1])
    lon, lat, _ = GEOD.fwd(p[0], p[1], az, dist / 2)
    return float(lon), float(lat)


@dataclass(frozen=True)
class Lateral:
    """The reference's lateral gap (metres, negative = overlap width) and its tolerance."""

    gap_m: float
    tolerance_m: float
    exact: bool
    """False when the gap was only bounded from below (the pair is far apart)."""


def _measure(a: _Shape, b: _Shape, centre: tuple[float, float]) -> tuple[float, np.ndarray]:
    """(gap, point to centre on next) in the projection centred at ``centre``."""
    pa, pb = _planar(a, centre), _planar(b, centre)
    if not shapely.intersects(pa, pb):
        ends = shapely.get_coordinates(shapely.shortest_line(pa, pb))
        return float(shapely.distance(pa, pb)), ends
    overlap = shapely.intersection(pa, pb)
    if shapely.area(overlap) <= 0.0:
        point = shapely.get_coordinates(shapely.point_on_surface(overlap))
        return 0.0, np.vstack([point, point])
    tol = max(0.02, 0.005 * math.sqrt(float(shapely.area(overlap))))
    disc = shapely.maximum_inscribed_circle(overlap, tol)
    ends = shapely.get_coordinates(disc)
    return -2.0 * float(shapely.length(disc)), np.vstack([ends[:1], ends[:1]])


def lateral(fa: Any, fb: Any, *, bound_m: float = math.inf) -> Lateral:
    """The lateral gap between two declared footprints (model objects).

    When ``bound_m`` is finite and a cheap sound bound shows the gap exceeds it, the bound is
    returned with ``exact=False``.
    """
    a, b = _shape(fa), _shape(fb)
    _, _, anchors = GEOD.inv(a.anchor[0], a.anchor[1], b.anchor[0], b.anchor[1])
    lower = anchors - a.reach_m - b.reach_m
    if lower > bound_m:
        return Lateral(lower, 0.0, exact=False)
    centre = _midpoint(a.anchor, b.anchor)
    gap, ends = _measure(a, b, centre)
    nearest = (_unproject(centre, ends[0]), _unproject(centre, ends[1]))
    centre = _midpoint(*nearest)
    gap, ends = _measure(a, b, centre)
    rho = float(np.max(np.hypot(ends[:, 0], ends[:, 1])))
    tolerance = TOL_ABS_M + TOL_PER_RHO * rho + TOL_PER_RADIUS * (a.radius_m + b.radius_m)
    return Lateral(gap, tolerance, exact=True)


# -- pairs of volumes and sets of operations ---------------------------------------------------


def vertical_gap(va: Volume4D, vb: Volume4D) -> float:
    """Vertical gap between two bands, MSL widened by the geoid's range against W84."""
    a_lo, a_hi, b_lo, b_hi = va.lower.metres, va.upper.metres, vb.lower.metres, vb.upper.metres
    if va.reference is not vb.reference:
        if va.reference is AltitudeReference.MSL:
            a_lo, a_hi = a_lo + GEOID_N_MIN_M, a_hi + GEOID_N_MAX_M
        else:
            b_lo, b_hi = b_lo + GEOID_N_MIN_M, b_hi + GEOID_N_MAX_M
    return max(a_lo - b_hi, b_lo - a_hi)


def times_meet(va: Volume4D, vb: Volume4D, time_s: float) -> bool:
    grow = timedelta(seconds=time_s)
    return va.time_start < vb.time_end + grow and vb.time_start - grow < va.time_end


VERTICAL_EXACT_M = 1e-6
"""Bands whose gap equals the vertical buffer to this much are exactly one buffer apart."""


@dataclass(frozen=True)
class PairDecision:
    conflict: bool
    time_meet: bool
    vertical_gap_m: float
    vertical_buffer_m: float
    lateral_buffer_m: float
    lateral: Lateral | None
    """None when time or altitude already clear the pair."""

    @property
    def one_vertical_buffer_apart(self) -> bool:
        """The bands are exactly one vertical buffer apart (in decimal arithmetic): not a
        conflict, although binary floating point may put their gap a hair below the buffer."""
        return abs(self.vertical_gap_m - self.vertical_buffer_m) <= VERTICAL_EXACT_M

    @property
    def tie(self) -> bool:
        """Inside the tie band: the reference cannot tell (see the module docstring)."""
        if self.lateral is None or not self.lateral.exact:
            return False
        return abs(self.lateral.gap_m - self.lateral_buffer_m) <= self.lateral.tolerance_m


def decide(va: Volume4D, vb: Volume4D, buffers: Buffers) -> PairDecision:
    """Are two volumes in conflict under ``buffers``? (see the module docstring)"""
    floor = max(va.lower.metres, vb.lower.metres)
    vbuf, lbuf = buffers.vertical_at(floor), buffers.lateral_at(floor)
    meet = times_meet(va, vb, buffers.time_s)
    vgap = vertical_gap(va, vb)
    if not meet or not vgap < vbuf - VERTICAL_EXACT_M:
        return PairDecision(False, meet, vgap, vbuf, lbuf, None)
    lat = lateral(va.footprint, vb.footprint, bound_m=lbuf + 10_000.0)
    return PairDecision(lat.gap_m < lbuf, meet, vgap, vbuf, lbuf, lat)


def operation_conflicts(
    checked: Operation,
    others: Iterable[Operation],
    buffers_policy: BufferPolicy,
    *,
    include_same_party: bool = False,
    ties: set[Key] | None = None,
    decisions: dict[Key, PairDecision] | None = None,
) -> set[Key]:
    """Conflicts of ``checked`` with ``others`` (not its own id, never ENDED operations)."""
    found: set[Key] = set()
    if checked.state is OperationState.ENDED:
        return found
    for other in others:
        if other.id == checked.id or other.state is OperationState.ENDED:
            continue
        if other.party == checked.party and not include_same_party:
            continue
        buffers = buffers_policy.between(checked.party, other.party)
        for i, va in enumerate(checked.volumes):
            for j, vb in enumerate(other.volumes):
                key = (checked.id, i, other.id, j)
                d = decide(va, vb, buffers)
                if decisions is not None:
                    decisions[key] = d
                if d.conflict:
                    found.add(key)
                if d.tie and ties is not None:
                    ties.add(key)
    return found


def all_conflicts(
    operations: Sequence[Operation],
    buffers_policy: BufferPolicy,
    include_same_party: bool = False,
    *,
    ties: set[Key] | None = None,
    decisions: dict[Key, PairDecision] | None = None,
) -> set[Key]:
    """Every conflict between every pair of operations, both ways round.

    Returns ``(a_id, a_volume, b_id, b_volume)`` for each conflicting pair of volumes, once
    with each operation as ``a``. Pairs inside the tie band are added to ``ties`` (both ways
    round) when it is given; each decision to ``decisions``.
    """
    found: set[Key] = set()
    ops = list(operations)
    for n, a in enumerate(ops):
        if a.state is OperationState.ENDED:
            continue
        later = ops[n + 1 :]
        local_ties: set[Key] = set()
        local: dict[Key, PairDecision] = {}
        pairs = operation_conflicts(
            a,
            later,
            buffers_policy,
            include_same_party=include_same_party,
            ties=local_ties,
            decisions=local,
        )
        for a_id, i, b_id, j in pairs:
            found |= {(a_id, i, b_id, j), (b_id, j, a_id, i)}
        if ties is not None:
            for a_id, i, b_id, j in local_ties:
                ties |= {(a_id, i, b_id, j), (b_id, j, a_id, i)}
        if decisions is not None:
            for (a_id, i, b_id, j), d in local.items():
                decisions[(a_id, i, b_id, j)] = d
                decisions[(b_id, j, a_id, i)] = d
    return found


# -- building volumes and operations -----------------------------------------------------------

T0 = datetime(2030, 6, 1, 8, 0, tzinfo=UTC)


def fl(level: int) -> str:
    return f"FL{level:03d}"


def w84(metres: float) -> dict[str, Any]:
    return {"value": metres, "units": "M", "reference": "W84"}


def volume(
    footprint: dict[str, Any],
    lower: Any = "FL100",
    upper: Any = "FL200",
    start: datetime | float = 0.0,
    end: datetime | float = 3_600.0,
) -> Volume4D:
    """A volume; ``start``/``end`` as datetimes or seconds after :data:`T0`."""
    if not isinstance(start, datetime):
        start = T0 + timedelta(seconds=start)
    if not isinstance(end, datetime):
        end = T0 + timedelta(seconds=end)
    return Volume4D.model_validate(
        {
            "footprint": footprint,
            "altitude_lower": lower,
            "altitude_upper": upper,
            "time_start": start.isoformat(),
            "time_end": end.isoformat(),
        }
    )


def operation(
    op_id: str,
    party: str,
    volumes: Sequence[Volume4D] | Volume4D,
    *,
    priority: int = 0,
    state: OperationState = OperationState.ACCEPTED,
) -> Operation:
    vols = (volumes,) if isinstance(volumes, Volume4D) else tuple(volumes)
    return Operation(id=op_id, party=party, priority=priority, state=state, volumes=vols)


def circle_fp(lon: float, lat: float, radius_m: float) -> dict[str, Any]:
    return {"type": "circle", "center": [lon, lat], "radius": radius_m}


def polygon_fp(*rings: Sequence[tuple[float, float]]) -> dict[str, Any]:
    return {"type": "polygon", "coordinates": [[list(p) for p in ring] for ring in rings]}


def wrap_lon(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


def translated(fp: dict[str, Any], dlon: float, dlat: float) -> dict[str, Any]:
    """A footprint declaration moved by (dlon, dlat) degrees (longitudes wrap)."""

    def move(p: Sequence[float]) -> list[float]:
        return [wrap_lon(p[0] + dlon), p[1] + dlat]

    out = dict(fp)
    if fp["type"] == "polygon":
        out["coordinates"] = [[move(p) for p in ring] for ring in fp["coordinates"]]
    elif fp["type"] == "circle":
        out["center"] = move(fp["center"])
    elif fp["type"] == "corridor":
        out["centerline"] = [move(p) for p in fp["centerline"]]
    else:
        out["start"], out["end"] = move(fp["start"]), move(fp["end"])
    return out


def declaration(v: Volume4D) -> dict[str, Any]:
    return v.model_dump(mode="json")


def moved_volume(v: Volume4D, dlon: float = 0.0, dlat: float = 0.0) -> Volume4D:
    data = declaration(v)
    data["footprint"] = translated(data["footprint"], dlon, dlat)
    return Volume4D.model_validate(data)


# -- hypothesis strategies for random scenes ---------------------------------------------------

REGIONS: tuple[tuple[float, float], ...] = (
    (10.0, 50.0),
    (36.0, 35.0),
    (179.85, -20.0),  # across the antimeridian
    (-179.9, 64.0),  # across the antimeridian, high latitude
    (0.0, 0.0),
    (-120.0, -60.0),
    (150.0, 72.0),
)

STATES = (
    OperationState.ACCEPTED,
    OperationState.ACCEPTED,
    OperationState.ACTIVATED,
    OperationState.NONCONFORMING,
    OperationState.CONTINGENT,
    OperationState.ENDED,
)


def offset(lon: float, lat: float, az: float, dist: float) -> tuple[float, float]:
    """The point ``dist`` metres from (lon, lat) along azimuth ``az`` (rounded to 0.1 mm)."""
    lon2, lat2, _ = GEOD.fwd(lon, lat, az, dist)
    return round(float(lon2), 9), round(float(lat2), 9)


@st.composite
def footprints(
    draw: st.DrawFn, centre: tuple[float, float], spread_m: float = 60_000.0
) -> dict[str, Any]:
    """A random polygon (maybe with a hole), circle, corridor or orbit near ``centre``."""
    here = offset(
        *centre, draw(st.floats(0, 360)), draw(st.floats(0, spread_m, allow_subnormal=False))
    )
    size = draw(st.floats(1_000.0, 25_000.0))
    kind = draw(st.sampled_from(["polygon", "circle", "corridor", "orbit"]))
    if kind == "circle":
        return circle_fp(*here, radius_m=round(draw(st.floats(50.0, 0.8 * size)), 3))
    if kind == "polygon":
        k = draw(st.integers(3, 7))
        sector = 360.0 / k
        azs = [sector * i + draw(st.floats(0, 0.4 * sector)) for i in range(k)]
        radii = [draw(st.floats(0.4, 1.0)) * size for _ in range(k)]
        ring = [offset(*here, az, r) for az, r in zip(azs, radii, strict=True)]
        if draw(st.integers(0, 4)) == 0:
            hole = [offset(*here, az, 0.3 * r) for az, r in zip(azs, radii, strict=True)]
            return polygon_fp(ring, hole[::-1])
        return polygon_fp(ring)
    width = round(draw(st.floats(100.0, 10_000.0)), 3)
    if kind == "corridor":
        points = [here]
        for _ in range(draw(st.integers(1, 3))):
            points.append(offset(*points[-1], draw(st.floats(0, 360)), draw(st.floats(500, size))))
        return {"type": "corridor", "centerline": [list(p) for p in points], "width": width}
    end = offset(*here, draw(st.floats(0, 360)), draw(st.floats(300.0, max(size, 1_000.0))))
    return {
        "type": "orbit",
        "start": list(here),
        "end": list(end),
        "width": width,
        "alignment": draw(st.sampled_from(["C", "L", "R"])),
    }


@st.composite
def bands(draw: st.DrawFn, high_bands: bool = True) -> tuple[Any, Any]:
    """An altitude band: flight levels (MSL) or W84 metres; sometimes (with ``high_bands``)
    around FL600, where the lateral buffer widens."""
    high = high_bands and draw(st.integers(0, 5)) == 0
    if draw(st.integers(0, 3)) == 0:
        lower = draw(st.integers(170, 200) if high else st.integers(0, 120)) * 100.0
        return w84(lower), w84(lower + draw(st.integers(1, 60)) * 50.0)
    lower = draw(st.integers(110, 130) if high else st.integers(0, 80)) * 5
    return fl(lower), fl(lower + draw(st.integers(1, 24)) * 5)


@st.composite
def volumes(
    draw: st.DrawFn,
    centre: tuple[float, float],
    spread_m: float = 60_000.0,
    high_bands: bool = True,
) -> Volume4D:
    lower, upper = draw(bands(high_bands))
    start = draw(st.integers(0, 24)) * 600
    duration = draw(st.integers(1, 24)) * 600
    return volume(draw(footprints(centre, spread_m)), lower, upper, start, start + duration)


@st.composite
def buffers(draw: st.DrawFn) -> Buffers:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return Buffers.zero()
    if kind == 1:
        return Buffers(time_s=draw(st.sampled_from([0.0, 300.0])))
    return Buffers(
        lateral_m=draw(st.sampled_from([0.0, 1_000.0, 5_556.0, 12_000.0])),
        lateral_high_m=draw(st.sampled_from([0.0, 11_112.0, 20_000.0])),
        vertical_m=draw(st.sampled_from([0.0, 152.4, 300.0])),
        vertical_high_m=draw(st.sampled_from([0.0, 100.0, 304.8])),
        time_s=float(draw(st.integers(0, 6)) * 300),
    )


@st.composite
def buffer_policies(draw: st.DrawFn, parties: Sequence[str]) -> BufferPolicy:
    pairs = {}
    for n, p in enumerate(parties):
        for q in parties[n + 1 :]:
            if draw(st.integers(0, 3)) == 0:
                pairs[(p, q) if draw(st.booleans()) else (q, p)] = draw(buffers())
    return BufferPolicy(default=draw(buffers()), pairs=pairs)


@st.composite
def scenes(
    draw: st.DrawFn,
    min_ops: int = 10,
    max_ops: int = 40,
    spread_m: float = 60_000.0,
    high_bands: bool = True,
) -> tuple[list[Operation], BufferPolicy]:
    """Random operations of 2–5 parties near one region, and a random buffer policy."""
    centre = draw(st.sampled_from(REGIONS))
    parties = [f"P{k}" for k in range(draw(st.integers(2, 5)))]
    ops = []
    for n in range(draw(st.integers(min_ops, max_ops))):
        count = draw(st.integers(1, 3))
        vols = [draw(volumes(centre, spread_m, high_bands)) for _ in range(count)]
        ops.append(
            operation(
                f"op{n}",
                draw(st.sampled_from(parties)),
                vols,
                priority=draw(st.integers(0, 2)),
                state=draw(st.sampled_from(STATES)),
            )
        )
    return ops, draw(buffer_policies(parties))
