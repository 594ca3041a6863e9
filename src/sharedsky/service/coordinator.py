"""The service's core, free of HTTP: operations, notices, subscriptions, messages.

Every write follows one path: validate fully, decide against the in-memory engines, then write
the rows and their events in one transaction, and only after the commit update the engines.
A refused or invalid write stores nothing. One lock serializes writes in this process (the
engines are not thread-safe, and a decision must see the state it is written against).

Operation ids are the owner's: two parties may use the same id. Inside the engines an
operation is known as ``party/id``.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharedsky.errors import InvalidInput, Issue, SharedskyError, StaleVersion, UnknownEntity
from sharedsky.io import parse_volume
from sharedsky.ledger import KEY_REGISTERED, PublicKey
from sharedsky.model import Limits, Operation, OperationState, Volume4D, rfc3339
from sharedsky.service.airspace_watch import countries
from sharedsky.service.map_features import feature_collection, volume_features
from sharedsky.service.sovereignty import Sovereignty
from sharedsky.store.database import Database
from sharedsky.store.events import append_event
from sharedsky.store.idempotency import recall, remember
from sharedsky.store.messages import Message, get_message, insert_message, mark, thread
from sharedsky.store.notices import (
    Notice,
    NoticeStatus,
    due_for_escalation,
    escalate,
    get_notice,
    insert_notice,
    list_notices,
    set_status,
    told_about,
)
from sharedsky.store.operations import (
    StoredOperation,
    get_operation,
    live_operations,
    write_version,
)
from sharedsky.store.parties import (
    ADMIN,
    Party,
    create_party,
    get_party,
    issue_token,
    list_parties,
    revoke_token,
)
from sharedsky.store.schema import parties as parties_table
from sharedsky.store.subscriptions import (
    Subscription,
    delete_subscription,
    insert_subscription,
    live_subscriptions,
)
from sharedsky.strategic import (
    BufferPolicy,
    Buffers,
    CheckResult,
    Conflict,
    PriorityRule,
    ResolutionHints,
    StrategicEngine,
    resolution_hints,
)

__all__ = [
    "Conflicted",
    "Coordinator",
    "PreconditionFailed",
    "PreconditionRequired",
    "Reply",
    "ServicePolicy",
]

MAX_TEXT = 4000
MAX_OUTLINE_VOLUMES = 100
_OPERATION_FIELDS = {"priority", "state", "volumes", "notes"}


class Conflicted(SharedskyError):
    """A write the strategic check refuses: 409 with the conflicts and the hints."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__("the operation conflicts with operations it may not plan into")
        self.body = body


class PreconditionRequired(SharedskyError):
    """An update without the version it replaces (HTTP 428)."""


class PreconditionFailed(StaleVersion):
    """An update of a version that is no longer current (HTTP 412)."""


@dataclass(frozen=True, slots=True)
class ServicePolicy:
    """The service's rules: notice lead time, equal priority, validation limits."""

    short_notice_s: float = 3600.0
    escalate_after_s: float = 900.0
    """A notice neither acknowledged nor answered this long after it was sent escalates."""
    equal_priority_allowed: bool = False
    buffers: BufferPolicy = field(default_factory=BufferPolicy)
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True, slots=True)
class Reply:
    """A write's answer: HTTP status and JSON body (what idempotent retries get back)."""

    status: int
    body: dict[str, Any]


def _key(party: str, op_id: str) -> str:
    return f"{party}/{op_id}"


def _split(key: str) -> tuple[str, str]:
    party, _, op_id = key.partition("/")
    return party, op_id


def _hints_view(hints: ResolutionHints) -> dict[str, Any]:
    return {
        "time_shift_s": hints.time_shift_s,
        "time_later_s": hints.time_later_s,
        "time_earlier_s": hints.time_earlier_s,
        "altitude_shift_m": hints.altitude_shift_m,
        "altitude_up_m": hints.altitude_up_m,
        "altitude_down_m": hints.altitude_down_m,
    }


def request_digest(method: str, path: str, body: bytes) -> str:
    """What an idempotency key is bound to: the method, the path and the exact body."""
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


class Coordinator:
    """Operations, notices, subscriptions and messages of all parties, on one database."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        policy: ServicePolicy | None = None,
    ) -> None:
        self.db = database
        self.clock = clock
        self.policy = policy or ServicePolicy()
        self._lock = threading.RLock()
        self.parties_version = 0
        """Counts party changes, so that what depends on the parties can rebuild."""
        self._sovereign: tuple[int, Sovereignty] | None = None
        self.operations_version = 0
        """Counts operation changes (what watches the active volumes rebuilds on it)."""
        self.engine = StrategicEngine(
            buffers=self.policy.buffers,
            priority=PriorityRule(equal_priority_allowed=self.policy.equal_priority_allowed),
        )
        # Areas of interest as zero-buffer volumes of their party: "does this operation enter
        # a subscribed area" is then the same exact check as a conflict.
        zero = Buffers(lateral_m=0, lateral_high_m=0, vertical_m=0, vertical_high_m=0, time_s=0)
        self.areas = StrategicEngine(buffers=BufferPolicy(default=zero))
        self.reload()

    # -- start-up ---------------------------------------------------------------------------

    def reload(self) -> None:
        """Rebuild the engines from the store (on start; nothing lives only in memory)."""
        with self._lock, self.db.read() as conn:
            self.engine = StrategicEngine(
                buffers=self.engine.buffers, priority=self.engine.priority
            )
            self.areas = StrategicEngine(buffers=self.areas.buffers)
            for stored in live_operations(conn):
                self.engine.add(self._from_store(stored))
            for sub in live_subscriptions(conn):
                self.areas.add(self._area(sub))
            parties = list_parties(conn)
            self._parties = {p.id for p in parties}
            self.engine.buffers = _buffers(self.policy.buffers, parties)

    @staticmethod
    def _from_store(stored: StoredOperation) -> Operation:
        return Operation.parse(
            stored.body["operation"], limits=Limits(max_footprint_area_km2=math.inf)
        )

    @staticmethod
    def _area(sub: Subscription) -> Operation:
        volume = Volume4D.parse(sub.volume, limits=Limits(max_footprint_area_km2=math.inf))
        return Operation(id=f"{sub.party}/#{sub.id}", party=sub.party, volumes=(volume,))

    def operations(self) -> list[Operation]:
        """Every live operation now (ids ``party/id``), a consistent copy."""
        with self._lock:
            return list(self.engine)

    def knows_party(self, party: str, conn: Connection | None = None) -> bool:
        if party not in self._parties:
            try:
                if conn is None:
                    with self.db.read() as reader:
                        get_party(reader, party)
                else:
                    get_party(conn, party)
            except UnknownEntity:
                return False
            self._parties.add(party)
        return True

    def party_view(self, party: str) -> dict[str, Any]:
        """The caller as it was registered (its buffers and minima included)."""
        with self.db.read() as conn:
            found = get_party(conn, party)
        return {
            "id": found.id,
            "name": found.name,
            "airspace": found.airspace,
            "buffers": found.buffers,
            "minima": found.minima,
        }

    def directory(self) -> list[dict[str, Any]]:
        """Every party's id, name and declared airspace: whom a party can call on the hotline
        and whose airspace it flies near; nothing of their operations or settings."""
        with self.db.read() as conn:
            found = list_parties(conn)
        return [{"id": p.id, "name": p.name, "airspace": p.airspace} for p in found]

    # -- idempotent writes ------------------------------------------------------------------

    def _write(
        self,
        party: str,
        idempotency: tuple[str, str] | None,
        work: Callable[[Connection, datetime], tuple[Reply, Callable[[], None]]],
    ) -> Reply:
        """Run ``work`` in one transaction under the write lock, remembering its reply under
        the idempotency key; ``work`` returns the reply and what to apply after the commit."""
        with self._lock:
            if idempotency is not None:
                key, digest = idempotency
                with self.db.read() as conn:
                    seen = recall(conn, party, key)
                if seen is not None:
                    if seen.request_sha256 != digest:
                        raise InvalidInput.one(
                            "Idempotency-Key",
                            f"key {key!r} was used for a different request",
                        )
                    return Reply(seen.status, seen.response)
            now = self.clock()
            with self.db.transaction() as conn:
                reply, apply = work(conn, now)
                if idempotency is not None:
                    remember(
                        conn,
                        party=party,
                        key=idempotency[0],
                        request_sha256=idempotency[1],
                        status=reply.status,
                        response=reply.body,
                        at=now,
                    )
            apply()
            return reply

    # -- operations -------------------------------------------------------------------------

    def _parse(self, party: str, op_id: str, data: Any, now: datetime) -> tuple[Operation, str]:
        if not isinstance(data, dict):
            raise InvalidInput.one("$", "an operation must be a JSON object")
        unknown = sorted(set(data) - _OPERATION_FIELDS)
        issues = [Issue(f"$.{k}", "unknown field") for k in unknown]
        notes = data.get("notes", "")
        if not isinstance(notes, str) or len(notes) > MAX_TEXT:
            issues.append(Issue("$.notes", f"notes must be text of at most {MAX_TEXT} chars"))
        if not 1 <= len(op_id) <= 128 or "/" in op_id:
            issues.append(Issue("id", "an operation id is 1–128 characters, without '/'"))
        if issues:
            raise InvalidInput(issues)
        limits = self.policy.limits.model_copy(update={"now": now})
        fields = {k: v for k, v in data.items() if k != "notes"}
        try:
            operation = Operation.parse(
                {**fields, "id": _key(party, op_id), "party": party},
                limits=limits,
                parse_volume=parse_volume,
            )
        except InvalidInput as error:
            raise error.under("$") from None
        return operation, str(notes)

    def _conflict_view(self, c: Conflict) -> dict[str, Any]:
        party, op_id = _split(c.b)
        return {
            "volume": c.a_volume,
            "other": {"party": party, "id": op_id, "volume": c.b_volume},
            "time_start": rfc3339(c.time_start),
            "time_end": rfc3339(c.time_end),
            "lateral_gap_m": round(c.lateral_gap_m, 3),
            "vertical_gap_m": round(c.vertical_gap_m, 3),
            "verdict": c.verdict.value,
            "reason": c.reason.value,
        }

    def owner_view(self, operation: Operation, version: int, notes: str) -> dict[str, Any]:
        """An operation as its owner sees it: everything, free text included."""
        return {**self.public_view(operation, version), "notes": notes}

    @staticmethod
    def public_view(operation: Operation, version: int) -> dict[str, Any]:
        """An operation as another party sees it: volumes, times, state, priority, party."""
        party, op_id = _split(operation.id)
        data = operation.model_dump(mode="json")
        return {
            "party": party,
            "id": op_id,
            "version": version,
            "state": data["state"],
            "priority": data["priority"],
            "volumes": data["volumes"],
        }

    def put_operation(
        self,
        party: str,
        op_id: str,
        data: Any,
        *,
        if_match: int | None,
        idempotency: tuple[str, str] | None = None,
    ) -> Reply:
        """Create an operation, or (with ``if_match``) replace its current version."""

        def work(conn: Connection, now: datetime) -> tuple[Reply, Callable[[], None]]:
            operation, notes = self._parse(party, op_id, data, now)
            key = operation.id
            stored = get_operation(conn, party, op_id)
            live = stored is not None and not stored.deleted
            if live and if_match is None:
                raise PreconditionRequired(
                    f"operation {op_id!r} exists: send If-Match with its version to replace it"
                )
            if not live and if_match is not None:
                raise PreconditionFailed(f"operation {op_id!r} does not exist")
            if live:
                assert stored is not None
                if stored.version != if_match:
                    raise PreconditionFailed(
                        f"operation {op_id!r} is at version {stored.version}, not {if_match}"
                    )
                old = self.engine.get(key)
                if not old.state.can_become(operation.state):
                    raise InvalidInput.one(
                        "$.state", f"an operation cannot go from {old.state} to {operation.state}"
                    )
            elif operation.state is not OperationState.ACCEPTED and (
                operation.state is not OperationState.ACTIVATED
            ):
                raise InvalidInput.one("$.state", "a new operation starts accepted or activated")
            result = self.engine.check(operation)
            if result.refused:
                hints = resolution_hints(self.engine, operation, now=now)
                raise Conflicted(
                    {
                        "conflicts": [self._conflict_view(c) for c in result.conflicts],
                        "hints": _hints_view(hints),
                    }
                )
            version = (stored.version + 1) if stored is not None else 1
            recipients = self._recipients(conn, operation, result, party)
            start = min(v.time_start for v in operation.volumes)
            end = max(v.time_end for v in operation.volumes)
            body = {"operation": operation.model_dump(mode="json"), "notes": notes}
            view = self.owner_view(operation, version, notes)
            seq = append_event(
                conn,
                kind="operation.created" if version == 1 or not live else "operation.updated",
                actor=party,
                audience=[party],
                payload={"operation": view},
                at=now,
            )
            write_version(
                conn,
                party=party,
                op_id=op_id,
                version=version,
                body=body,
                deleted=False,
                state=operation.state.value,
                priority=operation.priority,
                time_start=start,
                time_end=end,
                at=now,
                event_seq=seq,
            )
            sent = self._notify(conn, operation, version, recipients, now)
            reply = Reply(
                201 if not live else 200,
                {
                    "operation": view,
                    "conflicts": [self._conflict_view(c) for c in result.conflicts],
                    "notices": [n.public() for n in sent],
                },
            )

            def apply() -> None:
                if live:
                    self.engine.replace(operation)
                else:
                    self.engine.add(operation)
                self.operations_version += 1

            return reply, apply

        return self._write(party, idempotency, work)

    def _recipients(
        self, conn: Connection, operation: Operation, result: CheckResult, party: str
    ) -> dict[str, set[str]]:
        """Who must be told of this version, and why."""
        reasons: dict[str, set[str]] = {}
        for c in result.conflicts:
            if c.b_party != party:
                reasons.setdefault(c.b_party, set()).add("conflict")
        areas = self.areas.check(operation)
        for c in areas.conflicts:
            if c.b_party != party:
                reasons.setdefault(c.b_party, set()).add("subscription")
        for owner in self._sovereignty(conn).parties_entered(operation):
            reasons.setdefault(owner, set()).add("airspace")
        _, op_id = _split(operation.id)
        # Parties told of an earlier version hear of this one too, even if it now clears them.
        for recipient in told_about(conn, party, op_id):
            reasons.setdefault(recipient, {"amended"})
        return reasons

    def _notify(
        self,
        conn: Connection,
        operation: Operation,
        version: int,
        recipients: dict[str, set[str]],
        now: datetime,
    ) -> list[Notice]:
        sender, op_id = _split(operation.id)
        start = min(v.time_start for v in operation.volumes)
        sent = []
        for recipient in sorted(recipients):
            notice = insert_notice(
                conn,
                sender=sender,
                recipient=recipient,
                operation_id=op_id,
                operation_version=version,
                reasons=sorted(recipients[recipient]),
                at=now,
                operation_start=start,
                short_notice_s=self.policy.short_notice_s,
            )
            append_event(
                conn,
                kind="notice.sent",
                actor=sender,
                audience=[sender, recipient],
                payload={
                    "notice": notice.public(),
                    "operation": self.public_view(operation, version),
                },
                at=now,
            )
            sent.append(notice)
        return sent

    def delete_operation(
        self,
        party: str,
        op_id: str,
        *,
        if_match: int | None,
        idempotency: tuple[str, str] | None = None,
    ) -> Reply:
        """Delete an operation (its history stays); the version must be given."""

        def work(conn: Connection, now: datetime) -> tuple[Reply, Callable[[], None]]:
            stored = get_operation(conn, party, op_id)
            if stored is None or stored.deleted:
                raise UnknownEntity(f"no operation {op_id!r}")
            if if_match is None:
                raise PreconditionRequired("send If-Match with the version to delete")
            if stored.version != if_match:
                raise PreconditionFailed(
                    f"operation {op_id!r} is at version {stored.version}, not {if_match}"
                )
            told = told_about(conn, party, op_id)
            version = stored.version + 1
            seq = append_event(
                conn,
                kind="operation.deleted",
                actor=party,
                audience=[party, *told],
                payload={"operation": {"party": party, "id": op_id, "version": version}},
                at=now,
            )
            operation = self.engine.get(_key(party, op_id))
            write_version(
                conn,
                party=party,
                op_id=op_id,
                version=version,
                body=stored.body,
                deleted=True,
                state=OperationState.ENDED.value,
                priority=operation.priority,
                time_start=min(v.time_start for v in operation.volumes),
                time_end=max(v.time_end for v in operation.volumes),
                at=now,
                event_seq=seq,
            )

            def apply() -> None:
                self.engine.remove(_key(party, op_id))
                self.operations_version += 1

            return Reply(200, {"party": party, "id": op_id, "version": version}), apply

        return self._write(party, idempotency, work)

    def get_own(self, party: str, op_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            stored = get_operation(conn, party, op_id)
        if stored is None or stored.deleted:
            raise UnknownEntity(f"no operation {op_id!r}")
        return self.owner_view(self._from_store(stored), stored.version, stored.body["notes"])

    def visible_operations(
        self,
        party: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        include_others: bool = True,
    ) -> list[dict[str, Any]]:
        """The party's own operations, and the others' that concern it: those that conflict
        with one of its own, and those it has been sent a notice about, while they live."""
        return [
            self.public_view(operation, version)
            if notes is None
            else self.owner_view(operation, version, notes)
            for operation, version, notes in self._visible(party, start, end, include_others)
        ]

    def map_operations(
        self, party: str, *, start: datetime | None = None, end: datetime | None = None
    ) -> dict[str, Any]:
        """What :meth:`visible_operations` shows, as GeoJSON: a Feature per volume."""
        features: list[dict[str, Any]] = []
        for operation, version, notes in self._visible(party, start, end, True):
            owner, op_id = _split(operation.id)
            features += volume_features(
                operation.volumes,
                party=owner,
                id=op_id,
                version=version,
                state=operation.state.value,
                priority=operation.priority,
                own=notes is not None,
            )
        return feature_collection(features)

    def _visible(
        self,
        party: str,
        start: datetime | None,
        end: datetime | None,
        include_others: bool,
    ) -> list[tuple[Operation, int, str | None]]:
        """(operation, version, notes) of what the party may see; notes (free text) only for
        its own, ``None`` for the others'."""
        own: list[tuple[Operation, int, str | None]] = []
        others: dict[str, tuple[Operation, int, str | None]] = {}

        def outside(operation: Operation) -> bool:
            first = min(v.time_start for v in operation.volumes)
            last = max(v.time_end for v in operation.volumes)
            return (start is not None and last <= start) or (end is not None and first >= end)

        with self._lock, self.db.read() as conn:
            told = {
                _key(n.sender, n.operation_id)
                for n in list_notices(conn, party, direction="received")
            }
            stored = {(s.party, s.id): s for s in live_operations(conn)}
            for operation in self.engine:
                owner, op_id = _split(operation.id)
                if outside(operation):
                    continue
                version = self.engine.version(operation.id)
                if owner == party:
                    own.append((operation, version, stored[(owner, op_id)].body["notes"]))
                elif include_others and operation.id in told:
                    others[operation.id] = (operation, version, None)
            if include_others:
                mine = [op for op in self.engine if _split(op.id)[0] == party]
                for operation in mine:
                    for c in self.engine.check(operation).conflicts:
                        other = self.engine.get(c.b)
                        if c.b not in others and c.b_party != party and not outside(other):
                            others[c.b] = (other, self.engine.version(c.b), None)
        return own + [others[k] for k in sorted(others)]

    def check_operation(self, party: str, op_id: str, data: Any) -> dict[str, Any]:
        """What ``PUT /v1/operations/{op_id}`` with ``data`` would meet, storing nothing: the
        conflicts, whether it would be refused (and then the resolution hints), and the
        outlines of its volumes."""
        operation, _ = self._parse(party, op_id, data, self.clock())
        with self._lock:
            result = self.engine.check(operation)
            hints = (
                resolution_hints(self.engine, operation, now=self.clock())
                if result.refused
                else None
            )
        return {
            "refused": result.refused,
            "conflicts": [self._conflict_view(c) for c in result.conflicts],
            "hints": None if hints is None else _hints_view(hints),
            "outlines": feature_collection(volume_features(operation.volumes)),
        }

    def outlines(self, data: Any) -> dict[str, Any]:
        """Outlines of volumes that need not be stored (a draft, or an old version to replay):
        validated as volumes, but not against the clock, since past windows are the point."""
        if not isinstance(data, dict) or set(data) != {"volumes"}:
            raise InvalidInput.one("$", 'the body is {"volumes": [volume, ...]}')
        volumes = data["volumes"]
        if not isinstance(volumes, list) or not 0 < len(volumes) <= MAX_OUTLINE_VOLUMES:
            raise InvalidInput.one("$.volumes", f"a list of 1 to {MAX_OUTLINE_VOLUMES} volumes")
        limits = self.policy.limits.model_copy(update={"now": None})
        parsed: list[Volume4D] = []
        issues: list[Issue] = []
        for k, volume in enumerate(volumes):
            try:
                parsed.append(parse_volume(volume, limits=limits))
            except InvalidInput as error:
                issues += error.under(f"$.volumes[{k}]").issues
        if issues:
            raise InvalidInput(issues)
        return feature_collection(volume_features(parsed))

    def _sovereignty(self, conn: Connection) -> Sovereignty:
        """The parties' declared countries (rebuilt when the parties change)."""
        if self._sovereign is None or self._sovereign[0] != self.parties_version:
            owners = {p.id: p.airspace for p in list_parties(conn) if p.airspace}
            table = Sovereignty.of(countries(), owners) if owners else Sovereignty()
            self._sovereign = (self.parties_version, table)
        return self._sovereign[1]

    # -- notices ----------------------------------------------------------------------------

    def escalate_notices(self) -> int:
        """Escalate the notices left unacknowledged too long (an event for both parties)."""
        now = self.clock()
        before = now - timedelta(seconds=self.policy.escalate_after_s)
        # Most seconds nothing is due: look first, so the write lock is taken only when needed.
        with self.db.read() as conn:
            if not due_for_escalation(conn, before=before):
                return 0
        with self._lock, self.db.transaction() as conn:
            due = escalate(conn, before=before, at=now)
            for notice in due:
                append_event(
                    conn,
                    kind="notice.escalated",
                    actor=None,
                    audience=[notice.sender, notice.recipient],
                    payload={"notice": notice.public()},
                    at=now,
                )
        return len(due)

    def notices(self, party: str, direction: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return [n.public() for n in list_notices(conn, party, direction=direction)]

    def answer_notice(
        self,
        party: str,
        notice_id: int,
        status: NoticeStatus,
        reason: str | None,
        idempotency: tuple[str, str] | None = None,
    ) -> Reply:
        """The recipient acknowledges, accepts or objects (an objection needs a reason)."""

        def work(conn: Connection, now: datetime) -> tuple[Reply, Callable[[], None]]:
            try:
                notice = get_notice(conn, notice_id)
            except UnknownEntity:
                notice = None
            if notice is None or notice.recipient != party:
                raise UnknownEntity(f"no notice {notice_id}")
            if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_TEXT):
                raise InvalidInput.one("$.reason", f"a reason is text of at most {MAX_TEXT} chars")
            if status is NoticeStatus.OBJECTED and not (reason or "").strip():
                raise InvalidInput.one("$.reason", "an objection needs a reason")
            if status is NoticeStatus.ACKNOWLEDGED:
                if notice.status is not NoticeStatus.SENT:
                    return Reply(200, {"notice": notice.public()}), lambda: None
            elif notice.status in (NoticeStatus.ACCEPTED, NoticeStatus.OBJECTED):
                raise InvalidInput.one("$", f"notice {notice_id} was already {notice.status}")
            if status is not NoticeStatus.ACKNOWLEDGED and notice.acknowledged_at is None:
                set_status(conn, notice_id, status=NoticeStatus.ACKNOWLEDGED, at=now)
            updated = set_status(conn, notice_id, status=status, at=now, reason=reason)
            append_event(
                conn,
                kind=f"notice.{status.value}",
                actor=party,
                audience=[notice.sender, notice.recipient],
                payload={"notice": updated.public()},
                at=now,
            )
            return Reply(200, {"notice": updated.public()}), lambda: None

        return self._write(party, idempotency, work)

    # -- subscriptions ----------------------------------------------------------------------

    def subscribe(self, party: str, data: Any, idempotency: tuple[str, str] | None = None) -> Reply:
        def work(conn: Connection, now: datetime) -> tuple[Reply, Callable[[], None]]:
            if not isinstance(data, dict) or set(data) != {"volume"}:
                raise InvalidInput.one("$", 'a subscription is {"volume": Volume4D}')
            try:
                volume = parse_volume(data["volume"], limits=Limits(now=now))
            except InvalidInput as error:
                raise error.under("$.volume") from None
            stored = volume.model_dump(mode="json")
            sub = insert_subscription(conn, party=party, volume=stored, at=now)
            append_event(
                conn,
                kind="subscription.created",
                actor=party,
                audience=[party],
                payload={"subscription": {"id": sub.id, "volume": stored}},
                at=now,
            )

            def apply() -> None:
                self.areas.add(self._area(sub))

            return Reply(201, {"id": sub.id, "volume": stored}), apply

        return self._write(party, idempotency, work)

    def subscriptions(self, party: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return [{"id": s.id, "volume": s.volume} for s in live_subscriptions(conn, party)]

    def unsubscribe(self, party: str, sub_id: int) -> Reply:
        def work(conn: Connection, now: datetime) -> tuple[Reply, Callable[[], None]]:
            sub = delete_subscription(conn, party, sub_id)
            append_event(
                conn,
                kind="subscription.deleted",
                actor=party,
                audience=[party],
                payload={"subscription": {"id": sub.id}},
                at=now,
            )

            def apply() -> None:
                self.areas.remove(self._area(sub).id)

            return Reply(200, {"id": sub.id}), apply

        return self._write(party, None, work)

    # -- parties (administration) -----------------------------------------------------------

    def create_party(self, data: Any) -> Reply:
        """A new party: id, display name, sovereign or home airspace (ISO 3166 country codes,
        alpha-3 or numeric, or Natural Earth names), separation minima and buffers (metres,
        seconds)."""

        def work(conn: Connection, now: datetime) -> tuple[Reply, Callable[[], None]]:
            if not isinstance(data, dict):
                raise InvalidInput.one("$", "a party is a JSON object")
            issues = [Issue(f"$.{k}", "unknown field") for k in sorted(set(data) - _PARTY_FIELDS)]
            party_id, name = data.get("id"), data.get("name", data.get("id"))
            if (
                not isinstance(party_id, str)
                or not _PARTY_ID.match(party_id)
                or (party_id == ADMIN)
            ):
                issues.append(Issue("$.id", "1–64 letters, digits, '.', '_' or '-' (not 'admin')"))
            if not isinstance(name, str) or not 0 < len(name) <= 200:
                issues.append(Issue("$.name", "a name of 1 to 200 characters"))
            airspace = data.get("airspace", [])
            if not isinstance(airspace, list) or len(airspace) > 50:
                issues.append(Issue("$.airspace", "a list of at most 50 country codes"))
            else:
                for k, key in enumerate(airspace):
                    if not isinstance(key, str):
                        issues.append(Issue(f"$.airspace[{k}]", "a country code (ISO 3166-1)"))
                        continue
                    try:
                        countries().find(key)
                    except UnknownEntity:
                        issues.append(Issue(f"$.airspace[{k}]", f"no country {key!r}"))
            minima = _numbers(data.get("minima", {}), {"hsep_m", "vsep_m"}, "$.minima", issues)
            buffers = _numbers(
                data.get("buffers", {}), {"lateral_m", "vertical_m", "time_s"}, "$.buffers", issues
            )
            if issues:
                raise InvalidInput(issues)
            created = create_party(
                conn,
                party_id=str(party_id),
                name=str(name),
                airspace=list(airspace),
                minima=minima,
                buffers=buffers,
                at=now,
            )
            view = {
                "id": created.id,
                "name": created.name,
                "airspace": created.airspace,
                "minima": created.minima,
                "buffers": created.buffers,
            }
            append_event(
                conn,
                kind="party.created",
                actor=ADMIN,
                audience=[created.id],
                payload={"party": view},
                at=now,
            )

            def apply() -> None:
                self._parties.add(created.id)
                self.parties_version += 1
                with self.db.read() as reader:
                    self.engine.buffers = _buffers(self.policy.buffers, list_parties(reader))

            return Reply(201, {"party": view}), apply

        return self._write(ADMIN, None, work)

    def issue_token(self, party_id: str, *, label: str) -> Reply:
        """A new API token for a party: returned once, stored hashed."""

        def work(conn: Connection, now: datetime) -> tuple[Reply, Callable[[], None]]:
            token_id, token = issue_token(conn, party_id=party_id, label=label, at=now)
            append_event(
                conn,
                kind="token.issued",
                actor=ADMIN,
                audience=[party_id],
                payload={"token": {"id": token_id, "party": party_id, "label": label}},
                at=now,
            )
            return Reply(201, {"id": token_id, "party": party_id, "token": token}), lambda: None

        return self._write(ADMIN, None, work)

    def revoke_token(self, token_id: str) -> Reply:
        def work(conn: Connection, now: datetime) -> tuple[Reply, Callable[[], None]]:
            owner = revoke_token(conn, token_id, at=now)
            append_event(
                conn,
                kind="token.revoked",
                actor=ADMIN,
                audience=[] if owner == ADMIN else [owner],
                payload={"token": {"id": token_id}},
                at=now,
            )
            return Reply(200, {"id": token_id, "revoked": True}), lambda: None

        return self._write(ADMIN, None, work)

    # -- party keys (the ledger's party signatures) -------------------------------------------

    def party_key(self, party: str) -> PublicKey | None:
        """The Ed25519 key ``party`` signs its requests with, if it registered one."""
        with self.db.read() as conn:
            text = conn.execute(
                sa.select(parties_table.c.public_key).where(parties_table.c.id == party)
            ).scalar()
        return None if text is None else PublicKey.from_text(text)

    def register_key(self, party: str, data: Any) -> Reply:
        """Register (or rotate to) the party's public key, ``{"public_key": base64}``."""
        if not isinstance(data, dict) or set(data) != {"public_key"}:
            raise InvalidInput.one("$", 'the body is {"public_key": "<base64 of 32 bytes>"}')
        try:
            key = PublicKey.from_text(str(data["public_key"]))
        except ValueError as error:
            raise InvalidInput.one("$.public_key", str(error)) from None

        def work(conn: Connection, now: datetime) -> tuple[Reply, Callable[[], None]]:
            conn.execute(
                sa.update(parties_table)
                .where(parties_table.c.id == party)
                .values(public_key=key.text)
            )
            view = {"party": party, "key_id": key.id, "public_key": key.text}
            append_event(
                conn,
                kind=KEY_REGISTERED,
                actor=party,
                audience=[party],
                payload={"key": view},
                at=now,
            )
            return Reply(200, {"key": view}), lambda: None

        return self._write(party, None, work)

    # -- hotline ----------------------------------------------------------------------------

    def send_message(
        self, party: str, data: Any, idempotency: tuple[str, str] | None = None
    ) -> Reply:
        def work(conn: Connection, now: datetime) -> tuple[Reply, Callable[[], None]]:
            if not isinstance(data, dict):
                raise InvalidInput.one("$", "a message is a JSON object")
            issues = [Issue(f"$.{k}", "unknown field") for k in sorted(set(data) - _MESSAGE)]
            to, text, reference = data.get("to"), data.get("text"), data.get("reference")
            if not isinstance(to, str) or not self.knows_party(to, conn):
                issues.append(Issue("$.to", f"no party {to!r}"))
            elif to == party:
                issues.append(Issue("$.to", "a party does not message itself"))
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
                issues.append(Issue("$.text", f"text of 1 to {MAX_TEXT} characters"))
            if reference is not None and not _valid_reference(reference):
                issues.append(
                    Issue(
                        "$.reference",
                        'one of {"operation": {"party", "id"}}, {"notice": id}, {"alert": id}',
                    )
                )
            if issues:
                raise InvalidInput(issues)
            message = insert_message(
                conn, sender=party, recipient=str(to), text=str(text), reference=reference, at=now
            )
            append_event(
                conn,
                kind="message.sent",
                actor=party,
                audience=[party, str(to)],
                payload={"message": message.public()},
                at=now,
            )
            return Reply(201, {"message": message.public()}), lambda: None

        return self._write(party, idempotency, work)

    def thread(self, party: str, other: str) -> list[dict[str, Any]]:
        """The thread with ``other``; fetching it delivers the messages sent to ``party``."""
        if not self.knows_party(other):
            raise UnknownEntity(f"no party {other!r}")
        with self.db.read() as conn:
            found = thread(conn, party, other)
        undelivered = [m.id for m in found if m.recipient == party and m.delivered_at is None]
        if undelivered:
            self._receipts(party, undelivered, "delivered")
            with self.db.read() as conn:
                found = thread(conn, party, other)
        return [m.public() for m in found]

    def read_message(self, party: str, message_id: int) -> Reply:
        with self.db.read() as conn:
            try:
                message: Message | None = get_message(conn, message_id)
            except UnknownEntity:
                message = None
        if message is None or message.recipient != party:
            raise UnknownEntity(f"no message {message_id}")
        self._receipts(party, [message_id], "read")
        with self.db.read() as conn:
            return Reply(200, {"message": get_message(conn, message_id).public()})

    def _receipts(self, party: str, ids: Iterable[int], receipt: str) -> None:
        def work(conn: Connection, now: datetime) -> tuple[Reply, Callable[[], None]]:
            for message_id in ids:
                before = get_message(conn, message_id)
                after = mark(conn, message_id, receipt=receipt, at=now)
                if after != before:
                    append_event(
                        conn,
                        kind=f"message.{receipt}",
                        actor=party,
                        audience=[after.sender, after.recipient],
                        payload={"message": after.public()},
                        at=now,
                    )
            return Reply(200, {}), lambda: None

        self._write(party, None, work)


_MESSAGE = {"to", "text", "reference"}
_PARTY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_PARTY_FIELDS = {"id", "name", "airspace", "minima", "buffers"}


def _valid_reference(reference: Any) -> bool:
    if not isinstance(reference, dict) or len(reference) != 1:
        return False
    ((kind, value),) = reference.items()
    if kind == "operation":
        return (
            isinstance(value, dict)
            and set(value) == {"party", "id"}
            and all(isinstance(v, str) and 0 < len(v) <= 128 for v in value.values())
        )
    return kind in ("notice", "alert") and isinstance(value, int) and value > 0


def _buffers(policy: BufferPolicy, parties: list[Party]) -> BufferPolicy:
    """Between two parties, the widest of the policy's buffers and those each asked for (a
    party may widen its buffers, never narrow them below the policy)."""
    base = policy.default
    asked = {p.id: p.buffers for p in parties if p.buffers}
    pairs = dict(policy.pairs)
    ids = [p.id for p in parties]
    for a, mine in asked.items():
        for b in ids:
            if b in asked and b < a:
                continue
            theirs = asked.get(b, {})
            lateral = max(mine.get("lateral_m", 0.0), theirs.get("lateral_m", 0.0))
            vertical = max(mine.get("vertical_m", 0.0), theirs.get("vertical_m", 0.0))
            pairs[(a, b)] = base.model_copy(
                update={
                    "lateral_m": max(base.lateral_m, lateral),
                    "lateral_high_m": max(base.lateral_high_m, lateral),
                    "vertical_m": max(base.vertical_m, vertical),
                    "vertical_high_m": max(base.vertical_high_m, vertical),
                    "time_s": max(base.time_s, mine.get("time_s", 0.0), theirs.get("time_s", 0.0)),
                }
            )
    return BufferPolicy(default=base, pairs=pairs)


def _numbers(value: Any, allowed: set[str], path: str, issues: list[Issue]) -> dict[str, float]:
    """An object of finite, non-negative numbers with known keys (metres, seconds)."""
    if not isinstance(value, dict):
        issues.append(Issue(path, "an object of numbers"))
        return {}
    out: dict[str, float] = {}
    for key, number in value.items():
        if key not in allowed:
            issues.append(
                Issue(f"{path}.{key}", f"unknown field (use {', '.join(sorted(allowed))})")
            )
        elif (
            isinstance(number, bool)
            or not isinstance(number, int | float)
            or not math.isfinite(number)
            or number < 0
        ):
            issues.append(Issue(f"{path}.{key}", "a finite number >= 0"))
        else:
            out[key] = float(number)
    return out
