"""The compiled (numba) grid sweep behind :func:`sharedsky.tactical.sweep.sweep`.

The look-ahead is cut into slices. In each slice every aircraft is placed, at the slice's
middle time, into a cubic ECEF cell whose side is the slice's search radius; a pair can only be
in reach during the slice if its two cells touch (the 13 "later" neighbours of a cell and the
cell itself, so each pair is met once per slice).
A met pair is *within reach* when its ECEF distance and its altitude difference at the
slice's middle are within the slice's radii (within reach implies touching cells). A pair within
reach in several slices is evaluated once, in the first: the times at which a pair is within
reach form one interval (a convex function of time below an affine one), so on meeting it in
slice ``k`` the kernel re-tests only slice ``k − 1``, with the same floating-point operations.
Rounding could still make a pair pass twice; the caller drops repeats.

The exact pair test is written out in scalar form here; it is the same mathematics as the
vectorized :func:`sharedsky.tactical.sweep.evaluate_pairs` (the tests compare them).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["grid_sweep"]

Floats = npt.NDArray[np.float64]

_BIAS = 1 << 20
_MASK = (1 << 21) - 1


def _pack(cx: int, cy: int, cz: int) -> int:
    return ((cx + _BIAS) << 42) | ((cy + _BIAS) << 21) | (cz + _BIAS)


def _columns() -> npt.NDArray[np.int64]:
    """Key ranges, relative to a cell's key, of the cells met after it.

    A column (dx, dy) of three cells stacked in z is one contiguous key range. The cells after
    (0, 0, 0) in lexicographic order are the cell itself (its later members), the cell above,
    and the four whole columns (0, 1), (1, −1), (1, 0), (1, 1).
    """
    origin = _pack(0, 0, 0)
    rows = [(0, 1)]
    for dx, dy in ((0, 1), (1, -1), (1, 0), (1, 1)):
        rows.append((_pack(dx, dy, -1) - origin, _pack(dx, dy, 1) - origin))
    return np.array(rows, dtype=np.int64)


_COLUMNS = _columns()


def _interval(s: float, v: float, limit: float) -> tuple[float, float]:
    if v == 0.0:
        if abs(s) < limit:
            return -math.inf, math.inf
        return math.inf, -math.inf
    t1 = (-limit - s) / v
    t2 = (limit - s) / v
    return min(t1, t2), max(t1, t2)


def _disc(sx: float, sy: float, vx: float, vy: float, limit: float) -> tuple[float, float]:
    a = vx * vx + vy * vy
    half_b = sx * vx + sy * vy
    c = sx * sx + sy * sy - limit * limit
    if a == 0.0:
        if c < 0.0:
            return -math.inf, math.inf
        return math.inf, -math.inf
    disc = half_b * half_b - a * c
    if not disc > 0.0:
        return math.inf, -math.inf
    q = -(half_b + math.copysign(math.sqrt(disc), half_b))
    t1 = q / a
    t2 = c / q
    return min(t1, t2), max(t1, t2)


def _evaluate(
    i: int,
    j: int,
    pos: Floats,
    vel: Floats,
    up: Floats,
    alt: Floats,
    vz: Floats,
    level: npt.NDArray[np.bool_],
    party: npt.NDArray[np.intp],
    hsep_t: Floats,
    vsep_t: Floats,
    tolerance: float,
    lookahead: float,
    out: Floats,
) -> int:
    """Fill ``out`` with (t_in, t_out, tcpa, dcpa, vmiss, h_now, v_now); bit 1 = conflict,
    bit 2 = loss now."""
    # The vertical test first: it is cheap and most pairs within reach fail it.
    sz = alt[i] - alt[j]
    rz = vz[i] - vz[j]
    vsep = vsep_t[party[i], party[j]]
    if level[i] and level[j]:
        vsep -= tolerance
    v_lo, v_hi = _interval(sz, rz, vsep)
    if not (v_lo < lookahead and v_hi > 0.0):
        return 0
    nx = up[i, 0] + up[j, 0]
    ny = up[i, 1] + up[j, 1]
    nz = up[i, 2] + up[j, 2]
    inverse = 1.0 / math.sqrt(nx * nx + ny * ny + nz * nz)
    nx *= inverse
    ny *= inverse
    nz *= inverse
    enorm = math.sqrt(nx * nx + ny * ny)
    if enorm < 1e-12:
        ex, ey = 1.0, 0.0
    else:
        ex, ey = -ny / enorm, nx / enorm
    # north = normal × east (east has no z component)
    qx = -nz * ey
    qy = nz * ex
    qz = nx * ey - ny * ex
    dx = pos[i, 0] - pos[j, 0]
    dy = pos[i, 1] - pos[j, 1]
    dz = pos[i, 2] - pos[j, 2]
    wx = vel[i, 0] - vel[j, 0]
    wy = vel[i, 1] - vel[j, 1]
    wz = vel[i, 2] - vel[j, 2]
    sx = dx * ex + dy * ey
    sy = dx * qx + dy * qy + dz * qz
    vx = wx * ex + wy * ey
    vy = wx * qx + wy * qy + wz * qz
    hsep = hsep_t[party[i], party[j]]
    h_lo, h_hi = _disc(sx, sy, vx, vy, hsep)
    t_in = max(max(h_lo, v_lo), 0.0)
    t_out = min(h_hi, v_hi)
    h_now = math.sqrt(sx * sx + sy * sy)
    v_now = abs(sz)
    flags = 0
    if t_in < t_out and t_in < lookahead:
        flags |= 1
    if h_now < hsep and v_now < vsep:
        flags |= 2
    speed2 = vx * vx + vy * vy
    tcpa = -(sx * vx + sy * vy) / speed2 if speed2 > 0.0 else 0.0
    tcpa = max(tcpa, 0.0)
    out[0] = t_in
    out[1] = t_out
    out[2] = tcpa
    cx = sx + vx * tcpa
    cy = sy + vy * tcpa
    out[3] = math.sqrt(cx * cx + cy * cy)
    out[4] = abs(sz + rz * tcpa)
    out[5] = h_now
    out[6] = v_now
    return flags


def _within_reach(a: int, b: int, k: int, q: Floats, z: Floats) -> bool:
    """The slice-``k`` predicate, in the inner loop's operations: scaled ECEF distance and
    altitude difference both at most 1."""
    if abs(z[k, a] - z[k, b]) > 1.0:
        return False
    dx = q[k, a, 0] - q[k, b, 0]
    dy = q[k, a, 1] - q[k, b, 1]
    dw = q[k, a, 2] - q[k, b, 2]
    return bool(dx * dx + dy * dy + dw * dw <= 1.0)


def _scaled(
    pos: Floats,
    vel: Floats,
    alt: Floats,
    vz: Floats,
    t_mid: Floats,
    radius_h: Floats,
    radius_v: Floats,
) -> tuple[Floats, Floats]:
    """Positions at each slice's middle in units of that slice's radii.

    The reach predicate is |difference| <= 1 on every axis; computing these once makes the
    re-test of slice ``k − 1`` bit-identical to slice ``k − 1``'s own test.
    """
    slices = t_mid.shape[0]
    n = alt.shape[0]
    q = np.empty((slices, n, 3), dtype=np.float64)
    z = np.empty((slices, n), dtype=np.float64)
    for k in range(slices):
        for a in range(n):
            for axis in range(3):
                q[k, a, axis] = (pos[a, axis] + vel[a, axis] * t_mid[k]) / radius_h[k]
            z[k, a] = (alt[a] + vz[a] * t_mid[k]) / radius_v[k]
    return q, z


def _slice(
    k: int,
    q: Floats,
    z: Floats,
    pos: Floats,
    vel: Floats,
    up: Floats,
    alt: Floats,
    vz: Floats,
    level: npt.NDArray[np.bool_],
    party: npt.NDArray[np.intp],
    hsep_t: Floats,
    vsep_t: Floats,
    tolerance: float,
    lookahead: float,
    columns: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], Floats, npt.NDArray[np.int64], int]:
    """The pairs first within reach in slice ``k``, evaluated exactly (hits only)."""
    n = alt.shape[0]
    capacity = 1024
    pairs = np.empty((capacity, 2), dtype=np.int64)
    values = np.empty((capacity, 7), dtype=np.float64)
    flags_out = np.empty(capacity, dtype=np.int64)
    found = 0
    evaluated = 0
    scratch = np.empty(7, dtype=np.float64)
    keys = np.empty(n, dtype=np.int64)
    qs = np.empty((n, 4), dtype=np.float64)
    for a in range(n):
        keys[a] = _pack(math.floor(q[k, a, 0]), math.floor(q[k, a, 1]), math.floor(q[k, a, 2]))
    order = np.argsort(keys)
    sorted_keys = keys[order]
    # Members of a cell are contiguous in ``qs``, so the inner loop reads memory in order.
    for m in range(n):
        b = order[m]
        qs[m, 0] = z[k, b]
        qs[m, 1] = q[k, b, 0]
        qs[m, 2] = q[k, b, 1]
        qs[m, 3] = q[k, b, 2]
    first = np.zeros(columns.shape[0], dtype=np.int64)
    last = np.zeros(columns.shape[0], dtype=np.int64)
    for s in range(n):
        a = order[s]
        key = sorted_keys[s]
        za, xa, ya, wa = qs[s, 0], qs[s, 1], qs[s, 2], qs[s, 3]
        for c in range(columns.shape[0]):
            # Packing is linear, so a column's key range moves up with ``key``: each
            # column's bounds only ever advance (a merge, no search).
            low = key + columns[c, 0]
            high = key + columns[c, 1]
            while first[c] < n and sorted_keys[first[c]] < low:
                first[c] += 1
            if last[c] < first[c]:
                last[c] = first[c]
            while last[c] < n and sorted_keys[last[c]] <= high:
                last[c] += 1
            lo = max(first[c], s + 1)
            hi = last[c]
            for m in range(lo, hi):
                if abs(za - qs[m, 0]) > 1.0:
                    continue
                dx = xa - qs[m, 1]
                dy = ya - qs[m, 2]
                dw = wa - qs[m, 3]
                if dx * dx + dy * dy + dw * dw > 1.0:
                    continue
                b = order[m]
                if k > 0 and _within_reach(a, b, k - 1, q, z):
                    continue
                i, j = (a, b) if a < b else (b, a)
                evaluated += 1
                flags = _evaluate(
                    i,
                    j,
                    pos,
                    vel,
                    up,
                    alt,
                    vz,
                    level,
                    party,
                    hsep_t,
                    vsep_t,
                    tolerance,
                    lookahead,
                    scratch,
                )
                if flags == 0:
                    continue
                if found == capacity:
                    capacity *= 2
                    grown_pairs = np.empty((capacity, 2), dtype=np.int64)
                    grown_pairs[:found] = pairs[:found]
                    pairs = grown_pairs
                    grown_values = np.empty((capacity, 7), dtype=np.float64)
                    grown_values[:found] = values[:found]
                    values = grown_values
                    grown_flags = np.empty(capacity, dtype=np.int64)
                    grown_flags[:found] = flags_out[:found]
                    flags_out = grown_flags
                pairs[found, 0] = i
                pairs[found, 1] = j
                values[found, :] = scratch
                flags_out[found] = flags
                found += 1
    return pairs[:found], values[:found], flags_out[:found], evaluated


_jit = numba.njit(cache=True, nogil=True, error_model="numpy")
_pack = _jit(_pack)
_interval = _jit(_interval)
_disc = _jit(_disc)
_evaluate = _jit(_evaluate)
_within_reach = _jit(_within_reach)
_scaled_compiled = cast(Callable[..., tuple[Floats, Floats]], _jit(_scaled))
_slice_compiled = cast(Callable[..., Any], _jit(_slice))

Hits = tuple[npt.NDArray[np.int64], Floats, npt.NDArray[np.int64], int]


def grid_sweep(
    pos: Floats,
    vel: Floats,
    up: Floats,
    alt: Floats,
    vz: Floats,
    level: npt.NDArray[np.bool_],
    party: npt.NDArray[np.intp],
    hsep_t: Floats,
    vsep_t: Floats,
    tolerance: float,
    lookahead: float,
    t_mid: Floats,
    radius_h: Floats,
    radius_v: Floats,
    *,
    workers: int = 1,
) -> Hits:
    """Pairs ``(i, j)``, ``i < j``, in conflict or loss, with their 7 values and flags
    (bit 1 conflict, bit 2 loss now), and how many pairs were evaluated exactly.

    Slices are independent once the scaled positions exist, and the compiled code releases
    the GIL, so ``workers`` threads sweep slices side by side.
    """
    q, z = _scaled_compiled(pos, vel, alt, vz, t_mid, radius_h, radius_v)

    def one(k: int) -> Hits:
        return cast(
            Hits,
            _slice_compiled(
                k,
                q,
                z,
                pos,
                vel,
                up,
                alt,
                vz,
                level,
                party,
                hsep_t,
                vsep_t,
                float(tolerance),
                float(lookahead),
                _COLUMNS,
            ),
        )

    slices = range(len(t_mid))
    if workers > 1 and len(t_mid) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(one, slices))
    else:
        parts = [one(k) for k in slices]
    return (
        np.concatenate([p[0] for p in parts]).reshape(-1, 2),
        np.concatenate([p[1] for p in parts]).reshape(-1, 7),
        np.concatenate([p[2] for p in parts]),
        sum(p[3] for p in parts),
    )
