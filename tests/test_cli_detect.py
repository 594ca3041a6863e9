"""``sharedsky detect``: the real command in a subprocess."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]

HEADER = "timestamp,icao24,callsign,latitude,longitude,altitude,groundspeed,track,vertical_rate\n"
TRACKS = HEADER + (
    # Head-on at FL300, 0.6° apart: loss in ~93 s.
    "2015-10-10T10:00:00Z,aaa001,RFF1,35.0,36.0,30000,450,90,0\n"
    "2015-10-10T10:00:00Z,bbb002,USAF2,35.0,36.6,30000,450,270,0\n"
    # Two level aircraft on adjacent levels, reported 975 ft apart, side by side: in loss now
    # only without the level rule.
    "2015-10-10T10:00:05Z,ccc003,TUR3,37.0,36.5,37000,400,0,0\n"
    "2015-10-10T10:00:05Z,ddd004,TUR4,37.0,36.52,37975,400,0,0\n"
)


@pytest.fixture
def tracks(tmp_path: Path) -> Path:
    path = tmp_path / "tracks.csv"
    path.write_text(TRACKS)
    return path


def test_json_output_names_the_pairs(run_cli: Run, tracks: Path) -> None:
    done = run_cli("detect", tracks, "--json")
    assert done.returncode == 1, done.stderr
    out = json.loads(done.stdout)
    assert set(out) >= {"conflicts", "los", "aircraft", "elapsed_s"}
    assert out["aircraft"] == 4 and out["los"] == []
    assert out["at"] == "2015-10-10T10:00:05Z"
    [conflict] = out["conflicts"]
    assert (conflict["a"], conflict["b"]) == ("aaa001", "bbb002")
    assert set(conflict) == {"a", "b", "t_in", "t_out", "tcpa", "dcpa_m", "vmiss_m"}
    # Closing at 900 kt from ~54.6 km, 5 s after the reports: loss after ~88 s.
    assert 80 < conflict["t_in"] < 95 and conflict["t_in"] < conflict["tcpa"] < conflict["t_out"]
    assert conflict["dcpa_m"] < 50 and conflict["vmiss_m"] == 0
    assert 0 <= out["elapsed_s"] < 5


def test_level_rule_switch_and_units(run_cli: Run, tracks: Path) -> None:
    out = json.loads(run_cli("detect", tracks, "--json", "--no-level-rule").stdout)
    assert [(p["a"], p["b"]) for p in out["los"]] == [("ccc003", "ddd004")]
    # Minima in other units: 2 km / 300 m separate the level pair (1.8 km apart, 297 m).
    out = json.loads(run_cli("detect", tracks, "--json", "--no-level-rule", "--hsep", "1km").stdout)
    assert out["los"] == []
    short = json.loads(run_cli("detect", tracks, "--json", "--lookahead", "1min").stdout)
    assert short["conflicts"] == []


def test_at_moves_the_sweep_and_ages_out_reports(run_cli: Run, tracks: Path) -> None:
    out = json.loads(run_cli("detect", tracks, "--json", "--at", "2015-10-10T10:01:00Z").stdout)
    assert out["conflicts"][0]["t_in"] < 40
    unix = json.loads(run_cli("detect", tracks, "--json", "--at", "1444471260").stdout)
    assert unix["conflicts"] == out["conflicts"]
    done = run_cli("detect", tracks, "--json", "--at", "2015-10-10T11:00:00Z")
    assert done.returncode == 0
    gone = json.loads(done.stdout)
    assert gone["aircraft"] == 0 and gone["dropped"] == {"stale": 4}


def test_table_output(run_cli: Run, tracks: Path) -> None:
    done = run_cli("detect", tracks)
    assert done.returncode == 1
    assert "aaa001 RFF1" in done.stdout and "bbb002 USAF2" in done.stdout
    assert "4 aircraft at 2015-10-10T10:00:05Z: 1 conflicts within 300 s" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hsep", "5"], "--hsep: length '5' must be a number with a unit"),
        (["--vsep", "-1ft"], "--vsep: must be > 0"),
        (["--lookahead", "5 parsecs"], "--lookahead"),
        (["--at", "tomorrow"], "--at"),
        (["--max-age", "-3s"], "--max-age: must be >= 0"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    run_cli: Run, tracks: Path, args: list[str], message: str
) -> None:
    done = run_cli("detect", tracks, *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_bad_files_exit_2(run_cli: Run, tmp_path: Path) -> None:
    done = run_cli("detect", tmp_path / "missing.csv")
    assert done.returncode == 2 and "no such file" in done.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text(HEADER)
    done = run_cli("detect", empty)
    assert done.returncode == 2 and "no usable state vectors" in done.stderr
    assert "Traceback" not in done.stderr
