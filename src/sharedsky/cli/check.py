"""``sharedsky check OPS.json``: every operation of a file checked against the others."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from sharedsky.cli._errors import reports_errors
from sharedsky.errors import InvalidInput
from sharedsky.io import read_operations
from sharedsky.model import Limits, Operation, rfc3339
from sharedsky.strategic import (
    BufferPolicy,
    Buffers,
    Conflict,
    PriorityRule,
    ResolutionHints,
    StrategicEngine,
    resolution_hints,
)
from sharedsky.units import FT_M, format_length, parse_duration, parse_length

__all__ = ["check_command", "check_file"]

_PROGRESS_FROM = 2_000


@reports_errors
def check_command(
    operations_file: Annotated[Path, typer.Argument(metavar="OPS.json", help="Operations file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    lateral_buffer: Annotated[
        str | None,
        typer.Option(
            help="Lateral buffer for every pair, e.g. 3NM (default: 3 NM, 6 NM at FL600+)."
        ),
    ] = None,
    vertical_buffer: Annotated[
        str | None,
        typer.Option(
            help="Vertical buffer for every pair, e.g. 500ft"
            " (default: 500 ft, 1000 ft above FL290)."
        ),
    ] = None,
    time_buffer: Annotated[
        str | None, typer.Option(help="Time buffer, e.g. 5min (default 0s).")
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(help="Judge windows against this RFC 3339 time (refuses past ones)."),
    ] = None,
    equal_priority: Annotated[
        str, typer.Option(help="Conflicts at equal priority: 'refused' (default) or 'allowed'.")
    ] = "refused",
    same_party: Annotated[
        bool, typer.Option("--same-party", help="Also report overlaps within one party.")
    ] = False,
    hints: Annotated[
        bool, typer.Option("--hints/--no-hints", help="Resolution hints for refused operations.")
    ] = True,
) -> None:
    """Check every operation against the others.

    Exit 0: no conflicts; 1: conflicts; 2: bad input.
    """
    buffers = _buffers(lateral_buffer, vertical_buffer, time_buffer)
    if equal_priority not in ("refused", "allowed"):
        raise InvalidInput.one("--equal-priority", "must be 'refused' or 'allowed'")
    moment = _moment(now)
    operations = read_operations(operations_file, limits=Limits(now=moment))
    engine = StrategicEngine(
        buffers=BufferPolicy(default=buffers),
        priority=PriorityRule(equal_priority_allowed=equal_priority == "allowed"),
    )
    started = time.perf_counter()
    conflicts, advice = check_file(
        engine,
        operations,
        same_party=same_party,
        hints=hints,
        now=moment,
        show_progress=not as_json,
    )
    elapsed = time.perf_counter() - started
    if as_json:
        print(json.dumps(_as_json(conflicts, advice, len(operations)), indent=2))
    else:
        _print_table(conflicts, advice, len(operations), elapsed)
    raise typer.Exit(1 if conflicts else 0)


def _buffers(lateral: str | None, vertical: str | None, time_s: str | None) -> Buffers:
    base = Buffers()
    update: dict[str, float] = {}
    if lateral is not None:
        metres = _non_negative(parse_length, lateral, "--lateral-buffer")
        update |= {"lateral_m": metres, "lateral_high_m": metres}
    if vertical is not None:
        metres = _non_negative(parse_length, vertical, "--vertical-buffer")
        update |= {"vertical_m": metres, "vertical_high_m": metres}
    if time_s is not None:
        update["time_s"] = _non_negative(parse_duration, time_s, "--time-buffer")
    return base.model_copy(update=update)


def _non_negative(parse: Any, text: str, flag: str) -> float:
    try:
        value = float(parse(text))
    except InvalidInput as error:
        raise InvalidInput.one(flag, error.issues[0].message) from None
    if value < 0:
        raise InvalidInput.one(flag, f"must not be negative, got {text}")
    return value


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise InvalidInput.one("--now", f"{text!r} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise InvalidInput.one("--now", f"{text!r} needs a time zone, e.g. Z")
    return moment


def _rank(operation: Operation, position: int) -> tuple[int, int]:
    return operation.priority, position


def check_file(
    engine: StrategicEngine,
    operations: list[Operation],
    *,
    same_party: bool = False,
    hints: bool = True,
    now: datetime | None = None,
    show_progress: bool = False,
) -> tuple[list[Conflict], dict[str, ResolutionHints]]:
    """Each conflicting pair once, seen from its lower-priority side (file order on ties)."""
    position = {op.id: i for i, op in enumerate(operations)}
    for operation in operations:
        engine.add(operation)
    conflicts: list[Conflict] = []
    refused: list[Operation] = []
    for operation in _progress(operations, "checking", show_progress):
        mine = _rank(operation, position[operation.id])
        result = engine.check(operation, include_same_party=same_party)
        kept = [c for c in result.conflicts if mine < _rank(engine.get(c.b), position[c.b])]
        conflicts += kept
        if any(c.refused for c in kept):
            refused.append(operation)
    advice: dict[str, ResolutionHints] = {}
    if hints:
        for operation in _progress(refused, "resolution hints", show_progress):
            advice[operation.id] = resolution_hints(engine, operation, now=now)
    return conflicts, advice


def _progress(items: list[Operation], label: str, show: bool) -> Iterable[Operation]:
    if not show or len(items) < _PROGRESS_FROM:
        yield from items
        return
    with Progress(console=Console(stderr=True), transient=True) as progress:
        yield from progress.track(items, description=label)


def _as_json(
    conflicts: list[Conflict], advice: dict[str, ResolutionHints], count: int
) -> dict[str, Any]:
    return {
        "conflicts": [
            {
                "a": c.a,
                "b": c.b,
                "a_volume": c.a_volume,
                "b_volume": c.b_volume,
                "a_party": c.a_party,
                "b_party": c.b_party,
                "time_start": rfc3339(c.time_start),
                "time_end": rfc3339(c.time_end),
                "lateral_gap_m": round(c.lateral_gap_m, 3),
                "vertical_gap_m": round(c.vertical_gap_m, 3),
                "verdict": c.verdict.value,
                "reason": c.reason.value,
            }
            for c in conflicts
        ],
        "operations": count,
        "hints": {
            op: {
                "time_shift_s": h.time_shift_s,
                "time_later_s": h.time_later_s,
                "time_earlier_s": h.time_earlier_s,
                "altitude_shift_m": h.altitude_shift_m,
                "altitude_up_m": h.altitude_up_m,
                "altitude_down_m": h.altitude_down_m,
            }
            for op, h in advice.items()
        },
    }


def _print_table(
    conflicts: list[Conflict], advice: dict[str, ResolutionHints], count: int, elapsed: float
) -> None:
    console = Console()
    if not console.is_terminal:
        console = Console(width=140)  # logs and pipes: no terminal width to fit
    if not conflicts:
        console.print(f"[green]No conflicts[/] among {count} operations ({elapsed * 1000:.1f} ms).")
        return
    table = Table(
        title=f"{len(conflicts)} conflicts among {count} operations", title_justify="left"
    )
    table.add_column("operation")
    table.add_column("against")
    table.add_column("overlap (UTC)")
    table.add_column("lateral gap", justify="right")
    table.add_column("vertical gap", justify="right")
    table.add_column("verdict")
    for c in conflicts:
        style = "red" if c.refused else "yellow"
        table.add_row(
            f"{c.a} #{c.a_volume} ({c.a_party})",
            f"{c.b} #{c.b_volume} ({c.b_party})",
            f"{c.time_start:%m-%d %H:%M}–{c.time_end:%H:%M}",
            format_length(c.lateral_gap_m),
            f"{c.vertical_gap_m / FT_M:,.0f} ft",
            f"[{style}]{c.verdict.value}[/]: {c.reason.value.replace('_', ' ')}",
        )
    console.print(table)
    if advice:
        hints = Table(title="Resolution hints for refused operations", title_justify="left")
        for name in ("operation", "smallest time shift", "smallest altitude shift"):
            hints.add_column(name)
        for op, h in advice.items():
            hints.add_row(op, _duration(h.time_shift_s), _altitude(h.altitude_shift_m))
        console.print(hints)
    refused = sum(c.refused for c in conflicts)
    console.print(
        f"{refused} refused, {len(conflicts) - refused} allowed ({elapsed * 1000:.1f} ms)."
    )


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "none within 30 days"
    sign = "later" if seconds >= 0 else "earlier"
    minutes = abs(seconds) / 60
    return f"{minutes:,.0f} min {sign}" if minutes < 600 else f"{minutes / 60:,.1f} h {sign}"


def _altitude(metres: float | None) -> str:
    if metres is None:
        return "none"
    sign = "up" if metres >= 0 else "down"
    return f"{abs(metres) / FT_M:,.0f} ft {sign} ({abs(metres):,.0f} m)"
