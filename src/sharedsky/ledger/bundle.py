"""Evidence bundles: what a party was shown about an operation, provable offline.

A bundle holds entries of the log (as their exact text), each with its inclusion proof under
one signed tree head, and the server's public key. Anyone holding the server's key checks it
with :func:`verify_bundle` alone: no database, no network, no trust in whoever handed it over.
Party signatures in it are checked too where the bundle carries the signed document (a party's
own requests) and the party's key registration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sharedsky.ledger.entries import Entry, parse_entry
from sharedsky.ledger.heads import PublicKey, TreeHead
from sharedsky.ledger.merkle import verify_inclusion
from sharedsky.ledger.requests import registered_key, signature_problem
from sharedsky.ledger.verify import KEY_REGISTERED

__all__ = ["BUNDLE_FORMAT", "BundleEntry", "BundleVerdict", "make_bundle", "verify_bundle"]

BUNDLE_FORMAT = "sharedsky-evidence/1"


@dataclass(frozen=True, slots=True)
class BundleEntry:
    leaf_index: int
    entry: str
    proof: list[bytes]
    document: str | None = None


def make_bundle(
    *,
    party: str,
    operation: dict[str, str],
    head: TreeHead,
    server_key: PublicKey,
    entries: list[BundleEntry],
    created_at: str,
) -> dict[str, Any]:
    """The bundle as JSON."""
    return {
        "format": BUNDLE_FORMAT,
        "party": party,
        "operation": operation,
        "created_at": created_at,
        "server_key": {"key_id": server_key.id, "public_key": server_key.text},
        "head": head.as_json(),
        "entries": [
            {
                "leaf_index": e.leaf_index,
                "entry": e.entry,
                "inclusion_proof": [p.hex() for p in e.proof],
                "signed_document": e.document,
            }
            for e in entries
        ],
    }


@dataclass(slots=True)
class BundleVerdict:
    entries: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    head: TreeHead | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_bundle(bundle: Any, *, key: PublicKey | None = None) -> BundleVerdict:
    """Check a bundle against the server's ``key`` (default: the key the bundle names, which
    proves only that the bundle is self-consistent, and says so)."""
    verdict = BundleVerdict()
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        verdict.problems.append(f"not an evidence bundle (format {BUNDLE_FORMAT!r})")
        return verdict
    try:
        head = TreeHead.from_json(bundle.get("head"))
        named = PublicKey.from_text(str(bundle["server_key"]["public_key"]))
        raw_entries = list(bundle["entries"])
        party = str(bundle["party"])
    except (ValueError, KeyError, TypeError) as error:
        verdict.problems.append(f"the bundle is malformed: {error}")
        return verdict
    verdict.head = head
    if key is None:
        key = named
        verdict.notes.append(
            "checked with the server key the bundle names; pass the server's key to trust it"
        )
    if not head.verified_by(key):
        verdict.problems.append(
            f"the head at size {head.size}: its signature does not verify with key {key.id}"
        )
    try:
        root = bytes.fromhex(head.root_hash)
    except ValueError:
        root = b""
    party_keys: dict[tuple[str, str], PublicKey] = {}
    for n, item in enumerate(raw_entries):
        where = f"entry {n}"
        try:
            entry = parse_entry(item["entry"])
            index = int(item["leaf_index"])
            proof = [bytes.fromhex(p) for p in item["inclusion_proof"]]
            document = item.get("signed_document")
        except (ValueError, KeyError, TypeError) as error:
            verdict.problems.append(f"{where}: malformed ({error})")
            continue
        where = f"entry {n} (event {entry.seq}, leaf {index})"
        if not verify_inclusion(proof, index, head.size, entry.leaf_hash, root):
            verdict.problems.append(f"{where}: not in the log under the head at size {head.size}")
            continue
        if entry.kind == KEY_REGISTERED:
            try:
                owner, registered = registered_key(entry.payload)
                party_keys[(owner, registered.id)] = registered
            except ValueError:
                verdict.problems.append(f"{where}: a key registration without a readable key")
        elif party not in entry.audience:
            verdict.notes.append(f"{where}: not addressed to {party}")
        if entry.signature is not None and isinstance(document, str):
            block = entry.signature
            found = signature_problem(block, document, party_keys.get((block.party, block.key_id)))
            if found is not None:
                verdict.problems.append(f"{where}: {found}")
        verdict.entries.append(entry)
    return verdict
