"""Compiled (numba) kernels behind the exact gap computations of :mod:`sharedsky.geo.distance`.

They replace numpy and shapely calls whose per-call overhead dominates on the small arrays a
check handles. Each kernel either computes a conservative bound (used only to skip work whose
outcome is already decided) or repeats, operation for operation, what it replaces; the tests
(``tests/test_strategic_kernels.py``) compare each with the plain code path.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import cast

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["angles_to_core"]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


def _angle(px: float, py: float, pz: float, ux: float, uy: float, uz: float) -> float:
    """Angle between unit vectors p and u (atan2 of sine and cosine: accurate at every size)."""
    cx, cy, cz = py * uz - pz * uy, pz * ux - px * uz, px * uy - py * ux
    return math.atan2(math.sqrt(cx * cx + cy * cy + cz * cz), px * ux + py * uy + pz * uz)


def _angle_to_arc(
    px: float,
    py: float,
    pz: float,
    ux: float,
    uy: float,
    uz: float,
    vx: float,
    vy: float,
    vz: float,
) -> float:
    """Angle from unit vector p to the shorter great-circle arc from u to v."""
    nx, ny, nz = uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx
    norm = math.sqrt(nx * nx + ny * ny + nz * nz)
    if norm < 1e-15:
        return _angle(px, py, pz, ux, uy, uz)
    # p's foot on the great circle lies within the arc iff it is after u and before v
    # (turning about the normal n = u × v).
    after_u = (uy * pz - uz * py) * nx + (uz * px - ux * pz) * ny + (ux * py - uy * px) * nz
    before_v = (py * vz - pz * vy) * nx + (pz * vx - px * vz) * ny + (px * vy - py * vx) * nz
    if after_u >= 0.0 and before_v >= 0.0:
        return math.asin(min(abs(px * nx + py * ny + pz * nz) / norm, 1.0))
    return min(_angle(px, py, pz, ux, uy, uz), _angle(px, py, pz, vx, vy, vz))


def _angles_to_core(
    units: Floats, starts: Ints, lengths: Ints, points: Floats, enough: Floats
) -> Floats:
    """For each of ``points`` (unit vectors), its angle to a core drawn as great-circle arcs
    between consecutive ``units`` within each piece (``starts``, ``lengths``; a piece of one
    point is that point). The search for a point stops once an arc is within its ``enough``:
    the value returned is then some angle at most ``enough``, not the least."""
    out = np.empty(len(points))
    for k in range(len(points)):
        px, py, pz = points[k, 0], points[k, 1], points[k, 2]
        best = math.inf
        for piece in range(len(starts)):
            s = starts[piece]
            if lengths[piece] == 1:
                best = min(best, _angle(px, py, pz, units[s, 0], units[s, 1], units[s, 2]))
            for i in range(s, s + lengths[piece] - 1):
                best = min(
                    best,
                    _angle_to_arc(
                        px,
                        py,
                        pz,
                        units[i, 0],
                        units[i, 1],
                        units[i, 2],
                        units[i + 1, 0],
                        units[i + 1, 1],
                        units[i + 1, 2],
                    ),
                )
                if best <= enough[k]:
                    break
            if best <= enough[k]:
                break
        out[k] = best
    return out


_jit = numba.njit(cache=True, nogil=True, error_model="numpy")
_angle = _jit(_angle)
_angle_to_arc = _jit(_angle_to_arc)
_angles_to_core_compiled = cast(Callable[..., Floats], _jit(_angles_to_core))


def angles_to_core(
    units: Floats, starts: Ints, lengths: Ints, points: Floats, enough: Floats
) -> Floats:
    """Compiled :func:`_angles_to_core` (see there)."""
    return _angles_to_core_compiled(units, starts, lengths, points, enough)
