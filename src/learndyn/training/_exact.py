r"""The ``exact`` engine: gradient descent on the closed-form expected loss (Bordelon et al. 2025; docs/integrate.md).

Learndyn formulation. With the augmented system ``(A, b, c)`` of
:func:`augmented_system`:

.. math::
    A P + P A^\top + b b^\top = 0, \qquad L = \tfrac12 c^\top P c, \qquad
    A^\top Q + Q A + c c^\top = 0,

.. math::
    \nabla_W L = [Q P]_{1:N,1:N}, \qquad \nabla_u L = [Q b]_{1:N}, \qquad \nabla_v L = [P c]_{1:N}.

The Euler-discrete variant (the oracle of the sampled engine) replaces the Lyapunov equations by
Stein equations for ``M = I + dt A``:
``P_d = M P_d Mᵀ + dt b bᵀ``, ``L_dt = ½ cᵀ P_d c``, ``Q_d = Mᵀ Q_d M + ½ c cᵀ``,
``∇_A = 2 dt Q_d M P_d``, ``∇_b = 2 dt Q_d b``, ``∇_c = P_d c``.
"""

from __future__ import annotations

import jax.numpy as jnp

from .._types import Array, Float
from ..linalg import lyapunov_pair, solve_stein
from ..models import LinearRNN
from ..tasks import TargetSystem
from ._engine_output import EngineOutput


def augmented_system(
    net: LinearRNN, target: TargetSystem
) -> tuple[Float[Array, "k k"], Float[Array, " k"], Float[Array, " k"]]:
    r"""Joint network–target system of Bordelon et al. 2025; docs/integrate.md

    .. math::  A = \begin{pmatrix} W - I & 0 \\ 0 & B_\star \end{pmatrix},\quad
               b = \begin{pmatrix} u \\ b_\star \end{pmatrix},\quad
               c = \begin{pmatrix} v \\ -c_{\star,\rm out} \end{pmatrix},

    whose output ``cᵀ z`` is the error ``y - y⋆`` (same white noise drives both).
    """
    n, m = net.n, target.b_in.shape[-1]
    a = jnp.zeros((n + m, n + m), dtype=net.w.dtype)
    a = a.at[:n, :n].set(net.w - jnp.eye(n, dtype=net.w.dtype)).at[n:, n:].set(target.b_mat)
    b = jnp.concatenate([net.u, target.b_in])
    c = jnp.concatenate([net.v, -target.c_out])
    return a, b, c


def _zeros_like(net: LinearRNN) -> LinearRNN:
    return LinearRNN(jnp.zeros_like(net.w), jnp.zeros_like(net.u), jnp.zeros_like(net.v))


def _finish(net, loss, gw, gu, gv, stable) -> EngineOutput:
    grad = LinearRNN(gw, gu, gv)
    finite = jnp.isfinite(loss) & jnp.all(jnp.isfinite(gw)) & jnp.all(jnp.isfinite(gu))
    finite = finite & jnp.all(jnp.isfinite(gv))
    ok = stable & finite & (loss >= 0)
    zero = _zeros_like(net)
    grad = LinearRNN(*(jnp.where(ok, g, 0.0) for g in (grad.w, grad.u, grad.v)))
    return EngineOutput(jnp.where(ok, loss, jnp.inf), grad, ok, jnp.zeros_like(loss), zero)


def exact_loss_and_grad(net: LinearRNN, target: TargetSystem) -> EngineOutput:
    r"""Stationary loss ``L = ½ ∫₀^∞ (f - f⋆)² ds`` and its exact gradient (two Lyapunov solves).

    Args:
        net: one network ``(W, u, v)``.
        target: the target filter.

    Returns:
        :class:`EngineOutput`; ``ok`` is ``False`` (loss ``+inf``, zero gradient) when ``W - I`` is
        not Hurwitz — the solver would otherwise return finite garbage (§6).
    """
    n = net.n
    a, b, c = augmented_system(net, target)
    p, q, stable = lyapunov_pair(a, jnp.outer(b, b), jnp.outer(c, c))
    loss = 0.5 * c @ p @ c
    qp = q @ p
    return _finish(net, loss, qp[:n, :n], (q @ b)[:n], (p @ c)[:n], stable)


def exact_loss(net: LinearRNN, target: TargetSystem) -> Float[Array, ""]:
    """The closed-form stationary loss alone (``+inf`` outside the stable set)."""
    return exact_loss_and_grad(net, target).loss


def euler_discrete_loss_and_grad(net: LinearRNN, target: TargetSystem, dt: float) -> EngineOutput:
    r"""Euler-discrete stationary loss ``L_dt`` and gradient (§2.4 optional variant).

    This is exactly what the sampled engine estimates (up to an exponentially small transient),
    so it is the oracle for Monte-Carlo z-scores (§5 check 7a).
    """
    n = net.n
    a, b, c = augmented_system(net, target)
    m = jnp.eye(a.shape[0], dtype=a.dtype) + dt * a
    p_d = solve_stein(m, dt * jnp.outer(b, b))
    q_d = solve_stein(m.T, 0.5 * jnp.outer(c, c))
    loss = 0.5 * c @ p_d @ c
    grad_a = 2.0 * dt * q_d @ m @ p_d
    grad_b = 2.0 * dt * q_d @ b
    stable = jnp.all(jnp.isfinite(p_d)) & jnp.all(jnp.isfinite(q_d))
    return _finish(net, loss, grad_a[:n, :n], grad_b[:n], (p_d @ c)[:n], stable)
