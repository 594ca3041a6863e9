"""DAIDALUS ``.daa`` encounter files: aircraft states step by step, read into SI columns.

A ``.daa`` file is text: ``#`` comment lines, a line of column names, an optional line of
units in brackets (one per column; ``unitless``/``[none]`` for dimensionless ones), then one
aircraft per line. Fields are separated by commas and/or whitespace. Consecutive rows sharing
a time form a step; the aircraft of the first row is the ownship (every step needs one row for
it), every other one an intruder.

Columns (names are case-insensitive; unknown ones are ignored):

========================================  ===========================  ==================
columns                                   meaning                      default unit
========================================  ===========================  ==================
``name``                                  aircraft identity            --
``lat lon alt`` or ``sx sy sz``           geodetic or Euclidean        deg, deg, ft /
                                          position                     nmi, nmi, ft
``trk gs vs`` or ``vx vy vz``             ground velocity              deg, knot, fpm /
                                                                       knot, knot, fpm
``time``                                  seconds                      s
``heading airspeed`` (optional)           air velocity (ownship: wind) deg, knot
``alerter`` (optional, default 1)         1-based alerter index        unitless
``s_EW_std s_NS_std s_EN_std sz_std``     position uncertainty (SUM)   nmi, nmi, nmi, ft
``v_EW_std v_NS_std v_EN_std vz_std``     velocity uncertainty (SUM)   knot, knot, knot, fpm
========================================  ===========================  ==================

>>> encounter = parse_daa('''NAME lat lon alt trk gs vs time
... [none] [deg] [deg] [ft] [deg] [knot] [fpm] [s]
... own, 40.0, -74.0, 15000, 0, 120, 0, 0
... bad, 40.1, -74.0, 15000, 180, 120, 0, 0
... ''')
>>> encounter.ownship, encounter.alt_m.tolist(), round(float(encounter.vn_mps[1]), 3)
('own', [4572.0, 4572.0], -61.733)
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from sharedsky.errors import InvalidInput, Issue
from sharedsky.tactical.daidalus_alerting import Encounter
from sharedsky.tactical.wcv import Uncertainty
from sharedsky.units import FT_M, NM_M

__all__ = ["Dimension", "parse_daa", "read_daa", "unit_factor"]

Floats = npt.NDArray[np.float64]

_KNOT_MPS = NM_M / 3600.0
_FPM_MPS = FT_M / 60.0


class Dimension(enum.Enum):
    """What a quantity measures, so that a unit of the wrong kind is refused."""

    LENGTH = "length"
    SPEED = "speed"
    ANGLE = "angle"
    TIME = "time"
    NONE = "dimensionless"


# DAIDALUS's unit names (lower case) and their SI factors; angles go to degrees, not radians,
# because positions are kept as lat_deg/lon_deg.
_UNITS: dict[str, tuple[Dimension, float]] = {
    "m": (Dimension.LENGTH, 1.0),
    "km": (Dimension.LENGTH, 1000.0),
    "ft": (Dimension.LENGTH, FT_M),
    "nmi": (Dimension.LENGTH, NM_M),
    "nm": (Dimension.LENGTH, NM_M),
    "mi": (Dimension.LENGTH, 1609.344),
    "m/s": (Dimension.SPEED, 1.0),
    "km/h": (Dimension.SPEED, 1000.0 / 3600.0),
    "knot": (Dimension.SPEED, _KNOT_MPS),
    "kn": (Dimension.SPEED, _KNOT_MPS),
    "kts": (Dimension.SPEED, _KNOT_MPS),
    "fpm": (Dimension.SPEED, _FPM_MPS),
    "ft/min": (Dimension.SPEED, _FPM_MPS),
    "ft/s": (Dimension.SPEED, FT_M),
    "nmi/s": (Dimension.SPEED, NM_M),
    "nmi/h": (Dimension.SPEED, _KNOT_MPS),
    "mph": (Dimension.SPEED, 1609.344 / 3600.0),
    "deg": (Dimension.ANGLE, 1.0),
    "rad": (Dimension.ANGLE, 180.0 / math.pi),
    "s": (Dimension.TIME, 1.0),
    "min": (Dimension.TIME, 60.0),
    "h": (Dimension.TIME, 3600.0),
    "hr": (Dimension.TIME, 3600.0),
    "ms": (Dimension.TIME, 0.001),
    "unitless": (Dimension.NONE, 1.0),
    "none": (Dimension.NONE, 1.0),
}


def unit_factor(unit: str, dimension: Dimension) -> float:
    """The factor to SI (degrees for angles) of a DAIDALUS unit such as ``[nmi]`` or ``knot``.

    Raises ``ValueError`` naming the problem when the unit is unknown or of another dimension.
    """
    name = unit.strip().removeprefix("[").removesuffix("]").strip().lower()
    known = _UNITS.get(name)
    if known is None:
        raise ValueError(f"unknown unit {unit!r}")
    if known[0] is not dimension:
        raise ValueError(f"unit {unit!r} is not a {dimension.value} unit")
    return known[1]


@dataclass(frozen=True, slots=True)
class _Column:
    key: str
    dimension: Dimension
    default_unit: str
    minimum: float = -math.inf


_COLUMNS: dict[str, _Column] = {
    column.key: column
    for column in (
        _Column("name", Dimension.NONE, "none"),
        _Column("lat", Dimension.ANGLE, "deg"),
        _Column("lon", Dimension.ANGLE, "deg"),
        _Column("alt", Dimension.LENGTH, "ft"),
        _Column("sx", Dimension.LENGTH, "nmi"),
        _Column("sy", Dimension.LENGTH, "nmi"),
        _Column("sz", Dimension.LENGTH, "ft"),
        _Column("trk", Dimension.ANGLE, "deg"),
        _Column("gs", Dimension.SPEED, "knot", 0.0),
        _Column("vs", Dimension.SPEED, "fpm"),
        _Column("vx", Dimension.SPEED, "knot"),
        _Column("vy", Dimension.SPEED, "knot"),
        _Column("vz", Dimension.SPEED, "fpm"),
        _Column("heading", Dimension.ANGLE, "deg"),
        _Column("airspeed", Dimension.SPEED, "knot", 0.0),
        _Column("time", Dimension.TIME, "s"),
        _Column("alerter", Dimension.NONE, "none", 1.0),
        _Column("s_ew_std", Dimension.LENGTH, "nmi", 0.0),
        _Column("s_ns_std", Dimension.LENGTH, "nmi", 0.0),
        _Column("s_en_std", Dimension.LENGTH, "nmi"),
        _Column("sz_std", Dimension.LENGTH, "ft", 0.0),
        _Column("v_ew_std", Dimension.SPEED, "knot", 0.0),
        _Column("v_ns_std", Dimension.SPEED, "knot", 0.0),
        _Column("v_en_std", Dimension.SPEED, "knot"),
        _Column("vz_std", Dimension.SPEED, "fpm", 0.0),
    )
}

_ALIASES = {
    "latitude": "lat",
    "longitude": "lon",
    "long": "lon",
    "altitude": "alt",
    "track": "trk",
    "tm": "time",
}

_SIGMAS = (
    "s_ew_std",
    "s_ns_std",
    "s_en_std",
    "sz_std",
    "v_ew_std",
    "v_ns_std",
    "v_en_std",
    "vz_std",
)
_SEPARATOR = re.compile(r"\s*,\s*|\s+")


def _fields(line: str) -> list[str]:
    return _SEPARATOR.split(line.strip())


def _is_units_line(fields: list[str]) -> bool:
    return all(
        (f.startswith("[") and f.endswith("]")) or f.lower() in ("unitless", "none") for f in fields
    )


def read_daa(path: Path) -> Encounter:
    """The encounter of a ``.daa`` file (see the module docs); ``InvalidInput`` if malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise InvalidInput.one(str(path), f"cannot read the scenario: {reason}") from None
    return parse_daa(text, source=str(path))


def parse_daa(text: str, *, source: str = "") -> Encounter:
    """The encounter written in ``text``; errors name ``source``, the line and the column."""
    lines = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]

    def where(number: int) -> str:
        return f"{source}:{number}" if source else f"line {number}"

    if not lines:
        raise InvalidInput.one(source, "no column names: the file has no content")
    header_line, header = lines[0][0], _fields(lines[0][1])
    keys = [_ALIASES.get(name.lower(), name.lower()) for name in header]
    geodetic = _geodetic_layout(keys, where(header_line))
    rows = lines[1:]
    units, units_line = [""] * len(keys), header_line
    if rows and _is_units_line(_fields(rows[0][1])):
        units_line, units = rows[0][0], _fields(rows[0][1])
        rows = rows[1:]
        if len(units) != len(keys):
            raise InvalidInput.one(where(units_line), f"{len(units)} units for {len(keys)} columns")
    factors = _factors(keys, header, units, where(units_line))
    if not rows:
        raise InvalidInput.one(source or where(header_line), "no aircraft states")
    names, values, numbers = _rows(rows, keys, header, factors, where)
    return _encounter(names, values, numbers, geodetic, where)


def _geodetic_layout(keys: list[str], where: str) -> bool:
    """Whether positions are lat/lon/alt (else sx/sy/sz), refusing duplicate or missing columns."""
    seen: set[str] = set()
    for key in keys:
        if key in seen and key in _COLUMNS:
            raise InvalidInput.one(where, f"column {key!r} appears twice")
        seen.add(key)
    issues: list[Issue] = []
    geodetic = {"lat", "lon", "alt"} & seen
    euclidean = {"sx", "sy", "sz"} & seen
    if geodetic and euclidean:
        issues.append(Issue(where, "mixes lat/lon/alt with sx/sy/sz columns"))
    need = ["name", "time"]
    need += ["sx", "sy", "sz"] if euclidean else ["lat", "lon", "alt"]
    need += ["vx", "vy", "vz"] if {"vx", "vy", "vz"} & seen else ["trk", "gs", "vs"]
    if ("heading" in seen) != ("airspeed" in seen):
        need += ["heading", "airspeed"]
    missing = [key for key in need if key not in seen]
    if missing:
        issues.append(Issue(where, f"missing column(s) {', '.join(missing)}"))
    if issues:
        raise InvalidInput(issues)
    return not euclidean


def _factors(keys: list[str], header: list[str], units: list[str], where: str) -> list[float]:
    factors: list[float] = []
    for key, name, unit in zip(keys, header, units, strict=True):
        column = _COLUMNS.get(key)
        if column is None or key == "name":
            factors.append(1.0)
            continue
        written = unit.strip("[]").strip().lower()
        try:
            factors.append(
                unit_factor(
                    column.default_unit if written in ("", "unspecified") else unit,
                    column.dimension,
                )
            )
        except ValueError as error:
            raise InvalidInput.one(where, f"column {name}: {error}") from None
    return factors


def _rows(
    rows: list[tuple[int, str]],
    keys: list[str],
    header: list[str],
    factors: list[float],
    locate: Callable[[int], str],
) -> tuple[list[str], dict[str, Floats], list[int]]:
    """Names, SI columns of the known numeric columns, and the source line of each row."""
    wanted = [(i, key) for i, key in enumerate(keys) if key in _COLUMNS and key != "name"]
    name_index = keys.index("name")
    table = np.empty((len(rows), len(wanted)))
    names: list[str] = []
    numbers: list[int] = []
    for r, (number, line) in enumerate(rows):
        fields = _fields(line)
        if len(fields) != len(keys):
            raise InvalidInput.one(
                locate(number), f"{len(fields)} fields where the header has {len(keys)}"
            )
        if not fields[name_index]:
            raise InvalidInput.one(locate(number), f"column {header[name_index]}: empty name")
        names.append(fields[name_index])
        numbers.append(number)
        for c, (i, key) in enumerate(wanted):
            value = _number(fields[i], _COLUMNS[key], header[i], locate(number)) * factors[i]
            if key == "lat" and abs(value) > 90:
                raise InvalidInput.one(
                    locate(number), f"column {header[i]}: latitude {fields[i]} is beyond ±90°"
                )
            table[r, c] = value
    values = {key: table[:, c].copy() for c, (_, key) in enumerate(wanted)}
    return names, values, numbers


def _number(text: str, column: _Column, name: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput.one(where, f"column {name}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise InvalidInput.one(where, f"column {name}: {text!r} is not finite")
    if value < column.minimum:
        raise InvalidInput.one(where, f"column {name}: {text} is below {column.minimum:g}")
    if column.key == "alerter" and value != int(value):
        raise InvalidInput.one(where, f"column {name}: {text} is not a whole alerter number")
    return value


def _encounter(
    names: list[str],
    values: dict[str, Floats],
    numbers: list[int],
    geodetic: bool,
    where: Callable[[int], str],
) -> Encounter:
    n = len(names)
    nan = np.full(n, np.nan)
    time_s = values["time"]
    _check_steps(names, time_s, numbers, where)
    if "vx" in values:
        ve, vn, vz = values["vx"], values["vy"], values["vz"]
    else:
        track = np.radians(values["trk"])
        ve, vn, vz = values["gs"] * np.sin(track), values["gs"] * np.cos(track), values["vs"]
    air_ve, air_vn = nan, nan
    if "heading" in values:
        heading = np.radians(values["heading"])
        air_ve = values["airspeed"] * np.sin(heading)
        air_vn = values["airspeed"] * np.cos(heading)
    zeros = np.zeros(n)
    sigma = {key: values.get(key, zeros) for key in _SIGMAS}
    return Encounter(
        names=np.asarray(names, dtype=np.str_),
        time_s=time_s,
        geodetic=geodetic,
        lat_deg=values["lat"] if geodetic else nan,
        lon_deg=values["lon"] if geodetic else nan,
        x_m=nan if geodetic else values["sx"],
        y_m=nan if geodetic else values["sy"],
        alt_m=values["alt"] if geodetic else values["sz"],
        ve_mps=ve,
        vn_mps=vn,
        vz_mps=vz,
        air_ve_mps=air_ve,
        air_vn_mps=air_vn,
        alerter=values.get("alerter", np.ones(n)).astype(np.int64),
        uncertainty=Uncertainty(
            s_ew_m=sigma["s_ew_std"],
            s_ns_m=sigma["s_ns_std"],
            s_en_m=sigma["s_en_std"],
            sz_m=sigma["sz_std"],
            v_ew_mps=sigma["v_ew_std"],
            v_ns_mps=sigma["v_ns_std"],
            v_en_mps=sigma["v_en_std"],
            vz_mps=sigma["vz_std"],
        ),
    )


def _check_steps(
    names: list[str], time_s: Floats, numbers: list[int], where: Callable[[int], str]
) -> None:
    """Steps (consecutive rows at one time) go forward in time, and each has one ownship row
    and no repeated name."""
    ownship = names[0]
    start = 0
    for stop in range(1, len(names) + 1):
        if stop < len(names) and time_s[stop] == time_s[start]:
            continue
        if start > 0 and time_s[start] < time_s[start - 1]:
            raise InvalidInput.one(
                where(numbers[start]),
                f"time {time_s[start]:g} s goes back from {time_s[start - 1]:g} s",
            )
        seen: set[str] = set()
        for row in range(start, stop):
            if names[row] in seen:
                raise InvalidInput.one(
                    where(numbers[row]),
                    f"{names[row]!r} appears twice at time {time_s[row]:g} s",
                )
            seen.add(names[row])
        if ownship not in seen:
            raise InvalidInput.one(
                where(numbers[start]),
                f"no row for the ownship {ownship!r} at time {time_s[start]:g} s",
            )
        start = stop
