r"""Finite groups as multiplication tables, and group-arithmetic datasets (Tian 2025; docs/grokking.md).

A group of order ``M`` is its table ``mul[h1, h2] = index of h1·h2`` (``M × M`` integers). The
dataset is every pair ``(h1, h2)`` with target ``h1·h2``, split at random into a training fraction
``p`` with ``n = M² − ceil((1 − p) M²)`` pairs (reference code's rounding) and the rest for test.

* cyclic ``Z_M``: ``(h1 + h2) mod M`` (paper);
* direct products ``Z_{m1} × Z_{m2} × …``: mixed-radix index, first factor most significant
  (learndyn formulation, as the reference code);
* dihedral ``D_m`` (order ``2m``): ``r^a s^b`` has index ``a + m·b`` and
  ``(a, b)·(c, d) = (a + (−1)^b c mod m, b + d mod 2)`` (learndyn formulation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Group:
    """A finite group: its multiplication table and a readable name."""

    name: str
    table: np.ndarray  # (M, M) int

    @property
    def order(self) -> int:
        return int(self.table.shape[0])


def cyclic_group(m: int) -> Group:
    """``Z_m``."""
    h = np.arange(m)
    return Group(f"Z_{m}", (h[:, None] + h[None, :]) % m)


def product_group(moduli: list[int]) -> Group:
    """``Z_{m1} × Z_{m2} × …`` with mixed-radix indices (first factor most significant)."""
    shape = tuple(int(m) for m in moduli)
    coords = np.stack(np.unravel_index(np.arange(math.prod(shape)), shape), axis=1)  # (M, f)
    summed = (coords[:, None, :] + coords[None, :, :]) % np.asarray(shape)
    return Group("×".join(f"Z_{m}" for m in shape), np.ravel_multi_index(tuple(np.moveaxis(summed, -1, 0)), shape))


def dihedral_group(m: int) -> Group:
    """``D_m`` of order ``2m``: ``r^a s^b`` ↦ ``a + m·b``."""
    idx = np.arange(2 * m)
    a, b = idx % m, idx // m
    a_prod = (a[:, None] + np.where(b[:, None] == 1, -1, 1) * a[None, :]) % m
    b_prod = (b[:, None] + b[None, :]) % 2
    return Group(f"D_{m}", a_prod + m * b_prod)


def train_size(order: int, fraction: float) -> int:
    """``n = M² − ceil((1 − p) M²)`` (reference code: the test count is rounded up)."""
    total = order * order
    return total - math.ceil(round((1 - fraction) * total, 9))


def split_pairs(group: Group, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random train/test split of all ``M²`` pairs: ``(train, test)`` arrays of ``(h1, h2, h1·h2)``."""
    m = group.order
    h1, h2 = np.divmod(np.arange(m * m), m)
    triples = np.stack([h1, h2, group.table[h1, h2]], axis=1)
    perm = rng.permutation(m * m)
    n = train_size(m, fraction)
    return triples[perm[:n]], triples[perm[n:]]


def make_group(kind: str, modulus: int, moduli: list[int] | None = None) -> Group:
    """The configured group: ``cyclic`` (Z_modulus), ``product`` (moduli), ``dihedral`` (D_modulus)."""
    if kind == "cyclic":
        return cyclic_group(modulus)
    if kind == "product":
        return product_group(list(moduli or []))
    if kind == "dihedral":
        return dihedral_group(modulus)
    raise ValueError(f"unknown group {kind!r}; one of cyclic, product, dihedral")


def dihedral_characters(m: int) -> list[np.ndarray]:
    """Real characters of the nontrivial irreps of ``D_m`` (index ``a + m·b``): the 1-d patterns
    (sign; and for even m two more) and ``χ_j(r^a) = 2cos(2πja/m)``, 0 on reflections, for
    ``j = 1..⌊(m−1)/2⌋`` (Tian 2025; docs/grokking.md)."""
    idx = np.arange(2 * m)
    a, b = idx % m, idx // m
    chars = [np.where(b == 1, -1.0, 1.0)]  # sign
    if m % 2 == 0:
        chars.append(np.where(a % 2 == 1, -1.0, 1.0))
        chars.append(np.where(a % 2 == 1, -1.0, 1.0) * np.where(b == 1, -1.0, 1.0))
    for j in range(1, (m - 1) // 2 + 1):
        chars.append(np.where(b == 0, 2 * np.cos(2 * np.pi * j * a / m), 0.0))
    return chars


def isotypic_projectors(group: Group, characters: list[np.ndarray]) -> list[np.ndarray]:
    r"""``(Π_k a)(g) = (d_k/M) Σ_h χ_k(g h⁻¹) a(h)`` as ``M × M`` matrices (``d_k = χ_k(e)``)."""
    m = group.order
    identity = int(np.argmax(np.all(group.table == np.arange(m)[None, :], axis=1)))
    inverse = np.argmax(group.table == identity, axis=1)  # h⁻¹: h·h⁻¹ = e
    g_hinv = group.table[:, inverse]  # [g, h] -> g·h⁻¹
    return [(chi[identity] / m) * chi[g_hinv] for chi in characters]
