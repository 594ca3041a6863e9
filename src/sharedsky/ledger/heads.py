"""Signed tree heads: the server's Ed25519 signature over a tree size, root and time.

Each head also names the head before it (size and root), so the heads form a chain: a head
removed from the middle breaks it. What a head signs is the ASCII text of
:meth:`TreeHead.signed_text` prefixed with a domain tag, never anything a party wrote.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sharedsky.ledger.entries import canonical_json

__all__ = ["PublicKey", "SigningKey", "TreeHead", "key_id"]

_HEAD_TAG = b"sharedsky tree head v1\n"


def key_id(raw_public_key: bytes) -> str:
    """A key's name: the first 16 bytes of the SHA-256 of its 32 raw bytes, in hex."""
    return hashlib.sha256(raw_public_key).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class PublicKey:
    """An Ed25519 public key, as its 32 raw bytes."""

    raw: bytes

    @classmethod
    def from_text(cls, text: str) -> PublicKey:
        """From base64 of the 32 raw bytes, or a PEM ``PUBLIC KEY`` block."""
        text = text.strip()
        if text.startswith("-----BEGIN"):
            loaded = serialization.load_pem_public_key(text.encode())
            if not isinstance(loaded, Ed25519PublicKey):
                raise ValueError("the PEM key is not an Ed25519 public key")
            return cls(loaded.public_bytes_raw())
        try:
            raw = base64.b64decode(text, validate=True)
        except ValueError:
            raise ValueError("a public key is base64 of 32 bytes, or PEM") from None
        if len(raw) != 32:
            raise ValueError(f"an Ed25519 public key is 32 bytes, not {len(raw)}")
        return cls(raw)

    @property
    def id(self) -> str:
        return key_id(self.raw)

    @property
    def text(self) -> str:
        return base64.b64encode(self.raw).decode()

    def verifies(self, signature: bytes, message: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


class SigningKey:
    """The server's private key (kept in a file, never in the database)."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.public = PublicKey(private.public_key().public_bytes_raw())

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, pem: bytes) -> SigningKey:
        loaded = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ValueError("the key file does not hold an Ed25519 private key")
        return cls(loaded)

    def to_pem(self) -> bytes:
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)

    def sign_head(
        self, size: int, root: bytes, timestamp: str, previous: TreeHead | None
    ) -> TreeHead:
        unsigned = TreeHead(
            size=size,
            root_hash=root.hex(),
            timestamp=timestamp,
            previous_size=0 if previous is None else previous.size,
            previous_root_hash="" if previous is None else previous.root_hash,
            key_id=self.public.id,
            signature="",
        )
        signature = self.sign(unsigned.message())
        return replace(unsigned, signature=base64.b64encode(signature).decode())


@dataclass(frozen=True, slots=True)
class TreeHead:
    """A signed statement: the log had ``size`` leaves with this root at ``timestamp``."""

    size: int
    root_hash: str
    timestamp: str
    previous_size: int
    previous_root_hash: str
    key_id: str
    signature: str

    def signed_text(self) -> str:
        """Everything but the signature, in canonical JSON."""
        return canonical_json({k: v for k, v in self.as_json().items() if k != "signature"})

    def message(self) -> bytes:
        return _HEAD_TAG + self.signed_text().encode("ascii")

    def verified_by(self, key: PublicKey) -> bool:
        """Whether ``key`` made this head's signature."""
        if key.id != self.key_id:
            return False
        try:
            signature = base64.b64decode(self.signature, validate=True)
        except ValueError:
            return False
        return key.verifies(signature, self.message())

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> TreeHead:
        """From :meth:`as_json`'s form; ``ValueError`` naming what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("a tree head is a JSON object")
        try:
            head = cls(**{f.name: data[f.name] for f in fields(cls)})
        except KeyError as missing:
            raise ValueError(f"a tree head needs {missing}") from None
        ints = (head.size, head.previous_size)
        strs = (head.root_hash, head.timestamp, head.previous_root_hash, head.key_id)
        if not all(type(v) is int and v >= 0 for v in ints) or not all(
            isinstance(v, str) for v in (*strs, head.signature)
        ):
            raise ValueError("a tree head has integer sizes and text hashes")
        return head
