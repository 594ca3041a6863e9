"""The strategic engine: declared operations in an index, checked against each other.

A pure library: no I/O and no clock. The caller passes operations in and gets frozen results
back; versions are counters the engine owns (the service turns them into tokens).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from sharedsky.errors import AlreadyExists, InvalidInput, StaleVersion, UnknownEntity
from sharedsky.geo import FootprintGeometry, lateral_gaps_m
from sharedsky.geo.ellipsoid import B_M
from sharedsky.model import AltitudeReference, Operation, OperationState, Volume4D
from sharedsky.model.altitude import GEOID_N_MAX_M, GEOID_N_MIN_M
from sharedsky.strategic.buffers import BufferPolicy, Buffers
from sharedsky.strategic.conflict import CheckResult, Conflict
from sharedsky.strategic.index import Box, VolumeIndex, box_of
from sharedsky.strategic.policy import PriorityPolicy, PriorityRule, Reason, Verdict

__all__ = ["StrategicEngine", "VolumeRef", "vertical_gap_m"]

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class VolumeRef:
    """One indexed volume: operation id and the volume's position in it."""

    operation: str
    volume: int


@dataclass(frozen=True, slots=True)
class _Entry:
    operation: Operation
    version: int
    slots: tuple[int, ...]


class _Owner(NamedTuple):
    """Who an indexed slot belongs to, and its footprint."""

    operation: str
    volume: int
    geometry: FootprintGeometry
    party: str


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A volume with what checks need, computed once."""

    volume: Volume4D
    box: Box
    lower_m: float
    upper_m: float
    msl: bool
    t0: float
    t1: float

    @property
    def geometry(self) -> FootprintGeometry:
        return self.volume.geometry

    @property
    def z0(self) -> float:
        """Lower bound as an ellipsoidal height, conservatively for MSL bands."""
        return self.lower_m + (GEOID_N_MIN_M if self.msl else 0.0)

    @property
    def z1(self) -> float:
        return self.upper_m + (GEOID_N_MAX_M if self.msl else 0.0)


def _prepare(volume: Volume4D) -> _Prepared:
    return _Prepared(
        volume=volume,
        box=box_of(volume.geometry),
        lower_m=volume.lower.metres,
        upper_m=volume.upper.metres,
        msl=volume.reference is AltitudeReference.MSL,
        t0=volume.time_start.timestamp(),
        t1=volume.time_end.timestamp(),
    )


def vertical_gap_m(
    a_lower: npt.ArrayLike,
    a_upper: npt.ArrayLike,
    a_msl: npt.ArrayLike,
    b_lower: npt.ArrayLike,
    b_upper: npt.ArrayLike,
    b_msl: npt.ArrayLike,
) -> Array:
    """Vertical gap between bands (negative = overlap), broadcasting.

    Bands with the same reference compare directly; a W84 band against an MSL band compares
    the W84 band with every ellipsoidal height the MSL band may have (see
    :mod:`sharedsky.model.altitude`), so the gap is never overstated.
    """
    a_lower, a_upper, b_lower, b_upper = (
        np.asarray(v, dtype=np.float64) for v in (a_lower, a_upper, b_lower, b_upper)
    )
    a_msl, b_msl = np.asarray(a_msl, dtype=bool), np.asarray(b_msl, dtype=bool)
    mixed = a_msl != b_msl
    a_lo = np.where(mixed & a_msl, a_lower + GEOID_N_MIN_M, a_lower)
    a_hi = np.where(mixed & a_msl, a_upper + GEOID_N_MAX_M, a_upper)
    b_lo = np.where(mixed & b_msl, b_lower + GEOID_N_MIN_M, b_lower)
    b_hi = np.where(mixed & b_msl, b_upper + GEOID_N_MAX_M, b_upper)
    return np.asarray(np.maximum(a_lo - b_hi, b_lo - a_hi), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class _BufferTable:
    """One party's buffers with every party, as arrays indexed by party code."""

    lateral_m: Array
    lateral_high_m: Array
    lateral_high_from_m: Array
    vertical_m: Array
    vertical_high_m: Array
    vertical_high_above_m: Array
    time_s: Array

    @classmethod
    def of(cls, buffers: list[Buffers]) -> _BufferTable:
        def column(name: str) -> Array:
            return np.array([getattr(b, name) for b in buffers], dtype=np.float64)

        return cls(**{name: column(name) for name in cls.__dataclass_fields__})


class _SlotColumns:
    """What exact checks need of each indexed volume, as numpy columns by slot."""

    def __init__(self, capacity: int = 1024) -> None:
        self.lower = np.zeros(capacity)
        self.upper = np.zeros(capacity)
        self.t0 = np.zeros(capacity)
        self.t1 = np.zeros(capacity)
        self.msl = np.zeros(capacity, dtype=bool)
        self.party = np.zeros(capacity, dtype=np.int64)
        self.op = np.zeros(capacity, dtype=np.int64)
        self.centre = np.zeros((capacity, 3))
        self.spread = np.zeros(capacity)

    def put(self, slot: int, p: _Prepared, party: int, op: int) -> None:
        if slot >= len(self.lower):
            for name in ("lower", "upper", "t0", "t1", "msl", "party", "op", "centre", "spread"):
                old = getattr(self, name)
                new = np.zeros((max(2 * len(old), slot + 1), *old.shape[1:]), dtype=old.dtype)
                new[: len(old)] = old
                setattr(self, name, new)
        self.lower[slot], self.upper[slot], self.msl[slot] = p.lower_m, p.upper_m, p.msl
        self.t0[slot], self.t1[slot] = p.t0, p.t1
        self.party[slot], self.op[slot] = party, op
        self.centre[slot], self.spread[slot] = p.geometry.centre, p.geometry.angular_radius_rad


_VERTICAL_TIE_M = 1e-6
"""Bands exactly one buffer apart (FL245 and FL250 with 500 ft) are clear: metres converted
from feet differ from the buffer in the last bits, so equality is judged to a micrometre."""


class StrategicEngine:
    """Operations of many parties, indexed per volume; exact 4D checks between them.

    >>> engine = StrategicEngine()
    >>> len(engine)
    0
    """

    def __init__(
        self,
        *,
        buffers: BufferPolicy | None = None,
        priority: PriorityPolicy | None = None,
    ) -> None:
        self._buffers = buffers or BufferPolicy()
        self.priority: PriorityPolicy = priority or PriorityRule()
        self._index = VolumeIndex()
        self._entries: dict[str, _Entry] = {}
        self._slot_owner: dict[int, _Owner] = {}
        self._columns = _SlotColumns()
        self._party_codes: dict[str, int] = {}
        self._op_codes: dict[str, int] = {}
        self._tables: dict[str, _BufferTable] = {}
        self._widest: dict[str, Buffers] = {}

    @property
    def buffers(self) -> BufferPolicy:
        return self._buffers

    @buffers.setter
    def buffers(self, policy: BufferPolicy) -> None:
        self._buffers = policy
        self._tables.clear()
        self._widest.clear()

    # -- the store of operations ------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, operation_id: object) -> bool:
        return operation_id in self._entries

    def __iter__(self) -> Iterator[Operation]:
        return (entry.operation for entry in self._entries.values())

    def get(self, operation_id: str) -> Operation:
        return self._entry(operation_id).operation

    def version(self, operation_id: str) -> int:
        return self._entry(operation_id).version

    def add(self, operation: Operation) -> int:
        """Store a new operation (checks nothing: call :meth:`check` first); its version, 1."""
        if operation.id in self._entries:
            raise AlreadyExists(f"operation {operation.id!r} exists; replace it instead")
        self._entries[operation.id] = _Entry(operation, 1, self._index_volumes(operation))
        return 1

    def replace(self, operation: Operation, *, expected_version: int | None = None) -> int:
        """Store a new version of an operation.

        Refuses a stale ``expected_version``, another party's operation and a state change
        F3548 does not allow (accepted → activated ⇄ nonconforming → contingent → ended).
        """
        entry = self._entry(operation.id)
        self._expect(entry, expected_version)
        if operation.party != entry.operation.party:
            raise InvalidInput.one(
                "party", f"operation {operation.id!r} belongs to {entry.operation.party!r}"
            )
        old, new = entry.operation.state, operation.state
        if not old.can_become(new):
            raise InvalidInput.one("state", f"an operation cannot go from {old} to {new}")
        self._unindex(entry)
        version = entry.version + 1
        self._entries[operation.id] = _Entry(operation, version, self._index_volumes(operation))
        return version

    def remove(self, operation_id: str, *, expected_version: int | None = None) -> Operation:
        entry = self._entry(operation_id)
        self._expect(entry, expected_version)
        self._unindex(entry)
        del self._entries[operation_id]
        return entry.operation

    def _entry(self, operation_id: str) -> _Entry:
        try:
            return self._entries[operation_id]
        except KeyError:
            raise UnknownEntity(f"no operation {operation_id!r}") from None

    @staticmethod
    def _expect(entry: _Entry, expected: int | None) -> None:
        if expected is not None and expected != entry.version:
            raise StaleVersion(
                f"operation {entry.operation.id!r} is at version {entry.version}, not {expected}"
            )

    def _index_volumes(self, operation: Operation) -> tuple[int, ...]:
        if operation.state is OperationState.ENDED:
            return ()
        op_code = self._op_codes.setdefault(operation.id, len(self._op_codes))
        party = self._party_code(operation.party)
        slots = []
        for i, volume in enumerate(operation.volumes):
            p = _prepare(volume)
            slot = self._index.add(p.box, p.z0, p.z1, p.t0, p.t1)
            self._columns.put(slot, p, party, op_code)
            self._slot_owner[slot] = _Owner(operation.id, i, p.geometry, operation.party)
            slots.append(slot)
        return tuple(slots)

    def _unindex(self, entry: _Entry) -> None:
        for slot in entry.slots:
            self._index.remove(slot)
            del self._slot_owner[slot]

    def _party_code(self, party: str) -> int:
        code = self._party_codes.get(party)
        if code is None:
            code = self._party_codes[party] = len(self._party_codes)
        return code

    def _table(self, party: str) -> _BufferTable:
        """The buffers between ``party`` and every known party, as arrays by party code."""
        table = self._tables.get(party)
        if table is None or len(table.time_s) < len(self._party_codes):
            names = sorted(self._party_codes, key=self._party_codes.__getitem__)
            table = _BufferTable.of([self.buffers.between(party, other) for other in names])
            self._tables[party] = table
        return table

    # -- queries ----------------------------------------------------------------------------

    def query(
        self,
        footprint: FootprintGeometry,
        *,
        lower_m: float = -math.inf,
        upper_m: float = math.inf,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[VolumeRef]:
        """Indexed volumes whose boxes meet the footprint, band (ellipsoidal metres, widened
        by the geoid's range) and window: a superset for exact checks, in slot order."""
        t0 = start.timestamp() if start else -math.inf
        t1 = end.timestamp() if end else math.inf
        slots = self._index.query(
            box_of(footprint), lower_m + GEOID_N_MIN_M, upper_m + GEOID_N_MAX_M, t0, t1
        )
        owners = self._slot_owner
        return [VolumeRef(owners[s].operation, owners[s].volume) for s in slots.tolist()]

    # -- the check --------------------------------------------------------------------------

    def check(self, operation: Operation, *, include_same_party: bool = False) -> CheckResult:
        """Every conflict of ``operation`` with the indexed operations of other parties.

        A version of the same id already in the engine is not checked against (it is the one
        being replaced). Same-party conflicts are included only when asked for.
        """
        conflicts = self._conflicts(operation, include_same_party=include_same_party)
        previous = self._entries.get(operation.id)
        if (
            previous is not None
            and operation.state is OperationState.ACTIVATED
            and any(c.refused for c in conflicts)
        ):
            before = {c.b for c in self._conflicts(previous.operation, include_same_party=False)}
            conflicts = [_preexisting(c) if c.refused and c.b in before else c for c in conflicts]
        conflicts.sort(key=lambda c: (c.b, c.b_volume, c.a_volume))
        return CheckResult(operation.id, tuple(conflicts))

    def _conflicts(self, operation: Operation, *, include_same_party: bool) -> list[Conflict]:
        if operation.state is OperationState.ENDED:
            return []
        widest = self._widest.get(operation.party)
        if widest is None:
            widest = self._widest[operation.party] = self.buffers.widest_for(operation.party)
        party = self._party_code(operation.party)
        table = self._table(operation.party)
        own = self._op_codes.get(operation.id, -1)
        found: list[Conflict] = []
        for i, volume in enumerate(operation.volumes):
            a = _prepare(volume)
            slots = self._index.query(
                a.box.grown(widest.max_lateral_m),
                a.z0 - widest.max_vertical_m,
                a.z1 + widest.max_vertical_m,
                a.t0 - widest.time_s,
                a.t1 + widest.time_s,
            )
            c = self._columns
            keep = c.op[slots] != own
            if not include_same_party:
                keep &= c.party[slots] != party
            slots = slots[keep]
            if len(slots):
                found += self._exact(operation, i, a, slots, table)
        return found

    def _exact(
        self, operation: Operation, index: int, a: _Prepared, slots: IntArray, table: _BufferTable
    ) -> list[Conflict]:
        c = self._columns
        party = c.party[slots]
        time_s = table.time_s[party]
        start = np.maximum(a.t0, c.t0[slots] - time_s)
        end = np.minimum(a.t1, c.t1[slots] + time_s)
        b_lower = c.lower[slots]
        vgap = vertical_gap_m(a.lower_m, a.upper_m, a.msl, b_lower, c.upper[slots], c.msl[slots])
        floor = np.maximum(a.lower_m, b_lower)
        vbuf = np.where(
            floor > table.vertical_high_above_m[party],
            table.vertical_high_m[party],
            table.vertical_m[party],
        )
        lbuf = np.where(
            floor >= table.lateral_high_from_m[party],
            table.lateral_high_m[party],
            table.lateral_m[party],
        )
        # Footprints whose bounding caps are further apart than the buffer cannot conflict:
        # points at a geocentric angle θ are at least 2·b·sin(θ/2) apart on the ellipsoid.
        cosine = np.clip(c.centre[slots] @ a.geometry.centre, -1.0, 1.0)
        theta = np.maximum(np.arccos(cosine) - c.spread[slots] - a.geometry.angular_radius_rad, 0)
        apart = (theta > 0) & (2 * B_M * np.sin(theta / 2) >= lbuf)
        live = np.flatnonzero((start < end) & (vgap < vbuf - _VERTICAL_TIE_M) & ~apart)
        if len(live) == 0:
            return []
        slot_owner = self._slot_owner
        owners = [slot_owner[slot] for slot in slots[live].tolist()]
        gaps = lateral_gaps_m(a.geometry, [o.geometry for o in owners], lbuf[live])
        hit = np.flatnonzero(gaps < math.inf)
        if len(hit) == 0:
            return []
        chosen = live[hit]
        out = []
        verdicts: dict[str, tuple[Verdict, Reason]] = {}
        columns = zip(
            [owners[k] for k in hit.tolist()],
            start[chosen].tolist(),
            end[chosen].tolist(),
            gaps[hit].tolist(),
            vgap[chosen].tolist(),
            lbuf[chosen].tolist(),
            vbuf[chosen].tolist(),
            time_s[chosen].tolist(),
            strict=True,
        )
        checked, checked_party = operation.id, operation.party
        for owner, t0, t1, gap, vertical, lateral_b, vertical_b, time_b in columns:
            found = verdicts.get(owner.operation)
            if found is None:
                other = self._entries[owner.operation].operation
                found = verdicts[owner.operation] = self.priority.verdict(operation, other)
            out.append(
                Conflict(
                    checked,
                    checked_party,
                    index,
                    owner.operation,
                    owner.party,
                    owner.volume,
                    t0,
                    t1,
                    gap,
                    vertical,
                    lateral_b,
                    vertical_b,
                    time_b,
                    *found,
                )
            )
        return out


def _preexisting(conflict: Conflict) -> Conflict:
    return conflict._replace(verdict=Verdict.ALLOWED, reason=Reason.PREEXISTING)
