r"""A minimal gated unit (MGU; Zhou, Wu, Zhang & Zhou 2016): one forget gate,

.. math::

    f = σ(W_f u + U_f h + b_f),\quad \tilde h = \tanh(W_h u + U_h (f ⊙ h) + b_h),\quad
    h' = (1 − f) ⊙ h + f ⊙ \tilde h,\qquad y = W_{out} h + b_{out}.

It satisfies learndyn's recurrent-network protocol (``hidden_size``, ``step``, ``readout``,
``recurrent_matrix``), so it also trains inside learndyn's task-RNN family:
``learndyn run flip-flop --set model.kind=timing_example.network:MGU``.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr


class MGU(eqx.Module):
    """One MGU cell (one network; vmap for batches), initialised with ``U ~ N(0, g²/n)``."""

    w_in: jax.Array  # (2n, n_in): forget gate, candidate
    u: jax.Array  # (2n, n)
    b: jax.Array  # (2n,)
    w_out: jax.Array  # (n_out, n)
    b_out: jax.Array  # (n_out,)

    def __init__(self, *, n: int, n_in: int, n_out: int, g: float = 1.0, key, **_):
        kw, ki, ko = jr.split(key, 3)
        self.u = jr.normal(kw, (2 * n, n)) * g / jnp.sqrt(n)
        self.w_in = jr.normal(ki, (2 * n, n_in)) / jnp.sqrt(n_in)
        self.b = jnp.zeros(2 * n)
        self.w_out = jr.normal(ko, (n_out, n)) / jnp.sqrt(n)
        self.b_out = jnp.zeros(n_out)

    @property
    def hidden_size(self) -> int:
        return self.u.shape[-1]

    def step(self, h, x, alpha=None):
        """``h' = F(h, x)`` (``alpha`` unused: a discrete-time cell)."""
        n = self.hidden_size
        gi = self.w_in @ x + self.b
        f = jax.nn.sigmoid(gi[:n] + self.u[:n] @ h)
        cand = jnp.tanh(gi[n:] + self.u[n:] @ (f * h))
        return (1 - f) * h + f * cand

    def readout(self, h):
        return self.w_out @ h + self.b_out

    def recurrent_matrix(self):
        """``U_h``: the recurrent weights of the candidate state (whose spectrum is tracked)."""
        return self.u[self.hidden_size:]
