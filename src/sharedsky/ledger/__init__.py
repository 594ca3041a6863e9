"""The evidence ledger: an RFC 6962 Merkle log of every event, signed tree heads, proofs,
party-signed requests and evidence bundles. A pure library: no I/O, no clock."""

from sharedsky.ledger.bundle import (
    BUNDLE_FORMAT,
    BundleEntry,
    BundleVerdict,
    make_bundle,
    verify_bundle,
)
from sharedsky.ledger.entries import (
    Entry,
    PartySignature,
    audience_json,
    canonical_json,
    entry_prefix,
    parse_entry,
)
from sharedsky.ledger.forks import HeadComparison, Relation, compare_heads
from sharedsky.ledger.heads import PublicKey, SigningKey, TreeHead, key_id
from sharedsky.ledger.merkle import (
    MerkleTree,
    empty_root,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from sharedsky.ledger.requests import (
    WINDOW_S,
    SignedRequest,
    registered_key,
    request_document,
    sign_request,
    signature_problem,
)
from sharedsky.ledger.verify import (
    KEY_REGISTERED,
    ROW_FIELDS,
    Chunk,
    Verdict,
    check_rows,
    verify_log,
)

__all__ = [
    "BUNDLE_FORMAT",
    "KEY_REGISTERED",
    "ROW_FIELDS",
    "WINDOW_S",
    "BundleEntry",
    "BundleVerdict",
    "Chunk",
    "Entry",
    "HeadComparison",
    "MerkleTree",
    "PartySignature",
    "PublicKey",
    "Relation",
    "SignedRequest",
    "SigningKey",
    "TreeHead",
    "Verdict",
    "audience_json",
    "canonical_json",
    "check_rows",
    "compare_heads",
    "empty_root",
    "entry_prefix",
    "key_id",
    "leaf_hash",
    "make_bundle",
    "node_hash",
    "parse_entry",
    "registered_key",
    "request_document",
    "sign_request",
    "signature_problem",
    "verify_bundle",
    "verify_consistency",
    "verify_inclusion",
    "verify_log",
]
