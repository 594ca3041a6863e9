"""Border warnings: aircraft of one party about to cross into, or inside, another party's
sovereign airspace.

Only airspaces that some party has declared as its own are watched (a coalition flying over a
country that is not a party of the service is not warned about that country). An aircraft is
warned about every watched airspace its party does not own. Warnings are graded by the time to
entry (``approaching`` within 300 s, ``imminent`` within 120 s, ``immediate`` within 60 s,
``inside``); an event is written each time a pair (aircraft, airspace) first appears or moves
to a more urgent grade, when it enters, and when it is clear again. The aircraft's party and
the airspace's owners both receive them, each with its time: that is the record of "we warned
you, and when".
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sharedsky.errors import InvalidInput, UnknownEntity
from sharedsky.io import load_countries
from sharedsky.tactical import AircraftStates, Airspaces, BorderMonitor, Incursion

__all__ = ["GRADES", "AirspaceWatch", "Warning", "countries"]

GRADES: tuple[tuple[str, float], ...] = (
    ("immediate", 60.0),
    ("imminent", 120.0),
    ("approaching", 300.0),
)
_RANK = {"clear": 0, "approaching": 1, "imminent": 2, "immediate": 3, "inside": 4}


@functools.cache
def countries() -> Airspaces:
    """The bundled country borders, read once per process (about a second)."""
    return load_countries()


def _grade(incursion: Incursion) -> str:
    if incursion.inside:
        return "inside"
    for name, horizon in GRADES:
        if incursion.entry_s <= horizon:
            return name
    return "approaching"


@dataclass(frozen=True, slots=True)
class Warning:
    """One event to write: its kind, who receives it, and what it says."""

    kind: str
    audience: frozenset[str]
    payload: dict[str, Any]


def _number(value: float, digits: int = 1) -> float | None:
    return round(value, digits) if math.isfinite(value) else None


class AirspaceWatch:
    """Border incursions across successive snapshots (a :class:`BorderMonitor` underneath)."""

    def __init__(self, countries: Airspaces, owners: Mapping[str, Iterable[str]]) -> None:
        """``owners``: party → the airspaces (ids, ISO codes or names) that are its own."""
        owned: dict[int, set[str]] = {}
        for party, keys in owners.items():
            for key in keys:
                try:
                    owned.setdefault(countries.find(key), set()).add(party)
                except UnknownEntity:
                    raise InvalidInput.one(
                        "airspace", f"party {party!r}: no airspace {key!r}"
                    ) from None
        rows = sorted(owned)
        self.owners = {countries.ids[r]: frozenset(owned[r]) for r in rows}
        self._names = {countries.ids[r]: countries.names[r] for r in rows}
        self._codes = {countries.ids[r]: countries.codes[r] for r in rows}
        self._monitor: BorderMonitor | None = None
        if rows:
            watched = Airspaces.from_geometries(
                ids=[countries.ids[r] for r in rows],
                names=[countries.names[r] for r in rows],
                codes=[countries.codes[r] for r in rows],
                geometries=[countries.geometries[r] for r in rows],
            )
            allowed = {
                party: [countries.ids[r] for r in rows if party in owned[r]]
                for party in {p for parties in owned.values() for p in parties}
            }
            self._monitor = BorderMonitor(watched, allowed, lookahead_s=GRADES[-1][1])
        self._grades: dict[tuple[str, str], str] = {}
        self.current: dict[tuple[str, str], Incursion] = {}

    def update(self, states: AircraftStates, callsigns: Mapping[str, str]) -> list[Warning]:
        """The warnings that this snapshot adds (aircraft ids are ``party:icao24``)."""
        if self._monitor is None:
            return []
        found = {(i.aircraft_id, i.airspace_id): i for i in self._monitor.update(states)}
        warnings: list[Warning] = []
        for key, incursion in found.items():
            grade = _grade(incursion)
            before = self._grades.get(key, "clear")
            if _RANK[grade] > _RANK[before]:
                kind = "border.entered" if grade == "inside" else "border.warning"
                warnings.append(self._warning(kind, grade, incursion, callsigns))
            self._grades[key] = grade
        for key in [k for k in self._grades if k not in found]:
            del self._grades[key]
            old = self.current[key]
            warnings.append(self._warning("border.clear", "clear", old, callsigns))
        self.current = found
        return warnings

    def visible_to(self, party: str) -> set[str]:
        """Aircraft inside or predicted to enter the party's airspace, now."""
        return {a for (a, airspace) in self.current if party in self.owners[airspace]}

    def _warning(
        self, kind: str, grade: str, incursion: Incursion, callsigns: Mapping[str, str]
    ) -> Warning:
        party, _, icao24 = incursion.aircraft_id.partition(":")
        airspace = incursion.airspace_id
        payload = {
            "aircraft": {
                "party": party,
                "icao24": icao24,
                "callsign": callsigns.get(incursion.aircraft_id, ""),
            },
            "airspace": {
                "id": airspace,
                "name": self._names[airspace],
                "code": self._codes[airspace],
                "owners": sorted(self.owners[airspace]),
            },
            "grade": grade,
            "inside": incursion.inside,
            "time_to_entry_s": None if incursion.inside else _number(incursion.entry_s),
            "time_inside_s": _number(incursion.time_inside_s) if incursion.inside else None,
            "entry": {
                "lat": _number(incursion.entry_lat_deg, 6),
                "lon": _number(incursion.entry_lon_deg, 6),
                "basis": incursion.entry_basis.name.lower(),
            },
            "depth_m": _number(incursion.depth_m),
            "time_to_exit_s": _number(incursion.exit_s),
            "path_inside_m": _number(incursion.inside_path_m),
        }
        return Warning(kind, frozenset({party, *self.owners[airspace]}), payload)
