"""Volume warnings: aircraft predicted to enter another party's active operation, and
aircraft outside every active volume of their own party (nonconforming).

Conformance is judged only for parties that fly under declared operations, that is, that have
at least one active volume (an activated, nonconforming or contingent operation): a party that
declares nothing is not told every second that its aircraft are outside. Nonconformance goes to
the aircraft's party alone; a volume entry goes to the aircraft's party and the volume's owner.
Each is an event when it starts and when it ends, not every second in between.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from sharedsky.model import Operation
from sharedsky.service.airspace_watch import Warning
from sharedsky.tactical import (
    ActiveVolumes,
    AircraftStates,
    Conformance,
    VolumeEntry,
    check_conformance,
    predict_volume_entries,
)

__all__ = ["VolumeWatch"]

LOOKAHEAD_S = 120.0


def _number(value: float, digits: int = 1) -> float | None:
    return round(value, digits) if math.isfinite(value) else None


def _aircraft(key: str, callsigns: Mapping[str, str]) -> dict[str, str]:
    party, _, icao24 = key.partition(":")
    return {"party": party, "icao24": icao24, "callsign": callsigns.get(key, "")}


def _operation(key: str) -> dict[str, str]:
    party, _, op_id = key.partition("/")
    return {"party": party, "id": op_id}


class VolumeWatch:
    """Entries and conformance across successive snapshots, for one set of operations."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        self.volumes = ActiveVolumes(list(operations))
        self._flying = set(self.volumes.party.tolist())
        self._entries: dict[tuple[str, str, int], VolumeEntry] = {}
        self._outside: dict[str, Conformance] = {}

    def carry(self, before: VolumeWatch) -> None:
        """Keep what the previous watch knew (the operations changed, the aircraft did not)."""
        self._entries = before._entries
        self._outside = before._outside

    def update(self, states: AircraftStates, callsigns: Mapping[str, str]) -> list[Warning]:
        warnings: list[Warning] = []
        if len(self.volumes):
            entries = predict_volume_entries(states, self.volumes, lookahead_s=LOOKAHEAD_S)
        else:
            entries = ()
        found = {(e.aircraft, e.operation, e.volume): e for e in entries}
        for key, entry in found.items():
            old = self._entries.get(key)
            if old is None or (entry.inside and not old.inside):
                kind = "volume.entered" if entry.inside else "volume.warning"
                warnings.append(self._entry(kind, entry, callsigns))
        for key in [k for k in self._entries if k not in found]:
            warnings.append(self._entry("volume.clear", self._entries.pop(key), callsigns))
        self._entries = found

        mine = states.take(np.isin(states.party, sorted(self._flying)))
        judged = {c.aircraft: c for c in check_conformance(mine, self.volumes)} if len(mine) else {}
        outside = {a: c for a, c in judged.items() if not c.conforming}
        for aircraft, record in outside.items():
            if aircraft not in self._outside:
                warnings.append(self._conformance("conformance.lost", record, callsigns))
        for aircraft in [a for a in self._outside if a not in outside]:
            record = judged.get(aircraft) or self._outside[aircraft]
            warnings.append(self._conformance("conformance.restored", record, callsigns))
        self._outside = outside
        return warnings

    @staticmethod
    def _entry(kind: str, entry: VolumeEntry, callsigns: Mapping[str, str]) -> Warning:
        payload: dict[str, Any] = {
            "aircraft": _aircraft(entry.aircraft, callsigns),
            "operation": {**_operation(entry.operation), "volume": entry.volume},
            "inside": entry.inside,
            "time_to_entry_s": _number(entry.time_s),
            "entry": {
                "lat": _number(entry.lat_deg, 6),
                "lon": _number(entry.lon_deg, 6),
                "alt_m": _number(entry.alt_m),
            },
            "lateral_depth_m": _number(entry.lateral_depth_m),
            "vertical_depth_m": _number(entry.vertical_depth_m),
        }
        audience = frozenset({entry.party, entry.owner} - {""})
        return Warning(kind, audience, payload)

    @staticmethod
    def _conformance(kind: str, record: Conformance, callsigns: Mapping[str, str]) -> Warning:
        payload = {
            "aircraft": _aircraft(record.aircraft, callsigns),
            "nearest": None
            if record.operation is None
            else {**_operation(record.operation), "volume": record.volume},
            "outside": {
                "lateral_m": _number(record.lateral_m),
                "vertical_m": _number(record.vertical_m),
                "time_s": _number(record.time_s),
            },
            "deviations": sorted(d.name.lower() for d in record.deviations),
        }
        return Warning(kind, frozenset({record.party}), payload)
