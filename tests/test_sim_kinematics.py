"""Kinematics against brute-force references: distance flown vs integrated speed, the turn
rate bound, altitudes monotone between levels; and the scenario↔wall time map."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sharedsky.errors import InvalidInput
from sharedsky.geo import WGS84
from sharedsky.sim import (
    PERFORMANCE,
    Noise,
    TimeMap,
    Waypoint,
    fly,
    offset_s,
    orbit_waypoints,
    performance_for,
    synthetic_traffic,
    trajectory_frame,
)
from sharedsky.units import FT_M, NM_M

KT = NM_M / 3600.0

waypoints = st.builds(
    Waypoint,
    lon_deg=st.floats(35.0, 37.0),
    lat_deg=st.floats(34.0, 36.0),
    alt_m=st.floats(1000.0, 12000.0),
    speed_mps=st.floats(120.0, 250.0),
)
types = st.sampled_from(sorted(PERFORMANCE))


def _distances(path: object) -> np.ndarray:
    lon, lat = path.lon_deg, path.lat_deg  # type: ignore[attr-defined]
    _, _, d = WGS84.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    return np.asarray(d)


@settings(max_examples=12, deadline=None)
@given(route=st.lists(waypoints, min_size=2, max_size=3), type_=types)
def test_distance_flown_is_integrated_speed(route: list[Waypoint], type_: str) -> None:
    perf = performance_for(type_)
    route = [
        Waypoint(w.lon_deg, w.lat_deg, min(w.alt_m, perf.ceiling_m), w.speed_mps) for w in route
    ]
    path = fly(route, perf, departure_s=100.0)
    assert np.all(np.diff(path.time_s) == 1.0)
    steps = _distances(path)
    expected = (path.gs_mps[:-1] + path.gs_mps[1:]) / 2.0
    # Each step moves along a geodesic at the mean speed: equal to the metre.
    np.testing.assert_allclose(steps, expected, atol=0.01)


@settings(max_examples=15, deadline=None)
@given(route=st.lists(waypoints, min_size=3, max_size=4), type_=types)
def test_turn_rate_and_vertical_rate_are_bounded(route: list[Waypoint], type_: str) -> None:
    perf = performance_for(type_)
    path = fly(route, perf, departure_s=0.0)
    turn = np.abs((np.diff(path.track_deg) + 180.0) % 360.0 - 180.0)
    bound = np.array([perf.turn_rate_deg_s(v) for v in path.gs_mps[:-1]])
    assert np.all(turn <= bound + 1e-9)
    assert np.all(bound <= 3.0 + 1e-12)  # never above standard rate
    # bank-limited: tan(bank) = omega * V / g stays within the type's bank angle
    bank = np.degrees(np.arctan(np.radians(turn) * path.gs_mps[:-1] / 9.80665))
    assert np.all(bank <= perf.bank_deg + 1e-6)
    climb = np.diff(path.alt_m)
    assert np.all(climb <= perf.climb_mps + 1e-9)
    assert np.all(-climb <= perf.descent_mps + 1e-9)
    accel = np.abs(np.diff(path.gs_mps))
    assert np.all(accel <= perf.accel_mps2 + 1e-9)


@settings(max_examples=25, deadline=None)
@given(
    levels=st.lists(st.floats(500.0, 11000.0), min_size=2, max_size=4),
    type_=types,
)
def test_altitude_is_monotone_between_levels(levels: list[float], type_: str) -> None:
    """On a straight route with a new level per leg (each leg long enough to reach it), the
    altitude never overshoots: it moves monotonically from each level to the next."""
    perf = performance_for(type_)
    alts = [min(alt, perf.ceiling_m) for alt in levels]
    rate = min(perf.climb_mps, perf.descent_mps)
    lon = [36.0]
    for before, after in itertools.pairwise(alts):
        leg_m = 200.0 * (abs(after - before) / rate + 120.0)
        lon.append(lon[-1] + leg_m / 91_000.0)  # ~91 km per degree of longitude at 35°N
    route = [Waypoint(x, 35.0, alt, 200.0) for x, alt in zip(lon, alts, strict=True)]
    path = fly(route, perf, departure_s=0.0)
    low = min(w.alt_m for w in route)
    high = max(w.alt_m for w in route)
    assert path.alt_m.min() >= low - 1e-6
    assert path.alt_m.max() <= high + 1e-6
    # brute force: between two consecutive changes of sign of the climb, the altitude is flat
    # at a route level (the aircraft levels off only at a level it was cleared to).
    climb = np.diff(path.alt_m)
    signs = np.sign(np.where(np.abs(climb) < 1e-9, 0.0, climb))
    for k in np.flatnonzero(signs[1:] * signs[:-1] < 0):
        assert any(abs(path.alt_m[k + 1] - w.alt_m) < 1e-6 for w in route)


def test_orbit_stays_on_its_circle() -> None:
    perf = performance_for("F16")
    start = Waypoint(36.0, 36.9, 7600.0, 206.0)
    ring = orbit_waypoints(
        center_lon_deg=36.4,
        center_lat_deg=36.9,
        radius_m=8 * NM_M,
        laps=2,
        clockwise=True,
        entry_from=(36.0, 36.9),
        alt_m=7600.0,
        speed_mps=206.0,
    )
    path = fly([start, *ring], perf, departure_s=0.0)
    on_ring = path.time_s > path.time_s[0] + 300
    _, _, r = WGS84.inv(
        np.full(on_ring.sum(), 36.4), np.full(on_ring.sum(), 36.9),
        path.lon_deg[on_ring], path.lat_deg[on_ring],
    )  # fmt: skip
    assert np.all(np.abs(np.asarray(r) - 8 * NM_M) < 1500.0)
    assert 2 * 2 * np.pi * 8 * NM_M / 206.0 * 0.9 < path.end_s - path.start_s


def test_noise_and_dropouts_are_seeded() -> None:
    route = [Waypoint(36.0, 35.0, 6000.0, 220.0), Waypoint(36.6, 35.0, 6000.0, 220.0)]
    path = fly(route, performance_for("SU24"), departure_s=0.0)
    noise = Noise(position_m=50.0, altitude_ft=30.0, dropout=0.2, seed=7)
    one = trajectory_frame(path, icao24="ABC123", callsign="X1", noise=noise)
    two = trajectory_frame(path, icao24="ABC123", callsign="X1", noise=noise)
    assert one.equals(two)
    assert 0.7 * len(path.time_s) < len(one) < 0.9 * len(path.time_s)
    clean = trajectory_frame(path, icao24="ABC123", callsign="X1")
    assert list(clean.columns) == [
        "timestamp", "icao24", "callsign", "latitude", "longitude", "altitude",
        "groundspeed", "track", "vertical_rate",
    ]  # fmt: skip
    assert clean["altitude"].iloc[0] == round(6000.0 / FT_M)
    assert clean["icao24"].iloc[0] == "abc123"


@settings(max_examples=50, deadline=None)
@given(
    speed=st.floats(1.0, 120.0),
    busy=st.lists(
        st.tuples(st.floats(0.0, 10_000.0), st.floats(1.0, 2000.0)), min_size=0, max_size=4
    ),
    probe=st.floats(-100.0, 15_000.0),
)
def test_time_map_is_monotone_and_invertible(
    speed: float, busy: list[tuple[float, float]], probe: float
) -> None:
    intervals = [(a, a + d) for a, d in busy]
    tm = TimeMap(wall_start_s=1.0e9, speed=speed, busy=intervals, idle_speed=720.0)
    w = tm.wall_s(probe)
    assert tm.scenario_s(w) == pytest.approx(probe, abs=1e-3)
    assert tm.wall_s(probe + 1.0) > w
    for a, b in intervals:
        if a >= 0.0 and not any(c < a < d or c < b < d for c, d in intervals if (c, d) != (a, b)):
            assert tm.wall_duration_s(a, b) == pytest.approx((b - a) / speed, abs=1e-5)


def test_offsets() -> None:
    assert offset_s("+00:30") == 1800.0
    assert offset_s("+1:00:05") == 3605.0
    with pytest.raises(InvalidInput, match="not a time"):
        offset_s("soon")
    with pytest.raises(InvalidInput, match="time zone"):
        offset_s("2015-09-30T06:00:00")


def test_synthetic_traffic_is_seeded_and_sized() -> None:
    a = synthetic_traffic(aircraft=50, area=(35.0, 34.0, 38.0, 37.0), duration_s=3, seed=3)
    b = synthetic_traffic(aircraft=50, area=(35.0, 34.0, 38.0, 37.0), duration_s=3, seed=3)
    assert a.equals(b)
    assert len(a) == 200 and a["icao24"].nunique() == 50
    first = a[a["timestamp"] == 0.0]
    assert first["longitude"].between(35.0, 38.0).all()
    assert first["latitude"].between(34.0, 37.0).all()
    with pytest.raises(InvalidInput) as error:
        synthetic_traffic(aircraft=0, area=(38.0, 34.0, 35.0, 37.0))
    assert [i.path for i in error.value.issues] == ["--aircraft", "--area"]
