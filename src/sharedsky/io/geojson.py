"""GeoJSON Features as volumes: the geometry is the footprint, the properties carry the rest.

::

    {"type": "Feature",
     "geometry": {"type": "Polygon", "coordinates": [[[37.16, 36.2], ...]]},
     "properties": {"altitude_lower": "FL100", "altitude_upper": {"value": 20000,
                    "units": "FT", "reference": "MSL"},
                    "time_start": "2015-09-30T10:00:00Z", "time_end": "2015-09-30T11:00:00Z"}}

A ``Point`` needs a ``radius`` property (a circle), a ``LineString`` a ``width`` (a
corridor). Coordinates are ``[lon, lat]`` as RFC 7946 says; errors carry paths into this form.
"""

from __future__ import annotations

from typing import Any

from sharedsky.errors import InvalidInput, Issue
from sharedsky.model import Limits, Volume4D

__all__ = ["is_feature", "parse_feature_volume"]

_SHAPES = {"Polygon": "polygon", "Point": "circle", "LineString": "corridor"}
_PROPERTIES = ("altitude_lower", "altitude_upper", "time_start", "time_end")


def is_feature(data: Any) -> bool:
    return isinstance(data, dict) and data.get("type") == "Feature"


def _back(path: str, shape: str) -> str:
    geometry_field = {"polygon": "coordinates", "circle": "center", "corridor": "centerline"}
    head = f"footprint.{geometry_field[shape]}"
    if path.startswith(head):
        return "geometry.coordinates" + path[len(head) :]
    for name in ("radius", "width"):
        if path.startswith(f"footprint.{name}"):
            return f"properties.{name}" + path[len(f"footprint.{name}") :]
    if path.startswith("footprint"):
        return "geometry" + path[len("footprint") :]
    if path.startswith(_PROPERTIES):
        return "properties." + path
    return path


def parse_feature_volume(data: Any, *, limits: Limits | None = None) -> Volume4D:
    """A :class:`Volume4D` from a GeoJSON Feature; :class:`InvalidInput` with Feature paths."""
    geometry = data.get("geometry")
    properties = data.get("properties")
    issues = []
    if not isinstance(geometry, dict):
        issues.append(Issue("geometry", "a Feature needs a geometry object"))
    if not isinstance(properties, dict):
        issues.append(Issue("properties", "a Feature needs properties with altitude and time"))
    if issues:
        raise InvalidInput(issues)
    assert isinstance(geometry, dict) and isinstance(properties, dict)
    kind = geometry.get("type")
    shape = _SHAPES.get(kind) if isinstance(kind, str) else None
    if shape is None:
        raise InvalidInput.one(
            "geometry.type",
            f"geometry type {kind!r} is not a footprint (use Polygon, Point, LineString)",
        )
    coordinates = geometry.get("coordinates")
    footprint: dict[str, Any] = {"type": shape}
    if shape == "polygon":
        footprint["coordinates"] = coordinates
    elif shape == "circle":
        footprint["center"] = coordinates
        if "radius" not in properties:
            raise InvalidInput.one("properties.radius", "a Point footprint needs a radius property")
        footprint["radius"] = properties["radius"]
    else:
        footprint["centerline"] = coordinates
        if "width" not in properties:
            raise InvalidInput.one(
                "properties.width", "a LineString footprint needs a width property"
            )
        footprint["width"] = properties["width"]
    unknown = set(properties) - {*_PROPERTIES, "radius", "width", "name", "id"}
    if unknown:
        raise InvalidInput(
            [Issue(f"properties.{name}", "unknown property") for name in sorted(unknown)]
        )
    native = {"footprint": footprint, **{k: properties[k] for k in _PROPERTIES if k in properties}}
    try:
        return Volume4D.parse(native, limits=limits)
    except InvalidInput as error:
        raise InvalidInput([Issue(_back(i.path, shape), i.message) for i in error.issues]) from None
