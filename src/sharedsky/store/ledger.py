"""The evidence ledger's rows: leaves, signed heads, server keys; and the whole-log check.

Leaves are appended with their events (:mod:`sharedsky.store.events`); heads are signed
elsewhere (the service's signer) and stored here. :func:`verify_database` streams the tables
through :func:`sharedsky.ledger.verify_log` with server-side cursors, so a large log is
checked in constant memory besides the tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharedsky.ledger import (
    EventRecord,
    LeafRecord,
    PartySignature,
    PublicKey,
    SignatureRecord,
    TreeHead,
    Verdict,
    verify_log,
)
from sharedsky.model import rfc3339
from sharedsky.store.events import utc
from sharedsky.store.schema import (
    event_audience,
    event_signatures,
    events,
    ledger_keys,
    ledger_leaves,
    tree_heads,
)

__all__ = [
    "LeafRow",
    "head_at",
    "heads",
    "latest_head",
    "leaf_count",
    "leaf_hashes",
    "leaf_of_event",
    "record_server_key",
    "server_keys",
    "store_head",
    "verify_database",
]

LeafRow = tuple[int, int, str]
"""``(leaf_index, event_seq, leaf_hash hex)``."""


def record_server_key(conn: Connection, key: PublicKey, at: datetime) -> bool:
    """Remember a server public key; True when it was new."""
    known = conn.execute(
        sa.select(ledger_keys.c.key_id).where(ledger_keys.c.key_id == key.id)
    ).first()
    if known is not None:
        return False
    conn.execute(sa.insert(ledger_keys).values(key_id=key.id, public_key=key.text, created_at=at))
    return True


def server_keys(conn: Connection) -> list[PublicKey]:
    """The server public keys recorded in the database (oldest first)."""
    rows = conn.execute(sa.select(ledger_keys.c.public_key).order_by(ledger_keys.c.created_at))
    return [PublicKey.from_text(text) for (text,) in rows]


def leaf_count(conn: Connection) -> int:
    index = conn.execute(sa.select(sa.func.max(ledger_leaves.c.leaf_index))).scalar()
    return 0 if index is None else int(index) + 1


def leaf_hashes(conn: Connection, start: int, end: int | None = None) -> list[bytes]:
    """The leaf hashes from index ``start`` (to ``end``, exclusive), in order."""
    query = sa.select(ledger_leaves.c.leaf_hash).where(ledger_leaves.c.leaf_index >= start)
    if end is not None:
        query = query.where(ledger_leaves.c.leaf_index < end)
    rows = conn.execute(query.order_by(ledger_leaves.c.leaf_index))
    return [bytes.fromhex(h) for (h,) in rows]


def leaf_of_event(conn: Connection, seq: int) -> tuple[int, str] | None:
    """The leaf index of event ``seq`` and its entry, or None."""
    row = conn.execute(
        sa.select(ledger_leaves.c.leaf_index, events.c.entry)
        .join(events, events.c.seq == ledger_leaves.c.event_seq)
        .where(ledger_leaves.c.event_seq == seq)
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def _head(row: Any) -> TreeHead:
    size, root, timestamp, previous_size, previous_root, key, signature = row
    return TreeHead(int(size), root, timestamp, int(previous_size), previous_root, key, signature)


_HEAD_COLUMNS = (
    tree_heads.c.size,
    tree_heads.c.root_hash,
    tree_heads.c.timestamp,
    tree_heads.c.previous_size,
    tree_heads.c.previous_root_hash,
    tree_heads.c.key_id,
    tree_heads.c.signature,
)


def store_head(conn: Connection, head: TreeHead) -> None:
    conn.execute(sa.insert(tree_heads).values(**head.as_json()))


def latest_head(conn: Connection) -> TreeHead | None:
    row = conn.execute(sa.select(*_HEAD_COLUMNS).order_by(tree_heads.c.size.desc())).first()
    return None if row is None else _head(row)


def head_at(conn: Connection, size: int) -> TreeHead | None:
    row = conn.execute(sa.select(*_HEAD_COLUMNS).where(tree_heads.c.size == size)).first()
    return None if row is None else _head(row)


def heads(conn: Connection) -> list[TreeHead]:
    return [_head(r) for r in conn.execute(sa.select(*_HEAD_COLUMNS).order_by(tree_heads.c.size))]


def _streamed(conn: Connection, query: sa.Select[Any]) -> Iterator[Any]:
    result = conn.execution_options(stream_results=True, yield_per=10_000).execute(query)
    yield from result


def _event_records(conn: Connection) -> Iterator[EventRecord]:
    rows = _streamed(
        conn,
        sa.select(
            events.c.seq,
            events.c.at,
            events.c.kind,
            events.c.actor,
            events.c.entry,
            event_signatures.c.party_id,
            event_signatures.c.key_id,
            event_signatures.c.nonce,
            event_signatures.c.signed_at,
            event_signatures.c.document_sha256,
            event_signatures.c.signature,
            event_signatures.c.document,
        )
        .outerjoin(event_signatures, event_signatures.c.event_seq == events.c.seq)
        .order_by(events.c.seq),
    )
    audience = _streamed(
        conn,
        sa.select(event_audience.c.seq, event_audience.c.party_id).order_by(
            event_audience.c.seq, event_audience.c.party_id
        ),
    )
    pending = next(audience, None)
    for row in rows:
        seq = int(row[0])
        who: list[str] = []
        while pending is not None and int(pending[0]) <= seq:
            if int(pending[0]) == seq:
                who.append(str(pending[1]))
            pending = next(audience, None)
        signed = None
        if row[5] is not None:
            signed = SignatureRecord(PartySignature(*(str(v) for v in row[5:11])), str(row[11]))
        at = row[1]
        yield EventRecord(
            seq=seq,
            at=rfc3339(utc(at)) if isinstance(at, datetime) else str(at),
            kind=str(row[2]),
            actor=None if row[3] is None else str(row[3]),
            audience=who,
            entry=str(row[4]),
            signed=signed,
        )


def _leaf_records(conn: Connection) -> Iterator[LeafRecord]:
    rows = _streamed(
        conn,
        sa.select(
            ledger_leaves.c.leaf_index, ledger_leaves.c.event_seq, ledger_leaves.c.leaf_hash
        ).order_by(ledger_leaves.c.leaf_index),
    )
    for index, seq, digest in rows:
        yield LeafRecord(int(index), int(seq), str(digest))


def verify_database(
    conn: Connection, *, keys: Iterable[PublicKey] | None = None, kept: Iterable[TreeHead] = ()
) -> Verdict:
    """Check the whole ledger in the database. ``keys``: the trusted server keys (default:
    those the database records, which a verdict then notes)."""
    trusted = list(keys) if keys is not None else server_keys(conn)
    verdict = verify_log(
        _event_records(conn), _leaf_records(conn), heads(conn), keys=trusted, kept=kept
    )
    if keys is None:
        verdict.notes.append("trusted the server keys recorded in the database itself")
    return verdict
