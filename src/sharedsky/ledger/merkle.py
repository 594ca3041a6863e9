"""The Merkle tree of RFC 6962 (as restated in RFC 9162 §2.1): hashes, proofs, their checks.

Leaves are hashed ``SHA-256(0x00 ‖ data)`` and interior nodes ``SHA-256(0x01 ‖ left ‖ right)``,
so that no leaf can pass for a node. A tree of ``n`` leaves splits at the largest power of two
below ``n``. :class:`MerkleTree` keeps every *complete* subtree's hash (one flat ``bytearray``
per level, 32 bytes a node, about 64 MB for a million leaves): appending is amortized O(1) and
any root or proof needs O(log² n) hashes at most.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

__all__ = [
    "HASH_SIZE",
    "MerkleTree",
    "empty_root",
    "leaf_hash",
    "node_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 ‖ data)``."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 ‖ left ‖ right)``."""
    return _sha256(b"\x01" + left + right).digest()


def empty_root() -> bytes:
    """The root of the empty tree: the hash of the empty string."""
    return _sha256(b"").digest()


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n`` ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """An append-only tree over leaf hashes.

    >>> tree = MerkleTree()
    >>> tree.extend(leaf_hash(bytes([i])) for i in range(5))
    >>> tree.size
    5
    >>> verify_inclusion(tree.inclusion_proof(3, 5), 3, 5, leaf_hash(b"\\x03"), tree.root(5))
    True
    """

    def __init__(self) -> None:
        # _levels[h] holds, in order, the hashes of the complete subtrees of 2**h leaves.
        self._levels: list[bytearray] = [bytearray()]

    @property
    def size(self) -> int:
        return len(self._levels[0]) // HASH_SIZE

    def append(self, leaf: bytes) -> None:
        """Add the hash of the next leaf."""
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, not {len(leaf)}")
        levels = self._levels
        levels[0] += leaf
        index = self.size - 1
        height = 0
        node = leaf
        while index & 1:
            below = levels[height]
            left = bytes(below[(index - 1) * HASH_SIZE : index * HASH_SIZE])
            node = _sha256(b"\x01" + left + node).digest()
            height += 1
            index >>= 1
            if len(levels) == height:
                levels.append(bytearray())
            levels[height] += node

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Add many leaf hashes at once."""
        self.extend_packed(b"".join(leaves))

    def extend_packed(self, packed: bytes | bytearray) -> None:
        """Add leaf hashes packed back to back, each level's new nodes in one pass."""
        if len(packed) % HASH_SIZE:
            raise ValueError(f"leaf hashes are {HASH_SIZE} bytes each")
        levels = self._levels
        levels[0] += packed
        height = 0
        step = 2 * HASH_SIZE
        while len(levels[height]) >= step:
            below = levels[height]
            if len(levels) == height + 1:
                levels.append(bytearray())
            above = levels[height + 1]
            have, want = len(above) // HASH_SIZE, len(below) // step
            above += b"".join(
                _sha256(b"\x01" + below[i * step : (i + 1) * step]).digest()
                for i in range(have, want)
            )
            height += 1

    def leaf(self, index: int) -> bytes:
        """The hash of leaf ``index``."""
        if not 0 <= index < self.size:
            raise IndexError(f"leaf {index} is outside a tree of {self.size}")
        return bytes(self._levels[0][index * HASH_SIZE : (index + 1) * HASH_SIZE])

    def _hash(self, start: int, end: int) -> bytes:
        """MTH of leaves ``[start, end)``; ``start`` is a multiple of the largest power of
        two not above ``end - start`` (true of every subtree the RFC's recursion visits)."""
        n = end - start
        if n & (n - 1) == 0:
            height = n.bit_length() - 1
            at = (start >> height) * HASH_SIZE
            return bytes(self._levels[height][at : at + HASH_SIZE])
        k = _split(n)
        return node_hash(self._hash(start, start + k), self._hash(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        """The root hash of the first ``size`` leaves (default: all)."""
        size = self.size if size is None else size
        self._check_size(size)
        return empty_root() if size == 0 else self._hash(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of its first ``size`` leaves."""
        self._check_size(size)
        if not 0 <= index < size:
            raise IndexError(f"leaf {index} is outside a tree of {size}")
        path: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                path.append(self._hash(start + k, end))
                end = start + k
            else:
                path.append(self._hash(start, start + k))
                start += k
        path.reverse()
        return path

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """The proof that the tree of ``first`` leaves is a prefix of that of ``second``."""
        self._check_size(second)
        if not 0 < first <= second:
            raise ValueError(f"a consistency proof needs 0 < first ≤ second ({first}, {second})")
        proof: list[bytes] = []
        start, end, m, complete = 0, second, first, True
        while m != end:
            k = _split(end - start)
            if m - start <= k:
                proof.append(self._hash(start + k, end))
                end = start + k
            else:
                proof.append(self._hash(start, start + k))
                start += k
                complete = False
        if not complete:
            proof.append(self._hash(start, end))
        proof.reverse()
        return proof

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise IndexError(f"a tree of {size} leaves is not within the {self.size} held")


def verify_inclusion(
    path: Sequence[bytes], index: int, size: int, leaf: bytes, root: bytes
) -> bool:
    """Whether ``path`` proves leaf hash ``leaf`` at ``index`` under ``root`` (RFC 9162
    §2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    proof: Sequence[bytes], first: int, second: int, first_root: bytes, second_root: bytes
) -> bool:
    """Whether ``proof`` shows the tree of ``first`` leaves (``first_root``) is a prefix of
    the tree of ``second`` (``second_root``) (RFC 9162 §2.1.4.2)."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root
