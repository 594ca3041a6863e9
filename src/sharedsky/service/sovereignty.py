"""Which parties' sovereign airspace an operation enters (they receive its notices).

A footprint and a country are compared in the footprint's own gnomonic frame (see
docs/architecture.md): the country is first cut to a box around the footprint, its edges
(straight in longitude/latitude) are cut into 0.01° pieces, and the core's planar distance to
it is compared with the footprint's radius. Within a few hundred kilometres of the frame's
centre the gnomonic stretch is under 0.1 %; the test allows 1 % + 50 m, so it errs towards
telling a party about an operation that only grazes its border, never the other way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt
import shapely
from shapely import affinity

from sharedsky.geo import FootprintGeometry, ecef_from_lonlat
from sharedsky.model import Operation
from sharedsky.tactical import Airspaces

__all__ = ["Sovereignty"]

# The shortest degree of latitude, metres (the meridian at the equator).
_M_PER_DEG_MIN = 110_574.0


def _window(geometry: FootprintGeometry) -> shapely.Geometry:
    """A lon/lat box sure to hold every point of the footprint (and then some)."""
    west, east, south, north = geometry.bounds_deg
    pad = geometry.radius_m * 1.01 / _M_PER_DEG_MIN + 0.05
    south, north = max(-90.0, south - pad), min(90.0, north + pad)
    polar = max(abs(south), abs(north))
    if polar > 89.0 or east - west > 180.0:
        return shapely.box(-180.0, south, 180.0, north)
    lon_pad = pad / max(math.cos(math.radians(polar)), 1e-6)
    return shapely.box(west - lon_pad, south, east + lon_pad, north)


def _enters(geometry: FootprintGeometry, country: shapely.Geometry) -> bool:
    window = _window(geometry)
    near = shapely.intersection(country, window)
    # A footprint across the antimeridian: look at the country shifted by a turn too.
    for shift in (-360.0, 360.0):
        shifted = affinity.translate(country, xoff=shift)
        near = shapely.union(near, shapely.intersection(shifted, window))
    if near.is_empty:
        return False
    frame = geometry.frame()

    def project(lonlat: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.asarray(frame.project(ecef_from_lonlat(lonlat[:, 0], lonlat[:, 1])))

    planar = shapely.transform(shapely.segmentize(near, 0.01), project)
    core = geometry.in_frame(frame)
    return bool(shapely.distance(core, planar) <= geometry.radius_m * 1.01 + 50.0)


class Sovereignty:
    """Parties' declared countries, and which of them an operation enters."""

    def __init__(self, countries: Sequence[tuple[str, shapely.Geometry]] = ()) -> None:
        """``countries``: (party, its country's lon/lat geometry) pairs."""
        self._countries = list(countries)

    @classmethod
    def of(cls, countries: Airspaces, owners: Mapping[str, Iterable[str]]) -> Sovereignty:
        """From party → its countries (ids, ISO codes or names, already checked)."""
        return cls(
            [
                (party, countries.geometries[countries.find(key)])
                for party, keys in owners.items()
                for key in keys
            ]
        )

    def parties_entered(self, operation: Operation) -> set[str]:
        """The parties (other than the operation's own) whose airspace any volume enters."""
        found: set[str] = set()
        for party, country in self._countries:
            if party == operation.party or party in found:
                continue
            if any(_enters(v.geometry, country) for v in operation.volumes):
                found.add(party)
        return found
