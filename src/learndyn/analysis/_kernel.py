r"""Neural tangent kernel and kernel distance (rich vs lazy learning).

``K = J Jᵀ`` with ``J = ∂ vec(f(θ, x)) / ∂θ`` over all parameters, by autodiff (Proca et al. 2025; docs/lrnn.md; erratum E6: not the paper's commuting closed form). Kernel distance of Fort et al. (2020):
``D = 1 − ⟨K₀, K₁⟩_F / (‖K₀‖_F ‖K₁‖_F)``; ``D ≈ 0`` lazy, large ``D`` rich.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from .._types import Array, Float


def neural_tangent_kernel(fn: Callable[[Any, Array], Array], params: Any, x: Array) -> Float[Array, "k k"]:
    """Empirical NTK of ``fn(params, x)`` over every output entry (all samples and outputs)."""
    jac = jax.jacrev(lambda p: fn(p, x).reshape(-1))(params)
    rows = jnp.concatenate([leaf.reshape(leaf.shape[0], -1) for leaf in jax.tree.leaves(jac)], axis=1)
    return rows @ rows.T


def kernel_distance(k0: Float[Array, "k k"], k1: Float[Array, "k k"]) -> Float[Array, ""]:
    """``D = 1 − ⟨K₀, K₁⟩_F / (‖K₀‖_F ‖K₁‖_F)`` (Fort et al. 2020)."""
    return 1.0 - jnp.sum(k0 * k1) / (jnp.linalg.norm(k0) * jnp.linalg.norm(k1))
