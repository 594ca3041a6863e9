"""The bundled country borders (``sharedsky/data/countries-50m.geojson``), their provenance and
build, and GeoJSON airspace loading: checks, repairs and the JSON paths of refusals."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import shapely

from sharedsky.errors import InvalidInput, UnknownEntity
from sharedsky.io.borders import COUNTRIES_FILE, load_countries, parse_airspaces, read_airspaces
from sharedsky.tactical.incursions import Airspaces

ROOT = Path(__file__).resolve().parents[1]
DATA = resources.files("sharedsky").joinpath("data")


@pytest.fixture(scope="module")
def countries() -> Airspaces:
    return load_countries()


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return json.loads(DATA.joinpath(COUNTRIES_FILE).read_bytes())  # type: ignore[no-any-return]


# --- the bundled file ----------------------------------------------------------------------


def test_provenance_records_this_file() -> None:
    text = DATA.joinpath("PROVENANCE.md").read_text()
    data = DATA.joinpath(COUNTRIES_FILE).read_bytes()
    assert f"`{hashlib.sha256(data).hexdigest()}`" in text
    assert "world-atlas@2.0.2" in text and "Natural Earth 4.1.0" in text
    assert "public domain" in text
    assert re.search(r"input sha256.*`[0-9a-f]{64}`", text)
    assert "scripts/build_borders.py" in text


def test_features_are_valid_countries_with_iso_codes(document: dict[str, Any]) -> None:
    features = document["features"]
    assert len(features) == 240
    ids = [f["id"] for f in features]
    assert len(set(ids)) == len(ids) and ids == sorted(ids)
    for feature in features:
        geometry = shapely.geometry.shape(feature["geometry"])
        assert geometry.is_valid and not geometry.is_empty, feature["id"]
        west, south, east, north = geometry.bounds
        assert west >= -180.0 and east <= 180.0 and south >= -90.0 and north <= 90.0
        properties = feature["properties"]
        if feature["id"].startswith("x-"):
            assert properties["iso_n3"] is None and properties["iso_a3"] is None
        else:
            assert re.fullmatch(r"\d{3}", feature["id"]) and properties["iso_n3"] == feature["id"]
    by_id = {f["id"]: f["properties"] for f in features}
    assert by_id["760"] == {"name": "Syria", "iso_a3": "SYR", "iso_n3": "760"}
    assert by_id["792"] == {"name": "Turkey", "iso_a3": "TUR", "iso_n3": "792"}
    assert {"x-kosovo", "x-n-cyprus", "x-somaliland"} <= set(by_id)


def test_reference_points_and_the_syria_turkey_border(countries: Airspaces) -> None:
    syria = countries.geometries[countries.find("SYR")]
    turkey = countries.geometries[countries.find("TUR")]
    for lon, lat in [(37.16, 36.20), (36.67, 36.23)]:  # Aleppo, Bab al-Hawa
        assert syria.contains(shapely.Point(lon, lat)) and not turkey.contains(
            shapely.Point(lon, lat)
        )
    for lon, lat in [(37.38, 37.06), (37.12, 36.72)]:  # Gaziantep, Kilis
        assert turkey.contains(shapely.Point(lon, lat)) and not syria.contains(
            shapely.Point(lon, lat)
        )
    shared = shapely.intersection(syria.boundary, turkey.boundary)
    assert shared.length == pytest.approx(7.7, abs=0.3)
    aleppo_gaziantep = shapely.LineString([(37.16, 36.20), (37.38, 37.06)])
    assert aleppo_gaziantep.crosses(shared)


def test_antimeridian_countries_are_whole(countries: Airspaces) -> None:
    """Russia and Fiji are cut at ±180° with land on both sides; Antarctica reaches the pole."""
    russia = countries.geometries[countries.find("RUS")]
    fiji = countries.geometries[countries.find("FJI")]
    antarctica = countries.geometries[countries.find("ATA")]
    for lon, lat in [(-175.0, 66.0), (175.0, 66.0), (179.9, 68.95), (-179.9, 68.9), (37.6, 55.75)]:
        assert russia.contains(shapely.Point(lon, lat)), (lon, lat)
    assert not russia.contains(shapely.Point(100.0, 45.0))  # Mongolia
    for lon, lat in [(178.0, -17.8), (179.3, -16.6), (-179.95, -16.8)]:
        assert fiji.contains(shapely.Point(lon, lat)), (lon, lat)
    for lon, lat in [(0.0, -89.9), (0.0, -85.0), (179.9, -85.0), (-179.9, -85.0)]:
        assert antarctica.contains(shapely.Point(lon, lat)), (lon, lat)
    # The world-atlas polygons taken as drawn (edges across the globe) would be far larger.
    assert russia.area == pytest.approx(2927.5, rel=1e-3)
    assert antarctica.area == pytest.approx(6049.0, rel=1e-3)


def test_lookups(countries: Airspaces) -> None:
    syria = countries.find("760")
    assert countries.find("SYR") == countries.find("syr") == countries.find("SYRIA") == syria
    assert countries.codes[syria] == "SYR" and countries.names[syria] == "Syria"
    with pytest.raises(UnknownEntity):
        countries.find("Atlantis")
    assert "240" in repr(countries)


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_borders", ROOT / "scripts" / "build_borders.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_build_is_deterministic_and_gives_the_bundled_file() -> None:
    """Decoding and repairing from the npm package (when installed) gives the bundled bytes,
    twice."""
    build = _build_script()
    if not (build.ATLAS.is_file() and build.CODES.is_file()):
        pytest.skip("npm packages not installed: run `npm ci` in scripts/borders/")
    raw = json.loads(build.ATLAS.read_bytes())
    codes = json.loads(build.CODES.read_text())
    first = build.dump(build.build(raw, codes)[0])
    assert first == DATA.joinpath(COUNTRIES_FILE).read_bytes()
    assert build.dump(build.build(raw, codes)[0]) == first


# --- GeoJSON airspaces ---------------------------------------------------------------------


def feature(coordinates: Any, *, id: Any = "R1", kind: str = "Polygon", **properties: Any) -> Any:
    return {
        "type": "Feature",
        "id": id,
        "properties": properties,
        "geometry": {"type": kind, "coordinates": coordinates},
    }


def collection(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


SQUARE = [[[36.0, 35.0], [37.0, 35.0], [37.0, 36.0], [36.0, 36.0], [36.0, 35.0]]]


def test_a_feature_collection_loads_with_names_and_codes() -> None:
    zones = parse_airspaces(
        collection(
            feature(SQUARE, id="R1", name="Range one", code="ROZ1"),
            feature([SQUARE], id=7, kind="MultiPolygon"),
            {
                "type": "Feature",
                "properties": {"id": "R3"},
                "geometry": feature(SQUARE)["geometry"],
            },
        )
    )
    assert zones.ids == ("R1", "7", "R3")
    assert zones.names == ("Range one", "7", "R3")
    assert zones.find("roz1") == 0 and zones.find("range ONE") == 0
    single = parse_airspaces(feature(SQUARE, iso_a3="SQR"))
    assert single.codes == ("SQR",)


def test_repairs_unclosed_rings_bowties_and_the_antimeridian() -> None:
    unclosed = [[[36.0, 35.0], [37.0, 35.0], [37.0, 36.0], [36.0, 36.0]]]
    bowtie = [[[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]]
    across = [[[170.0, -10.0], [190.0, -10.0], [190.0, 10.0], [170.0, 10.0], [170.0, -10.0]]]
    zones = parse_airspaces(
        collection(feature(unclosed, id="a"), feature(bowtie, id="b"), feature(across, id="c"))
    )
    a, b, c = zones.geometries
    assert a.equals(shapely.box(36.0, 35.0, 37.0, 36.0))
    assert b.is_valid and b.area == pytest.approx(0.5)
    assert c.bounds == (-180.0, -10.0, 180.0, 10.0) and c.area == pytest.approx(400.0)
    pairs = zones.locate([175.0, -175.0, 0.2, 5.0], [0.0, 0.0, 0.5, 5.0])
    assert pairs.tolist() == [[0, 1, 2], [2, 2, 1]]


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ([], "$.type"),
        ({"type": "FeatureCollection", "features": {}}, "$.features"),
        (collection(), "$.features"),
        (collection({"type": "Feature"}), "$.features[0].id"),
        (collection(feature(SQUARE, id=None)), "$.features[0].id"),
        (collection(feature(SQUARE, id=True)), "$.features[0].id"),
        (collection(feature(SQUARE), feature(SQUARE)), "$.features[1].id"),
        (collection(feature(SQUARE, name="")), "$.features[0].properties.name"),
        (collection(feature(SQUARE, code=3)), "$.features[0].properties.code"),
        (collection(feature([[0, 0]], kind="Point")), "$.features[0].geometry.type"),
        (collection(feature("x")), "$.features[0].geometry.coordinates"),
        (
            collection(feature([[[0, 0], [1, 0], "x", [0, 0]]])),
            "$.features[0].geometry.coordinates[0][2]",
        ),
        (
            collection(feature([[[0, 0], [1, 0], [1, 91], [0, 0]]])),
            "$.features[0].geometry.coordinates[0][2]",
        ),
        (
            collection(feature([[[0, 0], [600, 0], [1, 1], [0, 0]]])),
            "$.features[0].geometry.coordinates[0][1]",
        ),
        (
            collection(feature([[[0, 0], [1, 0], [True, 1], [0, 0]]])),
            "$.features[0].geometry.coordinates[0][2]",
        ),
        (collection(feature([[[0, 0], [1, 0], [0, 0]]])), "$.features[0].geometry.coordinates[0]"),
        (collection(feature([[[0, 0], [1, 0], [2, 0], [0, 0]]])), "$.features[0].geometry"),
        (
            collection(feature([SQUARE, "x"], kind="MultiPolygon")),
            "$.features[0].geometry.coordinates[1]",
        ),
    ],
)
def test_bad_geojson_is_refused_with_its_path(document: Any, path: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_airspaces(document)
    assert path in [issue.path for issue in error.value.issues]


def test_read_from_a_file(tmp_path: Path) -> None:
    file = tmp_path / "zones.geojson"
    file.write_text(json.dumps(collection(feature(SQUARE))))
    assert read_airspaces(file).ids == ("R1",)
    with pytest.raises(InvalidInput):
        read_airspaces(tmp_path / "absent.geojson")
    (tmp_path / "bad.geojson").write_text("{")
    with pytest.raises(InvalidInput):
        read_airspaces(tmp_path / "bad.geojson")


def test_locate_agrees_with_shapely_away_from_borders(countries: Airspaces) -> None:
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(-180, 180, 4000), rng.uniform(-90, 90, 4000)
    point, owner = countries.locate(lon, lat)
    got = set(zip(point.tolist(), owner.tolist(), strict=True))
    tree = shapely.STRtree(countries.geometries)
    points = shapely.points(lon, lat)
    p, g = tree.query(points, predicate="within")
    want = set(zip(p.tolist(), g.tolist(), strict=True))
    near = shapely.dwithin(
        shapely.boundary(countries.geometries)[np.array([o for _, o in got ^ want], dtype=int)],
        points[np.array([q for q, _ in got ^ want], dtype=int)],
        1e-9,
    )
    assert near.all()
    with pytest.raises(InvalidInput):
        countries.locate([0.0, 200.0], [0.0, 0.0])
