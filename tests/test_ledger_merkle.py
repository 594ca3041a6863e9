"""The Merkle tree against the RFC 6962 definitions, written out plainly (MTH, PATH, PROOF)."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sharedsky.ledger import (
    MerkleTree,
    empty_root,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    if not d:
        return _h(b"")
    if len(d) == 1:
        return _h(b"\x00" + d[0])
    k = _k(len(d))
    return _h(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = _k(n)
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


# The test vectors of Certificate Transparency's reference implementation.
CT_LEAVES = [
    bytes.fromhex(x)
    for x in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
              "606162636465666768696a6b6c6d6e6f"]
]  # fmt: skip
CT_ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}


def _tree(data: list[bytes]) -> MerkleTree:
    tree = MerkleTree()
    tree.extend(leaf_hash(x) for x in data)
    return tree


def test_known_roots() -> None:
    tree = _tree(CT_LEAVES)
    for size, root in CT_ROOTS.items():
        assert tree.root(size).hex() == root
    assert tree.root(0) == empty_root() == _h(b"")


logs = st.lists(st.binary(max_size=8), min_size=1, max_size=70, unique=True)


@settings(max_examples=60, deadline=None)
@given(logs)
def test_roots_and_every_inclusion_proof(data: list[bytes]) -> None:
    tree = _tree(data)
    for n in range(1, len(data) + 1):
        root = tree.root(n)
        assert root == mth(data[:n])
        for m in range(n):
            proof = tree.inclusion_proof(m, n)
            assert proof == path(m, data[:n])
            assert verify_inclusion(proof, m, n, leaf_hash(data[m]), root)
            if m + 1 < n:
                assert not verify_inclusion(proof, m + 1, n, leaf_hash(data[m]), root)


@settings(max_examples=60, deadline=None)
@given(logs)
def test_every_consistency_proof(data: list[bytes]) -> None:
    tree = _tree(data)
    for n in range(1, len(data) + 1):
        for m in range(1, n + 1):
            proof = tree.consistency_proof(m, n)
            assert proof == subproof(m, data[:n], True)
            assert verify_consistency(proof, m, n, tree.root(m), tree.root(n))
            if m < n:
                assert not verify_consistency(proof, m, n, tree.root(m), tree.root(n - 1))


@settings(max_examples=200, deadline=None)
@given(logs, st.data())
def test_a_flipped_byte_fails_every_proof(data: list[bytes], draw: st.DataObject) -> None:
    tree = _tree(data)
    n = draw.draw(st.integers(1, len(data)))
    m = draw.draw(st.integers(0, n - 1))
    bit = draw.draw(st.integers(0, 255 * 8))
    proof = tree.inclusion_proof(m, n)
    leaf, root = leaf_hash(data[m]), tree.root(n)

    def flip(value: bytes, at: int) -> bytes:
        b = bytearray(value)
        b[(at // 8) % len(b)] ^= 1 << (at % 8)
        return bytes(b)

    assert not verify_inclusion(proof, m, n, flip(leaf, bit), root)
    assert not verify_inclusion(proof, m, n, leaf, flip(root, bit))
    if proof:
        i = draw.draw(st.integers(0, len(proof) - 1))
        bad = [*proof[:i], flip(proof[i], bit), *proof[i + 1 :]]
        assert not verify_inclusion(bad, m, n, leaf, root)
    first = draw.draw(st.integers(1, n))
    consistency = tree.consistency_proof(first, n)
    old = tree.root(first)
    assert not verify_consistency(consistency, first, n, flip(old, bit), root)
    assert not verify_consistency(consistency, first, n, old, flip(root, bit))
    if consistency:
        i = draw.draw(st.integers(0, len(consistency) - 1))
        bad = [*consistency[:i], flip(consistency[i], bit), *consistency[i + 1 :]]
        assert not verify_consistency(bad, first, n, old, root)


def test_bad_arguments() -> None:
    tree = _tree(CT_LEAVES)
    with pytest.raises(IndexError):
        tree.inclusion_proof(8, 8)
    with pytest.raises(IndexError):
        tree.root(9)
    with pytest.raises(ValueError):
        tree.consistency_proof(0, 3)
    with pytest.raises(ValueError):
        tree.append(b"short")
    assert not verify_inclusion([], 0, 0, leaf_hash(b""), empty_root())
    assert not verify_consistency([], 0, 3, empty_root(), tree.root(3))
