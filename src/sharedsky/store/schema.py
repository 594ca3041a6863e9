"""The tables (SQLAlchemy Core), one definition for SQLite and PostgreSQL.

Every state change is one row in ``events`` (append-only, monotonic ``seq``), written in the
same transaction as the rows it describes; ``event_audience`` says which parties may see it, so
a party's stream is one indexed query. Times are stored as timezone-aware UTC timestamps;
geometry stays in the JSON bodies (the engines index it in memory and are rebuilt on start).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "admin_tokens",
    "event_audience",
    "event_signatures",
    "events",
    "idempotency",
    "ledger_keys",
    "ledger_leaves",
    "messages",
    "metadata",
    "notices",
    "operation_versions",
    "operations",
    "parties",
    "subscriptions",
    "tokens",
    "tree_heads",
    "webhooks",
]

# Constraint names are fixed so that migrations can refer to them on both backends.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# BIGINT on PostgreSQL; INTEGER (the rowid alias, so autoincrementing) on SQLite.
Serial = BigInteger().with_variant(Integer(), "sqlite")
Moment = DateTime(timezone=True)

parties = Table(
    "parties",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    # Sovereign or home airspace: ISO 3166 country codes and/or GeoJSON polygons.
    Column("airspace", JSON, nullable=False),
    Column("minima", JSON, nullable=False),
    Column("buffers", JSON, nullable=False),
    Column("public_key", Text, nullable=True),
    Column("created_at", Moment, nullable=False),
    Column("version", Integer, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("party_id", ForeignKey("parties.id"), nullable=False, index=True),
    # SHA-256 of the secret part: tokens are 256-bit random, so a plain hash suffices.
    Column("secret_sha256", String(64), nullable=False),
    Column("label", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("revoked_at", Moment, nullable=True),
)

admin_tokens = Table(
    "admin_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("secret_sha256", String(64), nullable=False),
    Column("label", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("revoked_at", Moment, nullable=True),
)

operations = Table(
    "operations",
    metadata,
    Column("party_id", ForeignKey("parties.id"), primary_key=True),
    Column("id", String(128), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("time_start", Moment, nullable=False),
    Column("time_end", Moment, nullable=False),
    # The operation as the engine reads it (native volumes), and the free text of its owner.
    Column("body", JSON, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("updated_at", Moment, nullable=False),
    Index(None, "time_start", "time_end"),
)

operation_versions = Table(
    "operation_versions",
    metadata,
    Column("party_id", String(64), primary_key=True),
    Column("id", String(128), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("body", JSON, nullable=True),
    Column("deleted", Boolean, nullable=False),
    Column("event_seq", BigInteger, nullable=False),
    Column("created_at", Moment, nullable=False),
    ForeignKeyConstraint(["party_id", "id"], ["operations.party_id", "operations.id"]),
)

events = Table(
    "events",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("at", Moment, nullable=False),
    Column("kind", String(48), nullable=False),
    Column("actor", String(64), nullable=True),
    # The ledger entry (sharedsky.ledger.entries): the event's exact text, payload included,
    # whose hash is its leaf. The columns above are kept beside it for queries.
    Column("entry", Text, nullable=False),
    sqlite_autoincrement=True,
)

# The evidence ledger: one leaf per event, in commit order, written in the event's
# transaction; leaf_index counts without the gaps a sequence may leave.
ledger_leaves = Table(
    "ledger_leaves",
    metadata,
    Column("leaf_index", BigInteger, primary_key=True, autoincrement=False),
    Column("event_seq", BigInteger, nullable=False, unique=True),
    Column("leaf_hash", String(64), nullable=False),
)

tree_heads = Table(
    "tree_heads",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", String(64), nullable=False),
    # As signed (RFC 3339 text), so that it round-trips byte for byte.
    Column("timestamp", String(40), nullable=False),
    Column("previous_size", BigInteger, nullable=False),
    Column("previous_root_hash", String(64), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("signature", String(128), nullable=False),
)

# The server's public keys (the private key lives in a file, never here).
ledger_keys = Table(
    "ledger_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("public_key", String(64), nullable=False),
    Column("created_at", Moment, nullable=False),
)

# A party's signature over its request, kept with the event the request caused; the entry
# holds the same block and the document's hash.
event_signatures = Table(
    "event_signatures",
    metadata,
    Column("event_seq", BigInteger, primary_key=True, autoincrement=False),
    Column("party_id", String(64), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("signed_at", String(40), nullable=False),
    Column("document_sha256", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
    Column("document", Text, nullable=False),
    UniqueConstraint("party_id", "nonce"),
)

event_audience = Table(
    "event_audience",
    metadata,
    Column("party_id", String(64), primary_key=True),
    Column("seq", ForeignKey("events.seq"), primary_key=True),
    # The ledger's check reads audiences in event order.
    Index(None, "seq", "party_id"),
)

notices = Table(
    "notices",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("sender", ForeignKey("parties.id"), nullable=False),
    Column("recipient", ForeignKey("parties.id"), nullable=False, index=True),
    Column("operation_id", String(128), nullable=False),
    Column("operation_version", Integer, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("operation_start", Moment, nullable=False),
    Column("lead_time_s", Float, nullable=False),
    Column("short_notice", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("acknowledged_at", Moment, nullable=True),
    Column("answered_at", Moment, nullable=True),
    Column("answer_reason", Text, nullable=True),
    Column("escalated_at", Moment, nullable=True),
    # Who was told about an operation (amendments and deletions go to them too).
    Index(None, "sender", "operation_id"),
    sqlite_autoincrement=True,
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("party_id", ForeignKey("parties.id"), nullable=False, index=True),
    Column("volume", JSON, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("deleted", Boolean, nullable=False),
    sqlite_autoincrement=True,
)

messages = Table(
    "messages",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("sender", ForeignKey("parties.id"), nullable=False),
    Column("recipient", ForeignKey("parties.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("reference", JSON, nullable=True),
    Column("created_at", Moment, nullable=False),
    Column("delivered_at", Moment, nullable=True),
    Column("read_at", Moment, nullable=True),
    Index(None, "sender", "recipient"),
    sqlite_autoincrement=True,
)

idempotency = Table(
    "idempotency",
    metadata,
    Column("party_id", String(64), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("request_sha256", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", Moment, nullable=False),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("party_id", ForeignKey("parties.id"), nullable=False, index=True),
    Column("url", Text, nullable=False),
    # Deliveries carry an HMAC-SHA256 of the body under this key, so the receiver can check
    # they come from this server; it is shown once, when the webhook is registered.
    Column("secret", String(64), nullable=False),
    Column("delivered_seq", BigInteger, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("next_attempt_at", Moment, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", Moment, nullable=False),
    Column("deleted", Boolean, nullable=False),
    sqlite_autoincrement=True,
)
