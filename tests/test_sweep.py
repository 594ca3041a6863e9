"""The conflict sweep against a plain O(N²) reference written independently here.

The reference evaluates every pair with scalar ``math`` in its own frame construction (the
tangent plane at the midpoint of the two aircraft, built from the geodetic up vectors) and the
textbook quadratic formula. Float ties at the thresholds are documented in
:mod:`sharedsky.tactical.sweep`: pairs whose closest horizontal approach or vertical distance
lies within 1e-6 relative of a minimum are left out of the comparison (and nothing else).
The fast sweep is also compared with the vectorized all-pairs sweep, which shares its exact
kernel: there every pair must agree, ties included, because only the prefilter differs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharedsky.errors import InvalidInput
from sharedsky.geo.ellipsoid import ecef_from_lonlat
from sharedsky.tactical.separation import LevelFlight, Separation, SeparationPolicy
from sharedsky.tactical.states import AircraftStates
from sharedsky.tactical.sweep import SweepSettings, sweep, sweep_all_pairs
from sharedsky.units import FT_M, NM_M

TIE = 1e-6


@dataclass(frozen=True)
class RefPair:
    conflict: bool
    loss: bool
    tie: bool
    t_in: float
    tcpa: float


def _up_east_north(lat: float, lon: float) -> tuple[list[float], list[float], list[float]]:
    la, lo = math.radians(lat), math.radians(lon)
    up = [math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)]
    east = [-math.sin(lo), math.cos(lo), 0.0]
    north = [-math.sin(la) * math.cos(lo), -math.sin(la) * math.sin(lo), math.cos(la)]
    return up, east, north


def _dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def reference_pair(s: AircraftStates, i: int, j: int, cfg: SweepSettings) -> RefPair:
    """Decide one pair from first principles."""
    minima = cfg.policy.minima(str(s.party[i]), str(s.party[j]))
    vz = [float(s.vs_mps[i]), float(s.vs_mps[j])]
    vsep = minima.vsep_m - 1e-6
    if cfg.level is not None:
        level = [abs(v) <= cfg.level.rate_mps for v in vz]
        vz = [0.0 if lv else v for lv, v in zip(level, vz, strict=True)]
        if all(level):
            vsep -= cfg.level.tolerance_m
    frames = [_up_east_north(float(s.lat_deg[k]), float(s.lon_deg[k])) for k in (i, j)]
    normal = [a + b for a, b in zip(frames[0][0], frames[1][0], strict=True)]
    size = math.sqrt(_dot(normal, normal))
    normal = [c / size for c in normal]
    east = [-normal[1], normal[0], 0.0]
    size = math.hypot(east[0], east[1])
    east = [c / size for c in east] if size > 1e-12 else [1.0, 0.0, 0.0]
    north = [
        normal[1] * east[2] - normal[2] * east[1],
        normal[2] * east[0] - normal[0] * east[2],
        normal[0] * east[1] - normal[1] * east[0],
    ]
    points = ecef_from_lonlat([s.lon_deg[i], s.lon_deg[j]], [s.lat_deg[i], s.lat_deg[j]])
    d = [float(points[0][k] - points[1][k]) for k in range(3)]
    velocity = []
    for k, row in enumerate((i, j)):
        track = math.radians(float(s.track_deg[row]))
        _, e, n = frames[k]
        speed = float(s.gs_mps[row])
        velocity.append(
            [speed * (math.sin(track) * e[c] + math.cos(track) * n[c]) for c in range(3)]
        )
    dv = [a - b for a, b in zip(velocity[0], velocity[1], strict=True)]
    sx, sy = _dot(d, east), _dot(d, north)
    vx, vy = _dot(dv, east), _dot(dv, north)
    sz = float(s.alt_m[i] - s.alt_m[j])
    rz = vz[0] - vz[1]
    hsep = minima.hsep_m

    # Horizontal: |s + v t| < hsep between the roots of the quadratic.
    a = vx * vx + vy * vy
    b = 2 * (sx * vx + sy * vy)
    c = sx * sx + sy * sy - hsep * hsep
    tcpa = max(0.0, -(sx * vx + sy * vy) / a) if a > 0 else 0.0
    closest = math.hypot(sx + vx * -(b / (2 * a)), sy + vy * -(b / (2 * a))) if a > 0 else None
    if a == 0:
        h = (-math.inf, math.inf) if c < 0 else (math.inf, -math.inf)
    elif b * b - 4 * a * c <= 0:
        h = (math.inf, -math.inf)
    else:
        r = math.sqrt(b * b - 4 * a * c)
        h = ((-b - r) / (2 * a), (-b + r) / (2 * a))
    if rz == 0:
        v = (-math.inf, math.inf) if abs(sz) < vsep else (math.inf, -math.inf)
    else:
        t1, t2 = (-vsep - sz) / rz, (vsep - sz) / rz
        v = (min(t1, t2), max(t1, t2))
    t_in = max(h[0], v[0], 0.0)
    t_out = min(h[1], v[1])
    conflict = t_in < t_out and t_in < cfg.lookahead_s
    now_h = math.hypot(sx, sy)
    loss = now_h < hsep and abs(sz) < vsep
    near = [abs(abs(sz) - vsep) <= TIE * vsep, abs(now_h - hsep) <= TIE * hsep]
    if closest is not None:
        near.append(abs(closest - hsep) <= TIE * hsep)
    # An interval end that lands on 0 or the look-ahead is a tie too.
    for edge in (*h, *v):
        if math.isfinite(edge):
            near.append(abs(edge) <= 1e-6 or abs(edge - cfg.lookahead_s) <= 1e-6)
    return RefPair(conflict, loss, any(near), t_in, tcpa)


def reference_sweep(
    s: AircraftStates, cfg: SweepSettings
) -> tuple[dict[tuple[int, int], RefPair], set[tuple[int, int]]]:
    pairs: dict[tuple[int, int], RefPair] = {}
    ties: set[tuple[int, int]] = set()
    for i in range(len(s)):
        for j in range(i + 1, len(s)):
            ref = reference_pair(s, i, j, cfg)
            if ref.tie:
                ties.add((i, j))
            if ref.conflict or ref.loss:
                pairs[(i, j)] = ref
    return pairs, ties


def pair_set(a: np.ndarray, b: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(a.tolist(), b.tolist(), strict=True))


def snapshot(**columns: object) -> AircraftStates:
    n = len(columns["lat_deg"])  # type: ignore[arg-type]
    defaults: dict[str, object] = {
        "ids": [f"a{k:03d}" for k in range(n)],
        "alt_m": [10_000.0] * n,
        "gs_mps": [200.0] * n,
        "vs_mps": [0.0] * n,
    }
    defaults.update(columns)
    return AircraftStates.from_columns(time_s=0.0, **defaults)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Scenarios with known answers


def test_head_on_gives_entry_cpa_and_exit() -> None:
    s = snapshot(lat_deg=[0.0, 0.0], lon_deg=[0.0, 0.5], track_deg=[90.0, 270.0])
    found = sweep(s).conflicts
    gap = float(ecef_from_lonlat(0.5, 0.0)[0] - ecef_from_lonlat(0.0, 0.0)[0])
    assert len(found.a) == 1
    # Closing at 400 m/s along the equator; the chord is the straight-line distance.
    gap = float(np.linalg.norm(ecef_from_lonlat(0.5, 0.0) - ecef_from_lonlat(0.0, 0.0)))
    assert found.t_in[0] == pytest.approx((gap - 5 * NM_M) / 400.0, abs=0.05)
    assert found.tcpa[0] == pytest.approx(gap / 400.0, abs=0.05)
    assert found.t_out[0] == pytest.approx((gap + 5 * NM_M) / 400.0, abs=0.05)
    assert found.dcpa_m[0] == pytest.approx(0.0, abs=1.0)
    assert found.vmiss_m[0] == 0.0


def test_head_on_across_the_date_line_is_caught() -> None:
    s = snapshot(lat_deg=[10.0, 10.0], lon_deg=[179.8, -179.8], track_deg=[90.0, 270.0])
    found = sweep(s).conflicts
    assert pair_set(found.a, found.b) == {(0, 1)}
    assert found.dcpa_m[0] < 100.0


def test_pairs_are_unordered_and_reported_once() -> None:
    s = snapshot(
        ids=["zz", "aa", "mm"],
        lat_deg=[0.0, 0.0, 0.0],
        lon_deg=[0.0, 0.02, 0.04],
        track_deg=[90.0, 90.0, 90.0],
    )
    result = sweep(s)
    # Rows are sorted by id: aa, mm, zz; all three are within 5 NM of each other.
    assert list(s.ids) == ["aa", "mm", "zz"]
    assert pair_set(result.los.a, result.los.b) == {(0, 1), (0, 2), (1, 2)}
    assert pair_set(result.conflicts.a, result.conflicts.b) == {(0, 1), (0, 2), (1, 2)}
    assert (result.conflicts.t_in == 0.0).all()
    # Parallel at one speed: they never part (inf, or ~1e17 s from rounding in the frames).
    assert (result.conflicts.t_out > 1e9).all()


def test_exactly_the_vertical_minimum_is_not_a_loss() -> None:
    # 1,000 ft apart, same position: separated (loss is strictly less), with no level rule.
    s = snapshot(
        lat_deg=[0.0, 0.0],
        lon_deg=[0.0, 0.001],
        alt_m=[10_000.0, 10_000.0 + 1000 * FT_M],
        track_deg=[0.0, 0.0],
    )
    plain = SweepSettings(level=None)
    assert len(sweep(s, plain).los.a) == 0
    closer = snapshot(
        lat_deg=[0.0, 0.0],
        lon_deg=[0.0, 0.001],
        alt_m=[10_000.0, 10_000.0 + 999 * FT_M],
        track_deg=[0.0, 0.0],
    )
    assert len(sweep(closer, plain).los.a) == 1


def test_level_aircraft_at_adjacent_levels_are_not_alerted_but_true_losses_are() -> None:
    def pair(delta_ft: float, vs_fpm: float) -> AircraftStates:
        return snapshot(
            lat_deg=[46.0, 46.0],
            lon_deg=[8.0, 8.05],
            alt_m=[38_000 * FT_M, (38_000 + delta_ft) * FT_M],
            track_deg=[90.0, 270.0],
            vs_mps=[0.0, vs_fpm * FT_M / 60],
        )

    cfg = SweepSettings()  # the default level-flight rule
    assert len(sweep(pair(975, 64), cfg).conflicts.a) == 0  # adjacent levels, rate jitter
    assert len(sweep(pair(950, 0), cfg).conflicts.a) == 0
    assert len(sweep(pair(850, 0), cfg).conflicts.a) == 1  # one level, real loss
    assert len(sweep(pair(950, 1500), cfg).conflicts.a) == 1  # climbing through: alerted
    # Without the rule every one of them is a conflict.
    plain = SweepSettings(level=None)
    assert len(sweep(pair(975, 0), plain).conflicts.a) == 1


def test_minima_per_pair_of_parties() -> None:
    s = snapshot(
        lat_deg=[35.0, 35.0, 35.0],
        lon_deg=[36.0, 36.11, 36.3],
        party=["RU", "US", "TR"],
        alt_m=[9000.0, 9000.0 + 150.0, 11_000.0],
        track_deg=[0.0, 0.0, 0.0],
    )
    # RU and US are ~10 km apart: inside 10 NM, outside 5 NM.
    wide = SeparationPolicy(pairs={("US", "RU"): Separation(hsep_m=10 * NM_M, vsep_m=2000 * FT_M)})
    assert len(sweep(s, SweepSettings(policy=wide)).los.a) == 1
    assert len(sweep(s, SweepSettings()).los.a) == 0


def test_meridian_convergence_far_apart_is_in_the_pair_frame() -> None:
    # Two aircraft 100 km apart east–west at 70° N, both flying due north: their tracks
    # converge (meridians meet at the pole) but in 300 s they close by far less than a plain
    # east/north rotation per aircraft would suggest; the pair frame keeps them apart.
    s = snapshot(lat_deg=[70.0, 70.0], lon_deg=[0.0, 2.63], track_deg=[0.0, 0.0], gs_mps=[250, 250])
    assert len(sweep(s).conflicts.a) == 0
    ref, _ = reference_sweep(s, SweepSettings())
    assert ref == {}


def test_empty_and_single_aircraft() -> None:
    assert len(sweep(snapshot(lat_deg=[], lon_deg=[], track_deg=[])).conflicts.a) == 0
    one = snapshot(lat_deg=[1.0], lon_deg=[1.0], track_deg=[1.0])
    result = sweep(one)
    assert len(result.conflicts.a) == 0 and result.candidates == 0


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"lookahead_s": -1.0}, "lookahead_s"),
        ({"lookahead_s": math.nan}, "lookahead_s"),
        ({"workers": 0}, "workers"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, float], path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        SweepSettings(**kwargs)  # type: ignore[arg-type]
    assert caught.value.issues[0].path == path


@pytest.mark.parametrize("value", [0.0, -5.0, math.inf, math.nan])
def test_bad_minima_are_refused(value: float) -> None:
    with pytest.raises(InvalidInput):
        Separation(hsep_m=value)
    with pytest.raises(InvalidInput):
        LevelFlight(tolerance_m=-1.0)


def test_contradictory_pair_minima_are_refused() -> None:
    with pytest.raises(InvalidInput, match="two different minima"):
        SeparationPolicy(
            pairs={("A", "B"): Separation(hsep_m=1000.0), ("B", "A"): Separation(hsep_m=2000.0)}
        )


# ---------------------------------------------------------------------------------------------
# Properties: the fast sweep equals the references


@st.composite
def traffic(draw: st.DrawFn) -> AircraftStates:
    n = draw(st.integers(0, 30))
    lat0 = draw(st.floats(-85.0, 85.0))
    lon0 = draw(st.sampled_from([-179.9, -120.0, 0.0, 36.5, 179.9]))
    spread = draw(st.sampled_from([0.05, 0.3, 1.5]))
    floats = st.floats(-1.0, 1.0)
    lat = [max(-89.9, min(89.9, lat0 + spread * draw(floats))) for _ in range(n)]
    lon = [((lon0 + spread * draw(floats) + 180.0) % 360.0) - 180.0 for _ in range(n)]
    alt = [9000.0 + 600.0 * draw(floats) for _ in range(n)]
    climb = st.one_of(st.just(0.0), st.floats(-20.0, 20.0), st.floats(-1.0, 1.0))
    return AircraftStates.from_columns(
        time_s=0.0,
        ids=[f"x{k:03d}" for k in range(n)],
        lat_deg=lat,
        lon_deg=lon,
        alt_m=alt,
        gs_mps=[draw(st.floats(0.0, 300.0)) for _ in range(n)],
        track_deg=[draw(st.floats(0.0, 359.99)) for _ in range(n)],
        vs_mps=[draw(climb) for _ in range(n)],
        party=[draw(st.sampled_from(["A", "B", "C"])) for _ in range(n)],
    )


CONFIGS = st.builds(
    SweepSettings,
    lookahead_s=st.sampled_from([0.0, 60.0, 300.0]),
    policy=st.sampled_from(
        [
            SeparationPolicy(),
            SeparationPolicy(
                default=Separation(hsep_m=3 * NM_M, vsep_m=500 * FT_M),
                pairs={("A", "B"): Separation(hsep_m=10 * NM_M, vsep_m=2000 * FT_M)},
            ),
        ]
    ),
    level=st.sampled_from([None, LevelFlight()]),
    workers=st.sampled_from([1, 2]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traffic(), CONFIGS)
def test_sweep_matches_the_independent_reference(s: AircraftStates, cfg: SweepSettings) -> None:
    result = sweep(s, cfg)
    expected, ties = reference_sweep(s, cfg)
    got_conflicts = pair_set(result.conflicts.a, result.conflicts.b) - ties
    got_losses = pair_set(result.los.a, result.los.b) - ties
    assert got_conflicts == {p for p, r in expected.items() if r.conflict} - ties
    assert got_losses == {p for p, r in expected.items() if r.loss} - ties
    for k, (a, b) in enumerate(zip(result.conflicts.a, result.conflicts.b, strict=True)):
        if (a, b) in ties:
            continue
        ref = expected[(int(a), int(b))]
        assert result.conflicts.t_in[k] == pytest.approx(ref.t_in, rel=1e-6, abs=1e-6)
        assert result.conflicts.tcpa[k] == pytest.approx(ref.tcpa, rel=1e-6, abs=1e-6)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traffic(), CONFIGS)
def test_sweep_matches_the_all_pairs_sweep_exactly(s: AircraftStates, cfg: SweepSettings) -> None:
    fast, slow = sweep(s, cfg), sweep_all_pairs(s, cfg, chunk=97)
    assert pair_set(fast.conflicts.a, fast.conflicts.b) == pair_set(
        slow.conflicts.a, slow.conflicts.b
    )
    assert pair_set(fast.los.a, fast.los.b) == pair_set(slow.los.a, slow.los.b)
    order = np.lexsort((slow.conflicts.b, slow.conflicts.a))
    for name in ("t_in", "t_out", "tcpa", "dcpa_m", "vmiss_m"):
        np.testing.assert_allclose(
            getattr(fast.conflicts, name), getattr(slow.conflicts, name)[order], rtol=1e-12
        )


def dense_box(n: int, seed: int) -> AircraftStates:
    """BlueSky's stress case, scaled: N aircraft in 500 × 500 km, FL200–FL400."""
    rng = np.random.default_rng(seed)
    lat = 33.0 + rng.random(n) * 4.5
    lon = 36.0 + rng.random(n) * 5.4
    vs = np.where(rng.random(n) < 0.3, rng.uniform(-15.0, 15.0, n), 0.0)
    return AircraftStates.from_columns(
        time_s=0.0,
        ids=[f"{k:06x}" for k in range(n)],
        lat_deg=lat,
        lon_deg=lon,
        alt_m=rng.uniform(20_000, 40_000, n) * FT_M,
        gs_mps=rng.uniform(200, 250, n),
        track_deg=rng.uniform(0, 360, n),
        vs_mps=vs,
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_dense_box_matches_all_pairs(seed: int) -> None:
    s = dense_box(1500, seed)
    fast, slow = sweep(s), sweep_all_pairs(s)
    assert len(fast.conflicts.a) > 100
    assert pair_set(fast.conflicts.a, fast.conflicts.b) == pair_set(
        slow.conflicts.a, slow.conflicts.b
    )
    assert pair_set(fast.los.a, fast.los.b) == pair_set(slow.los.a, slow.los.b)
    # The prefilter is a real filter: far fewer pairs evaluated than all of them.
    assert fast.candidates < slow.candidates / 20
