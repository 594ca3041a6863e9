"""ASTM F3548-21 ``Volume4D`` JSON, exactly as the standard spells it.

::

    {"volume": {"outline_polygon": {"vertices": [{"lat": 36.2, "lng": 37.16}, ...]},
                "altitude_lower": {"value": 3000, "reference": "W84", "units": "M"},
                "altitude_upper": {"value": 4500, "reference": "W84", "units": "M"}},
     "time_start": {"value": "2026-11-25T10:00:00Z", "format": "RFC3339"},
     "time_end": {"value": "2026-11-25T11:00:00Z", "format": "RFC3339"}}

The standard allows only W84 metres and exactly one outline; a polygon's vertices are
``{lat, lng}`` objects (not GeoJSON order). Errors carry paths into this form.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sharedsky.errors import InvalidInput, Issue
from sharedsky.model import Circle, Limits, Polygon, Volume4D, rfc3339
from sharedsky.model.volume import issues_from_validation_error

__all__ = ["is_f3548", "parse_f3548_volume", "to_f3548"]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LatLngPoint(_Strict):
    lat: float
    lng: float


class Radius(_Strict):
    value: float = Field(gt=0)
    units: Literal["M"]


class OutlinePolygon(_Strict):
    vertices: list[LatLngPoint] = Field(min_length=3)


class OutlineCircle(_Strict):
    center: LatLngPoint
    radius: Radius


class F3548Altitude(_Strict):
    value: float = Field(ge=-8000, le=100000)
    reference: Literal["W84"]
    units: Literal["M"]


class Volume3D(_Strict):
    outline_polygon: OutlinePolygon | None = None
    outline_circle: OutlineCircle | None = None
    altitude_lower: F3548Altitude
    altitude_upper: F3548Altitude

    @model_validator(mode="after")
    def _one_outline(self) -> Volume3D:
        if (self.outline_polygon is None) == (self.outline_circle is None):
            raise ValueError("exactly one of outline_polygon and outline_circle is required")
        return self


class Time(_Strict):
    value: str
    format: Literal["RFC3339"]


class F3548Volume4D(_Strict):
    volume: Volume3D
    time_start: Time
    time_end: Time


def is_f3548(data: Any) -> bool:
    return isinstance(data, dict) and "volume" in data


_PATHS = (
    ("footprint.coordinates[0][", "volume.outline_polygon.vertices["),
    ("footprint.coordinates[0]", "volume.outline_polygon.vertices"),
    ("footprint.coordinates", "volume.outline_polygon"),
    ("footprint.center", "volume.outline_circle.center"),
    ("footprint.radius", "volume.outline_circle.radius"),
    ("footprint", "volume"),
    ("altitude_lower", "volume.altitude_lower"),
    ("altitude_upper", "volume.altitude_upper"),
    ("time_start", "time_start.value"),
    ("time_end", "time_end.value"),
)


def _back(path: str) -> str:
    for native, f3548 in _PATHS:
        if path.startswith(native):
            return f3548 + path[len(native) :]
    return path


def parse_f3548_volume(data: Any, *, limits: Limits | None = None) -> Volume4D:
    """A :class:`Volume4D` from F3548 JSON; :class:`InvalidInput` with F3548 paths."""
    try:
        wire = F3548Volume4D.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(issues_from_validation_error(error)) from None
    v = wire.volume
    footprint: dict[str, Any]
    if v.outline_polygon is not None:
        ring = [[p.lng, p.lat] for p in v.outline_polygon.vertices]
        footprint = {"type": "polygon", "coordinates": [ring]}
    else:
        assert v.outline_circle is not None
        c = v.outline_circle
        footprint = {
            "type": "circle",
            "center": [c.center.lng, c.center.lat],
            "radius": {"value": c.radius.value, "units": "M"},
        }
    native = {
        "footprint": footprint,
        "altitude_lower": {"value": v.altitude_lower.value, "units": "M", "reference": "W84"},
        "altitude_upper": {"value": v.altitude_upper.value, "units": "M", "reference": "W84"},
        "time_start": wire.time_start.value,
        "time_end": wire.time_end.value,
    }
    try:
        return Volume4D.parse(native, limits=limits)
    except InvalidInput as error:
        raise InvalidInput([Issue(_back(i.path), i.message) for i in error.issues]) from None


def to_f3548(volume: Volume4D) -> dict[str, Any]:
    """F3548 JSON of a volume whose footprint is a polygon or a circle and whose band is W84.

    Raises :class:`InvalidInput` for shapes or references F3548 cannot carry.
    """
    fp = volume.footprint
    outline: dict[str, Any]
    if isinstance(fp, Polygon) and len(fp.coordinates) == 1:
        vertices = [{"lat": lat, "lng": lon} for lon, lat in fp.coordinates[0]]
        if len(vertices) > 1 and vertices[0] == vertices[-1]:
            vertices.pop()
        outline = {"outline_polygon": {"vertices": vertices}}
    elif isinstance(fp, Circle):
        outline = {
            "outline_circle": {
                "center": {"lat": fp.center[1], "lng": fp.center[0]},
                "radius": {"value": volume.geometry.radius_m, "units": "M"},
            }
        }
    else:
        raise InvalidInput.one("footprint", f"F3548 cannot carry a {fp.type} footprint")
    if volume.reference.value != "W84":
        raise InvalidInput.one("altitude_lower", "F3548 carries W84 altitudes only")
    return {
        "volume": {
            **outline,
            "altitude_lower": {"value": volume.lower.metres, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": volume.upper.metres, "reference": "W84", "units": "M"},
        },
        "time_start": {"value": rfc3339(volume.time_start), "format": "RFC3339"},
        "time_end": {"value": rfc3339(volume.time_end), "format": "RFC3339"},
    }
