"""``sharedsky alerting`` run for real, in a subprocess: the CSV, ``--no-hysteresis``, errors.

A failed run prints one line per problem, exits 2 and leaves no output file behind (nor
touches one that was already there).
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from sharedsky.io.daa import read_daa
from sharedsky.io.daidalus_conf import read_daidalus_conf
from sharedsky.io.daidalus_csv import csv_lines
from sharedsky.tactical.daidalus_alerting import alert_levels

Run = Callable[..., subprocess.CompletedProcess[str]]
Shared = Callable[..., Path]


def expected_csv(scenario: Path, conf: Path, *, raw: bool = False) -> str:
    params = read_daidalus_conf(conf)
    if raw:
        params = dataclasses.replace(params, filter=None)
    return "\n".join(csv_lines(alert_levels(read_daa(scenario), params))) + "\n"


def levels(csv_text: str) -> list[str]:
    return [line.split(", ")[4] for line in csv_text.splitlines()[2:]]


@pytest.mark.parametrize(
    ("scenario", "conf", "gold"),
    [
        ("H1.daa", "DO_365B_no_SUM.conf", "DaidalusqAlerting-no_sum.csv"),
        ("H1_SUM.daa", "DO_365B_SUM.conf", "DaidalusAlerting-sum.csv"),
    ],
)
def test_writes_the_gold_csv(
    run_cli: Run, shared: Shared, tmp_path: Path, scenario: str, conf: str, gold: str
) -> None:
    scenario_path = shared("daidalus", "Scenarios", scenario)
    conf_path = shared("daidalus", "Configurations", conf)
    gold_text = shared("daidalus", "gold", gold).read_text()
    out = tmp_path / "out.csv"
    result = run_cli("alerting", "--config", conf_path, scenario_path, "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    written = out.read_text()
    # The numbers are those of the library (checked against the gold row by row in
    # test_daidalus_alerting); here the command must write them in DAIDALUS's layout.
    assert written == expected_csv(scenario_path, conf_path)
    assert written.splitlines()[:2] == gold_text.splitlines()[:2]
    assert levels(written) == levels(gold_text)
    assert not [p.name for p in tmp_path.iterdir() if p.name != "out.csv"]


def test_no_hysteresis_shows_raw_levels(run_cli: Run, shared: Shared, tmp_path: Path) -> None:
    scenario = shared("daidalus", "Scenarios", "H0_0_120.daa")
    conf = shared("daidalus", "Configurations", "DO_365B_no_SUM.conf")
    out = tmp_path / "raw.csv"
    result = run_cli("alerting", "--config", conf, scenario, "--out", out, "--no-hysteresis")
    assert result.returncode == 0, result.stderr
    written = out.read_text()
    assert written == expected_csv(scenario, conf, raw=True)
    shown = levels(written)
    # Raw level 2 from t=10, 3 from 40, 0 from 106 (the filtered ones come at 11, 41, 108).
    assert shown[9:11] == ["0", "2"]
    assert shown[39:41] == ["2", "3"]
    assert shown[105:107] == ["3", "0"]


BAD_DAA = "NAME lat lon alt trk gs vs time\nown, 40.0, -74.0, 15000, 0, 120, 0, 0\nx, 1, 2\n"
BAD_CONF = "lookahead_time = 180 [s]\n"


@pytest.mark.parametrize(
    ("daa", "conf", "fragment"),
    [
        (BAD_DAA, None, "bad.daa:3: 3 fields where the header has 8"),
        (None, BAD_CONF, "bad.conf: missing key alerting_m"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    run_cli: Run,
    shared: Shared,
    tmp_path: Path,
    daa: str | None,
    conf: str | None,
    fragment: str,
) -> None:
    scenario = shared("daidalus", "Scenarios", "H1.daa")
    configuration = shared("daidalus", "Configurations", "DO_365B_no_SUM.conf")
    if daa is not None:
        scenario = tmp_path / "bad.daa"
        scenario.write_text(daa)
    if conf is not None:
        configuration = tmp_path / "bad.conf"
        configuration.write_text(conf)
    fresh, kept = tmp_path / "fresh.csv", tmp_path / "kept.csv"
    kept.write_text("previous run\n")
    for out in (fresh, kept):
        result = run_cli("alerting", "--config", configuration, scenario, "--out", out)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        first, *_ = result.stderr.splitlines()
        assert first.startswith("sharedsky: error: ") and fragment in first, result.stderr
    assert kept.read_text() == "previous run\n"
    inputs = {p.name for p in (scenario, configuration) if p.parent == tmp_path}
    # No fresh.csv, and no temporary file left behind.
    assert {p.name for p in tmp_path.iterdir()} == {"kept.csv", *inputs}


def test_missing_files_and_unwritable_output(run_cli: Run, shared: Shared, tmp_path: Path) -> None:
    scenario = shared("daidalus", "Scenarios", "H1.daa")
    conf = shared("daidalus", "Configurations", "DO_365B_no_SUM.conf")
    absent = run_cli("alerting", "--config", conf, tmp_path / "no.daa", "--out", tmp_path / "o")
    assert absent.returncode == 2
    assert absent.stderr.count("\n") == 1 and "cannot read the scenario" in absent.stderr
    nowhere = run_cli("alerting", "--config", conf, scenario, "--out", tmp_path / "no" / "o.csv")
    assert nowhere.returncode == 2
    assert nowhere.stderr.count("\n") == 1 and "cannot write" in nowhere.stderr
    usage = run_cli("alerting", scenario, "--out", tmp_path / "o.csv")
    assert usage.returncode == 2
    assert not list(tmp_path.iterdir())
