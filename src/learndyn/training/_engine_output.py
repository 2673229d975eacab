"""What every gradient engine returns (one pytree, vmappable)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from .._types import Array, Bool, Float


class EngineOutput(eqx.Module):
    """Loss and gradient of one network at one parameter point.

    Attributes:
        loss: scalar loss estimate (``+inf`` when the point is unstable).
        grad: gradient, same pytree structure as the parameters.
        ok: ``False`` when the point is outside the stable set or anything is non-finite.
        loss_se: Monte-Carlo standard error of ``loss`` (0 for exact engines).
        grad_se: per-entry Monte-Carlo standard error of ``grad`` (zeros for exact engines).
    """

    loss: Float[Array, ""]
    grad: Any
    ok: Bool[Array, ""]
    loss_se: Float[Array, ""]
    grad_se: Any


def gradient_engine(loss: Callable[[Any, Any, Any], Any]) -> Callable[[Any, Any, Any], EngineOutput]:
    """An engine from a differentiable ``loss(params, data, key)``: ``jax.value_and_grad``, with
    ``ok`` false when the loss or any gradient entry is non-finite (no Monte-Carlo errors)."""

    def engine(params, data, key) -> EngineOutput:
        value, grad = jax.value_and_grad(loss)(params, data, key)
        leaves_ok = [jnp.all(jnp.isfinite(g)) for g in jax.tree.leaves(grad)]
        ok = jnp.isfinite(value) & jnp.all(jnp.stack(leaves_ok))
        return EngineOutput(value, grad, ok, jnp.zeros_like(value), jax.tree.map(jnp.zeros_like, grad))

    return engine
