"""The conflict sweep: every pair of aircraft predicted to lose separation within a look-ahead.

The model (one per pair, symmetric in the two aircraft):

* Positions are WGS-84 surface points in Earth-centred Earth-fixed (ECEF) metres; altitude is
  carried separately. Each aircraft flies straight at constant velocity: horizontally along the
  tangent of its course at its position (ground speed, track), vertically at its vertical rate.
* A pair's relative position and both velocities are expressed in **one tangent plane**, the one
  at the midpoint of the two aircraft (normal = the bisector of their two ellipsoid normals), by
  orthographic projection. Projection is linear, so the relative horizontal position at time
  ``t`` is the projection of ``Δp + Δv·t``: no per-aircraft flat-earth approximation, meridian
  convergence is exact for aircraft far apart, and the date line needs no special case.
* A loss of separation is a horizontal distance strictly less than ``hsep`` *and* a vertical
  distance strictly less than ``vsep`` (the pair's minima from the :class:`SeparationPolicy`).
  Both conditions hold on open time intervals (the roots of a quadratic and of a line); their
  intersection is the violation ``(t_in, t_out)``. A pair is in conflict when it meets
  ``[0, lookahead)``: ``t_in`` is clipped at 0 (already in loss), ``t_out`` is not clipped.
* With a :class:`LevelFlight` rule, level aircraft are extrapolated level and two level aircraft
  need to be reported closer than ``vsep − tolerance`` to count as a vertical loss.
* Vertical distances within 1 µm of the minimum count as equal to it (not a loss): altitudes
  converted from feet do not subtract exactly, and "exactly 1,000 ft apart" must stay separated.

Float ties: a pair whose closest horizontal approach equals ``hsep`` to within rounding (the
quadratic's discriminant is ~0) or whose vertical distance equals ``vsep`` exactly may go either
way; such pairs touch the minima without losing them, and tests keep away from them.

The fast path never evaluates all pairs: the look-ahead is cut into slices, and in each slice
a grid of ECEF cells at the slice's middle time (:mod:`sharedsky.tactical.sweep_kernel`,
compiled) finds the pairs that can be within reach during the slice, with a margin that bounds
the difference between the 3-D chord and its projection (see :func:`_slice_radius`).
Candidates are a superset of the conflicts; each is then evaluated exactly.
:func:`evaluate_pairs` is the same exact kernel, vectorized, for any list of pairs:
:func:`sweep_all_pairs` uses it on every pair.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from sharedsky.errors import InvalidInput
from sharedsky.geo.ellipsoid import A_M, B_M, ecef_from_lonlat
from sharedsky.tactical.separation import LevelFlight, SeparationPolicy
from sharedsky.tactical.states import AircraftStates
from sharedsky.tactical.sweep_kernel import grid_sweep

__all__ = [
    "Conflicts",
    "Losses",
    "PreparedStates",
    "SweepResult",
    "SweepSettings",
    "evaluate_pairs",
    "prepare",
    "sweep",
    "sweep_all_pairs",
    "warm_up",
]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]

VERTICAL_ROUNDING_M = 1e-6

# The smallest radius of curvature of the ellipsoid (b²/a, at the equator north–south): the
# angle between two surface normals is at most the arc between them divided by it.
_MIN_CURVATURE_RADIUS_M = B_M * B_M / A_M


@dataclass(frozen=True, slots=True)
class SweepSettings:
    """What a sweep looks for: look-ahead, minima per pair of parties, the level-flight rule."""

    lookahead_s: float = 300.0
    policy: SeparationPolicy = field(default_factory=SeparationPolicy)
    level: LevelFlight | None = field(default_factory=LevelFlight)
    workers: int = 2

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise InvalidInput.one("workers", f"needs at least 1 worker, got {self.workers!r}")
        if not (math.isfinite(self.lookahead_s) and self.lookahead_s >= 0):
            raise InvalidInput.one(
                "lookahead_s",
                f"the look-ahead must be a finite time >= 0, got {self.lookahead_s!r}",
            )


class Conflicts(NamedTuple):
    """Pairs predicted to lose separation, one row per unordered pair (``a < b`` by row).

    Times are seconds from the snapshot time: ``t_in`` (0 when already in loss), ``t_out``
    (``inf`` when the pair never regains separation on its straight lines), ``tcpa`` (time of
    the closest horizontal approach, at least 0); ``dcpa_m`` the horizontal distance then and
    ``vmiss_m`` the vertical distance then.
    """

    a: Ints
    b: Ints
    t_in: Floats
    t_out: Floats
    tcpa: Floats
    dcpa_m: Floats
    vmiss_m: Floats


class Losses(NamedTuple):
    """Pairs in loss of separation now: horizontal and vertical distance in metres."""

    a: Ints
    b: Ints
    h_m: Floats
    v_m: Floats


@dataclass(frozen=True, slots=True)
class SweepResult:
    """A sweep's findings; rows index the snapshot it was computed from."""

    states: AircraftStates
    conflicts: Conflicts
    los: Losses
    candidates: int


@dataclass(frozen=True, slots=True)
class PreparedStates:
    """ECEF columns of a snapshot, and each pair's minima by party code."""

    position: Floats  # (N, 3) surface points, metres
    up: Floats  # (N, 3) unit ellipsoid normals
    velocity: Floats  # (N, 3) horizontal velocity, tangent at each aircraft, m/s
    alt_m: Floats
    vz_mps: Floats
    level: npt.NDArray[np.bool_]
    party: Ints
    hsep_m: Floats  # (K, K) by party code
    vsep_m: Floats
    tolerance_m: float


def prepare(states: AircraftStates, settings: SweepSettings) -> PreparedStates:
    """The columns the kernel works on (O(N))."""
    lat = np.radians(states.lat_deg)
    lon = np.radians(states.lon_deg)
    track = np.radians(states.track_deg)
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    sin_lon, cos_lon = np.sin(lon), np.cos(lon)
    up = np.stack([cos_lat * cos_lon, cos_lat * sin_lon, sin_lat], axis=-1)
    east = np.stack([-sin_lon, cos_lon, np.zeros_like(lon)], axis=-1)
    north = np.stack([-sin_lat * cos_lon, -sin_lat * sin_lon, cos_lat], axis=-1)
    east_speed = states.gs_mps * np.sin(track)
    north_speed = states.gs_mps * np.cos(track)
    velocity = east * east_speed[:, None] + north * north_speed[:, None]
    vz = states.vs_mps.copy()
    if settings.level is None:
        level = np.zeros(len(states), dtype=bool)
        tolerance = 0.0
    else:
        level = np.abs(vz) <= settings.level.rate_mps
        vz[level] = 0.0
        tolerance = settings.level.tolerance_m
    parties, codes = np.unique(states.party, return_inverse=True)
    hsep, vsep = settings.policy.tables([str(p) for p in parties])
    # Altitudes converted from feet do not subtract exactly: 39,000 ft − 38,000 ft comes out a
    # hair under 1,000 ft. Differences within a micrometre of the minimum count as equal to it.
    vsep = vsep - VERTICAL_ROUNDING_M
    return PreparedStates(
        position=ecef_from_lonlat(states.lon_deg, states.lat_deg),
        up=up,
        velocity=velocity,
        alt_m=states.alt_m,
        vz_mps=vz,
        level=level,
        party=codes.astype(np.intp),
        hsep_m=hsep,
        vsep_m=vsep,
        tolerance_m=tolerance,
    )


def _open_interval(s: Floats, v: Floats, limit: Floats) -> tuple[Floats, Floats]:
    """Times where ``|s + v·t| < limit`` for scalars per row (a vertical separation)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t1 = (-limit - s) / v
        t2 = (limit - s) / v
    lo = np.minimum(t1, t2)
    hi = np.maximum(t1, t2)
    still = v == 0.0
    inside = np.abs(s) < limit
    lo = np.where(still, np.where(inside, -np.inf, np.inf), lo)
    hi = np.where(still, np.where(inside, np.inf, -np.inf), hi)
    return lo, hi


def _disc_interval(
    sx: Floats, sy: Floats, vx: Floats, vy: Floats, limit: Floats
) -> tuple[Floats, Floats]:
    """Times where ``|s + v·t| < limit`` in the plane: between the quadratic's roots."""
    a = vx * vx + vy * vy
    half_b = sx * vx + sy * vy
    c = sx * sx + sy * sy - limit * limit
    disc = half_b * half_b - a * c
    root = np.sqrt(np.maximum(disc, 0.0))
    # The root of larger magnitude from -b ± sqrt(disc), the other through Vieta (no
    # cancellation when the two aircraft pass far from each other at speed).
    q = -(half_b + np.copysign(root, half_b))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t1 = q / a
        t2 = c / q
    lo = np.minimum(t1, t2)
    hi = np.maximum(t1, t2)
    crossing = disc > 0.0
    lo = np.where(crossing, lo, np.inf)
    hi = np.where(crossing, hi, -np.inf)
    still = a == 0.0
    inside = c < 0.0
    lo = np.where(still, np.where(inside, -np.inf, np.inf), lo)
    hi = np.where(still, np.where(inside, np.inf, -np.inf), hi)
    return lo, hi


class _PairFrames(NamedTuple):
    sx: Floats
    sy: Floats
    vx: Floats
    vy: Floats
    sz: Floats
    vz: Floats
    hsep: Floats
    vsep: Floats


def _pair_frames(prep: PreparedStates, i: Ints, j: Ints) -> _PairFrames:
    """Relative state of each pair (``i`` minus ``j``) in the tangent plane at its midpoint.

    The operations are those of the compiled kernel, in the same order, so that both give the
    same floats.
    """
    nx = prep.up[i, 0] + prep.up[j, 0]
    ny = prep.up[i, 1] + prep.up[j, 1]
    nz = prep.up[i, 2] + prep.up[j, 2]
    inverse = 1.0 / np.sqrt(nx * nx + ny * ny + nz * nz)
    nx, ny, nz = nx * inverse, ny * inverse, nz * inverse
    enorm = np.sqrt(nx * nx + ny * ny)
    # At a pole any horizontal direction serves as east.
    polar = enorm < 1e-12
    safe = np.where(polar, 1.0, enorm)
    ex = np.where(polar, 1.0, -ny / safe)
    ey = np.where(polar, 0.0, nx / safe)
    qx, qy, qz = -nz * ey, nz * ex, nx * ey - ny * ex
    d = prep.position[i] - prep.position[j]
    dv = prep.velocity[i] - prep.velocity[j]
    ci, cj = prep.party[i], prep.party[j]
    vsep = prep.vsep_m[ci, cj]
    both_level = prep.level[i] & prep.level[j]
    return _PairFrames(
        sx=d[:, 0] * ex + d[:, 1] * ey,
        sy=d[:, 0] * qx + d[:, 1] * qy + d[:, 2] * qz,
        vx=dv[:, 0] * ex + dv[:, 1] * ey,
        vy=dv[:, 0] * qx + dv[:, 1] * qy + dv[:, 2] * qz,
        sz=prep.alt_m[i] - prep.alt_m[j],
        vz=prep.vz_mps[i] - prep.vz_mps[j],
        hsep=prep.hsep_m[ci, cj],
        vsep=np.where(both_level, vsep - prep.tolerance_m, vsep),
    )


def evaluate_pairs(
    prep: PreparedStates, i: Ints, j: Ints, lookahead_s: float
) -> tuple[Conflicts, Losses]:
    """The exact test of the given pairs (``i < j`` elementwise), conflicts and losses now."""
    f = _pair_frames(prep, i, j)
    h_lo, h_hi = _disc_interval(f.sx, f.sy, f.vx, f.vy, f.hsep)
    v_lo, v_hi = _open_interval(f.sz, f.vz, f.vsep)
    t_in = np.maximum(np.maximum(h_lo, v_lo), 0.0)
    t_out = np.minimum(h_hi, v_hi)
    hit = (t_in < t_out) & (t_in < lookahead_s)
    h_now = np.sqrt(f.sx * f.sx + f.sy * f.sy)
    v_now = np.abs(f.sz)
    loss = (h_now < f.hsep) & (v_now < f.vsep)

    k = np.flatnonzero(hit)
    speed2 = f.vx[k] ** 2 + f.vy[k] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        tcpa = np.where(speed2 > 0, -(f.sx[k] * f.vx[k] + f.sy[k] * f.vy[k]) / speed2, 0.0)
    tcpa = np.maximum(tcpa, 0.0)
    conflicts = Conflicts(
        a=i[k],
        b=j[k],
        t_in=t_in[k],
        t_out=t_out[k],
        tcpa=tcpa,
        dcpa_m=np.sqrt((f.sx[k] + f.vx[k] * tcpa) ** 2 + (f.sy[k] + f.vy[k] * tcpa) ** 2),
        vmiss_m=np.abs(f.sz[k] + f.vz[k] * tcpa),
    )
    m = np.flatnonzero(loss)
    losses = Losses(a=i[m], b=j[m], h_m=h_now[m], v_m=v_now[m])
    return conflicts, losses


def _slice_radius(
    prep: PreparedStates, hsep: float, lookahead_s: float, t_end: float, half_width: float
) -> float:
    """How far apart (ECEF chord, any axis) two aircraft at a slice's middle can be and still
    lose horizontal separation at some time of the slice.

    The projected distance is at least the chord minus the chord's component along the pair's
    normal. That component is the initial one (zero on a sphere; on the ellipsoid at most
    ``e²·θ·d``, bounded here by ``0.01·θ·d``) plus ``t·|Δv·n|``, and each velocity is tangent at
    its own aircraft, whose normal is at most half the pair's normal angle θ away from the
    pair's. θ is bounded by the farthest two aircraft can start and still meet.
    """
    speed = float(np.sqrt(np.einsum("ij,ij->i", prep.velocity, prep.velocity)).max(initial=0.0))
    reach = hsep + 2.0 * speed * lookahead_s
    theta = 1.01 * reach / _MIN_CURVATURE_RADIUS_M
    reach += 0.01 * theta * reach + t_end * 2.0 * speed * theta
    theta = 1.01 * reach / _MIN_CURVATURE_RADIUS_M
    normal_part = 0.01 * theta * reach + t_end * 2.0 * speed * theta
    return hsep + normal_part + 2.0 * speed * half_width + 1.0


def _slices(prep: PreparedStates, lookahead_s: float) -> tuple[Floats, Floats, Floats]:
    """Middle times, horizontal and vertical search radii of the look-ahead's slices."""
    hsep = float(prep.hsep_m.max(initial=0.0))
    vsep = float(prep.vsep_m.max(initial=0.0))
    speed = float(np.sqrt(np.einsum("ij,ij->i", prep.velocity, prep.velocity)).max(initial=0.0))
    climb = float(np.abs(prep.vz_mps).max(initial=0.0))
    # Work per slice grows like (hsep + speed·width)², the number of slices like 1/width:
    # the product is least when speed·width ≈ hsep.
    count = 1 if speed == 0.0 or hsep == 0.0 else math.ceil(lookahead_s * speed / hsep)
    count = int(np.clip(count, 1, 64))
    width = lookahead_s / count
    t_mid = (np.arange(count, dtype=np.float64) + 0.5) * width
    radius_h = np.array(
        [_slice_radius(prep, hsep, lookahead_s, (k + 1) * width, width / 2) for k in range(count)],
        dtype=np.float64,
    )
    radius_v = np.full(count, vsep + climb * width + 1.0)
    return t_mid, radius_h, radius_v


def sweep(states: AircraftStates, settings: SweepSettings | None = None) -> SweepResult:
    """Every pair in conflict within the look-ahead and every pair in loss now.

    >>> head_on = AircraftStates.from_columns(time_s=0.0, ids=["a", "b"],
    ...     lat_deg=[0.0, 0.0], lon_deg=[0.0, 0.5], alt_m=[10_000.0, 10_000.0],
    ...     gs_mps=[200.0, 200.0], track_deg=[90.0, 270.0], vs_mps=[0.0, 0.0])
    >>> found = sweep(head_on).conflicts
    >>> round(float(found.t_in[0]), 1), round(float(found.tcpa[0]), 1)
    (116.0, 139.2)
    """
    settings = settings or SweepSettings()
    prep = prepare(states, settings)
    t_mid, radius_h, radius_v = _slices(prep, settings.lookahead_s)
    pairs, values, flags, evaluated = grid_sweep(
        prep.position,
        prep.velocity,
        prep.up,
        prep.alt_m,
        prep.vz_mps,
        prep.level,
        prep.party,
        prep.hsep_m,
        prep.vsep_m,
        prep.tolerance_m,
        settings.lookahead_s,
        t_mid,
        radius_h,
        radius_v,
        workers=settings.workers,
    )
    # Sorted by pair, each pair once (rounding may let the kernel meet a pair twice).
    _, first = np.unique(pairs[:, 0] * max(len(states), 1) + pairs[:, 1], return_index=True)
    pairs, values, flags = pairs[first], values[first], flags[first]
    c = (flags & 1) != 0
    n = (flags & 2) != 0
    conflicts = Conflicts(
        a=pairs[c, 0].astype(np.intp),
        b=pairs[c, 1].astype(np.intp),
        t_in=values[c, 0],
        t_out=values[c, 1],
        tcpa=values[c, 2],
        dcpa_m=values[c, 3],
        vmiss_m=values[c, 4],
    )
    los = Losses(
        a=pairs[n, 0].astype(np.intp),
        b=pairs[n, 1].astype(np.intp),
        h_m=values[n, 5],
        v_m=values[n, 6],
    )
    return SweepResult(states=states, conflicts=conflicts, los=los, candidates=evaluated)


def warm_up() -> None:
    """Load (or compile) the compiled kernel now, so that the first real sweep is not timed
    with it: numba compiles on first use and caches the machine code on disk."""
    tiny = AircraftStates.from_columns(
        time_s=0.0,
        ids=["a", "b"],
        lat_deg=[0.0, 0.0],
        lon_deg=[0.0, 0.01],
        alt_m=[0.0, 0.0],
        gs_mps=[1.0, 1.0],
        track_deg=[0.0, 0.0],
        vs_mps=[0.0, 0.0],
    )
    sweep(tiny)


def sweep_all_pairs(
    states: AircraftStates, settings: SweepSettings | None = None, *, chunk: int = 500_000
) -> SweepResult:
    """The same findings by evaluating every pair with vectorized numpy, ``chunk`` pairs at a
    time: the O(N²) algorithm of BlueSky's numpy detector, kept as the baseline and oracle."""
    settings = settings or SweepSettings()
    prep = prepare(states, settings)
    n = len(states)
    rows_per_chunk = max(1, chunk // max(n, 1))
    conflicts: list[Conflicts] = []
    losses: list[Losses] = []
    for first in range(0, max(n, 1), rows_per_chunk):
        rows = np.arange(first, min(n, first + rows_per_chunk), dtype=np.intp)
        i = np.repeat(rows, n - 1 - rows)
        j = np.concatenate([np.arange(r + 1, n, dtype=np.intp) for r in rows] or [rows])
        found, lost = evaluate_pairs(prep, i, j, settings.lookahead_s)
        conflicts.append(found)
        losses.append(lost)
    return SweepResult(
        states=states,
        conflicts=Conflicts._make(
            np.concatenate(column) for column in zip(*conflicts, strict=True)
        ),
        los=Losses._make(np.concatenate(column) for column in zip(*losses, strict=True)),
        candidates=n * (n - 1) // 2,
    )
