"""Units at the edges: lengths, durations and flight levels to metres and seconds."""

from __future__ import annotations

import pytest

from sharedsky.errors import InvalidInput
from sharedsky.units import (
    FT_M,
    NM_M,
    flight_level_m,
    format_length,
    length_m,
    parse_duration,
    parse_length,
)


@pytest.mark.parametrize(
    ("text", "metres"),
    [
        ("3NM", 5556.0),
        ("1NM", 1852.0),
        ("500ft", 152.4),
        ("1000FT", 304.8),
        ("250m", 250.0),
        ("2km", 2000.0),
        ("1.5KM", 1500.0),
        (".5NM", 926.0),
        ("1.NM", 1852.0),
        ("1e3m", 1000.0),
        ("2E-3km", 2.0),
        ("+7m", 7.0),
        ("0NM", 0.0),
        ("3 NM", 5556.0),
        ("  3NM  ", 5556.0),
    ],
)
def test_parse_length_every_unit_and_number_form(text: str, metres: float) -> None:
    assert parse_length(text) == pytest.approx(metres, rel=1e-12)


@pytest.mark.parametrize("text", ["3nm", "3Nm", "3nM", "3NM"])
def test_parse_length_unit_is_case_insensitive(text: str) -> None:
    assert parse_length(text) == pytest.approx(3 * NM_M)


@pytest.mark.parametrize(("unit", "factor"), [("m", 1.0), ("Km", 1000.0), ("fT", FT_M)])
def test_parse_length_mixed_case_other_units(unit: str, factor: float) -> None:
    assert parse_length(f"2{unit}") == pytest.approx(2 * factor)


def test_parse_length_keeps_the_sign_for_callers_to_judge() -> None:
    # Negative numbers are numbers; refusing them is the caller's business (CLI, radius).
    assert parse_length("-3NM") == pytest.approx(-5556.0)
    assert parse_duration("-2min") == pytest.approx(-120.0)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("3XX", "unknown length unit 'XX'"),
        ("3mi", "unknown length unit"),
        ("3nmi", "unknown length unit"),
        ("3s", "unknown length unit"),
        ("3", "must be a number with a unit"),
        ("NM", "must be a number with a unit"),
        ("", "must be a number with a unit"),
        ("   ", "must be a number with a unit"),
        ("three NM", "must be a number with a unit"),
        ("3 N M", "must be a number with a unit"),
        ("3NM5", "must be a number with a unit"),
        ("3,5NM", "must be a number with a unit"),
        ("--3NM", "must be a number with a unit"),
        ("nanNM", "must be a number with a unit"),
        ("NaN NM", "must be a number with a unit"),
        ("infNM", "must be a number with a unit"),
        ("Infinity m", "must be a number with a unit"),
        ("-inf m", "must be a number with a unit"),
        ("1e999m", "not finite"),
        ("1e308NM", "not finite"),
    ],
)
def test_parse_length_refuses(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_length(text)
    (issue,) = caught.value.issues
    assert fragment in issue.message


def test_unknown_length_unit_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_length("3XX")
    message = caught.value.issues[0].message
    for unit in ("FT", "KM", "M", "NM"):
        assert unit in message


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0s", 0.0),
        ("30s", 30.0),
        ("30S", 30.0),
        ("2min", 120.0),
        ("2MIN", 120.0),
        ("2Min", 120.0),
        ("30 min", 1800.0),
        ("1h", 3600.0),
        ("1.5H", 5400.0),
        ("1e2s", 100.0),
    ],
)
def test_parse_duration_every_unit(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("5m", "unknown duration unit 'm'"),  # m is metres, never minutes
        ("1d", "unknown duration unit"),
        ("3sec", "unknown duration unit"),
        ("2hours", "unknown duration unit"),
        ("3NM", "unknown duration unit"),
        ("30", "must be a number with a unit"),
        ("min", "must be a number with a unit"),
        ("", "must be a number with a unit"),
        ("nans", "must be a number with a unit"),
        ("infh", "must be a number with a unit"),
        ("1e999s", "not finite"),
        ("1e307h", "not finite"),
    ],
)
def test_parse_duration_refuses(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_duration(text)
    (issue,) = caught.value.issues
    assert fragment in issue.message


@pytest.mark.parametrize(
    ("text", "feet"),
    [
        ("FL000", 0),
        ("FL0", 0),
        ("FL10", 1_000),
        ("FL100", 10_000),
        ("FL250", 25_000),
        ("FL290", 29_000),
        ("FL999", 99_900),
        ("fl250", 25_000),
        ("Fl250", 25_000),
        ("FL 250", 25_000),
        (" FL250 ", 25_000),
    ],
)
def test_flight_level_m(text: str, feet: int) -> None:
    assert flight_level_m(text) == pytest.approx(feet * FT_M, abs=1e-9)


def test_flight_level_is_the_same_height_as_its_feet() -> None:
    assert flight_level_m("FL100") == pytest.approx(parse_length("10000ft"), abs=1e-9)
    assert flight_level_m("FL290") == pytest.approx(8839.2, abs=1e-9)


@pytest.mark.parametrize(
    "text",
    ["FL1000", "FL", "FL-10", "FL25.5", "FL+10", "F250", "FLL250", "250", "", "FL250ft", "FLnan"],
)
def test_flight_level_refuses(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        flight_level_m(text)
    assert "not a flight level" in caught.value.issues[0].message


@pytest.mark.parametrize(
    ("value", "units", "metres"),
    [
        (5, "NM", 9260.0),
        (5, "nm", 9260.0),
        (2, "KM", 2000.0),
        (2, "km", 2000.0),
        (100, "FT", 30.48),
        (100, "ft", 30.48),
        (7, "M", 7.0),
        (7, "m", 7.0),
        (-3, "M", -3.0),
        (0, "NM", 0.0),
    ],
)
def test_length_m(value: float, units: str, metres: float) -> None:
    assert length_m(value, units) == pytest.approx(metres)


@pytest.mark.parametrize("units", ["XX", "", "mi", "S", "N M", "metres"])
def test_length_m_refuses_unknown_units(units: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        length_m(1.0, units)
    assert "unknown length unit" in caught.value.issues[0].message


def test_unit_errors_carry_an_empty_path_for_the_caller_to_fill() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_length("3XX")
    assert caught.value.issues[0].path == ""
    assert caught.value.under("--lateral-buffer").issues[0].path == "--lateral-buffer"


@pytest.mark.parametrize(
    ("metres", "text"),
    [(0.0, "0 m"), (2550.4, "2,550 m"), (-2550.4, "-2,550 m"), (18520.0, "10.0 NM")],
)
def test_format_length(metres: float, text: str) -> None:
    assert format_length(metres) == text
