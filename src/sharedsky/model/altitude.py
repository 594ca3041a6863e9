"""Altitudes with their reference, as declared and as compared.

Accepted references: ``W84`` (height above the WGS-84 ellipsoid, F3548's only one) and
``MSL`` (barometric / above mean sea level; flight levels are pressure altitudes and belong
here). ``AGL`` is refused: it needs terrain elevation, which sharedsky does not hold, and it
is never silently reinterpreted.

Comparing a ``W84`` band with an ``MSL`` band needs the geoid undulation N (h = H + N), which
sharedsky does not bundle. It compares them conservatively instead: an ``MSL`` height H may be
any ellipsoidal height in ``[H + N_MIN, H + N_MAX]`` (EGM2008's global range), so such pairs
are reported closer than they may be, never further.
"""

from __future__ import annotations

import enum
import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Tag, model_validator

from sharedsky.errors import SharedskyError
from sharedsky.units import FT_M, flight_level_m

__all__ = [
    "GEOID_N_MAX_M",
    "GEOID_N_MIN_M",
    "Altitude",
    "AltitudeInput",
    "AltitudeReference",
    "AltitudeSpec",
    "parse_altitude",
]

GEOID_N_MIN_M = -106.7
GEOID_N_MAX_M = 85.9

MIN_ALTITUDE_M = -8_000.0
MAX_ALTITUDE_M = 100_000.0


class AltitudeReference(enum.StrEnum):
    W84 = "W84"
    MSL = "MSL"


class AltitudeSpec(BaseModel):
    """An altitude as written on the wire: ``{"value": 3000, "units": "M", "reference": "W84"}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float
    units: Literal["M", "FT"]
    reference: Literal["W84", "MSL", "BARO", "AGL"]

    @model_validator(mode="after")
    def _finite(self) -> AltitudeSpec:
        if not math.isfinite(self.value):
            raise ValueError("altitude value must be a finite number")
        if self.reference == "AGL":
            raise ValueError(
                "AGL altitudes need terrain elevation, which sharedsky does not hold;"
                " give the altitude as W84 (ellipsoid) or MSL"
            )
        return self


class Altitude(BaseModel):
    """An altitude in metres with its reference, and the text it was declared as."""

    model_config = ConfigDict(frozen=True)

    metres: float
    reference: AltitudeReference
    declared: str

    @property
    def feet(self) -> float:
        return self.metres / FT_M


AltitudeInput = Annotated[
    Annotated[AltitudeSpec, Tag("spec")] | Annotated[str, Tag("text")],
    Discriminator(lambda v: "text" if isinstance(v, str) else "spec"),
]
"""An :class:`AltitudeSpec` or a flight level such as ``"FL250"``."""


def parse_altitude(value: AltitudeSpec | str) -> Altitude:
    """An :class:`Altitude` from a spec or a flight level string; ``ValueError`` if neither.

    >>> parse_altitude("FL250").metres
    7620.0
    """
    if isinstance(value, str):
        try:
            metres = flight_level_m(value)
        except SharedskyError as error:
            raise ValueError(str(error)) from None
        return Altitude(metres=metres, reference=AltitudeReference.MSL, declared=value.strip())
    metres = value.value * (FT_M if value.units == "FT" else 1.0)
    if not MIN_ALTITUDE_M <= metres <= MAX_ALTITUDE_M:
        raise ValueError(
            f"altitude {metres:.1f} m is outside [{MIN_ALTITUDE_M}, {MAX_ALTITUDE_M}] m"
        )
    reference = AltitudeReference.W84 if value.reference == "W84" else AltitudeReference.MSL
    return Altitude(
        metres=metres,
        reference=reference,
        declared=f"{value.value:g} {value.units} {value.reference}",
    )
