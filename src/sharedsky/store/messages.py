"""Hotline messages between two parties, with delivery and read receipts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharedsky.errors import UnknownEntity
from sharedsky.model import rfc3339
from sharedsky.store.events import utc
from sharedsky.store.schema import messages

__all__ = ["Message", "get_message", "insert_message", "mark", "thread"]


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    sender: str
    recipient: str
    text: str
    reference: dict[str, Any] | None
    created_at: datetime
    delivered_at: datetime | None
    read_at: datetime | None

    def public(self) -> dict[str, Any]:
        def moment(value: datetime | None) -> str | None:
            return None if value is None else rfc3339(value)

        return {
            "id": self.id,
            "sender": self.sender,
            "recipient": self.recipient,
            "text": self.text,
            "reference": self.reference,
            "created_at": moment(self.created_at),
            "delivered_at": moment(self.delivered_at),
            "read_at": moment(self.read_at),
        }


def _message(row: Any) -> Message:
    return Message(
        id=int(row["id"]),
        sender=row["sender"],
        recipient=row["recipient"],
        text=row["text"],
        reference=row["reference"],
        created_at=utc(row["created_at"]),
        delivered_at=None if row["delivered_at"] is None else utc(row["delivered_at"]),
        read_at=None if row["read_at"] is None else utc(row["read_at"]),
    )


def insert_message(
    conn: Connection,
    *,
    sender: str,
    recipient: str,
    text: str,
    reference: dict[str, Any] | None,
    at: datetime,
) -> Message:
    message_id = conn.execute(
        sa.insert(messages)
        .values(sender=sender, recipient=recipient, text=text, reference=reference, created_at=at)
        .returning(messages.c.id)
    ).scalar_one()
    return get_message(conn, int(message_id))


def get_message(conn: Connection, message_id: int) -> Message:
    row = conn.execute(sa.select(messages).where(messages.c.id == message_id)).mappings().first()
    if row is None:
        raise UnknownEntity(f"no message {message_id}")
    return _message(row)


def thread(conn: Connection, party: str, other: str, *, after: int = 0) -> list[Message]:
    """The messages between two parties, oldest first."""
    pair = sa.or_(
        sa.and_(messages.c.sender == party, messages.c.recipient == other),
        sa.and_(messages.c.sender == other, messages.c.recipient == party),
    )
    rows = conn.execute(
        sa.select(messages).where(pair, messages.c.id > after).order_by(messages.c.id).limit(1000)
    ).mappings()
    return [_message(r) for r in rows]


def mark(conn: Connection, message_id: int, *, receipt: str, at: datetime) -> Message:
    """Set the delivery or read time once (``receipt`` is ``"delivered"`` or ``"read"``);
    reading implies delivery."""
    values: dict[str, Any] = {}
    current = get_message(conn, message_id)
    if current.delivered_at is None:
        values["delivered_at"] = at
    if receipt == "read" and current.read_at is None:
        values["read_at"] = at
    if values:
        conn.execute(sa.update(messages).where(messages.c.id == message_id).values(**values))
    return get_message(conn, message_id)
