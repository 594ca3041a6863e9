"""Idempotency keys: a retried write with the same key gets the first answer, not a second
write; the same key with a different body is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharedsky.store.schema import idempotency

__all__ = ["Remembered", "recall", "remember"]


@dataclass(frozen=True, slots=True)
class Remembered:
    request_sha256: str
    status: int
    response: Any


def recall(conn: Connection, party: str, key: str) -> Remembered | None:
    row = (
        conn.execute(
            sa.select(idempotency).where(idempotency.c.party_id == party, idempotency.c.key == key)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    return Remembered(row["request_sha256"], int(row["status"]), row["response"])


def remember(
    conn: Connection,
    *,
    party: str,
    key: str,
    request_sha256: str,
    status: int,
    response: Any,
    at: datetime,
) -> None:
    conn.execute(
        sa.insert(idempotency).values(
            party_id=party,
            key=key,
            request_sha256=request_sha256,
            status=status,
            response=response,
            created_at=at,
        )
    )
