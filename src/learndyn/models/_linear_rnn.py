r"""Continuous-time linear RNN with a leak (Bordelon et al. 2025; docs/integrate.md).

.. math::  \dot h = -h + W h + u\,x(t), \qquad h(0) = 0, \qquad y = v\cdot h.

(paper: continuous time, ``u``, ``W``, ``v``; the leak and this form: learndyn formulation.)
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr

from .._types import Array, Float, PRNGKeyArray


class LinearRNN(eqx.Module):
    r"""Parameters ``(W, u, v)`` of ``ḣ = (W - I) h + u x``, ``y = v·h``.

    One network; ``jax.vmap`` (or ``eqx.filter_vmap``) over a leading axis for many seeds.

    Attributes:
        w: ``(n, n)`` recurrent matrix ``W``.
        u: ``(n,)`` read-in ``u``.
        v: ``(n,)`` read-out ``v``.
    """

    w: Float[Array, "n n"]
    u: Float[Array, " n"]
    v: Float[Array, " n"]

    @property
    def n(self) -> int:
        return self.w.shape[-1]

    def impulse_response(self, s: Float[Array, " times"]) -> Float[Array, " times"]:
        r"""``f(s) = vᵀ exp((W - I) s) u`` at the given times."""
        a = self.w - jnp.eye(self.n, dtype=self.w.dtype)
        return jax.vmap(lambda t: self.v @ jax.scipy.linalg.expm(a * t) @ self.u)(s)


def init_linear_rnn(
    *, key: PRNGKeyArray, n: int, sigma: float | Float[Array, ""], init_uv: str = "gaussian"
) -> LinearRNN:
    r"""Initial network (Bordelon et al. 2025; docs/integrate.md, learndyn formulation).

    ``W0 = σ J`` with ``J_ij ~ N(0, 1/N)``; ``u0, v0`` entries ``N(0, 1/N)`` (``"gaussian"``), or
    Gram-Schmidt orthonormalised (``"orthonormal"``: ``‖u0‖ = ‖v0‖ = 1``, ``u0·v0 = 0``).
    The same key gives the same ``J`` for every σ, so a σ sweep rescales one bulk.

    Args:
        key: PRNG key (split internally into ``J``, ``u0``, ``v0``).
        n: number of neurons ``N``.
        sigma: bulk radius σ (may be traced, e.g. vmapped over a sweep).
        init_uv: ``"gaussian"`` or ``"orthonormal"``.
    """
    kj, ku, kv = jr.split(key, 3)
    scale = 1.0 / jnp.sqrt(n)
    w = sigma * scale * jr.normal(kj, (n, n))
    u = scale * jr.normal(ku, (n,))
    v = scale * jr.normal(kv, (n,))
    if init_uv == "orthonormal":
        u = u / jnp.linalg.norm(u)
        v = v - (v @ u) * u
        v = v / jnp.linalg.norm(v)
    elif init_uv != "gaussian":
        raise ValueError(f"`init_uv` must be 'gaussian' or 'orthonormal', got {init_uv!r}")
    return LinearRNN(w, u, v)


def two_neuron_init(dtype=jnp.float64) -> LinearRNN:
    r"""Start of the exact σ=0 reduction (§3.3): ``M = 0``, ``a = (1, 0)``, ``b = (0, 1)``."""
    return LinearRNN(jnp.zeros((2, 2), dtype), jnp.array([1.0, 0.0], dtype), jnp.array([0.0, 1.0], dtype))
