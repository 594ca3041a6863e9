"""The public surface of each package is deliberate: this fails when it changes by accident."""

import importlib

import pytest

EXPORTS = {
    "sharedsky.errors": {
        "AlreadyExists",
        "InvalidInput",
        "Issue",
        "SharedskyError",
        "StaleVersion",
        "UnknownEntity",
        "join_path",
        "path_of",
    },
    "sharedsky.units": {
        "FT_M",
        "LENGTH_UNITS_M",
        "NM_M",
        "TIME_UNITS_S",
        "flight_level_m",
        "format_length",
        "length_m",
        "parse_duration",
        "parse_length",
    },
    "sharedsky.geo": {
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
    },
    "sharedsky.model": {
        "Altitude",
        "AltitudeReference",
        "AltitudeSpec",
        "Circle",
        "Corridor",
        "Distance",
        "Footprint",
        "Limits",
        "Operation",
        "OperationState",
        "Orbit",
        "Polygon",
        "Volume4D",
        "parse_altitude",
        "rfc3339",
    },
    "sharedsky.strategic": {
        "BufferPolicy",
        "Buffers",
        "CheckResult",
        "Conflict",
        "PriorityPolicy",
        "PriorityRule",
        "Reason",
        "ResolutionHints",
        "StrategicEngine",
        "Verdict",
        "VolumeRef",
        "resolution_hints",
        "vertical_gap_m",
    },
    "sharedsky.io": {
        "is_f3548",
        "is_feature",
        "load_json",
        "parse_daa",
        "parse_daidalus_conf",
        "parse_f3548_volume",
        "parse_feature_volume",
        "parse_operations",
        "parse_volume",
        "ReadReport",
        "load_countries",
        "parse_airspaces",
        "read_airspaces",
        "read_daa",
        "read_daidalus_conf",
        "read_operations",
        "read_state_vectors",
        "to_f3548",
        "write_alerting_csv",
    },
    "sharedsky.store": {"Database", "default_url", "open_database"},
    "sharedsky.service": {
        "Coordinator",
        "LedgerService",
        "ServicePolicy",
        "create_app",
        "load_signing_key",
    },
    "sharedsky.ledger": {
        "BUNDLE_FORMAT",
        "KEY_REGISTERED",
        "ROW_FIELDS",
        "WINDOW_S",
        "BundleEntry",
        "BundleVerdict",
        "Chunk",
        "Entry",
        "HeadComparison",
        "MerkleTree",
        "PartySignature",
        "PublicKey",
        "Relation",
        "SignedRequest",
        "SigningKey",
        "TreeHead",
        "Verdict",
        "audience_json",
        "canonical_json",
        "check_rows",
        "compare_heads",
        "empty_root",
        "entry_prefix",
        "key_id",
        "leaf_hash",
        "make_bundle",
        "node_hash",
        "parse_entry",
        "registered_key",
        "request_document",
        "sign_request",
        "signature_problem",
        "verify_bundle",
        "verify_consistency",
        "verify_inclusion",
        "verify_log",
    },
    "sharedsky.tactical": {
        "ActiveVolumes",
        "AircraftStates",
        "Airspaces",
        "Alert",
        "AlertLevel",
        "AlertTracker",
        "AlertUpdate",
        "AlertingParameters",
        "AlertingTable",
        "BorderMonitor",
        "Conflicts",
        "Conformance",
        "CylinderProfile",
        "Deviation",
        "Encounter",
        "EntryBasis",
        "Incursion",
        "Incursions",
        "LevelFlight",
        "Losses",
        "PairLevel",
        "Separation",
        "SeparationPolicy",
        "StateReports",
        "SweepResult",
        "SweepSettings",
        "VolumeEntry",
        "VolumeEntryKind",
        "alert_levels",
        "check_conformance",
        "latest",
        "predict_incursions",
        "predict_volume_entries",
        "replay",
        "sweep",
        "sweep_all_pairs",
    },
}


@pytest.mark.parametrize("module", sorted(EXPORTS))
def test_exported_members(module: str) -> None:
    imported = importlib.import_module(module)
    assert set(imported.__all__) == EXPORTS[module]
    for name in imported.__all__:
        assert hasattr(imported, name), f"{module}.{name} is listed but missing"


LAYERS = [
    "units",
    "errors",
    "geo",
    "model",
    "strategic",
    "tactical",
    "ledger",
    "store",
    "io",
    "service",
    "cli",
]


@pytest.mark.parametrize(
    "lower",
    ["units", "errors", "geo", "model", "strategic", "tactical", "ledger", "store", "io"],
)
def test_lower_layers_import_no_higher_one(lower: str) -> None:
    """DESIGN.md: lower layers never import higher ones."""
    from pathlib import Path

    import sharedsky

    root = Path(sharedsky.__file__).parent
    files = (
        [root / f"{lower}.py"] if (root / f"{lower}.py").exists() else (root / lower).rglob("*.py")
    )
    higher = LAYERS[LAYERS.index(lower) + 1 :]
    for path in files:
        text = path.read_text()
        for name in higher:
            if name == "errors":
                continue
            assert f"sharedsky.{name}" not in text, f"{path.name} imports sharedsky.{name}"
