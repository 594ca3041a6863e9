"""The spatio-temporal index of declared volumes: a hierarchical longitude/latitude grid.

Each volume is registered at the finest level whose cells are at least as large as its
longitude/latitude box, in the (at most four) cells that box touches; a query visits, at each
level that holds volumes, the cells its box touches, and filters the volumes it meets there on
columnar arrays (conservative ECEF boxes, altitude band, time window). Longitudes wrap, so
boxes across the antimeridian need no special case; boxes near a pole take the whole circle of
longitude.

Costs: ``add`` and ``remove`` touch at most four cells, O(1); a query visits O(L) cells for
L = :data:`LEVELS` levels (more only for query boxes much larger than the volumes they meet,
where a level's volumes are scanned instead) plus O(k) for the k volumes registered in them.
Nothing here knows about operations, parties or priorities: the caller maps slots to its own
records.

The grid lives in numpy arrays walked by compiled (numba) kernels: an open-addressing hash
table from cell to the first of its entries, doubly linked lists of entries per cell and of
slots per level. A query is a single compiled call, so its cost does not grow with the
Python-level work per candidate that sets and fancy indexing would add.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numba
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


# --- compiled kernels --------------------------------------------------------------------------

# The GIL is kept: a query marks the slots it meets in a shared array, so two queries must
# not interleave.
_jit = numba.njit(cache=True)

_EMPTY = -1
_GONE = -2
"""Hash-table keys of never-used and of emptied positions (cell keys are non-negative)."""
_MIX = -7046029254386353131
"""2⁶⁴ / φ as a signed 64-bit integer (Fibonacci hashing)."""
_PER_SLOT = 4
"""A volume's box touches at most four cells of its level."""


def _cell_range(
    west: float, east: float, south: float, north: float, level: int
) -> tuple[int, int, int, int, int]:
    """Columns of ``level`` and the column and row ranges its cells under the box span."""
    size = 0.125 * 2.0**level
    columns = int(np.rint(360.0 / size))
    i0 = int(np.floor((west + 180.0) / size))
    i1 = int(np.floor((east + 180.0) / size))
    if i1 - i0 + 1 >= columns:
        i0, i1 = 0, columns - 1
    j0 = int(np.floor((south + 90.0) / size))
    j1 = int(np.floor((min(north, 89.999999) + 90.0) / size))
    return columns, i0, i1, j0, j1


def _key(level: int, i: int, j: int, columns: int) -> int:
    return (level << 40) | ((i % columns) << 20) | j


def _find(keys: IntArray, key: int) -> int:
    """Position of ``key`` in the hash table, or -1."""
    mask = len(keys) - 1
    h = ((key * _MIX) >> 29) & mask
    while keys[h] != _EMPTY:
        if keys[h] == key:
            return h
        h = (h + 1) & mask
    return -1


def _place(keys: IntArray, key: int) -> int:
    """Position where ``key`` is or may go (the first emptied position on its probe path)."""
    mask = len(keys) - 1
    h = ((key * _MIX) >> 29) & mask
    free = -1
    while keys[h] != _EMPTY:
        if keys[h] == key:
            return h
        if keys[h] == _GONE and free < 0:
            free = h
        h = (h + 1) & mask
    return h if free < 0 else free


def _rehash(keys: IntArray, heads: IntArray, new_keys: IntArray, new_heads: IntArray) -> None:
    for h in range(len(keys)):
        if keys[h] >= 0:
            at = _place(new_keys, keys[h])
            new_keys[at], new_heads[at] = keys[h], heads[h]


def _link(
    keys: IntArray,
    heads: IntArray,
    counts: IntArray,
    entry_key: IntArray,
    entry_next: IntArray,
    entry_prev: IntArray,
    slot: int,
    level: int,
    west: float,
    east: float,
    south: float,
    north: float,
) -> None:
    """Put ``slot`` at the head of the list of each cell its box touches at ``level``.

    ``counts`` holds the live and emptied positions of the table (the caller keeps room for
    four more)."""
    columns, i0, i1, j0, j1 = _cell_range(west, east, south, north, level)
    entry = slot * _PER_SLOT
    for i in range(i0, i1 + 1):
        for j in range(j0, j1 + 1):
            key = _key(level, i, j, columns)
            at = _place(keys, key)
            if keys[at] == key:
                first = heads[at]
                entry_prev[first] = entry
            else:
                if keys[at] == _GONE:
                    counts[1] -= 1
                counts[0] += 1
                keys[at] = key
                first = -1
            heads[at] = entry
            entry_key[entry], entry_next[entry], entry_prev[entry] = key, first, -1
            entry += 1


def _unlink(
    keys: IntArray,
    heads: IntArray,
    counts: IntArray,
    entry_key: IntArray,
    entry_next: IntArray,
    entry_prev: IntArray,
    slot: int,
) -> None:
    """Take ``slot`` out of its cells' lists, emptying the positions of cells left empty."""
    for entry in range(slot * _PER_SLOT, (slot + 1) * _PER_SLOT):
        key = entry_key[entry]
        if key < 0:
            continue
        after, before = entry_next[entry], entry_prev[entry]
        if after >= 0:
            entry_prev[after] = before
        if before >= 0:
            entry_next[before] = after
        else:
            at = _find(keys, key)
            if after >= 0:
                heads[at] = after
            else:
                keys[at] = _GONE
                counts[0] -= 1
                counts[1] += 1
        entry_key[entry] = -1


def _query(
    keys: IntArray,
    heads: IntArray,
    entry_next: IntArray,
    level_head: IntArray,
    level_count: IntArray,
    slot_next: IntArray,
    seen: IntArray,
    counts: IntArray,
    ecef_min: Array,
    ecef_max: Array,
    bands: Array,
    west: float,
    east: float,
    south: float,
    north: float,
    box_min: Array,
    box_max: Array,
    z0: float,
    z1: float,
    t0: float,
    t1: float,
) -> IntArray:
    """Slots registered in the cells the box touches whose box, band and window meet the
    query's, sorted. A level whose touched cells outnumber max(8, twice its volumes) has its
    volumes scanned instead. ``bands`` holds z0, z1, t0, t1 by slot; ``seen`` marks the slots
    met in this query (its number, counted in ``counts[2]``) so that each is tested once."""
    counts[2] += 1
    stamp = counts[2]
    out = np.empty(64, dtype=np.int64)
    n = 0
    entry = -1
    for level in range(len(level_count)):
        count = level_count[level]
        if count == 0:
            continue
        columns, i0, i1, j0, j1 = _cell_range(west, east, south, north, level)
        scan = (i1 - i0 + 1) * (j1 - j0 + 1) > max(8, 2 * count)
        cells = 1 if scan else (i1 - i0 + 1) * (j1 - j0 + 1)
        for c in range(cells):
            if scan:
                slot = level_head[level]
            else:
                at = _find(
                    keys, _key(level, i0 + c // (j1 - j0 + 1), j0 + c % (j1 - j0 + 1), columns)
                )
                entry = heads[at] if at >= 0 else -1
                slot = entry // _PER_SLOT if entry >= 0 else -1
            while slot >= 0:
                if seen[slot] != stamp:
                    seen[slot] = stamp
                    if (
                        bands[slot, 2] <= t1
                        and bands[slot, 3] >= t0
                        and bands[slot, 0] <= z1
                        and bands[slot, 1] >= z0
                        and ecef_min[slot, 0] <= box_max[0]
                        and ecef_min[slot, 1] <= box_max[1]
                        and ecef_min[slot, 2] <= box_max[2]
                        and ecef_max[slot, 0] >= box_min[0]
                        and ecef_max[slot, 1] >= box_min[1]
                        and ecef_max[slot, 2] >= box_min[2]
                    ):
                        if n == len(out):
                            out = np.concatenate((out, np.empty(n, dtype=np.int64)))
                        out[n] = slot
                        n += 1
                if scan:
                    slot = slot_next[slot]
                else:
                    entry = entry_next[entry]
                    slot = entry // _PER_SLOT if entry >= 0 else -1
    return np.sort(out[:n])


_cell_range = _jit(_cell_range)
_key = _jit(_key)
_find = _jit(_find)
_place = _jit(_place)
_rehash_compiled = cast(Callable[..., None], _jit(_rehash))
_link_compiled = cast(Callable[..., None], _jit(_link))
_unlink_compiled = cast(Callable[..., None], _jit(_unlink))
_query_compiled = cast(Callable[..., IntArray], _jit(_query))


# --- the index ---------------------------------------------------------------------------------


class VolumeIndex:
    """Volumes (footprint box, altitude band, time window) under integer slots.

    Altitudes are metres in one frame chosen by the caller; times are seconds (any epoch).
    """

    def __init__(self, capacity: int = 1024) -> None:
        self._free: list[int] = []
        self._used = 0
        self._level_of: dict[int, int] = {}
        self._level_count = np.zeros(len(LEVELS), dtype=np.int64)
        self._level_head = np.full(len(LEVELS), -1, dtype=np.int64)
        # Live and emptied positions of the hash table, queries made.
        self._counts = np.zeros(3, dtype=np.int64)
        self._keys = np.full(4 * capacity, _EMPTY, dtype=np.int64)
        self._heads = np.full(4 * capacity, -1, dtype=np.int64)
        self._ecef_min = np.zeros((capacity, 3))
        self._ecef_max = np.zeros((capacity, 3))
        self._bands = np.zeros((capacity, 4))
        self._slot_next = np.full(capacity, -1, dtype=np.int64)
        self._slot_prev = np.full(capacity, -1, dtype=np.int64)
        self._seen = np.zeros(capacity, dtype=np.int64)
        self._entry_key = np.full(_PER_SLOT * capacity, -1, dtype=np.int64)
        self._entry_next = np.full(_PER_SLOT * capacity, -1, dtype=np.int64)
        self._entry_prev = np.full(_PER_SLOT * capacity, -1, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._level_of)

    def add(self, box: Box, z0: float, z1: float, t0: float, t1: float) -> int:
        """Store a volume; returns its slot."""
        if self._free:
            slot = self._free.pop()
        else:
            if self._used == len(self._seen):
                self._grow()
            slot = self._used
            self._used += 1
        self._ecef_min[slot], self._ecef_max[slot] = box.ecef_min, box.ecef_max
        self._bands[slot] = z0, z1, t0, t1
        level = _level_for(box)
        if 2 * (int(self._counts[0] + self._counts[1]) + _PER_SLOT) > len(self._keys):
            self._resize()
        _link_compiled(
            self._keys,
            self._heads,
            self._counts,
            self._entry_key,
            self._entry_next,
            self._entry_prev,
            slot,
            level,
            box.west,
            box.east,
            box.south,
            box.north,
        )
        first = int(self._level_head[level])
        self._slot_next[slot], self._slot_prev[slot] = first, -1
        if first >= 0:
            self._slot_prev[first] = slot
        self._level_head[level] = slot
        self._level_count[level] += 1
        self._level_of[slot] = level
        return slot

    def remove(self, slot: int) -> None:
        level = self._level_of.pop(slot)
        _unlink_compiled(
            self._keys,
            self._heads,
            self._counts,
            self._entry_key,
            self._entry_next,
            self._entry_prev,
            slot,
        )
        after, before = int(self._slot_next[slot]), int(self._slot_prev[slot])
        if after >= 0:
            self._slot_prev[after] = before
        if before >= 0:
            self._slot_next[before] = after
        else:
            self._level_head[level] = after
        self._level_count[level] -= 1
        self._free.append(slot)

    def query(self, box: Box, z0: float, z1: float, t0: float, t1: float) -> IntArray:
        """Slots whose box, band and window meet the query's (closed intervals), sorted."""
        return _query_compiled(
            self._keys,
            self._heads,
            self._entry_next,
            self._level_head,
            self._level_count,
            self._slot_next,
            self._seen,
            self._counts,
            self._ecef_min,
            self._ecef_max,
            self._bands,
            box.west,
            box.east,
            box.south,
            box.north,
            np.asarray(box.ecef_min, dtype=np.float64),
            np.asarray(box.ecef_max, dtype=np.float64),
            float(z0),
            float(z1),
            float(t0),
            float(t1),
        )

    def _grow(self) -> None:
        for name in (
            "_ecef_min",
            "_ecef_max",
            "_bands",
            "_slot_next",
            "_slot_prev",
            "_seen",
            "_entry_key",
            "_entry_next",
            "_entry_prev",
        ):
            old = getattr(self, name)
            new = np.full((len(old) * 2, *old.shape[1:]), -1, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def _resize(self) -> None:
        """A table twice the live cells' room (emptied positions are dropped)."""
        size = len(self._keys)
        while 4 * (int(self._counts[0]) + _PER_SLOT) > size:
            size *= 2
        keys = np.full(size, _EMPTY, dtype=np.int64)
        heads = np.full(size, -1, dtype=np.int64)
        _rehash_compiled(self._keys, self._heads, keys, heads)
        self._keys, self._heads = keys, heads
        self._counts[1] = 0


def _level_for(box: Box) -> int:
    extent = max(box.east - box.west, box.north - box.south)
    for level, size in enumerate(LEVELS):
        if extent <= size:
            return level
    return len(LEVELS) - 1
