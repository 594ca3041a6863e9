"""Scenario time: offsets such as ``+01:05`` and the map from scenario time to wall time.

A scenario counts seconds from its start (``t = 0``). Times in a scenario file are written
``+HH:MM`` or ``+HH:MM:SS`` (``-`` before the start is allowed, for notices given before it),
or as an absolute RFC 3339 time, which is taken relative to the scenario's nominal ``start``.

>>> offset_s("+01:05")
3900.0
>>> offset_s("-00:00:30")
-30.0

The server under test runs on the real clock (its sweep is once a wall second, and tracks must
carry a timestamp that is neither in the future nor older than about ten seconds), so a run
maps scenario time to wall time with a :class:`TimeMap`: a monotone piecewise-linear function,
fixed before the run starts. At ``speed`` S a scenario second lasts 1/S wall seconds while any
flight is airborne; where nothing flies (waiting for an operation's start after its notice) the
map runs at ``idle_speed``. Because the map is monotone and known in advance, the order of
everything is kept: a volume's window on the wall clock contains exactly the track times that
its scenario window contains, and every time the server reports (a notice's creation and its
operation's start, an alert raised, a border warning) maps back to scenario time with
:meth:`TimeMap.scenario_s`. Lead times and warning times are judged in scenario seconds.

>>> m = TimeMap(wall_start_s=1000.0, speed=60.0, busy=[(600.0, 1200.0)], idle_speed=600.0)
>>> m.wall_s(600.0)
1001.0
>>> m.wall_s(1200.0)
1011.0
>>> m.scenario_s(1011.0)
1200.0
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import numpy as np

from sharedsky.errors import InvalidInput

__all__ = ["TimeMap", "format_offset", "offset_s"]

_OFFSET = re.compile(r"^\s*([+-])(\d{1,3}):([0-5]\d)(?::([0-5]\d(?:\.\d+)?))?\s*$")


def offset_s(text: str, *, start: datetime | None = None) -> float:
    """Seconds from the scenario start of ``+HH:MM[:SS]``, or of an RFC 3339 time (which needs
    the scenario's nominal ``start``)."""
    match = _OFFSET.match(text)
    if match is not None:
        sign = -1.0 if match.group(1) == "-" else 1.0
        hours, minutes = int(match.group(2)), int(match.group(3))
        seconds = float(match.group(4) or 0.0)
        return sign * (hours * 3600.0 + minutes * 60.0 + seconds)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput.one(
            "", f"{text!r} is not a time: write +HH:MM[:SS] from the start, or RFC 3339"
        ) from None
    if moment.tzinfo is None:
        raise InvalidInput.one("", f"{text!r} needs a time zone (e.g. Z)")
    if start is None:
        raise InvalidInput.one("", f"{text!r} is absolute: the scenario needs a start time")
    return (moment - start).total_seconds()


def format_offset(seconds: float) -> str:
    """``+HH:MM:SS`` of a scenario time (the inverse of :func:`offset_s`, to the second).

    >>> format_offset(3905.4)
    '+01:05:05'
    """
    sign = "-" if seconds < 0 else "+"
    whole = round(abs(seconds))
    return f"{sign}{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _merge(intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


class TimeMap:
    """Scenario seconds ↔ POSIX wall seconds: ``speed`` inside the ``busy`` intervals,
    ``idle_speed`` outside them; scenario time 0 (or the earliest knot) is ``wall_start_s``.

    Parameters
    ----------
    wall_start_s
        The wall time (POSIX seconds) at which scenario time ``origin_s`` is run.
    speed
        Scenario seconds per wall second while something flies (1 is real time).
    busy
        Scenario intervals run at ``speed`` (flights airborne); merged when they overlap.
    idle_speed
        Scenario seconds per wall second elsewhere (at least ``speed``).
    origin_s
        The scenario time mapped to ``wall_start_s`` (the first scripted moment).
    """

    def __init__(
        self,
        *,
        wall_start_s: float,
        speed: float,
        busy: Sequence[tuple[float, float]] = (),
        idle_speed: float | None = None,
        origin_s: float = 0.0,
    ) -> None:
        if not (speed > 0 and np.isfinite(speed)):
            raise InvalidInput.one("speed", f"a speed is a finite number > 0, got {speed!r}")
        idle = max(speed, idle_speed if idle_speed is not None else speed)
        self.speed = float(speed)
        self.idle_speed = float(idle)
        knots_s = [origin_s]
        knots_w = [wall_start_s]
        for a, b in _merge((max(a, origin_s), b) for a, b in busy if b > origin_s):
            if a > knots_s[-1]:
                knots_w.append(knots_w[-1] + (a - knots_s[-1]) / idle)
                knots_s.append(a)
            knots_w.append(knots_w[-1] + (b - knots_s[-1]) / speed)
            knots_s.append(b)
        self._s = np.asarray(knots_s, dtype=np.float64)
        self._w = np.asarray(knots_w, dtype=np.float64)

    def wall_s(self, scenario_s: float) -> float:
        """The wall time (POSIX seconds) at which scenario time ``scenario_s`` is run."""
        s = float(scenario_s)
        if s <= self._s[0]:
            return float(self._w[0] - (self._s[0] - s) / self.idle_speed)
        if s >= self._s[-1]:
            return float(self._w[-1] + (s - self._s[-1]) / self.idle_speed)
        return float(np.interp(s, self._s, self._w))

    def scenario_s(self, wall_s: float) -> float:
        """The scenario time that wall time ``wall_s`` (POSIX seconds) stands for."""
        w = float(wall_s)
        if w <= self._w[0]:
            return float(self._s[0] - (self._w[0] - w) * self.idle_speed)
        if w >= self._w[-1]:
            return float(self._s[-1] + (w - self._w[-1]) * self.idle_speed)
        return float(np.interp(w, self._w, self._s))

    def wall_time(self, scenario_s: float) -> datetime:
        """:meth:`wall_s` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.wall_s(scenario_s), UTC)

    def wall_duration_s(self, from_s: float, until_s: float) -> float:
        """How many wall seconds the scenario interval ``[from_s, until_s]`` lasts."""
        return self.wall_s(until_s) - self.wall_s(from_s)
