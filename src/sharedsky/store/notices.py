"""Notices: one party told of another's operation, with the lead time on record, and its
answer (acknowledged, then accepted or objected)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharedsky.errors import UnknownEntity
from sharedsky.model import rfc3339
from sharedsky.store.events import utc
from sharedsky.store.schema import notices

__all__ = [
    "Notice",
    "NoticeStatus",
    "due_for_escalation",
    "escalate",
    "get_notice",
    "insert_notice",
    "list_notices",
    "set_status",
    "told_about",
]


class NoticeStatus(enum.StrEnum):
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    ACCEPTED = "accepted"
    OBJECTED = "objected"


@dataclass(frozen=True, slots=True)
class Notice:
    id: int
    sender: str
    recipient: str
    operation_id: str
    operation_version: int
    reasons: list[str]
    created_at: datetime
    operation_start: datetime
    lead_time_s: float
    short_notice: bool
    status: NoticeStatus
    acknowledged_at: datetime | None
    answered_at: datetime | None
    answer_reason: str | None
    escalated_at: datetime | None

    def public(self) -> dict[str, Any]:
        """The notice as both parties see it (JSON-ready)."""

        def moment(value: datetime | None) -> str | None:
            return None if value is None else rfc3339(value)

        return {
            "id": self.id,
            "sender": self.sender,
            "recipient": self.recipient,
            "operation": {"party": self.sender, "id": self.operation_id},
            "operation_version": self.operation_version,
            "reasons": self.reasons,
            "created_at": moment(self.created_at),
            "operation_start": moment(self.operation_start),
            "lead_time_s": self.lead_time_s,
            "short_notice": self.short_notice,
            "status": self.status.value,
            "acknowledged_at": moment(self.acknowledged_at),
            "answered_at": moment(self.answered_at),
            "answer_reason": self.answer_reason,
            "escalated_at": moment(self.escalated_at),
        }


def _notice(row: Any) -> Notice:
    def moment(value: datetime | None) -> datetime | None:
        return None if value is None else utc(value)

    return Notice(
        id=int(row["id"]),
        sender=row["sender"],
        recipient=row["recipient"],
        operation_id=row["operation_id"],
        operation_version=int(row["operation_version"]),
        reasons=list(row["reasons"]),
        created_at=utc(row["created_at"]),
        operation_start=utc(row["operation_start"]),
        lead_time_s=float(row["lead_time_s"]),
        short_notice=bool(row["short_notice"]),
        status=NoticeStatus(row["status"]),
        acknowledged_at=moment(row["acknowledged_at"]),
        answered_at=moment(row["answered_at"]),
        answer_reason=row["answer_reason"],
        escalated_at=moment(row["escalated_at"]),
    )


def insert_notice(
    conn: Connection,
    *,
    sender: str,
    recipient: str,
    operation_id: str,
    operation_version: int,
    reasons: list[str],
    at: datetime,
    operation_start: datetime,
    short_notice_s: float,
) -> Notice:
    lead = (operation_start - at).total_seconds()
    notice_id = conn.execute(
        sa.insert(notices)
        .values(
            sender=sender,
            recipient=recipient,
            operation_id=operation_id,
            operation_version=operation_version,
            reasons=reasons,
            created_at=at,
            operation_start=operation_start,
            lead_time_s=lead,
            short_notice=lead < short_notice_s,
            status=NoticeStatus.SENT.value,
        )
        .returning(notices.c.id)
    ).scalar_one()
    return get_notice(conn, int(notice_id))


def get_notice(conn: Connection, notice_id: int) -> Notice:
    row = conn.execute(sa.select(notices).where(notices.c.id == notice_id)).mappings().first()
    if row is None:
        raise UnknownEntity(f"no notice {notice_id}")
    return _notice(row)


def list_notices(conn: Connection, party: str, *, direction: str = "received") -> list[Notice]:
    """Notices a party received (or sent), newest first."""
    column = notices.c.recipient if direction == "received" else notices.c.sender
    rows = conn.execute(
        sa.select(notices).where(column == party).order_by(notices.c.id.desc()).limit(1000)
    ).mappings()
    return [_notice(r) for r in rows]


def set_status(
    conn: Connection,
    notice_id: int,
    *,
    status: NoticeStatus,
    at: datetime,
    reason: str | None = None,
) -> Notice:
    values: dict[str, Any] = {"status": status.value}
    if status is NoticeStatus.ACKNOWLEDGED:
        values["acknowledged_at"] = at
    else:
        values["answered_at"] = at
        values["answer_reason"] = reason
    conn.execute(sa.update(notices).where(notices.c.id == notice_id).values(**values))
    return get_notice(conn, notice_id)


def due_for_escalation(conn: Connection, *, before: datetime) -> list[int]:
    """Ids of the notices still unacknowledged, and not yet escalated, since ``before``."""
    query = (
        sa.select(notices.c.id)
        .where(
            notices.c.status == NoticeStatus.SENT.value,
            notices.c.escalated_at.is_(None),
            notices.c.created_at <= before,
        )
        .order_by(notices.c.id)
        .limit(1000)
    )
    return [int(r[0]) for r in conn.execute(query)]


def escalate(conn: Connection, *, before: datetime, at: datetime) -> list[Notice]:
    """Mark as escalated the notices still unacknowledged since ``before``; return them."""
    ids = due_for_escalation(conn, before=before)
    if ids:
        conn.execute(sa.update(notices).where(notices.c.id.in_(ids)).values(escalated_at=at))
    return [get_notice(conn, i) for i in ids]


def told_about(conn: Connection, sender: str, operation_id: str) -> set[str]:
    """The parties ever sent a notice about one of ``sender``'s operations."""
    rows = conn.execute(
        sa.select(notices.c.recipient)
        .where(notices.c.sender == sender, notices.c.operation_id == operation_id)
        .distinct()
    )
    return {str(r[0]) for r in rows}
