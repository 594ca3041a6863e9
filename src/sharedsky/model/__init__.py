"""Layer 1: the domain vocabulary, validated at construction (pydantic v2, frozen)."""

from sharedsky.model.altitude import Altitude, AltitudeReference, AltitudeSpec, parse_altitude
from sharedsky.model.footprint import Circle, Corridor, Distance, Footprint, Orbit, Polygon
from sharedsky.model.limits import Limits
from sharedsky.model.operation import Operation, OperationState
from sharedsky.model.volume import Volume4D, rfc3339

__all__ = [
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
]
