"""Layer 2: the tactical engine (pure): live tracks, conflict prediction, alerting, incursions."""

from sharedsky.tactical.alerts import (
    Alert,
    AlertLevel,
    AlertTracker,
    AlertUpdate,
    CylinderProfile,
    PairLevel,
)
from sharedsky.tactical.conformance import (
    ActiveVolumes,
    Conformance,
    Deviation,
    VolumeEntry,
    VolumeEntryKind,
    check_conformance,
    predict_volume_entries,
)
from sharedsky.tactical.daidalus_alerting import (
    AlertingParameters,
    AlertingTable,
    Encounter,
    alert_levels,
)
from sharedsky.tactical.incursions import (
    Airspaces,
    BorderMonitor,
    EntryBasis,
    Incursion,
    Incursions,
    predict_incursions,
)
from sharedsky.tactical.separation import LevelFlight, Separation, SeparationPolicy
from sharedsky.tactical.states import AircraftStates, StateReports, latest, replay
from sharedsky.tactical.sweep import (
    Conflicts,
    Losses,
    SweepResult,
    SweepSettings,
    sweep,
    sweep_all_pairs,
)

__all__ = [
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
]
