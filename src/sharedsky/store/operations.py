"""Operations as stored: the current version per (party, id) and every version before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharedsky.store.events import utc
from sharedsky.store.schema import operation_versions, operations

__all__ = ["StoredOperation", "get_operation", "live_operations", "write_version"]


@dataclass(frozen=True, slots=True)
class StoredOperation:
    party: str
    id: str
    version: int
    deleted: bool
    body: dict[str, Any]
    updated_at: datetime


def _stored(row: Any) -> StoredOperation:
    return StoredOperation(
        party=row["party_id"],
        id=row["id"],
        version=int(row["version"]),
        deleted=bool(row["deleted"]),
        body=row["body"],
        updated_at=utc(row["updated_at"]),
    )


def get_operation(conn: Connection, party: str, op_id: str) -> StoredOperation | None:
    """The newest version of one operation, deleted or not; ``None`` if it never existed."""
    row = (
        conn.execute(
            sa.select(operations).where(operations.c.party_id == party, operations.c.id == op_id)
        )
        .mappings()
        .first()
    )
    return None if row is None else _stored(row)


def live_operations(conn: Connection) -> list[StoredOperation]:
    """Every operation not deleted (what the engine is rebuilt from on start)."""
    rows = conn.execute(
        sa.select(operations)
        .where(operations.c.deleted == sa.false())
        .order_by(operations.c.party_id, operations.c.id)
    ).mappings()
    return [_stored(r) for r in rows]


def write_version(
    conn: Connection,
    *,
    party: str,
    op_id: str,
    version: int,
    body: dict[str, Any],
    deleted: bool,
    state: str,
    priority: int,
    time_start: datetime,
    time_end: datetime,
    at: datetime,
    event_seq: int,
) -> None:
    """Record a version (the first creates the row; a deletion keeps the row, marked)."""
    values = {
        "version": version,
        "state": state,
        "priority": priority,
        "time_start": time_start,
        "time_end": time_end,
        "body": body,
        "deleted": deleted,
        "updated_at": at,
    }
    if version == 1:
        conn.execute(sa.insert(operations).values(party_id=party, id=op_id, **values))
    else:
        done = conn.execute(
            sa.update(operations)
            .where(
                operations.c.party_id == party,
                operations.c.id == op_id,
                operations.c.version == version - 1,
            )
            .values(**values)
        )
        if done.rowcount != 1:
            raise RuntimeError(f"operation {party}/{op_id} moved under a write lock")
    conn.execute(
        sa.insert(operation_versions).values(
            party_id=party,
            id=op_id,
            version=version,
            body=None if deleted else body,
            deleted=deleted,
            event_seq=event_seq,
            created_at=at,
        )
    )
