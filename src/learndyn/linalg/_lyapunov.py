r"""Continuous Lyapunov and discrete Stein equations without eigendecompositions.

The exact training engine of ``Bordelon et al. 2025; docs/integrate.md`` §2.4 needs, at every gradient step, the
controllability Gramian ``P`` and the observability Gramian ``Q`` of a stable linear system:

.. math::  A P + P A^\top + B = 0, \qquad A^\top Q + Q A + C = 0.

Both come out of one matrix-sign-function Newton iteration (Roberts 1980; the scaled form in
``Bordelon et al. 2025; docs/integrate.md`` §2.4, learndyn formulation):

.. math::
    \gamma_k = |\det A_k|^{-1/n},\quad A_{k+1} = \tfrac12(\gamma_k A_k + A_k^{-1}/\gamma_k),\quad
    B_{k+1} = \tfrac12(\gamma_k B_k + A_k^{-1} B_k A_k^{-\top}/\gamma_k),

with ``A_k -> -I`` exactly when ``A`` is Hurwitz, and then ``P = B_\infty / 2``. The iterates for
``A^\top`` are the transposes of those for ``A``, so ``Q`` costs no extra inverse. The limit of
``A_k`` doubles as a jit-compatible stability test (no non-symmetric ``eig``, which JAX only offers
on CPU): the system is stable iff ``A_\infty = -I``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._types import Array, Bool, Float

_MAX_ITER = 50


def lyapunov_pair(
    a: Float[Array, "n n"],
    b: Float[Array, "n n"],
    c: Float[Array, "n n"],
    *,
    rtol: float = 1e-13,
    max_iter: int = _MAX_ITER,
) -> tuple[Float[Array, "n n"], Float[Array, "n n"], Bool[Array, ""]]:
    r"""Solve ``A P + P Aᵀ + B = 0`` and ``Aᵀ Q + Q A + C = 0`` together.

    Args:
        a: ``(n, n)`` state matrix.
        b: ``(n, n)`` symmetric right-hand side of the controllability equation.
        c: ``(n, n)`` symmetric right-hand side of the observability equation.
        rtol: stop when ``‖A_{k+1} - A_k‖_F ≤ rtol · ‖A_k‖_F``.
        max_iter: iteration cap (a fixed cap keeps the loop compilable).

    Returns:
        ``(P, Q, stable)``: the two solutions and a flag that is ``True`` iff the iteration
        converged to ``A_∞ = -I`` (all eigenvalues of ``A`` in the open left half plane). When
        ``stable`` is ``False`` the solutions are meaningless (Bordelon et al. 2025; docs/integrate.md: outside the
        stable set the equation has non-Gramian solutions).
    """
    n = a.shape[-1]
    eye = jnp.eye(n, dtype=a.dtype)

    def cond(state):
        k, _, _, _, delta = state
        return (k < max_iter) & (delta > rtol)

    def body(state):
        k, ak, bk, ck, _ = state
        ainv = jnp.linalg.inv(ak)
        _, logdet = jnp.linalg.slogdet(ak)
        gamma = jnp.exp(-logdet / n)
        a_next = 0.5 * (gamma * ak + ainv / gamma)
        b_next = 0.5 * (gamma * bk + ainv @ bk @ ainv.T / gamma)
        c_next = 0.5 * (gamma * ck + ainv.T @ ck @ ainv / gamma)
        delta = jnp.linalg.norm(a_next - ak) / jnp.linalg.norm(ak)
        delta = jnp.where(jnp.isfinite(delta), delta, 0.0)  # a singular A stops the loop
        return k + 1, a_next, b_next, c_next, delta

    init = (jnp.asarray(0), a, b, c, jnp.asarray(jnp.inf, dtype=a.dtype))
    _, a_inf, b_inf, c_inf, _ = jax.lax.while_loop(cond, body, init)
    stable = jnp.max(jnp.abs(a_inf + eye)) < 1e-6
    stable = stable & jnp.all(jnp.isfinite(b_inf)) & jnp.all(jnp.isfinite(c_inf))
    return 0.5 * b_inf, 0.5 * c_inf, stable


def solve_lyapunov(a: Float[Array, "n n"], q: Float[Array, "n n"]) -> Float[Array, "n n"]:
    r"""Solve ``A X + X Aᵀ + Q = 0`` for Hurwitz ``A`` (sign-function iteration).

    Same convention as ``scipy.linalg.solve_continuous_lyapunov(a, -q)``.
    Returns NaNs if ``A`` is not Hurwitz.
    """
    x, _, stable = lyapunov_pair(a, q, jnp.zeros_like(q))
    return jnp.where(stable, x, jnp.nan)


def solve_stein(
    m: Float[Array, "n n"], q: Float[Array, "n n"], *, max_doublings: int = 64
) -> Float[Array, "n n"]:
    r"""Solve the Stein equation ``X = M X Mᵀ + Q`` for a Schur-stable ``M`` (ρ(M) < 1).

    Smith's doubling: ``X_{k+1} = X_k + M_k X_k M_kᵀ``, ``M_{k+1} = M_k²``, which sums
    ``Σ_j M^j Q (Mᵀ)^j`` in ``log₂`` as many steps; it stops when ``M_k`` has decayed to round-off.
    Used for the Euler-discrete loss (Bordelon et al. 2025; docs/integrate.md), the oracle of the sampled engine.
    Returns NaNs if ``M`` is not Schur-stable.
    """

    def cond(state):
        k, mk, _ = state
        return (k < max_doublings) & (jnp.max(jnp.abs(mk)) > 1e-18)

    def body(state):
        k, mk, xk = state
        xk = xk + mk @ xk @ mk.T
        return k + 1, mk @ mk, xk

    _, m_inf, x = jax.lax.while_loop(cond, body, (jnp.asarray(0), m, q))
    ok = jnp.all(jnp.isfinite(m_inf)) & (jnp.max(jnp.abs(m_inf)) <= 1e-18)
    return jnp.where(ok, x, jnp.nan)
