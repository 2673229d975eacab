r"""Theory of grokking in two-layer networks: the Li2 framework (Tian 2025; docs/grokking.md;
Tian, arXiv 2509.21519 v5).

Notation: group of order ``M``; a unit ``w = [a; b] ∈ R^{2M}`` computes ``σ(a[h1] + b[h2])`` on
the pair ``(h1, h2)`` (``x = [e_{h1}; e_{h2}]``, so ``Xw = a[h1] + b[h2]``); ``Ỹ`` is the one-hot
target matrix centred over the rows used (``P1⊥Y``). Labels: (paper) unless marked
(learndyn formulation).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from .._types import Array, Float, Int

CRITICAL_CONSTANT = 2.7482
"""Reference code's constant in ``p_c(M) = 2.7482 ln M / M`` (Tian 2025; docs/grokking.md)."""


# ----------------------------------------------------------------------------- activations


def activation(name: str):
    """``σ`` by name: ``sq`` (x², the theory's case), ``relu``, ``silu`` (x·sigmoid(x)), ``linear``."""
    if name == "sq":
        return lambda z: z**2
    if name == "relu":
        return jax.nn.relu
    if name == "silu":
        return jax.nn.silu
    if name == "linear":
        return lambda z: z
    raise ValueError(f"unknown activation {name!r}; one of sq, relu, silu, linear")


def hidden(w: Float[Array, "twoM K"], pairs: Int[Array, "n 2"], act: str) -> Float[Array, "n K"]:
    """``F = σ(XW)`` with ``(XW)[i] = W[h1_i] + W[M + h2_i]`` (no one-hot matrix is built)."""
    m = w.shape[0] // 2
    return activation(act)(w[pairs[:, 0]] + w[m + pairs[:, 1]])


def centred_targets(labels: Int[Array, " n"], m: int) -> Float[Array, "n M"]:
    """``Ỹ = P1⊥ Y``: one-hot targets minus their column means over the rows used."""
    y = jax.nn.one_hot(labels, m)
    return y - y.mean(0)


# ----------------------------------------------------------------------------- §2.3 energy


def energy(w: Float[Array, " twoM"], pairs, y_tilde: Float[Array, "n M"], act: str = "sq"):
    r"""``E(w) = ½‖Ỹᵀσ(Xw)‖²`` (Tian 2025; docs/grokking.md, Theorem 1; learndyn normalisation:
    maxima ``M/4`` (complex pair / 2-d irrep) and ``M/2`` (1-d real irrep) at ``‖w‖ = 1``)."""
    f = hidden(w[:, None], pairs, act)[:, 0]
    return 0.5 * jnp.sum((y_tilde.T @ f) ** 2)


def energy_gradient(w: Float[Array, " twoM"], pairs, y_tilde, act: str = "sq"):
    r"""Analytic ``∇E = Xᵀ diag(σ'(Xw)) ỸỸᵀ σ(Xw)`` (§2.3): the per-pair factor is scattered back
    to ``a[h1]`` and ``b[h2]``."""
    m = w.shape[0] // 2
    z = w[pairs[:, 0]] + w[m + pairs[:, 1]]
    sig = activation(act)
    f, fprime = sig(z), jax.grad(lambda x: sig(x))
    g = jax.vmap(fprime)(z) * (y_tilde @ (y_tilde.T @ f))
    return jnp.zeros(2 * m, g.dtype).at[pairs[:, 0]].add(g).at[m + pairs[:, 1]].add(g)


def projected_ascent(w0, pairs, y_tilde, act: str = "sq", gamma: float | None = None, steps: int = 4000):
    r"""``w ← (w + γ∇E)/‖w + γ∇E‖`` from ``w0/‖w0‖`` (learndyn formulation; ``γ = 2/M``).
    Returns ``(w_final, E per step)``."""
    m = w0.shape[0] // 2
    gamma = 2.0 / m if gamma is None else gamma

    def step(w, _):
        w = w + gamma * energy_gradient(w, pairs, y_tilde, act)
        w = w / jnp.linalg.norm(w)
        return w, energy(w, pairs, y_tilde, act)

    w0 = w0 / jnp.linalg.norm(w0)
    return jax.lax.scan(step, w0, None, length=steps)


# ----------------------------------------------------------------------------- §2.2 stage I


def stage1_matrices(f_tilde: Float[Array, "n K"], y_tilde: Float[Array, "n M"], eta: float):
    r"""``A = F̃ᵀF̃ + ηI`` and ``V_r = A⁻¹F̃ᵀỸ`` (§2.2)."""
    a = f_tilde.T @ f_tilde + eta * jnp.eye(f_tilde.shape[1])
    return a, jnp.linalg.solve(a, f_tilde.T @ y_tilde)


def stage1_v(t: float, v0, f_tilde, y_tilde, eta: float):
    r"""``V(t) = V_r + e^{−At}(V(0) − V_r)`` for ``dV/dt = −AV + F̃ᵀỸ`` (§2.2)."""
    a, v_r = stage1_matrices(f_tilde, y_tilde, eta)
    lam, q = jnp.linalg.eigh(a)
    return v_r + q @ (jnp.exp(-lam * t)[:, None] * (q.T @ (v0 - v_r)))


def back_gradient(v, f_tilde, y_tilde):
    r"""``G_F = (Ỹ − F̃V)Vᵀ`` (§2.1 for ``mse_sample`` at fixed F)."""
    return (y_tilde - f_tilde @ v) @ v.T


def stage1_fixed_point_gradient(f_tilde, y_tilde, eta: float):
    r"""Eq. 4: ``G_F(∞) = P_η ỸỸᵀF̃ B`` with ``P_η = η(F̃F̃ᵀ + ηI)⁻¹``, ``B = (F̃ᵀF̃ + ηI)⁻¹``."""
    n, k = f_tilde.shape
    p_eta = eta * jnp.linalg.inv(f_tilde @ f_tilde.T + eta * jnp.eye(n))
    b = jnp.linalg.inv(f_tilde.T @ f_tilde + eta * jnp.eye(k))
    return p_eta @ y_tilde @ y_tilde.T @ f_tilde @ b


# ----------------------------------------------------------------------------- §2.5, §2.6


def least_squares_residual(f: Float[Array, "n K"], y_tilde: Float[Array, "n M"]) -> float:
    """Relative residual ``‖F̃V − Ỹ‖/‖Ỹ‖`` of the least-squares readout (Theorem 3 checks)."""
    f_tilde = f - f.mean(0)
    v, *_ = np.linalg.lstsq(np.asarray(f_tilde), np.asarray(y_tilde), rcond=None)
    return float(np.linalg.norm(np.asarray(f_tilde) @ v - np.asarray(y_tilde)) / np.linalg.norm(y_tilde))


def critical_fraction(m: int, constant: float = CRITICAL_CONSTANT) -> float:
    """``p_c(M) = c · ln M / M`` (reference code's constant 2.7482; §2.6)."""
    return constant * math.log(m) / m


# ----------------------------------------------------------------------------- §4 diagnostics


def cyclic_projectors(shape: tuple[int, ...]) -> list[np.ndarray]:
    """Real isotypic projectors of ``Z_{m1} × …`` (mixed-radix index): DC first, then one per
    pair ``{k, −k}`` of wave vectors (``‖Π_k a‖² = (|â[k]|² + |â[−k]|²)/M``)."""
    shape = tuple(shape)
    m = math.prod(shape)
    coords = np.stack(np.unravel_index(np.arange(m), shape), axis=1)
    seen, projectors = set(), [np.full((m, m), 1.0 / m)]
    for idx in range(1, m):
        k = coords[idx]
        neg = tuple((-k) % np.asarray(shape))
        if tuple(k) in seen or neg in seen:
            continue
        seen.add(tuple(k))
        phase = 2 * np.pi * ((coords @ (k / np.asarray(shape))))
        diff = phase[:, None] - phase[None, :]
        weight = 1.0 if tuple(k) == neg else 2.0
        projectors.append(weight * np.cos(diff) / m)
    return projectors


def unit_spectra(w: np.ndarray, projectors: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    r"""Per-unit power per frequency: ``(Pa, Pb)`` each ``(n_freq, K)`` with
    ``P(k) = ‖Π_k a‖²`` (index 0 = DC)."""
    m = w.shape[0] // 2
    a, b = w[:m], w[m:]
    pa = np.stack([np.sum((p @ a) ** 2, axis=0) for p in projectors])
    pb = np.stack([np.sum((p @ b) ** 2, axis=0) for p in projectors])
    return pa, pb


def fourier_diagnostics(w: np.ndarray, v: np.ndarray, projectors: list[np.ndarray]) -> dict[str, np.ndarray | float]:
    r"""Per-unit dominant frequency ``k_j = argmax_{k≥1} P_j(k)``, concentration
    ``c_j = P_j(k_j)/Σ_k P_j(k)`` (DC in the denominator), importance ``s_j = ‖V_j‖‖W_j‖²``, and
    the summary metrics (Tian 2025; docs/grokking.md): ``fourier_concentration = Σ s_j c_j / Σ s_j``,
    ``frequencies_covered`` = distinct ``k_j`` among the top ``2M − 2`` units by importance with
    ``c_j ≥ 0.9``; ``ka_equals_kb`` = share of those top units whose operands share ``k``."""
    m = w.shape[0] // 2
    pa, pb = unit_spectra(w, projectors)
    p = pa + pb
    k = 1 + np.argmax(p[1:], axis=0)
    conc = p[k, np.arange(p.shape[1])] / np.maximum(p.sum(0), 1e-300)
    imp = np.linalg.norm(v, axis=1) * np.sum(w**2, axis=0)
    top = np.argsort(-imp)[: 2 * m - 2]
    ka, kb = 1 + np.argmax(pa[1:], axis=0), 1 + np.argmax(pb[1:], axis=0)
    covered = len(set(k[top][conc[top] >= 0.9].tolist()))
    return {
        "fourier_concentration": float(np.sum(imp * conc) / max(np.sum(imp), 1e-300)),
        "frequencies_covered": covered,
        "ka_equals_kb": float(np.mean(ka[top] == kb[top])),
        "concentration_unweighted": float(np.mean(conc)),
        "unit_frequency": k,
        "unit_concentration": conc,
        "unit_importance": imp,
    }
