"""The service's side of the evidence ledger: signing tree heads, serving proofs and bundles.

The leaves are written by the store with each event. :class:`LedgerService` keeps the Merkle
tree of the committed leaves in memory (caught up from the database before each head and
proof), signs a head whenever the log has grown (the service calls :meth:`sign` every second
and on demand), and answers inclusion and consistency proofs and evidence bundles from it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharedsky.errors import InvalidInput, UnknownEntity
from sharedsky.ledger import (
    KEY_REGISTERED,
    BundleEntry,
    MerkleTree,
    SigningKey,
    TreeHead,
    make_bundle,
)
from sharedsky.model import rfc3339
from sharedsky.service.coordinator import Coordinator
from sharedsky.store.events import append_event, payload_of
from sharedsky.store.ledger import (
    head_at,
    latest_head,
    leaf_hashes,
    record_server_key,
    store_head,
)
from sharedsky.store.schema import event_audience, event_signatures, events, ledger_leaves

__all__ = ["LedgerService", "load_signing_key"]


def load_signing_key(path: Path) -> SigningKey:
    """The server's key from ``path`` (PEM), created there (mode 0600) when absent."""
    if path.exists():
        try:
            return SigningKey.from_pem(path.read_bytes())
        except ValueError as error:
            raise InvalidInput.one("--ledger-key", f"{path}: {error}") from None
    key = SigningKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.to_pem())
    return key


def _mentions(payload: dict[str, Any], party: str, op_id: str) -> bool:
    """Whether an event's payload is about operation ``party/op_id``."""
    candidates = [
        payload.get("operation"),
        (payload.get("notice") or {}).get("operation"),
        (payload.get("message") or {}).get("reference"),
    ]
    return any(
        isinstance(c, dict) and c.get("party") == party and c.get("id") == op_id for c in candidates
    )


def _head(conn: Connection, size: int | None) -> TreeHead:
    """The newest signed head, or the one at ``size``."""
    head = latest_head(conn) if size is None else head_at(conn, size)
    if head is None:
        raise UnknownEntity(
            "no tree head has been signed yet" if size is None else f"no head at size {size}"
        )
    return head


class LedgerService:
    """Heads, proofs and bundles over one coordinator's database."""

    def __init__(self, coordinator: Coordinator, key: SigningKey) -> None:
        self.coordinator = coordinator
        self.key = key
        self._tree = MerkleTree()
        self._lock = threading.Lock()
        with coordinator.db.transaction() as conn:
            if record_server_key(conn, key.public, coordinator.clock()):
                append_event(
                    conn,
                    kind="ledger.server_key",
                    actor=None,
                    audience=[],
                    payload={"key": {"key_id": key.public.id, "public_key": key.public.text}},
                    at=coordinator.clock(),
                )
        self._catch_up()

    def _catch_up(self) -> int:
        """Bring the tree up to the committed leaves; return its size."""
        with self._lock:
            with self.coordinator.db.read() as conn:
                self._tree.extend(leaf_hashes(conn, self._tree.size))
            return self._tree.size

    def sign(self) -> TreeHead | None:
        """Sign a head over every committed leaf if the log grew since the last one; return
        the newest head (None while the log is empty)."""
        size = self._catch_up()
        with self.coordinator.db.transaction() as conn:
            previous = latest_head(conn)
            if size == 0 or (previous is not None and previous.size >= size):
                return previous
            head = self.key.sign_head(
                size, self._tree.root(size), rfc3339(self.coordinator.clock()), previous
            )
            store_head(conn, head)
        return head

    def head(self, size: int | None = None) -> TreeHead:
        with self.coordinator.db.read() as conn:
            return _head(conn, size)

    def _tree_at(self, size: int) -> MerkleTree:
        if size > self._tree.size:
            self._catch_up()
        return self._tree

    def inclusion(self, party: str, seq: int, size: int | None) -> dict[str, Any]:
        """The proof that event ``seq`` (which ``party`` may see) is under the head at
        ``size`` (default: the newest head)."""
        with self.coordinator.db.read() as conn:
            head = _head(conn, size)
            found = conn.execute(
                sa.select(ledger_leaves.c.leaf_index, events.c.entry)
                .join(events, events.c.seq == ledger_leaves.c.event_seq)
                .join(
                    event_audience,
                    sa.and_(
                        event_audience.c.seq == events.c.seq, event_audience.c.party_id == party
                    ),
                )
                .where(ledger_leaves.c.event_seq == seq)
            ).first()
        if found is None:
            raise UnknownEntity(f"no event {seq} shown to {party}")
        index, entry = int(found[0]), str(found[1])
        if index >= head.size:
            raise InvalidInput.one(
                "size", f"event {seq} (leaf {index}) is not under the head at size {head.size}"
            )
        tree = self._tree_at(head.size)
        with self._lock:
            proof = tree.inclusion_proof(index, head.size)
        return {
            "event": seq,
            "leaf_index": index,
            "entry": entry,
            "tree_size": head.size,
            "inclusion_proof": [p.hex() for p in proof],
            "head": head.as_json(),
        }

    def consistency(self, first: int, second: int) -> dict[str, Any]:
        """The proof that the head at ``first`` is a prefix of the head at ``second``."""
        if not 0 < first <= second:
            raise InvalidInput.one("first", "0 < first ≤ second")
        old, new = self.head(first), self.head(second)
        tree = self._tree_at(second)
        with self._lock:
            proof = tree.consistency_proof(first, second)
        return {
            "first": old.as_json(),
            "second": new.as_json(),
            "consistency_proof": [p.hex() for p in proof],
        }

    def bundle(self, party: str, operation_party: str, op_id: str) -> dict[str, Any]:
        """The evidence bundle of what ``party`` was shown about an operation."""
        head = self.sign()
        if head is None:
            raise UnknownEntity("the log is empty")
        with self.coordinator.db.read() as conn:
            rows = conn.execute(
                sa.select(
                    ledger_leaves.c.leaf_index,
                    events.c.kind,
                    events.c.actor,
                    events.c.entry,
                    event_signatures.c.document,
                )
                .join(events, events.c.seq == ledger_leaves.c.event_seq)
                .join(event_audience, event_audience.c.seq == events.c.seq)
                .outerjoin(event_signatures, event_signatures.c.event_seq == events.c.seq)
                .where(event_audience.c.party_id == party, ledger_leaves.c.leaf_index < head.size)
                .order_by(ledger_leaves.c.leaf_index)
            ).all()
        about: list[tuple[int, str, str | None]] = []
        keys: list[tuple[int, str, str | None]] = []
        for index, kind, actor, entry, document in rows:
            if kind == KEY_REGISTERED:
                keys.append((int(index), entry, None))
            elif _mentions(payload_of(entry), operation_party, op_id):
                # Only the party's own signed documents: the others' hold their free text.
                about.append((int(index), entry, document if actor == party else None))
        if not about:
            raise UnknownEntity(
                f"{party} was shown nothing about operation {operation_party}/{op_id}"
            )
        # The party's key registrations let a verifier check the party's own signatures.
        signed = any(document is not None for _, _, document in about)
        chosen = sorted(about + keys) if signed else about
        tree = self._tree_at(head.size)
        with self._lock:
            entries = [
                BundleEntry(index, entry, tree.inclusion_proof(index, head.size), document)
                for index, entry, document in chosen
            ]
        return make_bundle(
            party=party,
            operation={"party": operation_party, "id": op_id},
            head=head,
            server_key=self.key.public,
            entries=entries,
            created_at=rfc3339(self.coordinator.clock()),
        )
