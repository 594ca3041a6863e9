"""Webhooks: a party's events pushed to its own URL, in order, with retries.

A webhook starts at the newest event when it is registered and delivers what its party may see
(the same audience as the event stream) in batches, ``POST {"events": [...]}``, each signed
``X-Sharedsky-Signature: sha256=<HMAC-SHA256 of the body>`` with the webhook's key (shown once,
at registration; it is kept to sign, so unlike tokens it cannot be stored as a hash). A batch
is delivered until the receiver answers 2xx; after a failure the next attempt waits 2, 4, 8 …
seconds, at most 5 minutes, and the cursor does not move, so nothing is skipped and a batch may
arrive twice (receivers deduplicate on ``seq``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa

from sharedsky.errors import InvalidInput, UnknownEntity
from sharedsky.model import rfc3339
from sharedsky.service.coordinator import Coordinator, Reply
from sharedsky.store.events import append_event, last_seq, read_events, utc
from sharedsky.store.schema import webhooks

__all__ = ["MAX_BACKOFF_S", "WebhookDispatcher", "signature"]

MAX_BACKOFF_S = 300.0
BATCH = 100


def signature(secret: str, body: bytes) -> str:
    """The value of ``X-Sharedsky-Signature`` for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookDispatcher:
    """Registers webhooks and delivers their events (call :meth:`deliver` periodically)."""

    def __init__(self, coordinator: Coordinator, *, timeout_s: float = 5.0) -> None:
        self.coordinator = coordinator
        self.client = httpx.Client(timeout=timeout_s, follow_redirects=False)

    def register(self, party: str, data: Any) -> Reply:
        if not isinstance(data, dict) or set(data) != {"url"} or not isinstance(data["url"], str):
            raise InvalidInput.one("$", 'a webhook is {"url": "https://..."}')
        url = data["url"]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
            raise InvalidInput.one("$.url", "an http or https URL with a host")
        now = self.coordinator.clock()
        secret = secrets.token_hex(32)
        with self.coordinator.db.transaction() as conn:
            hook_id = conn.execute(
                sa.insert(webhooks)
                .values(
                    party_id=party,
                    url=url,
                    secret=secret,
                    delivered_seq=last_seq(conn),
                    failures=0,
                    next_attempt_at=None,
                    created_at=now,
                    deleted=False,
                )
                .returning(webhooks.c.id)
            ).scalar_one()
            append_event(
                conn,
                kind="webhook.registered",
                actor=party,
                audience=[party],
                payload={"webhook": {"id": int(hook_id), "url": url}},
                at=now,
            )
        return Reply(201, {"id": int(hook_id), "url": url, "secret": secret})

    def list(self, party: str) -> list[dict[str, Any]]:
        with self.coordinator.db.read() as conn:
            rows = conn.execute(
                sa.select(webhooks)
                .where(webhooks.c.party_id == party, webhooks.c.deleted == sa.false())
                .order_by(webhooks.c.id)
            ).mappings()
            return [
                {
                    "id": int(r["id"]),
                    "url": r["url"],
                    "delivered_seq": int(r["delivered_seq"]),
                    "failures": int(r["failures"]),
                    "next_attempt_at": None
                    if r["next_attempt_at"] is None
                    else rfc3339(utc(r["next_attempt_at"])),
                    "last_error": r["last_error"],
                }
                for r in rows
            ]

    def delete(self, party: str, hook_id: int) -> Reply:
        now = self.coordinator.clock()
        with self.coordinator.db.transaction() as conn:
            done = conn.execute(
                sa.update(webhooks)
                .where(
                    webhooks.c.id == hook_id,
                    webhooks.c.party_id == party,
                    webhooks.c.deleted == sa.false(),
                )
                .values(deleted=True)
            )
            if done.rowcount != 1:
                raise UnknownEntity(f"no webhook {hook_id}")
            append_event(
                conn,
                kind="webhook.deleted",
                actor=party,
                audience=[party],
                payload={"webhook": {"id": hook_id}},
                at=now,
            )
        return Reply(200, {"id": hook_id})

    def deliver(self) -> int:
        """One round: each due webhook gets its next batch; returns the events delivered."""
        now = self.coordinator.clock()
        with self.coordinator.db.read() as conn:
            due = list(
                conn.execute(
                    sa.select(webhooks).where(
                        webhooks.c.deleted == sa.false(),
                        sa.or_(
                            webhooks.c.next_attempt_at.is_(None),
                            webhooks.c.next_attempt_at <= now,
                        ),
                    )
                ).mappings()
            )
        delivered = 0
        for hook in due:
            with self.coordinator.db.read() as conn:
                batch = read_events(
                    conn, hook["party_id"], after=int(hook["delivered_seq"]), limit=BATCH
                )
            if not batch:
                continue
            body = json.dumps(
                {
                    "webhook": int(hook["id"]),
                    "events": [
                        {
                            "seq": e.seq,
                            "at": rfc3339(e.at),
                            "kind": e.kind,
                            "actor": e.actor,
                            "payload": e.payload,
                        }
                        for e in batch
                    ],
                },
                separators=(",", ":"),
            ).encode()
            error = self._post(hook["url"], body, hook["secret"])
            values: dict[str, Any]
            if error is None:
                values = {
                    "delivered_seq": batch[-1].seq,
                    "failures": 0,
                    "next_attempt_at": None,
                    "last_error": None,
                }
                delivered += len(batch)
            else:
                failures = int(hook["failures"]) + 1
                wait = min(2.0**failures, MAX_BACKOFF_S)
                values = {
                    "failures": failures,
                    "next_attempt_at": now + timedelta(seconds=wait),
                    "last_error": error[:500],
                }
            with self.coordinator.db.transaction() as conn:
                conn.execute(
                    sa.update(webhooks).where(webhooks.c.id == hook["id"]).values(**values)
                )
        return delivered

    def _post(self, url: str, body: bytes, secret: str) -> str | None:
        """``None`` on a 2xx answer, else what went wrong."""
        try:
            reply = self.client.post(
                url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Sharedsky-Signature": signature(secret, body),
                },
            )
        except httpx.HTTPError as error:
            return f"{type(error).__name__}: {error}"
        if 200 <= reply.status_code < 300:
            return None
        return f"HTTP {reply.status_code}"

    def close(self) -> None:
        self.client.close()
