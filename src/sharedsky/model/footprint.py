"""Footprint shapes as declared: polygon, circle, corridor and orbit (GeoJSON [lon, lat] order).

Each model checks its structure; :meth:`geometry` builds the exact ellipsoidal footprint
(:mod:`sharedsky.geo.footprint`), raising :class:`~sharedsky.errors.InvalidInput` with the
JSON path of the bad vertex relative to the footprint.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from sharedsky import geo
from sharedsky.errors import InvalidInput
from sharedsky.units import length_m, parse_length

__all__ = ["Circle", "Corridor", "Distance", "Footprint", "Orbit", "Polygon", "distance_m"]

Position = tuple[float, float]
"""``(lon_deg, lat_deg)``, GeoJSON order."""


class Distance(BaseModel):
    """A distance on the wire: ``{"value": 5, "units": "NM"}`` (M, KM, NM or FT)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float
    units: Literal["M", "KM", "NM", "FT"]


DistanceInput = Annotated[
    Annotated[Distance, Tag("spec")]
    | Annotated[str, Tag("text")]
    | Annotated[float, Tag("number")],
    Discriminator(
        lambda v: (
            "text" if isinstance(v, str) else "number" if isinstance(v, int | float) else "spec"
        )
    ),
]
"""A :class:`Distance`, a string with its unit (``"5NM"``) or plain metres."""


def distance_m(value: Distance | str | float) -> float:
    """Metres of a :data:`DistanceInput`; ``ValueError`` when it is not a positive finite length."""
    try:
        if isinstance(value, Distance):
            metres = length_m(value.value, value.units)
        elif isinstance(value, str):
            metres = parse_length(value)
        else:
            metres = float(value)
    except InvalidInput as error:
        raise ValueError(error.issues[0].message) from None
    if not math.isfinite(metres) or metres <= 0:
        raise ValueError(f"must be a positive finite length, got {metres}")
    return metres


class _Shape(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _vertex_path(name: str, nested: bool) -> geo.VertexPath:
    def where(ring: int, vertex: int | None) -> str:
        base = f"{name}[{ring}]" if nested else name
        return base if vertex is None else f"{base}[{vertex}]"

    return where


class Polygon(_Shape):
    """``coordinates``: an exterior ring then any holes, each a list of ``[lon, lat]``."""

    type: Literal["polygon"] = "polygon"
    coordinates: list[list[Position]] = Field(min_length=1)

    def geometry(self) -> geo.FootprintGeometry:
        return geo.polygon(
            self.coordinates[0], self.coordinates[1:], where=_vertex_path("coordinates", True)
        )


class Circle(_Shape):
    type: Literal["circle"] = "circle"
    center: Position
    radius: DistanceInput

    @field_validator("radius")
    @classmethod
    def _radius(cls, value: Distance | str | float) -> Distance | str | float:
        distance_m(value)
        return value

    def geometry(self) -> geo.FootprintGeometry:
        return geo.circle(self.center, distance_m(self.radius), where=lambda _r, _v: "center")


class Corridor(_Shape):
    """Every point within half of ``width`` of the centreline (AIXM / ACO CORRIDOR)."""

    type: Literal["corridor"] = "corridor"
    centerline: list[Position] = Field(min_length=2)
    width: DistanceInput

    @field_validator("width")
    @classmethod
    def _width(cls, value: Distance | str | float) -> Distance | str | float:
        distance_m(value)
        return value

    def geometry(self) -> geo.FootprintGeometry:
        return geo.corridor(
            self.centerline, distance_m(self.width), where=_vertex_path("centerline", False)
        )


class Orbit(_Shape):
    """A racetrack between two points (ACO AORBIT); ``alignment`` C, L or R."""

    type: Literal["orbit"] = "orbit"
    start: Position
    end: Position
    width: DistanceInput
    alignment: Literal["C", "L", "R"] = "C"

    @field_validator("width")
    @classmethod
    def _width(cls, value: Distance | str | float) -> Distance | str | float:
        distance_m(value)
        return value

    def geometry(self) -> geo.FootprintGeometry:
        def where(_ring: int, vertex: int | None) -> str:
            return "start" if vertex in (None, 0) else "end"

        return geo.orbit(self.start, self.end, distance_m(self.width), self.alignment, where=where)


Footprint = Annotated[Polygon | Circle | Corridor | Orbit, Field(discriminator="type")]
