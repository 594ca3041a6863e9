"""``sharedsky detect TRACKS``: every pair predicted to lose separation at one moment."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from sharedsky.cli._errors import reports_errors
from sharedsky.errors import InvalidInput
from sharedsky.io.state_vectors import ReadReport, parse_time_s, read_state_vectors
from sharedsky.model import rfc3339
from sharedsky.tactical import AircraftStates, latest
from sharedsky.tactical.separation import LevelFlight, Separation, SeparationPolicy
from sharedsky.tactical.sweep import SweepResult, SweepSettings, sweep, warm_up
from sharedsky.units import FT_M, NM_M, parse_duration, parse_length

__all__ = ["detect_command"]


def _length(option: str, text: str) -> float:
    try:
        value = parse_length(text)
    except InvalidInput as error:
        raise error.under(option) from None
    if not value > 0:
        raise InvalidInput.one(option, f"must be > 0, got {text!r}")
    return value


def _duration(option: str, text: str, *, positive: bool = False) -> float:
    try:
        value = parse_duration(text)
    except InvalidInput as error:
        raise error.under(option) from None
    if value < 0 or (positive and value == 0):
        raise InvalidInput.one(option, f"must be {'> 0' if positive else '>= 0'}, got {text!r}")
    return value


def _moment(text: str) -> float:
    """POSIX seconds from an RFC 3339 time or a number of Unix seconds."""
    try:
        number = float(text)
    except ValueError:
        return float(parse_time_s(pd.Series([text]), column="--at")[0])
    if not math.isfinite(number):
        raise InvalidInput.one("--at", f"{text!r} is not a time")
    return number


def _number(value: float) -> float | None:
    """JSON has no infinity: a pair that never regains separation has ``t_out`` null."""
    return round(value, 6) if math.isfinite(value) else None


def detect_json(
    result: SweepResult, elapsed_s: float, read: ReadReport, stale: int
) -> dict[str, Any]:
    """The ``--json`` document (times in seconds from the sweep time)."""
    ids = result.states.ids
    c, los = result.conflicts, result.los
    order = np.lexsort((ids[c.b], ids[c.a], c.t_in))
    return {
        "at": rfc3339_s(result.states.time_s),
        "conflicts": [
            {
                "a": str(ids[c.a[k]]),
                "b": str(ids[c.b[k]]),
                "t_in": _number(float(c.t_in[k])),
                "t_out": _number(float(c.t_out[k])),
                "tcpa": _number(float(c.tcpa[k])),
                "dcpa_m": _number(float(c.dcpa_m[k])),
                "vmiss_m": _number(float(c.vmiss_m[k])),
            }
            for k in order
        ],
        "los": [
            {
                "a": str(ids[los.a[k]]),
                "b": str(ids[los.b[k]]),
                "h_m": _number(float(los.h_m[k])),
                "v_m": _number(float(los.v_m[k])),
            }
            for k in np.lexsort((ids[los.b], ids[los.a]))
        ],
        "aircraft": len(result.states),
        "elapsed_s": round(elapsed_s, 6),
        "dropped": {**read.dropped, **({"stale": stale} if stale else {})},
    }


def rfc3339_s(seconds: float) -> str:
    """RFC 3339 UTC text of POSIX seconds."""
    return rfc3339(pd.Timestamp(seconds, unit="s", tz="UTC").to_pydatetime())


def _label(states: AircraftStates, row: int) -> str:
    callsign = str(states.callsign[row])
    return f"{states.ids[row]} {callsign}".strip()


def _table(result: SweepResult, console: Console, limit: int) -> None:
    s, c = result.states, result.conflicts
    order = np.lexsort((c.b, c.a, c.t_in))
    table = Table(title=f"Predicted conflicts at {rfc3339_s(s.time_s)}")
    for column in ("a", "b", "t_in s", "t_out s", "tcpa s", "dcpa NM", "vmiss ft"):
        table.add_column(column, justify="left" if len(column) == 1 else "right")
    for k in order[:limit]:
        t_out = float(c.t_out[k])
        table.add_row(
            _label(s, int(c.a[k])),
            _label(s, int(c.b[k])),
            f"{c.t_in[k]:.1f}",
            f"{t_out:.1f}" if t_out < 1e9 else "never",
            f"{c.tcpa[k]:.1f}",
            f"{c.dcpa_m[k] / NM_M:.2f}",
            f"{c.vmiss_m[k] / FT_M:.0f}",
        )
    if len(order):
        console.print(table)
    if len(order) > limit:
        console.print(f"… and {len(order) - limit} more (use --limit or --json)")


@reports_errors
def detect_command(
    tracks: Annotated[
        Path,
        typer.Argument(metavar="TRACKS", help="State vectors: .csv, .parquet, .json or .json.gz."),
    ],
    at: Annotated[
        str | None,
        typer.Option(help="Sweep time, RFC 3339 or Unix seconds (default: the newest report)."),
    ] = None,
    lookahead: Annotated[str, typer.Option(help="Look-ahead, e.g. 300s or 5min.")] = "300s",
    hsep: Annotated[str, typer.Option(help="Horizontal minimum, e.g. 5NM.")] = "5NM",
    vsep: Annotated[str, typer.Option(help="Vertical minimum, e.g. 1000ft.")] = "1000ft",
    max_age: Annotated[
        str, typer.Option(help="Drop aircraft whose newest report is older than this.")
    ] = "60s",
    level_rule: Annotated[
        bool,
        typer.Option(
            "--level-rule/--no-level-rule",
            help="Level aircraft reported 900–1000 ft apart are on adjacent levels (default on).",
        ),
    ] = True,
    limit: Annotated[int, typer.Option(help="Rows shown in the table.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Predict losses of separation among the latest states of all aircraft.

    Exit 0: none; 1: conflicts or losses found; 2: bad input.
    """
    cfg = SweepSettings(
        lookahead_s=_duration("--lookahead", lookahead),
        policy=SeparationPolicy(
            default=Separation(hsep_m=_length("--hsep", hsep), vsep_m=_length("--vsep", vsep))
        ),
        level=LevelFlight() if level_rule else None,
    )
    age = _duration("--max-age", max_age)
    reports, read = read_state_vectors(tracks)
    if len(reports) == 0:
        raise InvalidInput.one(str(tracks), "has no usable state vectors")
    moment = _moment(at) if at is not None else float(reports.time_s.max())

    warm_up()  # elapsed_s is compute time: the kernel's one-off load is not part of it
    started = time.perf_counter()
    states, stale = latest(reports, at_s=moment, max_age_s=age)
    result = sweep(states, cfg)
    elapsed = time.perf_counter() - started

    found = len(result.conflicts.a) + len(result.los.a)
    if as_json:
        print(json.dumps(detect_json(result, elapsed, read, stale), indent=2))
    else:
        console = Console()
        _table(result, console, limit)
        reasons = {**read.dropped, **({"stale": stale} if stale else {})}
        dropped = ", ".join(f"{n} {why}" for why, n in reasons.items())
        console.print(
            f"{len(states)} aircraft at {rfc3339_s(moment)}: {len(result.conflicts.a)} "
            f"conflicts within {cfg.lookahead_s:g} s, {len(result.los.a)} in loss now "
            f"({elapsed * 1000:.1f} ms; {read.rows} rows read, dropped: {dropped or 'none'})"
        )
    if found:
        raise typer.Exit(1)
