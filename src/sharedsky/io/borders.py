"""Airspace polygon sets from GeoJSON: the bundled country borders, or any FeatureCollection
(a party's own authoritative boundaries, restricted areas).

::

    {"type": "FeatureCollection",
     "features": [{"type": "Feature", "id": "760",
                   "properties": {"name": "Syria", "iso_a3": "SYR"},
                   "geometry": {"type": "MultiPolygon", "coordinates": [[[[36.2, 35.9], ...]]]}}]}

Each Feature needs an ``id`` (a string or an integer; ``properties.id`` is read when the
Feature has none) and a ``Polygon`` or ``MultiPolygon`` geometry in WGS-84 ``[lon, lat]``
degrees. ``properties.name`` (default: the id) and ``properties.code`` or
``properties.iso_a3`` are optional. Lookups take any of id, code or name
(:meth:`~sharedsky.tactical.incursions.Airspaces.find`).

What can be repaired is repaired, and everything else is reported at once with its JSON path:
rings that are not closed are closed; self-intersecting or otherwise invalid polygons go
through ``shapely.make_valid`` (their polygonal parts are kept); a polygon drawn across the
antimeridian with longitudes beyond ±180° is cut there and each side shifted into range.
Malformed structure, non-numeric or out-of-range coordinates, rings of fewer than three
distinct points and duplicate ids are refused.

>>> countries = load_countries()
>>> syria = countries.find("SYR")
>>> countries.ids[syria], countries.names[syria], countries.find("Turkey") == countries.find("792")
('760', 'Syria', True)
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from sharedsky.errors import InvalidInput, Issue
from sharedsky.io.operations_file import MAX_FILE_BYTES, load_json
from sharedsky.tactical.incursions import Airspaces

__all__ = ["COUNTRIES_FILE", "load_countries", "parse_airspaces", "read_airspaces"]

COUNTRIES_FILE = "countries-50m.geojson"
"""The bundled borders in ``sharedsky/data/``: Natural Earth 4.1.0 admin-0 at 1:50m from npm
``world-atlas@2.0.2``, ids ISO 3166-1 numeric (see ``PROVENANCE.md`` beside it)."""

_MAX_TURNS = 1
"""Longitudes are accepted up to one turn past ±180° (a polygon drawn across the antimeridian
in continuous longitudes), no further."""


def load_countries() -> Airspaces:
    """The bundled country borders (240 airspaces; ids such as ``"760"``, codes such as
    ``"SYR"``). Each call reads and indexes the file again (about a second): keep the result."""
    data = resources.files("sharedsky").joinpath("data", COUNTRIES_FILE).read_bytes()
    return parse_airspaces(load_json(data))


def read_airspaces(path: str | Path) -> Airspaces:
    """Airspaces from a GeoJSON file (see the module docstring)."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidInput.one("$", f"the file is larger than {MAX_FILE_BYTES:,} bytes")
        text = file.read_bytes()
    except OSError as error:
        raise InvalidInput.one("$", f"cannot read {file}: {error.strerror}") from None
    return parse_airspaces(load_json(text))


def parse_airspaces(document: Any) -> Airspaces:
    """Airspaces from a parsed GeoJSON FeatureCollection or a single Feature."""
    features: Any
    if isinstance(document, dict) and document.get("type") == "Feature":
        features, base = [document], "$"
    elif isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features, base = document.get("features"), "$.features"
        if not isinstance(features, list):
            raise InvalidInput.one(base, "expected a list of Features")
    else:
        raise InvalidInput.one("$.type", 'expected "FeatureCollection" or "Feature"')
    issues: list[Issue] = []
    ids: list[str] = []
    names: list[str] = []
    codes: list[str | None] = []
    geometries: list[Any] = []
    seen: dict[str, str] = {}
    for k, feature in enumerate(features):
        here = base if base == "$" else f"{base}[{k}]"
        try:
            key, name, code, geometry = _feature(feature, here)
        except InvalidInput as error:
            issues += error.issues
            continue
        if key in seen:
            issues.append(Issue(f"{here}.id", f"duplicate id {key!r} (also {seen[key]})"))
            continue
        seen[key] = here
        ids.append(key)
        names.append(name)
        codes.append(code)
        geometries.append(geometry)
    if not features:
        issues.append(Issue(base, "no Features"))
    if issues:
        raise InvalidInput(issues)
    return Airspaces.from_geometries(ids=ids, names=names, codes=codes, geometries=geometries)


def _feature(feature: Any, here: str) -> tuple[str, str, str | None, Any]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InvalidInput.one(f"{here}.type", 'expected a "Feature" object')
    properties = feature.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise InvalidInput.one(f"{here}.properties", "expected an object or null")
    issues: list[Issue] = []
    raw, where = feature.get("id"), f"{here}.id"
    if raw is None and properties.get("id") is not None:
        raw, where = properties["id"], f"{here}.properties.id"
    key = _identifier(raw)
    if key is None:
        issues.append(Issue(where, "an airspace needs an id: a non-empty string or an integer"))
    name = properties.get("name", key)
    if "name" in properties and (not isinstance(name, str) or not name):
        issues.append(Issue(f"{here}.properties.name", "expected a non-empty string"))
    code_field = "code" if "code" in properties else "iso_a3"
    code = properties.get(code_field)
    if code is not None and (not isinstance(code, str) or not code):
        issues.append(Issue(f"{here}.properties.{code_field}", "expected a non-empty string"))
    try:
        geometry = _geometry(feature.get("geometry"), f"{here}.geometry")
    except InvalidInput as error:
        issues += error.issues
    if issues:
        raise InvalidInput(issues)
    assert key is not None
    return key, name or key, code, geometry


def _identifier(raw: Any) -> str | None:
    if isinstance(raw, str) and raw:
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    return None


def _geometry(geometry: Any, here: str) -> Any:
    """A valid (multi)polygon within [-180°, 180°], repaired where that is possible."""
    if not isinstance(geometry, dict):
        raise InvalidInput.one(here, "a Feature needs a geometry object")
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        polygons, paths = [coordinates], [f"{here}.coordinates"]
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise InvalidInput.one(f"{here}.coordinates", "expected a non-empty list of polygons")
        polygons = coordinates
        paths = [f"{here}.coordinates[{k}]" for k in range(len(coordinates))]
    else:
        raise InvalidInput.one(f"{here}.type", 'expected "Polygon" or "MultiPolygon"')
    issues: list[Issue] = []
    parts = []
    for rings, path in zip(polygons, paths, strict=True):
        try:
            parts.append(_polygon(rings, path))
        except InvalidInput as error:
            issues += error.issues
    if issues:
        raise InvalidInput(issues)
    merged = shapely.multipolygons(shapely.get_parts(parts))
    if not merged.is_valid:
        merged = _polygonal(shapely.make_valid(shapely.union_all(parts)))
    repaired = _within_range(merged)
    if repaired.is_empty:
        raise InvalidInput.one(here, "the polygon has no area")
    return repaired


def _polygon(rings: Any, path: str) -> Any:
    if not isinstance(rings, list) or not rings:
        raise InvalidInput.one(path, "expected a list of rings (exterior first)")
    issues: list[Issue] = []
    arrays = []
    for r, ring in enumerate(rings):
        where = f"{path}[{r}]"
        try:
            array = _ring(ring, where)
        except InvalidInput as error:
            issues += error.issues
            continue
        if not np.array_equal(array[0], array[-1]):
            array = np.vstack([array, array[:1]])
        if len(array) < 4:
            issues.append(Issue(where, "a ring needs at least three distinct positions"))
        arrays.append(array)
    if issues:
        raise InvalidInput(issues)
    shell, *holes = arrays
    polygon = shapely.Polygon(shell, holes)
    if polygon.is_valid:
        return polygon
    # The "structure" method reads the rings even-odd, so holes that poke out of their
    # shell or rings that cross themselves are repaired as drawn.
    return _polygonal(shapely.make_valid(polygon, method="structure", keep_collapsed=False))


def _ring(ring: Any, where: str) -> Any:
    """The ring's [lon, lat] positions as an (n, 2) array, or every bad position's issue."""
    if not isinstance(ring, list) or not ring:
        raise InvalidInput.one(where, "expected a list of [lon, lat] positions")
    # Fast path for the usual all-number positions; the slow path names each bad one.
    if all(type(p) is list and len(p) in (2, 3) for p in ring) and {
        type(v) for p in ring for v in p
    } <= {int, float}:
        array = np.array([p[:2] for p in ring], dtype=np.float64)
        limit = 180.0 + 360.0 * _MAX_TURNS
        ok = (np.abs(array[:, 0]) <= limit) & (np.abs(array[:, 1]) <= 90.0)
        if ok.all():
            return array
    issues = [
        Issue(f"{where}[{v}]", problem)
        for v, position in enumerate(ring)
        if (problem := _position_problem(position))
    ]
    if issues:
        raise InvalidInput(issues)
    return np.array([p[:2] for p in ring], dtype=np.float64)


def _position_problem(position: Any) -> str | None:
    if not isinstance(position, list) or len(position) not in (2, 3):
        return "expected a position [lon, lat] (or [lon, lat, height])"
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position):
        return "coordinates must be numbers"
    lon, lat = float(position[0]), float(position[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return "coordinates must be finite"
    limit = 180.0 + 360.0 * _MAX_TURNS
    if not -limit <= lon <= limit:
        return f"longitude {lon} is beyond ±{limit:g}"
    if not -90.0 <= lat <= 90.0:
        return f"latitude {lat} is outside [-90, 90]"
    return None


def _polygonal(geometry: Any) -> Any:
    parts = [
        p for p in shapely.get_parts(geometry) if isinstance(p, shapely.Polygon) and not p.is_empty
    ]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _within_range(geometry: Any) -> Any:
    """The geometry with the parts beyond ±180° cut off and shifted back by a turn."""
    west, _, east, _ = geometry.bounds
    if geometry.is_empty or (west >= -180.0 and east <= 180.0):
        return geometry
    pieces = []
    for turn in range(-_MAX_TURNS, _MAX_TURNS + 1):
        window = shapely.box(-180.0 + 360.0 * turn, -90.0, 180.0 + 360.0 * turn, 90.0)
        piece = _polygonal(shapely.intersection(geometry, window))
        pieces.append(shapely.transform(piece, lambda xy, t=turn: xy - [360.0 * t, 0.0]))
    return _polygonal(shapely.make_valid(shapely.union_all(pieces)))
