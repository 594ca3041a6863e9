"""The three volume forms (native, ASTM F3548, GeoJSON) and operations documents.

Equivalent declarations must give the same volume; errors must carry paths in the form the
input was written in.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sharedsky import io
from sharedsky.errors import InvalidInput
from sharedsky.model import Limits, Volume4D

Builder = Callable[..., dict[str, Any]]

RING = [(36.0, 35.0), (36.1, 35.0), (36.1, 35.1), (36.0, 35.1)]  # lon, lat
CENTRE = (36.05, 35.05)
START, END = "2015-09-30T10:00:00Z", "2015-09-30T11:00:00Z"
LOWER_M, UPPER_M = 3048.0, 6096.0
EXAMPLE = Path(__file__).parents[1] / "src" / "sharedsky" / "examples" / "syria-2015-ops.json"


def w84(metres: float) -> dict[str, Any]:
    return {"value": metres, "units": "M", "reference": "W84"}


def f3548_altitude(metres: float) -> dict[str, Any]:
    return {"value": metres, "reference": "W84", "units": "M"}


def f3548_time(text: str) -> dict[str, Any]:
    return {"value": text, "format": "RFC3339"}


def f3548(outline: dict[str, Any]) -> dict[str, Any]:
    """A Volume4D exactly as ASTM F3548-21 spells it."""
    return {
        "volume": {
            **outline,
            "altitude_lower": f3548_altitude(LOWER_M),
            "altitude_upper": f3548_altitude(UPPER_M),
        },
        "time_start": f3548_time(START),
        "time_end": f3548_time(END),
    }


def f3548_polygon(ring: list[tuple[float, float]] = RING) -> dict[str, Any]:
    return f3548({"outline_polygon": {"vertices": [{"lat": lat, "lng": lon} for lon, lat in ring]}})


def f3548_circle(radius_m: float = 5000.0) -> dict[str, Any]:
    return f3548(
        {
            "outline_circle": {
                "center": {"lat": CENTRE[1], "lng": CENTRE[0]},
                "radius": {"value": radius_m, "units": "M"},
            }
        }
    )


def feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {
            "altitude_lower": w84(LOWER_M),
            "altitude_upper": w84(UPPER_M),
            "time_start": START,
            "time_end": END,
            **properties,
        },
    }


def geojson_polygon(*rings: list[tuple[float, float]]) -> dict[str, Any]:
    rings = rings or (RING,)
    closed = [[list(p) for p in (*r, r[0])] for r in rings]
    return feature({"type": "Polygon", "coordinates": closed})


def geojson_point(radius: Any = 5000.0) -> dict[str, Any]:
    return feature({"type": "Point", "coordinates": list(CENTRE)}, radius=radius)


def geojson_line(width: Any = "2km") -> dict[str, Any]:
    return feature({"type": "LineString", "coordinates": [list(p) for p in RING[:3]]}, width=width)


def native(footprint: dict[str, Any]) -> dict[str, Any]:
    return {
        "footprint": footprint,
        "altitude_lower": w84(LOWER_M),
        "altitude_upper": w84(UPPER_M),
        "time_start": START,
        "time_end": END,
    }


def refusal(data: Any, limits: Limits | None = None) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        io.parse_volume(data, limits=limits)
    return {issue.path: issue.message for issue in caught.value.issues}


def assert_same_volume(a: Volume4D, b: Volume4D) -> None:
    assert a.geometry.area_m2 == pytest.approx(b.geometry.area_m2, rel=1e-6)
    assert a.geometry.radius_m == pytest.approx(b.geometry.radius_m, rel=1e-9)
    assert a.geometry.core is b.geometry.core
    assert (a.lower.metres, a.upper.metres) == pytest.approx((b.lower.metres, b.upper.metres))
    assert a.reference is b.reference
    assert (a.time_start, a.time_end) == (b.time_start, b.time_end)


# --- equivalent forms -----------------------------------------------------------------------

EQUIVALENT = {
    "polygon": [
        native({"type": "polygon", "coordinates": [[list(p) for p in RING]]}),
        f3548_polygon(),
        geojson_polygon(),
    ],
    "circle": [
        native({"type": "circle", "center": list(CENTRE), "radius": {"value": 5, "units": "KM"}}),
        f3548_circle(5000.0),
        geojson_point(5000.0),
        geojson_point("5km"),
        geojson_point({"value": 5000, "units": "M"}),
    ],
    "corridor": [
        native({"type": "corridor", "centerline": [list(p) for p in RING[:3]], "width": 2000}),
        geojson_line("2km"),
        geojson_line({"value": 2, "units": "KM"}),
    ],
}


@pytest.mark.parametrize("shape", EQUIVALENT)
def test_equivalent_forms_give_the_same_volume(shape: str) -> None:
    first, *others = (io.parse_volume(d) for d in EQUIVALENT[shape])
    assert first.geometry.area_m2 > 0
    assert first.lower.metres == pytest.approx(LOWER_M)
    assert first.time_start == datetime(2015, 9, 30, 10, tzinfo=UTC)
    for other in others:
        assert_same_volume(other, first)


def test_polygon_forms_have_the_expected_area() -> None:
    areas = [io.parse_volume(d).geometry.area_m2 / 1e6 for d in EQUIVALENT["polygon"]]
    assert areas == pytest.approx([101.2] * 3, abs=0.1)


def test_geojson_with_flight_levels_matches_native(volume: Builder) -> None:
    props = {"altitude_lower": "FL100", "altitude_upper": "FL200"}
    from_feature = io.parse_volume(
        {**geojson_polygon(), "properties": {**geojson_polygon()["properties"], **props}}
    )
    from_native = io.parse_volume(volume())
    assert_same_volume(from_feature, from_native)
    assert from_feature.reference.value == "MSL"


def test_geojson_polygon_with_hole_matches_native() -> None:
    hole = [(36.02, 35.02), (36.05, 35.02), (36.05, 35.05), (36.02, 35.05)]
    from_feature = io.parse_volume(geojson_polygon(RING, hole))
    from_native = io.parse_volume(
        native({"type": "polygon", "coordinates": [[list(p) for p in r] for r in (RING, hole)]})
    )
    assert_same_volume(from_feature, from_native)
    assert from_feature.geometry.area_m2 < io.parse_volume(geojson_polygon()).geometry.area_m2


def test_geojson_may_carry_name_and_id() -> None:
    data = geojson_polygon()
    data["properties"] |= {"name": "north box", "id": "x1"}
    assert io.parse_volume(data).geometry.vertex_count == 4


def test_f3548_vertices_are_lat_lng_not_lon_lat() -> None:
    # Swapping lat and lng would put the square near 35°E 36°N: a different area.
    vol = io.parse_volume(f3548_polygon([(10.0, 60.0), (11.0, 60.0), (11.0, 61.0), (10.0, 61.0)]))
    swapped = io.parse_volume(
        f3548_polygon([(60.0, 10.0), (61.0, 10.0), (61.0, 11.0), (60.0, 11.0)])
    )
    assert vol.geometry.area_m2 < 0.6 * swapped.geometry.area_m2


def test_f3548_polygon_across_the_antimeridian() -> None:
    ring = [(179.5, 0.0), (-179.5, 0.0), (-179.5, 1.0), (179.5, 1.0)]
    assert 12_000 < io.parse_volume(f3548_polygon(ring)).geometry.area_m2 / 1e6 < 12_500


# --- F3548 errors ---------------------------------------------------------------------------


def edited(data: dict[str, Any], edit: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    edit(data)
    return data


def _vertex(i: int, **values: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda d: d["volume"]["outline_polygon"]["vertices"][i].update(values)


F3548_ERRORS: dict[str, tuple[dict[str, Any], str]] = {
    "vertex lat 95": (edited(f3548_polygon(), _vertex(1, lat=95.0)), "vertices[1]"),
    "vertex lng 181": (edited(f3548_polygon(), _vertex(2, lng=181.0)), "vertices[2]"),
    "vertex lat NaN": (edited(f3548_polygon(), _vertex(1, lat=float("nan"))), "vertices[1]"),
    "vertex lng inf": (edited(f3548_polygon(), _vertex(3, lng=float("inf"))), "vertices[3]"),
    "vertex missing lng": (
        edited(f3548_polygon(), lambda d: d["volume"]["outline_polygon"]["vertices"][1].pop("lng")),
        "vertices[1].lng",
    ),
    "vertex lon key": (edited(f3548_polygon(), _vertex(0, lon=36.0)), "vertices[0].lon"),
    "two vertices": (f3548_polygon(RING[:2]), "vertices"),
    "two distinct": (f3548_polygon([RING[0], RING[1], RING[1], RING[0]]), "vertices"),
    "bow-tie": (f3548_polygon([RING[0], RING[2], RING[1], RING[3]]), "vertices"),
}


@pytest.mark.parametrize("name", F3548_ERRORS)
def test_f3548_polygon_errors_use_f3548_paths(name: str) -> None:
    data, tail = F3548_ERRORS[name]
    issues = refusal(data)
    assert list(issues) == [f"volume.outline_polygon.{tail}"]


def _circle(**values: Any) -> Callable[[dict[str, Any]], Any]:
    def edit(d: dict[str, Any]) -> None:
        for key, value in values.items():
            target, _, field = key.rpartition("__")
            d["volume"]["outline_circle"][target][field] = value

    return edit


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (edited(f3548_circle(), _circle(center__lat=95.0)), "volume.outline_circle.center"),
        (edited(f3548_circle(), _circle(center__lng=-190.0)), "volume.outline_circle.center"),
        (edited(f3548_circle(), _circle(radius__value=-5)), "volume.outline_circle.radius.value"),
        (edited(f3548_circle(), _circle(radius__value=0)), "volume.outline_circle.radius.value"),
        (edited(f3548_circle(), _circle(radius__units="NM")), "volume.outline_circle.radius.units"),
        (edited(f3548_circle(), _circle(radius__units="m")), "volume.outline_circle.radius.units"),
    ],
    ids=["center lat", "center lng", "radius negative", "radius zero", "radius NM", "radius m"],
)
def test_f3548_circle_errors_use_f3548_paths(data: dict[str, Any], path: str) -> None:
    assert list(refusal(data)) == [path]


def _set(*keys: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    def edit(d: dict[str, Any]) -> None:
        for key in keys[:-1]:
            d = d[key]
        d[keys[-1]] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (_set("volume", "altitude_upper", "value", value=1000), "volume.altitude_upper"),
        (_set("volume", "altitude_upper", "value", value=3048.0), "volume.altitude_upper"),
        (
            _set("volume", "altitude_lower", "reference", value="MSL"),
            "volume.altitude_lower.reference",
        ),
        (_set("volume", "altitude_upper", "units", value="FT"), "volume.altitude_upper.units"),
        (_set("volume", "altitude_lower", "value", value=-9000), "volume.altitude_lower.value"),
        (_set("volume", "altitude_lower", value="FL100"), "volume.altitude_lower"),
        (_set("time_end", "value", value="2015-09-30T10:00:00Z"), "time_end.value"),
        (_set("time_end", "value", value="2015-11-30T11:00:00Z"), "time_end.value"),
        (_set("time_end", "value", value="garbage"), "time_end.value"),
        (_set("time_start", "value", value="2015-09-30T10:00:00"), "time_start.value"),
        (_set("time_start", "format", value="ISO8601"), "time_start.format"),
        (_set("time_start", value="2015-09-30T10:00:00Z"), "time_start"),
        (_set("extra", value=1), "extra"),
        (_set("volume", "extra", value=1), "volume.extra"),
    ],
    ids=[
        "upper below lower",
        "upper equals lower",
        "reference MSL",
        "units FT",
        "altitude too low",
        "flight level",
        "end equals start",
        "window over 30 days",
        "bad time",
        "naive time",
        "format",
        "bare time string",
        "extra field",
        "extra volume field",
    ],
)
def test_f3548_band_and_time_errors_use_f3548_paths(
    edit: Callable[[dict[str, Any]], Any], path: str
) -> None:
    assert path in refusal(edited(f3548_polygon(), edit))


def test_f3548_past_window_with_now_points_at_the_value() -> None:
    now = datetime(2015, 10, 1, tzinfo=UTC)
    assert list(refusal(f3548_polygon(), Limits(now=now))) == ["time_end.value"]


def test_f3548_area_over_limit_points_into_the_volume() -> None:
    (path,) = refusal(f3548_circle(300_000.0))
    assert path.startswith("volume")


@pytest.mark.parametrize("which", ["both", "none"])
def test_f3548_needs_exactly_one_outline(which: str) -> None:
    data = f3548_polygon()
    if which == "both":
        data["volume"]["outline_circle"] = f3548_circle()["volume"]["outline_circle"]
    else:
        del data["volume"]["outline_polygon"]
    issues = refusal(data)
    assert list(issues) == ["volume"]
    assert "exactly one" in issues["volume"]


def test_f3548_every_problem_at_once() -> None:
    data = edited(f3548_polygon(), _vertex(1, lat=95.0))
    data["time_end"]["value"] = "2015-09-30T09:00:00Z"
    data["volume"]["altitude_upper"]["value"] = 0
    assert set(refusal(data)) == {
        "volume.outline_polygon.vertices[1]",
        "volume.altitude_upper",
        "time_end.value",
    }


# --- GeoJSON errors -------------------------------------------------------------------------


def _props(**values: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda d: d["properties"].update(values)


def _drop(section: str, key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda d: d[section].pop(key)


GEOJSON_ERRORS: dict[str, tuple[dict[str, Any], Callable[[dict[str, Any]], Any], str]] = {
    "end before start": (
        geojson_polygon(),
        _props(time_end="2015-09-30T09:00:00Z"),
        "properties.time_end",
    ),
    "garbage time": (geojson_polygon(), _props(time_end="soon"), "properties.time_end"),
    "naive time": (
        geojson_polygon(),
        _props(time_start="2015-09-30T10:00:00"),
        "properties.time_start",
    ),
    "window": (geojson_polygon(), _props(time_end="2015-12-01T00:00:00Z"), "properties.time_end"),
    "band": (geojson_polygon(), _props(altitude_lower=w84(7000)), "properties.altitude_upper"),
    "mixed references": (
        geojson_polygon(),
        _props(altitude_upper="FL200"),
        "properties.altitude_upper",
    ),
    "AGL": (
        geojson_polygon(),
        _props(altitude_lower={"value": 10, "units": "M", "reference": "AGL"}),
        "properties.altitude_lower",
    ),
    "bad flight level": (
        geojson_polygon(),
        _props(altitude_lower="FL1000"),
        "properties.altitude_lower",
    ),
    "missing altitude": (
        geojson_polygon(),
        _drop("properties", "altitude_upper"),
        "properties.altitude_upper",
    ),
    "unknown property": (geojson_polygon(), _props(colour="red"), "properties.colour"),
    "vertex": (
        geojson_polygon(),
        lambda d: d["geometry"]["coordinates"][0].__setitem__(1, [36.1, 95.0]),
        "geometry.coordinates[0][1]",
    ),
    "hole vertex": (
        geojson_polygon(RING, [(36.02, 35.02), (36.05, 35.02), (36.05, 35.05)]),
        lambda d: d["geometry"]["coordinates"][1].__setitem__(2, [float("nan"), 35.05]),
        "geometry.coordinates[1][2]",
    ),
    "bow-tie": (
        geojson_polygon([RING[0], RING[2], RING[1], RING[3]]),
        lambda d: None,
        "geometry.coordinates[0]",
    ),
    "point": (
        geojson_point(),
        lambda d: d["geometry"].update(coordinates=[36.0, -95.0]),
        "geometry.coordinates",
    ),
    "line vertex": (
        geojson_line(),
        lambda d: d["geometry"]["coordinates"].__setitem__(1, [200.0, 35.0]),
        "geometry.coordinates[1]",
    ),
    "missing radius": (geojson_point(), _drop("properties", "radius"), "properties.radius"),
    "negative radius": (geojson_point(), _props(radius="-1NM"), "properties.radius"),
    "zero radius": (geojson_point(), _props(radius=0), "properties.radius"),
    "missing width": (geojson_line(), _drop("properties", "width"), "properties.width"),
    "zero width": (geojson_line(), _props(width="0km"), "properties.width"),
    "geometry type": (
        geojson_polygon(),
        lambda d: d["geometry"].update(type="MultiPolygon"),
        "geometry.type",
    ),
    "geometry without type": (geojson_polygon(), _drop("geometry", "type"), "geometry.type"),
    "area": (geojson_point(), _props(radius="300km"), "geometry"),
}


@pytest.mark.parametrize("name", GEOJSON_ERRORS)
def test_geojson_errors_use_feature_paths(name: str) -> None:
    data, edit, path = GEOJSON_ERRORS[name]
    issues = refusal(edited(data, edit))
    assert path in issues, issues
    assert all(p.startswith(("geometry", "properties")) for p in issues), issues


@pytest.mark.parametrize("missing", ["geometry", "properties"])
def test_geojson_feature_needs_geometry_and_properties(missing: str) -> None:
    data = geojson_polygon()
    data[missing] = None
    assert list(refusal(data)) == [missing]


def test_geojson_every_time_and_vertex_problem_at_once() -> None:
    data = geojson_polygon()
    data["geometry"]["coordinates"][0][2] = [36.1, 91.0]
    data["properties"]["time_end"] = "2015-09-30T10:00:00Z"
    assert set(refusal(data)) == {"geometry.coordinates[0][2]", "properties.time_end"}


# --- F3548 out ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [f3548_polygon(), f3548_circle(), f3548_circle(1234.5)],
    ids=["polygon", "circle", "circle fractional"],
)
def test_to_f3548_round_trips_f3548(data: dict[str, Any]) -> None:
    assert io.to_f3548(io.parse_volume(data)) == data


@pytest.mark.parametrize(
    "data",
    [
        EQUIVALENT["polygon"][0],
        geojson_polygon(),  # closed ring: the closing vertex is dropped on the way out
        EQUIVALENT["circle"][0],
        geojson_point("2NM"),
    ],
    ids=["native polygon", "geojson polygon", "native circle", "geojson point"],
)
def test_to_f3548_keeps_the_volume(data: dict[str, Any]) -> None:
    vol = io.parse_volume(data)
    out = io.to_f3548(vol)
    json.dumps(out, allow_nan=False)
    assert_same_volume(io.parse_volume(out), vol)
    vertices = out["volume"].get("outline_polygon", {}).get("vertices", [])
    assert vertices == [] or vertices[0] != vertices[-1]


def test_to_f3548_writes_z_times_and_w84_metres() -> None:
    data = native({"type": "circle", "center": list(CENTRE), "radius": "1NM"})
    data |= {
        "time_start": "2015-09-30T12:00:00+02:00",
        "altitude_lower": {"value": 1000, "units": "FT", "reference": "W84"},
    }
    out = io.to_f3548(io.parse_volume(data))
    assert out["time_start"] == {"value": "2015-09-30T10:00:00Z", "format": "RFC3339"}
    assert out["volume"]["altitude_lower"] == {"value": 304.8, "reference": "W84", "units": "M"}
    assert out["volume"]["outline_circle"]["radius"] == {"value": 1852.0, "units": "M"}


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (EQUIVALENT["corridor"][0], "footprint"),
        (
            native({"type": "orbit", "start": list(RING[0]), "end": list(RING[1]), "width": "1NM"}),
            "footprint",
        ),
        (geojson_polygon(RING, [(36.02, 35.02), (36.05, 35.02), (36.05, 35.05)]), "footprint"),
        (
            native({"type": "polygon", "coordinates": [[list(p) for p in RING]]})
            | {"altitude_lower": "FL100", "altitude_upper": "FL200"},
            "altitude_lower",
        ),
    ],
    ids=["corridor", "orbit", "polygon with hole", "MSL band"],
)
def test_to_f3548_refuses_what_f3548_cannot_carry(data: dict[str, Any], path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        io.to_f3548(io.parse_volume(data))
    assert [i.path for i in caught.value.issues] == [path]


@pytest.mark.parametrize("data", [None, [], "volume", 3.5], ids=repr)
def test_parse_volume_needs_an_object(data: Any) -> None:
    assert list(refusal(data)) == [""]


# --- load_json ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('{\n  "operations": [\n    {,\n  ]\n}', 3, 6),
        ('{"operations": [}', 1, 17),
        ("", 1, 1),
        ('{"a": 1}\n\n  x', 3, 3),
        ("{'operations': []}", 1, 2),
    ],
    ids=["object", "list", "empty", "trailing", "single quotes"],
)
def test_malformed_json_names_line_and_column(text: str, line: int, column: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        io.load_json(text)
    (issue,) = caught.value.issues
    assert issue.path == "$"
    assert f"line {line} column {column}" in issue.message


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals_are_refused(literal: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        io.load_json(f'{{"operations": [{{"priority": {literal}}}]}}')
    (issue,) = caught.value.issues
    assert issue.path == "$"
    assert literal in issue.message


@pytest.mark.parametrize(
    "text", [b"\xff\xfe\x00", b'{"a": "\x80"}', "[" * 100_000], ids=["bom", "utf-8", "deep"]
)
def test_unreadable_json_is_invalid_input(text: str | bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        io.load_json(text)
    assert "malformed JSON" in caught.value.issues[0].message


def test_load_json_accepts_bytes_and_text() -> None:
    assert io.load_json(b'{"operations": []}') == io.load_json('{"operations": []}')


def test_overflowing_number_is_caught_as_a_non_finite_vertex(volume: Builder) -> None:
    # 1e999 is valid JSON that reads as infinity; the volume check must still refuse it.
    text = json.dumps({"operations": [{"id": "a", "party": "P", "volumes": [volume()]}]})
    text = text.replace("36.1", "1e999", 1)
    with pytest.raises(InvalidInput) as caught:
        io.parse_operations(io.load_json(text))
    (issue,) = caught.value.issues
    assert issue.path == "$.operations[0].volumes[0].footprint.coordinates[0][1]"


# --- parse_operations -----------------------------------------------------------------------


def doc_issues(document: Any, limits: Limits | None = None) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        io.parse_operations(document, limits=limits)
    return [(i.path, i.message) for i in caught.value.issues]


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ([], "$"),
        ("operations", "$"),
        (None, "$"),
        (3, "$"),
        ({}, "$.operations"),
        ({"operations": None}, "$.operations"),
        ({"operations": {}}, "$.operations"),
        ({"operations": "a,b"}, "$.operations"),
        ({"Operations": []}, "$.operations"),
    ],
    ids=repr,
)
def test_document_shape(document: Any, path: str) -> None:
    assert [p for p, _ in doc_issues(document)] == [path]


def test_empty_operations_list_is_valid() -> None:
    assert io.parse_operations({"operations": []}) == []


@pytest.mark.parametrize("extra", [["x"], ["meta", "version"]])
def test_unknown_top_level_fields(operation: Builder, extra: list[str]) -> None:
    document: dict[str, Any] = {"operations": [operation("a")], **dict.fromkeys(extra, 1)}
    assert doc_issues(document) == [(f"$.{k}", "unknown field") for k in sorted(extra)]


def test_duplicate_ids(operation: Builder) -> None:
    document = {"operations": [operation("a"), operation("b"), operation("a"), operation("a")]}
    issues = doc_issues(document)
    assert [p for p, _ in issues] == ["$.operations[2].id", "$.operations[3].id"]
    assert all("'a'" in m and "operations[0]" in m for _, m in issues)


def test_every_issue_of_a_document_at_once(volume: Builder, operation: Builder) -> None:
    bad_f3548 = edited(f3548_polygon(), _vertex(1, lat=95.0))
    bad_feature = edited(geojson_polygon(), _props(time_end="2015-09-30T10:00:00"))
    document = {
        "operations": [
            operation("ok"),
            operation("two-bad", volume(), bad_f3548, bad_feature),
            42,
            operation("header", priority="high", state="flying"),
            {"party": "P", "volumes": [volume()]},
            operation("no-volumes") | {"volumes": []},
            operation("ok"),
            operation("both", volume(time_end="2015-09-30T09:00:00Z"), colour="red"),
        ],
        "meta": {},
    }
    assert [p for p, _ in doc_issues(document)] == [
        "$.meta",
        "$.operations[1].volumes[1].volume.outline_polygon.vertices[1]",
        "$.operations[1].volumes[2].properties.time_end",
        "$.operations[2]",
        "$.operations[3].priority",
        "$.operations[3].state",
        "$.operations[4].id",
        "$.operations[5].volumes",
        "$.operations[6].id",
        "$.operations[7].colour",
        "$.operations[7].volumes[0].time_end",
    ]


def test_operations_document_applies_limits(operation: Builder, volume: Builder) -> None:
    now = datetime(2015, 9, 30, 10, 30, tzinfo=UTC)
    late = volume(time_start="2015-09-30T08:00:00Z", time_end="2015-09-30T09:00:00Z")
    document = {"operations": [operation("a"), operation("b", late)]}
    assert [p for p, _ in doc_issues(document, Limits(now=now))] == [
        "$.operations[1].volumes[0].time_end"
    ]
    assert len(io.parse_operations(document)) == 2


def test_vertex_limit_in_a_document(operation: Builder, volume: Builder) -> None:
    document = {"operations": [operation("a", volume(), volume())]}
    issues = doc_issues(document, Limits(max_vertices=7))
    assert [p for p, _ in issues] == ["$.operations[0].volumes"]


def test_all_three_forms_in_one_document(operation: Builder) -> None:
    document = {
        "operations": [
            operation("n", EQUIVALENT["polygon"][0]),
            operation("f", f3548_polygon()),
            operation("g", geojson_polygon()),
        ]
    }
    ops = io.parse_operations(document)
    assert [op.id for op in ops] == ["n", "f", "g"]
    for op in ops[1:]:
        assert_same_volume(op.volumes[0], ops[0].volumes[0])


def test_read_operations_bundled_example() -> None:
    ops = io.read_operations(EXAMPLE)
    assert len(ops) >= 2
    assert len({op.id for op in ops}) == len(ops)


def test_read_operations_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        io.read_operations(tmp_path / "absent.json")
    assert "cannot read" in caught.value.issues[0].message


def test_read_operations_directory(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        io.read_operations(tmp_path)
