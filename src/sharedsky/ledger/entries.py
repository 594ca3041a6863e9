"""What one event is in the log: its *entry*, the exact text whose hash is the leaf.

An entry is a JSON object with its keys in this fixed order::

    {"event":SEQ,"at":"RFC 3339","kind":KIND,"actor":PARTY|null,"audience":[PARTY,...],
     "party_signature":null|{...},"payload":{...}}

Everything in it is ASCII (``\\u`` escapes), and the payload is written in sharedsky's
canonical form (keys sorted, no spaces). The text is stored with the event and hashed as
stored, so a verifier never has to re-serialize JSON the way the writer did; and because the
payload comes last, the columns a database keeps beside the entry are checked against it as a
prefix, without parsing it (:func:`entry_prefix`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii as _text
from typing import Any

from sharedsky.ledger.merkle import leaf_hash

__all__ = [
    "Entry",
    "PartySignature",
    "audience_json",
    "canonical_json",
    "entry_prefix",
    "parse_entry",
]


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, ASCII only; NaN and infinities refused."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


@dataclass(frozen=True, slots=True)
class PartySignature:
    """A party's detached Ed25519 signature over the canonical document of its request.

    The entry keeps the document's SHA-256, not the document: the request body may hold the
    party's free text, which other parties shown the entry must not read.
    """

    party: str
    key_id: str
    nonce: str
    signed_at: str
    document_sha256: str
    signature: str

    def as_json(self) -> dict[str, str]:
        return {
            "party": self.party,
            "key_id": self.key_id,
            "nonce": self.nonce,
            "signed_at": self.signed_at,
            "document_sha256": self.document_sha256,
            "signature": self.signature,
        }


def entry_prefix(
    seq: int,
    at: str,
    kind: str,
    actor: str | None,
    audience: str,
    signature: PartySignature | None,
) -> str:
    """The entry up to and including ``"payload":``; ``audience`` is the JSON array as
    entries write it (:func:`audience_json`; a database renders the same text)."""
    signed = "null" if signature is None else canonical_json(signature.as_json())
    return (
        f'{{"event":{seq},"at":{_text(at)},"kind":{_text(kind)},'
        f'"actor":{"null" if actor is None else _text(actor)},"audience":{audience},'
        f'"party_signature":{signed},"payload":'
    )


def audience_json(parties: Iterable[str]) -> str:
    """The audience as entries write it: sorted, ASCII, no spaces."""
    return "[" + ",".join(_text(p) for p in sorted(parties)) + "]"


@dataclass(frozen=True, slots=True)
class Entry:
    """One event as the log records it."""

    seq: int
    at: str
    kind: str
    actor: str | None
    audience: tuple[str, ...]
    payload: dict[str, Any]
    signature: PartySignature | None = None

    @property
    def text(self) -> str:
        prefix = entry_prefix(
            self.seq, self.at, self.kind, self.actor, audience_json(self.audience), self.signature
        )
        return prefix + canonical_json(self.payload) + "}"

    @property
    def leaf_hash(self) -> bytes:
        return leaf_hash(self.text.encode("ascii"))


def parse_entry(text: str) -> Entry:
    """An entry back from its text; ``ValueError`` when it is not one.

    >>> e = Entry(7, "2026-11-25T12:00:00Z", "notice.sent", "ru", ("ru", "us"), {"a": 1})
    >>> parse_entry(e.text) == e
    True
    """
    try:
        data = json.loads(text)
        signed = data["party_signature"]
        entry = Entry(
            seq=int(data["event"]),
            at=str(data["at"]),
            kind=str(data["kind"]),
            actor=data["actor"],
            audience=tuple(data["audience"]),
            payload=data["payload"],
            signature=None if signed is None else PartySignature(**signed),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"not a ledger entry: {error}") from None
    if entry.text != text:
        raise ValueError("not a ledger entry: not in the entry's canonical form")
    return entry
