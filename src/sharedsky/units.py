"""Aviation units at the edges, SI inside: the one place where conversions happen.

Quantities arrive as a number and a unit written together (``"5NM"``, ``"500ft"``, ``"300s"``),
as ``{"value": 5, "units": "NM"}`` objects, or as flight levels (``"FL250"``). Everything is
converted here, once, to metres and seconds.

>>> parse_length("3NM")
5556.0
>>> parse_duration("2min")
120.0
>>> flight_level_m("FL290")
8839.2
"""

from __future__ import annotations

import math
import re

from sharedsky.errors import InvalidInput

__all__ = [
    "FT_M",
    "LENGTH_UNITS_M",
    "NM_M",
    "TIME_UNITS_S",
    "flight_level_m",
    "format_length",
    "length_m",
    "parse_duration",
    "parse_length",
]

FT_M = 0.3048
NM_M = 1852.0

LENGTH_UNITS_M: dict[str, float] = {"M": 1.0, "KM": 1000.0, "NM": NM_M, "FT": FT_M}
TIME_UNITS_S: dict[str, float] = {"S": 1.0, "MIN": 60.0, "H": 3600.0}

_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]+)\s*$")
_FLIGHT_LEVEL = re.compile(r"^\s*FL\s*(\d{1,3})\s*$", re.IGNORECASE)


def _split(text: str, units: dict[str, float], kind: str) -> float:
    match = _QUANTITY.match(text)
    if match is None:
        raise InvalidInput.one("", f"{kind} {text!r} must be a number with a unit, e.g. 5NM")
    number, unit = float(match.group(1)), match.group(2).upper()
    if unit not in units:
        known = ", ".join(sorted(units))
        raise InvalidInput.one("", f"unknown {kind} unit {match.group(2)!r} (use {known})")
    value = number * units[unit]
    if not math.isfinite(value):
        raise InvalidInput.one("", f"{kind} {text!r} is not finite")
    return value


def parse_length(text: str) -> float:
    """Metres from a length written with its unit: ``M``, ``KM``, ``NM`` or ``FT``."""
    return _split(text, LENGTH_UNITS_M, "length")


def parse_duration(text: str) -> float:
    """Seconds from a duration written with its unit: ``s``, ``min`` or ``h``."""
    return _split(text, TIME_UNITS_S, "duration")


def length_m(value: float, units: str) -> float:
    """Metres from a value and a unit name (``M``, ``KM``, ``NM``, ``FT``; any case)."""
    factor = LENGTH_UNITS_M.get(units.upper())
    if factor is None:
        known = ", ".join(sorted(LENGTH_UNITS_M))
        raise InvalidInput.one("", f"unknown length unit {units!r} (use {known})")
    return value * factor


def flight_level_m(text: str) -> float:
    """Pressure altitude in metres of a flight level (``"FL250"`` is 25,000 ft)."""
    match = _FLIGHT_LEVEL.match(text)
    if match is None:
        raise InvalidInput.one("", f"{text!r} is not a flight level such as FL250")
    return int(match.group(1)) * 100 * FT_M


def format_length(metres: float) -> str:
    """Short human form of a distance: metres below 10 km, else NM and km."""
    if abs(metres) < 10_000:
        return f"{metres:,.0f} m"
    return f"{metres / NM_M:,.1f} NM"
