"""Scenario files: parties, operations, flights, scripted actions and expectations (YAML).

The format is documented in ``README.md`` beside this module. :func:`parse_scenario` reads a
document already loaded (a mapping), :func:`load_scenario` a file, :func:`builtin_scenario` one
of the scenarios shipped in ``scenarios/``. Everything is validated before anything runs: every
problem comes back at once in one :class:`~sharedsky.errors.InvalidInput`, each with its JSON
path (``$.flights[2].route[0].altitude: ...``).

>>> s = builtin_scenario("syria-2015")
>>> sorted(p.id for p in s.parties)
['RU', 'TR', 'US']
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml  # type: ignore[import-untyped]
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from sharedsky.errors import InvalidInput, Issue, join_path, path_of
from sharedsky.io import parse_volume
from sharedsky.model import rfc3339
from sharedsky.sim.kinematics import Trajectory, Waypoint, fly, orbit_waypoints
from sharedsky.sim.performance import performance_for
from sharedsky.sim.timeline import offset_s
from sharedsky.units import flight_level_m, parse_duration, parse_length

__all__ = [
    "BUILTIN_SCENARIOS",
    "Action",
    "Expectation",
    "Flight",
    "OperationSpec",
    "PartySpec",
    "Scenario",
    "builtin_scenario",
    "load_scenario",
    "parse_scenario",
    "resolve_volume",
]

BUILTIN_SCENARIOS = ("syria-2015",)
NOMINAL_START = datetime(2015, 9, 30, 0, 0, tzinfo=UTC)

_ID = r"^[A-Za-z0-9._-]{1,64}$"
_SPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(kt|KT|kts|m/s|mps|km/h)\s*$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PartySpec(_Frozen):
    """A party as ``POST /v1/admin/parties`` takes it, plus a display colour."""

    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1, max_length=200)
    colour: str = Field("#888888", pattern=r"^#[0-9a-fA-F]{6}$")
    airspace: tuple[str, ...] = ()
    minima: dict[Literal["hsep_m", "vsep_m"], float] = Field(default_factory=dict)
    buffers: dict[Literal["lateral_m", "vertical_m", "time_s"], float] = Field(default_factory=dict)

    def admin_body(self) -> dict[str, Any]:
        """The body of ``POST /v1/admin/parties`` for this party."""
        body: dict[str, Any] = {"id": self.id, "name": self.name, "airspace": list(self.airspace)}
        if self.minima:
            body["minima"] = dict(self.minima)
        if self.buffers:
            body["buffers"] = dict(self.buffers)
        return body


class OperationSpec(_Frozen):
    """An operation as ``PUT /v1/operations/{id}`` takes it; volume times are scenario times."""

    id: str = Field(min_length=1, max_length=128, pattern=r"^[^/]+$")
    party: str
    priority: int = 0
    state: Literal["accepted", "activated"] = "accepted"
    notes: str = ""
    volumes: tuple[dict[str, Any], ...] = Field(min_length=1)


class OrbitSpec(_Frozen):
    center: tuple[float, float]
    radius: str
    laps: float = Field(1.0, gt=0, le=50)
    direction: Literal["right", "left"] = "right"
    altitude: str | None = None
    speed: str | None = None


class RoutePoint(_Frozen):
    """A waypoint (``lon``, ``lat``, ``altitude``, ``speed``) or an ``orbit`` to fly there."""

    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    altitude: str | None = None
    speed: str | None = None
    orbit: OrbitSpec | None = None


class Flight(_Frozen):
    party: str
    callsign: str = Field(min_length=1, max_length=8)
    icao24: str = Field(pattern=r"^[0-9a-fA-F]{6}$")
    type: str
    departure: str
    route: tuple[RoutePoint, ...] = Field(min_length=2)


class Answer(_Frozen):
    sender: str = Field(alias="from")
    operation: str
    status: Literal["acknowledge", "accept", "object"]
    reason: str | None = None


class Amend(_Frozen):
    operation: str
    priority: int | None = None
    state: Literal["accepted", "activated", "ended"] | None = None
    volumes: tuple[dict[str, Any], ...] | None = None


class MessageSpec(_Frozen):
    to: str
    text: str = Field(min_length=1, max_length=2000)


class Action(_Frozen):
    """One scripted call, made by ``party`` at scenario time ``at``: exactly one of ``declare``
    (an operation's id), ``amend``, ``cancel`` (an id), ``answer`` (a notice) or ``message``."""

    at: str
    party: str
    declare: str | None = None
    amend: Amend | None = None
    cancel: str | None = None
    answer: Answer | None = None
    message: MessageSpec | None = None
    expect: Literal["ok", "refused"] = "ok"

    @property
    def kind(self) -> str:
        for name in ("declare", "amend", "cancel", "answer", "message"):
            if getattr(self, name) is not None:
                return name
        return "none"


class NoticeCheck(_Frozen):
    sender: str = Field(alias="from")
    to: str
    operation: str
    lead_time_min: str | None = None
    lead_time_max: str | None = None
    status: Literal["sent", "acknowledged", "accepted", "objected"] | None = None


class AlertCheck(_Frozen):
    between: tuple[str, str]
    raised_after: str | None = None
    raised_before: str | None = None
    level: Literal["CAUTION", "WARNING"] | None = None
    """The highest level the alert reached, at least."""


class BorderCheck(_Frozen):
    callsign: str
    airspace: str
    warned_before_entry: str | None = None
    """The first warning came at least this long before the entry."""
    entered: bool = True
    grades: tuple[Literal["approaching", "imminent", "immediate"], ...] = ()
    told: tuple[str, ...] = ()
    """Parties that must have received the warnings and the entry."""


class RefusedCheck(_Frozen):
    party: str
    operation: str


class MessageCheck(_Frozen):
    sender: str = Field(alias="from")
    to: str
    delivered: bool = True


class Expectation(_Frozen):
    """One check on the record after the run: exactly one of ``notice``, ``alert``,
    ``no_alert``, ``border``, ``refused``, ``message``."""

    id: str = Field(pattern=_ID)
    description: str = ""
    notice: NoticeCheck | None = None
    alert: AlertCheck | None = None
    no_alert: AlertCheck | None = None
    border: BorderCheck | None = None
    refused: RefusedCheck | None = None
    message: MessageCheck | None = None

    @property
    def kind(self) -> str:
        for name in ("notice", "alert", "no_alert", "border", "refused", "message"):
            if getattr(self, name) is not None:
                return name
        return "none"


class _Document(_Frozen):
    name: str = Field(pattern=_ID)
    title: str = ""
    start: AwareDatetime = NOMINAL_START
    end: str | None = None
    parties: tuple[PartySpec, ...] = Field(min_length=1)
    operations: tuple[OperationSpec, ...] = ()
    flights: tuple[Flight, ...] = ()
    actions: tuple[Action, ...] = ()
    expectations: tuple[Expectation, ...] = ()


class Scenario:
    """A validated scenario: the document, every time in scenario seconds, every flight's
    trajectory (so a run does no kinematics)."""

    def __init__(
        self,
        document: _Document,
        *,
        action_times_s: list[float],
        trajectories: dict[str, Trajectory],
        end_s: float,
    ) -> None:
        self.document = document
        self.action_times_s = action_times_s
        self.trajectories = trajectories
        self.end_s = end_s

    @property
    def name(self) -> str:
        return self.document.name

    @property
    def title(self) -> str:
        return self.document.title

    @property
    def start(self) -> datetime:
        return self.document.start

    @property
    def parties(self) -> tuple[PartySpec, ...]:
        return self.document.parties

    @property
    def operations(self) -> tuple[OperationSpec, ...]:
        return self.document.operations

    @property
    def flights(self) -> tuple[Flight, ...]:
        return self.document.flights

    @property
    def actions(self) -> tuple[Action, ...]:
        return self.document.actions

    @property
    def expectations(self) -> tuple[Expectation, ...]:
        return self.document.expectations

    def operation(self, party: str, op_id: str) -> OperationSpec:
        for op in self.operations:
            if op.party == party and op.id == op_id:
                return op
        raise KeyError((party, op_id))

    def time_s(self, text: str) -> float:
        """Scenario seconds of a time written in the file."""
        return offset_s(text, start=self.start)

    def busy_intervals(self) -> list[tuple[float, float]]:
        """When flights are airborne (scenario seconds), each widened by a minute before."""
        return [(t.start_s - 60.0, t.end_s + 5.0) for t in self.trajectories.values()]


def resolve_volume(volume: Any, when: Callable[[str], str]) -> Any:
    """A copy of a volume (any form) with each ``time_start``/``time_end`` (a string, or
    F3548's ``{"value", "format"}``) rewritten by ``when``."""
    if isinstance(volume, list):
        return [resolve_volume(v, when) for v in volume]
    if not isinstance(volume, dict):
        return volume
    out: dict[str, Any] = {}
    for key, value in volume.items():
        if key in ("time_start", "time_end"):
            if isinstance(value, str):
                out[key] = when(value)
                continue
            if isinstance(value, dict) and isinstance(value.get("value"), str):
                out[key] = {**value, "value": when(value["value"])}
                continue
        out[key] = resolve_volume(value, when)
    return out


def _speed_mps(text: str) -> float:
    match = _SPEED.match(text)
    if match is None:
        raise InvalidInput.one("", f"speed {text!r} must be a number and kt, m/s or km/h")
    value, unit = float(match.group(1)), match.group(2).lower()
    if unit in ("kt", "kts"):
        return parse_length(f"{value}NM") / 3600.0
    if unit == "km/h":
        return value / 3.6
    return value


def _altitude_m(text: str) -> float:
    if text.strip().upper().startswith("FL"):
        return flight_level_m(text)
    return parse_length(text)


class _Issues:
    def __init__(self) -> None:
        self.found: list[Issue] = []

    def add(self, path: str, message: str) -> None:
        self.found.append(Issue(path, message))

    def guard(self, path: str, work: Callable[[], Any]) -> Any:
        try:
            return work()
        except InvalidInput as error:
            self.found += error.under(path).issues
            return None


def _route(flight: Flight, where: str, issues: _Issues) -> list[Waypoint] | None:
    perf = issues.guard(f"{where}.type", lambda: performance_for(flight.type))
    points: list[Waypoint] = []
    last_alt = last_speed = None
    for k, item in enumerate(flight.route):
        here = f"{where}.route[{k}]"
        if item.orbit is not None:
            if item.lon is not None or item.lat is not None:
                issues.add(here, "an orbit item has no lon/lat of its own")
            spec = item.orbit
            radius = issues.guard(
                f"{here}.orbit.radius", functools.partial(parse_length, spec.radius)
            )
            alt = (
                issues.guard(
                    f"{here}.orbit.altitude", functools.partial(_altitude_m, spec.altitude)
                )
                if spec.altitude
                else last_alt
            )
            speed = (
                issues.guard(f"{here}.orbit.speed", functools.partial(_speed_mps, spec.speed))
                if spec.speed
                else last_speed
            )
            if not points:
                issues.add(here, "an orbit follows a waypoint")
                continue
            if radius is None or alt is None or speed is None:
                continue
            if perf is not None and radius < perf.turn_radius_m(speed):
                issues.add(
                    f"{here}.orbit.radius",
                    f"{radius:.0f} m is tighter than a {flight.type} turns at that speed"
                    f" ({perf.turn_radius_m(speed):.0f} m)",
                )
                continue
            points += orbit_waypoints(
                center_lon_deg=spec.center[0],
                center_lat_deg=spec.center[1],
                radius_m=radius,
                laps=spec.laps,
                clockwise=spec.direction == "right",
                entry_from=(points[-1].lon_deg, points[-1].lat_deg),
                alt_m=alt,
                speed_mps=speed,
            )
            continue
        missing = [n for n in ("lon", "lat") if getattr(item, n) is None]
        for name in missing:
            issues.add(f"{here}.{name}", "a waypoint needs lon and lat (or is an orbit)")
        alt = (
            issues.guard(f"{here}.altitude", functools.partial(_altitude_m, item.altitude))
            if item.altitude
            else last_alt
        )
        speed = (
            issues.guard(f"{here}.speed", functools.partial(_speed_mps, item.speed))
            if item.speed
            else last_speed
        )
        if k == 0 and (item.altitude is None or item.speed is None):
            issues.add(here, "the first waypoint needs an altitude and a speed")
        if missing or alt is None or speed is None:
            continue
        if perf is not None and alt > perf.ceiling_m:
            issues.add(f"{here}.altitude", f"above a {flight.type}'s ceiling")
        if speed <= 0:
            issues.add(f"{here}.speed", "a speed is > 0")
            continue
        assert item.lon is not None and item.lat is not None
        points.append(Waypoint(item.lon, item.lat, alt, speed))
        last_alt, last_speed = alt, speed
    return points if perf is not None else None


def parse_scenario(data: Any) -> Scenario:
    """Validate a scenario document (a mapping, as YAML or JSON loads it)."""
    try:
        document = _Document.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(
            [
                Issue(path_of(item["loc"]), item["msg"].removeprefix("Value error, "))
                for item in error.errors(include_url=False)
            ]
        ) from None
    issues = _Issues()
    start = document.start

    def when(path: str, text: str) -> float | None:
        result: float | None = issues.guard(path, lambda: offset_s(text, start=start))
        return result

    parties = [p.id for p in document.parties]
    for k, party in enumerate(document.parties):
        if party.id in parties[:k]:
            issues.add(f"$.parties[{k}].id", f"party {party.id!r} is listed twice")
        numbers = [*party.minima.items(), *party.buffers.items()]
        for name, value in numbers:
            if not (math.isfinite(value) and value >= 0):
                issues.add(f"$.parties[{k}]", f"{name} must be a finite number >= 0")

    def party_ref(path: str, party: str) -> None:
        if party not in parties:
            issues.add(path, f"no party {party!r} in $.parties")

    ops: set[tuple[str, str]] = set()
    for k, op in enumerate(document.operations):
        where = f"$.operations[{k}]"
        party_ref(f"{where}.party", op.party)
        if (op.party, op.id) in ops:
            issues.add(f"{where}.id", f"operation {op.party}/{op.id} is listed twice")
        ops.add((op.party, op.id))
        _check_volumes(op.volumes, f"{where}.volumes", start, issues)

    trajectories: dict[str, Trajectory] = {}
    seen_icao: set[str] = set()
    for k, flight in enumerate(document.flights):
        where = f"$.flights[{k}]"
        party_ref(f"{where}.party", flight.party)
        if flight.callsign in trajectories:
            issues.add(f"{where}.callsign", f"callsign {flight.callsign!r} is used twice")
        if flight.icao24.lower() in seen_icao:
            issues.add(f"{where}.icao24", f"icao24 {flight.icao24!r} is used twice")
        seen_icao.add(flight.icao24.lower())
        departure = when(f"{where}.departure", flight.departure)
        route = _route(flight, where, issues)
        if departure is None or route is None or len(route) < 2:
            if route is not None and len(route) < 2:
                issues.add(f"{where}.route", "a route needs at least two points")
            continue
        trajectories[flight.callsign] = fly(
            route, performance_for(flight.type), departure_s=departure
        )

    action_times: list[float] = []
    for k, action in enumerate(document.actions):
        where = f"$.actions[{k}]"
        party_ref(f"{where}.party", action.party)
        at = when(f"{where}.at", action.at)
        action_times.append(at if at is not None else 0.0)
        named = [
            n for n in ("declare", "amend", "cancel", "answer", "message") if getattr(action, n)
        ]
        if len(named) != 1:
            issues.add(where, "an action is exactly one of declare, amend, cancel, answer, message")
            continue
        own = {i for p, i in ops if p == action.party}
        if action.declare is not None and action.declare not in own:
            issues.add(f"{where}.declare", f"no operation {action.declare!r} of {action.party}")
        if action.cancel is not None and action.cancel not in own:
            issues.add(f"{where}.cancel", f"no operation {action.cancel!r} of {action.party}")
        if action.amend is not None:
            if action.amend.operation not in own:
                issues.add(
                    f"{where}.amend.operation",
                    f"no operation {action.amend.operation!r} of {action.party}",
                )
            if action.amend.volumes is not None:
                _check_volumes(action.amend.volumes, f"{where}.amend.volumes", start, issues)
        if action.answer is not None:
            party_ref(f"{where}.answer.from", action.answer.sender)
            if (action.answer.sender, action.answer.operation) not in ops:
                issues.add(
                    f"{where}.answer.operation",
                    f"no operation {action.answer.operation!r} of {action.answer.sender}",
                )
            if action.answer.status == "object" and not (action.answer.reason or "").strip():
                issues.add(f"{where}.answer.reason", "an objection needs a reason")
        if action.message is not None:
            party_ref(f"{where}.message.to", action.message.to)
            if action.message.to == action.party:
                issues.add(f"{where}.message.to", "a party does not message itself")
    if any(b < a for a, b in itertools.pairwise(action_times)):
        issues.add("$.actions", "actions must be listed in time order")

    ids: set[str] = set()
    for k, expectation in enumerate(document.expectations):
        _check_expectation(expectation, f"$.expectations[{k}]", ids, parties, trajectories, issues)
        if expectation.id in ids:
            issues.add(f"$.expectations[{k}].id", f"expectation {expectation.id!r} is listed twice")
        ids.add(expectation.id)

    end = when("$.end", document.end) if document.end else None
    if issues.found:
        raise InvalidInput(issues.found)
    last = max(
        [*action_times, *(t.end_s for t in trajectories.values()), 0.0],
    )
    return Scenario(
        document,
        action_times_s=action_times,
        trajectories=trajectories,
        end_s=end if end is not None else last + 30.0,
    )


def _check_volumes(
    volumes: tuple[dict[str, Any], ...], where: str, start: datetime, issues: _Issues
) -> None:
    def absolute(text: str) -> str:
        try:
            return rfc3339(start + _delta(offset_s(text, start=start)))
        except InvalidInput:
            return text  # the volume's own parser names the bad time

    for j, volume in enumerate(volumes):
        issues.guard(
            join_path(where, f"[{j}]"),
            functools.partial(_parse_resolved, volume, absolute),
        )


def _parse_resolved(volume: Any, when: Callable[[str], str]) -> Any:
    return parse_volume(resolve_volume(volume, when))


def _delta(seconds: float) -> Any:
    from datetime import timedelta

    return timedelta(seconds=seconds)


def _check_expectation(
    expectation: Expectation,
    where: str,
    ids: set[str],
    parties: list[str],
    trajectories: dict[str, Trajectory],
    issues: _Issues,
) -> None:
    named = [
        n
        for n in ("notice", "alert", "no_alert", "border", "refused", "message")
        if getattr(expectation, n) is not None
    ]
    if len(named) != 1:
        issues.add(
            where,
            "an expectation is exactly one of notice, alert, no_alert, border, refused, message",
        )
        return
    for field in ("notice", "message"):
        check = getattr(expectation, field)
        if check is not None:
            for side, party in (("from", check.sender), ("to", check.to)):
                if party not in parties:
                    issues.add(f"{where}.{field}.{side}", f"no party {party!r} in $.parties")
    if expectation.notice is not None:
        for name in ("lead_time_min", "lead_time_max"):
            text = getattr(expectation.notice, name)
            if text is not None:
                issues.guard(f"{where}.notice.{name}", functools.partial(parse_duration, text))
    for field in ("alert", "no_alert"):
        check = getattr(expectation, field)
        if check is None:
            continue
        for k, callsign in enumerate(check.between):
            if callsign not in trajectories:
                issues.add(f"{where}.{field}.between[{k}]", f"no flight {callsign!r}")
        for name in ("raised_after", "raised_before"):
            text = getattr(check, name)
            if text is not None:
                issues.guard(f"{where}.{field}.{name}", functools.partial(offset_s, text))
    if expectation.border is not None:
        border = expectation.border
        if border.callsign not in trajectories:
            issues.add(f"{where}.border.callsign", f"no flight {border.callsign!r}")
        if border.warned_before_entry is not None:
            issues.guard(
                f"{where}.border.warned_before_entry",
                lambda: parse_duration(str(border.warned_before_entry)),
            )
        for k, party in enumerate(border.told):
            if party not in parties:
                issues.add(f"{where}.border.told[{k}]", f"no party {party!r} in $.parties")
    if expectation.refused is not None and expectation.refused.party not in parties:
        issues.add(f"{where}.refused.party", f"no party {expectation.refused.party!r}")


def load_scenario(path: Path) -> Scenario:
    """A scenario from a YAML (or JSON) file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput.one(str(path), "no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput.one(str(path), f"cannot be read: {error}") from None
    return _parse_text(text, str(path))


def _parse_text(text: str, where: str) -> Scenario:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InvalidInput.one(where, f"not YAML{at}: {problem}") from None
    return parse_scenario(data)


def builtin_scenario(name: str) -> Scenario:
    """One of :data:`BUILTIN_SCENARIOS`, shipped with the package."""
    if name not in BUILTIN_SCENARIOS:
        raise InvalidInput.one(
            "scenario", f"no built-in scenario {name!r} (have {', '.join(BUILTIN_SCENARIOS)})"
        )
    text = resources.files("sharedsky.sim").joinpath(f"scenarios/{name}.yaml").read_text("utf-8")
    return _parse_text(text, name)
