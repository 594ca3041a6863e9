"""Volume conformance and volume-entry warnings for live aircraft (pure: no I/O, no clock).

Two questions about one :class:`~sharedsky.tactical.states.AircraftStates` snapshot and the
declared volumes of active operations, gathered once in an :class:`ActiveVolumes`:

* :func:`check_conformance`: is each aircraft of a known party inside one of its own party's
  active volumes (laterally, vertically and in time)? If not, which of them is nearest and by
  how much is the aircraft outside it?
* :func:`predict_volume_entries`: which aircraft will be inside an active volume of another
  party within a look-ahead (or are inside already), when, where, and how deep?

What counts as active
---------------------
A volume is active at a moment when its operation's state is one of ``states`` (by default
:data:`ACTIVE_STATES`: activated, nonconforming and contingent, the F3548 states in which the
operation is flown) and the moment lies in the volume's window, ends included. An *accepted*
operation is planned, not flying: by default its volumes neither cover its own aircraft (an
aircraft flying a plan that was never activated is nonconforming) nor warn others. A setup in
which parties only send notices and never activate passes
``states=ACTIVE_STATES | {OperationState.ACCEPTED}``. Ended operations never count.

Parties
-------
An aircraft's party is the snapshot's ``party`` column. Aircraft of no known party (``""``)
are held to no declaration, so they get no conformance verdict; every party's active volumes
warn about them. An aircraft of a party without any active volume is nonconforming for that
reason alone (:attr:`Deviation.NO_ACTIVE_VOLUME`). A party's own volumes never warn about its
own aircraft.

Altitudes
---------
Aircraft altitudes are barometric (``alt_m``), compared directly with ``MSL`` bands (flight
levels are pressure altitudes). A ``W84`` band needs the geoid undulation N (ellipsoidal
height = H + N). Given as ``geoid_undulation_m`` (one value or one per aircraft, within the
geoid's global range) it is applied exactly; otherwise N may be anything in that range
(:data:`~sharedsky.model.altitude.GEOID_N_MIN_M` … :data:`~sharedsky.model.altitude.GEOID_N_MAX_M`)
and each check errs towards its alert: an aircraft conforms only if it is inside the band for
every possible N (the band narrows by the range, about 193 m), and it is warned about if it may
be inside for some N (the band widens by the range). Vertical distances are measured against
the band so narrowed or widened.

Prediction model and tolerances
-------------------------------
Each aircraft flies on from its snapshot state for ``lookahead_s``: along the geodesic of
initial course ``track_deg`` at constant ground speed ``gs_mps`` (as
:func:`~sharedsky.tactical.states.latest` extrapolates) and at constant vertical rate
``vs_mps``. The time window and the band bound the times at which an entry is possible to one
interval, computed exactly; inside it the lateral position is searched with the signed
geodesic distance to the footprint, which changes by at most the ground speed per second:
safe steps where the footprint is far, samples :data:`INCURSION_RESOLUTION_S` apart where it
is near, then bisection. So:

* the entry time is the first time the aircraft is inside, to within
  :data:`ENTRY_TIME_TOLERANCE_S`; the entry reported is always a point inside (to the lateral
  precision below);
* an earlier incursion lasting less than :data:`INCURSION_RESOLUTION_S` (a corner clipped by a
  few metres) may be passed over, as may a second crossing within one sample interval;
* footprints are exact (core ⊕ radius, :mod:`sharedsky.geo.footprint`); lateral distances are
  geodesic, between the aircraft and the nearest core point found in the footprint's gnomonic
  frame: exact for circles, otherwise longer than the true distance by at most a few parts in a
  million (millimetres near a boundary). The boundary itself counts as inside, in every
  dimension.

Candidate volumes are found with a :class:`~sharedsky.strategic.index.VolumeIndex` (one query
per 1° cell of aircraft) and pruned on numpy columns before any exact work; conformance looks
at each party's own volumes only, keeping the exact work for those that may be nearest.

>>> from sharedsky.model import Operation
>>> roz = Operation.parse({"id": "roz-1", "party": "P", "state": "activated", "volumes": [{
...     "footprint": {"type": "circle", "center": [36.0, 35.0], "radius": "5NM"},
...     "altitude_lower": "FL100", "altitude_upper": "FL200",
...     "time_start": "2015-09-30T10:00:00Z", "time_end": "2015-09-30T11:00:00Z"}]})
>>> states = AircraftStates.from_columns(
...     time_s=1443607800.0, ids=["abc123", "def456"], lat_deg=[35.0, 35.0],
...     lon_deg=[36.2, 36.01], alt_m=[4000.0, 4000.0], gs_mps=[200.0, 0.0],
...     track_deg=[270.0, 0.0], vs_mps=[0.0, 0.0], party=["Q", "P"])
>>> volumes = ActiveVolumes([roz])
>>> [(e.aircraft, e.operation, e.kind.value, round(e.time_s, 2))
...  for e in predict_volume_entries(states, volumes, lookahead_s=120.0)]
[('abc123', 'roz-1', 'lateral', 44.99)]
>>> [(c.aircraft, c.conforming, c.deviations) for c in check_conformance(states, volumes)]
[('abc123', False, (<Deviation.NO_ACTIVE_VOLUME: 'no active volume'>,)), ('def456', True, ())]
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from sharedsky.errors import InvalidInput
from sharedsky.geo.ellipsoid import A_M, B_M, WGS84, ecef_from_lonlat, lonlat_from_ecef
from sharedsky.geo.footprint import CoreKind
from sharedsky.geo.gnomonic import angle_between, max_stretch
from sharedsky.model import AltitudeReference, Operation, OperationState
from sharedsky.model.altitude import GEOID_N_MAX_M, GEOID_N_MIN_M
from sharedsky.strategic.index import Box, VolumeIndex, box_of
from sharedsky.tactical.states import AircraftStates

__all__ = [
    "ACTIVE_STATES",
    "ENTRY_TIME_TOLERANCE_S",
    "INCURSION_RESOLUTION_S",
    "ActiveVolumes",
    "Conformance",
    "Deviation",
    "VolumeEntry",
    "VolumeEntryKind",
    "check_conformance",
    "predict_volume_entries",
]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Strings = npt.NDArray[np.str_]
Objects = npt.NDArray[np.object_]

ACTIVE_STATES: frozenset[OperationState] = frozenset(
    {OperationState.ACTIVATED, OperationState.NONCONFORMING, OperationState.CONTINGENT}
)
"""The F3548 states in which an operation is flown."""

INCURSION_RESOLUTION_S = 0.05
"""Near a footprint the path is sampled this often: shorter incursions may be passed over."""

ENTRY_TIME_TOLERANCE_S = 0.001
"""Entry times are bisected to this precision."""

_BATCH = 24
"""Samples taken at once near a footprint (1.2 s of flight at the resolution)."""
_BISECTIONS = math.ceil(math.log2(INCURSION_RESOLUTION_S / ENTRY_TIME_TOLERANCE_S))
_FAR_RAD = 1.0
"""Beyond this angle from a footprint's centre its gnomonic frame is not used (a lower bound
from the bounding cap is, and it is positive: footprints reach at most 0.5 rad)."""
_CELL_DEG = 1.0
_CHUNK_PAIRS = 1_000_000
"""Conformance compares aircraft with their party's volumes this many pairs at a time."""
_BOX_MARGIN_M = 100.0
# Distances from the nearest planar core point may exceed the true distance by a few parts in
# a million: safe steps are shortened by more than that.
_SAFE_STEP = 1.0 - 1e-5

_POINT, _LINE, _AREA = 0, 1, 2
_KIND = {CoreKind.POINT: _POINT, CoreKind.LINE: _LINE, CoreKind.AREA: _AREA}


class Deviation(enum.StrEnum):
    """Why an aircraft does not conform to its party's active volumes."""

    LATERAL = "lateral"
    """Outside the footprint of the nearest volume."""
    VERTICAL = "vertical"
    """Outside the altitude band of the nearest volume."""
    TIME = "time"
    """Outside the time window of the nearest volume (no own volume's window holds now)."""
    NO_ACTIVE_VOLUME = "no active volume"
    """The party has no active volume at all."""


@dataclass(frozen=True, slots=True)
class Conformance:
    """One aircraft of a known party against its own party's active volumes.

    ``operation`` and ``volume`` name the volume the aircraft is in when it conforms, and the
    nearest one when it does not: nearest in time first (a volume whose window holds the
    snapshot time before any other), then in space (the smallest ``hypot(lateral_m,
    vertical_m)``), then the first in :class:`ActiveVolumes` order. ``lateral_m``,
    ``vertical_m`` and ``time_s`` say how far outside that volume the aircraft is in each
    dimension, 0 where it is inside; when the party has no active volume they are ``inf`` and
    the volume is ``None``.
    """

    aircraft: str
    party: str
    operation: str | None
    volume: int | None
    lateral_m: float
    vertical_m: float
    time_s: float

    @property
    def deviations(self) -> tuple[Deviation, ...]:
        """The dimensions in which the aircraft is outside the volume (empty: it conforms)."""
        if self.operation is None:
            return (Deviation.NO_ACTIVE_VOLUME,)
        return tuple(
            deviation
            for deviation, amount in (
                (Deviation.LATERAL, self.lateral_m),
                (Deviation.VERTICAL, self.vertical_m),
                (Deviation.TIME, self.time_s),
            )
            if amount > 0.0
        )

    @property
    def conforming(self) -> bool:
        return not self.deviations


class VolumeEntryKind(enum.StrEnum):
    """How an aircraft comes to be inside a volume."""

    INSIDE = "inside"
    """Already inside at the snapshot time."""
    LATERAL = "lateral"
    """Flies across the footprint's edge."""
    VERTICAL = "vertical"
    """Climbs or descends through the band's floor or ceiling."""
    TIME = "time"
    """Is in the footprint and the band when the volume's window opens."""


@dataclass(frozen=True, slots=True)
class VolumeEntry:
    """An aircraft predicted inside another party's active volume (or inside already).

    ``party`` is the aircraft's (``""`` unknown), ``owner`` the operation's. ``time_s`` is
    seconds from the snapshot time to the entry (0 when inside already); the entry point is
    ``lat_deg``, ``lon_deg`` and the barometric ``alt_m`` there. ``lateral_depth_m`` and
    ``vertical_depth_m`` say how far inside the footprint's edge and the band's nearer limit
    the aircraft is at that point (the snapshot position when inside already).
    """

    aircraft: str
    party: str
    operation: str
    owner: str
    volume: int
    kind: VolumeEntryKind
    time_s: float
    lat_deg: float
    lon_deg: float
    alt_m: float
    lateral_depth_m: float
    vertical_depth_m: float

    @property
    def inside(self) -> bool:
        """Inside already at the snapshot time."""
        return self.kind is VolumeEntryKind.INSIDE


class ActiveVolumes:
    """The volumes of operations in ``states`` (kept as :attr:`states`), indexed for the
    checks of this module.

    ``operations`` may be any iterable of operations, a
    :class:`~sharedsky.strategic.StrategicEngine` included (it iterates over its operations).
    Build it once and reuse it while the operations do not change: it copies what it needs.
    Operation ids must be unique; ``states`` may not hold ``ended``.

    Rows are volumes in the order met: :attr:`operation`, :attr:`volume` (position in the
    operation) and :attr:`party` are columns by row.
    """

    __slots__ = (
        "_angular",
        "_axes",
        "_boundaries",
        "_centre",
        "_cores",
        "_distance",
        "_index",
        "_kind",
        "_lower",
        "_msl",
        "_point",
        "_radius",
        "_t0",
        "_t1",
        "_upper",
        "operation",
        "party",
        "states",
        "volume",
    )

    def __init__(
        self,
        operations: Iterable[Operation],
        *,
        states: Collection[OperationState] = ACTIVE_STATES,
    ) -> None:
        self.states = frozenset(states)
        if OperationState.ENDED in self.states:
            raise InvalidInput.one("states", "an ended operation has no active volume")
        seen: set[str] = set()
        rows: list[tuple[Operation, int]] = []
        for operation in operations:
            if operation.id in seen:
                raise InvalidInput.one("operations", f"operation {operation.id!r} appears twice")
            seen.add(operation.id)
            if operation.state in self.states:
                rows += [(operation, i) for i in range(len(operation.volumes))]
        volumes = [op.volumes[i] for op, i in rows]
        geometries = [v.geometry for v in volumes]
        n = len(rows)
        self.operation: Strings = np.array([op.id for op, _ in rows], dtype=np.str_)
        self.volume: Ints = np.array([i for _, i in rows], dtype=np.int64)
        self.party: Strings = np.array([op.party for op, _ in rows], dtype=np.str_)
        self._kind = np.array([_KIND[g.core] for g in geometries], dtype=np.int64)
        self._radius = np.array([g.radius_m for g in geometries], dtype=np.float64)
        self._centre = np.array([g.centre for g in geometries], dtype=np.float64).reshape(n, 3)
        self._angular = np.array([g.angular_radius_rad for g in geometries], dtype=np.float64)
        self._lower = np.array([v.lower.metres for v in volumes], dtype=np.float64)
        self._upper = np.array([v.upper.metres for v in volumes], dtype=np.float64)
        self._msl = np.array([v.reference is AltitudeReference.MSL for v in volumes], dtype=bool)
        self._t0 = np.array([v.time_start.timestamp() for v in volumes], dtype=np.float64)
        self._t1 = np.array([v.time_end.timestamp() for v in volumes], dtype=np.float64)
        frames = [g.frame() for g in geometries]
        self._axes = np.array([f.axes for f in frames], dtype=np.float64).reshape(n, 3, 3)
        self._distance = np.array([f.distance_m for f in frames], dtype=np.float64)
        self._cores: Objects = np.empty(n, dtype=object)
        self._cores[:] = [g.in_frame(f) for g, f in zip(geometries, frames, strict=True)]
        self._boundaries: Objects = np.asarray(shapely.boundary(self._cores), dtype=object)
        shapely.prepare(self._cores)
        self._point = np.zeros((n, 2))
        points = np.flatnonzero(self._kind == _POINT)
        if len(points):
            lon, lat = lonlat_from_ecef(np.array([geometries[i].xyz[0] for i in points]))
            self._point[points] = np.column_stack([lon, lat])
        self._index = VolumeIndex()
        low, high = self._possible_band(GEOID_N_MIN_M, GEOID_N_MAX_M)
        for row, geometry in enumerate(geometries):
            box = box_of(geometry)
            # A fresh index hands out slots 0, 1, 2…: a slot is the row.
            self._index.add(box, float(low[row]), float(high[row]), self._t0[row], self._t1[row])

    def __len__(self) -> int:
        return len(self.operation)

    def _possible_band(
        self, n_min: npt.ArrayLike, n_max: npt.ArrayLike, rows: Ints | slice = slice(None)
    ) -> tuple[Floats, Floats]:
        """Barometric altitudes that may be inside each band, for N in [n_min, n_max]."""
        msl = self._msl[rows]
        low = self._lower[rows] - np.where(msl, 0.0, n_max)
        high = self._upper[rows] - np.where(msl, 0.0, n_min)
        return low, high

    def _sure_band(
        self, n_min: npt.ArrayLike, n_max: npt.ArrayLike, rows: Ints | slice = slice(None)
    ) -> tuple[Floats, Floats]:
        """Barometric altitudes inside each band for every N in [n_min, n_max]."""
        return self._possible_band(n_max, n_min, rows)

    def _candidates(self, states: AircraftStates, lookahead_s: float) -> tuple[Ints, Ints]:
        """Pairs (aircraft row, volume row) whose boxes, bands and windows may meet within
        the look-ahead: one index query per 1° cell of aircraft."""
        if len(self) == 0 or len(states) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        lon, lat = states.lon_deg, states.lat_deg
        column = np.floor((lon + 180.0) / _CELL_DEG)
        row = np.floor((np.minimum(lat, 89.999999) + 90.0) / _CELL_DEG)
        _, cell = np.unique(column * 1_000.0 + row, return_inverse=True)
        order = np.argsort(cell, kind="stable")
        bounds = np.flatnonzero(np.diff(cell[order])) + 1
        surface = ecef_from_lonlat(lon, lat)
        reach = states.gs_mps * lookahead_s
        climb = states.alt_m + states.vs_mps * lookahead_s
        low, high = np.minimum(states.alt_m, climb), np.maximum(states.alt_m, climb)
        t0, t1 = states.time_s, states.time_s + lookahead_s
        aircraft: list[Ints] = []
        volumes: list[Ints] = []
        for members in np.split(order, bounds):
            box = Box(
                float(lon[members].min()),
                float(lon[members].max()),
                float(lat[members].min()),
                float(lat[members].max()),
                surface[members].min(axis=0),
                surface[members].max(axis=0),
            )
            found = self._index.query(
                _grown(box, float(reach[members].max())),
                float(low[members].min()),
                float(high[members].max()),
                t0,
                t1,
            )
            if len(found):
                aircraft.append(np.repeat(members, len(found)))
                volumes.append(np.tile(found, len(members)))
        if not aircraft:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        return np.concatenate(aircraft), np.concatenate(volumes)

    def _cap_gap_m(self, rows: Ints, unit: Floats) -> Floats:
        """A lower bound of the distance from surface directions ``unit`` to footprints."""
        theta = angle_between(unit, self._centre[rows]) - self._angular[rows]
        return np.asarray(2.0 * B_M * np.sin(np.maximum(theta, 0.0) / 2.0), dtype=np.float64)

    def _lateral_m(self, rows: Ints, lon: Floats, lat: Floats, *, exact: bool) -> Floats:
        """Signed lateral distance from points to footprints: positive outside, minus the
        depth inside. Not ``exact``, an outside value may be a lower bound and an inside one
        is only ``<= 0``; the sign is right either way."""
        n = len(rows)
        out = np.zeros(n)
        if n == 0:
            return out
        kind = self._kind[rows]
        radius = self._radius[rows]
        points = np.flatnonzero(kind == _POINT)
        if len(points):
            centre = self._point[rows[points]]
            _, _, dist = WGS84.inv(lon[points], lat[points], centre[:, 0], centre[:, 1])
            out[points] = np.asarray(dist) - radius[points]
        others = np.flatnonzero(kind != _POINT)
        if len(others) == 0:
            return out
        r = rows[others]
        xyz = ecef_from_lonlat(lon[others], lat[others])
        unit = xyz / np.linalg.norm(xyz, axis=1)[:, None]
        cosine = np.einsum("ij,ij->i", unit, self._centre[r])
        far = cosine < math.cos(_FAR_RAD)
        out[others[far]] = self._cap_gap_m(r[far], unit[far])
        near = others[~far]
        r, xyz = r[~far], xyz[~far]
        # arccos is coarse near 0 (1e-8 rad), far below the 1e-6 rad the stretch bound adds.
        theta = np.arccos(np.minimum(cosine[~far], 1.0))
        local = np.einsum("nij,nj->ni", self._axes[r], xyz)
        xy = local[:, :2] * (self._distance[r] / local[:, 2])[:, None]
        plane = np.asarray(shapely.distance(self._cores[r], shapely.points(xy)), dtype=np.float64)
        stretch = max_stretch(np.maximum(theta, self._angular[r]) + 1e-6)
        lower = plane / stretch - radius[near]
        area = kind[near] == _AREA
        inside = np.zeros(len(near), dtype=bool)
        inside[area] = shapely.intersects_xy(self._cores[r[area]], xy[area, 0], xy[area, 1])
        out[near] = np.where(inside, 0.0, lower)
        # Areas decide inside in the plane (same topology as on the ellipsoid); a grown core
        # whose lower bound allows the point inside is decided geodesically.
        refine = np.full(len(near), exact) | (~inside & (lower <= 0.0))
        if refine.any():
            k = np.flatnonzero(refine)
            targets = np.where(inside[k], self._boundaries[r[k]], self._cores[r[k]])
            ends = shapely.get_coordinates(shapely.shortest_line(targets, shapely.points(xy[k])))
            end_lon, end_lat = self._unproject(r[k], ends[0::2])
            _, _, dist = WGS84.inv(end_lon, end_lat, lon[near[k]], lat[near[k]])
            dist = np.asarray(dist, dtype=np.float64)
            out[near[k]] = np.where(inside[k], -dist, dist - radius[near[k]])
        return out

    def _unproject(self, rows: Ints, xy: Floats) -> tuple[Floats, Floats]:
        """Longitude and latitude of plane points, each in the frame of its row."""
        axes = self._axes[rows]
        ray = (
            axes[:, 2] * self._distance[rows][:, None]
            + xy[:, :1] * axes[:, 0]
            + xy[:, 1:2] * axes[:, 1]
        )
        scale = 1.0 / np.sqrt(
            (ray[:, 0] ** 2 + ray[:, 1] ** 2) / (A_M * A_M) + ray[:, 2] ** 2 / (B_M * B_M)
        )
        return lonlat_from_ecef(ray * scale[:, None])


def _grown(box: Box, metres: float) -> Box:
    return box.grown(metres + _BOX_MARGIN_M)


def _undulation(value: npt.ArrayLike | None, n: int) -> tuple[Floats, Floats]:
    """The range of the geoid undulation at each aircraft: given, or the global range."""
    if value is None:
        return np.full(n, GEOID_N_MIN_M), np.full(n, GEOID_N_MAX_M)
    try:
        given = np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))
    except ValueError:
        raise InvalidInput.one(
            "geoid_undulation_m", f"give one value or one per aircraft ({n})"
        ) from None
    bad = ~np.isfinite(given) | (given < GEOID_N_MIN_M) | (given > GEOID_N_MAX_M)
    if bad.any():
        row = int(np.argmax(bad))
        raise InvalidInput.one(
            f"geoid_undulation_m[{row}]",
            f"{given[row]!r} m is outside the geoid's range [{GEOID_N_MIN_M}, {GEOID_N_MAX_M}] m",
        )
    return given, given


def _surface_unit(lon_deg: Floats, lat_deg: Floats) -> Floats:
    xyz = ecef_from_lonlat(lon_deg, lat_deg)
    return np.asarray(xyz / np.linalg.norm(xyz, axis=-1, keepdims=True), dtype=np.float64)


def check_conformance(
    states: AircraftStates,
    volumes: ActiveVolumes,
    *,
    geoid_undulation_m: npt.ArrayLike | None = None,
) -> tuple[Conformance, ...]:
    """Each aircraft of a known party against its party's active volumes, by aircraft id.

    An aircraft conforms when it is inside one of its party's volumes that are active at the
    snapshot time: in the footprint, in the band for every possible geoid undulation (see the
    module docstring) and in the window. Aircraft of no known party are left out.

    Parameters
    ----------
    states
        The snapshot; its ``party`` column names each aircraft's party.
    volumes
        The active volumes of every party.
    geoid_undulation_m
        N at each aircraft (one value or one per row), metres; ``None`` when unknown.
    """
    n_min, n_max = _undulation(geoid_undulation_m, len(states))
    now = states.time_s
    found: list[Conformance] = []
    for party in states.parties():
        if not party:
            continue
        members = np.flatnonzero(states.party == party)
        own = np.flatnonzero(volumes.party == party)
        if len(own) == 0:
            found += [
                Conformance(str(states.ids[a]), party, None, None, math.inf, math.inf, math.inf)
                for a in members
            ]
            continue
        outside_s = np.maximum(np.maximum(volumes._t0[own] - now, now - volumes._t1[own]), 0.0)
        # Nearest in time first: the same for every aircraft of the party.
        own = own[outside_s == outside_s.min()]
        chunks = min(len(members), max(1, len(members) * len(own) // _CHUNK_PAIRS))
        for chunk in np.array_split(members, chunks):
            found += _nearest_own(states, volumes, chunk, own, n_min, n_max, float(outside_s.min()))
    found.sort(key=lambda c: c.aircraft)
    return tuple(found)


def _nearest_own(
    states: AircraftStates,
    volumes: ActiveVolumes,
    aircraft: Ints,
    own: Ints,
    n_min: Floats,
    n_max: Floats,
    outside_s: float,
) -> list[Conformance]:
    """The nearest of ``own`` volumes (all as near in time) to each of ``aircraft``."""
    low, high = volumes._sure_band(n_min[aircraft, None], n_max[aircraft, None], own)
    alt = states.alt_m[aircraft, None]
    vertical = np.maximum(np.maximum(low - alt, alt - high), 0.0)
    lon, lat = states.lon_deg[aircraft], states.lat_deg[aircraft]
    unit = _surface_unit(lon, lat)
    # arccos is coarse near 0 (1e-8 rad): 1e-6 rad off keeps the bound below the distance.
    cosine = np.clip(unit @ volumes._centre[own].T, -1.0, 1.0)
    theta = np.arccos(cosine) - volumes._angular[own] - 1e-6
    lower = np.hypot(2.0 * B_M * np.sin(np.maximum(theta, 0.0) / 2.0), vertical)
    # The pair with the least lower bound gives an upper bound of each aircraft's distance;
    # only volumes whose lower bound is within it can be nearer.
    first = np.argmin(lower, axis=1)
    rows = np.arange(len(aircraft))
    lateral = np.maximum(volumes._lateral_m(own[first], lon, lat, exact=True), 0.0)
    bound = np.hypot(lateral, vertical[rows, first])
    i, j = np.nonzero(lower <= bound[:, None])
    lateral = np.maximum(volumes._lateral_m(own[j], lon[i], lat[i], exact=True), 0.0)
    score = np.hypot(lateral, vertical[i, j])
    order = np.lexsort((j, score, i))
    best = order[np.flatnonzero(np.diff(i[order], prepend=-1))]
    return [
        Conformance(
            str(states.ids[aircraft[i[k]]]),
            str(states.party[aircraft[i[k]]]),
            str(volumes.operation[own[j[k]]]),
            int(volumes.volume[own[j[k]]]),
            float(lateral[k]),
            float(vertical[i[k], j[k]]),
            outside_s,
        )
        for k in best
    ]


def predict_volume_entries(
    states: AircraftStates,
    volumes: ActiveVolumes,
    *,
    lookahead_s: float,
    geoid_undulation_m: npt.ArrayLike | None = None,
) -> tuple[VolumeEntry, ...]:
    """Every aircraft inside, or predicted inside within ``lookahead_s``, an active volume of
    another party: the first entry per aircraft and volume, by time, aircraft, operation and
    volume.

    The prediction model and its tolerances are in the module docstring. A volume is active
    from its window's start when its operation's state is one of ``volumes.states``.

    Parameters
    ----------
    states
        The snapshot; its ``party`` column names each aircraft's party (``""``: unknown, and
        every party's volumes count).
    volumes
        The active volumes of every party.
    lookahead_s
        How far ahead to predict, seconds (finite, ``>= 0``).
    geoid_undulation_m
        N at each aircraft (one value or one per row), metres; ``None`` when unknown.
    """
    if not (math.isfinite(lookahead_s) and lookahead_s >= 0.0):
        raise InvalidInput.one("lookahead_s", f"{lookahead_s!r} is not a finite time >= 0")
    n_min, n_max = _undulation(geoid_undulation_m, len(states))
    a, v = volumes._candidates(states, lookahead_s)
    keep = (states.party[a] == "") | (volumes.party[v] != states.party[a])
    a, v = a[keep], v[keep]
    now = states.time_s
    low, high = volumes._possible_band(n_min[a], n_max[a], v)
    climb_start, climb_end = _band_times(states.alt_m[a], states.vs_mps[a], low, high)
    opens = volumes._t0[v] - now
    start = np.maximum(np.maximum(opens, climb_start), 0.0)
    end = np.minimum(np.minimum(volumes._t1[v] - now, climb_end), lookahead_s)
    keep = np.flatnonzero(start <= end)
    # Beyond its ground speed times the time left, a footprint cannot be reached.
    unit = _surface_unit(states.lon_deg, states.lat_deg)
    reach = states.gs_mps[a[keep]] * end[keep]
    keep = keep[volumes._cap_gap_m(v[keep], unit[a[keep]]) <= reach]
    a, v, start, end = a[keep], v[keep], start[keep], end[keep]
    low, high, opens = low[keep], high[keep], opens[keep]
    entry = _first_inside(states, volumes, a, v, start, end)
    hit = np.flatnonzero(~np.isnan(entry))
    a, v, t = a[hit], v[hit], entry[hit]
    lon, lat = _fly(states, a, t)
    alt = states.alt_m[a] + states.vs_mps[a] * t
    depth = np.maximum(-volumes._lateral_m(v, lon, lat, exact=True), 0.0)
    vertical = np.maximum(np.minimum(alt - low[hit], high[hit] - alt), 0.0)
    at_start = t == start[hit]
    kind = np.where(
        at_start & (t == 0.0),
        VolumeEntryKind.INSIDE,
        np.where(
            at_start & (t == opens[hit]),
            VolumeEntryKind.TIME,
            np.where(at_start, VolumeEntryKind.VERTICAL, VolumeEntryKind.LATERAL),
        ),
    )
    entries = [
        VolumeEntry(
            str(states.ids[a[k]]),
            str(states.party[a[k]]),
            str(volumes.operation[v[k]]),
            str(volumes.party[v[k]]),
            int(volumes.volume[v[k]]),
            VolumeEntryKind(kind[k]),
            float(t[k]),
            float(lat[k]),
            float(lon[k]),
            float(alt[k]),
            float(depth[k]),
            float(vertical[k]),
        )
        for k in range(len(hit))
    ]
    entries.sort(key=lambda e: (e.time_s, e.aircraft, e.operation, e.volume))
    return tuple(entries)


def _band_times(alt: Floats, vs: Floats, low: Floats, high: Floats) -> tuple[Floats, Floats]:
    """When ``alt + vs · t`` is within [low, high]: one interval, maybe empty or unbounded."""
    with np.errstate(divide="ignore", invalid="ignore"):
        to_low = (low - alt) / vs
        to_high = (high - alt) / vs
    level = np.where((low <= alt) & (alt <= high), -math.inf, math.inf)
    start = np.where(vs > 0, to_low, np.where(vs < 0, to_high, level))
    end = np.where(vs > 0, to_high, np.where(vs < 0, to_low, -level))
    return start, end


def _fly(states: AircraftStates, rows: Ints, t: Floats) -> tuple[Floats, Floats]:
    """Longitude and latitude of aircraft ``rows`` after ``t`` seconds on their geodesics."""
    lon0, lat0 = states.lon_deg[rows], states.lat_deg[rows]
    distance = states.gs_mps[rows] * t
    lon, lat, _ = WGS84.fwd(lon0, lat0, states.track_deg[rows], distance)
    # fwd moves a point by a few ulps even over no distance; the snapshot position is exact.
    still = distance == 0.0
    return np.where(still, lon0, lon), np.where(still, lat0, lat)


def _first_inside(
    states: AircraftStates, volumes: ActiveVolumes, a: Ints, v: Ints, start: Floats, end: Floats
) -> Floats:
    """For each pair, the first time in [start, end] at which aircraft ``a`` is inside the
    footprint of volume ``v`` (NaN if none), as the module docstring describes."""
    entry = np.full(len(a), np.nan)
    if len(a) == 0:
        return entry
    gs = states.gs_mps[a]

    def lateral(pairs: Ints, t: Floats) -> Floats:
        lon, lat = _fly(states, a[pairs], t)
        return volumes._lateral_m(v[pairs], lon, lat, exact=False)

    steps = INCURSION_RESOLUTION_S * np.arange(_BATCH)
    t = start.copy()
    live = np.arange(len(a))
    f = lateral(live, t)
    brackets: list[tuple[Ints, Floats, Floats]] = []
    while len(live):
        inside = f <= 0.0
        entry[live[inside]] = t[live[inside]]
        live, f = live[~inside], f[~inside]
        with np.errstate(divide="ignore"):
            safe = f / gs[live] * _SAFE_STEP
        jump = safe >= steps[-1]
        # Far from the footprint: one step that cannot pass an entry.
        far = live[jump]
        t[far] += safe[jump]
        far = far[t[far] <= end[far]]
        # Near it: a batch of samples; a crossing found is bisected at the end.
        near = live[~jump]
        # No entry can come sooner than the safe step: the batch starts there.
        times = np.minimum(t[near, None] + safe[~jump, None] + steps, end[near, None])
        values = lateral(np.concatenate([far, np.repeat(near, _BATCH)]), np.append(t[far], times))
        sampled = values[len(far) :].reshape(len(near), _BATCH)
        hits = sampled <= 0.0
        found = hits.any(axis=1)
        first = np.argmax(hits, axis=1)[found]
        pairs = near[found]
        outside_at = np.where(first > 0, times[found, first - 1], t[pairs])
        brackets.append((pairs, outside_at, times[found, first]))
        going = ~found & (times[:, -1] < end[near])
        t[near[going]] = times[going, -1]
        live = np.concatenate([far, near[going]])
        f = np.concatenate([values[: len(far)], sampled[going, -1]])
    pairs = np.concatenate([b[0] for b in brackets])
    outside_at = np.concatenate([b[1] for b in brackets])
    inside_at = np.concatenate([b[2] for b in brackets])
    entry[pairs] = _bisect(lateral, pairs, outside_at, inside_at)
    return entry


def _bisect(
    lateral: Callable[[Ints, Floats], Floats], pairs: Ints, outside: Floats, inside: Floats
) -> Floats:
    """A time within :data:`ENTRY_TIME_TOLERANCE_S` after a crossing, inside."""
    for _ in range(_BISECTIONS):
        middle = (outside + inside) / 2.0
        hit = lateral(pairs, middle) <= 0.0
        inside = np.where(hit, middle, inside)
        outside = np.where(hit, outside, middle)
    return inside
