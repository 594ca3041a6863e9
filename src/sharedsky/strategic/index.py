"""The spatio-temporal index of declared volumes: a hierarchical longitude/latitude grid.

Each volume is registered at the finest level whose cells are at least as large as its
longitude/latitude box, in the (at most four) cells that box touches; a query visits, at each
level that holds volumes, the cells its box touches, then filters the candidates with numpy on
columnar arrays (conservative ECEF boxes, altitude band, time window). Longitudes wrap, so
boxes across the antimeridian need no special case; boxes near a pole take the whole circle of
longitude.

Costs: ``add`` and ``remove`` touch at most four cells, O(1); a query visits O(L) cells for
L = :data:`LEVELS` levels (more only for query boxes much larger than the volumes they meet,
where a level is scanned with numpy instead) plus O(k) for its k candidates. Nothing here
knows about operations, parties or priorities: the caller maps slots to its own records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sharedsky.geo import FootprintGeometry
from sharedsky.geo.ellipsoid import A_M, E2, MEAN_RADIUS_M

__all__ = ["LEVELS", "Box", "VolumeIndex", "box_of"]

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

LEVELS: tuple[float, ...] = tuple(0.125 * 2**level for level in range(12))
"""Cell sizes in degrees, from 0.125° (about 14 km) to 256° (the whole globe)."""

_M_PER_DEG = math.pi * MEAN_RADIUS_M / 180.0
# The shortest degree of latitude (the meridian's radius of curvature is least at the equator,
# a(1 − e²)): growing a box by metres in latitude must use it, or equatorial boxes fall short.
_M_PER_DEG_LAT_MIN = math.pi * A_M * (1.0 - E2) / 180.0
_POLAR_LAT = 89.0


@dataclass(frozen=True, slots=True)
class Box:
    """A longitude/latitude box (longitudes may run past ±180: they wrap) and an ECEF box."""

    west: float
    east: float
    south: float
    north: float
    ecef_min: Array
    ecef_max: Array

    def grown(self, metres: float) -> Box:
        """This box grown by ``metres`` on every side (conservatively)."""
        if metres <= 0:
            return self
        dlat = metres / _M_PER_DEG_LAT_MIN * 1.001
        south, north = max(-90.0, self.south - dlat), min(90.0, self.north + dlat)
        west, east = _lon_range(self.west, self.east, south, north, metres)
        return Box(west, east, south, north, self.ecef_min - metres, self.ecef_max + metres)


def _lon_range(
    west: float, east: float, south: float, north: float, metres: float
) -> tuple[float, float]:
    polar = max(abs(south), abs(north))
    if polar >= _POLAR_LAT:
        return -180.0, 180.0
    dlon = metres / (_M_PER_DEG * math.cos(math.radians(polar))) * 1.001
    if east - west + 2 * dlon >= 360.0:
        return -180.0, 180.0
    return west - dlon, east + dlon


def box_of(geometry: FootprintGeometry) -> Box:
    """The conservative box of a footprint (its radius, edge bulges and any pole included)."""
    west, east, south, north = geometry.bounds_deg
    # Densified edges leave their chords by far less than this margin (metres).
    return Box(west, east, south, north, geometry.box_min, geometry.box_max).grown(
        geometry.radius_m + 50.0
    )


class _Columns:
    """Growable numpy columns, one row per slot."""

    def __init__(self, capacity: int = 1024) -> None:
        self.ecef_min = np.zeros((capacity, 3))
        self.ecef_max = np.zeros((capacity, 3))
        self.z0 = np.zeros(capacity)
        self.z1 = np.zeros(capacity)
        self.t0 = np.zeros(capacity)
        self.t1 = np.zeros(capacity)

    def grow(self) -> None:
        for name in ("ecef_min", "ecef_max", "z0", "z1", "t0", "t1"):
            old = getattr(self, name)
            new = np.zeros((len(old) * 2, *old.shape[1:]), dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)


class VolumeIndex:
    """Volumes (footprint box, altitude band, time window) under integer slots.

    Altitudes are metres in one frame chosen by the caller; times are seconds (any epoch).
    """

    def __init__(self) -> None:
        self._cols = _Columns()
        self._free: list[int] = []
        self._used = 0
        self._cells: dict[tuple[int, int, int], set[int]] = {}
        self._placed: dict[int, tuple[tuple[int, int, int], ...]] = {}
        self._per_level = [0] * len(LEVELS)
        self._level_slots: list[set[int]] = [set() for _ in LEVELS]

    def __len__(self) -> int:
        return len(self._placed)

    def add(self, box: Box, z0: float, z1: float, t0: float, t1: float) -> int:
        """Store a volume; returns its slot."""
        if self._free:
            slot = self._free.pop()
        else:
            if self._used == len(self._cols.t0):
                self._cols.grow()
            slot = self._used
            self._used += 1
        c = self._cols
        c.ecef_min[slot], c.ecef_max[slot] = box.ecef_min, box.ecef_max
        c.z0[slot], c.z1[slot], c.t0[slot], c.t1[slot] = z0, z1, t0, t1
        level = _level_for(box)
        keys = tuple(_cells(box, level) or ())
        for key in keys:
            self._cells.setdefault(key, set()).add(slot)
        self._placed[slot] = keys
        self._per_level[level] += 1
        self._level_slots[level].add(slot)
        return slot

    def remove(self, slot: int) -> None:
        keys = self._placed.pop(slot)
        for key in keys:
            members = self._cells[key]
            members.discard(slot)
            if not members:
                del self._cells[key]
        level = keys[0][0]
        self._per_level[level] -= 1
        self._level_slots[level].discard(slot)
        self._free.append(slot)

    def query(self, box: Box, z0: float, z1: float, t0: float, t1: float) -> IntArray:
        """Slots whose box, band and window meet the query's (closed intervals), sorted."""
        groups: list[set[int]] = []
        cells = self._cells
        for level, count in enumerate(self._per_level):
            if count == 0:
                continue
            keys = _cells(box, level, limit=count)
            if keys is None:
                groups.append(self._level_slots[level])
            else:
                groups += [m for m in map(cells.get, keys) if m]
        found = set().union(*groups)
        if not found:
            return np.empty(0, dtype=np.int64)
        slots = np.fromiter(found, dtype=np.int64, count=len(found))
        slots.sort()
        c = self._cols
        keep = (
            (c.t0[slots] <= t1)
            & (c.t1[slots] >= t0)
            & (c.z0[slots] <= z1)
            & (c.z1[slots] >= z0)
            & (c.ecef_min[slots] <= box.ecef_max).all(axis=1)
            & (c.ecef_max[slots] >= box.ecef_min).all(axis=1)
        )
        return np.asarray(slots[keep], dtype=np.int64)


def _level_for(box: Box) -> int:
    extent = max(box.east - box.west, box.north - box.south)
    for level, size in enumerate(LEVELS):
        if extent <= size:
            return level
    return len(LEVELS) - 1


def _cells(box: Box, level: int, limit: int | None = None) -> list[tuple[int, int, int]] | None:
    """Keys of the cells ``box`` touches at ``level``; None when more than ``limit`` (scan)."""
    size = LEVELS[level]
    columns = round(360.0 / size)
    i0 = math.floor((box.west + 180.0) / size)
    i1 = math.floor((box.east + 180.0) / size)
    if i1 - i0 + 1 >= columns:
        i0, i1 = 0, columns - 1
    j0 = math.floor((box.south + 90.0) / size)
    j1 = math.floor((min(box.north, 89.999999) + 90.0) / size)
    if limit is not None and (i1 - i0 + 1) * (j1 - j0 + 1) > max(8, 2 * limit):
        return None
    return [(level, i % columns, j) for i in range(i0, i1 + 1) for j in range(j0, j1 + 1)]
