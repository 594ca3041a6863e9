"""Layer 4: formats in and out (ASTM F3548 Volume4D JSON, GeoJSON, operations files)."""

from sharedsky.io.f3548 import is_f3548, parse_f3548_volume, to_f3548
from sharedsky.io.geojson import is_feature, parse_feature_volume
from sharedsky.io.operations_file import load_json, parse_operations, parse_volume, read_operations

__all__ = [
    "is_f3548",
    "is_feature",
    "load_json",
    "parse_f3548_volume",
    "parse_feature_volume",
    "parse_operations",
    "parse_volume",
    "read_operations",
    "to_f3548",
]
