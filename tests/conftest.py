"""Shared test fixtures: declaration builders and a runner for the real ``sharedsky`` command.

Builders are plain functions exposed as fixtures (``volume``, ``operation``), so tests never
import this module. Every default is a small valid declaration near 36°E 35°N: a square of
about 101 km², FL100–FL200, 2015-09-30T10:00Z–11:00Z.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["service_fixtures"]

START = "2015-09-30T10:00:00Z"
END = "2015-09-30T11:00:00Z"


def square(lon: float = 36.0, lat: float = 35.0, size: float = 0.1) -> list[list[float]]:
    """An open square ring with its south-west corner at (lon, lat)."""
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size]]


def build_volume(**overrides: Any) -> dict[str, Any]:
    """A native Volume4D dict; keyword arguments replace top-level fields (``None`` drops one)."""
    data: dict[str, Any] = {
        "footprint": {"type": "polygon", "coordinates": [square()]},
        "altitude_lower": "FL100",
        "altitude_upper": "FL200",
        "time_start": START,
        "time_end": END,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def build_operation(
    id: str = "op", *volumes: dict[str, Any], party: str = "P", priority: int = 0, **extra: Any
) -> dict[str, Any]:
    """A native operation dict; without volumes it carries one default volume."""
    return {
        "id": id,
        "party": party,
        "priority": priority,
        "state": "accepted",
        "volumes": list(volumes) or [build_volume()],
        **extra,
    }


@pytest.fixture(scope="session")
def volume() -> Callable[..., dict[str, Any]]:
    """``volume(**overrides)``: see :func:`build_volume`."""
    return build_volume


@pytest.fixture(scope="session")
def operation() -> Callable[..., dict[str, Any]]:
    """``operation(id, *volumes, party=, priority=, **extra)``: see :func:`build_operation`."""
    return build_operation


@pytest.fixture
def write_ops(tmp_path: Path) -> Callable[..., Path]:
    """``write_ops(document_or_operations, name="ops.json")``: a file under ``tmp_path``.

    A list is wrapped as ``{"operations": [...]}``; a string is written as it is.
    """

    def write(document: Any, name: str = "ops.json") -> Path:
        path = tmp_path / name
        if isinstance(document, list):
            document = {"operations": document}
        path.write_text(document if isinstance(document, str) else json.dumps(document))
        return path

    return write


def _command() -> list[str]:
    script = Path(sys.executable).parent / "sharedsky"
    if script.is_file():
        return [str(script)]
    # No console script (e.g. not installed): the same entry point through the interpreter.
    return [sys.executable, "-c", "from sharedsky.cli import main; main()"]


@pytest.fixture(scope="session")
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_cli("check", path, "--json", ...)``: the real command in a subprocess (text output).

    A wide terminal is set so that rich does not abbreviate table cells.
    """
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_command(), *(str(a) for a in args)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    return run


SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_file(*parts: str) -> Path:
    """A file from ``../shared/`` (never copied into the repo).

    Where it is absent the test is skipped with the reason, except under
    ``SHAREDSKY_REQUIRE_SHARED=1`` (set by ``.ci/run``), where a missing file fails the test.
    """
    path = SHARED.joinpath(*parts)
    if not path.is_file():
        reason = f"shared data {path} is absent"
        if os.environ.get("SHAREDSKY_REQUIRE_SHARED") == "1":
            pytest.fail(f"{reason} and SHAREDSKY_REQUIRE_SHARED=1")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def shared() -> Callable[..., Path]:
    """``shared("daidalus", "Scenarios", "H1.daa")``: see :func:`shared_file`."""
    return shared_file
