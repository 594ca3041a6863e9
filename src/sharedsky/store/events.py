"""The append-only event log: every state change, in order, with who may see it.

Each event is written with its ledger entry (the exact text the evidence log hashes) and its
leaf, in the caller's transaction: an event is in the ledger exactly when it is committed.
A request a party signed (:func:`signed_by`) leaves its signature on the first event that the
party's request writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharedsky.errors import AlreadyExists
from sharedsky.ledger import Entry, SignedRequest, leaf_hash
from sharedsky.model import rfc3339
from sharedsky.store.schema import event_audience, event_signatures, events, ledger_leaves

__all__ = [
    "Event",
    "append_event",
    "last_seq",
    "payload_of",
    "read_events",
    "record_leaf",
    "signed_by",
    "utc",
]

_signed: ContextVar[SignedRequest | None] = ContextVar("sharedsky_signed_request", default=None)


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


@contextmanager
def signed_by(request: SignedRequest | None) -> Iterator[None]:
    """Within this block (one request, one thread), the first event appended by the signing
    party carries ``request``'s signature."""
    token = _signed.set(request)
    try:
        yield
    finally:
        _signed.reset(token)


def append_event(
    conn: Connection,
    *,
    kind: str,
    actor: str | None,
    audience: Iterable[str],
    payload: dict[str, Any],
    at: datetime,
) -> int:
    """Append one event and its ledger leaf inside the caller's transaction (which holds the
    write lock, so leaves are numbered in commit order); return its sequence number."""
    signed = _signed.get()
    if signed is not None and signed.signature.party == actor:
        _signed.set(None)
        reused = conn.execute(
            sa.select(event_signatures.c.event_seq).where(
                event_signatures.c.party_id == actor,
                event_signatures.c.nonce == signed.signature.nonce,
            )
        ).first()
        if reused is not None:
            raise AlreadyExists(
                f"nonce {signed.signature.nonce!r} was used by event {reused[0]}: "
                "a replayed request"
            )
    else:
        signed = None
    parties = sorted(set(audience))
    # The caller's transaction holds the write lock, so the next numbers are ours: the event
    # row is written once, with its entry, instead of inserted and then updated.
    last_event, last_leaf = conn.execute(
        sa.select(
            sa.select(sa.func.max(events.c.seq)).scalar_subquery(),
            sa.select(sa.func.max(ledger_leaves.c.leaf_index)).scalar_subquery(),
        )
    ).one()
    seq = 1 if last_event is None else int(last_event) + 1
    text = Entry(
        seq,
        rfc3339(at),
        kind,
        actor,
        tuple(parties),
        payload,
        None if signed is None else signed.signature,
    ).text
    conn.execute(sa.insert(events).values(seq=seq, at=at, kind=kind, actor=actor, entry=text))
    if parties:
        conn.execute(sa.insert(event_audience), [{"party_id": p, "seq": seq} for p in parties])
    if signed is not None:
        block = signed.signature
        conn.execute(
            sa.insert(event_signatures).values(
                event_seq=seq,
                party_id=block.party,
                key_id=block.key_id,
                nonce=block.nonce,
                signed_at=block.signed_at,
                document_sha256=block.document_sha256,
                signature=block.signature,
                document=signed.document,
            )
        )
    record_leaf(conn, 0 if last_leaf is None else int(last_leaf) + 1, seq, text)
    return seq


def record_leaf(conn: Connection, index: int, seq: int, entry: str) -> None:
    """Append the leaf of event ``seq`` (the ledger's share of an append: the entry's text
    replaces the JSON payload an event row held before)."""
    conn.execute(
        sa.insert(ledger_leaves).values(
            leaf_index=index, event_seq=seq, leaf_hash=leaf_hash(entry.encode("ascii")).hex()
        )
    )


def read_events(conn: Connection, party: str, *, after: int, limit: int = 500) -> list[Event]:
    """The events ``party`` may see with ``seq > after``, oldest first."""
    rows = conn.execute(
        sa.select(events.c.seq, events.c.at, events.c.kind, events.c.actor, events.c.entry)
        .join(event_audience, event_audience.c.seq == events.c.seq)
        .where(event_audience.c.party_id == party, events.c.seq > after)
        .order_by(events.c.seq)
        .limit(limit)
    )
    return [
        Event(seq=int(seq), at=utc(at), kind=kind, actor=actor, payload=payload_of(entry))
        for seq, at, kind, actor, entry in rows
    ]


def payload_of(entry: str) -> dict[str, Any]:
    """An event's payload, from its entry (the payload is the entry's last member)."""
    start = entry.index('"payload":') + len('"payload":')
    payload: dict[str, Any] = json.loads(entry[start:-1])
    return payload


def last_seq(conn: Connection) -> int:
    """The newest event's sequence number (0 when there is none)."""
    return int(conn.execute(sa.select(sa.func.max(events.c.seq))).scalar() or 0)
