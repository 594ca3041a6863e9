"""Volume conformance and volume-entry warnings (``sharedsky.tactical.conformance``) against a
brute-force reference, plus one case per rule.

The reference decides "is this aircraft inside this volume at time t" the obvious way, with
nothing from :mod:`sharedsky.geo`:

* the path is sampled every :data:`REF_STEP_S` with ``pyproj.Geod.fwd`` (course held along the
  geodesic, constant ground speed) and ``alt + vs · t``;
* lateral: circles by ``Geod.inv`` to the centre; other footprints rebuilt from their
  declarations in an azimuthal equidistant projection centred on the path (edges densified
  geodesically every :data:`DENSIFY_M`; L/R orbits offset in that plane), then shapely's
  point-in-polygon and planar distance. Near the projection's centre this is true to well
  under :data:`TOL_M` (1 m), which is the lateral tie band;
* vertical: inside when some geoid undulation N in the allowed range puts ``alt + N`` in a W84
  band (for conformance: every N); MSL bands compare ``alt`` directly;
* time: the window, ends included.

What the fast path must match (its contract, in the module docstring):

* completeness: a sample inside laterally by more than ``gs · INCURSION_RESOLUTION_S / 2 +
  TOL_M`` (the aircraft is then inside for at least the resolution) and inside the band and the
  window is found, no later than that sample;
* soundness: the entry point reported is inside per the reference, up to ``TOL_M`` laterally,
  1 µm vertically and 1 µs in time, and the aircraft was not inside (up to the same tolerance)
  just before a lateral entry.
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod, Transformer

from sharedsky.errors import InvalidInput
from sharedsky.model import AltitudeReference, Operation, OperationState, Volume4D
from sharedsky.model.altitude import GEOID_N_MAX_M, GEOID_N_MIN_M
from sharedsky.model.footprint import Circle, Corridor, Orbit, Polygon, distance_m
from sharedsky.strategic import StrategicEngine
from sharedsky.tactical.conformance import (
    ACTIVE_STATES,
    ENTRY_TIME_TOLERANCE_S,
    INCURSION_RESOLUTION_S,
    ActiveVolumes,
    Conformance,
    Deviation,
    VolumeEntry,
    VolumeEntryKind,
    check_conformance,
    predict_volume_entries,
)
from sharedsky.tactical.states import AircraftStates

try:
    import reference as ref
except ImportError:  # pragma: no cover - tests imported as a package
    from tests import reference as ref

GEOD = Geod(ellps="WGS84")
DENSIFY_M = 500.0
REF_STEP_S = 0.25
TOL_M = 1.0
TIE_V_M = 1e-6
TIE_T_S = 1e-6
NOW = ref.T0.timestamp() + 1_800.0
"""The snapshot time of the cases below: volumes from ``ref.volume`` open at ref.T0."""

SLOW_DATA = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
SCENES = settings(deadline=None, suppress_health_check=SLOW_DATA)


# -- the brute-force reference -----------------------------------------------------------------


@dataclass(frozen=True)
class Craft:
    """One aircraft's state, as the reference flies it."""

    id: str
    party: str
    lon: float
    lat: float
    alt: float
    gs: float
    track: float
    vs: float

    def at(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Longitude, latitude and barometric altitude after ``t`` seconds."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        n = len(t)
        lon, lat, _ = GEOD.fwd(
            np.full(n, self.lon), np.full(n, self.lat), np.full(n, self.track), self.gs * t
        )
        lon, lat = np.asarray(lon), np.asarray(lat)
        still = self.gs * t == 0.0
        lon[still], lat[still] = self.lon, self.lat
        return lon, lat, self.alt + self.vs * t


def crafts(states: AircraftStates) -> list[Craft]:
    return [
        Craft(
            str(states.ids[i]),
            str(states.party[i]),
            float(states.lon_deg[i]),
            float(states.lat_deg[i]),
            float(states.alt_m[i]),
            float(states.gs_mps[i]),
            float(states.track_deg[i]),
            float(states.vs_mps[i]),
        )
        for i in range(len(states))
    ]


@functools.lru_cache(maxsize=256)
def _aeqd(lon0: float, lat0: float) -> Transformer:
    return Transformer.from_pipeline(
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad"
        f" +step +proj=aeqd +lat_0={lat0!r} +lon_0={lon0!r} +ellps=WGS84"
    )


def _densify(points: Sequence[Sequence[float]], closed: bool) -> np.ndarray:
    pts = [tuple(p) for p in points]
    if closed:
        if pts[0] == pts[-1]:
            pts = pts[:-1]
        pts = [*pts, pts[0]]
    out = [np.array([pts[0]], dtype=np.float64)]
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(pts):
        _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
        n = max(0, math.ceil(dist / DENSIFY_M) - 1)
        if n:
            out.append(np.asarray(GEOD.npts(lon1, lat1, lon2, lat2, n), dtype=np.float64))
        out.append(np.array([[lon2, lat2]]))
    return np.vstack(out)


def ref_lateral(footprint: Any, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Signed lateral distance (m) from points to a declared footprint: positive outside,
    minus the distance to the boundary inside."""
    lon, lat = np.atleast_1d(lon), np.atleast_1d(lat)
    if isinstance(footprint, Circle):
        centre = footprint.center
        _, _, dist = GEOD.inv(lon, lat, np.full(len(lon), centre[0]), np.full(len(lat), centre[1]))
        return np.asarray(dist) - distance_m(footprint.radius)
    mid = len(lon) // 2
    to_plane = _aeqd(float(lon[mid]), float(lat[mid]))

    def plane(points: np.ndarray) -> np.ndarray:
        x, y = to_plane.transform(points[:, 0], points[:, 1])
        return np.column_stack([x, y])

    x, y = to_plane.transform(lon, lat)
    points = shapely.points(np.column_stack([x, y]))
    if isinstance(footprint, Polygon):
        rings = [plane(_densify(ring, closed=True)) for ring in footprint.coordinates]
        area = shapely.Polygon(rings[0], rings[1:])
        inside = shapely.intersects_xy(area, x, y)
        depth = np.asarray(shapely.distance(area.boundary, points))
        return np.where(inside, -depth, depth)
    if isinstance(footprint, Corridor):
        half = distance_m(footprint.width) / 2
        line = shapely.LineString(plane(_densify(footprint.centerline, closed=False)))
    else:
        assert isinstance(footprint, Orbit)
        half = distance_m(footprint.width) / 2
        line = shapely.LineString(plane(_densify([footprint.start, footprint.end], closed=False)))
        if footprint.alignment != "C":
            side = 1.0 if footprint.alignment == "L" else -1.0
            line = shapely.offset_curve(line, side * half, quad_segs=64, join_style="round")
    return np.asarray(shapely.distance(line, points)) - half


def ref_possible_margin(volume: Volume4D, alt: np.ndarray, geoid: float | None) -> np.ndarray:
    """How far inside the band (negative: outside) ``alt`` is for the most favourable N."""
    lo, hi = volume.lower.metres, volume.upper.metres
    height = np.asarray(alt, dtype=np.float64)
    if volume.reference is AltitudeReference.W84:
        n_lo, n_hi = (GEOID_N_MIN_M, GEOID_N_MAX_M) if geoid is None else (geoid, geoid)
        height = height + np.clip((lo + hi) / 2 - height, n_lo, n_hi)
    return np.minimum(height - lo, hi - height)


def widened_depth(volume: Volume4D, alt: float, geoid: float | None) -> float:
    """The documented vertical depth of an entry: inside the band widened by N's range."""
    lo, hi = volume.lower.metres, volume.upper.metres
    if volume.reference is AltitudeReference.W84:
        n_lo, n_hi = (GEOID_N_MIN_M, GEOID_N_MAX_M) if geoid is None else (geoid, geoid)
        lo, hi = lo - n_hi, hi - n_lo
    return min(alt - lo, hi - alt)


def ref_sure_outside(volume: Volume4D, alt: float, geoid: float | None) -> float:
    """How far ``alt`` is from being inside the band for every N (0 when it is)."""
    lo, hi = volume.lower.metres, volume.upper.metres
    if volume.reference is AltitudeReference.MSL:
        return max(lo - alt, alt - hi, 0.0)
    n_lo, n_hi = (GEOID_N_MIN_M, GEOID_N_MAX_M) if geoid is None else (geoid, geoid)
    return max(lo - (alt + n_lo), (alt + n_hi) - hi, 0.0)


def ref_time_margin(volume: Volume4D, moment: np.ndarray) -> np.ndarray:
    return np.minimum(moment - volume.time_start.timestamp(), volume.time_end.timestamp() - moment)


@dataclass(frozen=True)
class Samples:
    t: np.ndarray
    lateral: np.ndarray
    vertical: np.ndarray
    window: np.ndarray


def ref_samples(
    craft: Craft, volume: Volume4D, now: float, t: np.ndarray, geoid: float | None
) -> Samples:
    lon, lat, alt = craft.at(t)
    return Samples(
        t,
        ref_lateral(volume.footprint, lon, lat),
        ref_possible_margin(volume, alt, geoid),
        ref_time_margin(volume, now + t),
    )


def eligible(operation: Operation, craft: Craft) -> bool:
    """Whether an operation's volumes may warn about an aircraft (default states)."""
    return operation.state in ACTIVE_STATES and (not craft.party or operation.party != craft.party)


# -- scenes ------------------------------------------------------------------------------------

PARTIES = ("P0", "P1", "P2")


@dataclass(frozen=True)
class Scene:
    operations: list[Operation]
    states: AircraftStates
    lookahead_s: float
    geoid: float | None


@st.composite
def scenes(draw: st.DrawFn) -> Scene:
    """A few operations of three parties near one region, a snapshot time often near a
    window's opening, and aircraft placed at random, aimed at a volume from a few km away
    within its band, or sitting in one."""
    centre = draw(st.sampled_from(ref.REGIONS))
    operations = []
    for n in range(draw(st.integers(1, 6))):
        count = draw(st.integers(1, 2))
        volumes = [
            draw(ref.volumes(centre, spread_m=30_000.0, high_bands=False)) for _ in range(count)
        ]
        state = draw(st.sampled_from([*ACTIVE_STATES, *ACTIVE_STATES, *OperationState]))
        party = draw(st.sampled_from(PARTIES))
        operations.append(ref.operation(f"op{n}", party, volumes, state=state))
    every = [(op.party, v) for op in operations for v in op.volumes]
    opening = draw(st.sampled_from(every))[1].time_start.timestamp()
    now = opening + draw(st.sampled_from([-45.0, -20.5, 0.0, 3.0, 600.0]))
    lookahead = draw(st.sampled_from([0.0, 30.0, 60.0, 90.0, 90.0]))
    live = [
        (party, v)
        for party, v in every
        if v.time_start.timestamp() <= now + lookahead and v.time_end.timestamp() >= now
    ]
    columns: dict[str, list[Any]] = {
        k: []
        for k in ("ids", "lon_deg", "lat_deg", "alt_m", "gs_mps", "track_deg", "vs_mps", "party")
    }
    for i in range(draw(st.integers(1, 6))):
        owner, target = draw(st.sampled_from(live or every))
        low, high = target.lower.metres, target.upper.metres
        alt = draw(st.floats(max(0.0, low - 300.0), high + 300.0))
        placement = draw(st.sampled_from(["random", "aimed", "aimed", "aimed", "in"]))
        if placement == "random":
            lon, lat = ref.offset(*centre, draw(st.floats(0, 360)), draw(st.floats(0, 35_000)))
            track = draw(st.floats(0, 360, exclude_max=True))
            alt = draw(st.floats(0, 13_000))
        else:
            aim = ref.anchor(target.footprint)
            away = draw(st.floats(2_000, 15_000) if placement == "aimed" else st.floats(0, 2_000))
            lon, lat = ref.offset(*aim, draw(st.floats(0, 360)), away)
            track = (float(GEOD.inv(lon, lat, *aim)[0]) + draw(st.floats(-10, 10))) % 360.0
        columns["ids"].append(f"a{i}")
        columns["lon_deg"].append(lon)
        columns["lat_deg"].append(lat)
        columns["alt_m"].append(alt)
        columns["gs_mps"].append(draw(st.sampled_from([0.0, 60.0, 150.0, 240.0, 300.0, 300.0])))
        columns["track_deg"].append(track)
        columns["vs_mps"].append(draw(st.sampled_from([0.0, 0.0, 8.0, -12.5, 30.0])))
        other = next(p for p in PARTIES if p != owner)
        columns["party"].append(draw(st.sampled_from([owner, other, ""])))
    states = AircraftStates.from_columns(time_s=now, **columns)
    geoid = draw(st.sampled_from([None, None, 31.5]))
    return Scene(operations, states, lookahead, geoid)


# -- the fast path against the reference -------------------------------------------------------


@settings(SCENES, max_examples=120)
@given(scene=scenes())
def test_entries_match_the_reference(scene: Scene) -> None:
    entries = predict_volume_entries(
        scene.states,
        ActiveVolumes(scene.operations),
        lookahead_s=scene.lookahead_s,
        geoid_undulation_m=scene.geoid,
    )
    found = {(e.aircraft, e.operation, e.volume): e for e in entries}
    assert len(found) == len(entries)
    assert [e.time_s for e in entries] == sorted(e.time_s for e in entries)
    grid = np.unique(np.append(np.arange(0.0, scene.lookahead_s, REF_STEP_S), scene.lookahead_s))
    checked = set()
    for craft in crafts(scene.states):
        margin = craft.gs * INCURSION_RESOLUTION_S / 2 + TOL_M
        for operation in scene.operations:
            if not eligible(operation, craft):
                continue
            for j, volume in enumerate(operation.volumes):
                key = (craft.id, operation.id, j)
                checked.add(key)
                s = ref_samples(craft, volume, scene.states.time_s, grid, scene.geoid)
                clear = (s.lateral <= -margin) & (s.vertical >= TIE_V_M) & (s.window >= TIE_T_S)
                entry = found.get(key)
                if clear.any():
                    assert entry is not None, f"{key}: inside at {grid[np.argmax(clear)]} s"
                    assert entry.time_s <= grid[np.argmax(clear)] + 1e-9, key
                if entry is not None:
                    check_entry(entry, craft, operation, volume, scene)
    assert set(found) <= checked


def check_entry(
    entry: VolumeEntry, craft: Craft, operation: Operation, volume: Volume4D, scene: Scene
) -> None:
    """The entry reported is inside, as the reference sees it, and its fields agree."""
    now, t = scene.states.time_s, entry.time_s
    assert 0.0 <= t <= scene.lookahead_s
    at = ref_samples(craft, volume, now, np.array([t]), scene.geoid)
    assert at.lateral[0] <= TOL_M
    assert at.vertical[0] >= -TIE_V_M
    assert at.window[0] >= -TIE_T_S
    lon, lat, alt = craft.at(np.array([t]))
    assert entry.lon_deg == pytest.approx(lon[0], abs=1e-9)
    assert entry.lat_deg == pytest.approx(lat[0], abs=1e-9)
    assert entry.alt_m == pytest.approx(alt[0], abs=1e-6)
    assert entry.owner == operation.party
    assert entry.party == craft.party
    assert entry.lateral_depth_m == pytest.approx(max(-at.lateral[0], 0.0), abs=TOL_M)
    depth = widened_depth(volume, float(alt[0]), scene.geoid)
    assert entry.vertical_depth_m == pytest.approx(max(depth, 0.0), abs=1e-6)
    slack = TOL_M + craft.gs * ENTRY_TIME_TOLERANCE_S
    if entry.kind is VolumeEntryKind.INSIDE:
        assert t == 0.0
    elif entry.kind is VolumeEntryKind.TIME:
        assert now + t == pytest.approx(volume.time_start.timestamp(), abs=1e-6)
    elif entry.kind is VolumeEntryKind.VERTICAL:
        assert at.vertical[0] == pytest.approx(0.0, abs=1e-6)
    else:
        before = ref_samples(
            craft, volume, now, np.array([t - ENTRY_TIME_TOLERANCE_S]), scene.geoid
        )
        assert abs(at.lateral[0]) <= slack
        assert before.lateral[0] >= -slack


@settings(SCENES, max_examples=60)
@given(scene=scenes())
def test_conformance_matches_the_reference(scene: Scene) -> None:
    records = check_conformance(
        scene.states, ActiveVolumes(scene.operations), geoid_undulation_m=scene.geoid
    )
    by_id = {c.aircraft: c for c in records}
    assert [c.aircraft for c in records] == sorted(by_id)
    now = scene.states.time_s
    for craft in crafts(scene.states):
        if not craft.party:
            assert craft.id not in by_id
            continue
        record = by_id[craft.id]
        own = [
            (op.id, j, v)
            for op in scene.operations
            if op.party == craft.party and op.state in ACTIVE_STATES
            for j, v in enumerate(op.volumes)
        ]
        if not own:
            assert record.deviations == (Deviation.NO_ACTIVE_VOLUME,)
            continue
        late = {
            (o, j): max(v.time_start.timestamp() - now, now - v.time_end.timestamp(), 0.0)
            for o, j, v in own
        }
        soonest = min(late.values())
        assert record.time_s == soonest
        assert late[(record.operation, record.volume)] == soonest
        scores = {}
        for o, j, v in own:
            if late[(o, j)] != soonest:
                continue
            lateral = float(
                ref_lateral(v.footprint, np.array([craft.lon]), np.array([craft.lat]))[0]
            )
            vertical = ref_sure_outside(v, craft.alt, scene.geoid)
            scores[(o, j)] = (lateral, vertical)
        lateral, vertical = scores[(record.operation, record.volume)]
        assert record.lateral_m == pytest.approx(max(lateral, 0.0), abs=TOL_M)
        assert record.vertical_m == pytest.approx(vertical, abs=1e-6)
        best = min(math.hypot(max(la, 0.0), ve) for la, ve in scores.values())
        assert math.hypot(max(lateral, 0.0), vertical) <= best + 2 * TOL_M
        clearly_in = soonest == 0.0 and any(
            la <= -TOL_M and ve == 0.0 and ref_sure_outside_strict(v, craft.alt, scene.geoid)
            for (o, j, v) in own
            if (o, j) in scores
            for la, ve in [scores[(o, j)]]
        )
        if clearly_in:
            assert record.conforming
        if record.conforming:
            assert lateral <= TOL_M and vertical == 0.0 and soonest == 0.0


def ref_sure_outside_strict(volume: Volume4D, alt: float, geoid: float | None) -> bool:
    """Inside the band for every N by more than a micrometre (clear of float ties)."""
    return all(ref_sure_outside(volume, alt + d, geoid) == 0.0 for d in (-TIE_V_M, TIE_V_M))


# -- one case per rule -------------------------------------------------------------------------

SITE = (36.0, 35.0)


def activated(op_id: str, party: str, *volumes: Volume4D, state: str = "activated") -> Operation:
    return ref.operation(op_id, party, volumes, state=OperationState(state))


def circle_volume(
    centre: tuple[float, float] = SITE,
    radius_m: float = 5_000.0,
    lower: Any = "FL100",
    upper: Any = "FL200",
    start: float = 0.0,
    end: float = 3_600.0,
) -> Volume4D:
    return ref.volume(ref.circle_fp(*centre, radius_m), lower, upper, start, end)


def snapshot(*aircraft: dict[str, Any], at: float = NOW) -> AircraftStates:
    """Aircraft given as dicts (id, lon, lat; alt 4000 m, still, level and party "Q" unless
    given)."""
    rows = [
        {"alt": 4_000.0, "gs": 0.0, "track": 0.0, "vs": 0.0, "party": "Q", **craft}
        for craft in aircraft
    ]
    return AircraftStates.from_columns(
        time_s=at,
        ids=[r["id"] for r in rows],
        lon_deg=[r["lon"] for r in rows],
        lat_deg=[r["lat"] for r in rows],
        alt_m=[r["alt"] for r in rows],
        gs_mps=[r["gs"] for r in rows],
        track_deg=[r["track"] for r in rows],
        vs_mps=[r["vs"] for r in rows],
        party=[r["party"] for r in rows],
    )


def entries(
    states: AircraftStates, *operations: Operation, lookahead_s: float = 120.0, **kw: Any
) -> tuple[VolumeEntry, ...]:
    return predict_volume_entries(states, ActiveVolumes(operations), lookahead_s=lookahead_s, **kw)


def conformance(states: AircraftStates, *operations: Operation, **kw: Any) -> Conformance:
    (record,) = check_conformance(states, ActiveVolumes(operations), **kw)
    return record


def reference_crossing(craft: Craft, footprint: Any, t_max: float) -> float:
    """When the reference's path first enters the footprint, to 1e-5 s."""
    t = np.arange(0.0, t_max, 0.05)
    lon, lat, _ = craft.at(t)
    inside = np.flatnonzero(ref_lateral(footprint, lon, lat) <= 0.0)
    assert len(inside) and inside[0] > 0
    low, high = float(t[inside[0] - 1]), float(t[inside[0]])
    while high - low > 1e-5:
        middle = (low + high) / 2
        lon, lat, _ = craft.at(np.array([middle]))
        if ref_lateral(footprint, lon, lat)[0] <= 0.0:
            high = middle
        else:
            low = middle
    return high


def craft_at(lon: float, lat: float, track: float, gs: float = 200.0) -> Craft:
    return Craft("a", "Q", lon, lat, 4_000.0, gs, track, 0.0)


FOOTPRINT_CASES = {
    # Flies out of the hole into the ring around it.
    "polygon with hole": (
        ref.polygon_fp(
            [(36.0, 35.0), (36.4, 35.0), (36.4, 35.4), (36.0, 35.4)],
            [(36.15, 35.15), (36.15, 35.25), (36.25, 35.25), (36.25, 35.15)],
        ),
        craft_at(36.2, 35.2, 80.0),
    ),
    "circle": (ref.circle_fp(36.2, 35.2, 3_000.0), craft_at(36.25, 35.12, 330.0)),
    "corridor": (
        {
            "type": "corridor",
            "centerline": [[36.0, 35.0], [36.2, 35.1], [36.2, 35.3]],
            "width": 2_000.0,
        },
        craft_at(36.35, 35.2, 265.0),
    ),
    **{
        f"orbit {side}": (
            {
                "type": "orbit",
                "start": [36.0, 35.0],
                "end": [36.3, 35.0],
                "width": 4_000.0,
                "alignment": side,
            },
            craft_at(36.15, 35.1, 185.0),
        )
        for side in "CLR"
    },
}


@pytest.mark.parametrize("case", FOOTPRINT_CASES)
def test_entry_time_and_point_for_each_footprint_kind(case: str) -> None:
    footprint, craft = FOOTPRINT_CASES[case]
    volume = ref.volume(footprint, start=0.0, end=7_200.0)
    states = snapshot(
        {"id": "a", "lon": craft.lon, "lat": craft.lat, "gs": craft.gs, "track": craft.track}
    )
    (entry,) = entries(states, activated("op", "P", volume), lookahead_s=120.0)
    expected = reference_crossing(craft, volume.footprint, 120.0)
    assert entry.kind is VolumeEntryKind.LATERAL
    assert entry.time_s == pytest.approx(expected, abs=ENTRY_TIME_TOLERANCE_S + 0.1 / craft.gs)
    assert entry.time_s >= expected - 0.1 / craft.gs
    lon, lat, _ = craft.at(np.array([entry.time_s]))
    assert (entry.lon_deg, entry.lat_deg) == pytest.approx((lon[0], lat[0]), abs=1e-9)
    assert 0.0 <= entry.lateral_depth_m <= craft.gs * ENTRY_TIME_TOLERANCE_S + 0.1


def test_orbit_alignment_decides_the_side() -> None:
    def orbit(side: str) -> Operation:
        fp = {"type": "orbit", "start": [36.0, 35.0], "end": [36.3, 35.0], "width": 4_000.0}
        return activated(f"orbit-{side}", "P", ref.volume({**fp, "alignment": side}))

    # 3 km north of the segment: left of it, seen from start to end.
    north = snapshot({"id": "n", "lon": 36.15, "lat": 35.027})
    found = {e.operation for e in entries(north, orbit("C"), orbit("L"), orbit("R"))}
    assert found == {"orbit-L"}


def test_a_head_on_circle_entry_is_exact() -> None:
    lon, lat, _ = GEOD.fwd(*SITE, 60.0, 20_000.0)
    track = float(GEOD.inv(lon, lat, *SITE)[0])
    states = snapshot({"id": "a", "lon": lon, "lat": lat, "gs": 200.0, "track": track})
    (entry,) = entries(states, activated("c", "P", circle_volume()))
    assert entry.time_s == pytest.approx(75.0, abs=ENTRY_TIME_TOLERANCE_S)
    assert entry.time_s >= 75.0 - 1e-9
    _, _, dist = GEOD.inv(entry.lon_deg, entry.lat_deg, *SITE)
    assert dist == pytest.approx(5_000.0 - entry.lateral_depth_m, abs=1e-3)


def test_inside_the_hole_is_outside_the_polygon() -> None:
    footprint, _ = FOOTPRINT_CASES["polygon with hole"]
    op = activated("holed", "P", ref.volume(footprint))
    in_hole = {"id": "h", "lon": 36.2, "lat": 35.2}
    assert entries(snapshot(in_hole), op) == ()
    record = conformance(snapshot({**in_hole, "party": "P"}), op)
    assert record.deviations == (Deviation.LATERAL,)
    edge = ref_lateral(ref.volume(footprint).footprint, np.array([36.2]), np.array([35.2]))
    assert record.lateral_m == pytest.approx(float(edge[0]), abs=TOL_M)
    in_ring = {"id": "r", "lon": 36.05, "lat": 35.2}
    (entry,) = entries(snapshot(in_ring), op)
    assert entry.inside
    assert conformance(snapshot({**in_ring, "party": "P"}), op).conforming


# W84 band 3,050–4,000 m; the aircraft reports 3,000 m barometric.
W84_BAND = (ref.w84(3_050.0), ref.w84(4_000.0))


def test_w84_band_conformance_needs_the_band_for_every_geoid_undulation() -> None:
    op = activated("w", "P", circle_volume(radius_m=20_000.0, lower=W84_BAND[0], upper=W84_BAND[1]))
    states = snapshot({"id": "a", "lon": SITE[0], "lat": SITE[1], "alt": 3_000.0, "party": "P"})
    unknown = conformance(states, op)
    assert unknown.deviations == (Deviation.VERTICAL,)
    assert unknown.vertical_m == pytest.approx(3_050.0 - (3_000.0 + GEOID_N_MIN_M))
    assert conformance(states, op, geoid_undulation_m=60.0).conforming
    low = conformance(states, op, geoid_undulation_m=[40.0])
    assert low.vertical_m == pytest.approx(10.0)


def test_a_thin_w84_band_conforms_only_with_a_known_undulation() -> None:
    op = activated("w", "P", circle_volume(lower=ref.w84(3_000.0), upper=ref.w84(3_150.0)))
    states = snapshot({"id": "a", "lon": SITE[0], "lat": SITE[1], "alt": 3_040.0, "party": "P"})
    assert conformance(states, op).deviations == (Deviation.VERTICAL,)
    assert conformance(states, op, geoid_undulation_m=30.0).conforming


def test_w84_band_warns_when_the_aircraft_may_be_inside() -> None:
    op = activated("w", "P", circle_volume(radius_m=20_000.0, lower=W84_BAND[0], upper=W84_BAND[1]))
    states = snapshot({"id": "a", "lon": SITE[0], "lat": SITE[1], "alt": 3_000.0})
    (entry,) = entries(states, op)
    assert entry.inside
    assert entry.vertical_depth_m == pytest.approx(3_000.0 - (3_050.0 - GEOID_N_MAX_M))
    assert entries(states, op, geoid_undulation_m=40.0) == ()


def test_msl_band_limits_count_as_inside() -> None:
    op = activated("fl", "P", circle_volume())
    at_floor = {"id": "a", "lon": SITE[0], "lat": SITE[1], "alt": 3_048.0}
    (entry,) = entries(snapshot(at_floor), op)
    assert entry.inside and entry.vertical_depth_m == 0.0
    assert conformance(snapshot({**at_floor, "party": "P"}), op).conforming
    below = snapshot({**at_floor, "alt": 3_047.9})
    assert entries(below, op) == ()


def test_a_window_opening_during_the_lookahead_is_entered_when_it_opens() -> None:
    later = activated("later", "P", circle_volume(start=1_830.0, end=3_600.0))
    states = snapshot({"id": "a", "lon": SITE[0], "lat": SITE[1]})
    (entry,) = entries(states, later, lookahead_s=60.0)
    assert entry.kind is VolumeEntryKind.TIME
    assert entry.time_s == pytest.approx(30.0, abs=1e-6)
    assert entries(states, later, lookahead_s=29.0) == ()
    record = conformance(snapshot({"id": "a", "lon": SITE[0], "lat": SITE[1], "party": "P"}), later)
    assert record.deviations == (Deviation.TIME,)
    assert record.time_s == pytest.approx(30.0)


def test_window_ends_count_and_closed_windows_do_not_warn() -> None:
    here = {"id": "a", "lon": SITE[0], "lat": SITE[1]}
    ending_now = activated("now", "P", circle_volume(start=0.0, end=1_800.0))
    (entry,) = entries(snapshot(here), ending_now)
    assert entry.inside
    ended = activated("past", "P", circle_volume(start=0.0, end=1_799.0))
    assert entries(snapshot(here), ended) == ()
    # The footprint is reached after 50 s; the window closes after 10.
    lon, lat, _ = GEOD.fwd(*SITE, 90.0, 15_000.0)
    approaching = {"id": "b", "lon": lon, "lat": lat, "gs": 200.0, "track": 270.0}
    closing = activated("closing", "P", circle_volume(start=0.0, end=1_810.0))
    assert entries(snapshot(approaching), closing) == ()


@pytest.mark.parametrize(("alt", "vs"), [(2_748.0, 10.0), (6_396.0, -10.0)])
def test_climbing_or_descending_into_the_band(alt: float, vs: float) -> None:
    op = activated("fl", "P", circle_volume())
    states = snapshot({"id": "a", "lon": SITE[0], "lat": SITE[1], "alt": alt, "vs": vs})
    (entry,) = entries(states, op)
    assert entry.kind is VolumeEntryKind.VERTICAL
    assert entry.time_s == pytest.approx(30.0, abs=1e-9)
    assert entry.alt_m == pytest.approx(3_048.0 if vs > 0 else 6_096.0)
    assert entries(snapshot({"id": "a", "lon": SITE[0], "lat": SITE[1], "alt": alt}), op) == ()


def test_only_active_states_count() -> None:
    here = {"id": "a", "lon": SITE[0], "lat": SITE[1]}
    by_state = [activated(f"op-{s}", "P", circle_volume(), state=s) for s in OperationState]
    found = {e.operation for e in entries(snapshot(here), *by_state)}
    assert found == {"op-activated", "op-nonconforming", "op-contingent"}
    with_planned = ActiveVolumes(by_state, states=ACTIVE_STATES | {OperationState.ACCEPTED})
    planned = predict_volume_entries(snapshot(here), with_planned, lookahead_s=0.0)
    assert {e.operation for e in planned} == {*found, "op-accepted"}
    with pytest.raises(InvalidInput, match="ended"):
        ActiveVolumes(by_state, states={OperationState.ENDED})


def test_a_plan_never_activated_does_not_cover_its_aircraft() -> None:
    planned = activated("plan", "P", circle_volume(), state="accepted")
    record = conformance(
        snapshot({"id": "a", "lon": SITE[0], "lat": SITE[1], "party": "P"}), planned
    )
    assert record.deviations == (Deviation.NO_ACTIVE_VOLUME,)
    assert record.operation is None and record.volume is None
    assert (record.lateral_m, record.vertical_m, record.time_s) == (math.inf,) * 3
    assert not record.conforming


def test_own_volumes_never_warn_and_unknown_aircraft_are_warned_by_all() -> None:
    ops = [activated("p", "P", circle_volume()), activated("q", "Q", circle_volume())]
    here = {"lon": SITE[0], "lat": SITE[1]}
    states = snapshot({"id": "p1", "party": "P", **here}, {"id": "x", "party": "", **here})
    found = {(e.aircraft, e.operation) for e in entries(states, *ops)}
    assert found == {("p1", "q"), ("x", "p"), ("x", "q")}
    records = check_conformance(states, ActiveVolumes(ops))
    assert [(r.aircraft, r.conforming) for r in records] == [("p1", True)]


def test_the_nearest_volume_is_nearest_in_time_first() -> None:
    here = {"id": "a", "lon": SITE[0], "lat": SITE[1], "party": "P"}
    far = GEOD.fwd(*SITE, 0.0, 50_000.0)[:2]
    in_window_far = circle_volume(centre=far, radius_m=10_000.0)
    later_here = circle_volume(start=2_400.0, end=3_600.0)
    record = conformance(snapshot(here), activated("op", "P", later_here, in_window_far))
    assert (record.operation, record.volume) == ("op", 1)
    assert record.deviations == (Deviation.LATERAL,)
    assert record.lateral_m == pytest.approx(40_000.0, abs=1e-3)
    earlier_far = circle_volume(centre=far, radius_m=10_000.0, start=0.0, end=1_000.0)
    record = conformance(snapshot(here), activated("op", "P", later_here, earlier_far))
    assert (record.volume, record.deviations, record.time_s) == (0, (Deviation.TIME,), 600.0)


def test_nearest_in_space_among_volumes_in_their_window() -> None:
    here = {"id": "a", "lon": SITE[0], "lat": SITE[1], "alt": 3_000.0, "party": "P"}
    above = circle_volume(lower="FL110", upper="FL200")  # 352.8 m above the aircraft
    beside = ref.volume(
        ref.circle_fp(*GEOD.fwd(*SITE, 90.0, 5_200.0)[:2], 5_000.0),
        ref.w84(2_000.0),
        ref.w84(4_000.0),
    )
    record = conformance(snapshot(here), activated("op", "P", above, beside))
    assert (record.volume, record.deviations) == (1, (Deviation.LATERAL,))
    assert record.lateral_m == pytest.approx(200.0, abs=1e-3)


def test_antimeridian() -> None:
    square = ref.polygon_fp([(179.9, -20.1), (-179.9, -20.1), (-179.9, -19.9), (179.9, -19.9)])
    op = activated("dateline", "P", ref.volume(square, start=0.0, end=7_200.0))
    craft = craft_at(-179.7, -20.0, 270.0)
    states = snapshot(
        {"id": "a", "lon": craft.lon, "lat": craft.lat, "gs": craft.gs, "track": craft.track},
        {"id": "b", "lon": 179.95, "lat": -20.0},
    )
    approaching, inside = sorted(entries(states, op, lookahead_s=150.0), key=lambda e: e.aircraft)
    assert inside.inside
    expected = reference_crossing(craft, op.volumes[0].footprint, 150.0)
    assert approaching.time_s == pytest.approx(expected, abs=ENTRY_TIME_TOLERANCE_S + 0.1 / 200)
    assert conformance(
        snapshot({"id": "c", "lon": -179.95, "lat": -19.95, "party": "P"}), op
    ).conforming


def test_a_footprint_beyond_a_quarter_of_the_globe() -> None:
    """8,000 km out (1.25 rad, beyond where a footprint's gnomonic frame is used) and flying
    at 1,000 m/s: the footprint is still found, at its edge."""
    square = ref.polygon_fp([(36.0, 35.0), (36.2, 35.0), (36.2, 35.2), (36.0, 35.2)])
    op = activated("far", "P", ref.volume(square, start=0.0, end=36_000.0))
    lon, lat, _ = GEOD.fwd(36.1, 35.1, 250.0, 8_000_000.0)
    track = float(GEOD.inv(lon, lat, 36.1, 35.1)[0])
    craft = Craft("a", "Q", float(lon), float(lat), 4_000.0, 1_000.0, track, 0.0)
    states = snapshot(
        {"id": "a", "lon": craft.lon, "lat": craft.lat, "gs": craft.gs, "track": craft.track}
    )
    (entry,) = entries(states, op, lookahead_s=9_000.0)
    assert 7_980.0 < entry.time_s < 8_000.0
    here = craft.at(np.array([entry.time_s]))
    before = craft.at(np.array([entry.time_s - 0.01]))
    assert abs(ref_lateral(op.volumes[0].footprint, here[0], here[1])[0]) <= 1.0
    assert ref_lateral(op.volumes[0].footprint, before[0], before[1])[0] > 0.0


def test_still_aircraft() -> None:
    op = activated("c", "P", circle_volume())
    outside = {"id": "a", "lon": SITE[0] + 0.1, "lat": SITE[1]}
    assert entries(snapshot(outside), op) == ()
    (entry,) = entries(snapshot({**outside, "lon": SITE[0]}), op)
    assert entry.inside and entry.lateral_depth_m == pytest.approx(5_000.0)


def test_an_engine_is_a_source_like_any_other() -> None:
    ops = [activated("p", "P", circle_volume()), activated("q", "Q", circle_volume())]
    engine = StrategicEngine()
    for operation in ops:
        engine.add(operation)
    here = snapshot({"id": "a", "lon": SITE[0], "lat": SITE[1], "party": "P"})
    from_engine = ActiveVolumes(engine)
    assert predict_volume_entries(here, from_engine, lookahead_s=60.0) == entries(here, *ops)
    assert check_conformance(here, from_engine) == check_conformance(here, ActiveVolumes(ops))


def test_nothing_in_nothing_out() -> None:
    no_aircraft = AircraftStates.from_columns(
        time_s=NOW, ids=[], lat_deg=[], lon_deg=[], alt_m=[], gs_mps=[], track_deg=[], vs_mps=[]
    )
    op = activated("c", "P", circle_volume())
    assert entries(no_aircraft, op) == ()
    assert check_conformance(no_aircraft, ActiveVolumes([op])) == ()
    here = snapshot({"id": "a", "lon": SITE[0], "lat": SITE[1]})
    assert entries(here) == ()
    assert len(ActiveVolumes([])) == 0


@pytest.mark.parametrize("lookahead", [-1.0, math.nan, math.inf])
def test_lookahead_must_be_a_finite_time(lookahead: float) -> None:
    here = snapshot({"id": "a", "lon": SITE[0], "lat": SITE[1]})
    with pytest.raises(InvalidInput, match="lookahead_s"):
        entries(here, lookahead_s=lookahead)


@pytest.mark.parametrize(
    ("geoid", "path"),
    [(200.0, "geoid_undulation_m[0]"), (math.nan, "geoid_undulation_m[0]"), ([1.0, 2.0], "")],
)
def test_geoid_undulation_must_be_plausible(geoid: Any, path: str) -> None:
    here = snapshot({"id": "a", "lon": SITE[0], "lat": SITE[1], "party": "P"})
    with pytest.raises(InvalidInput, match="geoid_undulation_m") as error:
        check_conformance(here, ActiveVolumes([]), geoid_undulation_m=geoid)
    assert error.value.issues[0].path.startswith(path)


def test_operation_ids_must_be_unique() -> None:
    with pytest.raises(InvalidInput, match="twice"):
        ActiveVolumes([activated("c", "P", circle_volume()), activated("c", "Q", circle_volume())])


# -- the strategic index's boxes near the equator ----------------------------------------------

# A 100 km circle whose southern edge crosses the equator by about 150 m while the index's box
# (grown by the mean radius's degree, +0.1 %) stops 58 m north of it: the box is 0.46 % short
# of the meridian degree there.
BIG = circle_volume(centre=(10.0, 0.9012), radius_m=100_000.0)


def test_entries_are_found_where_the_index_box_falls_short() -> None:
    lon, lat, _ = GEOD.fwd(10.0, 0.9012, 180.0, 100_000.0 - 20.0)
    assert lat < -0.002
    (entry,) = entries(snapshot({"id": "a", "lon": lon, "lat": lat}), activated("big", "P", BIG))
    assert entry.inside and entry.lateral_depth_m == pytest.approx(20.0, abs=0.01)


# -- speed -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_thousands_of_aircraft_against_hundreds_of_volumes() -> None:
    """5,000 aircraft over 500 × 500 km against 500 volumes: a smoke bound, well above the
    0.2–0.45 s (entries, 120–300 s) and 0.1 s (conformance) measured on the 2-core machine."""
    rng = np.random.default_rng(7)
    parties = ["P0", "P1", "P2", "P3"]

    def spot() -> tuple[float, float]:
        return ref.offset(*SITE, float(rng.uniform(0, 360)), 250_000.0 * math.sqrt(rng.uniform()))

    operations = []
    for i in range(500):
        centre = spot()
        start = float(rng.integers(-6, 3)) * 600.0 + 1_800.0
        lower = int(rng.integers(0, 35)) * 10
        volume = ref.volume(
            ref.circle_fp(*centre, float(rng.uniform(2_000, 15_000))),
            ref.fl(lower),
            ref.fl(lower + int(rng.integers(2, 10)) * 10),
            start,
            start + 7_200.0,
        )
        operations.append(activated(f"op{i}", parties[i % 4], volume))
    where = np.array([spot() for _ in range(5_000)])
    states = AircraftStates.from_columns(
        time_s=NOW,
        ids=[f"a{i}" for i in range(5_000)],
        lon_deg=where[:, 0],
        lat_deg=where[:, 1],
        alt_m=rng.uniform(0, 12_000, 5_000),
        gs_mps=rng.uniform(100, 250, 5_000),
        track_deg=rng.uniform(0, 360, 5_000),
        vs_mps=np.where(rng.uniform(size=5_000) < 0.3, rng.uniform(-15, 15, 5_000), 0.0),
        party=rng.choice([*parties, ""], 5_000),
    )
    volumes = ActiveVolumes(operations)
    clock = time.perf_counter()
    found = predict_volume_entries(states, volumes, lookahead_s=300.0)
    records = check_conformance(states, volumes)
    assert time.perf_counter() - clock < 3.0
    assert found and records
