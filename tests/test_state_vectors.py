"""Reading state vectors, taking each aircraft's latest state, and replaying a recording."""

from __future__ import annotations

import gzip
import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sharedsky.errors import InvalidInput
from sharedsky.geo.ellipsoid import geodesic_distance_m
from sharedsky.io.state_vectors import read_state_vectors
from sharedsky.tactical.states import AircraftStates, StateReports, latest, replay
from sharedsky.tactical.sweep import SweepSettings, sweep
from sharedsky.units import FT_M, NM_M

ROWS = [
    {
        "timestamp": "2015-10-10T10:00:00Z",
        "icao24": "AbC123",
        "callsign": "RFF1 ",
        "latitude": 35.0,
        "longitude": 36.0,
        "altitude": 30000,
        "groundspeed": 450,
        "track": 90,
        "vertical_rate": -640,
    },
    {
        "timestamp": "2015-10-10T10:00:10Z",
        "icao24": "abc123",
        "callsign": "RFF1",
        "latitude": 35.0,
        "longitude": 36.02,
        "altitude": 29900,
        "groundspeed": 450,
        "track": 90,
        "vertical_rate": -640,
    },
    {
        "timestamp": "2015-10-10T10:00:05Z",
        "icao24": "def456",
        "callsign": "TUR3",
        "latitude": 36.8,
        "longitude": 36.5,
        "altitude": 20000,
        "groundspeed": 400,
        "track": 0,
        "vertical_rate": 0,
    },
]


def write(tmp_path: Path, name: str, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / name
    frame = pd.DataFrame(rows)
    if name.endswith(".csv"):
        frame.to_csv(path, index=False)
    elif name.endswith(".parquet"):
        frame.to_parquet(path)
    elif name.endswith(".json.gz"):
        with gzip.open(path, "wt") as out:
            json.dump(rows, out)
    elif name.endswith(".jsonl"):
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        path.write_text(json.dumps(rows))
    return path


@pytest.mark.parametrize("name", ["t.csv", "t.parquet", "t.json", "t.json.gz", "t.jsonl"])
def test_every_format_reads_the_same(tmp_path: Path, name: str) -> None:
    reports, report = read_state_vectors(write(tmp_path, name, ROWS))
    assert report.rows == 3 and report.kept == 3 and report.dropped == {}
    assert list(reports.ids) == ["abc123", "abc123", "def456"]  # identity is case-free
    assert list(reports.callsign) == ["RFF1", "RFF1", "TUR3"]
    assert reports.alt_m[0] == pytest.approx(30000 * FT_M)
    assert reports.gs_mps[0] == pytest.approx(450 * NM_M / 3600)
    assert reports.vs_mps[0] == pytest.approx(-640 * FT_M / 60)
    assert reports.time_s[1] - reports.time_s[0] == 10.0
    assert reports.time_s[0] == pd.Timestamp("2015-10-10T10:00:00Z").timestamp()


def test_unix_seconds_and_party_column(tmp_path: Path) -> None:
    rows = [dict(r, timestamp=1444471200 + k, party="RU") for k, r in enumerate(ROWS)]
    reports, _ = read_state_vectors(write(tmp_path, "t.csv", rows))
    assert reports.time_s[0] == 1444471200.0
    assert set(reports.party) == {"RU"}


def test_unusable_rows_are_dropped_and_counted(tmp_path: Path) -> None:
    bad = [
        dict(ROWS[0], icao24="a1", altitude=None),
        dict(ROWS[0], icao24="a2", latitude=95.0),
        dict(ROWS[0], icao24="a3", altitude=123_100),
        dict(ROWS[0], icao24="a4", groundspeed=5000),
        dict(ROWS[0], icao24="a5", onground=True),
        dict(ROWS[0], icao24="a6", onground=False),
    ]
    reports, report = read_state_vectors(write(tmp_path, "t.csv", bad))
    assert list(reports.ids) == ["a6"]
    assert report.dropped == {
        "missing value": 1,
        "off the globe": 1,
        "implausible altitude": 1,
        "implausible speed": 1,
        "on the ground": 1,
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("timestamp,icao24\n2015-10-10T10:00:00Z,a\n", "missing column 'latitude'"),
        (
            "timestamp,icao24,latitude,longitude,altitude,groundspeed,track,vertical_rate\n"
            "yesterday,a,1,1,1,1,1,1\n",
            "is not ISO 8601",
        ),
        (
            "timestamp,icao24,latitude,longitude,altitude,groundspeed,track,vertical_rate\n"
            "2015-10-10T10:00:00Z,a,north,1,1,1,1,1\n",
            "latitude[0]: 'north' is not a number",
        ),
        ("", "cannot be read as a table"),
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(InvalidInput) as caught:
        read_state_vectors(path)
    assert message in str(caught.value)


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="unknown format"):
        read_state_vectors(tmp_path / "x.txt")
    with pytest.raises(InvalidInput, match="no such file"):
        read_state_vectors(tmp_path / "x.csv")


def test_latest_extrapolates_along_the_geodesic_and_drops_stale(tmp_path: Path) -> None:
    reports, _ = read_state_vectors(write(tmp_path, "t.csv", ROWS))
    t0 = reports.time_s[0]
    snap, stale = latest(reports, at_s=t0 + 70.0, max_age_s=60.0)
    # def456 reported at +5 s is 65 s old: dropped; abc123's +10 s report is 60 s old: kept.
    assert stale == 1 and list(snap.ids) == ["abc123"]
    moved = geodesic_distance_m(36.02, 35.0, snap.lon_deg[0], snap.lat_deg[0])
    assert moved == pytest.approx(450 * NM_M / 3600 * 60, rel=1e-9)
    assert snap.alt_m[0] == pytest.approx((29900 - 640) * FT_M)
    # Flying east from 35° N along a geodesic bends south of the parallel, course past 90°.
    assert snap.lat_deg[0] < 35.0 and 90.0 < snap.track_deg[0] < 90.2
    assert snap.age_s[0] == 60.0
    # A report after the sweep time is the future: not used.
    early, _ = latest(reports, at_s=t0 + 5.0, max_age_s=60.0)
    assert early.lon_deg[early.row("abc123")] == pytest.approx(36.0127, abs=1e-4)


def test_duplicate_ids_in_a_snapshot_are_refused() -> None:
    with pytest.raises(InvalidInput, match="more than once"):
        AircraftStates.from_columns(
            time_s=0.0,
            ids=["a", "a"],
            lat_deg=[0, 0],
            lon_deg=[0, 0],
            alt_m=[0, 0],
            gs_mps=[0, 0],
            track_deg=[0, 0],
            vs_mps=[0, 0],
        )


@pytest.mark.parametrize(
    ("column", "value"),
    [("lat_deg", 91.0), ("lon_deg", math.nan), ("alt_m", 1e6), ("vs_mps", -1e4)],
)
def test_impossible_states_are_refused_with_the_cell(column: str, value: float) -> None:
    columns: dict[str, object] = {
        "time_s": [0.0],
        "ids": ["a"],
        "lat_deg": [0.0],
        "lon_deg": [0.0],
        "alt_m": [0.0],
        "gs_mps": [0.0],
        "track_deg": [0.0],
        "vs_mps": [0.0],
    }
    columns[column] = [value]
    with pytest.raises(InvalidInput) as caught:
        StateReports.from_columns(**columns)  # type: ignore[arg-type]
    assert caught.value.issues[0].path == f"{column}[0]"


@st.composite
def recordings(draw: st.DrawFn) -> StateReports:
    n = draw(st.integers(0, 40))
    return StateReports.from_columns(
        time_s=[draw(st.integers(0, 60)) * 1.0 for _ in range(n)],
        ids=[draw(st.sampled_from("abcde")) for _ in range(n)],
        lat_deg=[draw(st.floats(-60, 60)) for _ in range(n)],
        lon_deg=[draw(st.floats(-180, 180)) for _ in range(n)],
        alt_m=[1000.0] * n,
        gs_mps=[draw(st.floats(0, 300)) for _ in range(n)],
        track_deg=[draw(st.floats(0, 359)) for _ in range(n)],
        vs_mps=[0.0] * n,
    )


@settings(max_examples=60, deadline=None)
@given(recordings(), st.sampled_from([0.0, 5.0, 30.0]))
def test_replay_equals_latest_at_every_step(reports: StateReports, age: float) -> None:
    steps = list(replay(reports, start_s=-10.0, stop_s=70.0, step_s=7.0, max_age_s=age))
    assert len(steps) == 12
    for k, (snap, stale) in enumerate(steps):
        expected, expected_stale = latest(reports, at_s=-10.0 + 7.0 * k, max_age_s=age)
        assert stale == expected_stale
        assert list(snap.ids) == list(expected.ids)
        np.testing.assert_array_equal(snap.lat_deg, expected.lat_deg)
        np.testing.assert_array_equal(snap.age_s, expected.age_s)


# ---------------------------------------------------------------------------------------------
# Real ADS-B: the traffic package's samples (installed data-only by the Makefile)


def traffic_sample(name: str) -> Path:
    spec = importlib.util.find_spec("traffic")
    if spec is None or spec.submodule_search_locations is None:
        pytest.skip("the traffic package's samples are not installed (make setup installs them)")
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "data" / "samples" / "collections" / f"{name}.json.gz"


def los_pairs(path: Path, cfg: SweepSettings) -> set[tuple[str, str]]:
    """Distinct pairs in loss on a 10 s grid, airborne 3,000–50,000 ft (as reference/data.md)."""
    reports, _ = read_state_vectors(path)
    pairs: set[tuple[str, str]] = set()
    start, stop = float(reports.time_s.min()), float(reports.time_s.max())
    for snap, _ in replay(reports, start_s=start, stop_s=stop, step_s=10.0, max_age_s=10.0):
        snap = snap.take((snap.alt_m >= 3000 * FT_M) & (snap.alt_m <= 50_000 * FT_M))
        found = sweep(snap, cfg).los
        pairs |= {
            (str(snap.ids[a]), str(snap.ids[b])) for a, b in zip(found.a, found.b, strict=True)
        }
    return pairs


def test_switzerland_adjacent_levels_are_not_nuisance_alerts() -> None:
    path = traffic_sample("switzerland")
    plain = los_pairs(path, SweepSettings(lookahead_s=0.0, level=None))
    ruled = los_pairs(path, SweepSettings(lookahead_s=0.0))
    # Without the level rule the 25 ft quantization makes ~141 cruising pairs "losses".
    assert len(plain) >= 135
    # With it, only pairs with an aircraft changing level remain.
    assert len(ruled) <= 3
    assert ruled <= plain


def test_quickstart_true_losses_are_still_found() -> None:
    path = traffic_sample("quickstart")
    plain = los_pairs(path, SweepSettings(lookahead_s=0.0, level=None))
    ruled = los_pairs(path, SweepSettings(lookahead_s=0.0))
    assert len(plain) >= 28
    assert len(ruled) >= len(plain) - 3
