"""Shared jaxtyping aliases (one module, as in diffrax's ``_custom_types``)."""

from __future__ import annotations

from jaxtyping import Array, Bool, Complex, Float, Int, PRNGKeyArray

Scalar = Float[Array, ""]
Matrix = Float[Array, "n n"]
Vector = Float[Array, " n"]

__all__ = ["Array", "Bool", "Complex", "Float", "Int", "PRNGKeyArray", "Scalar", "Matrix", "Vector"]
