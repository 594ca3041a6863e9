"""Party-signed requests: what a party signs, and the checks the server makes.

A party signs the RFC 8785 (JCS) canonical form of::

    {"method": "PUT", "path": "/v1/operations/op-1", "party": "ru",
     "body": <the request's JSON body, or null>,
     "signed_at": "2026-11-25T12:00:00Z", "nonce": "<16–64 of A–Z a–z 0–9 _ ->"}

and sends the Ed25519 signature (base64) in ``Sharedsky-Signature``, with
``Sharedsky-Signed-At`` and ``Sharedsky-Nonce``. Method, path and party are signed so that a
signature cannot be moved to another request; the time must be within :data:`WINDOW_S` of the
server's clock and the nonce never used before by that party (a replay is refused).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import rfc8785

from sharedsky.errors import InvalidInput
from sharedsky.ledger.entries import PartySignature
from sharedsky.ledger.heads import PublicKey, SigningKey

__all__ = [
    "WINDOW_S",
    "SignedRequest",
    "registered_key",
    "request_document",
    "sign_request",
    "signature_problem",
]

WINDOW_S = 300.0
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def request_document(
    method: str, path: str, party: str, body: Any, signed_at: str, nonce: str
) -> bytes:
    """The exact bytes a party signs (RFC 8785 canonical JSON)."""
    try:
        return rfc8785.dumps(
            {
                "method": method.upper(),
                "path": path,
                "party": party,
                "body": body,
                "signed_at": signed_at,
                "nonce": nonce,
            }
        )
    except rfc8785.CanonicalizationError as error:
        raise InvalidInput.one("$", f"the body has no RFC 8785 canonical form: {error}") from None


def sign_request(
    key: SigningKey, method: str, path: str, party: str, body: Any, signed_at: str, nonce: str
) -> dict[str, str]:
    """The headers that sign a request (what a client does; the tests and the simulator)."""
    document = request_document(method, path, party, body, signed_at, nonce)
    return {
        "Sharedsky-Signature": base64.b64encode(key.sign(document)).decode(),
        "Sharedsky-Signed-At": signed_at,
        "Sharedsky-Nonce": nonce,
    }


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """A request whose signature the server checked, kept with the event it caused."""

    document: str
    """The signed RFC 8785 text."""
    signature: PartySignature

    @classmethod
    def check(
        cls,
        *,
        method: str,
        path: str,
        party: str,
        body: Any,
        headers: dict[str, str | None],
        key: PublicKey | None,
        now: datetime,
    ) -> SignedRequest:
        """Check the signature headers of a request; :class:`InvalidInput` names what fails."""
        signature = headers.get("sharedsky-signature")
        signed_at = headers.get("sharedsky-signed-at")
        nonce = headers.get("sharedsky-nonce")
        if signature is None or signed_at is None or nonce is None:
            raise InvalidInput.one(
                "Sharedsky-Signature",
                "a signed request carries Sharedsky-Signature, Sharedsky-Signed-At and "
                "Sharedsky-Nonce",
            )
        if key is None:
            raise InvalidInput.one(
                "Sharedsky-Signature", f"party {party!r} has registered no public key"
            )
        if not _NONCE.fullmatch(nonce):
            raise InvalidInput.one(
                "Sharedsky-Nonce", "a nonce is 16 to 64 characters of A-Z a-z 0-9 _ -"
            )
        try:
            moment = datetime.fromisoformat(signed_at)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise InvalidInput.one("Sharedsky-Signed-At", "an RFC 3339 time with its offset")
        skew = abs((now - moment).total_seconds())
        if skew > WINDOW_S:
            raise InvalidInput.one(
                "Sharedsky-Signed-At",
                f"signed {skew:.0f} s from the server's time; at most {WINDOW_S:.0f} s apart",
            )
        try:
            raw = base64.b64decode(signature, validate=True)
        except ValueError:
            raw = b""
        document = request_document(method, path, party, body, signed_at, nonce)
        if len(raw) != 64 or not key.verifies(raw, document):
            raise InvalidInput.one(
                "Sharedsky-Signature",
                f"the signature does not verify with party {party!r}'s key {key.id}",
            )
        return cls(
            document=document.decode("utf-8"),
            signature=PartySignature(
                party=party,
                key_id=key.id,
                nonce=nonce,
                signed_at=signed_at,
                document_sha256=hashlib.sha256(document).hexdigest(),
                signature=signature,
            ),
        )


def registered_key(payload: Any) -> tuple[str, PublicKey]:
    """The party and key of a ``party.key_registered`` payload; ``ValueError`` if none."""
    try:
        return str(payload["key"]["party"]), PublicKey.from_text(payload["key"]["public_key"])
    except (KeyError, TypeError):
        raise ValueError("a key registration without a key") from None


def signature_problem(block: PartySignature, document: str, key: PublicKey | None) -> str | None:
    """What is wrong with a kept party signature over ``document`` (None: it holds), given
    the key the party had registered under ``block.key_id`` (None: none had been)."""
    raw = document.encode("utf-8")
    if hashlib.sha256(raw).hexdigest() != block.document_sha256:
        return "the signed document does not match its hash"
    if key is None:
        return "signed with an unregistered key"
    try:
        fields = json.loads(document)
        signature = base64.b64decode(block.signature, validate=True)
    except ValueError:
        return "the signature or document is malformed"
    if not isinstance(fields, dict) or (
        fields.get("party"),
        fields.get("nonce"),
        fields.get("signed_at"),
    ) != (block.party, block.nonce, block.signed_at):
        return "the document names another party, nonce or time"
    if not key.verifies(signature, raw):
        return "the party signature does not verify"
    return None
