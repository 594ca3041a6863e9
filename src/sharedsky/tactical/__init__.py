"""Layer 2: the tactical engine (pure): live tracks, conflict prediction, alerting, incursions."""

from sharedsky.tactical.alerts import (
    Alert,
    AlertLevel,
    AlertTracker,
    AlertUpdate,
    CylinderProfile,
    PairLevel,
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
    "AircraftStates",
    "Alert",
    "AlertLevel",
    "AlertTracker",
    "AlertUpdate",
    "Conflicts",
    "CylinderProfile",
    "LevelFlight",
    "Losses",
    "PairLevel",
    "Separation",
    "SeparationPolicy",
    "StateReports",
    "SweepResult",
    "SweepSettings",
    "latest",
    "replay",
    "sweep",
    "sweep_all_pairs",
]
