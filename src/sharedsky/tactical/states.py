"""Aircraft states as columns: the one input every tactical computation takes.

``StateReports`` is a table of reports as received (many per aircraft, any order); ``latest``
keeps each aircraft's newest report at or before the sweep time, drops those older than a
maximum age, and extrapolates the rest along their geodesic to the sweep time, which gives one
``AircraftStates`` snapshot. Units are SI inside (metres, seconds, m/s); times are POSIX
seconds (UTC). Altitudes are the reported barometric altitude (pressure altitude, metres).

>>> reports = StateReports.from_columns(
...     time_s=[0.0, 10.0], ids=["abc123", "abc123"], lat_deg=[0.0, 0.0], lon_deg=[0.0, 0.0],
...     alt_m=[3000.0, 3000.0], gs_mps=[100.0, 100.0], track_deg=[90.0, 90.0], vs_mps=[0.0, 0.0])
>>> snapshot, dropped = latest(reports, at_s=20.0, max_age_s=60.0)
>>> round(float(snapshot.lon_deg[0]) * 111_319.5), dropped
(1000, 0)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sharedsky.errors import InvalidInput, Issue
from sharedsky.geo.ellipsoid import WGS84

__all__ = ["AircraftStates", "StateReports", "latest", "replay"]

Floats = npt.NDArray[np.float64]
Strings = npt.NDArray[np.str_]
Ints = npt.NDArray[np.intp]

# Plausibility limits: beyond these a report is corrupt, not an aircraft.
MAX_ALTITUDE_M = 30_000.0
MIN_ALTITUDE_M = -1_500.0
MAX_GROUND_SPEED_MPS = 1_500.0
MAX_VERTICAL_SPEED_MPS = 300.0


def _floats(values: npt.ArrayLike) -> Floats:
    return np.ascontiguousarray(values, dtype=np.float64).reshape(-1)


def _strings(values: npt.ArrayLike | None, n: int) -> Strings:
    if values is None:
        return np.full(n, "", dtype=np.str_)
    return np.asarray(values, dtype=np.str_).reshape(-1)


def _check(columns: dict[str, Floats], strings: dict[str, Strings]) -> None:
    """Refuse ragged columns and impossible values, naming the column and first bad row."""
    n = len(columns["lat_deg"])
    issues: list[Issue] = []
    for name, column in (*columns.items(), *strings.items()):
        if len(column) != n:
            issues.append(Issue(name, f"has {len(column)} rows, expected {n}"))
    if issues:
        raise InvalidInput(issues)
    bounds = {
        "lat_deg": (-90.0, 90.0),
        "lon_deg": (-180.0, 180.0),
        "alt_m": (MIN_ALTITUDE_M, MAX_ALTITUDE_M),
        "gs_mps": (0.0, MAX_GROUND_SPEED_MPS),
        "vs_mps": (-MAX_VERTICAL_SPEED_MPS, MAX_VERTICAL_SPEED_MPS),
    }
    for name, column in columns.items():
        bad = ~np.isfinite(column)
        if name in bounds:
            low, high = bounds[name]
            bad |= (column < low) | (column > high)
        if bad.any():
            row = int(np.argmax(bad))
            issues.append(Issue(f"{name}[{row}]", f"{column[row]!r} is not a valid {name}"))
    if "ids" in strings and n and (strings["ids"] == "").any():
        row = int(np.argmax(strings["ids"] == ""))
        issues.append(Issue(f"ids[{row}]", "an aircraft needs an identity (icao24)"))
    if issues:
        raise InvalidInput(issues)


@dataclass(frozen=True, slots=True)
class StateReports:
    """Reports as received: one row per (aircraft, report time), any order.

    ``track_deg`` is the true course over ground, clockwise from north; ``vs_mps`` is positive
    climbing. ``party`` and ``callsign`` are ``""`` where unknown.
    """

    time_s: Floats
    ids: Strings
    lat_deg: Floats
    lon_deg: Floats
    alt_m: Floats
    gs_mps: Floats
    track_deg: Floats
    vs_mps: Floats
    callsign: Strings
    party: Strings

    @classmethod
    def from_columns(
        cls,
        *,
        time_s: npt.ArrayLike,
        ids: npt.ArrayLike,
        lat_deg: npt.ArrayLike,
        lon_deg: npt.ArrayLike,
        alt_m: npt.ArrayLike,
        gs_mps: npt.ArrayLike,
        track_deg: npt.ArrayLike,
        vs_mps: npt.ArrayLike,
        callsign: npt.ArrayLike | None = None,
        party: npt.ArrayLike | None = None,
    ) -> StateReports:
        """Validated reports from array-likes (raises ``InvalidInput`` naming the bad cell)."""
        floats = {
            "time_s": _floats(time_s),
            "lat_deg": _floats(lat_deg),
            "lon_deg": _floats(lon_deg),
            "alt_m": _floats(alt_m),
            "gs_mps": _floats(gs_mps),
            "track_deg": _floats(track_deg),
            "vs_mps": _floats(vs_mps),
        }
        n = len(floats["lat_deg"])
        strings = {
            "ids": _strings(ids, n),
            "callsign": _strings(callsign, n),
            "party": _strings(party, n),
        }
        _check(floats, strings)
        return cls(
            time_s=floats["time_s"],
            ids=strings["ids"],
            lat_deg=floats["lat_deg"],
            lon_deg=floats["lon_deg"],
            alt_m=floats["alt_m"],
            gs_mps=floats["gs_mps"],
            track_deg=np.mod(floats["track_deg"], 360.0),
            vs_mps=floats["vs_mps"],
            callsign=strings["callsign"],
            party=strings["party"],
        )

    def __len__(self) -> int:
        return len(self.time_s)


@dataclass(frozen=True, slots=True)
class AircraftStates:
    """One state per aircraft, all at the same time ``time_s`` (POSIX seconds).

    ``age_s`` is how old each aircraft's underlying report was when it was extrapolated.
    Rows are ordered by ``ids``, which are unique.
    """

    time_s: float
    ids: Strings
    lat_deg: Floats
    lon_deg: Floats
    alt_m: Floats
    gs_mps: Floats
    track_deg: Floats
    vs_mps: Floats
    callsign: Strings
    party: Strings
    age_s: Floats

    @classmethod
    def from_columns(
        cls,
        *,
        time_s: float,
        ids: npt.ArrayLike,
        lat_deg: npt.ArrayLike,
        lon_deg: npt.ArrayLike,
        alt_m: npt.ArrayLike,
        gs_mps: npt.ArrayLike,
        track_deg: npt.ArrayLike,
        vs_mps: npt.ArrayLike,
        callsign: npt.ArrayLike | None = None,
        party: npt.ArrayLike | None = None,
    ) -> AircraftStates:
        """A validated snapshot (ids must be unique); rows are sorted by id."""
        floats = {
            "lat_deg": _floats(lat_deg),
            "lon_deg": _floats(lon_deg),
            "alt_m": _floats(alt_m),
            "gs_mps": _floats(gs_mps),
            "track_deg": _floats(track_deg),
            "vs_mps": _floats(vs_mps),
        }
        n = len(floats["lat_deg"])
        strings = {
            "ids": _strings(ids, n),
            "callsign": _strings(callsign, n),
            "party": _strings(party, n),
        }
        _check(floats, strings)
        if not np.isfinite(time_s):
            raise InvalidInput.one("time_s", f"{time_s!r} is not a valid time")
        order = np.argsort(strings["ids"], kind="stable")
        sorted_ids = strings["ids"][order]
        duplicate = sorted_ids[1:] == sorted_ids[:-1]
        if duplicate.any():
            name = sorted_ids[1:][duplicate][0]
            raise InvalidInput.one("ids", f"aircraft {name!r} appears more than once")
        return cls(
            time_s=float(time_s),
            ids=sorted_ids,
            lat_deg=floats["lat_deg"][order],
            lon_deg=floats["lon_deg"][order],
            alt_m=floats["alt_m"][order],
            gs_mps=floats["gs_mps"][order],
            track_deg=np.mod(floats["track_deg"][order], 360.0),
            vs_mps=floats["vs_mps"][order],
            callsign=strings["callsign"][order],
            party=strings["party"][order],
            age_s=np.zeros(n),
        )

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: npt.ArrayLike) -> AircraftStates:
        """The snapshot restricted to ``rows`` (indices or a boolean mask), order kept."""
        index = np.asarray(rows)
        if index.dtype != np.bool_:
            index = np.sort(index)
        return AircraftStates(
            time_s=self.time_s,
            ids=self.ids[index],
            lat_deg=self.lat_deg[index],
            lon_deg=self.lon_deg[index],
            alt_m=self.alt_m[index],
            gs_mps=self.gs_mps[index],
            track_deg=self.track_deg[index],
            vs_mps=self.vs_mps[index],
            callsign=self.callsign[index],
            party=self.party[index],
            age_s=self.age_s[index],
        )

    def row(self, aircraft: str) -> int:
        """The row of one aircraft by id (``KeyError`` if absent)."""
        at = int(np.searchsorted(self.ids, aircraft))
        if at == len(self.ids) or self.ids[at] != aircraft:
            raise KeyError(aircraft)
        return at

    def parties(self) -> Sequence[str]:
        """The distinct parties present, sorted (``""`` for aircraft of no known party)."""
        return [str(p) for p in np.unique(self.party)]


def extrapolate(
    lat_deg: Floats, lon_deg: Floats, track_deg: Floats, gs_mps: Floats, dt_s: Floats
) -> tuple[Floats, Floats, Floats]:
    """Latitude, longitude and course after flying ``dt_s`` along the geodesic of initial
    course ``track_deg`` (the course changes along a geodesic, as a great circle's does)."""
    lon, lat, back_azimuth = WGS84.fwd(lon_deg, lat_deg, track_deg, gs_mps * dt_s)
    moved = gs_mps * dt_s > 0.0
    track = np.where(moved, np.mod(np.asarray(back_azimuth) + 180.0, 360.0), track_deg)
    return np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64), track


def _snapshot(reports: StateReports, rows: Ints, at_s: float) -> AircraftStates:
    """The reports at ``rows`` (one per aircraft, sorted by id) extrapolated to ``at_s``."""
    age = at_s - reports.time_s[rows]
    lat, lon, track = extrapolate(
        reports.lat_deg[rows],
        reports.lon_deg[rows],
        reports.track_deg[rows],
        reports.gs_mps[rows],
        age,
    )
    return AircraftStates(
        time_s=float(at_s),
        ids=reports.ids[rows],
        lat_deg=lat,
        lon_deg=lon,
        alt_m=reports.alt_m[rows] + reports.vs_mps[rows] * age,
        gs_mps=reports.gs_mps[rows].copy(),
        track_deg=track,
        vs_mps=reports.vs_mps[rows].copy(),
        callsign=reports.callsign[rows],
        party=reports.party[rows],
        age_s=age,
    )


def _check_times(at_s: float, max_age_s: float) -> None:
    if not (np.isfinite(at_s) and np.isfinite(max_age_s) and max_age_s >= 0):
        raise InvalidInput.one("", "the sweep time and maximum age must be finite, age >= 0")


def latest(reports: StateReports, *, at_s: float, max_age_s: float) -> tuple[AircraftStates, int]:
    """Each aircraft's newest report at or before ``at_s``, extrapolated to ``at_s``.

    Reports after ``at_s`` are ignored (they are the future at that time). Aircraft whose
    newest report is older than ``max_age_s`` are dropped; their number is returned with the
    snapshot. Extrapolation keeps ground speed, course and vertical rate (the course is held
    along the geodesic, so it changes with position like a great circle's).
    """
    _check_times(at_s, max_age_s)
    rows = np.flatnonzero(reports.time_s <= at_s)
    # Newest first within each id: sort by id, then time descending, keep the first of each id.
    rows = rows[np.lexsort((-reports.time_s[rows], reports.ids[rows]))]
    ids = reports.ids[rows]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    rows = rows[first]
    fresh = at_s - reports.time_s[rows] <= max_age_s
    return _snapshot(reports, rows[fresh], at_s), int((~fresh).sum())


def replay(
    reports: StateReports, *, start_s: float, stop_s: float, step_s: float, max_age_s: float
) -> Iterator[tuple[AircraftStates, int]]:
    """``latest`` at ``start_s, start_s + step_s, … <= stop_s``, in one pass over the reports.

    Each snapshot equals ``latest(reports, at_s=t, max_age_s=max_age_s)``; the reports are
    sorted once and each step only looks at the reports received since the previous one.
    """
    _check_times(start_s, max_age_s)
    _check_times(stop_s, max_age_s)
    if not (np.isfinite(step_s) and step_s > 0):
        raise InvalidInput.one("step_s", f"the step must be a time > 0, got {step_s!r}")
    names, codes = np.unique(reports.ids, return_inverse=True)
    # Of two reports of one aircraft at the same time ``latest`` keeps the one listed first;
    # applying equal times in reverse file order makes it the last applied, so the same here.
    order = np.lexsort((-np.arange(len(reports)), reports.time_s))
    times = reports.time_s[order]
    newest = np.full(len(names), -1, dtype=np.intp)
    done = 0
    steps = int(np.floor((stop_s - start_s) / step_s + 1e-9)) + 1 if stop_s >= start_s else 0
    for k in range(steps):
        at_s = start_s + k * step_s
        upto = int(np.searchsorted(times, at_s, side="right"))
        chunk = order[done:upto]
        # Repeated indices in an assignment keep the last value: the newest report.
        newest[codes[chunk]] = chunk
        done = upto
        seen = newest[newest >= 0]
        fresh = at_s - reports.time_s[seen] <= max_age_s
        yield _snapshot(reports, seen[fresh], at_s), int((~fresh).sum())
