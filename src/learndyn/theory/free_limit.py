r"""The N → ∞ limit of the integrate model as a network on a free Fock space (learndyn derivation).

**The question.** The integrate model (Bordelon et al. 2025; docs/integrate.md — a reconstruction)
trains ``f(s) = vᵀ e^{(W − I)s} u`` from ``W0 = σJ`` (``J_ij ~ N(0, 1/N)``), ``u0, v0`` independent
of ``J`` and of each other with ``‖u0‖² = ‖v0‖² = 1``. What is its whole learning curve, and its
outlier trajectory, as ``N → ∞``?

**The limit object.** Everything gradient descent computes from ``(W, u, v)`` — the loss, the
gradients, the next parameters — is built from ``J``, ``Jᵀ``, ``u0``, ``v0`` by sums, products and
inner products; after any fixed number of steps every parameter is a (convergent) series of *words*
``w(J, Jᵀ)`` applied to ``u0`` or ``v0``, and every scalar is a series of inner products
``⟨w₁ x, w₂ y⟩`` with ``x, y ∈ {u0, v0}``. As ``N → ∞`` these converge (Voiculescu's asymptotic
freeness): ``⟨w₁ u0, w₂ v0⟩ → 0`` and ``⟨w₁ u0, w₂ u0⟩ → τ(w₁^* w₂)``, the moment of a *circular
element* ``c`` in its trace ``τ``. The circular element has a concrete model: on the full Fock space
``F(C²)`` (orthonormal basis: the vacuum ``Ω`` and the words ``e_{i₁}⊗…⊗e_{i_k}``, ``i ∈ {1, 2}``),

.. math::  c = ℓ_1 + ℓ_2^*, \qquad ⟨Ω, w(c, c^*) Ω⟩ = τ(w),

with ``ℓ_i`` the left creation operators (``ℓ_i ξ = e_i ⊗ ξ``). So the large-N limit of the whole
gradient descent is *the same gradient descent on a deterministic network*: state space
``F(C²) ⊕ F(C²)`` (one copy generated from ``u0``, one from ``v0``; they stay orthogonal in the
limit), ``W0 = σ (c ⊕ c)``, ``u0 = Ω ⊕ 0``, ``v0 = 0 ⊕ Ω``. Its loss is the seed-mean loss up to
``O(1/N)`` (``½‖f0‖²`` and the fluctuations of the inner products), and its eigenvalues outside the
disk ``|λ| ≤ σ`` are the limits of the simulated outliers: for ``|z| > σ`` the resolvent
``(z − σc)^{-1} = Σ_k σ^k c^k / z^{k+1}`` converges, so an outlier equation
``det(1 − Yᵀ(z − σJ)^{-1}X) = 0`` has the same limit as its Fock-space counterpart.

**Truncation (Galerkin).** Keep the words of length ``≤ K`` with at most ``d`` alternations
between the letters 1 and 2 (``d ≥ K − 1`` keeps the whole of ``F(C²)`` up to length ``K``), and
project ``c`` onto them. The projected ``c`` is nilpotent (every eigenvalue 0: the bulk collapses to
the origin and cannot fake an outlier); the truncation error of a mode of eigenvalue ``λ`` decays
like ``(σ/|λ|)^K``. Words with several alternations appear only once the learned part of ``W`` feeds
back (``J Jᵀ v0`` first enters through ``ΔW ∝ (Jᵀv0)(Ju0)ᵀ``), so ``d`` converges fast. The state
has ``D = 2 × #words`` dimensions (``K = 8``, ``d = 2``: 370), whatever ``N``. Convergence in
``K`` and ``d`` is checked numerically (tests and docs/theory/dmft.md, part 4b).

At σ = 0 the operator is 0 and the network reduces exactly to the two-neuron system of
Bordelon et al.'s small-initialisation analysis (the vacua are ``u0`` and ``v0``). At first order in
the parameter change it reproduces the kernel level of :mod:`learndyn.theory.kernel`.
"""

from __future__ import annotations

import itertools
from math import comb

import jax.numpy as jnp
import numpy as np
from jaxtyping import Float

from ..models import LinearRNN


def fock_words(length: int, alternations: int | None = None) -> list[tuple[int, ...]]:
    """The basis of the truncated Fock space: ``()`` (the vacuum) and the words over ``{1, 2}`` of
    length ``≤ length`` with at most ``alternations`` letter changes (``None``: no limit).

    Ordered by length, then lexicographically; the vacuum is index 0.
    """
    if length < 0:
        raise ValueError(f"length must be ≥ 0, got {length}")
    cap = length if alternations is None else alternations
    words: list[tuple[int, ...]] = [()]
    for k in range(1, length + 1):
        for w in itertools.product((1, 2), repeat=k):
            if sum(a != b for a, b in itertools.pairwise(w)) <= cap:
                words.append(w)
    return words


def fock_dimension(length: int, alternations: int | None = None) -> int:
    """``len(fock_words(length, alternations))`` without building the words."""
    cap = length if alternations is None else alternations
    return 1 + sum(2 * sum(comb(k - 1, j) for j in range(min(cap, k - 1) + 1)) for k in range(1, length + 1))


def circular_operator(length: int, alternations: int | None = None) -> Float[np.ndarray, "D D"]:
    r"""The circular element ``c = ℓ_1 + ℓ_2^*`` on the truncated Fock space (module docstring).

    ``ℓ_i`` prepends the letter ``i``; a word that would leave the truncated basis is dropped
    (Galerkin projection). Without an alternation cap, ``⟨Ω, w(c, cᵀ) Ω⟩`` equals the circular
    moment ``τ(w)`` — the Ginibre limit of ``(1/N) tr w(J, Jᵀ)`` — for every word ``w`` of length
    ``≤ 2·length + 1``: e.g. ``τ(c^*c) = 1``, ``τ((c^*c)^2) = 2``, ``τ(c^{*2}c^2) = 1``, ``τ(c^2) = 0``.
    """
    words = fock_words(length, alternations)
    index = {w: i for i, w in enumerate(words)}
    c = np.zeros((len(words), len(words)))
    for w, i in index.items():
        j = index.get((1,) + w)
        if j is not None:
            c[j, i] += 1.0  # ℓ_1: e_w → e_{1w}
        j = index.get((2,) + w)
        if j is not None:
            c[i, j] += 1.0  # ℓ_2^*: e_{2w} → e_w
    return c


def free_limit_network(sigma: float, length: int, alternations: int | None = 2,
                       dtype=jnp.float64) -> LinearRNN:
    r"""The initial integrate network of the N → ∞ limit, truncated (module docstring):
    ``W0 = σ (c ⊕ c)``, ``u0 = Ω ⊕ 0``, ``v0 = 0 ⊕ Ω`` on ``2·fock_dimension(length, alternations)``
    units. Train it with the same engine and learning rate as the simulation."""
    c = circular_operator(length, alternations)
    d = c.shape[0]
    w = np.zeros((2 * d, 2 * d))
    w[:d, :d] = sigma * c
    w[d:, d:] = sigma * c
    u = np.zeros(2 * d)
    v = np.zeros(2 * d)
    u[0] = 1.0
    v[d] = 1.0
    return LinearRNN(jnp.asarray(w, dtype), jnp.asarray(u, dtype), jnp.asarray(v, dtype))


def free_limit_outliers(eigs: np.ndarray, targets: np.ndarray, sigma: float) -> np.ndarray:
    """For each target eigenvalue, the nearest eigenvalue of the limit network *outside* the bulk
    disk ``|λ| > σ`` (NaN where none is: the mode has not left the bulk). Last axis of ``eigs``."""
    eigs = np.asarray(eigs)
    targets = np.atleast_1d(np.asarray(targets))
    out = np.full(eigs.shape[:-1] + targets.shape, np.nan + 0j)
    for idx in np.ndindex(*eigs.shape[:-1]):
        outside = eigs[idx][np.abs(eigs[idx]) > sigma]
        taken: list[int] = []
        for m, t in enumerate(targets):
            if np.isnan(t):
                continue
            order = [i for i in np.argsort(np.abs(outside - t)) if i not in taken]
            if order:
                taken.append(order[0])
                out[idx + (m,)] = outside[order[0]]
    return out
