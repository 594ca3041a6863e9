"""evidence ledger: event entries, leaves, signed heads, server keys, party signatures

Events written before the ledger get their entry and leaf here, in sequence order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from sharedsky.ledger import Entry, parse_entry
from sharedsky.model import rfc3339
from sharedsky.store.events import utc

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_leaves",
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_ledger_leaves")),
        sa.UniqueConstraint("event_seq", name=op.f("uq_ledger_leaves_event_seq")),
    )
    op.create_table(
        "tree_heads",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("timestamp", sa.String(length=40), nullable=False),
        sa.Column("previous_size", sa.BigInteger(), nullable=False),
        sa.Column("previous_root_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_tree_heads")),
    )
    op.create_table(
        "ledger_keys",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_ledger_keys")),
    )
    op.create_table(
        "event_signatures",
        sa.Column("event_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.String(length=40), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("event_seq", name=op.f("pk_event_signatures")),
        sa.UniqueConstraint("party_id", "nonce", name=op.f("uq_event_signatures_party_id_nonce")),
    )
    op.create_index(op.f("ix_event_audience_seq_party_id"), "event_audience", ["seq", "party_id"])
    # NOT NULL with a default so that SQLite can add it in place; every row is filled below.
    op.add_column("events", sa.Column("entry", sa.Text(), nullable=False, server_default=""))
    _backfill(op.get_bind())
    # Both SQLite (3.35 and later) and PostgreSQL drop a plain column in place.
    op.execute("ALTER TABLE events DROP COLUMN payload")


def _backfill(conn: sa.Connection) -> None:
    events = sa.table(
        "events",
        sa.column("seq"),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("kind"),
        sa.column("actor"),
        sa.column("payload", sa.Text),
        sa.column("entry"),
    )
    audience = sa.table("event_audience", sa.column("seq"), sa.column("party_id"))
    leaves = sa.table(
        "ledger_leaves", sa.column("leaf_index"), sa.column("event_seq"), sa.column("leaf_hash")
    )
    who: dict[int, list[str]] = {}
    for seq, party in conn.execute(sa.select(audience.c.seq, audience.c.party_id)):
        who.setdefault(int(seq), []).append(party)
    rows = conn.execute(
        sa.select(
            events.c.seq, events.c.at, events.c.kind, events.c.actor, events.c.payload
        ).order_by(events.c.seq)
    ).all()
    for index, (seq, at, kind, actor, payload) in enumerate(rows):
        data: Any = json.loads(payload) if isinstance(payload, str) else payload
        entry = Entry(
            int(seq), rfc3339(utc(at)), kind, actor, tuple(sorted(who.get(seq, []))), data
        )
        conn.execute(sa.update(events).where(events.c.seq == seq).values(entry=entry.text))
        conn.execute(
            sa.insert(leaves).values(
                leaf_index=index, event_seq=int(seq), leaf_hash=entry.leaf_hash.hex()
            )
        )


def downgrade() -> None:
    op.add_column("events", sa.Column("payload", sa.JSON(), nullable=True))
    conn = op.get_bind()
    events = sa.table("events", sa.column("seq"), sa.column("entry"), sa.column("payload"))
    for seq, text in conn.execute(sa.select(events.c.seq, events.c.entry)).all():
        payload = json.dumps(parse_entry(text).payload)
        conn.execute(sa.update(events).where(events.c.seq == seq).values(payload=payload))
    op.execute("ALTER TABLE events DROP COLUMN entry")
    op.drop_index(op.f("ix_event_audience_seq_party_id"), table_name="event_audience")
    op.drop_table("event_signatures")
    op.drop_table("ledger_keys")
    op.drop_table("tree_heads")
    op.drop_table("ledger_leaves")
