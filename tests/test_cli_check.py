"""``sharedsky check`` run for real, in a subprocess: exit codes, JSON output, flags, errors.

Each scenario file is run once per flag set (module-scoped fixtures), so the whole module costs
about fifteen process starts.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Builder = Callable[..., dict[str, Any]]
Run = Callable[..., subprocess.CompletedProcess[str]]

EXAMPLE = Path(__file__).parents[1] / "src" / "sharedsky" / "examples" / "syria-2015-ops.json"
RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ONE_KM_DEG = 0.011  # of longitude near 35°N: about 1.0 km
CONFLICT_KEYS = {
    "a",
    "b",
    "a_volume",
    "b_volume",
    "time_start",
    "time_end",
    "lateral_gap_m",
    "vertical_gap_m",
    "verdict",
}


def square(lon: float, lat: float = 35.0, size: float = 0.1) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size]]
    return {"type": "polygon", "coordinates": [ring]}


def write(directory: Path, name: str, operations: list[dict[str, Any]] | str) -> Path:
    path = directory / name
    document = operations if isinstance(operations, str) else {"operations": operations}
    path.write_text(document if isinstance(document, str) else json.dumps(document, indent=1))
    return path


def as_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert "Traceback" not in result.stderr, result.stderr
    output: dict[str, Any] = json.loads(result.stdout)
    return output


def pairs(output: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["a"], c["b"]) for c in output["conflicts"]]


def conflict(output: dict[str, Any], a: str) -> dict[str, Any]:
    (found,) = [c for c in output["conflicts"] if c["a"] == a]
    return found


# --- priorities: who is reported against whom -----------------------------------------------


@pytest.fixture(scope="module")
def priority_file(
    tmp_path_factory: pytest.TempPathFactory, volume: Builder, operation: Builder
) -> Path:
    """hi/lo overlap (lo's second volume); eq1/eq2 overlap at equal priority; far is alone."""
    late = {"time_start": "2015-09-30T10:30:00Z", "time_end": "2015-09-30T11:30:00Z"}
    return write(
        tmp_path_factory.mktemp("priority"),
        "ops.json",
        [
            operation("hi", volume(footprint=square(36.0)), party="X", priority=5),
            operation(
                "lo",
                volume(footprint=square(40.0, 30.0), **late),
                volume(footprint=square(36.05, 35.05), **late),
                party="Y",
                priority=1,
            ),
            operation("eq1", volume(footprint=square(38.0)), party="X", priority=3),
            operation("eq2", volume(footprint=square(38.05, 35.05)), party="Z", priority=3),
            operation("far", volume(footprint=square(45.0)), party="W", priority=0),
        ],
    )


@pytest.fixture(scope="module")
def refused_run(run_cli: Run, priority_file: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("check", priority_file, "--json", "--now", "2015-09-30T09:00:00Z")


@pytest.fixture(scope="module")
def allowed_run(run_cli: Run, priority_file: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("check", priority_file, "--json", "--equal-priority", "allowed", "--no-hints")


def test_conflicts_exit_1(refused_run: subprocess.CompletedProcess[str]) -> None:
    assert refused_run.returncode == 1, refused_run.stderr
    assert refused_run.stderr == ""


def test_json_output_shape(refused_run: subprocess.CompletedProcess[str]) -> None:
    output = as_json(refused_run)
    assert output["operations"] == 5
    assert len(output["conflicts"]) == 2
    for item in output["conflicts"]:
        assert set(item) >= CONFLICT_KEYS
        assert RFC3339_Z.match(item["time_start"]) and RFC3339_Z.match(item["time_end"])
        assert isinstance(item["a_volume"], int) and isinstance(item["b_volume"], int)
        assert isinstance(item["lateral_gap_m"], float | int)
        assert isinstance(item["vertical_gap_m"], float | int)


def test_each_pair_once_from_the_lower_priority_side(
    refused_run: subprocess.CompletedProcess[str],
) -> None:
    output = as_json(refused_run)
    # hi comes first in the file but has the higher priority: lo is the one reported.
    assert sorted(pairs(output)) == [("eq1", "eq2"), ("lo", "hi")]
    lo = conflict(output, "lo")
    assert (lo["a_volume"], lo["b_volume"]) == (1, 0)
    assert lo["verdict"] == "refused"
    assert lo["reason"] == "lower_priority"


def test_overlap_window_and_gaps(refused_run: subprocess.CompletedProcess[str]) -> None:
    lo = conflict(as_json(refused_run), "lo")
    assert (lo["time_start"], lo["time_end"]) == ("2015-09-30T10:30:00Z", "2015-09-30T11:00:00Z")
    assert lo["lateral_gap_m"] < 0  # the squares overlap by about 0.05°
    assert lo["vertical_gap_m"] == pytest.approx(-3048.0, abs=0.01)  # FL100–FL200 both


def test_equal_priority_refused_by_default_file_order_on_ties(
    refused_run: subprocess.CompletedProcess[str],
) -> None:
    eq = conflict(as_json(refused_run), "eq1")
    assert eq["b"] == "eq2"
    assert (eq["verdict"], eq["reason"]) == ("refused", "equal_priority_refused")


def test_hints_for_refused_operations(refused_run: subprocess.CompletedProcess[str]) -> None:
    assert set(as_json(refused_run)["hints"]) == {"lo", "eq1"}


def test_equal_priority_allowed(allowed_run: subprocess.CompletedProcess[str]) -> None:
    assert allowed_run.returncode == 1, allowed_run.stderr
    output = as_json(allowed_run)
    assert sorted(pairs(output)) == [("eq1", "eq2"), ("lo", "hi")]
    eq = conflict(output, "eq1")
    assert (eq["verdict"], eq["reason"]) == ("allowed", "equal_priority_allowed")
    assert conflict(output, "lo")["verdict"] == "refused"  # priorities still rule
    assert output["hints"] == {}  # --no-hints


# --- buffers ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def buffer_file(
    tmp_path_factory: pytest.TempPathFactory, volume: Builder, operation: Builder
) -> Path:
    """west/east: 1 km apart laterally; low/high: 300 ft apart vertically."""
    return write(
        tmp_path_factory.mktemp("buffers"),
        "ops.json",
        [
            operation("west", volume(footprint=square(36.0)), party="A"),
            operation("east", volume(footprint=square(36.1 + ONE_KM_DEG)), party="B"),
            operation("low", volume(footprint=square(40.0)), party="A"),
            operation(
                "high",
                volume(
                    footprint=square(40.0),
                    altitude_lower={"value": 20_300, "units": "FT", "reference": "MSL"},
                    altitude_upper="FL300",
                ),
                party="B",
            ),
        ],
    )


def test_zero_buffers_mean_pure_overlap(run_cli: Run, buffer_file: Path) -> None:
    result = run_cli("check", buffer_file, "--lateral-buffer", "0NM", "--vertical-buffer", "0ft")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No conflicts" in result.stdout
    assert "Traceback" not in result.stderr


def test_buffers_make_near_volumes_conflict(run_cli: Run, buffer_file: Path) -> None:
    result = run_cli(
        "check",
        buffer_file,
        "--json",
        "--lateral-buffer",
        "3NM",
        "--vertical-buffer",
        "500ft",
        "--no-hints",
    )
    assert result.returncode == 1, result.stderr
    output = as_json(result)
    assert sorted(pairs(output)) == [("low", "high"), ("west", "east")]
    lateral = conflict(output, "west")
    assert 980 < lateral["lateral_gap_m"] < 1020
    assert lateral["vertical_gap_m"] < 0
    vertical = conflict(output, "low")
    assert vertical["vertical_gap_m"] == pytest.approx(300 * 0.3048, abs=0.01)
    assert vertical["lateral_gap_m"] < 0


# --- time buffer and same party ------------------------------------------------------------


@pytest.fixture(scope="module")
def time_file(
    tmp_path_factory: pytest.TempPathFactory, volume: Builder, operation: Builder
) -> Path:
    """first/second: back-to-back windows; mine/also-mine: one party overlapping itself."""
    after = {"time_start": "2015-09-30T11:00:00Z", "time_end": "2015-09-30T12:00:00Z"}
    return write(
        tmp_path_factory.mktemp("time"),
        "ops.json",
        [
            operation("first", volume(), party="A"),
            operation("second", volume(**after), party="B"),
            operation("mine", volume(footprint=square(40.0)), party="C", priority=2),
            operation("also-mine", volume(footprint=square(40.0)), party="C", priority=1),
        ],
    )


def test_back_to_back_and_same_party_do_not_conflict_by_default(
    run_cli: Run, time_file: Path
) -> None:
    result = run_cli("check", time_file, "--json", "--time-buffer", "0s")
    assert result.returncode == 0, result.stderr
    output = as_json(result)
    assert (output["conflicts"], output["operations"]) == ([], 4)


def test_time_buffer_and_same_party_flags(run_cli: Run, time_file: Path) -> None:
    result = run_cli("check", time_file, "--json", "--time-buffer", "30min", "--same-party")
    assert result.returncode == 1, result.stderr
    output = as_json(result)
    assert sorted(pairs(output)) == [("also-mine", "mine"), ("first", "second")]
    timed = conflict(output, "first")
    assert (timed["time_start"], timed["time_end"]) == (
        "2015-09-30T10:30:00Z",
        "2015-09-30T11:00:00Z",
    )
    assert timed["verdict"] == "refused"
    same = conflict(output, "also-mine")
    assert (same["verdict"], same["reason"]) == ("allowed", "same_party")
    assert set(output["hints"]) == {"first"}


# --- the bundled example -------------------------------------------------------------------


def test_bundled_example(run_cli: Run) -> None:
    result = run_cli("check", EXAMPLE)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "refused" in result.stdout
    assert "conflicts among" in result.stdout


# --- bad input: exit 2, one line per error, no traceback ------------------------------------


def _error_cases(directory: Path, volume: Builder, operation: Builder) -> dict[str, Any]:
    good = write(directory, "good.json", [operation("a")])
    bad_vertex = square(36.0)
    bad_vertex["coordinates"][0][0] = [36.0, 95.0]
    invalid = write(
        directory,
        "invalid.json",
        [
            operation("a", volume(altitude_lower="FL300"), volume(time_end="2015-09-30T09:00:00Z")),
            operation("b", volume(footprint=bad_vertex)),
        ],
    )
    return {
        "missing file": (
            [directory / "absent.json"],
            ["cannot read"],
        ),
        "malformed JSON": (
            [write(directory, "broken.json", '{"operations": [\n  {"id": "a",,}\n]}')],
            ["line 2 column 14"],
        ),
        "invalid volumes": (
            [invalid],
            [
                "$.operations[0].volumes[0].altitude_upper",
                "$.operations[0].volumes[1].time_end",
                "$.operations[1].volumes[0].footprint.coordinates[0][0]",
            ],
        ),
        "bad unit": ([good, "--lateral-buffer", "3XX"], ["--lateral-buffer", "'XX'"]),
        "negative buffer": ([good, "--lateral-buffer=-1NM"], ["--lateral-buffer", "negative"]),
        "bad --now": ([good, "--now", "yesterday"], ["--now", "'yesterday'"]),
        "windows before --now": (
            [good, "--now", "2016-01-01T00:00:00Z"],
            ["$.operations[0].volumes[0].time_end", "in the past"],
        ),
    }


ERROR_CASES = [
    "missing file",
    "malformed JSON",
    "invalid volumes",
    "bad unit",
    "negative buffer",
    "bad --now",
    "windows before --now",
]


@pytest.mark.parametrize("case", ERROR_CASES)
def test_bad_input_exits_2_with_one_line_per_error(
    run_cli: Run, tmp_path: Path, volume: Builder, operation: Builder, case: str
) -> None:
    args, fragments = _error_cases(tmp_path, volume, operation)[case]
    result = run_cli("check", *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines, "no error message"
    assert all(line.startswith("sharedsky: error: ") for line in lines), lines
    for fragment in fragments:
        assert sum(fragment in line for line in lines) == 1, (fragment, lines)
    if case == "invalid volumes":
        assert len(lines) == 3


def test_empty_ring_is_bad_input_not_a_crash(
    run_cli: Run, tmp_path: Path, volume: Builder, operation: Builder
) -> None:
    path = write(
        tmp_path,
        "empty.json",
        [operation("a", volume(footprint={"type": "polygon", "coordinates": [[]]}))],
    )
    result = run_cli("check", path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 2
    assert result.stderr.startswith("sharedsky: error: $.operations[0].volumes[0].footprint")
