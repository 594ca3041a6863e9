"""The scenario runner: drives a ``sharedsky serve`` through its public HTTP API only.

Each party gets its own :class:`httpx.Client` and bearer token, as a real client would; an
administrator token (optional) creates the parties (``POST /v1/admin/parties``) and their
tokens (``POST /v1/admin/parties/{id}/tokens``). The runner then plays the scenario on the
wall clock through a :class:`~sharedsky.sim.timeline.TimeMap` (see that module for why the
map is piecewise linear and how times are judged), reads every party's events back
(``GET /v1/events?stream=false&after=N``) and checks the expectations.

Timing
------
The server sweeps once a wall second and accepts a track only with a timestamp that is not in
the future and not older than its ~10 s horizon, so tracks always carry the *real* time of the
post; their state is the trajectory's state at the scenario time that wall time stands for. At
``speed`` S an aircraft therefore moves S seconds of its flight between two sweeps, while its
reported ground speed stays its true one: every prediction the server makes (time to a loss,
time to a border) is in scenario seconds, and the sweeps sample it every S scenario seconds.
Keep S at or below about 60 for the 60 s alert and border grades to be seen.

The clock and the pause are injected (``clock``, ``sleep``), and so is the HTTP transport.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from sharedsky.errors import SharedskyError
from sharedsky.model import rfc3339
from sharedsky.sim.expectations import ActionRecord, ExpectationResult, evaluate
from sharedsky.sim.scenario import Action, Scenario, resolve_volume
from sharedsky.sim.timeline import TimeMap, format_offset
from sharedsky.sim.tracks import Noise, state_rows

__all__ = ["RunResult", "RunSettings", "ScenarioRunner", "ServerError"]


class ServerError(SharedskyError):
    """The server answered a call the runner cannot go on without, or could not be reached."""

    title = "Server error"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSettings:
    """How to play a scenario: ``speed`` while flights are airborne, ``idle_speed`` otherwise
    (default: at least 720, an hour in five seconds), the wall step between track posts,
    how long to wait after the end for the last sweeps, and optional track noise."""

    speed: float = 1.0
    idle_speed: float | None = None
    step_s: float | None = None
    """Wall seconds between track posts; default ``min(1, 30 / speed)``, so that the state a
    sweep sees is never more than 30 scenario seconds old."""
    settle_s: float = 3.0
    noise: Noise | None = None


@dataclass
class RunResult:
    """What a run did and found."""

    timemap: TimeMap
    actions: list[ActionRecord]
    events: dict[str, list[dict[str, Any]]]
    expectations: list[ExpectationResult]
    tracks_posted: int = 0
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.expectations) and all(a.expected for a in self.actions)


def _check(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code >= 300:
        raise ServerError(f"{what}: HTTP {response.status_code}: {response.text[:300]}")
    body: dict[str, Any] = response.json()
    return body


class ScenarioRunner:
    """Plays one scenario against one server."""

    def __init__(
        self,
        scenario: Scenario,
        base_url: str,
        *,
        tokens: Mapping[str, str] | None = None,
        admin_token: str | None = None,
        settings: RunSettings | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.scenario = scenario
        self.base_url = base_url.rstrip("/")
        self.settings = settings or RunSettings()
        self.clock = clock
        self.sleep = sleep
        self.transport = transport
        self.log = log or (lambda _: None)
        self.tokens = dict(tokens or {})
        self.admin_token = admin_token
        self._clients: dict[str, httpx.Client] = {}
        self._versions: dict[tuple[str, str], int] = {}

    # -- clients ----------------------------------------------------------------------------

    def _client(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30.0,
            transport=self.transport,
        )

    def client(self, party: str) -> httpx.Client:
        if party not in self._clients:
            if party not in self.tokens:
                raise ServerError(f"no token for party {party!r}")
            self._clients[party] = self._client(self.tokens[party])
        return self._clients[party]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def create_parties(self) -> dict[str, str]:
        """Create the scenario's parties and a token for each (needs the admin token);
        parties that exist already keep theirs (a token is issued anyway)."""
        if self.admin_token is None:
            raise ServerError("creating parties needs an administrator token")
        with self._client(self.admin_token) as admin:
            for party in self.scenario.parties:
                reply = admin.post("/v1/admin/parties", json=party.admin_body())
                if reply.status_code not in (201, 409):
                    _check(reply, f"creating party {party.id}")
                token = _check(
                    admin.post(f"/v1/admin/parties/{party.id}/tokens"),
                    f"issuing a token for {party.id}",
                )
                self.tokens[party.id] = str(token["token"])
        return dict(self.tokens)

    # -- the run ----------------------------------------------------------------------------

    def timemap(self, wall_start_s: float) -> TimeMap:
        speed = self.settings.speed
        idle = self.settings.idle_speed or max(speed, 720.0)
        origin = min([0.0, *self.scenario.action_times_s])
        return TimeMap(
            wall_start_s=wall_start_s,
            speed=speed,
            busy=self.scenario.busy_intervals(),
            idle_speed=idle,
            origin_s=origin,
        )

    def run(self) -> RunResult:
        """Play the scenario, then read the record back and check the expectations."""
        try:
            return self._run()
        except httpx.HTTPError as error:
            raise ServerError(f"{self.base_url}: {type(error).__name__}: {error}") from None
        finally:
            self.close()

    def _run(self) -> RunResult:
        scenario = self.scenario
        cursors = {p.id: self._last_seq(p.id) for p in scenario.parties}
        tm = self.timemap(self.clock() + 0.5)
        actions = list(zip(scenario.action_times_s, scenario.actions, strict=True))
        records: list[ActionRecord] = []
        rows = {
            callsign: state_rows(
                flight, scenario.trajectories[callsign], self.settings.noise, index=k
            )
            for k, (callsign, flight) in enumerate((f.callsign, f) for f in scenario.flights)
        }
        posted = 0
        next_post = tm.wall_s(min([t.start_s for t in scenario.trajectories.values()] or [0.0]))
        end_wall = tm.wall_s(scenario.end_s)
        index = 0
        while True:
            now = self.clock()
            t = tm.scenario_s(now)
            while index < len(actions) and actions[index][0] <= t:
                at_s, action = actions[index]
                records.append(self._act(index, at_s, action, tm))
                index += 1
            if now >= next_post:
                posted += self._post_tracks(t, now, rows)
                next_post = max(next_post + self._step_s(), now)
            if now >= end_wall and index >= len(actions):
                break
            wake = min(next_post, end_wall)
            if index < len(actions):
                wake = min(wake, tm.wall_s(actions[index][0]))
            self.sleep(max(0.0, wake - self.clock()))
        self.sleep(self.settings.settle_s)
        events = {p.id: self._events(p.id, cursors[p.id]) for p in scenario.parties}
        results = evaluate(scenario, tm, events, records)
        return RunResult(
            timemap=tm,
            actions=records,
            events=events,
            expectations=results,
            tracks_posted=posted,
            tokens=dict(self.tokens),
        )

    def _step_s(self) -> float:
        if self.settings.step_s is not None:
            return self.settings.step_s
        return max(0.1, min(1.0, 30.0 / self.settings.speed))

    def _post_tracks(
        self, t: float, now: float, rows: Mapping[str, tuple[str, list[dict[str, Any] | None]]]
    ) -> int:
        batches: dict[str, list[dict[str, Any]]] = {}
        for callsign, (party, samples) in rows.items():
            trajectory = self.scenario.trajectories[callsign]
            k = trajectory.index_at(t)
            if k is None or samples[k] is None:
                continue
            batches.setdefault(party, []).append({**samples[k], "timestamp": round(now, 3)})  # type: ignore[dict-item]
        for party, states in batches.items():
            _check(self.client(party).post("/v1/tracks", json={"states": states}), "posting tracks")
        return sum(len(s) for s in batches.values())

    def _body(self, op_id: str, party: str, tm: TimeMap, **override: Any) -> dict[str, Any]:
        spec = self.scenario.operation(party, op_id)

        def when(text: str) -> str:
            return rfc3339(tm.wall_time(self.scenario.time_s(text)))

        volumes = override.get("volumes") or spec.volumes
        return {
            "priority": override.get("priority")
            if override.get("priority") is not None
            else spec.priority,
            "state": override.get("state") or spec.state,
            "notes": spec.notes,
            "volumes": [resolve_volume(v, when) for v in volumes],
        }

    def _act(self, index: int, at_s: float, action: Action, tm: TimeMap) -> ActionRecord:
        client = self.client(action.party)
        target = ""
        if action.declare is not None:
            target = action.declare
            reply = client.put(
                f"/v1/operations/{target}", json=self._body(target, action.party, tm)
            )
        elif action.amend is not None:
            amend = action.amend
            target = amend.operation
            version = self._versions.get((action.party, target))
            reply = client.put(
                f"/v1/operations/{target}",
                json=self._body(
                    target,
                    action.party,
                    tm,
                    volumes=amend.volumes,
                    priority=amend.priority,
                    state=amend.state,
                ),
                headers={"If-Match": str(version or 0)},
            )
        elif action.cancel is not None:
            target = action.cancel
            reply = client.delete(f"/v1/operations/{target}")
        elif action.answer is not None:
            answer = action.answer
            target = f"{answer.sender}/{answer.operation}"
            notices = _check(client.get("/v1/notices"), "reading notices")["notices"]
            mine = [
                n
                for n in notices
                if n["sender"] == answer.sender and n["operation"]["id"] == answer.operation
            ]
            if not mine:
                return ActionRecord(
                    index, at_s, action.party, "answer", target, 0, "failed", False, "no notice"
                )
            notice = max(mine, key=lambda n: int(n["id"]))
            body = {"reason": answer.reason} if answer.reason else None
            reply = client.post(f"/v1/notices/{notice['id']}/{answer.status}", json=body)
        else:
            assert action.message is not None
            target = action.message.to
            reply = client.post(
                "/v1/messages", json={"to": action.message.to, "text": action.message.text}
            )
            if reply.status_code == 201:
                # The recipient's client fetches the thread (delivered) and reads it.
                other = self.client(action.message.to)
                thread = _check(
                    other.get("/v1/messages", params={"with": action.party}), "reading messages"
                )
                for message in thread["messages"]:
                    if message["recipient"] == action.message.to and message["read_at"] is None:
                        other.post(f"/v1/messages/{message['id']}/read")
        status = reply.status_code
        if status < 300:
            outcome = "ok"
            answer_body: Any = reply.json() if reply.content else {}
            operation = answer_body.get("operation") if isinstance(answer_body, dict) else None
            if isinstance(operation, dict) and "version" in operation:
                self._versions[(action.party, target)] = int(operation["version"])
        elif status == 409:
            outcome = "refused"
        else:
            outcome = "failed"
        expected = action.expect == outcome
        detail = "" if expected else f"expected {action.expect}: {reply.text[:300]}"
        self.log(
            f"{format_offset(at_s)} {action.party} {action.kind} {target}: HTTP {status}"
            + (f" ({detail})" if detail else "")
        )
        return ActionRecord(
            index, at_s, action.party, action.kind, target, status, outcome, expected, detail
        )

    def _last_seq(self, party: str) -> int:
        """The newest event the party can see now: the run reads only what follows."""
        events = self._events(party, 0)
        return max((int(e["seq"]) for e in events), default=0)

    def _events(self, party: str, after: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        cursor = after
        client = self.client(party)
        while True:
            page = _check(
                client.get("/v1/events", params={"stream": "false", "after": cursor}),
                f"reading {party}'s events",
            )["events"]
            if not page:
                return out
            out += page
            cursor = int(page[-1]["seq"])
