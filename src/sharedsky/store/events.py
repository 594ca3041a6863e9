"""The append-only event log: every state change, in order, with who may see it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharedsky.store.schema import event_audience, events

__all__ = ["Event", "append_event", "last_seq", "read_events", "utc"]


def utc(moment: datetime) -> datetime:
    """An aware UTC datetime (SQLite hands timestamps back naive)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    at: datetime
    kind: str
    actor: str | None
    payload: dict[str, Any]


def append_event(
    conn: Connection,
    *,
    kind: str,
    actor: str | None,
    audience: Iterable[str],
    payload: dict[str, Any],
    at: datetime,
) -> int:
    """Append one event inside the caller's transaction; return its sequence number."""
    seq = conn.execute(
        sa.insert(events)
        .values(at=at, kind=kind, actor=actor, payload=payload)
        .returning(events.c.seq)
    ).scalar_one()
    parties = sorted(set(audience))
    if parties:
        conn.execute(sa.insert(event_audience), [{"party_id": p, "seq": seq} for p in parties])
    return int(seq)


def read_events(conn: Connection, party: str, *, after: int, limit: int = 500) -> list[Event]:
    """The events ``party`` may see with ``seq > after``, oldest first."""
    rows = conn.execute(
        sa.select(events)
        .join(event_audience, event_audience.c.seq == events.c.seq)
        .where(event_audience.c.party_id == party, events.c.seq > after)
        .order_by(events.c.seq)
        .limit(limit)
    ).mappings()
    return [
        Event(
            seq=int(r["seq"]),
            at=utc(r["at"]),
            kind=r["kind"],
            actor=r["actor"],
            payload=r["payload"],
        )
        for r in rows
    ]


def last_seq(conn: Connection) -> int:
    """The newest event's sequence number (0 when there is none)."""
    return int(conn.execute(sa.select(sa.func.max(events.c.seq))).scalar() or 0)
