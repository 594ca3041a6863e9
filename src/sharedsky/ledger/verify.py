"""Checking a whole log: every event against its leaf, every head against the tree.

The work is in two steps so that the first can run in several processes over ranges of the
log: :func:`check_rows` checks a range of leaves, each row holding the leaf and the columns
of the event it names (:data:`ROW_FIELDS`), and returns a :class:`Chunk`: the leaf hashes of
the entries as they are, and the problems found; :func:`verify_log` joins the chunks in
order, rebuilds the tree and checks the heads and the party signatures. Every problem is
named at its place in the log, and the first in log order is *the* place:

* an event whose columns or audience differ from its entry, or whose entry does not hash to
  its leaf; a leaf naming an event that is missing; an event no leaf names; a leaf index
  missing or out of order;
* a party signature that does not verify with the key the party had registered (the keys
  are taken from the log's own ``party.key_registered`` entries, not from a table);
* a head whose root is not the tree's at its size, whose signature does not verify with a
  trusted server key, that names a previous head which is not there, or that lies beyond
  the log; a head somebody kept (``kept``) that the database no longer has.

A row is a plain tuple, as a database driver returns it: a million rows through objects
would cost more than checking them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sharedsky.ledger.entries import PartySignature, entry_prefix
from sharedsky.ledger.heads import PublicKey, TreeHead
from sharedsky.ledger.merkle import HASH_SIZE, MerkleTree, empty_root
from sharedsky.ledger.requests import registered_key, signature_problem

__all__ = [
    "KEY_REGISTERED",
    "ROW_FIELDS",
    "Chunk",
    "Verdict",
    "check_rows",
    "verify_log",
]

KEY_REGISTERED = "party.key_registered"
ROW_FIELDS = (
    "leaf_index",
    "leaf_event_seq",
    "leaf_hash",
    "seq",
    "at",
    "kind",
    "actor",
    "audience",
    "entry",
    "signer",
    "key_id",
    "nonce",
    "signed_at",
    "document_sha256",
    "signature",
    "document",
)
"""A row: the leaf (index, event number, hash in hex); the event it names (``seq`` None when
there is none), its time as RFC 3339 text and its audience as a JSON array, as its entry
writes them; the party signature kept with it (``signer`` None when unsigned)."""

_MAX_PROBLEMS = 50
_sha256 = hashlib.sha256

Problem = tuple[int, int, str]
"""(position in the log, order found, text)."""


@dataclass(slots=True)
class Chunk:
    """What :func:`check_rows` found in a range of leaves."""

    start: int
    first_index: int = -1
    """The index of the first leaf the range holds (-1: none)."""
    count: int = 0
    first_seq: int = 0
    last_seq: int = 0
    digests: bytearray = field(default_factory=bytearray)
    problems: list[Problem] = field(default_factory=list)
    special: list[tuple[Any, ...]] = field(default_factory=list)
    """Signed entries and key registrations, checked in log order by :func:`verify_log`."""
    complete: bool = True
    """False when the range stopped early (a leaf missing or out of order)."""


def _problem(problems: list[Problem], position: int, text: str) -> None:
    if len(problems) < 4 * _MAX_PROBLEMS:
        problems.append((position, len(problems), text))


def check_rows(rows: Iterable[tuple[Any, ...]], start: int = 0) -> Chunk:
    """Check the leaves from index ``start`` on, each with its event's columns."""
    chunk = Chunk(start)
    digests, problems, special = chunk.digests, chunk.problems, chunk.special
    expected, last_seq = start, -1
    for row in rows:
        index, leaf_seq, leaf_hex, seq, at, kind, actor, audience, entry, signer = row[:10]
        if chunk.first_index < 0:
            chunk.first_index = index
        if index != expected:
            _problem(
                problems,
                expected,
                f"leaf {expected}: missing (the next leaf is {index})"
                if index > expected
                else f"leaf {index}: out of order after leaf {expected - 1}",
            )
            chunk.complete = False
            break
        if leaf_seq <= last_seq:
            _problem(problems, index, f"leaf {index}: names event {leaf_seq}, not after {last_seq}")
            chunk.complete = False
            break
        if chunk.count == 0:
            chunk.first_seq = leaf_seq
        chunk.count += 1
        expected, last_seq = index + 1, leaf_seq
        if seq is None:
            _problem(problems, index, f"leaf {index}: names event {leaf_seq}, which is missing")
            digests += bytes.fromhex(leaf_hex) if _is_hash(leaf_hex) else bytes(HASH_SIZE)
            continue
        block = None if signer is None else PartySignature(*row[9:15])
        prefix = entry_prefix(seq, at, kind, actor, audience, block)
        try:
            data = entry.encode("ascii")
        except UnicodeEncodeError:
            data = entry.encode("utf-8")
        digest = _sha256(b"\x00" + data).digest()
        digests += digest
        matches = entry.startswith(prefix) and entry.endswith("}")
        if digest.hex() != leaf_hex:
            _problem(
                problems,
                index,
                f"event {seq} (leaf {index}): its entry does not hash to the leaf's "
                f"{str(leaf_hex)[:16]}…",
            )
        if not matches:
            _problem(
                problems, index, f"event {seq} (leaf {index}): its columns differ from its entry"
            )
        if signer is not None or (kind == KEY_REGISTERED and matches):
            special.append((*row, len(prefix)))
    chunk.last_seq = last_seq
    return chunk


def _is_hash(text: Any) -> bool:
    return isinstance(text, str) and len(text) == 64 and all(c in "0123456789abcdef" for c in text)


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


class _Signatures:
    """Party keys as the log registers them, and the signatures checked against them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.keys: dict[tuple[str, str], PublicKey] = {}
        self.checked = 0

    def entry(self, row: tuple[Any, ...]) -> None:
        index, _, _, seq, _, kind, actor, _, entry, signer = row[:10]
        where = f"event {seq} (leaf {index})"
        if kind == KEY_REGISTERED and row[-1] <= len(entry):
            try:
                party, key = registered_key(json.loads(entry[row[-1] : -1]))
                self.keys[(party, key.id)] = key
            except ValueError:
                _problem(self.problems, index, f"{where}: a key registration without a key")
        if signer is None:
            return
        self.checked += 1
        block = PartySignature(*row[9:15])
        if block.party != actor:
            _problem(self.problems, index, f"{where}: signed by {block.party!r}, not {actor!r}")
            return
        found = signature_problem(block, row[15], self.keys.get((block.party, block.key_id)))
        if found is not None:
            _problem(self.problems, index, f"{where}: {found}")


def _check_head(
    problems: list[Problem],
    keys: dict[str, PublicKey],
    tree: MerkleTree,
    head: TreeHead,
    previous: TreeHead | None,
) -> None:
    where = f"head at size {head.size} ({head.timestamp})"
    position = max(head.size - 1, 0)
    key = keys.get(head.key_id)
    if key is None:
        _problem(problems, position, f"{where}: signed by key {head.key_id}, not trusted")
    elif not head.verified_by(key):
        _problem(problems, position, f"{where}: its signature does not verify")
    if head.size > tree.size:
        _problem(problems, position, f"{where}: beyond the log's {tree.size} leaves")
    elif tree.root(head.size).hex() != head.root_hash:
        _problem(problems, position, f"{where}: its root is not that of the first leaves")
    prior = (0, "") if previous is None else (previous.size, previous.root_hash)
    if (head.previous_size, head.previous_root_hash) != prior:
        _problem(
            problems,
            position,
            f"{where}: names the previous head at size {head.previous_size}, "
            f"but the head before it is at size {prior[0]}",
        )


def verify_log(
    chunks: Iterable[Chunk],
    heads: Iterable[TreeHead],
    *,
    keys: Iterable[PublicKey],
    orphans: Iterable[tuple[int, int]] = (),
    kept: Iterable[TreeHead] = (),
) -> Verdict:
    """Join the chunks (in order, covering the log from leaf 0) and check the rest.

    ``orphans``: events that no leaf names, as (sequence number, leaves before it);
    ``keys``: the trusted server keys; ``kept``: heads someone kept.
    """
    verdict = Verdict()
    problems: list[Problem] = []
    signatures = _Signatures(problems)
    tree = MerkleTree()
    last_seq = 0
    for chunk in chunks:
        if chunk.start != tree.size:
            after = "" if chunk.first_index < 0 else f" (the next leaf is {chunk.first_index})"
            _problem(problems, tree.size, f"leaf {tree.size}: missing{after}")
            break
        if chunk.count and chunk.first_seq <= last_seq:
            _problem(
                problems,
                chunk.start,
                f"leaf {chunk.start}: names event {chunk.first_seq}, not after {last_seq}",
            )
            break
        problems.extend(chunk.problems)
        for row in chunk.special:
            signatures.entry(row)
        tree.extend_packed(chunk.digests)
        verdict.leaves += chunk.count
        verdict.events += chunk.count
        if chunk.count:
            last_seq = chunk.last_seq
        if not chunk.complete:
            break
    for seq, position in orphans:
        verdict.events += 1
        _problem(problems, position, f"event {seq}: has no leaf (it is not in the log)")
    trusted = {k.id: k for k in keys}
    ordered = sorted(heads, key=lambda h: h.size)
    previous: TreeHead | None = None
    for head in ordered:
        verdict.heads += 1
        _check_head(problems, trusted, tree, head, previous)
        previous = head
    stored = {h.size: h for h in ordered}
    for head in kept:
        held = stored.get(head.size)
        position = max(head.size - 1, 0)
        if held is None or held.signature != head.signature:
            _problem(problems, position, f"kept head at size {head.size}: not in the database")
        elif head.size <= tree.size and tree.root(head.size).hex() != head.root_hash:
            _problem(problems, position, f"kept head at size {head.size}: not the log's root")
    verdict.problems = [text for _, _, text in sorted(problems)][:_MAX_PROBLEMS]
    verdict.signatures = signatures.checked
    verdict.root = tree.root() if tree.size else empty_root()
    covered = 0 if previous is None else previous.size
    if tree.size > covered:
        verdict.notes.append(f"{tree.size - covered} newest entries are not under a head yet")
    return verdict
