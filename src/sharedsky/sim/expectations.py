"""Checking a scenario's expectations against what the server recorded.

Pure: the inputs are each party's events (as ``GET /v1/events?stream=false`` returns them),
the runner's log of its own calls, and the run's :class:`~sharedsky.sim.timeline.TimeMap`,
which turns every server time back into scenario time. Lead and warning times are judged in
scenario seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sharedsky.sim.scenario import Expectation, Scenario
from sharedsky.sim.timeline import TimeMap, format_offset, offset_s
from sharedsky.units import parse_duration

__all__ = ["ActionRecord", "ExpectationResult", "evaluate", "scenario_time_s"]

_LEVELS = {"NONE": 0, "CAUTION": 1, "WARNING": 2}


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """What one scripted call did: its HTTP status and whether that was what was expected."""

    index: int
    at_s: float
    party: str
    kind: str
    target: str
    status: int
    outcome: str
    """``ok``, ``refused`` (409) or ``failed`` (anything else)."""
    expected: bool
    """Whether the outcome is what the action's ``expect`` says."""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ExpectationResult:
    id: str
    kind: str
    ok: bool
    detail: str


def scenario_time_s(timemap: TimeMap, text: str) -> float:
    """Scenario seconds of a server time (RFC 3339)."""
    return timemap.scenario_s(datetime.fromisoformat(text).timestamp())


def _alerts(
    events: Sequence[Mapping[str, Any]], pair: set[str]
) -> dict[int, list[Mapping[str, Any]]]:
    found: dict[int, list[Mapping[str, Any]]] = {}
    for event in events:
        if not str(event["kind"]).startswith("alert."):
            continue
        alert = event["payload"]["alert"]
        if {alert["a"]["callsign"], alert["b"]["callsign"]} == pair:
            found.setdefault(int(alert["id"]), []).append(event)
    return found


def evaluate(
    scenario: Scenario,
    timemap: TimeMap,
    events: Mapping[str, Sequence[Mapping[str, Any]]],
    actions: Sequence[ActionRecord],
) -> list[ExpectationResult]:
    """One result per expectation of the scenario, in its order."""
    return [_one(e, scenario, timemap, events, actions) for e in scenario.expectations]


def _one(
    expectation: Expectation,
    scenario: Scenario,
    tm: TimeMap,
    events: Mapping[str, Sequence[Mapping[str, Any]]],
    actions: Sequence[ActionRecord],
) -> ExpectationResult:
    def result(ok: bool, detail: str) -> ExpectationResult:
        return ExpectationResult(expectation.id, expectation.kind, ok, detail)

    if expectation.notice is not None:
        check = expectation.notice
        notices: dict[int, Mapping[str, Any]] = {}
        for event in events.get(check.to, ()):
            if str(event["kind"]).startswith("notice."):
                notice = event["payload"]["notice"]
                ours = notice["operation"]["id"] == check.operation
                if ours and notice["sender"] == check.sender:
                    notices[int(notice["id"])] = notice
        if not notices:
            return result(False, f"no notice of {check.sender}/{check.operation} to {check.to}")
        first = notices[min(notices)]
        lead = scenario_time_s(tm, first["operation_start"]) - scenario_time_s(
            tm, first["created_at"]
        )
        problems = []
        if check.lead_time_min is not None and lead < parse_duration(check.lead_time_min):
            problems.append(f"below {check.lead_time_min}")
        if check.lead_time_max is not None and lead > parse_duration(check.lead_time_max):
            problems.append(f"above {check.lead_time_max}")
        if check.status is not None and first["status"] != check.status:
            problems.append(f"status {first['status']}, expected {check.status}")
        text = f"lead time {lead / 60:.1f} min, status {first['status']}"
        return result(not problems, text + ("; " + ", ".join(problems) if problems else ""))

    if expectation.refused is not None:
        want = expectation.refused
        hits = [
            a
            for a in actions
            if a.party == want.party and a.target == want.operation and a.outcome == "refused"
        ]
        if hits:
            return result(True, f"{hits[0].kind} refused at {format_offset(hits[0].at_s)}")
        return result(False, f"no refused write of {want.party}/{want.operation}")

    for field, wanted in (("alert", True), ("no_alert", False)):
        check = getattr(expectation, field)
        if check is None:
            continue
        pair = set(check.between)
        party = scenario_party(scenario, check.between[0])
        found = _alerts(events.get(party, ()), pair)
        if not wanted:
            if found:
                return result(False, f"{len(found)} alert(s) between {' and '.join(check.between)}")
            return result(True, "no alert")
        if not found:
            return result(False, f"no alert between {' and '.join(check.between)}")
        raised = min(
            (scenario_time_s(tm, e[0]["payload"]["alert"]["started_at"]), k)
            for k, e in found.items()
        )
        at, alert_id = raised
        highest = max(_LEVELS[e["payload"]["alert"]["highest"]] for e in found[alert_id])
        problems = []
        if check.raised_after is not None and at < offset_s(check.raised_after):
            problems.append(f"before {check.raised_after}")
        if check.raised_before is not None and at > offset_s(check.raised_before):
            problems.append(f"after {check.raised_before}")
        if check.level is not None and highest < _LEVELS[check.level]:
            problems.append(f"never reached {check.level}")
        first = found[alert_id][0]["payload"]["alert"]
        level = next(k for k, v in _LEVELS.items() if v == highest)
        text = (
            f"raised at {format_offset(at)}, {first['time_to_conflict_s']:.0f} s before the"
            f" predicted loss, highest {level}"
        )
        return result(not problems, text + ("; " + ", ".join(problems) if problems else ""))

    if expectation.border is not None:
        border = expectation.border
        owner_party = scenario_party(scenario, border.callsign)
        told = border.told or (owner_party,)
        detail = ""
        problems = []
        for party in told:
            rows = [
                e
                for e in events.get(party, ())
                if str(e["kind"]).startswith("border.")
                and e["payload"]["aircraft"]["callsign"] == border.callsign
                and border.airspace.upper()
                in {str(e["payload"]["airspace"]["code"]).upper(), e["payload"]["airspace"]["id"]}
            ]
            warnings = [e for e in rows if e["kind"] == "border.warning"]
            entries = [e for e in rows if e["kind"] == "border.entered"]
            grades = {e["payload"]["grade"] for e in warnings}
            if not warnings:
                problems.append(f"{party}: no warning")
                continue
            first_s = scenario_time_s(tm, warnings[0]["at"])
            if border.entered and not entries:
                problems.append(f"{party}: no entry recorded")
                continue
            missing = [g for g in border.grades if g not in grades]
            if missing:
                problems.append(f"{party}: no {', '.join(missing)} warning")
            if entries:
                entry = scenario_time_s(tm, entries[0]["at"])
                lead = entry - first_s
                if border.warned_before_entry is not None and lead < parse_duration(
                    border.warned_before_entry
                ):
                    problems.append(f"{party}: first warning only {lead:.0f} s before entry")
                detail = (
                    f"{len(warnings)} warning(s) from {format_offset(first_s)}"
                    f" ({', '.join(sorted(grades))}), entry at {format_offset(entry)},"
                    f" {lead:.0f} s after the first warning"
                )
            elif not border.entered:
                detail = f"{len(warnings)} warning(s), no entry"
        return result(not problems, "; ".join([detail, *problems]).strip("; "))

    if expectation.message is not None:
        mcheck = expectation.message
        kinds = {
            str(e["kind"])
            for e in events.get(mcheck.sender, ())
            if str(e["kind"]).startswith("message.")
            and e["payload"]["message"]["sender"] == mcheck.sender
            and e["payload"]["message"]["recipient"] == mcheck.to
        }
        if "message.sent" not in kinds:
            return result(False, f"no message from {mcheck.sender} to {mcheck.to}")
        delivered = "message.delivered" in kinds
        if mcheck.delivered and not delivered:
            return result(False, "sent, never delivered")
        return result(True, "delivered" if delivered else "sent")
    return result(False, "unknown expectation")


def scenario_party(scenario: Scenario, callsign: str) -> str:
    """The party of a flight, by callsign."""
    return next(f.party for f in scenario.flights if f.callsign == callsign)
