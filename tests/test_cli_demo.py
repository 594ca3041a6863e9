"""``sharedsky demo`` end to end: a real ``sharedsky serve``, the built-in scenario at high
speed through the public API, every expectation holding, the ledger verified; and bad input
failing in one line with exit 2."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from sharedsky.cli import app

SHAREDSKY = [sys.executable, "-c", "from sharedsky.cli import main; main()"]


@pytest.mark.slow
def test_demo_runs_the_2015_scenario_and_every_expectation_holds() -> None:
    done = subprocess.run(
        [*SHAREDSKY, "demo", "--speed", "60", "--port", "0", "--no-serve-after"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    for expectation in (
        "notice-one-hour",
        "amendment-refused",
        "converging-pair-alerted",
        "hatay-crossing-warned",
        "scramble-kept-apart",
        "hotline-delivered",
    ):
        line = next(line for line in out.splitlines() if expectation in line)
        assert " ok " in line, line
    assert "FAILED" not in out
    assert "Ledger: verified" in out
    assert "ssk_" in out  # a sign-in token per party
    assert "?token" not in out and "token=" not in out  # never in a URL
    assert "RFF7213 (RU) – VIPER31 (US)" in out
    assert "uncoordinated" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["demo", "--scenario", "/nonexistent/x.yaml", "--no-serve-after"], "no such file"),
        (["sim", "check", "atlantis.yaml"], "no such file"),
        (["sim", "traffic", "--aircraft", "5", "--area", "1,2,3", "--out", "x.csv"], "--area"),
        (["sim", "traffic", "--aircraft", "0", "--area", "1,2,3,4", "--out", "x.csv"],
         "--aircraft"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("sharedsky: error:"), result.output
    assert message in lines[0]
    assert "Traceback" not in result.output


def test_sim_check_and_traffic(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    result = CliRunner().invoke(app, ["sim", "check", "syria-2015"])
    assert result.exit_code == 0 and "5 flights" in result.output
    out = tmp_path / "t.csv"
    result = CliRunner().invoke(
        app, ["sim", "traffic", "--aircraft", "20", "--area", "35,34,38,37", "--out", str(out),
              "--duration", "2"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    from sharedsky.io import read_state_vectors

    reports, report = read_state_vectors(out)
    assert report.kept == 60 and len(set(reports.ids)) == 20
