"""Layer 4: formats in and out (ASTM F3548 Volume4D JSON, GeoJSON, operations files, state
vectors, DAIDALUS scenarios, configurations and alerting CSV)."""

from sharedsky.io.borders import load_countries, parse_airspaces, read_airspaces
from sharedsky.io.daa import parse_daa, read_daa
from sharedsky.io.daidalus_conf import parse_daidalus_conf, read_daidalus_conf
from sharedsky.io.daidalus_csv import write_alerting_csv
from sharedsky.io.f3548 import is_f3548, parse_f3548_volume, to_f3548
from sharedsky.io.geojson import is_feature, parse_feature_volume
from sharedsky.io.operations_file import load_json, parse_operations, parse_volume, read_operations
from sharedsky.io.state_vectors import ReadReport, read_state_vectors

__all__ = [
    "ReadReport",
    "is_f3548",
    "is_feature",
    "load_countries",
    "load_json",
    "parse_airspaces",
    "parse_daa",
    "parse_daidalus_conf",
    "parse_f3548_volume",
    "parse_feature_volume",
    "parse_operations",
    "parse_volume",
    "read_airspaces",
    "read_daa",
    "read_daidalus_conf",
    "read_operations",
    "read_state_vectors",
    "to_f3548",
    "write_alerting_csv",
]
