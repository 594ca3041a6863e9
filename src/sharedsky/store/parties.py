"""Parties and their API tokens (and the administrator's).

A token reads ``ssk_<id>_<secret>``: the id finds the row, the secret (256 random bits) is
stored only as its SHA-256 and compared in constant time. A token is shown once, when issued.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharedsky.errors import AlreadyExists, UnknownEntity
from sharedsky.store.schema import admin_tokens, parties, tokens

__all__ = [
    "ADMIN",
    "Party",
    "authenticate",
    "create_party",
    "get_party",
    "issue_token",
    "list_parties",
    "list_tokens",
    "revoke_token",
]

ADMIN = "admin"
"""The principal of an administrator token (never a party id: party ids are validated)."""

_TOKEN = re.compile(r"^ssk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True, slots=True)
class Party:
    id: str
    name: str
    airspace: list[Any]
    minima: dict[str, float]
    buffers: dict[str, float]
    version: int


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_party(
    conn: Connection,
    *,
    party_id: str,
    name: str,
    airspace: list[Any],
    minima: dict[str, float],
    buffers: dict[str, float],
    at: datetime,
) -> Party:
    """Insert a new party (``AlreadyExists`` if the id is taken)."""
    exists = conn.execute(sa.select(parties.c.id).where(parties.c.id == party_id)).first()
    if exists is not None:
        raise AlreadyExists(f"party {party_id!r} already exists")
    conn.execute(
        sa.insert(parties).values(
            id=party_id,
            name=name,
            airspace=airspace,
            minima=minima,
            buffers=buffers,
            created_at=at,
            version=1,
        )
    )
    return Party(party_id, name, airspace, minima, buffers, 1)


def _party(row: Any) -> Party:
    return Party(
        id=row["id"],
        name=row["name"],
        airspace=row["airspace"],
        minima=row["minima"],
        buffers=row["buffers"],
        version=row["version"],
    )


def get_party(conn: Connection, party_id: str) -> Party:
    row = conn.execute(sa.select(parties).where(parties.c.id == party_id)).mappings().first()
    if row is None:
        raise UnknownEntity(f"no party {party_id!r}")
    return _party(row)


def list_parties(conn: Connection) -> list[Party]:
    return [_party(r) for r in conn.execute(sa.select(parties).order_by(parties.c.id)).mappings()]


def issue_token(
    conn: Connection, *, party_id: str | None, label: str, at: datetime
) -> tuple[str, str]:
    """A new token for a party (or, with ``party_id=None``, for the administrator).

    Returns ``(token_id, token)``; the token itself is not stored and cannot be shown again.
    """
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    if party_id is None:
        table = admin_tokens
        values: dict[str, Any] = {}
    else:
        get_party(conn, party_id)
        table = tokens
        values = {"party_id": party_id}
    conn.execute(
        sa.insert(table).values(
            id=token_id, secret_sha256=_digest(secret), label=label, created_at=at, **values
        )
    )
    return token_id, f"ssk_{token_id}_{secret}"


def revoke_token(conn: Connection, token_id: str, *, at: datetime) -> str:
    """Revoke a party or admin token by id; returns its principal (party id or ``ADMIN``)."""
    for table in (tokens, admin_tokens):
        row = conn.execute(sa.select(table).where(table.c.id == token_id)).mappings().first()
        if row is not None:
            if row["revoked_at"] is None:
                conn.execute(sa.update(table).where(table.c.id == token_id).values(revoked_at=at))
            return str(row["party_id"]) if table is tokens else ADMIN
    raise UnknownEntity(f"no token {token_id!r}")


def list_tokens(conn: Connection, party_id: str | None) -> list[dict[str, Any]]:
    """Ids, labels and dates of a party's tokens (never secrets)."""
    table = admin_tokens if party_id is None else tokens
    query = sa.select(table.c.id, table.c.label, table.c.created_at, table.c.revoked_at)
    if party_id is not None:
        query = query.where(tokens.c.party_id == party_id)
    return [dict(r) for r in conn.execute(query.order_by(table.c.created_at)).mappings()]


def authenticate(conn: Connection, token: str) -> str | None:
    """The principal (party id, or ``ADMIN``) of a valid, unrevoked token; else ``None``."""
    match = _TOKEN.match(token)
    if match is None:
        return None
    token_id, secret = match.groups()
    digest = _digest(secret)
    for table in (tokens, admin_tokens):
        row = conn.execute(sa.select(table).where(table.c.id == token_id)).mappings().first()
        if row is None:
            continue
        if row["revoked_at"] is not None or not hmac.compare_digest(row["secret_sha256"], digest):
            return None
        return str(row["party_id"]) if table is tokens else ADMIN
    return None
