r"""White-noise integration targets (Bordelon et al. 2025; docs/integrate.md).

Every target filter is a small stable linear system ``(B⋆, b⋆, c⋆out)`` with impulse response
``f⋆(s) = c⋆outᵀ exp(B⋆ s) b⋆`` (learndyn formulation), so that one code path serves all targets:

| kind | ``f⋆(s)`` | provenance |
|---|---|---|
| leaky | ``exp(-c⋆ s)`` | (paper) |
| oscillator | ``exp(-c⋆ s) cos(ω⋆ s)`` | form: learndyn formulation |
| multiscale | ``Σ_k g_k exp(-s/T_k)`` | form: learndyn formulation |
"""

from __future__ import annotations

from collections.abc import Sequence

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from .._types import Array, Float, PRNGKeyArray
from ..linalg import sort_eigenvalues


class TargetSystem(eqx.Module):
    r"""A stable linear filter ``f⋆(s) = c_outᵀ exp(B s) b``.

    Attributes:
        b_mat: ``(m, m)`` Hurwitz state matrix ``B⋆``.
        b_in: ``(m,)`` input vector ``b⋆``.
        c_out: ``(m,)`` read-out ``c⋆out``.
    """

    b_mat: Float[Array, "m m"]
    b_in: Float[Array, " m"]
    c_out: Float[Array, " m"]


def leaky_target(c_star: float) -> TargetSystem:
    """``f⋆(s) = exp(-c⋆ s)`` (paper): ``B⋆ = [-c⋆]``, ``b⋆ = c⋆out = [1]``."""
    return TargetSystem(
        jnp.array([[-c_star]], dtype=float), jnp.ones(1), jnp.ones(1)
    )


def oscillator_target(c_star: float, omega_star: float) -> TargetSystem:
    """``f⋆(s) = exp(-c⋆ s) cos(ω⋆ s)``: ``B⋆ = [[-c⋆, -ω⋆], [ω⋆, -c⋆]]``, ``b⋆ = c⋆out = e₁``."""
    b_mat = jnp.array([[-c_star, -omega_star], [omega_star, -c_star]], dtype=float)
    e1 = jnp.array([1.0, 0.0])
    return TargetSystem(b_mat, e1, e1)


def multiscale_target(timescales: Sequence[float], gains: Sequence[float]) -> TargetSystem:
    """``f⋆(s) = Σ_k g_k exp(-s/T_k)``: ``B⋆ = diag(-1/T_k)``, ``b⋆ = 1``, ``c⋆out = g``."""
    rates = 1.0 / jnp.asarray(timescales, dtype=float)
    return TargetSystem(jnp.diag(-rates), jnp.ones_like(rates), jnp.asarray(gains, dtype=float))


def target_system(task) -> TargetSystem:
    """Build the target system of a :class:`learndyn.config.WhiteNoiseTask`."""
    if task.kind == "leaky":
        return leaky_target(task.c_star)
    if task.kind == "oscillator":
        return oscillator_target(task.c_star, task.omega_star)
    return multiscale_target(task.timescales, task.gains)


def target_eigenvalues(task) -> np.ndarray:
    r"""Eigenvalues of ``W`` that fit the target exactly, ``1 + eig(B⋆)`` (§3.7), sorted by modulus.

    Leaky: ``1 - c⋆``; oscillator: ``(1 - c⋆) ± iω⋆`` (``Im ≥ 0`` first); multiscale ``1 - 1/T_k``.
    """
    target = target_system(task)
    return sort_eigenvalues(1.0 + np.linalg.eigvals(np.asarray(target.b_mat)))


def target_initial_loss(task) -> float:
    r"""``L0 = ½ ∫₀^∞ f⋆(s)² ds`` (Bordelon et al. 2025; docs/integrate.md), the loss of ``f ≡ 0``.

    Computed from the target's own Gramian, ``L0 = ½ c⋆outᵀ P⋆ c⋆out`` with
    ``B⋆ P⋆ + P⋆ B⋆ᵀ + b⋆ b⋆ᵀ = 0``. Closed forms: leaky ``1/(4c⋆)``; oscillator
    ``(1/8)[1/c⋆ + c⋆/(c⋆² + ω⋆²)]``; multiscale ``½ Σ_jk g_j g_k/(c_j + c_k)``.
    """
    import scipy.linalg

    t = target_system(task)
    bm, bi, co = (np.asarray(x) for x in (t.b_mat, t.b_in, t.c_out))
    p = scipy.linalg.solve_continuous_lyapunov(bm, -np.outer(bi, bi))
    return float(0.5 * co @ p @ co)


def white_noise(key: PRNGKeyArray, batch: int, n_steps: int) -> Float[Array, "batch time"]:
    r"""Standard normal increments ``ξ_k`` for Euler-Maruyama, ``x_k = ξ_k/√dt`` (§2.5).

    Args:
        key: PRNG key.
        batch: number of independent noise realisations.
        n_steps: number of time steps.

    Returns:
        ``(batch, n_steps)`` i.i.d. ``N(0, 1)`` draws.
    """
    return jr.normal(key, (batch, n_steps))
