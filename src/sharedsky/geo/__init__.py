"""Layer 0: WGS-84 geodesy and exact footprint geometry (no I/O, no clock, no state)."""

from sharedsky.geo.distance import core_distance_m, lateral_gap_m, lateral_gaps_m
from sharedsky.geo.ellipsoid import (
    WGS84,
    ecef_from_lonlat,
    geodesic_distance_m,
    lonlat_from_ecef,
)
from sharedsky.geo.footprint import (
    MAX_SEGMENT_M,
    CoreKind,
    FootprintGeometry,
    VertexPath,
    circle,
    corridor,
    orbit,
    polygon,
)
from sharedsky.geo.gnomonic import GnomonicFrame
from sharedsky.geo.outline import outline_lonlat

__all__ = [
    "MAX_SEGMENT_M",
    "WGS84",
    "CoreKind",
    "FootprintGeometry",
    "GnomonicFrame",
    "VertexPath",
    "circle",
    "core_distance_m",
    "corridor",
    "ecef_from_lonlat",
    "geodesic_distance_m",
    "lateral_gap_m",
    "lateral_gaps_m",
    "lonlat_from_ecef",
    "orbit",
    "outline_lonlat",
    "polygon",
]
