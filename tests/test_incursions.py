"""Border incursions against brute-force references, on the real borders.

Two references, each a plain loop over every aircraft and every airspace:

* **exact on the same track** (:func:`exact_reference`): the predicted polyline of
  ``incursions._track`` intersected with each airspace by shapely (with the airspace's copies
  a turn east and west, so that a track across the antimeridian meets the other side), the
  pieces located along the line and turned into times. It checks the index, the crossing
  predicate, containment and the bookkeeping of entries, exits and path inside, so the fast
  path must agree to 1e-4 s and 1e-6° (0.1 m). Tracks that start on a border, only touch
  one, or cross it for under 1 ms may count either way there and are left out of the
  comparison.
* **sampled geodesic** (:func:`sampled_entry`): ``pyproj`` positions every second along the
  geodesic, ``shapely.contains_xy`` on each, the first change of state refined by bisection
  on the geodesic itself. It checks the track model end to end: the fast path must find the
  same entry within 0.5 s and 50 m where the track crosses the border at more than 10°. The
  lon/lat chords leave the geodesic by at most ~2 m · tan|lat| (1.5 m here), so at 10° and
  50 m/s the entry may shift by 9 m or 0.2 s: the tolerance keeps a margin of two while any
  real error (a 1 % speed error is 2 s at 200 s) fails it.

Depth is checked against the distance to the boundary in an azimuthal equidistant plane centred
on the aircraft (exact from the centre), within the module's stated 0.7 % + 10 m.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pyproj import Geod, Transformer

from sharedsky.errors import InvalidInput
from sharedsky.io.borders import load_countries
from sharedsky.tactical.incursions import (
    Airspaces,
    BorderMonitor,
    EntryBasis,
    Incursions,
    _pieces,
    _track,
    predict_incursions,
)
from sharedsky.tactical.states import AircraftStates

GEOD = Geod(ellps="WGS84")
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ALEPPO = (37.16, 36.20)
BAB_AL_HAWA = (36.67, 36.23)
GAZIANTEP = (37.38, 37.06)
KILIS = (37.12, 36.72)

ALLOWED = {"SYR": ["SYR"], "TUR": ["TUR"], "RUS": ["RUS"], "USA": ["USA"], "FJI": ["FJI"]}


@functools.cache
def world() -> Airspaces:
    """The bundled borders, loaded once (hypothesis tests take no fixtures: it would print
    the whole object with every failing example)."""
    return load_countries()


@pytest.fixture(scope="module")
def countries() -> Airspaces:
    return world()


def snapshot(
    *rows: tuple[str, str, float, float, float, float], time_s: float = 0.0
) -> AircraftStates:
    """Aircraft as (id, party, lon, lat, ground speed m/s, course deg)."""
    ids, party, lon, lat, gs, track = zip(*rows, strict=True)
    n = len(rows)
    return AircraftStates.from_columns(
        time_s=time_s,
        ids=ids,
        lat_deg=lat,
        lon_deg=lon,
        alt_m=np.full(n, 6000.0),
        gs_mps=gs,
        track_deg=track,
        vs_mps=np.zeros(n),
        party=party,
    )


def by_pair(found: Incursions) -> dict[tuple[str, str], Any]:
    return {(i.aircraft_id, i.airspace_id): i for i in found}


def course(a: tuple[float, float], b: tuple[float, float]) -> float:
    azimuth, _, _ = GEOD.inv(a[0], a[1], b[0], b[1])
    return float(azimuth) % 360.0


# --- the exact reference on the same track -------------------------------------------------


@dataclass(frozen=True)
class Expected:
    inside: bool
    entry_s: float
    entry_lon: float
    entry_lat: float
    exit_s: float
    inside_path_m: float
    back_entry_s: float


_WORLDS: dict[tuple[int, int], Any] = {}


def _world_of(airspaces: Airspaces, p: int) -> Any:
    key = (id(airspaces), p)
    if key not in _WORLDS:
        _WORLDS[key] = _world(airspaces.geometries[p])
    return _WORLDS[key]


def _near(airspaces: Airspaces, p: int, box: Any) -> bool:
    """Whether the airspace's bounding box, or its copy a turn east or west, meets ``box``."""
    west, south, east, north = airspaces.geometries[p].bounds
    return any(
        shapely.box(west + t, south, east + t, north).intersects(box) for t in (-360.0, 0.0, 360.0)
    )


def _world(geometry: Any) -> Any:
    """The airspace with its copies a turn east and west, seams dissolved."""
    turn = np.array([360.0, 0.0])
    east = shapely.transform(geometry, lambda xy: xy + turn)
    west = shapely.transform(geometry, lambda xy: xy - turn)
    return shapely.union_all([geometry, east, west])


def _intervals(
    lon: np.ndarray, lat: np.ndarray, area: Any, horizon_s: float
) -> tuple[list[tuple[float, float]], bool]:
    """The time intervals the polyline spends inside ``area``, and whether some piece of it
    only touches the border or crosses it for under 1 ms (ambiguous)."""
    line = shapely.LineString(np.column_stack([lon, lat]))
    lengths = np.hypot(np.diff(lon), np.diff(lat))
    cumulative = np.concatenate([[0.0], np.cumsum(lengths)])
    pieces = len(lengths)

    def time_at(x: float, y: float) -> float:
        d = float(line.project(shapely.Point(x, y)))
        j = min(max(int(np.searchsorted(cumulative, d, side="right")) - 1, 0), pieces - 1)
        s = (d - cumulative[j]) / lengths[j] if lengths[j] > 0 else 0.0
        return horizon_s * (j + s) / pieces

    ambiguous = False
    spans = []
    for part in shapely.get_parts(line.intersection(area)):
        if part.is_empty:
            continue
        if not isinstance(part, shapely.LineString):
            ambiguous = True
            continue
        xy = shapely.get_coordinates(part)
        a, b = sorted((time_at(*xy[0]), time_at(*xy[-1])))
        if b - a < 1e-3:
            ambiguous = True
            continue
        spans.append((a, b))
    spans.sort()
    merged: list[tuple[float, float]] = []
    for a, b in spans:
        if merged and a - merged[-1][1] < 1e-6:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged, ambiguous


def exact_reference(
    states: AircraftStates,
    airspaces: Airspaces,
    allowed: dict[str, list[str]],
    lookahead_s: float,
    lookback_s: float,
) -> tuple[dict[tuple[str, str], Expected], set[tuple[str, str]]]:
    """Every (aircraft, foreign airspace) row the fast path must report, and the pairs whose
    answer is ambiguous (touching tracks)."""
    ahead = _pieces(states.gs_mps, lookahead_s)
    lon, lat = _track(
        states.lat_deg, states.lon_deg, states.track_deg, states.gs_mps, lookahead_s, ahead
    )
    back = np.mod(states.track_deg + 180.0, 360.0)
    behind = _pieces(states.gs_mps, lookback_s)
    b_lon, b_lat = _track(states.lat_deg, states.lon_deg, back, states.gs_mps, lookback_s, behind)
    expected: dict[tuple[str, str], Expected] = {}
    ambiguous: set[tuple[str, str]] = set()
    for i, aircraft in enumerate(states.ids):
        mine = {airspaces.find(k) for k in allowed.get(str(states.party[i]), [])}
        box = shapely.box(lon[i].min(), lat[i].min(), lon[i].max(), lat[i].max())
        for p in range(len(airspaces)):
            key = (str(aircraft), airspaces.ids[p])
            if p in mine or not _near(airspaces, p, box):
                continue
            area = _world_of(airspaces, p)
            inside = bool(shapely.contains_xy(area, lon[i, 0], lat[i, 0]))
            if area.boundary.distance(shapely.Point(lon[i, 0], lat[i, 0])) < 1e-9:
                ambiguous.add(key)  # starts on the border
                continue
            if states.gs_mps[i] == 0.0:
                spans, touchy = ([(0.0, lookahead_s)] if inside else []), False
            else:
                spans, touchy = _intervals(
                    lon[i, : ahead[i] + 1], lat[i, : ahead[i] + 1], area, lookahead_s
                )
            if touchy:
                ambiguous.add(key)
            if inside and (not spans or spans[0][0] > 1e-6):
                ambiguous.add(key)  # the start is (within 1e-6 s) on the border
                continue
            if not spans:
                continue
            end_of_first = spans[0][1] if spans[0][1] < lookahead_s - 1e-6 else math.nan
            entry_s = entry_lon = entry_lat = math.nan
            back_entry = math.nan
            if inside:
                exit_s = end_of_first
                if states.gs_mps[i] > 0.0:
                    back_spans, back_touchy = _intervals(
                        b_lon[i, : behind[i] + 1], b_lat[i, : behind[i] + 1], area, lookback_s
                    )
                    if back_touchy:
                        ambiguous.add(key)
                    if back_spans and back_spans[0][1] < lookback_s - 1e-6:
                        back_entry = -back_spans[0][1]
            else:
                entry_s = spans[0][0]
                exit_s = end_of_first
                f = entry_s / lookahead_s * ahead[i]
                j = min(int(f), int(ahead[i]) - 1)
                entry_lon = lon[i, j] + (f - j) * (lon[i, j + 1] - lon[i, j])
                entry_lat = lat[i, j] + (f - j) * (lat[i, j + 1] - lat[i, j])
                entry_lon = (entry_lon + 180.0) % 360.0 - 180.0
            expected[key] = Expected(
                inside=inside,
                entry_s=entry_s,
                entry_lon=entry_lon,
                entry_lat=entry_lat,
                exit_s=exit_s,
                inside_path_m=float(states.gs_mps[i]) * sum(b - a for a, b in spans),
                back_entry_s=back_entry,
            )
    return expected, ambiguous


def close(a: float, b: float, tolerance: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tolerance


def assert_matches_reference(
    states: AircraftStates,
    airspaces: Airspaces,
    allowed: dict[str, list[str]],
    lookahead_s: float,
    lookback_s: float | None = None,
) -> Incursions:
    back = lookahead_s if lookback_s is None else lookback_s
    found = predict_incursions(states, airspaces, allowed, lookahead_s=lookahead_s, lookback_s=back)
    expected, ambiguous = exact_reference(states, airspaces, allowed, lookahead_s, back)
    got = {k: v for k, v in by_pair(found).items() if k not in ambiguous}
    want = {k: v for k, v in expected.items() if k not in ambiguous}
    assert set(got) == set(want)
    for key, row in got.items():
        ref = want[key]
        assert row.inside == ref.inside, key
        # Positions along a segment are linear in lon/lat, so 1e-6 s is ~1e-7 m at most.
        assert close(row.exit_s, ref.exit_s, 1e-4), (key, row.exit_s, ref.exit_s)
        assert close(row.inside_path_m, ref.inside_path_m, 1e-3 + 1e-9 * ref.inside_path_m), key
        if ref.inside:
            assert close(-row.time_inside_s, ref.back_entry_s, 1e-4), key
            expected_basis = (
                EntryBasis.UNKNOWN if math.isnan(ref.back_entry_s) else EntryBasis.BACK_EXTRAPOLATED
            )
            assert row.entry_basis is expected_basis
            assert row.depth_m >= 0.0
        else:
            assert row.entry_basis is EntryBasis.PREDICTED
            assert close(row.entry_s, ref.entry_s, 1e-4), (key, row.entry_s, ref.entry_s)
            assert close(row.entry_lon_deg, ref.entry_lon, 1e-6), key
            assert close(row.entry_lat_deg, ref.entry_lat, 1e-6), key
            assert math.isnan(row.depth_m)
    return found


# --- the sampled-geodesic reference --------------------------------------------------------


def sampled_entry(
    lon: float, lat: float, track: float, gs: float, area: Any, horizon_s: float
) -> tuple[float, float, float] | None:
    """The first time (and lon, lat) the geodesic enters ``area``, by 1 s sampling and
    bisection to 1e-6 s; None if it does not within the horizon."""

    def at(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y, _ = GEOD.fwd(
            np.full(len(t), lon), np.full(len(t), lat), np.full(len(t), track), gs * t
        )
        return np.asarray(x), np.asarray(y)

    times = np.arange(0.0, horizon_s + 1.0, 1.0)
    x, y = at(times)
    inside = shapely.contains_xy(area, x, y)
    change = np.flatnonzero(~inside[:-1] & inside[1:])
    if inside[0] or not len(change):
        return None
    lo, hi = float(times[change[0]]), float(times[change[0] + 1])
    while hi - lo > 1e-6:
        mid = 0.5 * (lo + hi)
        mx, my = at(np.array([mid]))
        if shapely.contains_xy(area, mx[0], my[0]):
            hi = mid
        else:
            lo = mid
    ex, ey = at(np.array([hi]))
    return hi, float(ex[0]), float(ey[0])


def crossing_angle(area: Any, lon: float, lat: float, track: float) -> float:
    """Degrees between the track and the border edge nearest to (lon, lat), in a local plane."""
    boundary = area.boundary
    d = boundary.project(shapely.Point(lon, lat))
    a = boundary.interpolate(max(d - 1e-4, 0.0))
    b = boundary.interpolate(d + 1e-4)
    east = (b.x - a.x) * math.cos(math.radians(lat))
    edge = math.degrees(math.atan2(east, b.y - a.y))
    angle = abs((track - edge + 90.0) % 180.0 - 90.0)
    return angle


def reference_depth(area: Any, lon: float, lat: float) -> float:
    """Distance to the boundary (seams left out) in an azimuthal equidistant plane centred on
    the point, where distances from the centre are geodesic; the boundary is first cut every
    0.002° (~200 m) in lon/lat, so its pieces are straight in that plane to well under 1 m."""
    aeqd = Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84", always_xy=True
    )
    lines = []
    for ring in shapely.get_rings(shapely.get_parts(area)):
        xy = shapely.get_coordinates(shapely.segmentize(ring, 0.002))
        seam = (np.abs(xy[:, 0]) == 180.0) | (np.abs(xy[:, 1]) >= 89.99)
        # Keep edges with at least one end off a seam; drop edges along a seam.
        keep = ~(seam[:-1] & seam[1:])
        x, y = aeqd.transform(xy[:, 0], xy[:, 1])
        pieces = np.stack([np.column_stack([x[:-1], y[:-1]]), np.column_stack([x[1:], y[1:]])], 1)
        lines.append(pieces[keep])
    return float(
        shapely.distance(shapely.Point(0.0, 0.0), shapely.multilinestrings(np.concatenate(lines)))
    )


def assert_depth(row: Any, area: Any, lon: float, lat: float) -> None:
    """The module's stated tolerance: within 0.7 % + 10 m above; below, only by the chords of
    0.1° pieces of edges (metres) or 0.1 % on long distances near the pole."""
    ref = reference_depth(area, lon, lat)
    assert ref * 0.999 - 10.0 <= row.depth_m <= ref * 1.007 + 10.0


# --- the Syria–Turkey border ---------------------------------------------------------------


def test_reference_points_are_where_natural_earth_puts_them(countries: Airspaces) -> None:
    points = [ALEPPO, BAB_AL_HAWA, GAZIANTEP, KILIS]
    pairs = countries.locate([p[0] for p in points], [p[1] for p in points])
    owners = [countries.ids[j] for j in pairs[1]]
    assert pairs[0].tolist() == [0, 1, 2, 3]
    assert owners == ["760", "760", "792", "792"]


def test_aleppo_to_gaziantep_enters_turkey(countries: Airspaces) -> None:
    track = course(ALEPPO, GAZIANTEP)
    states = snapshot(("syr1", "SYR", *ALEPPO, 250.0, track))
    found = assert_matches_reference(states, countries, ALLOWED, 600.0)
    (row,) = found
    assert (row.aircraft_id, row.airspace_id, row.inside) == ("syr1", "792", False)
    turkey = countries.geometries[countries.find("TUR")]
    sampled = sampled_entry(*ALEPPO, track, 250.0, turkey, 600.0)
    assert sampled is not None
    t, x, y = sampled
    assert abs(row.entry_s - t) < 0.5
    _, _, miss = GEOD.inv(row.entry_lon_deg, row.entry_lat_deg, x, y)
    assert miss < 50.0
    # Inside Turkey from the entry to the end of the look-ahead (Gaziantep is ~97 km out).
    assert math.isnan(row.exit_s)
    assert row.inside_path_m == pytest.approx(250.0 * (600.0 - row.entry_s))
    assert 36.6 < row.entry_lat_deg < 36.7


def test_own_airspace_gives_nothing(countries: Airspaces) -> None:
    states = snapshot(
        ("syr1", "SYR", *ALEPPO, 200.0, 90.0),
        ("syr2", "SYR", *BAB_AL_HAWA, 150.0, 180.0),
        ("tur1", "TUR", *GAZIANTEP, 200.0, 0.0),
    )
    assert len(predict_incursions(states, countries, ALLOWED, lookahead_s=300.0)) == 0


def test_syrian_aircraft_inside_turkey_is_reported_with_depth(countries: Airspaces) -> None:
    states = snapshot(
        ("south", "SYR", *GAZIANTEP, 200.0, 180.0),
        ("north", "SYR", *KILIS, 200.0, 0.0),
    )
    found = assert_matches_reference(states, countries, ALLOWED, 300.0, 600.0)
    rows = by_pair(found)
    turkey = countries.geometries[countries.find("TUR")]
    south, north = rows["south", "792"], rows["north", "792"]
    assert south.inside and north.inside
    assert_depth(south, turkey, *GAZIANTEP)
    assert_depth(north, turkey, *KILIS)
    # Heading south from Gaziantep it leaves at the border, ~45 km on.
    assert 200.0 < south.exit_s < 260.0
    assert south.inside_path_m == pytest.approx(200.0 * south.exit_s)
    # Flown back (north) for 600 s it never leaves Turkey: the entry is unknown.
    assert south.entry_basis is EntryBasis.UNKNOWN and math.isnan(south.entry_s)
    # Kilis is a few km from the border: flown back south it left Turkey moments ago.
    assert north.entry_basis is EntryBasis.BACK_EXTRAPOLATED
    assert -60.0 < north.entry_s < 0.0
    assert north.time_inside_s == -north.entry_s
    assert north.depth_m < 200.0 * north.time_inside_s + 1.0


def test_parallel_to_a_border_never_enters(countries: Airspaces) -> None:
    """The Egypt–Libya border runs along the meridian 24.97885°E from 22°N to 29.18°N, and a
    course due north follows a meridian: 3 km off it for 600 s at 250 m/s, nothing."""
    states = snapshot(
        ("lby", "LBY", 24.95, 23.0, 250.0, 0.0),
        ("egy", "EGY", 25.01, 23.0, 250.0, 0.0),
    )
    assert (
        len(
            predict_incursions(
                states, countries, {"LBY": ["LBY"], "EGY": ["EGY"]}, lookahead_s=600.0
            )
        )
        == 0
    )
    into_egypt = snapshot(("lby", "LBY", 24.95, 23.0, 250.0, 45.0))
    (row,) = predict_incursions(into_egypt, countries, {"LBY": ["LBY"]}, lookahead_s=600.0)
    assert row.airspace_id == "818" and not row.inside


def test_unmapped_party_may_fly_nowhere(countries: Airspaces) -> None:
    states = snapshot(("x", "", *ALEPPO, 0.0, 0.0))
    (row,) = predict_incursions(states, countries, ALLOWED, lookahead_s=60.0)
    assert row.airspace_id == "760" and row.inside
    assert row.inside_path_m == 0.0 and math.isnan(row.exit_s)


def test_bad_arguments_are_refused(countries: Airspaces) -> None:
    states = snapshot(("x", "SYR", *ALEPPO, 0.0, 0.0))
    with pytest.raises(InvalidInput) as error:
        predict_incursions(states, countries, {"SYR": ["Atlantis", "SYR"]}, lookahead_s=60.0)
    assert [i.path for i in error.value.issues] == ["allowed.SYR[0]"]
    with pytest.raises(InvalidInput):
        predict_incursions(states, countries, {"SYR": "SYR"}, lookahead_s=60.0)
    for bad in (0.0, -1.0, math.nan, 7200.0):
        with pytest.raises(InvalidInput):
            predict_incursions(states, countries, ALLOWED, lookahead_s=bad)


# --- the antimeridian and the poles --------------------------------------------------------


def test_a_flight_across_the_antimeridian_inside_russia_crosses_no_border(
    countries: Airspaces,
) -> None:
    states = snapshot(
        ("rus", "RUS", 179.5, 67.0, 250.0, 90.0),
        ("usa", "USA", 179.5, 67.0, 250.0, 90.0),
        ("back", "USA", -179.5, 67.0, 250.0, 270.0),
    )
    found = assert_matches_reference(states, countries, ALLOWED, 300.0)
    rows = by_pair(found)
    assert set(rows) == {("usa", "643"), ("back", "643")}
    for row in rows.values():
        assert row.inside and math.isnan(row.exit_s)
        assert row.inside_path_m == pytest.approx(250.0 * 300.0)


def test_entries_across_the_antimeridian(countries: Airspaces) -> None:
    # Over the Gulf of Anadyr at 179°W heading west: Chukotka's coast at ~179.35°W.
    # At 16.8°S heading east: a Fijian island that spans the antimeridian.
    states = snapshot(
        ("anadyr", "USA", -179.0, 65.5, 250.0, 270.0),
        ("fiji", "USA", 179.7, -16.8, 100.0, 90.0),
    )
    found = assert_matches_reference(states, countries, ALLOWED, 600.0)
    rows = by_pair(found)
    anadyr, fiji = rows["anadyr", "643"], rows["fiji", "242"]
    assert not anadyr.inside and -179.5 < anadyr.entry_lon_deg < -179.0
    assert not fiji.inside and 179.95 < fiji.entry_lon_deg < 180.0
    # It leaves on the far side of the antimeridian, not where the island is cut.
    assert fiji.exit_s > fiji.entry_s + 10.0


def test_south_pole_is_deep_inside_antarctica(countries: Airspaces) -> None:
    states = snapshot(("pole", "USA", 0.0, -89.95, 100.0, 0.0))
    (row,) = assert_matches_reference(states, countries, ALLOWED, 300.0)
    antarctica = countries.geometries[countries.find("ATA")]
    assert row.inside and row.airspace_id == "010"
    assert_depth(row, antarctica, 0.0, -89.95)


# --- properties ----------------------------------------------------------------------------

REGIONS = {
    "syria-turkey": ((35.5, 42.5), (35.5, 37.6)),
    "chukotka": ((178.0, 182.0), (64.0, 69.0)),
    "fiji": ((177.0, 181.5), (-19.5, -15.5)),
    "egypt-libya": ((24.0, 26.0), (22.0, 30.0)),
}
PARTIES = ("SYR", "TUR", "RUS", "USA", "FJI", "")


@st.composite
def scenes(draw: st.DrawFn) -> tuple[AircraftStates, float, float]:
    region = draw(st.sampled_from(sorted(REGIONS)))
    (west, east), (south, north) = REGIONS[region]
    n = draw(st.integers(1, 12))
    lon = np.array([draw(st.floats(west, east)) for _ in range(n)])
    lat = np.array([draw(st.floats(south, north)) for _ in range(n)])
    lon = (lon + 180.0) % 360.0 - 180.0
    gs = [draw(st.sampled_from([0.0, 60.0, 250.0, 600.0])) for _ in range(n)]
    track = [draw(st.floats(0.0, 359.99)) for _ in range(n)]
    party = [draw(st.sampled_from(PARTIES)) for _ in range(n)]
    states = AircraftStates.from_columns(
        time_s=1e9,
        ids=[f"a{k}" for k in range(n)],
        lat_deg=lat,
        lon_deg=lon,
        alt_m=np.full(n, 9000.0),
        gs_mps=gs,
        track_deg=track,
        vs_mps=np.zeros(n),
        party=party,
    )
    lookahead = draw(st.sampled_from([30.0, 300.0, 900.0]))
    lookback = draw(st.sampled_from([60.0, 600.0]))
    return states, lookahead, lookback


@PROPERTY
@given(scene=scenes())
def test_fast_path_equals_the_exact_reference(scene: tuple[AircraftStates, float, float]) -> None:
    states, lookahead, lookback = scene
    assert_matches_reference(states, world(), ALLOWED, lookahead, lookback)


@functools.cache
def syria_turkey_border() -> Any:
    countries = world()
    syria = countries.geometries[countries.find("SYR")]
    turkey = countries.geometries[countries.find("TUR")]
    return shapely.line_merge(shapely.intersection(syria.boundary, turkey.boundary))


@settings(PROPERTY, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(
    along=st.floats(0.0, 1.0),
    angle=st.floats(15.0, 165.0),
    before_m=st.floats(500.0, 60_000.0),
    gs=st.floats(50.0, 300.0),
)
def test_entry_matches_the_sampled_geodesic(
    along: float, angle: float, before_m: float, gs: float
) -> None:
    """Tracks aimed across the Syria–Turkey border at a random point and angle."""
    countries = world()
    border = syria_turkey_border()
    at = border.interpolate(along, normalized=True)
    d = border.project(at)
    a, b = border.interpolate(max(d - 1e-3, 0.0)), border.interpolate(d + 1e-3)
    heading, _, _ = GEOD.inv(a.x, a.y, b.x, b.y)
    track = (float(heading) + angle) % 360.0
    lon, lat, _ = GEOD.fwd(at.x, at.y, (track + 180.0) % 360.0, before_m)
    _, owner = countries.locate(lon, lat)
    assume(len(owner) == 1 and countries.ids[owner[0]] in ("760", "792"))
    mine = countries.ids[owner[0]]
    other = "792" if mine == "760" else "760"
    area = countries.geometries[countries.find(other)]
    horizon = min(3600.0, 2.0 * before_m / gs + 10.0)
    sampled = sampled_entry(float(lon), float(lat), track, gs, area, horizon)
    assume(sampled is not None)
    assert sampled is not None
    t, x, y = sampled
    assume(crossing_angle(area, x, y, track) > 10.0)
    party = "SYR" if mine == "760" else "TUR"
    states = snapshot(("a", party, float(lon), float(lat), gs, track))
    rows = by_pair(predict_incursions(states, countries, ALLOWED, lookahead_s=horizon))
    row = rows["a", other]
    assert abs(row.entry_s - t) < 0.5
    _, _, miss = GEOD.inv(row.entry_lon_deg, row.entry_lat_deg, x, y)
    assert miss < 50.0


@PROPERTY
@given(
    lon=st.floats(-180.0, 180.0),
    lat=st.floats(-85.0, 85.0),
    track=st.floats(0.0, 359.99),
    gs=st.floats(0.0, 1500.0),
    horizon=st.floats(1.0, 3600.0),
)
def test_track_points_lie_on_the_geodesic(
    lon: float, lat: float, track: float, gs: float, horizon: float
) -> None:
    """Within 1 m of pyproj's point at the same time, and continuous across the antimeridian."""
    speed = np.array([gs])
    pieces = int(_pieces(speed, horizon)[0])
    t_lon, t_lat = _track(
        np.array([lat]), np.array([lon]), np.array([track]), speed, horizon, _pieces(speed, horizon)
    )
    times = np.arange(pieces + 1) / pieces * horizon
    x, y, _ = GEOD.fwd(
        np.full(pieces + 1, lon), np.full(pieces + 1, lat), np.full(pieces + 1, track), gs * times
    )
    _, _, miss = GEOD.inv(t_lon[0], t_lat[0], x, y)
    assert float(np.max(miss)) < 1.0
    # Over a pole longitude jumps by 180° (the module says such tracks are approximated).
    assume(float(np.max(np.abs(y))) < 89.0)
    steps = np.diff(t_lon[0])
    assert np.all(np.abs(steps) < 180.0)  # continuous across the antimeridian


@PROPERTY
@given(
    lon=st.floats(35.5, 42.5),
    lat=st.floats(35.5, 37.6),
)
def test_depth_matches_the_sampled_boundary(lon: float, lat: float) -> None:
    countries = world()
    pairs = countries.locate(lon, lat)
    assume(pairs.shape[1] == 1)
    owner = int(pairs[1, 0])
    states = snapshot(("a", "", lon, lat, 0.0, 0.0))
    (row,) = predict_incursions(states, countries, {}, lookahead_s=60.0)
    assert row.airspace_id == countries.ids[owner]
    assert_depth(row, countries.geometries[owner], lon, lat)


# --- the monitor ---------------------------------------------------------------------------


def test_monitor_places_an_entry_seen_between_updates(countries: Airspaces) -> None:
    track = course(ALEPPO, GAZIANTEP)
    monitor = BorderMonitor(countries, ALLOWED, lookahead_s=300.0)
    first = monitor.update(snapshot(("syr1", "SYR", *ALEPPO, 250.0, track), time_s=1000.0))
    (predicted,) = first
    assert predicted.entry_basis is EntryBasis.PREDICTED
    # 240 s later, flown on the same geodesic: inside Turkey.
    x, y, back = GEOD.fwd(ALEPPO[0], ALEPPO[1], track, 250.0 * 240.0)
    later = snapshot(("syr1", "SYR", x, y, 250.0, (back + 180.0) % 360.0), time_s=1240.0)
    (row,) = monitor.update(later)
    assert row.inside and row.entry_basis is EntryBasis.OBSERVED
    assert row.entry_s + 240.0 == pytest.approx(predicted.entry_s)
    assert (row.entry_lat_deg, row.entry_lon_deg) == (
        predicted.entry_lat_deg,
        predicted.entry_lon_deg,
    )
    # And it keeps that entry while inside.
    x2, y2, back2 = GEOD.fwd(x, y, (back + 180.0) % 360.0, 250.0 * 10.0)
    (kept,) = monitor.update(
        snapshot(("syr1", "SYR", x2, y2, 250.0, (back2 + 180.0) % 360.0), time_s=1250.0)
    )
    assert kept.entry_s + 250.0 == pytest.approx(predicted.entry_s)
    assert kept.time_inside_s == pytest.approx(250.0 - predicted.entry_s)


def test_monitor_first_sight_inside_is_back_extrapolated(countries: Airspaces) -> None:
    monitor = BorderMonitor(countries, ALLOWED, lookahead_s=300.0)
    (row,) = monitor.update(snapshot(("n", "SYR", *KILIS, 200.0, 0.0)))
    assert row.entry_basis is EntryBasis.BACK_EXTRAPOLATED and row.entry_s < 0.0


def test_monitor_never_places_an_entry_before_the_previous_update(countries: Airspaces) -> None:
    """Outside at the previous update heading away; inside now on a course whose back
    extrapolation would put the entry earlier: the entry is the previous update."""
    monitor = BorderMonitor(countries, ALLOWED, lookahead_s=60.0)
    assert len(monitor.update(snapshot(("a", "SYR", *ALEPPO, 0.0, 0.0), time_s=0.0))) == 0
    (row,) = monitor.update(snapshot(("a", "SYR", *GAZIANTEP, 200.0, 0.0), time_s=10.0))
    assert row.inside and row.entry_basis is EntryBasis.OBSERVED
    assert row.entry_s == -10.0
    assert (row.entry_lon_deg, row.entry_lat_deg) == ALEPPO


def test_monitor_refuses_time_going_backwards(countries: Airspaces) -> None:
    monitor = BorderMonitor(countries, ALLOWED, lookahead_s=60.0)
    monitor.update(snapshot(("a", "SYR", *ALEPPO, 0.0, 0.0), time_s=10.0))
    with pytest.raises(InvalidInput):
        monitor.update(snapshot(("a", "SYR", *ALEPPO, 0.0, 0.0), time_s=9.0))


# --- small synthetic airspaces -------------------------------------------------------------


def test_synthetic_square_entry_exit_and_path() -> None:
    square = shapely.box(36.0, 35.0, 37.0, 36.0)
    zones = Airspaces.from_geometries(ids=["R1"], geometries=[square], names=["Range 1"])
    states = snapshot(("a", "blue", 35.9, 35.5, 200.0, 90.0))
    (row,) = assert_matches_reference(states, zones, {"blue": []}, 900.0)
    assert not row.inside and row.entry_s > 0 and row.exit_s > row.entry_s
    assert row.inside_path_m == pytest.approx(200.0 * (row.exit_s - row.entry_s))
    assert zones.find("range 1") == zones.find("R1") == 0


def test_airspaces_refuse_bad_geometry() -> None:
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    with pytest.raises(InvalidInput) as error:
        Airspaces.from_geometries(
            ids=["a", "a", ""],
            geometries=[bowtie, shapely.Point(0, 0), shapely.box(179, 0, 181, 1)],
        )
    paths = [i.path for i in error.value.issues]
    assert paths == ["ids[1]", "ids[2]", "geometries[0]", "geometries[1]", "geometries[2]"]


def test_an_airspace_without_border_is_infinitely_deep() -> None:
    globe = Airspaces.from_geometries(ids=["all"], geometries=[shapely.box(-180, -90, 180, 90)])
    states = snapshot(("a", "p", 179.9, 10.0, 250.0, 90.0), ("b", "p", 0.0, -89.0, 100.0, 180.0))
    rows = list(predict_incursions(states, globe, {}, lookahead_s=300.0))
    assert [r.aircraft_id for r in rows] == ["a", "b"]
    for row in rows:
        assert row.inside and row.depth_m == math.inf and math.isnan(row.exit_s)
        assert row.entry_basis is EntryBasis.UNKNOWN
