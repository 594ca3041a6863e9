"""DO-365 alerting against DAIDALUS: gold CSVs, level timelines, filter and detector properties.

* The two gold files of ``../shared/daidalus/gold/`` are reproduced row by row: the alert level
  exactly, every other number within 1e-6 absolute or 1e-4 relative (the files print 6
  decimals, so the last digit may round the other way). Modified tau is compared by its
  relative error only: near-parallel tracks make it ~1e5 s and ill-conditioned.
* The level timelines DAIDALUS gives for C0, C1, C1_W and H0 (reference §0) hold for both
  DO-365A and DO-365B without SUM.
* Hypothesis checks the interval routine against a dense sampling of the well-clear predicate,
  its symmetries, SUM's conservatism, and the output filter against a plain re-statement.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharedsky.errors import InvalidInput
from sharedsky.io.daa import parse_daa, read_daa
from sharedsky.io.daidalus_conf import read_daidalus_conf
from sharedsky.io.daidalus_csv import csv_lines
from sharedsky.tactical.daidalus_alerting import (
    Alerter,
    AlertFilter,
    AlertingParameters,
    AlertingTable,
    AlertThresholds,
    BandsRegion,
    FilterState,
    alert_levels,
    filter_level,
)
from sharedsky.tactical.wcv import (
    RelativeState,
    SumErrors,
    WcvThresholds,
    loses_well_clear,
    sum_violation_interval,
    violation_interval,
)

Shared = Callable[..., Path]

FT = 0.3048
NM = 1852.0
TAUMOD_COLUMN = 17
LEVEL_COLUMN = 4


def run(shared: Shared, scenario: str, conf: str, *, raw: bool = False) -> AlertingTable:
    params = read_daidalus_conf(shared("daidalus", "Configurations", conf))
    if raw:
        params = dataclasses.replace(params, filter=None)
    return alert_levels(read_daa(shared("daidalus", "Scenarios", scenario)), params)


def timeline(table: AlertingTable) -> list[tuple[float, int]]:
    """(time, level) at the first row and at every change of level."""
    changes: list[tuple[float, int]] = []
    for time_s, level in zip(table.time_s.tolist(), table.level.tolist(), strict=True):
        if not changes or changes[-1][1] != level:
            changes.append((time_s, level))
    return changes


def assert_matches_gold(lines: list[str], gold: list[str]) -> None:
    assert lines[:2] == gold[:2]
    assert len(lines) == len(gold)
    for row, (mine, theirs) in enumerate(zip(lines[2:], gold[2:], strict=True), start=3):
        ours, golds = mine.split(", "), theirs.split(", ")
        assert len(ours) == len(golds), f"row {row}"
        assert ours[LEVEL_COLUMN] == golds[LEVEL_COLUMN], f"alert level, row {row}: {theirs}"
        for column, (a, b) in enumerate(zip(ours, golds, strict=True)):
            if a == b:
                continue
            where = f"row {row}, column {column}: {a} vs {b}"
            assert "" not in (a, b) and "infty" not in (a, b), where
            x, y = float(a), float(b)
            if column == TAUMOD_COLUMN:
                assert math.isclose(x, y, rel_tol=1e-4), where
            else:
                assert math.isclose(x, y, rel_tol=1e-4, abs_tol=1e-6 + 1e-9), where


# --- gold files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "conf", "gold"),
    [
        ("H1.daa", "DO_365B_no_SUM.conf", "DaidalusqAlerting-no_sum.csv"),
        ("H1_SUM.daa", "DO_365B_SUM.conf", "DaidalusAlerting-sum.csv"),
    ],
)
def test_gold_every_row(shared: Shared, scenario: str, conf: str, gold: str) -> None:
    lines = list(csv_lines(run(shared, scenario, conf)))
    assert_matches_gold(lines, shared("daidalus", "gold", gold).read_text().splitlines())


# --- level timelines (reference §0) -----------------------------------------------------------

TIMELINES = {
    "H1.daa": [(0.0, 0), (112.0, 2), (142.0, 3), (206.0, 0)],
    "C0_0_120.daa": [(0.0, 0), (28.0, 2), (58.0, 3)],
    "C1_0_120.daa": [(0.0, 0), (14.0, 2), (44.0, 3), (116.0, 0)],
    "C1_0_120_W.daa": [(0.0, 0), (14.0, 2), (44.0, 3), (116.0, 0)],
    "H0_0_120.daa": [(0.0, 0), (11.0, 2), (41.0, 3), (108.0, 0)],
}


@pytest.mark.parametrize("conf", ["DO_365A_no_SUM.conf", "DO_365B_no_SUM.conf"])
@pytest.mark.parametrize("scenario", sorted(TIMELINES))
def test_level_timelines(shared: Shared, scenario: str, conf: str) -> None:
    table = run(shared, scenario, conf)
    assert timeline(table) == TIMELINES[scenario]
    assert table.time_s[-1] == (229.0 if scenario == "H1.daa" else 120.0)


def test_sum_timeline(shared: Shared) -> None:
    table = run(shared, "H1_SUM.daa", "DO_365B_SUM.conf")
    assert timeline(table) == [(27.0, 0), (116.0, 2), (142.0, 3), (207.0, 0)]


def test_without_hysteresis_levels_are_raw(shared: Shared) -> None:
    # Reference §5: on H0 the raw level is 2 from t=10 and 0 from 106; the filtered one
    # follows a step later and clears two steps later.
    raw = run(shared, "H0_0_120.daa", "DO_365B_no_SUM.conf", raw=True)
    assert timeline(raw) == [(0.0, 0), (10.0, 2), (40.0, 3), (106.0, 0)]
    filtered = run(shared, "H0_0_120.daa", "DO_365B_no_SUM.conf")
    np.testing.assert_array_equal(raw.time_to_volume_s, filtered.time_to_volume_s)


def test_wind_is_taken_out_before_projecting(shared: Shared) -> None:
    windy = read_daa(shared("daidalus", "Scenarios", "C1_0_120_W.daa"))
    params = read_daidalus_conf(shared("daidalus", "Configurations", "DO_365B_no_SUM.conf"))
    calm = dataclasses.replace(
        windy,
        air_ve_mps=np.full(len(windy.names), np.nan),
        air_vn_mps=np.full(len(windy.names), np.nan),
    )
    with_wind, without = alert_levels(windy, params), alert_levels(calm, params)
    np.testing.assert_array_equal(with_wind.level, without.level)
    finite = np.isfinite(with_wind.time_to_volume_s[:, 0])
    shift = np.abs(with_wind.time_to_volume_s[finite, 0] - without.time_to_volume_s[finite, 0])
    # Reference §1: ignoring the wind costs about 0.02 s of t_in on C1_W.
    assert 0.01 < shift.max() < 0.03


def h0_euclidean() -> str:
    """H0 written in the ownship-free Euclidean layout (nmi), as DAIDALUS's H0.txt sets it."""
    lines = ["NAME sx sy sz trk gs vs time", "[none] [nmi] [nmi] [ft] [deg] [knot] [fpm] [s]"]
    for t in range(121):
        own_x = -10 / 3 + 120 * t / 3600
        lines.append(f"Ownship, {own_x:.6f}, 0.0, 15000.0, 90.0, 120.0, 0.0, {t}.0")
        lines.append(f"Intruder, {5 - 180 * t / 3600:.6f}, 0.5, 15000.0, 270.0, 180.0, 0.0, {t}.0")
    return "\n".join(lines) + "\n"


def test_euclidean_layout_gives_the_h0_timeline(shared: Shared) -> None:
    params = read_daidalus_conf(shared("daidalus", "Configurations", "DO_365B_no_SUM.conf"))
    table = alert_levels(parse_daa(h0_euclidean()), params)
    assert timeline(table) == TIMELINES["H0_0_120.daa"]
    # Miss distance 0.5 nmi at t = 100 s.
    assert table.metrics.dcpa_m[0] == pytest.approx(0.5 * NM, rel=1e-5)
    assert table.metrics.tcpa_s[0] == pytest.approx(100.0, rel=1e-5)


def test_alerters_ownship_centric_and_printed_taumod(shared: Shared) -> None:
    text = shared("daidalus", "Scenarios", "C1_0_120.daa").read_text()
    # Give the intruder alerter 2 (DWC_Phase_II: 1500 ft, no tau).
    lines = [
        line.replace(", 1, 0.0,", ", 2, 0.0,") if line.startswith("Intruder") else line
        for line in text.splitlines()
    ]
    encounter = parse_daa("\n".join(lines))
    params = read_daidalus_conf(shared("daidalus", "Configurations", "DO_365B_no_SUM.conf"))
    own_alerter = alert_levels(encounter, dataclasses.replace(params, ownship_centric=True))
    their_alerter = alert_levels(encounter, params)
    assert (own_alerter.alerter == 1).all()
    assert (their_alerter.alerter == 2).all()
    assert timeline(own_alerter) == TIMELINES["C1_0_120.daa"]
    # CPA 0.5 nmi never comes within 1500 ft: no alert from DWC_Phase_II.
    assert timeline(their_alerter) == [(0.0, 0)]
    # The printed modified tau uses the first alerter's corrective DTHR whatever the alerter.
    np.testing.assert_array_equal(own_alerter.metrics.taumod_s, their_alerter.metrics.taumod_s)


CYLINDER = AlertingParameters(
    lookahead_s=180.0,
    alerters=(
        Alerter(
            name="cylinder",
            levels=(
                AlertThresholds(
                    region=BandsRegion.NEAR,
                    alerting_time_s=30.0,
                    early_alerting_time_s=40.0,
                    detector=WcvThresholds(dthr_m=1000.0, zthr_m=100.0, tthr_s=0.0, tcoa_s=0.0),
                ),
            ),
        ),
    ),
    filter=None,
)


def test_unknown_alerter() -> None:
    encounter = parse_daa(
        "NAME sx sy sz vx vy vz time alerter\nown 0 0 1000 0 100 0 7 1\nfar 5 5 1000 0 -100 0 7 2\n"
    )
    with pytest.raises(InvalidInput, match=r"far at time 7 s: alerter 2 is not one of the 1"):
        alert_levels(encounter, CYLINDER)


def test_ragged_encounter_is_refused() -> None:
    encounter = parse_daa("NAME sx sy sz vx vy vz time\nown 0 0 0 0 0 0 0\n")
    with pytest.raises(InvalidInput, match="alt_m: must have 1 rows"):
        dataclasses.replace(encounter, alt_m=np.zeros(2))
    ownship_only = alert_levels(dataclasses.replace(encounter), CYLINDER)
    assert len(ownship_only) == 0


def test_rows_follow_the_file_step_by_step() -> None:
    encounter = parse_daa(
        "NAME sx sy sz vx vy vz time\n"
        "own 0 0 0 0 0 0 0\nb 0.1 0 0 0 0 0 0\n"
        "own 0 0 0 0 0 0 1\n"
        "b 0.1 0 0 0 0 0 2\nown 0 0 0 0 0 0 2\na 2 2 0 0 0 0 2\n"
    )
    assert encounter.steps() == [(0, 2), (2, 3), (3, 6)]
    table = alert_levels(encounter, CYLINDER)
    assert table.traffic.tolist() == ["b", "b", "a"]
    assert table.time_s.tolist() == [0.0, 2.0, 2.0]
    assert table.level.tolist() == [1, 1, 0]
    assert table.time_to_volume_s[:, 0].tolist() == [0.0, 0.0, math.inf]


PHASE_I_CLOSURE_MPS = 400 * NM / 3600


def head_on(name: str, t_in_s: float, time_s: float) -> str:
    """An intruder row, head-on at 400 kn closure, entering DWC_Phase_I's volume at ``t_in_s``.

    The tau boundary is crossed at the range r with r² − TTHR·c·r − DTHR² = 0.
    """
    c, dthr = PHASE_I_CLOSURE_MPS, 0.66 * NM
    entry_m = (35 * c + math.sqrt((35 * c) ** 2 + 4 * dthr**2)) / 2
    return f"{name} 0 {(entry_m + c * t_in_s) / NM!r} 0 0 -200 0 {time_s}\n"


def phase_i_levels(shared: Shared, rows: list[tuple[float, dict[str, float]]]) -> AlertingTable:
    text = "NAME sx sy sz vx vy vz time\n[none] [nmi] [nmi] [ft] [knot] [knot] [fpm] [s]\n"
    for time_s, intruders in rows:
        text += f"Ownship 0 0 0 0 200 0 {time_s}\n"
        text += "".join(head_on(name, t_in, time_s) for name, t_in in intruders.items())
    params = read_daidalus_conf(shared("daidalus", "Configurations", "DO_365B_no_SUM.conf"))
    return alert_levels(parse_daa(text), params)


def test_early_alerting_time_survives_an_absence_but_not_a_pause(shared: Shared) -> None:
    # A is corrective (t_in 50 s < 55 s) at 0..10 s, then missing for 7 s, then back with
    # t_in 65 s: inside the early alerting time (75 s) of the level it still shows, outside
    # the alerting time (55 s) of a fresh one.
    shown = [(float(t), {"A": 50.0}) for t in range(11)]
    back = [(17.0, {"A": 65.0}), (18.0, {"A": 65.0})]
    others = [(float(t), {"B": 200.0}) for t in range(11, 17)]
    absent = phase_i_levels(shared, shown + others + back)
    paused = phase_i_levels(shared, shown + back)
    assert absent.level[absent.traffic == "A"].tolist()[-3:] == [2, 2, 2]
    assert paused.level[paused.traffic == "A"].tolist()[-3:] == [2, 0, 0]
    assert absent.time_to_volume_s[-1, 1] == pytest.approx(65.0)


def test_intruders_listed_in_order_of_first_appearance(shared: Shared) -> None:
    table = phase_i_levels(
        shared, [(0.0, {"C": 200.0}), (1.0, {"A": 200.0, "B": 200.0, "C": 200.0})]
    )
    assert table.traffic.tolist() == ["C", "C", "A", "B"]


# --- the output filter ------------------------------------------------------------------------


def run_filter(steps: list[tuple[float, int]], params: AlertFilter) -> list[int]:
    state: FilterState | None = None
    shown = []
    for time_s, raw in steps:
        state = filter_level(state, time_s, raw, params)
        shown.append(state.output)
    return shown


def reference_filter(steps: list[tuple[float, int]], params: AlertFilter) -> list[int]:
    """Reference §5 restated plainly: a window list, counting for M of N, explicit holds."""
    shown: list[int] = []
    window: list[int] = []
    last_time = -math.inf
    output, raised = -1, -math.inf
    for time_s, raw in steps:
        if not shown or time_s <= last_time or time_s - last_time > params.hysteresis_s:
            window = [raw] * params.m + [-1] * (params.n - params.m)
            output = -1
        window = [*window[1:], raw]
        level = max(k for k in range(-1, 4) if k == -1 or sum(v >= k for v in window) >= params.m)
        held = output > 0 and level < output and time_s - raised < params.persistence_s
        if not held:
            if level > 0 and output < level:
                raised = time_s
            output = max(level, 0)
        shown.append(output)
        last_time = time_s
    return shown


DO_365_FILTER = AlertFilter(m=2, n=4, hysteresis_s=5.0, persistence_s=4.0)


def test_filter_delays_alerts_by_one_step_and_clears_two_after() -> None:
    raw = [0, 0, 2, 2, 2, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0]
    steps = [(float(t), level) for t, level in enumerate(raw)]
    # A lone raw level never shows (2 of 4); the 3 raised at t=9 is held for 4 s (t=12).
    assert run_filter(steps, DO_365_FILTER) == [0, 0, 0, 2, 2, 2, 2, 0, 0, 3, 3, 3, 3, 0, 0]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.5, 1.0, 1.0, 1.0, 2.0, 3.0, 7.0, 0.0, -1.0]), st.integers(0, 3)
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(1, 4),
    st.integers(0, 3),
    st.sampled_from([0.0, 2.0, 5.0]),
    st.sampled_from([0.0, 2.5, 4.0]),
)
def test_filter_matches_plain_restatement(
    steps: list[tuple[float, int]], m: int, extra: int, hysteresis: float, persistence: float
) -> None:
    params = AlertFilter(m=m, n=m + extra, hysteresis_s=hysteresis, persistence_s=persistence)
    times = np.cumsum([dt for dt, _ in steps]).tolist()
    timed = [(t, raw) for t, (_, raw) in zip(times, steps, strict=True)]
    assert run_filter(timed, params) == reference_filter(timed, params)


# --- the detector -----------------------------------------------------------------------------

DETECTORS = [
    WcvThresholds(dthr_m=0.66 * NM, zthr_m=700 * FT, tthr_s=35.0, tcoa_s=0.0),
    WcvThresholds(dthr_m=0.66 * NM, zthr_m=450 * FT, tthr_s=35.0, tcoa_s=0.0),
    WcvThresholds(dthr_m=1500 * FT, zthr_m=450 * FT, tthr_s=0.0, tcoa_s=0.0),
    WcvThresholds(dthr_m=2200 * FT, zthr_m=450 * FT, tthr_s=0.0, tcoa_s=20.0),
]
LOOKAHEAD_S = 180.0
GRID_S = np.linspace(0.0, LOOKAHEAD_S, 36_001)  # 5 ms
SLACK_S = 0.02


def relative_states() -> st.SearchStrategy[RelativeState]:
    """Anywhere, or built around a closest approach so that most pairs come near."""
    metres = st.floats(-25_000, 25_000)
    speed = st.floats(-400, 400)
    climb = st.one_of(st.just(0.0), st.floats(-40, 40))

    def around_cpa(
        mx: float, my: float, mz: float, vx: float, vy: float, vz: float, t_cpa: float
    ) -> RelativeState:
        return RelativeState.from_columns(
            sx_m=mx - t_cpa * vx,
            sy_m=my - t_cpa * vy,
            sz_m=mz - t_cpa * vz,
            vx_mps=vx,
            vy_mps=vy,
            vz_mps=vz,
        )

    anywhere = st.builds(
        lambda sx, sy, sz, vx, vy, vz: RelativeState.from_columns(
            sx_m=sx, sy_m=sy, sz_m=sz, vx_mps=vx, vy_mps=vy, vz_mps=vz
        ),
        metres,
        metres,
        st.floats(-1_500, 1_500),
        speed,
        speed,
        climb,
    )
    miss = st.floats(-3_000, 3_000)
    near = st.builds(
        around_cpa, miss, miss, st.floats(-300, 300), speed, speed, climb, st.floats(-30, 200)
    )
    return st.one_of(anywhere, near)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(relative_states(), st.sampled_from(DETECTORS))
def test_interval_matches_dense_sampling(rel: RelativeState, thr: WcvThresholds) -> None:
    t_in, t_out = (float(x[0]) for x in violation_interval(rel, thr, lookahead_s=LOOKAHEAD_S))
    lost = loses_well_clear(rel.at(GRID_S), thr)
    if t_in < t_out:
        inside = (t_in + SLACK_S < GRID_S) & (t_out - SLACK_S > GRID_S)
        assert lost[inside].all()
        assert not lost[(t_in - SLACK_S > GRID_S) | (t_out + SLACK_S < GRID_S)].any()
        assert loses_well_clear(rel, thr)[0] == (t_in == 0.0)
    else:
        # Away from tangency (a violation thinner than the grid), nothing is lost.
        assert lost.sum() <= 2


@settings(max_examples=300, deadline=None)
@given(relative_states(), st.sampled_from(DETECTORS), st.floats(0, 2 * math.pi))
def test_interval_symmetries(rel: RelativeState, thr: WcvThresholds, angle: float) -> None:
    """Swapping the two aircraft negates the relative state; turning the plane rotates it."""
    t_in, t_out = violation_interval(rel, thr, lookahead_s=LOOKAHEAD_S)
    swapped = RelativeState.from_columns(
        sx_m=-rel.sx_m,
        sy_m=-rel.sy_m,
        sz_m=-rel.sz_m,
        vx_mps=-rel.vx_mps,
        vy_mps=-rel.vy_mps,
        vz_mps=-rel.vz_mps,
    )
    np.testing.assert_array_equal(
        violation_interval(swapped, thr, lookahead_s=LOOKAHEAD_S)[0], t_in
    )
    c, s = math.cos(angle), math.sin(angle)
    turned = RelativeState.from_columns(
        sx_m=c * rel.sx_m - s * rel.sy_m,
        sy_m=s * rel.sx_m + c * rel.sy_m,
        sz_m=rel.sz_m,
        vx_mps=c * rel.vx_mps - s * rel.vy_mps,
        vy_mps=s * rel.vx_mps + c * rel.vy_mps,
        vz_mps=rel.vz_mps,
    )
    r_in, r_out = violation_interval(turned, thr, lookahead_s=LOOKAHEAD_S)
    if np.isfinite(t_in[0]) and np.isfinite(r_in[0]):
        assert r_in[0] == pytest.approx(t_in[0], rel=1e-6, abs=1e-6)
        assert r_out[0] == pytest.approx(t_out[0], rel=1e-6, abs=1e-6)


def sum_errors() -> st.SearchStrategy[SumErrors]:
    return st.builds(
        lambda s, v, sz, vz: SumErrors(
            s_m=np.array([s]), v_mps=np.array([v]), sz_m=np.array([sz]), vz_mps=np.array([vz])
        ),
        st.floats(0, 600),
        st.floats(0, 40),
        st.floats(0, 60),
        st.floats(0, 5),
    )


@settings(max_examples=400, deadline=None)
@given(relative_states(), st.sampled_from(DETECTORS), sum_errors())
def test_sum_is_conservative(rel: RelativeState, thr: WcvThresholds, errors: SumErrors) -> None:
    """Uncertainty only brings a loss of well clear earlier and ends it later."""
    t_in, t_out = violation_interval(rel, thr, lookahead_s=LOOKAHEAD_S)
    s_in, s_out = sum_violation_interval(rel, errors, thr, lookahead_s=LOOKAHEAD_S)
    if t_in[0] < t_out[0]:
        assert s_in[0] <= t_in[0] + 1e-9
        assert s_out[0] >= t_out[0] - 1e-9


@settings(max_examples=200, deadline=None)
@given(relative_states(), st.sampled_from(DETECTORS))
def test_sum_without_errors_is_plain(rel: RelativeState, thr: WcvThresholds) -> None:
    zero = SumErrors(s_m=np.zeros(1), v_mps=np.zeros(1), sz_m=np.zeros(1), vz_mps=np.zeros(1))
    plain = violation_interval(rel, thr, lookahead_s=LOOKAHEAD_S)
    summed = sum_violation_interval(rel, zero, thr, lookahead_s=LOOKAHEAD_S)
    np.testing.assert_array_equal(plain[0], summed[0])
    np.testing.assert_array_equal(plain[1], summed[1])
