r"""Recurrent controllers for closed-loop control (Ger & Barak 2025; docs/closed_loop.md).

A leaky controller, column notation:

.. math::
    h_t = (1 − a) h_{t−1} + a\, φ(W h_{t−1} + M s_t),\qquad u_t = Z^\top h_t,\qquad a = dt/τ,

with no biases. Two parameterisations share :func:`controller_matrices`:

* :class:`LeakyController` — full-rank ``W`` (``N×N``), input ``M`` (``N×d_in``), readout ``Z``
  (``N×d_out``);
* :class:`Rank1Controller` — ``W = u vᵀ + g J`` with fixed input vector ``m`` and trained
  ``z, u, v`` (``J`` fixed).

The reference code stores row matrices: ``W = W_hhᵀ``, ``M = W_ihᵀ``, ``Z = W_hoᵀ``.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from .._types import Array, Float, PRNGKeyArray


class LeakyController(eqx.Module):
    """Full-rank leaky RNN controller (column notation)."""

    w: Float[Array, "n n"]
    w_in: Float[Array, "n d_in"]
    w_out: Float[Array, "n d_out"]


class Rank1Controller(eqx.Module):
    """Rank-1 linear controller ``W = u vᵀ + j`` (``j = g J`` fixed), input ``m``, readout ``z``."""

    m: Float[Array, " n"]
    z: Float[Array, " n"]
    u: Float[Array, " n"]
    v: Float[Array, " n"]
    j: Float[Array, "n n"]


Controller = LeakyController | Rank1Controller


def controller_matrices(params: Controller) -> tuple[Array, Array, Array]:
    """``(W, M, Z)`` of either parameterisation (``M: (n, d_in)``, ``Z: (n, d_out)``)."""
    if isinstance(params, Rank1Controller):
        return jnp.outer(params.u, params.v) + params.j, params.m[:, None], params.z[:, None]
    return params.w, params.w_in, params.w_out


def init_leaky_controller(
    *, key: PRNGKeyArray, n: int, d_in: int, d_out: int, g: float,
    in_init: str = "normal", in_scale: float = 0.01, out_init: str = "normal", out_scale: float = 0.01,
) -> LeakyController:
    r"""``W = g·J`` (``J_ij ~ N(0, 1/N)``); input/readout ``N(0, s²)`` or ``U(−s, s)`` (§2).

    Non-linear double-integrator run: ``g = 0.1``, ``N(0, 0.01²)`` for both; tracking: ``g = 0.2``,
    ``U(−0.1, 0.1)`` for both (reference code).
    """
    kw, ki, ko = jax.random.split(key, 3)

    def draw(k, shape, kind, scale):
        if kind == "uniform":
            return jax.random.uniform(k, shape, minval=-scale, maxval=scale)
        return scale * jax.random.normal(k, shape)

    w = g * jax.random.normal(kw, (n, n)) / jnp.sqrt(n)
    return LeakyController(w, draw(ki, (n, d_in), in_init, in_scale), draw(ko, (n, d_out), out_init, out_scale))


def init_rank1_controller(*, key: PRNGKeyArray, n: int, g: float = 0.0) -> Rank1Controller:
    r"""Rank-1 init (§2, reference code): ``m, z ~ U(−1/√N, 1/√N)^N``, ``u, v ~ N(0, 1/N)``, ``J ~ N(0, 1/N)``."""
    km, kz, ku, kv, kj = jax.random.split(key, 5)
    b = 1 / jnp.sqrt(n)
    return Rank1Controller(
        m=jax.random.uniform(km, (n,), minval=-b, maxval=b),
        z=jax.random.uniform(kz, (n,), minval=-b, maxval=b),
        u=jax.random.normal(ku, (n,)) * b,
        v=jax.random.normal(kv, (n,)) * b,
        j=g * jax.random.normal(kj, (n, n)) * b,
    )


def set_zm_overlap(params: Rank1Controller, s: float) -> Rank1Controller:
    r"""Controlled start ``σ_zm = s`` (§2, Fig. 3d/e): ``z = (s/‖m‖²) m + z_⊥``.

    ``z_⊥`` is the random ``z`` projected off ``m`` and rescaled to norm ``0.1·|s|/‖m‖``
    (reference code).
    """
    m, z = params.m, params.z
    mm = m @ m
    perp = z - (z @ m) / mm * m
    perp = perp / jnp.linalg.norm(perp) * 0.1 * jnp.abs(s) / jnp.sqrt(mm)
    return eqx.tree_at(lambda p: p.z, params, s / mm * m + perp)


def overlaps(params: Rank1Controller) -> Float[Array, "10"]:
    r"""``(σ_zm, σ_zu, σ_vm, σ_vu, ‖u‖², ‖z‖², ‖v‖², mᵀu, zᵀv, ‖m‖²)`` — plain dot products (§2, §4.6)."""
    m, z, u, v = params.m, params.z, params.u, params.v
    return jnp.stack([z @ m, z @ u, v @ m, v @ u, u @ u, z @ z, v @ v, m @ u, z @ v, m @ m])
