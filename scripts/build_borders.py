"""Build sharedsky's bundled country borders from the npm package ``world-atlas@2.0.2``.

Run from anywhere in the repository::

    .venv/bin/python scripts/build_borders.py

It runs ``npm ci`` in ``scripts/borders/`` when the pinned packages are not installed there,
decodes ``countries-50m.json`` (TopoJSON, Natural Earth 4.1.0 admin-0 at 1:50m) in Python,
repairs the geometries and writes ``src/sharedsky/data/countries-50m.geojson`` and
``src/sharedsky/data/PROVENANCE.md``.

Repairs, in order, for each country:

1. Each ring's longitudes are unwrapped (a step of more than 180° between two vertices is
   read as crossing the antimeridian, not as an edge around the world): world-atlas leaves
   some rings of Russia and Fiji crossing it. A ring that then winds once around the globe
   (Antarctica's coast) is closed through the pole on its side.
2. The rings of each polygon are combined even-odd (the area each encloses, made valid, then
   symmetric differences), not as "shell minus holes": world-atlas draws Antarctica as a
   degenerate shell along the polar cut (-89.999°) with the coast as its hole. Then
   ``shapely.make_valid`` of the country, keeping only polygonal parts.
3. The unwrapped shape is cut into 360°-wide windows that are shifted back into [-180°, 180°],
   so that every polygon lies inside the ordinary longitude range and a country that spans
   the antimeridian is two polygons meeting along it.
4. Snap-rounding to a 1e-6° grid (``shapely.set_precision``, which keeps the result valid; the
   source is quantized to about 0.0036° × 0.0017°, so this moves no vertex meaningfully), and
   exterior rings counter-clockwise as RFC 7946 asks.

Features that share an ISO code are merged (Natural Earth's Ashmore and Cartier Islands carry
Australia's ``036``). Features without an ISO code (disputed or unrecognised territories) keep
Natural Earth's name and get an ``x-`` id; sharedsky does not decide whose they are.

The output is deterministic: rebuilding from the same input with the same shapely/GEOS gives
the same bytes, and PROVENANCE.md keeps its build date while the output's sha256 is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

ROOT = Path(__file__).resolve().parents[1]
NPM_DIR = ROOT / "scripts" / "borders"
ATLAS_DIR = NPM_DIR / "node_modules" / "world-atlas"
ATLAS = ATLAS_DIR / "countries-50m.json"
CODES = NPM_DIR / "node_modules" / "i18n-iso-countries" / "codes.json"
OUT_DIR = ROOT / "src" / "sharedsky" / "data"
OUT = OUT_DIR / "countries-50m.geojson"
PROVENANCE = OUT_DIR / "PROVENANCE.md"

ATLAS_VERSION = "2.0.2"
GRID_DEG = 1e-6

Coords = npt.NDArray[np.float64]


def ensure_packages() -> None:
    """Install the pinned npm packages (from the committed lockfile) when absent."""
    if not (ATLAS.is_file() and CODES.is_file()):
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit"], cwd=NPM_DIR, check=True)
    version = json.loads((ATLAS_DIR / "package.json").read_text())["version"]
    if version != ATLAS_VERSION:
        sys.exit(f"world-atlas {version} is installed, expected {ATLAS_VERSION}: run npm ci")


def decode_arcs(topology: dict[str, Any]) -> list[Coords]:
    """Absolute lon/lat of every arc: delta-decoded quantized integers, scaled and shifted."""
    scale = np.asarray(topology["transform"]["scale"], dtype=np.float64)
    translate = np.asarray(topology["transform"]["translate"], dtype=np.float64)
    return [
        np.cumsum(np.asarray(arc, dtype=np.int64), axis=0) * scale + translate
        for arc in topology["arcs"]
    ]


def ring(arcs: list[Coords], indices: list[int]) -> Coords:
    """A closed ring from arc indices (``~i`` is arc ``i`` reversed); joined arcs share ends."""
    pieces = []
    for k, i in enumerate(indices):
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        pieces.append(arc if k == 0 else arc[1:])
    return np.concatenate(pieces)


def unwrap(xy: Coords) -> Coords:
    """The ring with continuous longitudes; a ring that winds around a pole is closed through
    that pole (the one on its side of the equator), so that it encloses the polar cap."""
    out = xy.copy()
    out[:, 0] = np.degrees(np.unwrap(np.radians(xy[:, 0])))
    turns = round((out[-1, 0] - out[0, 0]) / 360.0)
    if turns:
        pole = 90.0 if out[:, 1].mean() > 0 else -90.0
        out = np.vstack([out, [[out[-1, 0], pole], [out[0, 0], pole], out[0]]])
    return out


def polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """The polygonal parts of a geometry (``make_valid`` can add lines where rings touch)."""
    parts = shapely.get_parts(geometry)
    kept = [p for p in parts if isinstance(p, shapely.Polygon | shapely.MultiPolygon)]
    return shapely.union_all(kept) if kept else shapely.Polygon()


def country_geometry(arcs: list[Coords], geometry: dict[str, Any]) -> tuple[Any, bool, bool]:
    """The repaired (multi)polygon; whether the input was invalid, and whether it had to be
    cut at the antimeridian."""
    polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
    parts = []
    invalid = False
    for rings in polygons:
        raw = [ring(arcs, indices) for indices in rings]
        invalid |= not shapely.Polygon(raw[0], raw[1:]).is_valid
        # Even-odd over the rings rather than "shell minus holes": world-atlas draws Antarctica
        # as a degenerate shell along the polar cut with the coast as its hole.
        region = shapely.Polygon()
        west = 0.0
        for k, r in enumerate(raw):
            enclosed = unwrap(r)
            if k == 0:
                west = float(enclosed[:, 0].min())
            else:
                # A hole goes where its shell is, in the shell's unwrapped longitudes.
                enclosed[:, 0] += 360.0 * np.ceil((west - enclosed[0, 0]) / 360.0)
            disc = polygonal(shapely.make_valid(shapely.Polygon(enclosed)))
            region = polygonal(shapely.symmetric_difference(region, disc))
        parts.append(region)
    unwrapped = polygonal(shapely.make_valid(shapely.union_all(parts)))
    west, _, east, _ = unwrapped.bounds
    crosses = west < -180.0 or east > 180.0
    windows = []
    for turn in range(
        int(np.floor((west + 180.0) / 360.0)), int(np.ceil((east - 180.0) / 360.0)) + 1
    ):
        window = shapely.box(-180.0 + 360.0 * turn, -90.0, 180.0 + 360.0 * turn, 90.0)
        piece = polygonal(shapely.intersection(unwrapped, window))
        windows.append(shapely.transform(piece, lambda xy, t=turn: xy - [360.0 * t, 0.0]))
    merged = polygonal(shapely.make_valid(shapely.union_all(windows)))
    snapped = polygonal(shapely.set_precision(merged, GRID_DEG))
    return shapely.orient_polygons(snapped, exterior_cw=False), invalid, crosses


def coordinates(geometry: shapely.Geometry) -> list[Any]:
    """GeoJSON MultiPolygon coordinates, rounded to the grid (shortest float text)."""

    def points(r: shapely.LinearRing) -> list[list[float]]:
        return np.round(shapely.get_coordinates(r), 6).tolist()  # type: ignore[no-any-return]

    return [
        [points(p.exterior), *(points(h) for h in p.interiors)] for p in shapely.get_parts(geometry)
    ]


def slug(name: str) -> str:
    return "x-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def build(
    topology: dict[str, Any], codes: list[list[str]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The features, sorted by id, and notes on every repair made."""
    alpha3 = {numeric: a3 for _, a3, numeric, *_ in codes}
    arcs = decode_arcs(topology)
    by_id: dict[str, list[tuple[str, Any]]] = {}
    notes = []
    for g in topology["objects"]["countries"]["geometries"]:
        name = g["properties"]["name"]
        geometry, invalid, crosses = country_geometry(arcs, g)
        if invalid:
            notes.append(f"{name}: invalid as decoded; repaired with make_valid")
        if crosses:
            notes.append(
                f"{name}: rings cross the antimeridian or circle a pole; unwrapped, cut at ±180°"
            )
        key = g.get("id") or slug(name)
        if "id" not in g:
            notes.append(f"{name}: no ISO 3166-1 code in Natural Earth; id {key!r}")
        by_id.setdefault(key, []).append((name, geometry))
    features = []
    for key in sorted(by_id):
        named = sorted(by_id[key], key=lambda item: -float(shapely.area(item[1])))
        if len(named) > 1:
            others = ", ".join(n for n, _ in named[1:])
            notes.append(f"{named[0][0]}: merged with {others} (same ISO code {key})")
        geometry = shapely.orient_polygons(
            polygonal(shapely.union_all([geom for _, geom in named])), exterior_cw=False
        )
        if not shapely.is_valid(geometry):
            sys.exit(f"{key}: still invalid after repair: {shapely.is_valid_reason(geometry)}")
        iso = key if not key.startswith("x-") else None
        features.append(
            {
                "type": "Feature",
                "id": key,
                "properties": {
                    "name": named[0][0],
                    "iso_a3": alpha3.get(key) if iso else None,
                    "iso_n3": iso,
                },
                "geometry": {"type": "MultiPolygon", "coordinates": coordinates(geometry)},
            }
        )
    return features, sorted(notes)


def dump(features: list[dict[str, Any]]) -> bytes:
    """One feature per line: readable diffs when the data is rebuilt."""
    lines = [json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in features]
    body = ",\n".join(lines)
    return f'{{"type":"FeatureCollection","features":[\n{body}\n]}}\n'.encode()


def build_date(output_sha: str) -> str:
    """Today, unless PROVENANCE.md already records this exact output (rebuilds are no-ops)."""
    if PROVENANCE.is_file():
        text = PROVENANCE.read_text()
        same = re.search(rf"`{output_sha}`", text)
        date = re.search(r"^- \*\*built\*\*: (\d{4}-\d{2}-\d{2})", text, re.MULTILINE)
        if same and date:
            return date.group(1)
    return datetime.now(UTC).strftime("%Y-%m-%d")


def provenance(input_sha: str, output_sha: str, features: int, notes: list[str]) -> str:
    geos = shapely.geos_version_string
    lines = [
        "# Bundled data: provenance",
        "",
        "## `countries-50m.geojson`",
        "",
        "Sovereign borders for the border monitor: one GeoJSON Feature per country, `id` the ISO"
        ' 3166-1 numeric code (a string such as `"760"`), properties `name` (Natural Earth\'s),'
        " `iso_a3` and `iso_n3`. Coordinates are WGS-84 longitude/latitude degrees on a 1e-6°"
        " grid; every polygon lies within [-180°, 180°] (countries across the antimeridian are"
        " cut there) and is valid.",
        "",
        "- **source**: npm package `world-atlas@2.0.2` (packaging ISC), file"
        " `countries-50m.json`: Natural Earth 4.1.0 Admin 0 countries at 1:50m, public domain"
        " (https://www.naturalearthdata.com/about/terms-of-use/)",
        f"- **input sha256** (`countries-50m.json`): `{input_sha}`",
        "- **ISO alpha-3 codes**: npm package `i18n-iso-countries@7.14.0` (MIT), `codes.json`,"
        " joined on the numeric code",
        "- **pinned by**: `scripts/borders/package.json` and `scripts/borders/package-lock.json`",
        "- **built with**: `.venv/bin/python scripts/build_borders.py` (runs `npm ci` in"
        " `scripts/borders/` when needed; the decoding and repairs are Python, see the script's"
        f" docstring), shapely {shapely.__version__} (GEOS {geos}), numpy {np.__version__}",
        f"- **built**: {build_date(output_sha)}",
        f"- **output sha256**: `{output_sha}`",
        f"- **features**: {features}",
        "",
        "Repairs and merges made by the build:",
        "",
        *(f"- {note}" for note in notes),
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    ensure_packages()
    raw = ATLAS.read_bytes()
    features, notes = build(json.loads(raw), json.loads(CODES.read_text()))
    data = dump(features)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(data)
    output_sha = hashlib.sha256(data).hexdigest()
    text = provenance(hashlib.sha256(raw).hexdigest(), output_sha, len(features), notes)
    PROVENANCE.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)} ({len(data) / 2**20:.2f} MiB, {len(features)} features)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
