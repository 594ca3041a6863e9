"""Alerts between pairs of aircraft: graded levels from a profile, and their life cycle.

A *profile* turns one sweep into a level per pair. :class:`CylinderProfile` is the STCA-like
one: a pair predicted to lose separation (a cylinder of ``hsep`` × ``vsep``) within the
caution time is at level ``CAUTION``, within the warning time (or already in loss) at
``WARNING``. (The DO-365 profile, as DAIDALUS computes it, lives in
:mod:`sharedsky.tactical.daidalus_alerting`; its per-pair levels feed the same tracker.)

The :class:`AlertTracker` keeps each pair's alert across successive sweeps, with the fields an
air traffic controller's safety-net message (ASTERIX CAT004) carries: time to conflict, time to
closest approach, current and predicted minimum horizontal and vertical separation, level, start
time, and end. An alert ends when its pair has been below caution for ``hold_s`` (so that a
pair flickering at a threshold does not raise a new alert every sweep); ending is reported once.

>>> from sharedsky.tactical.states import AircraftStates
>>> s = AircraftStates.from_columns(time_s=0.0, ids=["a", "b"], lat_deg=[0.0, 0.0],
...     lon_deg=[0.0, 0.28], alt_m=[9000.0, 9000.0], gs_mps=[200.0, 200.0],
...     track_deg=[90.0, 270.0], vs_mps=[0.0, 0.0])
>>> tracker = AlertTracker()
>>> update = tracker.update(CylinderProfile().levels(s))
>>> [(a.a, a.b, a.level.name, round(a.time_to_conflict_s)) for a in update.raised]
[('a', 'b', 'WARNING', 55)]
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from sharedsky.errors import InvalidInput
from sharedsky.geo.ellipsoid import geodesic_distance_m
from sharedsky.tactical.separation import LevelFlight, SeparationPolicy
from sharedsky.tactical.states import AircraftStates
from sharedsky.tactical.sweep import SweepSettings, sweep

__all__ = [
    "Alert",
    "AlertLevel",
    "AlertTracker",
    "AlertUpdate",
    "CylinderProfile",
    "PairLevel",
]


class AlertLevel(enum.IntEnum):
    """Graded levels; higher is more urgent. DO-365's preventive/corrective/warning map to
    1/2/3, the cylinder profile uses CAUTION and WARNING."""

    NONE = 0
    PREVENTIVE = 1
    CAUTION = 2
    WARNING = 3


@dataclass(frozen=True, slots=True)
class PairLevel:
    """One pair's level at one time, with the geometry behind it (SI units)."""

    a: str
    b: str
    time_s: float
    level: AlertLevel
    time_to_conflict_s: float
    time_to_cpa_s: float
    h_now_m: float
    v_now_m: float
    h_min_m: float
    v_min_m: float


@dataclass(frozen=True, slots=True)
class CylinderProfile:
    """STCA-like alerting: a separation cylinder and two alerting times.

    Defaults: 5 NM / 1,000 ft, caution when the loss is predicted within 120 s, warning within
    60 s or when in loss now. The sweep looks ahead ``caution_s``.
    """

    minima: SeparationPolicy = field(default_factory=SeparationPolicy)
    caution_s: float = 120.0
    warning_s: float = 60.0
    level_flight: LevelFlight | None = field(default_factory=LevelFlight)

    def __post_init__(self) -> None:
        for name in ("caution_s", "warning_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InvalidInput.one(name, f"must be a finite time >= 0, got {value!r}")
        if self.warning_s > self.caution_s:
            raise InvalidInput.one("warning_s", "the warning time cannot exceed the caution time")

    def levels(self, states: AircraftStates) -> list[PairLevel]:
        """The level of every pair predicted to lose separation within the caution time."""
        found = sweep(
            states,
            SweepSettings(lookahead_s=self.caution_s, policy=self.minima, level=self.level_flight),
        )
        c = found.conflicts
        ids = states.ids
        # Pairs in loss now: their current separation, whatever the conflict says.
        now = {
            (int(a), int(b)): (float(h), float(v))
            for a, b, h, v in zip(
                found.los.a, found.los.b, found.los.h_m, found.los.v_m, strict=True
            )
        }
        # Current separation of every pair at once (one geodesic call for all of them).
        h_all = geodesic_distance_m(
            states.lon_deg[c.a], states.lat_deg[c.a], states.lon_deg[c.b], states.lat_deg[c.b]
        )
        v_all = np.abs(states.alt_m[c.a] - states.alt_m[c.b])
        out: list[PairLevel] = []
        for k in range(len(c.a)):
            a, b = int(c.a[k]), int(c.b[k])
            t_in = float(c.t_in[k])
            level = AlertLevel.WARNING if t_in <= self.warning_s else AlertLevel.CAUTION
            h_now, v_now = now.get((a, b), (float(h_all[k]), float(v_all[k])))
            out.append(
                PairLevel(
                    a=str(ids[a]),
                    b=str(ids[b]),
                    time_s=states.time_s,
                    level=level,
                    time_to_conflict_s=t_in,
                    time_to_cpa_s=float(c.tcpa[k]),
                    h_now_m=h_now,
                    v_now_m=v_now,
                    h_min_m=float(c.dcpa_m[k]),
                    v_min_m=float(c.vmiss_m[k]),
                )
            )
        return out


@dataclass(frozen=True, slots=True)
class Alert:
    """A pair's alert as it stands (ASTERIX CAT004-like fields; SI units, POSIX seconds).

    ``level`` is the current level, ``highest`` the highest reached; ``ended_s`` is set once,
    when the alert ends.
    """

    alert_id: int
    a: str
    b: str
    level: AlertLevel
    highest: AlertLevel
    started_s: float
    updated_s: float
    time_to_conflict_s: float
    time_to_cpa_s: float
    h_now_m: float
    v_now_m: float
    h_min_m: float
    v_min_m: float
    ended_s: float | None = None


@dataclass(frozen=True, slots=True)
class AlertUpdate:
    """What one update changed: new alerts, alerts whose level changed, alerts that ended,
    and every alert still active (including the raised and changed ones)."""

    raised: list[Alert]
    changed: list[Alert]
    ended: list[Alert]
    active: list[Alert]


@dataclass
class AlertTracker:
    """Pair alerts across sweeps. Pure: time comes from the levels it is given.

    ``hold_s``: an alert ends after its pair has had no level for this long (default 4 s; 0
    ends it at the first sweep without a level). ``first_id``: the first alert id (a service
    continues the numbering of its log).
    """

    hold_s: float = 4.0
    first_id: int = 1
    _alerts: dict[tuple[str, str], Alert] = field(default_factory=dict, init=False)
    _quiet_since: dict[tuple[str, str], float] = field(default_factory=dict, init=False)
    _next_id: int = field(default=1, init=False)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.hold_s) and self.hold_s >= 0):
            raise InvalidInput.one("hold_s", f"must be a finite time >= 0, got {self.hold_s!r}")
        self._next_id = self.first_id

    @property
    def active(self) -> list[Alert]:
        """The alerts not yet ended, by start time."""
        return sorted(self._alerts.values(), key=lambda a: (a.started_s, a.alert_id))

    def update(self, levels: Iterable[PairLevel], at_s: float | None = None) -> AlertUpdate:
        """Apply one sweep's levels (all at one time; ``at_s`` when there are none).

        Levels of ``NONE`` are ignored; a pair absent from ``levels`` has no level now.
        """
        given = list(levels)
        current = [p for p in given if p.level > AlertLevel.NONE]
        times = {p.time_s for p in given}
        if len(times) > 1:
            raise InvalidInput.one("levels", "levels of one update must share one time")
        now = times.pop() if times else at_s
        if now is None or not math.isfinite(now):
            raise InvalidInput.one("at_s", "an update without levels needs its time")
        raised: list[Alert] = []
        changed: list[Alert] = []
        seen: set[tuple[str, str]] = set()
        for p in current:
            key = (p.a, p.b) if p.a < p.b else (p.b, p.a)
            seen.add(key)
            self._quiet_since.pop(key, None)
            old = self._alerts.get(key)
            if old is None:
                alert = Alert(
                    alert_id=self._next_id,
                    a=key[0],
                    b=key[1],
                    level=p.level,
                    highest=p.level,
                    started_s=now,
                    updated_s=now,
                    time_to_conflict_s=p.time_to_conflict_s,
                    time_to_cpa_s=p.time_to_cpa_s,
                    h_now_m=p.h_now_m,
                    v_now_m=p.v_now_m,
                    h_min_m=p.h_min_m,
                    v_min_m=p.v_min_m,
                )
                self._next_id += 1
                raised.append(alert)
            else:
                alert = replace(
                    old,
                    level=p.level,
                    highest=max(old.highest, p.level),
                    updated_s=now,
                    time_to_conflict_s=p.time_to_conflict_s,
                    time_to_cpa_s=p.time_to_cpa_s,
                    h_now_m=p.h_now_m,
                    v_now_m=p.v_now_m,
                    h_min_m=p.h_min_m,
                    v_min_m=p.v_min_m,
                )
                if alert.level != old.level:
                    changed.append(alert)
            self._alerts[key] = alert
        ended: list[Alert] = []
        for key in [k for k in self._alerts if k not in seen]:
            since = self._quiet_since.setdefault(key, now)
            if now - since >= self.hold_s:
                old = self._alerts.pop(key)
                del self._quiet_since[key]
                ended.append(replace(old, level=AlertLevel.NONE, ended_s=now, updated_s=now))
        return AlertUpdate(raised=raised, changed=changed, ended=ended, active=self.active)
