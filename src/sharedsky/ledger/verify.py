"""Checking a whole log: every event against its leaf, every head against the tree.

:func:`verify_log` walks the events (by sequence number) and the leaves (by index) side by
side, as a database hands them out, so a million entries need no more memory than the tree.
It names each place where the record does not hold together, in log order:

* an event whose columns differ from its entry, or whose entry does not hash to its leaf;
* an event without a leaf, a leaf without its event, a leaf index missing or out of order;
* a party signature that does not verify with the key the party had registered (the keys
  are taken from the log's own ``party.key_registered`` entries, not from a table);
* a head whose root is not the tree's at its size, whose signature does not verify with a
  trusted server key, that names a previous head which is not there, or that lies beyond
  the log; a head somebody kept (``kept``) that the database no longer has.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sharedsky.ledger.entries import PartySignature, entry_prefix
from sharedsky.ledger.heads import PublicKey, TreeHead
from sharedsky.ledger.merkle import MerkleTree, empty_root, leaf_hash

__all__ = [
    "KEY_REGISTERED",
    "EventRecord",
    "LeafRecord",
    "SignatureRecord",
    "Verdict",
    "verify_log",
]

KEY_REGISTERED = "party.key_registered"


@dataclass(frozen=True, slots=True)
class SignatureRecord:
    """A party signature as the store keeps it: the block and the signed document."""

    signature: PartySignature
    document: str


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event row: its columns, its audience and its stored entry."""

    seq: int
    at: str
    kind: str
    actor: str | None
    audience: list[str]
    entry: str
    signed: SignatureRecord | None = None


@dataclass(frozen=True, slots=True)
class LeafRecord:
    index: int
    seq: int
    hash_hex: str


@dataclass(slots=True)
class Verdict:
    """What a verification found. ``problems`` are in log order; the first is *the* place."""

    events: int = 0
    leaves: int = 0
    heads: int = 0
    signatures: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    root: bytes = b""

    @property
    def ok(self) -> bool:
        return not self.problems


_MAX_PROBLEMS = 50


class _Walk:
    def __init__(self, keys: dict[str, PublicKey], verdict: Verdict) -> None:
        self.keys = keys
        self.verdict = verdict
        self.tree = MerkleTree()
        self.party_keys: dict[str, dict[str, PublicKey]] = {}

    def problem(self, text: str) -> None:
        if len(self.verdict.problems) < _MAX_PROBLEMS:
            self.verdict.problems.append(text)

    def event(self, event: EventRecord, leaf: LeafRecord) -> None:
        where = f"event {event.seq} (leaf {leaf.index})"
        signature = None if event.signed is None else event.signed.signature
        prefix = entry_prefix(
            event.seq, event.at, event.kind, event.actor, event.audience, signature
        )
        entry = event.entry
        if not (entry.startswith(prefix) and entry.endswith("}")):
            self.problem(f"{where}: its columns or audience differ from its ledger entry")
        try:
            data = entry.encode("ascii")
        except UnicodeEncodeError:
            data = entry.encode("utf-8")
            self.problem(f"{where}: its entry is not ASCII")
        digest = leaf_hash(data)
        if digest.hex() != leaf.hash_hex:
            self.problem(f"{where}: its entry does not hash to the leaf's {leaf.hash_hex[:16]}…")
        self.tree.append(digest)
        if event.signed is not None:
            self.signed(where, event)
        if event.kind == KEY_REGISTERED and entry.startswith(prefix):
            self.key_registered(where, event, prefix)

    def signed(self, where: str, event: EventRecord) -> None:
        assert event.signed is not None
        block, document = event.signed.signature, event.signed.document
        self.verdict.signatures += 1
        raw = document.encode("utf-8")
        if hashlib.sha256(raw).hexdigest() != block.document_sha256:
            self.problem(f"{where}: the signed document does not match its hash in the entry")
            return
        if block.party != event.actor:
            self.problem(f"{where}: signed by {block.party!r}, written by {event.actor!r}")
            return
        key = self.party_keys.get(block.party, {}).get(block.key_id)
        if key is None:
            self.problem(f"{where}: signed with key {block.key_id}, not registered before it")
            return
        try:
            fields = json.loads(document)
            signature = base64.b64decode(block.signature, validate=True)
        except ValueError:
            self.problem(f"{where}: the signature or the signed document is malformed")
            return
        if (fields.get("party"), fields.get("nonce"), fields.get("signed_at")) != (
            block.party,
            block.nonce,
            block.signed_at,
        ):
            self.problem(f"{where}: the signed document names another party, nonce or time")
        elif not key.verifies(signature, raw):
            self.problem(f"{where}: the party signature does not verify")

    def key_registered(self, where: str, event: EventRecord, prefix: str) -> None:
        try:
            payload = json.loads(event.entry[len(prefix) : -1])
            key = PublicKey.from_text(payload["key"]["public_key"])
            party = payload["key"]["party"]
        except (ValueError, KeyError, TypeError):
            self.problem(f"{where}: a key registration without a readable key")
            return
        self.party_keys.setdefault(party, {})[key.id] = key

    def head(self, head: TreeHead, previous: TreeHead | None) -> None:
        where = f"head at size {head.size} ({head.timestamp})"
        self.verdict.heads += 1
        key = self.keys.get(head.key_id)
        if key is None:
            self.problem(f"{where}: signed by key {head.key_id}, which is not trusted")
        elif not head.verified_by(key):
            self.problem(f"{where}: its signature does not verify")
        if head.size > self.tree.size:
            self.problem(f"{where}: beyond the log's {self.tree.size} leaves")
            return
        if self.tree.root(head.size).hex() != head.root_hash:
            self.problem(f"{where}: its root is not the root of the first {head.size} leaves")
        prior = (0, "") if previous is None else (previous.size, previous.root_hash)
        if (head.previous_size, head.previous_root_hash) != prior:
            self.problem(
                f"{where}: names the previous head at size {head.previous_size}, "
                f"but the head before it is at size {prior[0]}"
            )


def verify_log(
    events: Iterable[EventRecord],
    leaves: Iterable[LeafRecord],
    heads: Iterable[TreeHead],
    *,
    keys: Iterable[PublicKey],
    kept: Iterable[TreeHead] = (),
) -> Verdict:
    """Check a log (see the module's description); ``keys`` are the trusted server keys."""
    verdict = Verdict()
    walk = _Walk({k.id: k for k in keys}, verdict)
    ordered = sorted(heads, key=lambda h: h.size)
    pending: Iterator[TreeHead] = iter(ordered)
    next_head = next(pending, None)
    previous: TreeHead | None = None

    def heads_up_to(size: int) -> None:
        nonlocal next_head, previous
        while next_head is not None and next_head.size <= size:
            walk.head(next_head, previous)
            previous, next_head = next_head, next(pending, None)

    heads_up_to(0)
    event_iter = iter(events)
    event = next(event_iter, None)
    last_seq = 0
    for expected, leaf in enumerate(leaves):
        verdict.leaves += 1
        if leaf.index != expected:
            walk.problem(
                f"leaf {expected}: missing (the next leaf is {leaf.index})"
                if leaf.index > expected
                else f"leaf {leaf.index}: out of order after leaf {expected - 1}"
            )
            break
        if leaf.seq <= last_seq:
            walk.problem(f"leaf {leaf.index}: names event {leaf.seq}, not after event {last_seq}")
            break
        while event is not None and event.seq < leaf.seq:
            verdict.events += 1
            walk.problem(f"event {event.seq}: has no leaf (it is not in the log)")
            event = next(event_iter, None)
        if event is None or event.seq != leaf.seq:
            walk.problem(f"leaf {leaf.index}: names event {leaf.seq}, which is missing")
            walk.tree.append(
                bytes.fromhex(leaf.hash_hex) if _is_hash(leaf.hash_hex) else b"\0" * 32
            )
        else:
            verdict.events += 1
            walk.event(event, leaf)
            event = next(event_iter, None)
        last_seq = leaf.seq
        heads_up_to(walk.tree.size)
    while event is not None:
        verdict.events += 1
        walk.problem(f"event {event.seq}: has no leaf (it is not in the log)")
        event = next(event_iter, None)
    while next_head is not None:
        walk.head(next_head, previous)
        previous, next_head = next_head, next(pending, None)
    by_size = {h.size: h for h in ordered}
    for trusted in kept:
        stored = by_size.get(trusted.size)
        if stored is None or stored.signature != trusted.signature:
            walk.problem(f"kept head at size {trusted.size}: not in the database as signed")
        elif trusted.size <= walk.tree.size and (
            walk.tree.root(trusted.size).hex() != trusted.root_hash
        ):
            walk.problem(f"kept head at size {trusted.size}: its root is not the log's")
    verdict.root = walk.tree.root() if walk.tree.size else empty_root()
    covered = previous.size if previous is not None else 0
    if walk.tree.size > covered:
        verdict.notes.append(
            f"{walk.tree.size - covered} newest entries are not yet under a signed head"
        )
    return verdict


def _is_hash(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)
