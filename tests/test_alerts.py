"""The cylinder alerting profile and the alert life cycle."""

from __future__ import annotations

import numpy as np
import pytest

from sharedsky.errors import InvalidInput
from sharedsky.tactical.alerts import AlertLevel, AlertTracker, CylinderProfile, PairLevel
from sharedsky.tactical.states import AircraftStates, StateReports, latest
from sharedsky.units import NM_M


def head_on(gap_deg: float, time_s: float = 0.0, alt_b: float = 9000.0) -> AircraftStates:
    """Two aircraft on the equator closing at 400 m/s, ``gap_deg`` of longitude apart."""
    return AircraftStates.from_columns(
        time_s=time_s,
        ids=["b2", "a1"],
        callsign=["TWO", "ONE"],
        lat_deg=[0.0, 0.0],
        lon_deg=[gap_deg, 0.0],
        alt_m=[alt_b, 9000.0],
        gs_mps=[200.0, 200.0],
        track_deg=[270.0, 90.0],
        vs_mps=[0.0, 0.0],
    )


def degrees(metres: float) -> float:
    return metres / 111_319.49


@pytest.mark.parametrize(
    ("seconds_to_loss", "level"),
    [(150.0, None), (100.0, AlertLevel.CAUTION), (30.0, AlertLevel.WARNING)],
)
def test_levels_follow_the_time_to_loss(seconds_to_loss: float, level: AlertLevel | None) -> None:
    states = head_on(degrees(5 * NM_M + 400.0 * seconds_to_loss))
    found = CylinderProfile().levels(states)
    if level is None:
        assert found == []
        return
    [pair] = found
    assert (pair.a, pair.b, pair.level) == ("a1", "b2", level)
    assert pair.time_to_conflict_s == pytest.approx(seconds_to_loss, abs=0.5)
    assert pair.h_min_m < 10 and pair.v_min_m == 0
    assert pair.h_now_m == pytest.approx(5 * NM_M + 400.0 * seconds_to_loss, rel=1e-3)


def test_a_pair_in_loss_now_is_a_warning_with_its_current_separation() -> None:
    [pair] = CylinderProfile().levels(head_on(degrees(3 * NM_M), alt_b=9100.0))
    assert pair.level == AlertLevel.WARNING and pair.time_to_conflict_s == 0.0
    assert pair.h_now_m == pytest.approx(3 * NM_M, rel=1e-3)
    assert pair.v_now_m == pytest.approx(100.0)


def test_profile_settings_are_checked() -> None:
    with pytest.raises(InvalidInput, match="cannot exceed"):
        CylinderProfile(caution_s=30.0, warning_s=60.0)
    with pytest.raises(InvalidInput):
        CylinderProfile(caution_s=float("nan"))
    with pytest.raises(InvalidInput):
        AlertTracker(hold_s=-1.0)


def level(a: str, b: str, t: float, lv: AlertLevel, ttc: float = 50.0) -> PairLevel:
    return PairLevel(a, b, t, lv, ttc, ttc + 10, 9000.0, 0.0, 100.0, 0.0)


def test_life_cycle_raise_change_hold_end() -> None:
    tracker = AlertTracker(hold_s=2.0)
    first = tracker.update([level("y", "x", 0.0, AlertLevel.CAUTION)])
    [alert] = first.raised
    assert (alert.a, alert.b, alert.alert_id, alert.started_s) == ("x", "y", 1, 0.0)
    assert first.active == [alert]
    second = tracker.update([level("x", "y", 1.0, AlertLevel.WARNING, ttc=40.0)])
    assert second.raised == [] and [a.level for a in second.changed] == [AlertLevel.WARNING]
    assert second.active[0].time_to_conflict_s == 40.0
    # Quiet for less than the hold: still active, no end.
    quiet = tracker.update([], at_s=2.0)
    assert quiet.ended == [] and len(quiet.active) == 1
    assert tracker.update([level("x", "y", 3.0, AlertLevel.CAUTION)]).changed[0].highest == (
        AlertLevel.WARNING
    )
    assert tracker.update([], at_s=4.0).ended == []
    done = tracker.update([], at_s=6.0)
    [ended] = done.ended
    assert ended.ended_s == 6.0 and ended.level == AlertLevel.NONE
    assert ended.highest == AlertLevel.WARNING and done.active == []
    assert tracker.update([], at_s=7.0).ended == []  # reported once
    # The same pair again is a new alert.
    again = tracker.update([level("x", "y", 8.0, AlertLevel.CAUTION)])
    assert again.raised[0].alert_id == 2


def test_level_none_is_no_alert_and_times_must_agree() -> None:
    tracker = AlertTracker()
    assert tracker.update([level("a", "b", 0.0, AlertLevel.NONE)]).raised == []
    with pytest.raises(InvalidInput, match="share one time"):
        tracker.update([level("a", "b", 0.0, AlertLevel.CAUTION), level("a", "c", 1.0, 2)])
    with pytest.raises(InvalidInput, match="needs its time"):
        tracker.update([])


def test_an_encounter_flown_second_by_second() -> None:
    """Two aircraft converge head-on and pass 1 NM apart laterally; the alert rises to caution
    120 s before the loss and to warning 60 s before, and ends after they separate."""
    gap = 60_000.0
    offset = degrees(1 * NM_M)
    reports = StateReports.from_columns(
        time_s=[0.0, 0.0],
        ids=["a1", "b2"],
        lat_deg=[0.0, offset],
        lon_deg=[0.0, degrees(gap)],
        alt_m=[9000.0, 9000.0],
        gs_mps=[200.0, 200.0],
        track_deg=[90.0, 270.0],
        vs_mps=[0.0, 0.0],
    )
    tracker = AlertTracker(hold_s=0.0)
    profile = CylinderProfile()
    events: list[tuple[float, str, AlertLevel]] = []
    for t in np.arange(0.0, 260.0, 1.0):
        states, _ = latest(reports, at_s=float(t), max_age_s=1e6)
        update = tracker.update(profile.levels(states), at_s=float(t))
        events += [(t, "raised", a.level) for a in update.raised]
        events += [(t, "changed", a.level) for a in update.changed]
        events += [(t, "ended", a.highest) for a in update.ended]
    # Loss begins when the lateral gap closes to sqrt(5² − 1²) NM.
    t_loss = (gap - np.sqrt(25 - 1) * NM_M) / 400.0
    kinds = [(kind, lv) for _, kind, lv in events]
    assert kinds == [
        ("raised", AlertLevel.CAUTION),
        ("changed", AlertLevel.WARNING),
        ("ended", AlertLevel.WARNING),
    ]
    assert events[0][0] == pytest.approx(t_loss - 120.0, abs=1.0)
    assert events[1][0] == pytest.approx(t_loss - 60.0, abs=1.0)
    assert events[2][0] == pytest.approx((gap + np.sqrt(24) * NM_M) / 400.0, abs=1.5)
