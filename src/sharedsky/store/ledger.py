"""The evidence ledger's rows: leaves, signed heads, server keys; and the whole-log check.

Leaves are appended with their events (:mod:`sharedsky.store.events`); heads are signed
elsewhere (the service's signer) and stored here. :func:`verify_database` streams the tables
through :func:`sharedsky.ledger.verify_log` with server-side cursors, so a large log is
checked in constant memory besides the tree.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharedsky.ledger import Chunk, PublicKey, TreeHead, Verdict, check_rows, verify_log
from sharedsky.store.schema import (
    events,
    ledger_keys,
    ledger_leaves,
    tree_heads,
)

__all__ = [
    "head_at",
    "heads",
    "latest_head",
    "leaf_count",
    "leaf_hashes",
    "record_server_key",
    "server_keys",
    "store_head",
    "verify_database",
]

_PARALLEL_FROM = 200_000
"""Below this many leaves, starting worker processes costs more than it saves."""


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


_AT_AND_AUDIENCE = {
    # The event time as RFC 3339 text and the audience as a JSON array, exactly as entries
    # write them, computed by the database so that Python touches each row once.
    "sqlite": (
        "CASE WHEN substr(e.at, 20) = '.000000'"
        " THEN replace(substr(e.at, 1, 19), ' ', 'T') ELSE replace(e.at, ' ', 'T') END || 'Z'",
        "coalesce('[' || (SELECT group_concat(json_quote(a.party_id), ',') FROM"
        " (SELECT party_id FROM event_audience WHERE seq = e.seq ORDER BY party_id) a) || ']',"
        " '[]')",
    ),
    "postgresql": (
        "regexp_replace(to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'),"
        " '\\.000000$', '') || 'Z'",
        "coalesce('[' || (SELECT string_agg(to_json(a.party_id)::text, ',' ORDER BY a.party_id)"
        " FROM event_audience a WHERE a.seq = e.seq) || ']', '[]')",
    ),
}


def _rows_sql(dialect: str, ranged: bool) -> str:
    """The rows of :data:`sharedsky.ledger.ROW_FIELDS`, in leaf order."""
    at, audience = _AT_AND_AUDIENCE[dialect]
    mark = "?" if dialect == "sqlite" else "%s"
    where = f" WHERE l.leaf_index >= {mark} AND l.leaf_index < {mark}" if ranged else ""
    return (
        "SELECT l.leaf_index, l.event_seq, l.leaf_hash, e.seq,"
        f" {at}, e.kind, e.actor, {audience}, e.entry,"
        " s.party_id, s.key_id, s.nonce, s.signed_at, s.document_sha256, s.signature,"
        " s.document"
        " FROM ledger_leaves l LEFT OUTER JOIN events e ON e.seq = l.event_seq"
        " LEFT OUTER JOIN event_signatures s ON s.event_seq = e.seq"
        f"{where} ORDER BY l.leaf_index"
    )


def _fetched(cursor: Any) -> Iterator[tuple[Any, ...]]:
    while batch := cursor.fetchmany(10_000):
        yield from batch


def _check_sqlite_range(path: str, start: int, end: int) -> Chunk:
    """One worker's share: leaves ``[start, end)`` of an SQLite file, read-only."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        cursor = connection.execute(_rows_sql("sqlite", True), (start, end))
        return check_rows(_fetched(cursor), start)
    finally:
        connection.close()


def _chunks(conn: Connection, count: int, workers: int) -> Iterator[Chunk]:
    """The log checked in ranges: by ``workers`` processes for a large SQLite file, else on
    this connection, streamed (a server-side cursor on PostgreSQL)."""
    path = conn.engine.url.database
    if conn.dialect.name == "sqlite" and path and workers > 1 and count >= _PARALLEL_FROM:
        step = -(-count // (4 * workers))
        ranges = [(start, min(start + step, count)) for start in range(0, count, step)]
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(_check_sqlite_range, path, a, b) for a, b in ranges]
            for future in futures:
                yield future.result()
        return
    conn.exec_driver_sql("SELECT 1")  # the transaction (and snapshot) the cursor reads in
    driver: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        cursor = driver.cursor(name="sharedsky_verify")
        cursor.itersize = 10_000
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(_rows_sql(conn.dialect.name, True), (0, count))
        yield check_rows(_fetched(cursor), 0)
    finally:
        cursor.close()


def _orphans(conn: Connection) -> list[tuple[int, int]]:
    """Events no leaf names (at most 50), each with the number of leaves before it."""
    found = conn.execute(
        sa.select(events.c.seq)
        .where(~sa.exists().where(ledger_leaves.c.event_seq == events.c.seq))
        .order_by(events.c.seq)
        .limit(50)
    ).scalars()
    return [
        (
            int(seq),
            int(
                conn.execute(
                    sa.select(sa.func.count()).where(ledger_leaves.c.event_seq < seq)
                ).scalar_one()
            ),
        )
        for seq in list(found)
    ]


def verify_database(
    conn: Connection,
    *,
    keys: Iterable[PublicKey] | None = None,
    kept: Iterable[TreeHead] = (),
    workers: int | None = None,
) -> Verdict:
    """Check the whole ledger in the database. ``keys``: the trusted server keys (default:
    those the database records, which a verdict then notes); ``workers``: processes for a
    large SQLite file (default: one per core)."""
    trusted = list(keys) if keys is not None else server_keys(conn)
    count = leaf_count(conn)
    verdict = verify_log(
        _chunks(conn, count, workers or os.cpu_count() or 1),
        heads(conn),
        keys=trusted,
        orphans=_orphans(conn),
        kept=kept,
    )
    if keys is None:
        verdict.notes.append("trusted the server keys recorded in the database itself")
    return verdict
