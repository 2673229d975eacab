"""What every gradient engine returns (one pytree, vmappable)."""

from __future__ import annotations

from typing import Any

import equinox as eqx

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
