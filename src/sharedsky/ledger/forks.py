"""Two signed heads side by side: one history, or a fork.

A party that kept heads from the server can hold it to them: two heads of the same size with
different roots, or a later head that no consistency proof links to an earlier one, cannot
both be true. Since both carry the server's signature, they prove that the log was rewritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sharedsky.ledger.heads import PublicKey, TreeHead
from sharedsky.ledger.merkle import verify_consistency

__all__ = ["HeadComparison", "Relation", "compare_heads"]


class Relation(StrEnum):
    CONSISTENT = "consistent"
    FORK = "fork"
    UNPROVEN = "unproven"
    """Different sizes and no proof that links them (ask the server for one)."""
    UNSIGNED = "unsigned"
    """A head the key did not sign: no evidence either way."""


@dataclass(frozen=True, slots=True)
class HeadComparison:
    relation: Relation
    reason: str


def compare_heads(
    first: TreeHead, second: TreeHead, *, key: PublicKey, proof: Sequence[bytes] | None = None
) -> HeadComparison:
    """How ``first`` and ``second`` relate; ``proof``: a consistency proof from the smaller
    to the larger (as ``GET /v1/ledger/proofs/consistency`` serves it)."""
    for head in (first, second):
        if not head.verified_by(key):
            return HeadComparison(
                Relation.UNSIGNED, f"the head at size {head.size} is not signed by key {key.id}"
            )
    old, new = sorted((first, second), key=lambda h: h.size)
    if old.size == new.size:
        if old.root_hash == new.root_hash:
            return HeadComparison(Relation.CONSISTENT, f"the same tree of {old.size} leaves")
        return HeadComparison(
            Relation.FORK,
            f"two signed heads of {old.size} leaves with different roots "
            f"({old.timestamp}, {new.timestamp})",
        )
    if proof is None:
        return HeadComparison(
            Relation.UNPROVEN, f"sizes {old.size} and {new.size}: a consistency proof is needed"
        )
    try:
        roots = bytes.fromhex(old.root_hash), bytes.fromhex(new.root_hash)
    except ValueError:
        return HeadComparison(Relation.FORK, "a signed head carries a root that is not a hash")
    if verify_consistency(proof, old.size, new.size, *roots):
        return HeadComparison(
            Relation.CONSISTENT, f"the tree of {new.size} leaves extends the one of {old.size}"
        )
    return HeadComparison(
        Relation.UNPROVEN,
        f"the proof does not link size {old.size} to size {new.size}; a server that cannot give "
        "one that does has rewritten its log",
    )
