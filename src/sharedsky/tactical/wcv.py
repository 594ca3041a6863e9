"""DO-365 well clear as DAIDALUS computes it: the WCV_TAUMOD detector and its SUM variant.

Everything is pairwise, ownship-centric and straight-line: the intruder's state is expressed in
the ownship's tangent plane (:func:`tangent_plane`, :func:`tangent_velocity`) and then as a
:class:`RelativeState` (ownship minus intruder). The detector answers two questions:

* :func:`loses_well_clear`: is the pair out of well clear now?
* :func:`violation_interval`: over ``[0, lookahead]``, when does the loss of well clear start and
  end? (:func:`sum_violation_interval` is the same under sensor uncertainty.)

Under sensor uncertainty (SUM, :func:`sum_violation_interval`) the pair's errors, already
scaled by their z-scores (:func:`relative_errors`), make the detector conservative:

* entry: the worst-case trajectory is flown, the range shortened by the position error, the
  speed raised by the velocity error, and the velocity turned toward the ownship by the bearing
  uncertainty of the position (``asin(s_err/|s|)``) plus the direction uncertainty of the
  velocity (``asin(v_err/|v|)``; any direction once ``v_err >= |v|``);
* exit: the nominal pair leaves the disc ``|s + t v| <= DTHR + s_err + v_err t``;
* vertically: ``|s_z + t v_z| <= ZTHR + sz_err + vz_err t``.

This construction reproduces DAIDALUS's ``WCV_TAUMOD_SUM`` on the gold file to the printed
precision.

All functions broadcast over numpy columns; units are SI (metres, seconds, m/s) and angles are
degrees where named ``_deg``.

>>> thr = WcvThresholds(dthr_m=0.66 * 1852, zthr_m=450 * 0.3048, tthr_s=35.0, tcoa_s=0.0)
>>> head_on = RelativeState.from_columns(
...     sx_m=[-20_000.0], sy_m=[0.0], sz_m=[0.0], vx_mps=[200.0], vy_mps=[0.0], vz_mps=[0.0])
>>> t_in, t_out = violation_interval(head_on, thr, lookahead_s=180.0)
>>> round(float(t_in[0]), 3), round(float(t_out[0]), 3)
(63.964, 106.112)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "EARTH_RADIUS_M",
    "Metrics",
    "RelativeState",
    "SumErrors",
    "SumParameters",
    "Uncertainty",
    "WcvThresholds",
    "encounter_metrics",
    "loses_well_clear",
    "relative_errors",
    "sum_violation_interval",
    "tangent_plane",
    "tangent_velocity",
    "tau_mod",
    "violation_interval",
]

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Rows = npt.NDArray[np.bool_] | npt.NDArray[np.int64]

# DAIDALUS's spherical Earth: one minute of arc is one nautical mile.
EARTH_RADIUS_M = 1852.0 * 60.0 * 180.0 / math.pi

# Velocities are the chord of a 10 s great-circle flight, as DAIDALUS projects them: a plain
# rotation of the east/north vector misses the meridian convergence near the ownship.
_VELOCITY_STEP_S = 10.0

# SUM floors every non-zero error at this (SI) value so that no uncertainty is exactly zero.
_MIN_ERROR = 0.001


def _floats(values: npt.ArrayLike) -> Floats:
    return np.atleast_1d(np.asarray(values, dtype=np.float64))


@dataclass(frozen=True, slots=True, kw_only=True)
class WcvThresholds:
    """One WCV_TAUMOD detector: ``DTHR``, ``ZTHR`` (metres), ``TTHR``, ``TCOA`` (seconds)."""

    dthr_m: float
    zthr_m: float
    tthr_s: float
    tcoa_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RelativeState:
    """Ownship minus intruder in the ownship's tangent plane: x east, y north, z up (SI)."""

    sx_m: Floats
    sy_m: Floats
    sz_m: Floats
    vx_mps: Floats
    vy_mps: Floats
    vz_mps: Floats

    @classmethod
    def from_columns(
        cls,
        *,
        sx_m: npt.ArrayLike,
        sy_m: npt.ArrayLike,
        sz_m: npt.ArrayLike,
        vx_mps: npt.ArrayLike,
        vy_mps: npt.ArrayLike,
        vz_mps: npt.ArrayLike,
    ) -> RelativeState:
        """A relative state from array-likes, broadcast to one common shape."""
        columns = np.broadcast_arrays(
            _floats(sx_m),
            _floats(sy_m),
            _floats(sz_m),
            _floats(vx_mps),
            _floats(vy_mps),
            _floats(vz_mps),
        )
        sx, sy, sz, vx, vy, vz = (np.array(c, dtype=np.float64) for c in columns)
        return cls(sx_m=sx, sy_m=sy, sz_m=sz, vx_mps=vx, vy_mps=vy, vz_mps=vz)

    def take(self, rows: Rows) -> RelativeState:
        """The pairs selected by ``rows`` (a boolean mask or indices)."""
        return RelativeState(
            sx_m=self.sx_m[rows],
            sy_m=self.sy_m[rows],
            sz_m=self.sz_m[rows],
            vx_mps=self.vx_mps[rows],
            vy_mps=self.vy_mps[rows],
            vz_mps=self.vz_mps[rows],
        )

    def at(self, t_s: npt.ArrayLike) -> RelativeState:
        """The same pair ``t_s`` seconds later (straight lines, constant velocities)."""
        t = _floats(t_s)
        return RelativeState.from_columns(
            sx_m=self.sx_m + t * self.vx_mps,
            sy_m=self.sy_m + t * self.vy_mps,
            sz_m=self.sz_m + t * self.vz_mps,
            vx_mps=self.vx_mps,
            vy_mps=self.vy_mps,
            vz_mps=self.vz_mps,
        )


def tangent_plane(
    lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, lat0_deg: npt.ArrayLike, lon0_deg: npt.ArrayLike
) -> tuple[Floats, Floats]:
    """East/north metres of points in the orthographic projection centred on (lat0, lon0).

    The sphere has radius :data:`EARTH_RADIUS_M`; the centre maps to (0, 0).
    """
    phi, dlam = np.radians(_floats(lat_deg)), np.radians(_floats(lon_deg) - _floats(lon0_deg))
    phi0 = np.radians(_floats(lat0_deg))
    x = EARTH_RADIUS_M * np.cos(phi) * np.sin(dlam)
    y = EARTH_RADIUS_M * (np.sin(phi) * np.cos(phi0) - np.cos(phi) * np.sin(phi0) * np.cos(dlam))
    return x, y


def tangent_velocity(
    lat_deg: npt.ArrayLike,
    lon_deg: npt.ArrayLike,
    ve_mps: npt.ArrayLike,
    vn_mps: npt.ArrayLike,
    lat0_deg: npt.ArrayLike,
    lon0_deg: npt.ArrayLike,
) -> tuple[Floats, Floats]:
    """Velocity (m/s) in the plane of :func:`tangent_plane` of aircraft flying (ve, vn) east/north.

    The aircraft flies its initial course along the great circle for 10 s; both ends are
    projected and the chord is divided by 10 s.
    """
    phi, lam = np.radians(_floats(lat_deg)), np.radians(_floats(lon_deg))
    ve, vn = _floats(ve_mps), _floats(vn_mps)
    course = np.arctan2(ve, vn)
    delta = np.hypot(ve, vn) * _VELOCITY_STEP_S / EARTH_RADIUS_M
    phi2 = np.arcsin(np.sin(phi) * np.cos(delta) + np.cos(phi) * np.sin(delta) * np.cos(course))
    lam2 = lam + np.arctan2(
        np.sin(course) * np.sin(delta) * np.cos(phi), np.cos(delta) - np.sin(phi) * np.sin(phi2)
    )
    x1, y1 = tangent_plane(lat_deg, lon_deg, lat0_deg, lon0_deg)
    x2, y2 = tangent_plane(np.degrees(phi2), np.degrees(lam2), lat0_deg, lon0_deg)
    return (x2 - x1) / _VELOCITY_STEP_S, (y2 - y1) / _VELOCITY_STEP_S


def tau_mod(rel: RelativeState, dthr_m: npt.ArrayLike) -> Floats:
    """Modified tau ``(DTHR² − |s|²)/(s·v)`` (s) where converging (``s·v < 0``), else NaN."""
    sv = rel.sx_m * rel.vx_mps + rel.sy_m * rel.vy_mps
    ss = rel.sx_m**2 + rel.sy_m**2
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(sv < 0, (np.square(dthr_m) - ss) / sv, np.nan)


def loses_well_clear(rel: RelativeState, thr: WcvThresholds) -> Bools:
    """Whether each pair is out of well clear now (horizontal and vertical loss)."""
    ss = rel.sx_m**2 + rel.sy_m**2
    sv = rel.sx_m * rel.vx_mps + rel.sy_m * rel.vy_mps
    vv = rel.vx_mps**2 + rel.vy_mps**2
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tcpa = np.where(vv > 0, -sv / vv, 0.0)
    dcpa2 = (rel.sx_m + tcpa * rel.vx_mps) ** 2 + (rel.sy_m + tcpa * rel.vy_mps) ** 2
    tau = tau_mod(rel, thr.dthr_m)
    horizontal = (ss <= thr.dthr_m**2) | (
        (dcpa2 <= thr.dthr_m**2) & (tau >= 0) & (tau <= thr.tthr_s)
    )
    sz, vz = rel.sz_m, rel.vz_mps
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tcoa = np.where(vz != 0, -sz / vz, np.inf)
    vertical = (np.abs(sz) <= thr.zthr_m) | ((vz != 0) & (sz * vz <= 0) & (tcoa <= thr.tcoa_s))
    result: Bools = horizontal & vertical
    return result


def _vertical_interval(
    sz: Floats, vz: Floats, zthr_m: float, tcoa_s: float, lookahead_s: float
) -> tuple[Floats, Floats]:
    """[lo, up] where the vertical condition holds within [0, T]; lo > up when it never does."""
    sigma = np.sign(vz)
    h = np.maximum(zthr_m, np.abs(vz) * tcoa_s)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t_entry = (-sigma * h - sz) / vz
        t_exit = (sigma * zthr_m - sz) / vz
    level = vz == 0
    inside = np.abs(sz) <= zthr_m
    lo = np.where(level, np.where(inside, 0.0, np.inf), np.maximum(0.0, t_entry))
    up = np.where(level, np.where(inside, lookahead_s, -np.inf), np.minimum(lookahead_s, t_exit))
    never = ~level & ((t_entry > lookahead_s) | (t_exit < 0))
    return np.where(never, np.inf, lo), np.where(never, -np.inf, up)


def _smaller_root(a: Floats, b: Floats, c: Floats) -> Floats:
    """The smaller real root of ``a t² + b t + c`` (a > 0), without cancellation; NaN if none."""
    disc = b * b - 4 * a * c
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        q = -0.5 * (b + np.copysign(np.sqrt(disc), b))
        return np.where(disc >= 0, np.minimum(q / a, c / q), np.nan)


def _disc_exit(sx: Floats, sy: Floats, vx: Floats, vy: Floats, radius_m: Floats) -> Floats:
    """When a point at s moving at v leaves the disc of ``radius_m`` (NaN if it never is in)."""
    vv = vx * vx + vy * vy
    sv = sx * vx + sy * vy
    disc = sv * sv - vv * (sx * sx + sy * sy - radius_m**2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result: Floats = (-sv + np.sqrt(disc)) / vv
    return result


def _horizontal_interval(
    sx: Floats, sy: Floats, vx: Floats, vy: Floats, thr: WcvThresholds, horizon_s: Floats
) -> tuple[Floats, Floats]:
    """[t_in, t_out] of the horizontal TAUMOD condition within [0, horizon]; t_in > t_out: none."""
    dthr2 = thr.dthr_m**2
    vv = vx * vx + vy * vy
    sv = sx * vx + sy * vy
    ss = sx * sx + sy * sy
    inside = ss <= dthr2
    exit_s = np.minimum(horizon_s, _disc_exit(sx, sy, vx, vy, np.asarray(thr.dthr_m)))
    t_star = _smaller_root(vv, 2 * sv + thr.tthr_s * vv, ss + thr.tthr_s * sv - dthr2)
    cross = sx * vy - sy * vx
    reaches = (sv < 0) & (dthr2 * vv - cross * cross >= 0) & (t_star <= horizon_s)
    still = vv == 0
    t_in = np.where(inside, 0.0, np.where(reaches & ~still, np.maximum(0.0, t_star), np.inf))
    t_out = np.where(still, np.where(inside, horizon_s, -np.inf), exit_s)
    t_out = np.where(inside | (reaches & ~still), t_out, -np.inf)
    return t_in, t_out


def violation_interval(
    rel: RelativeState, thr: WcvThresholds, *, lookahead_s: float
) -> tuple[Floats, Floats]:
    """Start and end (s) of the loss of well clear within ``[0, lookahead_s]``.

    A pair is in conflict where ``t_in < t_out``; otherwise ``t_in`` is ``inf`` and ``t_out``
    ``-inf``. ``t_in == 0`` means out of well clear now. The horizontal condition is searched
    from the start of the vertical one, so that both hold together.
    """
    lo, up = _vertical_interval(rel.sz_m, rel.vz_mps, thr.zthr_m, thr.tcoa_s, lookahead_s)
    vertical = lo <= up
    start = np.where(vertical, lo, 0.0)
    h_in, h_out = _horizontal_interval(
        rel.sx_m + start * rel.vx_mps,
        rel.sy_m + start * rel.vy_mps,
        rel.vx_mps,
        rel.vy_mps,
        thr,
        np.where(vertical, up - start, 0.0),
    )
    conflict = vertical & (h_in < h_out)
    return np.where(conflict, start + h_in, np.inf), np.where(conflict, start + h_out, -np.inf)


@dataclass(frozen=True, slots=True, kw_only=True)
class Metrics:
    """What DAIDALUS prints about a pair beside its alert level (SI; NaN where undefined).

    ``hmd_m`` and ``vmd_m`` are the miss distances projected within the lookahead; ``tcoa_s``
    is ``-inf`` for level flight and negative when diverging vertically.
    """

    hsep_m: Floats
    vsep_m: Floats
    h_closure_mps: Floats
    v_closure_mps: Floats
    hmd_m: Floats
    vmd_m: Floats
    tcpa_s: Floats
    dcpa_m: Floats
    tcoa_s: Floats
    taumod_s: Floats


def encounter_metrics(rel: RelativeState, *, dthr_m: npt.ArrayLike, lookahead_s: float) -> Metrics:
    """Separations, closure rates and projected misses of each pair (DAIDALUS's definitions).

    ``taumod_s`` uses ``dthr_m`` and is NaN inside the DTHR disc or when not converging.
    """
    sx, sy, sz = rel.sx_m, rel.sy_m, rel.sz_m
    vx, vy, vz = rel.vx_mps, rel.vy_mps, rel.vz_mps
    ss = sx * sx + sy * sy
    sv = sx * vx + sy * vy
    vv = vx * vx + vy * vy
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tcpa = np.where(vv > 0, -sv / vv, 0.0)
        tcoa = np.where(vz != 0, -sz / vz, -np.inf)
    t_hmd = np.where(sv < 0, np.minimum(tcpa, lookahead_s), 0.0)
    hmd = np.hypot(sx + t_hmd * vx, sy + t_hmd * vy)
    dcpa = np.where(tcpa > 0, np.hypot(sx + tcpa * vx, sy + tcpa * vy), np.sqrt(ss))
    closing = (vz != 0) & (sz * vz <= 0)
    vmd = np.where(
        closing, np.where(tcoa <= lookahead_s, 0.0, np.abs(sz + lookahead_s * vz)), np.abs(sz)
    )
    taumod = np.where(ss > np.square(dthr_m), tau_mod(rel, dthr_m), np.nan)
    return Metrics(
        hsep_m=np.sqrt(ss),
        vsep_m=np.abs(sz),
        h_closure_mps=np.sqrt(vv),
        v_closure_mps=np.abs(vz),
        hmd_m=hmd,
        vmd_m=vmd,
        tcpa_s=np.maximum(0.0, tcpa),
        dcpa_m=dcpa,
        tcoa_s=tcoa,
        taumod_s=taumod,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SumParameters:
    """Z-scores of sensor uncertainty mitigation (all zero: SUM is plain WCV_TAUMOD)."""

    h_pos_z_score: float = 0.0
    h_vel_z_score_min: float = 0.0
    h_vel_z_score_max: float = 0.0
    h_vel_z_distance_m: float = 0.0
    v_pos_z_score: float = 0.0
    v_vel_z_score: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Uncertainty:
    """Per-aircraft standard deviations (SI): east/north position and velocity, vertical.

    ``s_en_m`` and ``v_en_mps`` are signed square roots of the east-north covariance.
    """

    s_ew_m: Floats
    s_ns_m: Floats
    s_en_m: Floats
    sz_m: Floats
    v_ew_mps: Floats
    v_ns_mps: Floats
    v_en_mps: Floats
    vz_mps: Floats


@dataclass(frozen=True, slots=True, kw_only=True)
class SumErrors:
    """Relative errors of each pair already multiplied by their z-scores (SI)."""

    s_m: Floats
    v_mps: Floats
    sz_m: Floats
    vz_mps: Floats

    def take(self, rows: Rows) -> SumErrors:
        """The pairs selected by ``rows`` (a boolean mask or indices)."""
        return SumErrors(
            s_m=self.s_m[rows],
            v_mps=self.v_mps[rows],
            sz_m=self.sz_m[rows],
            vz_mps=self.vz_mps[rows],
        )


def _horizontal_error(std_e: Floats, std_n: Floats, std_en: Floats) -> Floats:
    """Square root of the largest eigenvalue of the east/north covariance (one aircraft)."""
    a, b = std_e**2, std_n**2
    c = np.sign(std_en) * std_en**2
    result: Floats = np.sqrt((a + b) / 2 + np.hypot((a - b) / 2, c))
    return result


def relative_errors(
    rel: RelativeState,
    unc: Uncertainty,
    own: npt.ArrayLike,
    other: npt.ArrayLike,
    params: SumParameters,
) -> SumErrors:
    """The errors of each pair ``(own[i], other[i])`` of rows of ``unc``, times their z-scores.

    The two aircraft's errors add up. The horizontal velocity z-score falls linearly from
    ``h_vel_z_score_max`` when the pair may be co-located to ``h_vel_z_score_min`` from
    ``h_vel_z_distance_m`` of worst-case separation on.
    """
    own_i, other_i = np.asarray(own), np.asarray(other)

    def both(e: Floats, n: Floats, en: Floats) -> Floats:
        total: Floats = _horizontal_error(e[own_i], n[own_i], en[own_i]) + _horizontal_error(
            e[other_i], n[other_i], en[other_i]
        )
        return total

    s_err = params.h_pos_z_score * both(unc.s_ew_m, unc.s_ns_m, unc.s_en_m)
    worst_separation = np.maximum(np.hypot(rel.sx_m, rel.sy_m) - s_err, 0.0)
    if params.h_vel_z_distance_m > 0:
        fraction = np.minimum(worst_separation / params.h_vel_z_distance_m, 1.0)
    else:
        fraction = np.ones_like(worst_separation)
    z_vel = (
        params.h_vel_z_score_max - (params.h_vel_z_score_max - params.h_vel_z_score_min) * fraction
    )
    return SumErrors(
        s_m=s_err,
        v_mps=z_vel * both(unc.v_ew_mps, unc.v_ns_mps, unc.v_en_mps),
        sz_m=params.v_pos_z_score * (unc.sz_m[own_i] + unc.sz_m[other_i]),
        vz_mps=params.v_vel_z_score * (unc.vz_mps[own_i] + unc.vz_mps[other_i]),
    )


def _bearing_spread(error: Floats, length: Floats) -> Floats:
    """How far the direction of a vector of ``length`` may turn under ``error`` (rad): any
    direction (π) once the error reaches the length."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = error / length
    result: Floats = np.where(ratio < 1, np.arcsin(np.minimum(ratio, 1.0)), np.pi)
    return result


def _worst_case(rel: RelativeState, s_err: Floats, v_err: Floats) -> RelativeState:
    """The relative trajectory that uncertainty makes most threatening, horizontally.

    The range shrinks by ``s_err``, the speed grows by ``v_err``, and the velocity turns
    toward the ownship by the bearing uncertainty of the position (``asin(s_err/|s|)``) plus
    the direction uncertainty of the velocity (``asin(v_err/|v|)``), never past a direct
    approach.
    """
    sx, sy, vx, vy = rel.sx_m, rel.sy_m, rel.vx_mps, rel.vy_mps
    rng = np.hypot(sx, sy)
    speed = np.hypot(vx, vy)
    cross = sx * vy - sy * vx
    off_course = np.arctan2(np.abs(cross), -(sx * vx + sy * vy))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        turn = _bearing_spread(s_err, rng) + _bearing_spread(v_err, speed)
        # Unit vector from the intruder toward the ownship (any one when they coincide).
        ux = np.where(rng > 0, -sx / rng, 0.0)
        uy = np.where(rng > 0, -sy / rng, 1.0)
    side = np.where(-uy * vx + ux * vy >= 0, 1.0, -1.0)
    heading = np.maximum(off_course - turn, 0.0)
    along, across = np.cos(heading), side * np.sin(heading)
    worst_speed = speed + v_err
    shrink = np.maximum(rng - s_err, 0.0)
    return RelativeState(
        sx_m=-shrink * ux,
        sy_m=-shrink * uy,
        sz_m=rel.sz_m,
        vx_mps=worst_speed * (along * ux - across * uy),
        vy_mps=worst_speed * (along * uy + across * ux),
        vz_mps=rel.vz_mps,
    )


def _growing_disc_exit(rel: RelativeState, radius_m: Floats, v_err: Floats) -> Floats:
    """When the pair leaves the disc ``|s + t v| <= radius + v_err t`` for good (inf: never)."""
    sx, sy, vx, vy = rel.sx_m, rel.sy_m, rel.vx_mps, rel.vy_mps
    a = vx * vx + vy * vy - v_err**2
    b = 2 * (sx * vx + sy * vy - v_err * radius_m)
    c = sx * sx + sy * sy - radius_m**2
    disc = b * b - 4 * a * c
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        root = (-b + np.sqrt(disc)) / (2 * a)
    result: Floats = np.where(a <= 0, np.inf, np.where(disc >= 0, root, -np.inf))
    return result


def _uncertain_vertical_interval(
    sz: Floats,
    vz: Floats,
    thr: WcvThresholds,
    sz_err: Floats,
    vz_err: Floats,
    lookahead_s: float,
) -> tuple[Floats, Floats]:
    """[lo, up] within [0, T] where some altitude and vertical speed within the errors meet
    the vertical condition; lo > up when none does.

    The errors widen the band: ``|sz + t vz| <= ZTHR + sz_err + vz_err t`` (entering through
    the TCOA band ``closure * TCOA`` instead where that is wider, closure counted at its worst).
    """
    side = np.where(sz >= 0, 1.0, -1.0)
    direction = np.where(vz >= 0, 1.0, -1.0)
    closure = vz_err - side * vz
    entry_band = np.maximum(thr.zthr_m, closure * thr.tcoa_s) + sz_err
    exit_band = thr.zthr_m + sz_err
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t_entry = np.where(
            np.abs(sz) <= entry_band,
            0.0,
            np.where(closure > 0, (np.abs(sz) - entry_band) / closure, np.inf),
        )
        t_exit = np.where(
            np.abs(vz) > vz_err,
            (direction * exit_band - sz) / (vz - direction * vz_err),
            np.inf,
        )
    lo = np.maximum(0.0, t_entry)
    up = np.minimum(lookahead_s, t_exit)
    never = (lo > lookahead_s) | (up < lo)
    return np.where(never, np.inf, lo), np.where(never, -np.inf, up)


def sum_violation_interval(
    rel: RelativeState, errors: SumErrors, thr: WcvThresholds, *, lookahead_s: float
) -> tuple[Floats, Floats]:
    """:func:`violation_interval` under sensor uncertainty (WCV_TAUMOD_SUM).

    Pairs whose errors are all zero get the plain detector; otherwise every error is at
    least 0.001 (SI). Vertically the loss may happen for any altitude and vertical speed within
    the errors; horizontally the worst-case trajectory of :func:`_worst_case` is flown.
    """
    plain = (errors.s_m == 0) & (errors.v_mps == 0) & (errors.sz_m == 0) & (errors.vz_mps == 0)
    s_err, v_err, sz_err, vz_err = (
        np.maximum(e, _MIN_ERROR) for e in (errors.s_m, errors.v_mps, errors.sz_m, errors.vz_mps)
    )
    lo, up = _uncertain_vertical_interval(rel.sz_m, rel.vz_mps, thr, sz_err, vz_err, lookahead_s)
    worst = _worst_case(rel, s_err, v_err)
    horizon = np.full_like(lo, lookahead_s)
    h_in, _ = _horizontal_interval(worst.sx_m, worst.sy_m, worst.vx_mps, worst.vy_mps, thr, horizon)
    h_out = _growing_disc_exit(rel, thr.dthr_m + s_err, v_err)
    t_in = np.maximum(h_in, lo)
    t_out = np.minimum(np.minimum(h_out, up), lookahead_s)
    conflict = t_in < t_out
    t_in, t_out = np.where(conflict, t_in, np.inf), np.where(conflict, t_out, -np.inf)
    p_in, p_out = violation_interval(rel, thr, lookahead_s=lookahead_s)
    return np.where(plain, p_in, t_in), np.where(plain, p_out, t_out)
