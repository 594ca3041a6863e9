"""Resolution hints: each returned shift clears every conflict (checked by the engine here
again) and is the smallest one that does; None when no shift within the bounds can."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sharedsky.model import Operation, OperationState, Volume4D
from sharedsky.model.altitude import MAX_ALTITUDE_M
from sharedsky.strategic import (
    BufferPolicy,
    Buffers,
    ResolutionHints,
    StrategicEngine,
    resolution_hints,
)
from sharedsky.strategic.hints import HORIZON_S
from sharedsky.units import FT_M, NM_M

try:
    import reference as ref
except ImportError:  # pragma: no cover - tests imported as a package
    from tests import reference as ref

HINTS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
DAY = 86_400.0
EPS = 0.01  # hints step a millisecond (or a millimetre) past a rounding tie

FIELDS = ("time_later_s", "time_earlier_s", "altitude_up_m", "altitude_down_m")


def by_time(operation: Operation, seconds: float) -> Operation:
    return operation.with_volumes(tuple(v.shifted(time_s=seconds) for v in operation.volumes))


def by_altitude(operation: Operation, metres: float) -> Operation:
    return operation.with_volumes(tuple(v.shifted(altitude_m=metres) for v in operation.volumes))


def shifted(operation: Operation, field: str, delta: float) -> Operation:
    return (by_time if field.startswith("time") else by_altitude)(operation, delta)


def engine_with(operations: Sequence[Operation], policy: BufferPolicy | None = None):
    engine = StrategicEngine(buffers=policy)
    for operation in operations:
        engine.add(operation)
    return engine


@st.composite
def refused_cases(draw) -> tuple[StrategicEngine, Operation]:
    """A target of its own party and the lowest priority among close operations."""
    operations, policy = draw(ref.scenes(min_ops=3, max_ops=10, spread_m=10_000.0))
    target = operations[0].model_copy(
        update={"party": "T", "priority": 0, "state": OperationState.ACCEPTED}
    )
    return engine_with(operations[1:], policy), target


def assert_hint_is_clean_and_smallest(
    engine: StrategicEngine, operation: Operation, field: str, hint: float
) -> None:
    step = 1.0  # a second or a metre
    assert not engine.check(shifted(operation, field, hint)).conflicts, (field, hint)
    direction = 1.0 if field in ("time_later_s", "altitude_up_m") else -1.0
    assert hint * direction > 0
    shorter = [hint * 0.999, hint * 0.5, hint * 0.01]
    if abs(hint) > step:
        shorter.append(hint - direction * step)
    for delta in shorter:
        assert engine.check(shifted(operation, field, delta)).conflicts, (field, hint, delta)


@HINTS
@given(case=refused_cases())
def test_hints_clear_every_conflict_and_are_the_smallest(case):
    engine, operation = case
    assume(engine.check(operation).refused)
    hints = resolution_hints(engine, operation)
    for field in FIELDS:
        hint = getattr(hints, field)
        if hint is not None:
            assert_hint_is_clean_and_smallest(engine, operation, field, hint)
    # Within 30 days of planning, some time shift always clears a scene of hours.
    assert hints.time_later_s is not None
    assert hints.time_shift_s in (hints.time_later_s, hints.time_earlier_s)
    if hints.time_earlier_s is not None:
        assert abs(hints.time_shift_s) == min(abs(hints.time_later_s), abs(hints.time_earlier_s))


@HINTS
@given(case=refused_cases(), before=st.integers(0, 6 * 3_600))
def test_hints_respect_now(case, before):
    engine, operation = case
    assume(engine.check(operation).refused)
    first_start = min(v.time_start for v in operation.volumes)
    now = first_start - timedelta(seconds=before)
    hints = resolution_hints(engine, operation, now=now)
    if hints.time_earlier_s is not None:
        assert first_start + timedelta(seconds=hints.time_earlier_s) >= now
        assert_hint_is_clean_and_smallest(engine, operation, "time_earlier_s", hints.time_earlier_s)
    free = resolution_hints(engine, operation)
    if free.time_earlier_s is not None and first_start + timedelta(
        seconds=free.time_earlier_s
    ) >= now + timedelta(seconds=1):
        assert hints.time_earlier_s == pytest.approx(free.time_earlier_s, abs=EPS)
    if hints.time_later_s is not None:
        later = first_start + timedelta(seconds=hints.time_later_s)
        assert later <= now + timedelta(seconds=HORIZON_S)


# -- constructed cases -------------------------------------------------------------------------

FP = ref.circle_fp(36.0, 35.0, 5_000.0)


def target(
    lower="FL100", upper="FL120", start: float = 0.0, end: float = 3_600.0, party: str = "T"
) -> Operation:
    return ref.operation("target", party, ref.volume(FP, lower, upper, start, end))


def other(
    op_id: str, lower="FL100", upper="FL120", start: float = 0.0, end: float = 3_600.0
) -> Operation:
    return ref.operation(op_id, "B", ref.volume(FP, lower, upper, start, end), priority=1)


def test_hints_for_a_simple_conflict():
    engine = engine_with([other("b", "FL100", "FL150", 1_800, 5_400)])
    hints = resolution_hints(engine, target("FL110", "FL120", 0, 3_600))
    assert hints.time_later_s == pytest.approx(5_400.0, abs=EPS)  # start when b ends
    assert hints.time_earlier_s == pytest.approx(-1_800.0, abs=EPS)  # end when b starts
    # Up: the floor FL110 must reach FL150 + 500 ft; down: the ceiling FL120 FL100 - 500 ft.
    assert hints.altitude_up_m == pytest.approx(4_500 * FT_M, abs=EPS)
    assert hints.altitude_down_m == pytest.approx(-2_500 * FT_M, abs=EPS)
    assert hints.time_shift_s == hints.time_earlier_s
    assert hints.altitude_shift_m == hints.altitude_down_m


def test_hints_with_a_time_buffer():
    policy = BufferPolicy(default=Buffers(time_s=600.0))
    engine = engine_with([other("b", start=3_600, end=7_200)], policy)
    operation = target(start=0, end=3_600)  # touching b's window, within its buffer
    assert engine.check(operation).refused
    hints = resolution_hints(engine, operation)
    assert hints.time_earlier_s == pytest.approx(-600.0, abs=EPS)
    assert hints.time_later_s == pytest.approx(7_200 + 600.0, abs=EPS)
    for field in FIELDS:
        assert_hint_is_clean_and_smallest(engine, operation, field, getattr(hints, field))


def test_time_hint_jumps_a_chain_of_windows():
    chain = [(0, 3_600), (3_000, 9_000), (9_000, 12_000)]
    engine = engine_with([other(f"b{n}", start=s, end=e) for n, (s, e) in enumerate(chain)])
    hints = resolution_hints(engine, target(start=0, end=3_600))
    assert hints.time_later_s == pytest.approx(12_000.0, abs=EPS)
    assert hints.time_earlier_s == pytest.approx(-3_600.0, abs=EPS)


def test_altitude_hint_crosses_fl290_with_the_wider_buffer():
    # Rising over b (FL250–FL287): a floor at FL292 is above FL290, where 1,000 ft apply.
    engine = engine_with([other("b", "FL250", "FL287")])
    operation = target("FL260", "FL270")
    hints = resolution_hints(engine, operation)
    assert hints.altitude_up_m == pytest.approx((29_700 - 26_000) * FT_M, abs=EPS)
    assert_hint_is_clean_and_smallest(engine, operation, "altitude_up_m", hints.altitude_up_m)


def test_altitude_hint_search_meets_a_wider_lateral_buffer_higher_up():
    # "high" is 4 NM away, clear at 3 NM; once the target climbs over "low" to FL610, both
    # floors are at or above FL600, where the lateral buffer is 6 NM. The hint must still be
    # clean and the smallest, as the engine's check decides.
    lon, lat, _ = ref.GEOD.fwd(36.0, 35.0, 90.0, 10_000.0 + 4 * NM_M)
    far = ref.volume(ref.circle_fp(float(lon), float(lat), 5_000.0), "FL550", "FL700")
    low = other("low", "FL500", "FL600")
    engine = engine_with([ref.operation("high", "B", far, priority=1), low])
    operation = target("FL500", "FL540")
    assert [c.b for c in engine.check(operation).conflicts] == ["low"]
    hints = resolution_hints(engine, operation)
    for field in FIELDS:
        value = getattr(hints, field)
        if value is not None:
            assert_hint_is_clean_and_smallest(engine, operation, field, value)
    assert hints.altitude_up_m is not None


def test_altitude_hint_is_smallest_where_the_lateral_buffer_narrows_below_fl600():
    # b is 4 NM away with a band across FL600. At FL600 the buffer is 6 NM: a conflict. A
    # centimetre lower, the higher floor is below FL600, the buffer 3 NM: clear.
    lon, lat, _ = ref.GEOD.fwd(36.0, 35.0, 90.0, 2_000.0 + 4 * NM_M)
    b = ref.volume(ref.circle_fp(float(lon), float(lat), 1_000.0), "FL550", "FL650")
    engine = engine_with([ref.operation("b", "B", b, priority=1)])
    operation = ref.operation(
        "t", "T", ref.volume(ref.circle_fp(36.0, 35.0, 1_000.0), "FL600", "FL610")
    )
    (c,) = engine.check(operation).conflicts
    assert c.lateral_buffer_m == 6 * NM_M
    assert not engine.check(by_altitude(operation, -0.01)).conflicts
    hints = resolution_hints(engine, operation)
    assert hints.altitude_up_m == pytest.approx(6_000 * FT_M, abs=EPS)  # over b by 1,000 ft
    assert -1.0 < hints.altitude_down_m < 0


def test_altitude_hint_is_smallest_where_the_lateral_buffer_narrows_at_fl600():
    # b is 4 km away, within 3 NM below FL600; at and above FL600 this policy keeps no
    # lateral buffer at all, so climbing to a floor of FL600 (18,288 m) clears.
    lon, lat, _ = ref.GEOD.fwd(36.0, 35.0, 90.0, 2_000.0 + 4_000.0)
    b = ref.volume(
        ref.circle_fp(float(lon), float(lat), 1_000.0), ref.w84(17_000.0), ref.w84(18_600.0)
    )
    policy = BufferPolicy(default=Buffers(lateral_m=3 * NM_M, lateral_high_m=0.0))
    engine = engine_with([ref.operation("b", "B", b, priority=1)], policy)
    fp = ref.circle_fp(36.0, 35.0, 1_000.0)
    operation = ref.operation("t", "T", ref.volume(fp, ref.w84(17_000.0), ref.w84(17_050.0)))
    assert engine.check(operation).refused
    assert not engine.check(by_altitude(operation, 60_000 * FT_M - 17_000.0)).conflicts
    hints = resolution_hints(engine, operation)
    assert hints.altitude_up_m == pytest.approx(60_000 * FT_M - 17_000.0, abs=EPS)


def test_altitude_hint_is_smallest_where_the_vertical_buffer_narrows_above_fl290():
    # 300 m below FL290, 100 m above: over b (up to 8,700 m), a floor just above FL290
    # (8,839.2 m) is 139 m clear, enough there.
    policy = BufferPolicy(default=Buffers(vertical_m=300.0, vertical_high_m=100.0))
    fp = ref.circle_fp(36.0, 35.0, 1_000.0)
    b = ref.volume(fp, ref.w84(8_000.0), ref.w84(8_700.0))
    engine = engine_with([ref.operation("b", "B", b, priority=1)], policy)
    operation = ref.operation("t", "T", ref.volume(fp, ref.w84(7_600.0), ref.w84(7_900.0)))
    assert engine.check(operation).refused
    assert not engine.check(by_altitude(operation, 8_839.3 - 7_600.0)).conflicts
    hints = resolution_hints(engine, operation)
    assert hints.altitude_up_m == pytest.approx(29_000 * FT_M - 7_600.0, abs=EPS)


def test_hints_are_none_when_no_shift_can_clear():
    # A band over every accepted altitude: no altitude shift helps.
    wall = ref.volume(FP, ref.w84(0.0), ref.w84(MAX_ALTITUDE_M), 0, 3_600)
    engine = engine_with([ref.operation("wall", "B", wall, priority=1)])
    operation = target(ref.w84(1_000.0), ref.w84(2_000.0))
    hints = resolution_hints(engine, operation)
    assert (hints.altitude_up_m, hints.altitude_down_m, hints.altitude_shift_m) == (None,) * 3
    assert hints.time_later_s == pytest.approx(3_600.0, abs=EPS)

    # Windows over the whole ±30-day horizon: no time shift helps.
    month = 30 * DAY
    blockers = [
        other("b0", start=-2 * month + 7_200, end=-month + 7_200),
        other("b1", start=-month + 7_200, end=7_200),
        other("b2", start=3_600, end=month + 3_600),
        other("b3", start=month + 3_600, end=2 * month),
    ]
    engine = engine_with(blockers)
    hints = resolution_hints(engine, target(start=0, end=3_600))
    assert (hints.time_later_s, hints.time_earlier_s, hints.time_shift_s) == (None,) * 3
    assert hints.altitude_up_m is not None and hints.altitude_down_m is not None


def test_now_bounds_the_earlier_shift():
    engine = engine_with([other("b", start=0, end=4 * 3_600)])
    operation = target(start=2 * 3_600, end=3 * 3_600)
    start = ref.T0 + timedelta(hours=2)
    free = resolution_hints(engine, operation)
    assert free.time_earlier_s == pytest.approx(-3 * 3_600, abs=EPS)  # to end at T0
    allowed = resolution_hints(engine, operation, now=ref.T0 - timedelta(hours=1))
    assert allowed.time_earlier_s == pytest.approx(-3 * 3_600, abs=EPS)  # starts at now
    tight = resolution_hints(engine, operation, now=ref.T0 - timedelta(minutes=30))
    assert tight.time_earlier_s is None
    assert tight.time_later_s == pytest.approx(2 * 3_600, abs=EPS)
    at_start = resolution_hints(engine, operation, now=start)
    assert at_start.time_earlier_s is None
    # And no later than 30 days after now: "late" ends 30 days after T0.
    late = other("late", start=4 * 3_600, end=30 * DAY)
    engine = engine_with([other("b", start=0, end=4 * 3_600), late])
    hints = resolution_hints(engine, operation, now=start)
    assert hints.time_later_s == pytest.approx(30 * DAY - 2 * 3_600, abs=EPS)
    now: datetime = start - timedelta(days=1)
    hints = resolution_hints(engine, operation, now=now)
    assert hints.time_later_s is None  # it would start more than 30 days after now


def test_same_party_conflicts_do_not_need_hints():
    engine = engine_with([ref.operation("mine", "T", ref.volume(FP))])
    hints = resolution_hints(engine, target())
    assert hints == ResolutionHints(0.0, 0.0, 0.0, 0.0)


def test_hint_checks_the_operation_of_many_volumes():
    b2 = other("b2", "FL200", "FL220", 7_200, 9_000)
    engine = engine_with([other("b1", "FL100", "FL120"), b2])
    volumes: tuple[Volume4D, ...] = (
        ref.volume(FP, "FL100", "FL110", 0, 3_600),
        ref.volume(FP, "FL200", "FL210", 3_600, 7_200),  # meets b2's window, just
    )
    operation = ref.operation("target", "T", volumes)
    hints = resolution_hints(engine, operation)
    for field in FIELDS:
        value = getattr(hints, field)
        if value is not None:
            assert_hint_is_clean_and_smallest(engine, operation, field, value)
    # Later by an hour would put the second volume into b2's window: the hint goes further.
    assert hints.time_later_s == pytest.approx(9_000 - 3_600, abs=EPS)
    assert hints.time_earlier_s == pytest.approx(-3_600, abs=EPS)
    assert hints.altitude_up_m == pytest.approx(2_500 * FT_M, abs=EPS)
