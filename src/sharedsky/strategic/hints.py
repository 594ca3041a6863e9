"""Resolution hints: the smallest time shift and altitude shift that clear every conflict.

Each hint is computed exactly from the conflicting pairs (the shifts that keep a pair in
conflict form an open interval; the answer is the nearest point outside their union) and then
*checked by the engine* on the shifted operation. Should that check still find a conflict (a
wider lateral buffer at the new altitude, say), the interval of that conflict joins the others
and the search goes on. A hint that is returned always checks clean; conflicts with the
operation's own party are not considered, as in :meth:`StrategicEngine.check`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sharedsky.model import Operation, Volume4D
from sharedsky.model.altitude import (
    GEOID_N_MAX_M,
    GEOID_N_MIN_M,
    MAX_ALTITUDE_M,
    MIN_ALTITUDE_M,
)
from sharedsky.strategic.conflict import Conflict
from sharedsky.strategic.engine import StrategicEngine

__all__ = ["ResolutionHints", "resolution_hints"]

HORIZON_S = 30 * 86_400.0
"""Time shifts are searched within this many seconds either way."""

_ROUNDS = 16
_NUDGE = 1e-3

Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class ResolutionHints:
    """Shifts of the whole operation that leave it free of conflicts (None: none found).

    Time shifts are seconds added to every volume's window; altitude shifts are metres added
    to every band. ``time_earlier_s`` and ``altitude_down_m`` are negative numbers.
    """

    time_later_s: float | None
    time_earlier_s: float | None
    altitude_up_m: float | None
    altitude_down_m: float | None

    @property
    def time_shift_s(self) -> float | None:
        """The smallest start-time shift, either way (later on a tie)."""
        return _smallest(self.time_later_s, self.time_earlier_s)

    @property
    def altitude_shift_m(self) -> float | None:
        """The smallest altitude shift, either way (up on a tie)."""
        return _smallest(self.altitude_up_m, self.altitude_down_m)


def _smallest(up: float | None, down: float | None) -> float | None:
    options = [v for v in (up, down) if v is not None]
    return min(options, key=abs) if options else None


def resolution_hints(
    engine: StrategicEngine, operation: Operation, *, now: datetime | None = None
) -> ResolutionHints:
    """Hints for ``operation`` against what ``engine`` holds.

    Time shifts stay within :data:`HORIZON_S`, and with ``now`` no window starts before it
    or more than 30 days after it; altitude shifts keep every band between 0 m and the highest
    altitude accepted.
    """
    first_start = min(v.time_start for v in operation.volumes).timestamp()
    later_bound, earlier_bound = HORIZON_S, -HORIZON_S
    if now is not None:
        later_bound = min(later_bound, now.timestamp() + HORIZON_S - first_start)
        earlier_bound = max(earlier_bound, now.timestamp() - first_start)
    up_bound = MAX_ALTITUDE_M - max(v.upper.metres for v in operation.volumes)
    down_bound = 0.0 - min(v.lower.metres for v in operation.volumes)

    time_known = _time_intervals(engine, operation)
    altitude_known = _altitude_intervals(engine, operation)

    def by_time(delta: float) -> Operation:
        moved = tuple(v.shifted(time_s=delta) for v in operation.volumes)
        return operation.with_volumes(moved)

    def by_altitude(delta: float) -> Operation:
        moved = tuple(v.shifted(altitude_m=delta) for v in operation.volumes)
        return operation.with_volumes(moved)

    def time_more(c: Conflict) -> list[Interval]:
        return [_time_interval(operation, engine, c)]

    def altitude_more(c: Conflict) -> list[Interval]:
        return _altitude_forbidden(operation, engine, c)

    def search(
        known: list[Interval],
        direction: int,
        bound: float,
        shift: Callable[[float], Operation],
        more: Callable[[Conflict], list[Interval]],
    ) -> float | None:
        intervals = list(known)
        for _ in range(_ROUNDS):
            delta = _nearest_free(intervals, direction)
            if direction * delta > direction * bound:
                return None
            result = engine.check(shift(delta) if delta else operation)
            if not result.conflicts:
                return delta
            # A conflict at a computed boundary is a rounding tie: step a millimetre (or a
            # millisecond) past it.
            intervals += [
                (lo - _NUDGE, hi + _NUDGE) for c in result.conflicts for lo, hi in more(c)
            ]
        return None

    return ResolutionHints(
        time_later_s=search(time_known, +1, later_bound, by_time, time_more),
        time_earlier_s=search(time_known, -1, earlier_bound, by_time, time_more),
        altitude_up_m=search(altitude_known, +1, up_bound, by_altitude, altitude_more),
        altitude_down_m=search(altitude_known, -1, down_bound, by_altitude, altitude_more),
    )


def _nearest_free(intervals: list[Interval], direction: int) -> float:
    """The point nearest 0 in ``direction`` that no open interval ``(lo, hi)`` contains."""
    candidate = 0.0
    moved = True
    while moved:
        moved = False
        for lo, hi in intervals:
            if lo < candidate < hi:
                candidate = hi if direction > 0 else lo
                moved = True
    return candidate


def _other(engine: StrategicEngine, conflict: Conflict) -> Volume4D:
    return engine.get(conflict.b).volumes[conflict.b_volume]


def _time_interval(operation: Operation, engine: StrategicEngine, c: Conflict) -> Interval:
    """Time shifts that keep this pair's windows within the time buffer of each other."""
    a, b = operation.volumes[c.a_volume], _other(engine, c)
    return (
        b.time_start.timestamp() - c.time_buffer_s - a.time_end.timestamp(),
        b.time_end.timestamp() + c.time_buffer_s - a.time_start.timestamp(),
    )


def _altitude_forbidden(
    operation: Operation, engine: StrategicEngine, c: Conflict
) -> list[Interval]:
    """Altitude shifts that keep this pair in conflict, given its lateral gap.

    The buffers depend on the higher of the two floors (vertical above FL290, lateral at
    FL600 by default), so the shifts are cut where the operation's floor crosses those
    altitudes; in each piece the buffers are fixed and the forbidden shifts are one interval
    (when the lateral gap is under that piece's lateral buffer). Bands of different
    references are compared over the geoid's range, as the engine does.
    """
    a, b = operation.volumes[c.a_volume], _other(engine, c)
    buffers = engine.buffers.between(operation.party, c.b_party)
    a_lower, a_upper = a.lower.metres, a.upper.metres
    b_lower, b_upper = b.lower.metres, b.upper.metres
    if a.reference is not b.reference and b.reference.value == "MSL":
        b_lower, b_upper = b_lower + GEOID_N_MIN_M, b_upper + GEOID_N_MAX_M
    elif a.reference is not b.reference:
        b_lower, b_upper = b_lower - GEOID_N_MAX_M, b_upper - GEOID_N_MIN_M
    cuts = sorted(
        {
            buffers.vertical_high_above_m - a_lower,
            buffers.lateral_high_from_m - a_lower,
        }
    )
    edges = [-math.inf, *cuts, math.inf]
    out = []
    for start, end in itertools.pairwise(edges):
        inside = (
            (start + end) / 2
            if math.isfinite(start + end)
            else (end - 1.0 if math.isinf(start) else start + 1.0)
        )
        floor = max(a_lower + inside, b.lower.metres)
        if c.lateral_gap_m >= buffers.lateral_at(floor):
            continue
        vertical = buffers.vertical_at(floor)
        lo = max(b_lower - vertical - a_upper, start - 1e-9)
        hi = min(b_upper + vertical - a_lower, end + 1e-9)
        if lo < hi:
            out.append((lo, hi))
    return out


def _time_intervals(engine: StrategicEngine, operation: Operation) -> list[Interval]:
    """Intervals of every pair in lateral and vertical conflict, whatever the time."""
    span = timedelta(seconds=2 * HORIZON_S)
    stretched = operation.with_volumes(
        tuple(
            v.replaced(time_start=v.time_start - span, time_end=v.time_end + span)
            for v in operation.volumes
        )
    )
    return [_time_interval(operation, engine, c) for c in engine.check(stretched).conflicts]


def _altitude_intervals(engine: StrategicEngine, operation: Operation) -> list[Interval]:
    """Intervals of every pair in lateral and temporal conflict, whatever the altitude."""
    stretched = operation.with_volumes(
        tuple(v.replaced(lower_m=MIN_ALTITUDE_M, upper_m=MAX_ALTITUDE_M) for v in operation.volumes)
    )
    conflicts = engine.check(stretched).conflicts
    return [iv for c in conflicts for iv in _altitude_forbidden(operation, engine, c)]
