"""Volume4D.parse and Operation.parse: every refusal the issue lists, with its JSON path.

Paths are relative to what is parsed (``footprint.coordinates[0][2]``, ``volumes[1].time_end``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sharedsky.errors import InvalidInput
from sharedsky.geo import lonlat_from_ecef
from sharedsky.model import AltitudeReference, Limits, Operation, Volume4D
from sharedsky.units import FT_M, NM_M

Builder = Callable[..., dict[str, Any]]

NAN = float("nan")
INF = float("inf")

A, B, C, D = (36.0, 35.0), (36.1, 35.0), (36.1, 35.1), (36.0, 35.1)


def polygon(*rings: list[Any]) -> dict[str, Any]:
    return {"type": "polygon", "coordinates": [list(r) for r in rings]}


def circle(radius: Any, center: Any = (36.05, 35.05)) -> dict[str, Any]:
    return {"type": "circle", "center": list(center), "radius": radius}


def corridor(width: Any, centerline: Any = (A, B)) -> dict[str, Any]:
    return {"type": "corridor", "centerline": [list(p) for p in centerline], "width": width}


def orbit(width: Any, alignment: str = "C", start: Any = A, end: Any = B) -> dict[str, Any]:
    return {
        "type": "orbit",
        "start": list(start),
        "end": list(end),
        "width": width,
        "alignment": alignment,
    }


def ring_of(n: int, radius_deg: float = 0.05, lon: float = 36.0, lat: float = 35.0) -> list[Any]:
    """An open, convex ring of ``n`` distinct vertices."""
    return [
        [
            lon + radius_deg * math.cos(2 * math.pi * k / n),
            lat + radius_deg * math.sin(2 * math.pi * k / n),
        ]
        for k in range(n)
    ]


def msl(feet: float) -> dict[str, Any]:
    return {"value": feet, "units": "FT", "reference": "MSL"}


def w84(metres: float) -> dict[str, Any]:
    return {"value": metres, "units": "M", "reference": "W84"}


def refusal(data: Any, limits: Limits | None = None) -> dict[str, str]:
    """The issues of a refused volume, path → message."""
    with pytest.raises(InvalidInput) as caught:
        Volume4D.parse(data, limits=limits)
    return {issue.path: issue.message for issue in caught.value.issues}


def only_issue(data: Any, limits: Limits | None = None) -> tuple[str, str]:
    issues = refusal(data, limits)
    assert len(issues) == 1, issues
    ((path, message),) = issues.items()
    return path, message


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- footprint structure --------------------------------------------------------------------

FEW_VERTICES = {
    "two vertices": polygon([A, B]),
    "one vertex": polygon([A]),
    "closed ring with 2 distinct": polygon([A, B, A]),
    "consecutive duplicates": polygon([A, A, B, B]),
    "consecutive duplicates closed": polygon([A, A, B, B, A]),
    "one point repeated": polygon([A, A, A, A]),
    "hole with 2 distinct": polygon([A, B, C, D], [(36.02, 35.02), (36.03, 35.03), (36.02, 35.02)]),
}
FEW_VERTICES_PATH = {"hole with 2 distinct": "footprint.coordinates[1]"}


@pytest.mark.parametrize("name", FEW_VERTICES)
def test_fewer_than_three_distinct_vertices(volume: Builder, name: str) -> None:
    path, message = only_issue(volume(footprint=FEW_VERTICES[name]))
    assert path == FEW_VERTICES_PATH.get(name, "footprint.coordinates[0]")
    assert "at least 3 distinct vertices" in message


def test_two_distinct_vertices_repeated_alternately_are_refused(volume: Builder) -> None:
    # A, B, A, B: two distinct vertices that dedupe of neighbours alone does not collapse.
    path, _ = only_issue(volume(footprint=polygon([A, B, A, B])))
    assert path == "footprint.coordinates[0]"


def test_two_distinct_vertices_repeated_alternately_say_so(volume: Builder) -> None:
    _, message = only_issue(volume(footprint=polygon([A, B, A, B])))
    assert "3 distinct vertices" in message


@pytest.mark.parametrize(
    ("footprint", "path"),
    [
        (polygon([]), "footprint.coordinates[0]"),
        (polygon([A, B, C, D], []), "footprint.coordinates[1]"),
    ],
    ids=["empty exterior", "empty hole"],
)
def test_empty_ring_is_refused_with_its_path(
    volume: Builder, footprint: dict[str, Any], path: str
) -> None:
    assert path in refusal(volume(footprint=footprint))


@pytest.mark.parametrize(
    "ring",
    [
        [A, C, B, D],  # bow-tie
        [A, C, B, D, A],  # the same, closed
        [(36.0, 35.0), (36.2, 35.0), (36.2, 35.1), (36.1, 35.1), (36.1, 34.9), (36.0, 34.9)],
    ],
    ids=["bow-tie", "bow-tie closed", "figure of eight"],
)
def test_self_intersecting_ring(volume: Builder, ring: list[Any]) -> None:
    path, message = only_issue(volume(footprint=polygon(ring)))
    assert path == "footprint.coordinates[0]"
    assert "self-intersection" in message


def test_hole_outside_shell_is_refused(volume: Builder) -> None:
    hole = [(37.0, 35.0), (37.01, 35.0), (37.01, 35.01)]
    path, message = only_issue(volume(footprint=polygon([A, B, C, D], hole)))
    assert path.startswith("footprint.coordinates")
    assert "hole is not inside the exterior ring" in message


def test_hole_outside_shell_points_at_the_hole(volume: Builder) -> None:
    hole = [(37.0, 35.0), (37.01, 35.0), (37.01, 35.01)]
    path, _ = only_issue(volume(footprint=polygon([A, B, C, D], hole)))
    assert path == "footprint.coordinates[1]"


BAD_VERTEX = {
    "lon NaN": ((NAN, 35.1), "finite"),
    "lat NaN": ((36.1, NAN), "finite"),
    "lon inf": ((INF, 35.1), "finite"),
    "lat -inf": ((36.1, -INF), "finite"),
    "lat 90.5": ((36.1, 90.5), "latitude 90.5 is outside [-90, 90]"),
    "lat -91": ((36.1, -91.0), "latitude -91.0 is outside [-90, 90]"),
    "lon 180.5": ((180.5, 35.1), "longitude 180.5 is outside [-180, 180]"),
    "lon -181": ((-181.0, 35.1), "longitude -181.0 is outside [-180, 180]"),
}


@pytest.mark.parametrize("name", BAD_VERTEX)
def test_bad_polygon_vertex_has_its_own_path(volume: Builder, name: str) -> None:
    vertex, fragment = BAD_VERTEX[name]
    path, message = only_issue(volume(footprint=polygon([A, B, vertex, D])))
    assert path == "footprint.coordinates[0][2]"
    assert fragment in message


@pytest.mark.parametrize("name", BAD_VERTEX)
def test_bad_hole_vertex_has_its_own_path(volume: Builder, name: str) -> None:
    vertex, fragment = BAD_VERTEX[name]
    hole = [(36.02, 35.02), (36.05, 35.02), vertex]
    path, message = only_issue(volume(footprint=polygon([A, B, C, D], hole)))
    assert path == "footprint.coordinates[1][2]"
    assert fragment in message


@pytest.mark.parametrize("name", BAD_VERTEX)
@pytest.mark.parametrize(
    ("shape", "path"),
    [
        ("circle", "footprint.center"),
        ("corridor", "footprint.centerline[1]"),
        ("orbit start", "footprint.start"),
        ("orbit end", "footprint.end"),
    ],
)
def test_bad_point_of_other_shapes(volume: Builder, name: str, shape: str, path: str) -> None:
    vertex, fragment = BAD_VERTEX[name]
    footprint = {
        "circle": circle("1NM", center=vertex),
        "corridor": corridor("1NM", centerline=[A, vertex, C]),
        "orbit start": orbit("1NM", start=vertex),
        "orbit end": orbit("1NM", end=vertex),
    }[shape]
    found, message = only_issue(volume(footprint=footprint))
    assert found == path
    assert fragment in message


def test_every_bad_vertex_is_reported_at_once(volume: Builder) -> None:
    issues = refusal(volume(footprint=polygon([A, (36.1, 95.0), (NAN, 35.1), (200.0, 35.1)])))
    assert set(issues) == {
        "footprint.coordinates[0][1]",
        "footprint.coordinates[0][2]",
        "footprint.coordinates[0][3]",
    }


def test_corridor_needs_two_distinct_points(volume: Builder) -> None:
    path, message = only_issue(volume(footprint=corridor("1NM", centerline=[A, A])))
    assert path == "footprint.centerline"
    assert "2 distinct" in message


# --- radius and width -----------------------------------------------------------------------

BAD_LENGTHS = [
    -1.0,
    0,
    0.0,
    NAN,
    INF,
    "-3NM",
    "0NM",
    "0m",
    "3XX",
    "3",
    {"value": 0, "units": "M"},
    {"value": -2, "units": "KM"},
    {"value": 2, "units": "XX"},
]


@pytest.mark.parametrize("length", BAD_LENGTHS, ids=repr)
@pytest.mark.parametrize(
    ("make", "path"),
    [(circle, "footprint.radius"), (corridor, "footprint.width"), (orbit, "footprint.width")],
    ids=["circle", "corridor", "orbit"],
)
def test_non_positive_or_bad_radius_and_width(
    volume: Builder, length: Any, make: Callable[[Any], dict[str, Any]], path: str
) -> None:
    issues = refusal(volume(footprint=make(length)))
    assert all(p.startswith(path) for p in issues), issues


def test_orbit_alignment_must_be_c_l_or_r(volume: Builder) -> None:
    path, _ = only_issue(volume(footprint=orbit("1NM", alignment="X")))
    assert path == "footprint.alignment"


def test_unknown_footprint_type(volume: Builder) -> None:
    path, _ = only_issue(volume(footprint={"type": "blob", "coordinates": [[A, B, C]]}))
    assert path == "footprint"


# --- area -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "footprint",
    [
        circle("300km", center=(36.0, 35.0)),  # about 282,700 km²
        polygon([(0, 0), (5, 0), (5, 5), (0, 5)]),  # about 307,500 km²
        corridor("200km", centerline=[(30.0, 35.0), (45.0, 35.0)]),  # about 274,000 km²
    ],
    ids=["circle", "polygon", "corridor"],
)
def test_footprint_over_default_area_limit(volume: Builder, footprint: dict[str, Any]) -> None:
    path, message = only_issue(volume(footprint=footprint))
    assert path == "footprint"
    assert "250,000 km²" in message


def test_footprint_just_under_default_area_limit(volume: Builder) -> None:
    vol = Volume4D.parse(volume(footprint=circle("280km", center=(36.0, 35.0))))
    assert 240_000 < vol.geometry.area_m2 / 1e6 < 250_000


@pytest.mark.parametrize(("limit_km2", "accepted"), [(50.0, False), (101.0, False), (102.0, True)])
def test_custom_area_limit(volume: Builder, limit_km2: float, accepted: bool) -> None:
    limits = Limits(max_footprint_area_km2=limit_km2)  # the default square is 101.2 km²
    if accepted:
        assert Volume4D.parse(volume(), limits=limits).geometry.area_m2 / 1e6 < limit_km2
    else:
        path, message = only_issue(volume(), limits)
        assert path == "footprint"
        assert f"{limit_km2:,.0f} km²" in message


def test_custom_area_limit_lets_a_big_footprint_through(volume: Builder) -> None:
    big = volume(footprint=circle("300km", center=(36.0, 35.0)))
    Volume4D.parse(big, limits=Limits(max_footprint_area_km2=300_000))


# --- altitude -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ("FL200", "FL100"),
        ("FL150", "FL150"),
        (msl(10_000), "FL100"),  # equal: 10,000 ft is FL100
        ("FL100", msl(10_000)),
        (msl(5_000), msl(4_999)),
        (w84(3000), w84(3000)),
        (w84(3000), w84(2999.9)),
        (w84(3000), {"value": 9842, "units": "FT", "reference": "W84"}),  # 2999.84 m
    ],
    ids=repr,
)
def test_lower_not_below_upper(volume: Builder, lower: Any, upper: Any) -> None:
    path, message = only_issue(volume(altitude_lower=lower, altitude_upper=upper))
    assert path == "altitude_upper"
    assert "must be above" in message


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        (w84(3000), "FL200"),
        ("FL100", w84(6000)),
        (w84(3000), msl(20_000)),
        ({"value": 3000, "units": "M", "reference": "BARO"}, w84(6000)),
    ],
    ids=["W84-FL", "FL-W84", "W84-MSL", "BARO-W84"],
)
def test_mixed_references_in_one_band(volume: Builder, lower: Any, upper: Any) -> None:
    path, message = only_issue(volume(altitude_lower=lower, altitude_upper=upper))
    assert path == "altitude_upper"
    assert "share a reference" in message


@pytest.mark.parametrize("field", ["altitude_lower", "altitude_upper"])
def test_agl_is_refused_mentioning_terrain(volume: Builder, field: str) -> None:
    band = {"altitude_lower": w84(100), "altitude_upper": w84(500)}
    band[field] = {"value": 300, "units": "M", "reference": "AGL"}
    path, message = only_issue(volume(**band))
    assert path == field
    assert "terrain" in message


@pytest.mark.parametrize(
    "level", ["FL1000", "FL", "FL-10", "FL25.5", "F250", "250", "", "10000ft", "FLnan"]
)
@pytest.mark.parametrize("field", ["altitude_lower", "altitude_upper"])
def test_bad_flight_level_strings(volume: Builder, field: str, level: str) -> None:
    path, message = only_issue(volume(**{field: level}))
    assert path == field
    assert "not a flight level" in message


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ({"value": NAN, "units": "M", "reference": "W84"}, "altitude_lower"),
        ({"value": INF, "units": "M", "reference": "W84"}, "altitude_lower"),
        ({"value": -9000, "units": "M", "reference": "W84"}, "altitude_lower"),
        ({"value": 100, "units": "NM", "reference": "W84"}, "altitude_lower.units"),
        ({"value": 100, "units": "M", "reference": "QNH"}, "altitude_lower.reference"),
        ({"value": 100, "units": "M"}, "altitude_lower.reference"),
        ({"value": 100, "units": "M", "reference": "W84", "datum": 1}, "altitude_lower.datum"),
    ],
    ids=["nan", "inf", "below -8000 m", "units", "reference", "no reference", "extra"],
)
def test_bad_altitude_specs(volume: Builder, spec: dict[str, Any], path: str) -> None:
    issues = refusal(volume(altitude_lower=spec, altitude_upper=w84(6000)))
    assert path in issues, issues


# --- time -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "end", ["2015-09-30T10:00:00Z", "2015-09-30T09:59:59Z", "2015-09-29T11:00:00Z"]
)
def test_end_not_after_start(volume: Builder, end: str) -> None:
    path, message = only_issue(volume(time_end=end))
    assert path == "time_end"
    assert "must be after time_start" in message


def test_end_equal_to_start_written_in_another_offset(volume: Builder) -> None:
    path, _ = only_issue(volume(time_end="2015-09-30T12:00:00+02:00"))
    assert path == "time_end"


@pytest.mark.parametrize(
    ("end", "accepted"),
    [
        ("2015-10-30T10:00:00Z", True),  # exactly 30 days
        ("2015-10-30T10:00:01Z", False),
        ("2016-09-30T10:00:00Z", False),
    ],
)
def test_window_at_most_30_days(volume: Builder, end: str, accepted: bool) -> None:
    if accepted:
        Volume4D.parse(volume(time_end=end))
    else:
        path, message = only_issue(volume(time_end=end))
        assert path == "time_end"
        assert "30 days" in message


def test_custom_window_limit(volume: Builder) -> None:
    path, _ = only_issue(volume(), Limits(max_window_s=1800))
    assert path == "time_end"


@pytest.mark.parametrize(
    ("now", "path"),
    [
        ("2015-09-30T11:00:00Z", "time_end"),  # ends exactly now
        ("2015-09-30T11:00:01Z", "time_end"),
        ("2016-01-01T00:00:00Z", "time_end"),
        ("2015-08-31T09:59:59Z", "time_start"),  # starts 30 days and 1 s after now
        ("2015-01-01T00:00:00Z", "time_start"),
    ],
)
def test_refused_against_now(volume: Builder, now: str, path: str) -> None:
    found, message = only_issue(volume(), Limits(now=at(now)))
    assert found == path
    assert ("past" if path == "time_end" else "30 days") in message


@pytest.mark.parametrize(
    "now",
    [
        "2015-09-30T10:59:59Z",  # under way
        "2015-09-30T10:00:00Z",
        "2015-08-31T10:00:00Z",  # exactly 30 days ahead
        "2015-09-30T12:59:59+02:00",
    ],
)
def test_accepted_against_now(volume: Builder, now: str) -> None:
    Volume4D.parse(volume(), limits=Limits(now=at(now)))


def test_without_now_the_clock_is_not_consulted(volume: Builder) -> None:
    # 1990 is long past; without a `now` nothing is judged against the clock.
    old = volume(time_start="1990-01-01T00:00:00Z", time_end="1990-01-01T01:00:00Z")
    assert Volume4D.parse(old).time_end.year == 1990


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_start", "2015-09-30T10:00:00"),
        ("time_end", "2015-09-30T11:00:00"),
        ("time_start", "2015-09-30 10:00:00"),
        ("time_end", "2015-09-30"),
    ],
)
def test_naive_datetimes_refused(volume: Builder, field: str, value: str) -> None:
    issues = refusal(volume(**{field: value}))
    assert field in issues, issues


@pytest.mark.parametrize("value", ["yesterday", "", "2015-13-30T10:00:00Z", None])
def test_unparseable_time(volume: Builder, value: Any) -> None:
    data = volume()
    data["time_start"] = value
    assert "time_start" in refusal(data)


def test_naive_now_is_refused_by_limits() -> None:
    with pytest.raises(ValueError):
        Limits(now=datetime(2015, 9, 30, 10, 0))  # type: ignore[arg-type]


# --- structure ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "path"),
    [
        ("volume", "colour"),
        ("footprint", "footprint.colour"),
        ("altitude", "altitude_lower.colour"),
    ],
)
def test_extra_fields_refused(volume: Builder, where: str, path: str) -> None:
    data = volume(altitude_lower=w84(3000), altitude_upper=w84(6000))
    target = {"volume": data, "footprint": data["footprint"], "altitude": data["altitude_lower"]}
    target[where]["colour"] = "red"
    issues = refusal(data)
    assert path in issues
    assert "Extra inputs are not permitted" in issues[path]


@pytest.mark.parametrize(
    "field", ["footprint", "altitude_lower", "altitude_upper", "time_start", "time_end"]
)
def test_missing_fields(volume: Builder, field: str) -> None:
    data = volume()
    del data[field]
    assert field in refusal(data)


def test_every_problem_of_a_volume_at_once(volume: Builder) -> None:
    data = volume(
        footprint=polygon([A, B, (36.1, 95.0), D]),
        altitude_lower="FL300",
        time_end="2015-09-30T09:00:00Z",
    )
    assert set(refusal(data)) == {"footprint.coordinates[0][2]", "altitude_upper", "time_end"}


@pytest.mark.parametrize("data", [None, 3, "volume", [1, 2]], ids=repr)
def test_not_an_object(data: Any) -> None:
    with pytest.raises(InvalidInput):
        Volume4D.parse(data)


# --- valid inputs ---------------------------------------------------------------------------


def test_square_area(volume: Builder) -> None:
    vol = Volume4D.parse(volume())
    assert vol.geometry.area_m2 / 1e6 == pytest.approx(101.2, abs=0.1)
    assert vol.geometry.vertex_count == 4


@pytest.mark.parametrize("closed", [False, True])
def test_polygon_with_hole(volume: Builder, closed: bool) -> None:
    hole = [(36.02, 35.02), (36.05, 35.02), (36.05, 35.05), (36.02, 35.05)]
    if closed:
        hole = [*hole, hole[0]]
    whole = Volume4D.parse(volume()).geometry.area_m2
    holed = Volume4D.parse(volume(footprint=polygon([A, B, C, D], hole))).geometry
    only_hole = Volume4D.parse(volume(footprint=polygon(hole))).geometry.area_m2
    assert holed.area_m2 == pytest.approx(whole - only_hole, rel=1e-9)
    assert 0 < holed.area_m2 < whole
    assert holed.vertex_count == 8


def test_closing_vertex_and_winding_do_not_change_the_polygon(volume: Builder) -> None:
    areas = [
        Volume4D.parse(volume(footprint=polygon(ring))).geometry.area_m2
        for ring in ([A, B, C, D], [A, B, C, D, A], [A, D, C, B], [A, A, B, C, C, D])
    ]
    assert areas == pytest.approx([areas[0]] * 4, rel=1e-12)


ANTIMERIDIAN = {
    "open": [(179.5, 0.0), (-179.5, 0.0), (-179.5, 1.0), (179.5, 1.0)],
    "closed": [(179.5, 0.0), (-179.5, 0.0), (-179.5, 1.0), (179.5, 1.0), (179.5, 0.0)],
    "other winding": [(179.5, 0.0), (179.5, 1.0), (-179.5, 1.0), (-179.5, 0.0)],
    "vertex on 180": [(179.5, 0.0), (180.0, 0.0), (-179.5, 0.0), (-179.5, 1.0), (179.5, 1.0)],
    "vertex on -180": [(179.5, 0.0), (-180.0, 0.0), (-179.5, 0.0), (-179.5, 1.0), (179.5, 1.0)],
}


@pytest.mark.parametrize("name", ANTIMERIDIAN)
def test_polygon_across_the_antimeridian(volume: Builder, name: str) -> None:
    across = Volume4D.parse(volume(footprint=polygon(ANTIMERIDIAN[name]))).geometry.area_m2
    # The same 1° × 1° cell at the Greenwich meridian: about 12,309 km², not planet-sized.
    greenwich = [(-0.5, 0.0), (0.5, 0.0), (0.5, 1.0), (-0.5, 1.0)]
    reference = Volume4D.parse(volume(footprint=polygon(greenwich))).geometry.area_m2
    assert across == pytest.approx(reference, rel=1e-9)
    assert 12_000 < across / 1e6 < 12_500


def test_polygon_with_hole_across_the_antimeridian(volume: Builder) -> None:
    hole = [(179.9, 0.4), (-179.9, 0.4), (-179.9, 0.6), (179.9, 0.6)]
    vol = Volume4D.parse(volume(footprint=polygon(ANTIMERIDIAN["open"], hole)))
    assert 12_000 - 500 < vol.geometry.area_m2 / 1e6 < 12_309


@pytest.mark.parametrize(
    "footprint",
    [
        corridor("1km", centerline=[(179.9, 0.0), (-179.9, 0.0)]),
        circle("5km", center=(180.0, 0.0)),
        orbit("2km", start=(179.95, 0.0), end=(-179.95, 0.0)),
    ],
    ids=["corridor", "circle", "orbit"],
)
def test_other_shapes_across_the_antimeridian(volume: Builder, footprint: dict[str, Any]) -> None:
    area_km2 = Volume4D.parse(volume(footprint=footprint)).geometry.area_m2 / 1e6
    assert 0 < area_km2 < 100


@pytest.mark.parametrize(
    ("footprint", "area_km2", "vertices"),
    [
        (circle("5km"), math.pi * 25, 1),
        (circle({"value": 5, "units": "KM"}), math.pi * 25, 1),
        (circle(5000), math.pi * 25, 1),
        (circle(5000.0), math.pi * 25, 1),
        (corridor("2km"), None, 2),
        (corridor({"value": 1, "units": "NM"}, centerline=[A, B, C]), None, 3),
        (orbit("2km", "C"), None, 2),
        (orbit("2km", "L"), None, 2),
        (orbit("2km", "R"), None, 2),
    ],
    ids=[
        "circle text",
        "circle spec",
        "circle int m",
        "circle float m",
        "corridor",
        "corridor 3 points",
        "orbit C",
        "orbit L",
        "orbit R",
    ],
)
def test_valid_shapes(
    volume: Builder, footprint: dict[str, Any], area_km2: float | None, vertices: int
) -> None:
    geometry = Volume4D.parse(volume(footprint=footprint)).geometry
    assert geometry.vertex_count == vertices
    assert geometry.area_m2 > 0
    if area_km2 is not None:
        assert geometry.area_m2 / 1e6 == pytest.approx(area_km2, rel=1e-2)


def test_corridor_area_is_length_times_width_plus_caps(volume: Builder) -> None:
    # A–B is 0.1° of longitude at 35°N: about 9.13 km.
    geometry = Volume4D.parse(volume(footprint=corridor("2km"))).geometry
    assert geometry.area_m2 / 1e6 == pytest.approx(9.13 * 2 + math.pi, rel=1e-2)


def test_orbit_alignments_lie_where_they_say(volume: Builder) -> None:
    # Eastbound segment at 35°N: L's core is 1 km north of it, R's 1 km south, C's on it.
    lats = {}
    for alignment in "CLR":
        geometry = Volume4D.parse(volume(footprint=orbit("2km", alignment))).geometry
        _, lat = lonlat_from_ecef(geometry.xyz)
        lats[alignment] = float(lat.mean())
    assert lats["C"] == pytest.approx(35.0, abs=1e-3)  # a geodesic bulges a little north
    assert lats["L"] - lats["C"] == pytest.approx(1.0 / 111.0, rel=0.02)
    assert lats["C"] - lats["R"] == pytest.approx(1.0 / 111.0, rel=0.02)


@pytest.mark.parametrize(
    ("lower", "upper", "lower_m", "upper_m", "reference"),
    [
        ("FL100", "FL200", 3048.0, 6096.0, "MSL"),
        ("fl100", "FL 200", 3048.0, 6096.0, "MSL"),
        (msl(10_000), "FL200", 3048.0, 6096.0, "MSL"),
        (msl(500), msl(1500), 152.4, 457.2, "MSL"),
        ({"value": 0, "units": "M", "reference": "BARO"}, msl(100), 0.0, 30.48, "MSL"),
        (w84(-100), w84(300), -100.0, 300.0, "W84"),
        ({"value": 1000, "units": "FT", "reference": "W84"}, w84(400), 304.8, 400.0, "W84"),
    ],
    ids=["FL", "FL case and space", "feet and FL", "feet", "BARO is MSL", "W84 m", "W84 ft"],
)
def test_altitudes_in_metres(
    volume: Builder,
    lower: Any,
    upper: Any,
    lower_m: float,
    upper_m: float,
    reference: str,
) -> None:
    vol = Volume4D.parse(volume(altitude_lower=lower, altitude_upper=upper))
    assert vol.lower.metres == pytest.approx(lower_m, abs=1e-9)
    assert vol.upper.metres == pytest.approx(upper_m, abs=1e-9)
    assert vol.reference is AltitudeReference(reference)
    assert vol.lower.feet == pytest.approx(lower_m / FT_M)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2015-09-30T12:00:00+02:00", "2015-09-30T13:00:00+02:00"),
        ("2015-09-30T05:00:00-05:00", "2015-09-30T11:00:00+00:00"),
        ("2015-09-30T10:00:00Z", "2015-09-30T11:00:00z"),
        ("2015-09-30T15:30:00+05:30", "2015-09-30T11:00:00Z"),
    ],
)
def test_times_with_offsets_become_utc(volume: Builder, start: str, end: str) -> None:
    vol = Volume4D.parse(volume(time_start=start, time_end=end))
    assert vol.time_start == datetime(2015, 9, 30, 10, 0, tzinfo=UTC)
    assert vol.time_end == datetime(2015, 9, 30, 11, 0, tzinfo=UTC)
    assert vol.time_start.utcoffset() == timedelta(0)
    assert vol.time_end.tzinfo is UTC


# --- Operation.parse ------------------------------------------------------------------------


def op_refusal(data: Any, limits: Limits | None = None) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        Operation.parse(data, limits=limits)
    return {issue.path: issue.message for issue in caught.value.issues}


VOLUME_REFUSALS = {
    "too few vertices": ({"footprint": polygon([A, B, A])}, "footprint.coordinates[0]"),
    "bow-tie": ({"footprint": polygon([A, C, B, D])}, "footprint.coordinates[0]"),
    "lat": ({"footprint": polygon([A, B, (36.1, 95.0), D])}, "footprint.coordinates[0][2]"),
    "lon": ({"footprint": polygon([A, B, (190.0, 35.0), D])}, "footprint.coordinates[0][2]"),
    "area": ({"footprint": circle("300km")}, "footprint"),
    "radius": ({"footprint": circle("-1NM")}, "footprint.radius"),
    "band": ({"altitude_lower": "FL300"}, "altitude_upper"),
    "AGL": ({"altitude_lower": {"value": 1, "units": "M", "reference": "AGL"}}, "altitude_lower"),
    "end <= start": ({"time_end": "2015-09-30T09:00:00Z"}, "time_end"),
    "window": ({"time_end": "2015-11-30T11:00:00Z"}, "time_end"),
    "naive": ({"time_start": "2015-09-30T10:00:00"}, "time_start"),
    "flight level": ({"altitude_upper": "FL2000"}, "altitude_upper"),
    "extra": ({"colour": "red"}, "colour"),
}
# Refusals raised by the volume's own checks rather than by pydantic's field validation.


@pytest.mark.parametrize("name", VOLUME_REFUSALS)
def test_operation_reports_volume_paths(volume: Builder, operation: Builder, name: str) -> None:
    overrides, path = VOLUME_REFUSALS[name]
    issues = op_refusal(operation("op", volume(), volume(**overrides)))
    assert list(issues) == [f"volumes[1].{path}"]


@pytest.mark.parametrize(
    "name",
    list(VOLUME_REFUSALS),
)
def test_operation_with_its_only_volume_bad(volume: Builder, operation: Builder, name: str) -> None:
    overrides, path = VOLUME_REFUSALS[name]
    issues = op_refusal(operation("op", volume(**overrides)))
    assert f"volumes[0].{path}" in issues, issues


def test_operation_reports_every_volume_and_header_issue(
    volume: Builder, operation: Builder
) -> None:
    data = operation(
        "op",
        volume(),
        volume(time_end="2015-09-30T09:00:00Z"),
        volume(footprint=polygon([A, B, (36.1, 95.0), D])),
        priority="high",
    )
    assert set(op_refusal(data)) == {
        "priority",
        "volumes[1].time_end",
        "volumes[2].footprint.coordinates[0][2]",
    }


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"id": ""}, "id"),
        ({"id": "x" * 257}, "id"),
        ({"id": None}, "id"),
        ({"party": ""}, "party"),
        ({"priority": "high"}, "priority"),
        ({"priority": 2**31}, "priority"),
        ({"state": "flying"}, "state"),
        ({"volumes": []}, "volumes"),
        ({"volumes": "none"}, "volumes"),
        ({"colour": "red"}, "colour"),
    ],
    ids=repr,
)
def test_operation_header_refusals(operation: Builder, change: dict[str, Any], path: str) -> None:
    data = {**operation("op"), **change}
    data = {k: v for k, v in data.items() if v is not None}
    assert path in op_refusal(data)


@pytest.mark.parametrize("data", [None, [], "op", 3], ids=repr)
def test_operation_not_an_object(data: Any) -> None:
    assert "" in op_refusal(data)


def test_operation_applies_limits_to_its_volumes(volume: Builder, operation: Builder) -> None:
    limits = Limits(now=at("2015-10-01T00:00:00Z"))
    later = volume(time_start="2015-10-02T00:00:00Z", time_end="2015-10-02T01:00:00Z")
    issues = op_refusal(operation("op", later, volume()), limits)
    assert list(issues) == ["volumes[1].time_end"]
    assert "past" in issues["volumes[1].time_end"]


def test_valid_operation(volume: Builder, operation: Builder) -> None:
    op = Operation.parse(
        operation("op", volume(), volume(footprint=circle("2NM")), party="RU", priority=7)
    )
    assert (op.id, op.party, op.priority, op.state.value) == ("op", "RU", 7, "accepted")
    assert len(op.volumes) == 2
    assert op.vertex_count == 5
    assert op.volumes[1].geometry.radius_m == pytest.approx(2 * NM_M)


# --- vertex limit ---------------------------------------------------------------------------


def vertices_volumes(volume: Builder, counts: list[int | str]) -> list[dict[str, Any]]:
    """A volume per count: an n-gon for a number, a circle for "circle"."""
    return [
        volume(footprint=circle("1NM") if n == "circle" else polygon(ring_of(int(n))))
        for n in counts
    ]


@pytest.mark.parametrize(
    ("counts", "accepted"),
    [
        ([10_000], True),
        ([10_001], False),
        ([5_000, 5_001], False),
        ([5_000, 5_000], True),
        ([9_999, "circle"], True),  # a circle counts 1
        ([9_999, "circle", "circle"], False),
    ],
    ids=["10000", "10001", "5000+5001", "5000+5000", "9999+circle", "9999+2 circles"],
)
def test_vertex_limit_counts_all_volumes(
    volume: Builder, operation: Builder, counts: list[int | str], accepted: bool
) -> None:
    data = operation("op", *vertices_volumes(volume, counts))
    if accepted:
        assert Operation.parse(data).vertex_count == 10_000
    else:
        issues = op_refusal(data)
        assert list(issues) == ["volumes"]
        assert "10,001 vertices" in issues["volumes"]
        assert "10,000" in issues["volumes"]


def test_closing_vertex_is_not_counted(volume: Builder, operation: Builder) -> None:
    ring = ring_of(10_000)
    data = operation("op", volume(footprint=polygon([*ring, ring[0]])))
    assert Operation.parse(data).vertex_count == 10_000


@pytest.mark.parametrize(
    ("shapes", "accepted"),
    [
        ([polygon([A, B, C, D]), corridor("1NM", [A, B, C]), circle("1NM")], True),  # 4+3+1
        ([polygon([A, B, C, D]), orbit("1NM"), circle("1NM"), circle("1NM")], True),  # 4+2+1+1
        ([polygon([A, B, C, D]), corridor("1NM", [A, B, C]), orbit("1NM")], False),  # 9
    ],
)
def test_custom_vertex_limit(
    volume: Builder, operation: Builder, shapes: list[dict[str, Any]], accepted: bool
) -> None:
    limits = Limits(max_vertices=8)
    data = operation("op", *(volume(footprint=s) for s in shapes))
    if accepted:
        Operation.parse(data, limits=limits)
    else:
        assert list(op_refusal(data, limits)) == ["volumes"]
