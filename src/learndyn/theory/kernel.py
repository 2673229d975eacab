r"""Large-N kernel (linearised) theory of learning for the integrate model (issue "Large-N
theory", part 4; learndyn formulation — a derivation of this project, not a published result).

Model (Bordelon et al. 2025; docs/integrate.md): ``f(s) = vᵀ e^{(W − I)s} u``, loss
``L = ½ ∫_0^∞ (f(s) − f⋆(s))² ds``, gradient flow in ``τ = lr · step`` on ``(W, u, v)`` from
``W0 = σJ`` (``J_ij ~ N(0, 1/N)``), ``u0, v0`` independent of ``J`` with ``‖u0‖² = ‖v0‖² = 1``.

**Kernel.** Linearising ``f`` in the parameters around the initialisation, the residual
``g = f − f⋆`` obeys ``∂_τ g(s) = −∫ K(s, s') g(s') ds'`` with the tangent kernel
``K(s, s') = ∇_θ f(s) · ∇_θ f(s')``. In the Laplace domain (``z = p + 1``, ``R(z) = (z − W)^{-1}``),
``∂F/∂u = Rᵀv``, ``∂F/∂v = Ru``, ``∂F/∂W = (Rᵀv)(Ru)ᵀ``, so

.. math::

    K(z, z') = (Ru)·(R'u) + (Rᵀv)·(R'ᵀv) + [(Ru)·(R'u)]\,[(Rᵀv)·(R'ᵀv)]
             → \frac{‖u‖^2 + ‖v‖^2}{z z' − σ^2} + \frac{‖u‖^2 ‖v‖^2}{(z z' − σ^2)^2}

by the Ginibre quadratic form of part 3 (``|z|, |z'| ≥ 1 > σ``). Expanding in ``σ^{2k}/(zz')^{k+1}``
and inverting term by term (``1/z^{k+1} ↔ s^k e^{-s}/k!``):

.. math::

    K(s, s') = e^{-(s + s')}\Big[(‖u‖^2 + ‖v‖^2)\, I_0(2σ\sqrt{ss'})
               + ‖u‖^2‖v‖^2\, \frac{\sqrt{ss'}}{σ}\, I_1(2σ\sqrt{ss'})\Big]

(``√(ss')·I_1(2σ√(ss'))/σ → ss'`` at σ = 0). The initial network output ``f_0 = O(N^{-1/2})``
has mean zero, so the seed-averaged residual starts at ``g_0 = −f⋆`` and the kernel prediction
of the loss is

.. math::  L(τ) = ½ ⟨g_0, e^{-2τK} g_0⟩ + O(1/N),

computed by quadrature in ``s`` (Gauss–Legendre) and one symmetric eigendecomposition: a cost
independent of ``N``. It holds while the parameters stay close to their initial values (the
*early / lazy* phase); it cannot produce the outlier escape, which changes the kernel
(docs/theory/dmft.md, "Part 4", states where it fails).
"""

from __future__ import annotations

import numpy as np
from jaxtyping import Float
from scipy.special import ive


def integrate_kernel(s: Float[np.ndarray, " a"], t: Float[np.ndarray, " b"], sigma: float,
                     u_norm2: float = 1.0, v_norm2: float = 1.0) -> Float[np.ndarray, "a b"]:
    r"""Large-N tangent kernel ``K(s, t)`` of the integrate model at initialisation (module
    docstring; issue "Large-N theory" part 4, built on the part-3 resolvent form)."""
    s, t = np.asarray(s, float)[:, None], np.asarray(t, float)[None, :]
    x = np.sqrt(s * t)
    y = 2.0 * sigma * x
    damp = np.exp(y - s - t)  # ive(k, y) = I_k(y) e^{-y}; y ≤ σ(s + t) < s + t keeps it bounded
    first = (u_norm2 + v_norm2) * ive(0, y) * damp
    if sigma > 0:
        second = u_norm2 * v_norm2 * x * ive(1, y) / sigma * damp
    else:
        second = u_norm2 * v_norm2 * s * t * np.exp(-s - t)
    return first + second


def target_filter(kind: str, s: np.ndarray, c_star: float, omega_star: float = 1.0,
                  timescales=(10.0, 2.0), gains=(1.0, 1.0)) -> np.ndarray:
    """``f⋆(s)`` of Bordelon et al. 2025; docs/integrate.md (leaky, oscillator, multiscale)."""
    if kind == "leaky":
        return np.exp(-c_star * s)
    if kind == "oscillator":
        return np.exp(-c_star * s) * np.cos(omega_star * s)
    return sum(g * np.exp(-s / T) for g, T in zip(gains, timescales, strict=True))


def target_response(b_mat, b_in, c_out):
    """``s → f⋆(s) = c⋆outᵀ e^{B⋆ s} b⋆`` of a target system (Bordelon et al. 2025; docs/integrate.md), vectorised
    in ``s`` through the eigendecomposition of the small ``B⋆``."""
    b_mat, b_in, c_out = (np.asarray(x, float) for x in (b_mat, b_in, c_out))
    mu, vec = np.linalg.eig(b_mat)
    weights = (c_out @ vec) * np.linalg.solve(vec, b_in)
    return lambda s: np.real(np.exp(np.multiply.outer(np.asarray(s, float), mu)) @ weights)


def quadrature_range(decay_rates, sigma: float, decades: float = 40.0) -> float:
    """Integration range in ``s``: ``decades`` e-foldings of the slowest of ``f⋆`` and of the bulk
    envelope ``e^{-(1 − σ)s}`` of the kernel."""
    return decades / min(min(decay_rates), 1.0 - sigma)


def kernel_learning_curve(f_star, sigma: float, taus: np.ndarray, *, s_max: float, nodes: int = 400,
                          u_norm2: float = 1.0, v_norm2: float = 1.0, lr: float | None = None) -> np.ndarray:
    r"""Kernel-theory loss ``L(τ) = ½⟨g_0, e^{-2τK} g_0⟩`` with ``g_0 = −f⋆`` (module docstring).

    With ``lr`` given, the same linearised model under *discrete* gradient descent of step ``lr``:
    ``L_k = ½⟨g_0, (1 − lr K)^{2k} g_0⟩`` at ``k = τ/lr`` steps (what a simulation at that
    learning rate should be compared with; it tends to the flow as ``lr → 0``).

    Args:
        f_star: callable ``s → f⋆(s)``.
        sigma: bulk radius of ``W0``.
        taus: gradient-flow times ``lr · step``.
        s_max: quadrature range in ``s`` (several decay times of ``f⋆`` and of ``e^{-(1-σ)s}``;
            :func:`quadrature_range`).
        nodes: Gauss–Legendre nodes.
        lr: learning rate of discrete gradient descent (``None``: the gradient flow).
    """
    x, w = np.polynomial.legendre.leggauss(nodes)
    s = 0.5 * s_max * (x + 1.0)
    w = 0.5 * s_max * w
    sq = np.sqrt(w)
    k = sq[:, None] * integrate_kernel(s, s, sigma, u_norm2, v_norm2) * sq[None, :]
    mu, vec = np.linalg.eigh(0.5 * (k + k.T))
    mu = np.clip(mu, 0.0, None)
    g0 = vec.T @ (sq * -f_star(s))
    taus = np.asarray(taus, float)
    if lr is None:
        decay = np.exp(-2.0 * mu[None, :] * taus[:, None])
    else:
        decay = (1.0 - lr * mu[None, :]) ** (2.0 * np.round(taus / lr)[:, None])
    return 0.5 * np.sum(g0[None, :] ** 2 * decay, axis=1)


def early_phase_end(loss: np.ndarray, taus: np.ndarray, fraction: float = 0.1) -> float:
    """First ``τ`` at which a (theory) loss curve has lost ``fraction`` of its initial value — the
    end of the *early phase* over which the kernel level is compared with simulation
    (docs/theory/dmft.md, part 4). ``inf`` when the curve never gets there."""
    loss, taus = np.asarray(loss, float), np.asarray(taus, float)
    below = np.flatnonzero(loss <= (1.0 - fraction) * loss[0])
    return float(taus[below[0]]) if below.size else float("inf")
