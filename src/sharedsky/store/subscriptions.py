"""Areas of interest: a party is told of operations entering them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharedsky.errors import UnknownEntity
from sharedsky.store.schema import subscriptions

__all__ = ["Subscription", "delete_subscription", "insert_subscription", "live_subscriptions"]


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    party: str
    volume: dict[str, Any]


def insert_subscription(
    conn: Connection, *, party: str, volume: dict[str, Any], at: datetime
) -> Subscription:
    sub_id = conn.execute(
        sa.insert(subscriptions)
        .values(party_id=party, volume=volume, created_at=at, deleted=False)
        .returning(subscriptions.c.id)
    ).scalar_one()
    return Subscription(int(sub_id), party, volume)


def live_subscriptions(conn: Connection, party: str | None = None) -> list[Subscription]:
    query = sa.select(subscriptions).where(subscriptions.c.deleted == sa.false())
    if party is not None:
        query = query.where(subscriptions.c.party_id == party)
    rows = conn.execute(query.order_by(subscriptions.c.id)).mappings()
    return [Subscription(int(r["id"]), r["party_id"], r["volume"]) for r in rows]


def delete_subscription(conn: Connection, party: str, sub_id: int) -> Subscription:
    """Delete one of ``party``'s subscriptions (another party's id is unknown to it)."""
    row = (
        conn.execute(
            sa.select(subscriptions).where(
                subscriptions.c.id == sub_id,
                subscriptions.c.party_id == party,
                subscriptions.c.deleted == sa.false(),
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise UnknownEntity(f"no subscription {sub_id}")
    conn.execute(sa.update(subscriptions).where(subscriptions.c.id == sub_id).values(deleted=True))
    return Subscription(int(row["id"]), party, row["volume"])
