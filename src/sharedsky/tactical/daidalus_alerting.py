"""DO-365 alert levels as DAIDALUS's ``DaidalusAlerting`` computes them, step by step.

An :class:`Encounter` is a time series of aircraft states (the ownship and its intruders at each
step, e.g. read from a ``.daa`` file); :func:`alert_levels` gives, for every step and intruder,
the alert level and the metrics beside it. Per pair and step:

1. the intruder is projected into the ownship's tangent plane (:mod:`sharedsky.tactical.wcv`);
2. each level of the intruder's alerter runs its detector over the lookahead; the raw level is
   the most severe one whose loss of well clear starts before its alerting time (its early
   alerting time if that level is the one currently shown for this intruder);
3. the raw level passes the output filter of :class:`AlertFilter`: M of N, hysteresis and
   persistence. An intruder missing from some steps keeps its shown level (and so its early
   alerting time) until the whole encounter pauses for longer than the hysteresis time.

Units are SI inside. The engine is pure: no I/O, no clock.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import numpy.typing as npt

from sharedsky.errors import InvalidInput
from sharedsky.tactical.wcv import (
    Metrics,
    RelativeState,
    SumParameters,
    Uncertainty,
    WcvThresholds,
    encounter_metrics,
    relative_errors,
    sum_violation_interval,
    tangent_plane,
    tangent_velocity,
    violation_interval,
)

__all__ = [
    "AlertFilter",
    "AlertThresholds",
    "Alerter",
    "AlertingParameters",
    "AlertingTable",
    "BandsRegion",
    "Encounter",
    "FilterState",
    "alert_levels",
    "filter_level",
]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Strings = npt.NDArray[np.str_]

# Below every level: "no level yet" in the filter's queue and output.
_UNDEFINED = -1


class BandsRegion(enum.Enum):
    """The guidance-band region an alert level maps to (DAIDALUS's name)."""

    NONE = "NONE"
    FAR = "FAR"
    MID = "MID"
    NEAR = "NEAR"


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertThresholds:
    """One alert level: its detector, and how far ahead it alerts (s).

    ``early_alerting_time_s`` replaces ``alerting_time_s`` while this level is the one shown, so
    that an alert does not flicker off at the boundary. ``sum`` selects WCV_TAUMOD_SUM.
    """

    region: BandsRegion
    alerting_time_s: float
    early_alerting_time_s: float
    detector: WcvThresholds
    sum: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Alerter:
    """A named set of alert levels, least severe first (level ``k`` is ``levels[k - 1]``)."""

    name: str
    levels: tuple[AlertThresholds, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertFilter:
    """The output filter: an alert shows when ``m`` of the last ``n`` raw levels reach it.

    The filter's memory of an intruder is kept while its steps are at most ``hysteresis_s``
    apart; a level once raised is held for at least ``persistence_s`` before it may drop.
    """

    m: int
    n: int
    hysteresis_s: float
    persistence_s: float

    def __post_init__(self) -> None:
        if not 1 <= self.m <= self.n:
            raise InvalidInput.one("alerting_m", f"needs 1 <= M <= N, got M={self.m}, N={self.n}")
        for name, value in (
            ("hysteresis_s", self.hysteresis_s),
            ("persistence_s", self.persistence_s),
        ):
            if value < 0:
                raise InvalidInput.one(name, f"must not be negative, got {value:g}")


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertingParameters:
    """Everything alerting needs from a DAIDALUS configuration (SI).

    Intruders pick their alerter by their own 1-based ``alerter`` index, or by the ownship's
    when ``ownship_centric``. ``filter`` is ``None`` to show raw levels (no hysteresis).
    """

    lookahead_s: float
    alerters: tuple[Alerter, ...]
    filter: AlertFilter | None
    ownship_centric: bool = False
    corrective_region: BandsRegion = BandsRegion.MID
    sum: SumParameters = field(default_factory=SumParameters)

    def __post_init__(self) -> None:
        if not self.alerters or not all(a.levels for a in self.alerters):
            raise InvalidInput.one("alerters", "needs at least one alerter, each with a level")


@dataclass(frozen=True, slots=True, kw_only=True)
class Encounter:
    """Aircraft states, one row per aircraft per step; rows sharing ``time_s`` form a step.

    The ownship is the aircraft of the first row (``names[0]``); every step has exactly one row
    for it. Horizontal positions are geodetic (``lat_deg``, ``lon_deg``, spherical Earth) when
    ``geodetic``, else Euclidean (``x_m`` east, ``y_m`` north); the unused pair is NaN.
    ``ve_mps``/``vn_mps`` are ground velocity east/north; ``air_ve_mps``/``air_vn_mps`` the air
    velocity (NaN where unknown: no wind). ``alerter`` is a 1-based index into the
    configuration's alerters. ``alt_m`` is the altitude, one datum for all aircraft.
    """

    names: Strings
    time_s: Floats
    geodetic: bool
    lat_deg: Floats
    lon_deg: Floats
    x_m: Floats
    y_m: Floats
    alt_m: Floats
    ve_mps: Floats
    vn_mps: Floats
    vz_mps: Floats
    air_ve_mps: Floats
    air_vn_mps: Floats
    alerter: Ints
    uncertainty: Uncertainty

    def __post_init__(self) -> None:
        n = len(self.names)
        if n == 0:
            raise InvalidInput.one("names", "an encounter needs at least the ownship's row")
        columns = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("geodetic", "uncertainty")
        }
        columns |= {
            f"uncertainty.{f.name}": getattr(self.uncertainty, f.name) for f in fields(Uncertainty)
        }
        ragged = [name for name, column in columns.items() if len(column) != n]
        if ragged:
            raise InvalidInput.one(", ".join(ragged), f"must have {n} rows, one per name")

    @property
    def ownship(self) -> str:
        """The ownship's name: the aircraft of the first row."""
        return str(self.names[0])

    def steps(self) -> list[tuple[int, int]]:
        """``(start, stop)`` row ranges of the steps, in file order."""
        if len(self.time_s) == 0:
            return []
        cuts = np.flatnonzero(self.time_s[1:] != self.time_s[:-1]) + 1
        bounds = [0, *cuts.tolist(), len(self.time_s)]
        return list(itertools.pairwise(bounds))


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertingTable:
    """One row per step per intruder: steps in input order, and within a step the intruders in
    the order they first appear in the encounter.

    ``time_to_volume_s[:, k - 1]`` is when level ``k``'s detector first finds a loss of well
    clear within the lookahead (``inf``: none; NaN: the alerter has no level ``k``).
    """

    time_s: Floats
    ownship: str
    traffic: Strings
    alerter: Ints
    level: Ints
    time_to_volume_s: Floats
    metrics: Metrics

    def __len__(self) -> int:
        return len(self.time_s)


@dataclass(frozen=True, slots=True)
class FilterState:
    """What the output filter remembers of one intruder after a step."""

    queue: tuple[int, ...]
    output: int
    time_s: float
    raised_s: float


def filter_level(
    state: FilterState | None, time_s: float, raw: int, params: AlertFilter
) -> FilterState:
    """The filter's state after a raw level at ``time_s``; its ``output`` is the level shown.

    ``state`` is this intruder's state after its previous step (``None`` for none).
    """
    if state is None or time_s <= state.time_s or time_s - state.time_s > params.hysteresis_s:
        # A fresh memory counts the first raw level M times, so a new threat shows at once.
        state = FilterState(
            (raw,) * params.m + (_UNDEFINED,) * (params.n - params.m),
            _UNDEFINED,
            time_s,
            time_s,
        )
    queue = (*state.queue[1:], raw)
    ranked = sorted(queue, reverse=True)
    m_of_n = ranked[params.m - 1]
    if (
        state.output > 0
        and m_of_n < state.output
        and time_s - state.raised_s < params.persistence_s
    ):
        return FilterState(queue, state.output, time_s, state.raised_s)
    raised = time_s if m_of_n > 0 and m_of_n > state.output else state.raised_s
    return FilterState(queue, max(0, m_of_n), time_s, raised)


def _raw_level(alerter: Alerter, t_in: Sequence[float], shown: int) -> int:
    """The most severe level whose violation starts before its (early) alerting time."""
    for k in range(len(alerter.levels), 0, -1):
        level = alerter.levels[k - 1]
        horizon = level.early_alerting_time_s if shown == k else level.alerting_time_s
        if t_in[k - 1] < horizon:
            return k
    return 0


def _relative_states(encounter: Encounter, own: Ints, other: Ints) -> RelativeState:
    """Each intruder row ``other`` against its step's ownship row ``own``."""
    e = encounter
    wind_e = np.where(np.isnan(e.air_ve_mps[own]), 0.0, e.ve_mps[own] - e.air_ve_mps[own])
    wind_n = np.where(np.isnan(e.air_vn_mps[own]), 0.0, e.vn_mps[own] - e.air_vn_mps[own])
    if e.geodetic:
        lat0, lon0 = e.lat_deg[own], e.lon_deg[own]
        ox, oy = tangent_plane(lat0, lon0, lat0, lon0)
        ix, iy = tangent_plane(e.lat_deg[other], e.lon_deg[other], lat0, lon0)
        ovx, ovy = tangent_velocity(
            lat0, lon0, e.ve_mps[own] - wind_e, e.vn_mps[own] - wind_n, lat0, lon0
        )
        ivx, ivy = tangent_velocity(
            e.lat_deg[other],
            e.lon_deg[other],
            e.ve_mps[other] - wind_e,
            e.vn_mps[other] - wind_n,
            lat0,
            lon0,
        )
    else:
        ox, oy, ix, iy = e.x_m[own], e.y_m[own], e.x_m[other], e.y_m[other]
        ovx, ovy = e.ve_mps[own] - wind_e, e.vn_mps[own] - wind_n
        ivx, ivy = e.ve_mps[other] - wind_e, e.vn_mps[other] - wind_n
    return RelativeState.from_columns(
        sx_m=ox - ix,
        sy_m=oy - iy,
        sz_m=e.alt_m[own] - e.alt_m[other],
        vx_mps=ovx - ivx,
        vy_mps=ovy - ivy,
        vz_mps=e.vz_mps[own] - e.vz_mps[other],
    )


def _pairs(encounter: Encounter) -> tuple[Ints, Ints]:
    """Row indices (ownship, intruder) of every pair, step by step.

    Within a step, intruders come in the order they first appear in the encounter (as
    DAIDALUS lists its traffic), whatever their order in that step.
    """
    _, first, inverse = np.unique(encounter.names, return_index=True, return_inverse=True)
    rank = first[inverse]
    own: list[int] = []
    other: list[int] = []
    ownship = encounter.ownship
    for start, stop in encounter.steps():
        rows = np.arange(start, stop)
        mine = rows[encounter.names[start:stop] == ownship]
        if len(mine) != 1:
            when = float(encounter.time_s[start])
            raise InvalidInput.one(
                f"time {when:g} s", f"needs exactly one row for the ownship {ownship!r}"
            )
        intruders = rows[rows != mine[0]]
        intruders = intruders[np.argsort(rank[intruders], kind="stable")]
        own += [int(mine[0])] * len(intruders)
        other += intruders.tolist()
    return np.asarray(own, dtype=np.int64), np.asarray(other, dtype=np.int64)


def alert_levels(encounter: Encounter, params: AlertingParameters) -> AlertingTable:
    """Alert level and metrics of every intruder at every step of ``encounter``.

    Raises ``InvalidInput`` when a step has no ownship row or an aircraft names an alerter the
    parameters do not have.
    """
    own, other = _pairs(encounter)
    rel = _relative_states(encounter, own, other)
    chooser = own if params.ownship_centric else other
    alerter_index = encounter.alerter[chooser]
    bad = (alerter_index < 1) | (alerter_index > len(params.alerters))
    if bad.any():
        row = int(chooser[np.argmax(bad)])
        raise InvalidInput.one(
            f"{encounter.names[row]} at time {encounter.time_s[row]:g} s",
            f"alerter {encounter.alerter[row]} is not one of the {len(params.alerters)}"
            " configured (numbered from 1)",
        )
    depth = max(len(a.levels) for a in params.alerters)
    t_in = np.full((len(other), depth), np.nan)
    errors = relative_errors(rel, encounter.uncertainty, own, other, params.sum)
    for index, alerter in enumerate(params.alerters, start=1):
        mine = alerter_index == index
        if not mine.any():
            continue
        subset = rel.take(mine)
        for k, level in enumerate(alerter.levels):
            if level.sum:
                start, _ = sum_violation_interval(
                    subset, errors.take(mine), level.detector, lookahead_s=params.lookahead_s
                )
            else:
                start, _ = violation_interval(
                    subset, level.detector, lookahead_s=params.lookahead_s
                )
            t_in[mine, k] = start
    levels = _filtered_levels(encounter, params, other, alerter_index, t_in)
    metrics = encounter_metrics(rel, dthr_m=_taumod_dthr_m(params), lookahead_s=params.lookahead_s)
    return AlertingTable(
        time_s=encounter.time_s[other],
        ownship=encounter.ownship,
        traffic=encounter.names[other],
        alerter=alerter_index,
        level=levels,
        time_to_volume_s=t_in,
        metrics=metrics,
    )


def _taumod_dthr_m(params: AlertingParameters) -> float:
    """DTHR of the printed modified tau: the first alerter's corrective level, whatever the
    intruder's alerter (as DAIDALUS prints it); NaN when that alerter has no such level."""
    first = params.alerters[0].levels
    return next(
        (lvl.detector.dthr_m for lvl in first if lvl.region == params.corrective_region), np.nan
    )


def _filtered_levels(
    encounter: Encounter,
    params: AlertingParameters,
    other: Ints,
    alerter_index: Ints,
    t_in: Floats,
) -> Ints:
    """The level shown for each pair row, running each intruder's filter through the steps.

    A level keeps its early alerting time while it is shown, even across steps where its
    intruder is missing, as long as the encounter's steps stay within the hysteresis time of
    each other; a longer gap (or time going back) forgets every intruder.
    """
    states: dict[str, FilterState] = {}
    shown = np.zeros(len(other), dtype=np.int64)
    row = 0
    previous_step = -np.inf
    for start, stop in encounter.steps():
        time_s = float(encounter.time_s[start])
        if params.filter is None or not 0 < time_s - previous_step <= params.filter.hysteresis_s:
            states.clear()
        previous_step = time_s
        while row < len(other) and other[row] < stop:
            alerter = params.alerters[int(alerter_index[row]) - 1]
            key = str(encounter.names[other[row]])
            previous = states.get(key)
            current = _UNDEFINED if previous is None else previous.output
            raw = _raw_level(alerter, t_in[row].tolist(), current)
            if params.filter is None:
                shown[row] = raw
            else:
                states[key] = filter_level(previous, time_s, raw, params.filter)
                shown[row] = states[key].output
            row += 1
    return shown
