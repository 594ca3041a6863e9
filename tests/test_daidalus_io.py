"""DAIDALUS inputs and output: ``.daa`` encounters, ``.conf`` parameters, the alerting CSV.

The real files are read from ``../shared/daidalus/`` (never copied here); small hand-written
variants cover the other layouts, units and every refusal. Refusals must be one line naming the
file, the line and the column or key.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sharedsky.errors import InvalidInput
from sharedsky.io.daa import Dimension, parse_daa, read_daa, unit_factor
from sharedsky.io.daidalus_conf import parse_daidalus_conf, read_daidalus_conf
from sharedsky.io.daidalus_csv import csv_lines, format_number
from sharedsky.tactical.daidalus_alerting import BandsRegion, alert_levels

Shared = Callable[..., Path]

FT = 0.3048
NM = 1852.0
KN = NM / 3600
FPM = FT / 60


def scenario(shared: Shared, name: str) -> Path:
    return shared("daidalus", "Scenarios", name)


def configuration(shared: Shared, name: str) -> Path:
    return shared("daidalus", "Configurations", name)


def one_line_error(error: pytest.ExceptionInfo[InvalidInput]) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


# --- .daa -------------------------------------------------------------------------------------


def test_h1_velocity_components_and_units(shared: Shared) -> None:
    encounter = read_daa(scenario(shared, "H1.daa"))
    assert encounter.ownship == "Ownship"
    assert encounter.geodetic
    assert len(encounter.steps()) == 230
    assert set(encounter.names.tolist()) == {"Ownship", "Intruder"}
    assert encounter.alt_m[0] == pytest.approx(17_000 * FT)
    # vx/vy are east/north components: the ownship flies north at 200 kn.
    assert encounter.ve_mps[0] == 0.0
    assert encounter.vn_mps[0] == pytest.approx(200 * KN)
    assert encounter.vn_mps[1] == pytest.approx(-600 * KN)
    assert (encounter.alerter == 1).all()
    assert np.isnan(encounter.air_ve_mps).all()
    assert (encounter.uncertainty.s_ew_m == 0).all()


def test_h1_sum_uncertainty_units_are_honoured_per_column(shared: Shared) -> None:
    encounter = read_daa(scenario(shared, "H1_SUM.daa"))
    unc = encounter.uncertainty
    # [nmi] even for the altitude error, [nmi/s] for velocity errors.
    assert unc.s_ew_m[0] == pytest.approx(0.020248380129590 * NM)
    assert unc.sz_m[0] == pytest.approx(0.016457883330230 * NM)
    assert unc.vz_mps[0] == pytest.approx(0.000017143628469 * NM)
    assert unc.v_ns_mps[0] == pytest.approx(0.000674946004320 * NM)
    # The ownship flies alone until the intruder appears at 27 s.
    steps = encounter.steps()
    assert [stop - start for start, stop in steps[:27]] == [1] * 27
    assert encounter.names[steps[27][0] + 1] == "Intruder_1"


def test_track_ground_speed_and_air_vector(shared: Shared) -> None:
    encounter = read_daa(scenario(shared, "C1_0_120_W.daa"))
    # Line 5: trk 0, gs 120.000051 kn; heading 4.924982°, airspeed 80.906451 kn.
    assert encounter.vn_mps[0] == pytest.approx(120.000051 * KN)
    assert encounter.ve_mps[0] == pytest.approx(0.0, abs=1e-12)
    air_e, air_n = encounter.air_ve_mps[0], encounter.air_vn_mps[0]
    heading = math.radians(4.924982)
    assert (air_e, air_n) == pytest.approx(
        (80.906451 * KN * math.sin(heading), 80.906451 * KN * math.cos(heading))
    )
    # The wind (ground minus air) is 40 kn toward 350°, as the file's comment says.
    wind_e, wind_n = encounter.ve_mps[0] - air_e, encounter.vn_mps[0] - air_n
    assert math.hypot(wind_e, wind_n) == pytest.approx(40 * KN, rel=1e-5)
    assert math.degrees(math.atan2(wind_e, wind_n)) % 360 == pytest.approx(350.0, abs=1e-3)


@pytest.mark.parametrize("name", ["C0_0_120.daa", "C1_0_120.daa", "C1_0_120_W.daa", "H0_0_120.daa"])
def test_generated_scenarios_read(shared: Shared, name: str) -> None:
    encounter = read_daa(scenario(shared, name))
    assert len(encounter.steps()) == 121
    assert len(encounter.names) == 242
    assert encounter.alt_m == pytest.approx(15_000 * FT)


def test_euclidean_whitespace_no_units_line_defaults() -> None:
    text = """# a comment
    name sx sy sz trk gs vs time
    own -3.333333 0.0 15000 90 120 0 0
    # another comment

    intruder 5.0 0.5 15000 270 180 500 0
    """
    encounter = parse_daa(text)
    assert not encounter.geodetic
    assert np.isnan(encounter.lat_deg).all()
    assert encounter.x_m.tolist() == pytest.approx([-3.333333 * NM, 5 * NM])
    assert encounter.y_m[1] == pytest.approx(0.5 * NM)
    assert encounter.alt_m.tolist() == pytest.approx([15_000 * FT] * 2)
    assert encounter.ve_mps.tolist() == pytest.approx([120 * KN, -180 * KN])
    assert encounter.vz_mps[1] == pytest.approx(500 * FPM)


def test_si_and_other_units_and_aliases() -> None:
    text = """NAME, Latitude, Longitude, Altitude, Track, gs, vs, tm, alerter
    [none], [rad], [deg], [m], [rad], [m/s], [m/s], [min], unitless
    own, 0.5, 10, 1000, 0, 100, 1, 1, 2
    other, 0.51, 10, 1200, 3.14159, 100, -1, 1, 3
    """
    encounter = parse_daa(text)
    assert encounter.lat_deg[0] == pytest.approx(math.degrees(0.5))
    assert encounter.alt_m.tolist() == [1000.0, 1200.0]
    assert encounter.time_s.tolist() == [60.0, 60.0]
    assert encounter.vn_mps[1] == pytest.approx(-100.0, abs=1e-3)
    assert encounter.alerter.tolist() == [2, 3]


def test_units_table() -> None:
    assert unit_factor("[nmi]", Dimension.LENGTH) == NM
    assert unit_factor("knot", Dimension.SPEED) == pytest.approx(KN)
    assert unit_factor("[fpm]", Dimension.SPEED) == pytest.approx(FPM)
    assert unit_factor("[nmi/s]", Dimension.SPEED) == NM
    with pytest.raises(ValueError, match="not a length"):
        unit_factor("[s]", Dimension.LENGTH)
    with pytest.raises(ValueError, match="unknown unit"):
        unit_factor("[furlong]", Dimension.LENGTH)


GOOD_HEADER = "NAME lat lon alt trk gs vs time\n[none] [deg] [deg] [ft] [deg] [knot] [fpm] [s]\n"
OWN = "own 40.0 -74.0 15000 0 120 0 {t}\n"
OTHER = "other 40.1 -74.0 15000 180 120 0 {t}\n"


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ("", "", "no column names"),
        ("NAME lat lon alt trk gs time\n" + OWN.format(t=0), "s.daa:1", "missing column(s) vs"),
        ("NAME lat lon alt sx trk gs vs time\n", "s.daa:1", "mixes lat/lon/alt with sx/sy/sz"),
        ("NAME lat lat lon alt trk gs vs time\n", "s.daa:1", "column 'lat' appears twice"),
        (
            "NAME lat lon alt trk gs vs time heading\n",
            "s.daa:1",
            "missing column(s) airspeed",
        ),
        (GOOD_HEADER, "s.daa", "no aircraft states"),
        ("NAME lat lon alt trk gs vs time\n[none] [deg]\n", "s.daa:2", "2 units for 8 columns"),
        (
            GOOD_HEADER.replace("[ft]", "[furlong]"),
            "s.daa:2",
            "column alt: unknown unit '[furlong]'",
        ),
        (GOOD_HEADER.replace("[ft]", "[knot]"), "s.daa:2", "is not a length unit"),
        (GOOD_HEADER + "own 40.0 -74.0 15000 0 120 0\n", "s.daa:3", "7 fields where the header"),
        (GOOD_HEADER + "own 40.0 -74.0 high 0 120 0 0\n", "s.daa:3", "column alt: 'high'"),
        (GOOD_HEADER + "own 40.0 -74.0 nan 0 120 0 0\n", "s.daa:3", "column alt: 'nan' is not"),
        (GOOD_HEADER + "own 91.0 -74.0 100 0 120 0 0\n", "s.daa:3", "latitude 91.0 is beyond"),
        (GOOD_HEADER + "own 40.0 -74.0 100 0 -5 0 0\n", "s.daa:3", "column gs: -5 is below 0"),
        (GOOD_HEADER + ", 40.0, -74.0, 100, 0, 5, 0, 0\n", "s.daa:3", "column NAME: empty name"),
        (
            GOOD_HEADER + OWN.format(t=0) + OTHER.format(t=1),
            "s.daa:4",
            "no row for the ownship 'own' at time 1 s",
        ),
        (
            GOOD_HEADER + OWN.format(t=0) + OTHER.format(t=0) + OTHER.format(t=0),
            "s.daa:5",
            "'other' appears twice at time 0 s",
        ),
        (
            GOOD_HEADER + OWN.format(t=1) + OWN.format(t=0),
            "s.daa:4",
            "time 0 s goes back from 1 s",
        ),
        (
            "NAME lat lon alt trk gs vs time alerter\n" + "own 40 -74 0 0 0 0 0 1.5\n",
            "s.daa:2",
            "column alerter: 1.5 is not a whole alerter number",
        ),
        (
            "NAME lat lon alt trk gs vs time alerter\n" + "own 40 -74 0 0 0 0 0 0\n",
            "s.daa:2",
            "column alerter: 0 is below 1",
        ),
    ],
)
def test_bad_daa_is_one_precise_line(text: str, where: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_daa(text, source="s.daa")
    message = one_line_error(error)
    assert message.startswith(where), message
    assert fragment in message


def test_unreadable_daa(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as error:
        read_daa(tmp_path / "absent.daa")
    assert "cannot read the scenario" in one_line_error(error)
    binary = tmp_path / "binary.daa"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InvalidInput):
        read_daa(binary)


# --- .conf ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["DO_365A_no_SUM.conf", "DO_365B_no_SUM.conf"])
def test_no_sum_configurations(shared: Shared, name: str) -> None:
    params = read_daidalus_conf(configuration(shared, name))
    assert params.lookahead_s == 180.0
    assert params.filter is not None
    assert (params.filter.m, params.filter.n) == (2, 4)
    assert (params.filter.hysteresis_s, params.filter.persistence_s) == (5.0, 4.0)
    assert not params.ownship_centric
    assert params.corrective_region is BandsRegion.MID
    names = [a.name for a in params.alerters]
    expected = ["DWC_Phase_I", "DWC_Phase_II"]
    assert names == (expected if "365A" in name else [*expected, "DWC_Non_Coop"])
    phase_1 = params.alerters[0].levels
    assert [lvl.region for lvl in phase_1] == [BandsRegion.NONE, BandsRegion.MID, BandsRegion.NEAR]
    assert [lvl.detector.zthr_m for lvl in phase_1] == pytest.approx([700 * FT, 450 * FT, 450 * FT])
    assert [lvl.detector.dthr_m for lvl in phase_1] == pytest.approx([0.66 * NM] * 3)
    assert {lvl.detector.tthr_s for lvl in phase_1} == {35.0}
    assert {lvl.detector.tcoa_s for lvl in phase_1} == {0.0}
    assert [(lvl.alerting_time_s, lvl.early_alerting_time_s) for lvl in phase_1] == [
        (55.0, 75.0),
        (55.0, 75.0),
        (25.0, 55.0),
    ]
    phase_2 = params.alerters[1].levels
    assert [lvl.detector.dthr_m for lvl in phase_2] == pytest.approx([1500 * FT] * 3)
    assert {lvl.detector.tthr_s for lvl in phase_2} == {0.0}
    assert {(lvl.alerting_time_s, lvl.early_alerting_time_s) for lvl in phase_2} == {(45.0, 75.0)}
    assert not any(lvl.sum for a in params.alerters for lvl in a.levels)


def test_sum_configuration(shared: Shared) -> None:
    params = read_daidalus_conf(configuration(shared, "DO_365B_SUM.conf"))
    assert [a.name for a in params.alerters] == [
        "DWC_Phase_I_SUM",
        "DWC_Phase_II_SUM",
        "DWC_Non_Coop_SUM",
    ]
    assert all(lvl.sum for a in params.alerters for lvl in a.levels)
    non_coop = params.alerters[2].levels
    assert [lvl.detector.dthr_m for lvl in non_coop] == pytest.approx([2200 * FT] * 3)
    assert [(lvl.alerting_time_s, lvl.early_alerting_time_s) for lvl in non_coop] == [
        (50.0, 110.0),
        (50.0, 110.0),
        (20.0, 90.0),
    ]
    z = params.sum
    assert (z.h_pos_z_score, z.h_vel_z_score_min, z.h_vel_z_score_max) == (1.5, 0.5, 1.0)
    assert z.h_vel_z_distance_m == pytest.approx(5 * NM)
    assert (z.v_pos_z_score, z.v_vel_z_score) == (0.75, 1.5)


MINIMAL_CONF = """\
lookahead_time = 3 [min]
alerting_m = 2
alerting_n = 4
hysteresis_time = 5
persistence_time = 4 [s]
alerters = Cyl
Cyl_alert_1_region = NEAR
Cyl_alert_1_alerting_time = 30 [s]
Cyl_alert_1_early_alerting_time = 40 [s]
Cyl_alert_1_detector = det_1
Cyl_load_core_detection_det_1 = gov.nasa.larcfm.ACCoRD.WCV_TAUMOD
Cyl_det_1_WCV_DTHR = 1 [km]
Cyl_det_1_WCV_ZTHR = 100
Cyl_det_1_WCV_TTHR = 0 [s]
Cyl_det_1_WCV_TCOA = 0 [s]
"""


def test_minimal_configuration_units_and_defaults() -> None:
    params = parse_daidalus_conf(MINIMAL_CONF + "unknown_band_key = 12 [parsec]\n")
    assert parse_daidalus_conf(MINIMAL_CONF + "ownship_centric_alerting = true").ownship_centric
    assert params.lookahead_s == 180.0
    assert params.filter is not None and params.filter.hysteresis_s == 5.0
    level = params.alerters[0].levels[0]
    # A value without a unit is SI.
    assert (level.detector.dthr_m, level.detector.zthr_m) == (1000.0, 100.0)
    assert params.corrective_region is BandsRegion.MID
    assert not params.ownship_centric
    assert params.sum.h_pos_z_score == 0.0


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (("lookahead_time = 3 [min]", ""), "missing key lookahead_time"),
        (("lookahead_time = 3 [min]", "lookahead_time = soon"), "'soon' is not a number"),
        (("lookahead_time = 3 [min]", "lookahead_time = 3 [ft]"), "is not a time unit"),
        (("lookahead_time = 3 [min]", "lookahead_time = 0"), "must be positive"),
        (("alerting_n = 4", "alerting_n = 1"), "must be at least alerting_m (2)"),
        (("alerting_m = 2", "alerting_m = 1.5"), "1.5 is not a whole number"),
        (("persistence_time = 4 [s]", "persistence_time = -4 [s]"), "at least 0"),
        (("alerters = Cyl", "alerters = ,"), "lists no alerter"),
        (("alerters = Cyl", "alerters = Cyl,Other"), "alerter Other has no levels"),
        (("Cyl_alert_1_region = NEAR", "Cyl_alert_1_region = CLOSE"), "is not a region"),
        (
            ("Cyl_alert_1_early_alerting_time = 40 [s]", "Cyl_alert_1_early_alerting_time = 20"),
            "must be at least the alerting time 30 s",
        ),
        (("ACCoRD.WCV_TAUMOD", "ACCoRD.CDCylinder"), "is not supported"),
        (("Cyl_det_1_WCV_TCOA = 0 [s]\n", ""), "missing key Cyl_det_1_WCV_TCOA"),
        (("Cyl_alert_1_detector = det_1\n", ""), "missing key Cyl_alert_1_detector"),
        (("Cyl_alert_1_", "Cyl_alert_2_"), "levels must be numbered 1..1"),
        (("hysteresis_time = 5", "hysteresis_time = 5\nhysteresis_time = 6"), "set twice"),
        (("hysteresis_time = 5", "hysteresis_time"), "is not 'key = value [unit]'"),
        (("alerting_m = 2", "alerting_m = 2\nownship_centric_alerting = maybe"), "true or false"),
    ],
)
def test_bad_configuration_names_the_key(change: tuple[str, str], fragment: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_daidalus_conf(MINIMAL_CONF.replace(*change), source="c.conf")
    messages = [str(issue) for issue in error.value.issues]
    assert all("\n" not in m and m.startswith("c.conf") for m in messages), messages
    assert any(fragment in m for m in messages), messages


def test_unreadable_configuration(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as error:
        read_daidalus_conf(tmp_path / "absent.conf")
    assert "cannot read the configuration" in one_line_error(error)


# --- CSV --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0.0"),
        (33.0, "33.0"),
        (4.559190000001, "4.55919"),
        (165.2688714, "165.268871"),
        (0.1413355, "0.141336"),
        (316.8, "316.8"),
        (1e-7, "0.0"),
        (math.inf, "infty"),
    ],
)
def test_number_format(value: float, text: str) -> None:
    assert format_number(value) == text


def test_csv_header_and_units_lines(shared: Shared) -> None:
    table = alert_levels(
        read_daa(scenario(shared, "H1.daa")),
        read_daidalus_conf(configuration(shared, "DO_365B_no_SUM.conf")),
    )
    gold = shared("daidalus", "gold", "DaidalusqAlerting-no_sum.csv").read_text().splitlines()
    lines = list(csv_lines(table))
    assert lines[:2] == gold[:2]
    assert lines[0].startswith(" Time, Ownship, Traffic, Alerter, Alert Level, ")
    assert lines[1].startswith("[s],,,,, [s], [s], [s], [nmi]")
    assert lines[-1].endswith(", , ")
    assert len(lines) == len(gold)
