r"""Recurrent networks trained on tasks: leaky (continuous-time), low-rank, GRU and LSTM.

Each network is an ``eqx.Module`` of arrays (one network; the trainer ``vmap``-s a stacked batch)
with the same small interface, so one trainer, one simulator and one fixed-point finder serve all:

* ``step(x, u, alpha)`` — the deterministic one-step map ``x_{t+1} = F(x_t, u_t)``;
* ``readout(x)`` — ``y = W_out r(x) + b_out``;
* ``velocity(x, u)`` (leaky and low-rank only) — ``τ ẋ = −x + W φ(x) + W_in u + b``;
* ``recurrent_matrix()`` — the matrix whose spectrum is tracked (``W``; for GRU/LSTM the
  recurrent weights of the candidate/cell input).

Conventions (learndyn formulation; column notation, ``W_{ij}`` from ``j`` to ``i``):

.. math::

    x_{t+1} = (1-α) x_t + α\,(W φ(x_t) + W_{in} u_t + b) + \sqrt{2α}\,σ_{rec} ξ_t,\qquad α = dt/τ,

with input noise ``u_t + \sqrt{2/α}\,σ_{in} ξ'_t`` (Song, Yang & Wang 2016), ``W = σ J`` at
initialisation (``J_{ij} ~ N(0, 1/N)``). The low-rank network has ``W = M Nᵀ/N + g J`` with
``J`` fixed (Mastrogiuseppe & Ostojic 2018). GRU and LSTM are the standard cells (Cho et al. 2014;
Hochreiter & Schmidhuber 1997); the LSTM state is ``[h, c]`` (size ``2N``) and recurrent noise
is added to ``h``.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from .._types import Array, Float, PRNGKeyArray

Activation = Literal["tanh", "relu", "linear"]
_ACT = {"tanh": jnp.tanh, "relu": jax.nn.relu, "linear": lambda x: x}


class _Leaky(eqx.Module):
    """Shared dynamics of the leaky networks; subclasses define ``recurrent_matrix``."""

    def rates(self, x):
        return _ACT[self.activation](x)

    def velocity(self, x, u):
        r"""``τ ẋ = −x + W φ(x) + W_in u + b``."""
        return -x + self.recurrent_matrix() @ self.rates(x) + self.w_in @ u + self.b

    def step(self, x, u, alpha):
        return x + alpha * self.velocity(x, u)

    def readout(self, x):
        return self.w_out @ self.rates(x) + self.b_out


class LeakyRNN(_Leaky):
    """Full-rank leaky rate network (continuous time, Euler step ``α``)."""

    w: Float[Array, "n n"]
    w_in: Float[Array, "n n_in"]
    b: Float[Array, " n"]
    w_out: Float[Array, "n_out n"]
    b_out: Float[Array, " n_out"]
    activation: str = eqx.field(static=True, default="tanh")

    @property
    def hidden_size(self) -> int:
        return self.w.shape[-1]

    def recurrent_matrix(self) -> Float[Array, "n n"]:
        return self.w


class LowRankRNN(_Leaky):
    """Leaky network with ``W = M Nᵀ/N + j`` (``j = g J`` fixed, not trained).

    ``random_part = False`` declares ``j = 0``: each step then costs ``O(N R)`` instead of
    ``O(N²)`` (``W φ = M (Nᵀ φ)/N``), which is what makes networks of thousands of units cheap.
    """

    m: Float[Array, "n r"]
    n_vec: Float[Array, "n r"]
    j: Float[Array, "n n"]
    w_in: Float[Array, "n n_in"]
    b: Float[Array, " n"]
    w_out: Float[Array, "n_out n"]
    b_out: Float[Array, " n_out"]
    activation: str = eqx.field(static=True, default="tanh")
    random_part: bool = eqx.field(static=True, default=True)

    @property
    def hidden_size(self) -> int:
        return self.m.shape[0]

    @classmethod
    def from_weights(cls, m, n_vec, j, w_in, b, w_out, b_out, activation: str = "tanh") -> LowRankRNN:
        """A network from concrete weights (stored or resampled), ``random_part`` read off ``j``."""
        return cls(m, n_vec, j, w_in, b, w_out, b_out, activation, random_part=bool(np.any(np.asarray(j) != 0)))

    def recurrent_matrix(self):
        return self.m @ self.n_vec.T / self.m.shape[0] + self.j

    def velocity(self, x, u):
        r"""``τ ẋ = −x + M (Nᵀφ(x))/N + j φ(x) + W_in u + b`` (the ``j`` term only with a random part)."""
        r = self.rates(x)
        rec = self.m @ (self.n_vec.T @ r) / self.m.shape[0]
        if self.random_part:
            rec = rec + self.j @ r
        return -x + rec + self.w_in @ u + self.b

    def latent_offset(self, u):
        """``v₀ = W_in u + b``: the offset of the invariant plane ``x = Mκ + v₀``."""
        return self.w_in @ u + self.b

    def latent_velocity(self, kappa, u):
        r"""``κ̇τ = −κ + Nᵀ φ(Mκ + v₀)/N``: the exact reduced dynamics on the plane ``x = Mκ + v₀``
        under a constant input, valid when the random part ``j`` is zero (Mastrogiuseppe & Ostojic
        2018; learndyn formulation)."""
        x = self.m @ kappa + self.latent_offset(u)
        return -kappa + self.n_vec.T @ self.rates(x) / self.m.shape[0]


class GRU(eqx.Module):
    r"""Gated recurrent unit: ``z, r = σ(W_{z,r} u + U_{z,r} h + b)``,
    ``h̃ = tanh(W_h u + U_h (r ⊙ h) + b_h)``, ``h' = (1 − z) ⊙ h + z ⊙ h̃``."""

    w_in: Float[Array, "3n n_in"]
    u: Float[Array, "3n n"]
    b: Float[Array, " 3n"]
    w_out: Float[Array, "n_out n"]
    b_out: Float[Array, " n_out"]

    @property
    def hidden_size(self) -> int:
        return self.u.shape[-1]

    def recurrent_matrix(self):
        return self.u[2 * self.hidden_size:]

    def step(self, h, u, alpha=None):
        n = self.hidden_size
        gi, gh = self.w_in @ u + self.b, self.u[: 2 * n] @ h
        z = jax.nn.sigmoid(gi[:n] + gh[:n])
        r = jax.nn.sigmoid(gi[n: 2 * n] + gh[n:])
        cand = jnp.tanh(gi[2 * n:] + self.u[2 * n:] @ (r * h))
        return (1 - z) * h + z * cand

    def readout(self, h):
        return self.w_out @ h + self.b_out


class LSTM(eqx.Module):
    r"""LSTM on the state ``[h, c]``: ``i, f, o = σ(·)``, ``g = tanh(·)`` of ``W u + U h + b``,
    ``c' = f ⊙ c + i ⊙ g``, ``h' = o ⊙ tanh(c')``."""

    w_in: Float[Array, "4n n_in"]
    u: Float[Array, "4n n"]
    b: Float[Array, " 4n"]
    w_out: Float[Array, "n_out n"]
    b_out: Float[Array, " n_out"]

    @property
    def hidden_size(self) -> int:
        return 2 * self.u.shape[-1]

    def recurrent_matrix(self):
        n = self.u.shape[-1]
        return self.u[2 * n: 3 * n]

    def step(self, x, u, alpha=None):
        n = self.u.shape[-1]
        h, c = x[:n], x[n:]
        g = self.w_in @ u + self.u @ h + self.b
        i, f, cell, o = (jax.nn.sigmoid(g[:n]), jax.nn.sigmoid(g[n: 2 * n]), jnp.tanh(g[2 * n: 3 * n]),
                         jax.nn.sigmoid(g[3 * n:]))
        c = f * c + i * cell
        return jnp.concatenate([o * jnp.tanh(c), c])

    def readout(self, x):
        return self.w_out @ x[: self.u.shape[-1]] + self.b_out


TaskRNN = LeakyRNN | LowRankRNN | GRU | LSTM


def init_task_rnn(
    key: PRNGKeyArray, kind: str, *, n: int, n_in: int, n_out: int, g: float = 0.9, rank: int = 1,
    activation: str = "tanh", in_scale: float = 1.0, out_scale: float = 1.0,
) -> TaskRNN:
    r"""A network at initialisation.

    Leaky: ``W = g J``, ``J_{ij} ~ N(0, 1/N)``; ``W_in ~ N(0, in_scale²/n_in)``;
    ``W_out ~ N(0, out_scale²/N)``; biases 0. Low-rank: ``M, N ~ N(0, 1)`` entries (so
    ``M Nᵀ/N`` has O(1/√N) entries), fixed part ``g J``. GRU/LSTM: ``U ~ N(0, g²/N)``,
    ``W_in ~ N(0, in_scale²/n_in)``, biases 0 (LSTM forget bias 1).
    """
    kw, ki, ko, km, kn = jr.split(key, 5)
    w_out = jr.normal(ko, (n_out, n)) * out_scale / jnp.sqrt(n)
    b_out = jnp.zeros(n_out)
    if kind in ("leaky", "low_rank"):
        j = jr.normal(kw, (n, n)) / jnp.sqrt(n)
        w_in = jr.normal(ki, (n, n_in)) * in_scale / jnp.sqrt(n_in)
        if kind == "leaky":
            return LeakyRNN(g * j, w_in, jnp.zeros(n), w_out, b_out, activation)
        return LowRankRNN(jr.normal(km, (n, rank)), jr.normal(kn, (n, rank)), g * j, w_in, jnp.zeros(n),
                          w_out, b_out, activation, random_part=bool(g != 0))
    gates = {"gru": 3, "lstm": 4}[kind]
    u = jr.normal(kw, (gates * n, n)) * g / jnp.sqrt(n)
    w_in = jr.normal(ki, (gates * n, n_in)) * in_scale / jnp.sqrt(n_in)
    b = jnp.zeros(gates * n)
    if kind == "gru":
        return GRU(w_in, u, b, w_out, b_out)
    return LSTM(w_in, u, b.at[n: 2 * n].set(1.0), w_out, b_out)


def same_structure(nets: list) -> list:
    """Networks that can be stacked: low-rank networks of one grid (some with ``g = 0``, some not)
    all keep their random part when any of them has one (the flag is part of the pytree's
    structure)."""
    flags = {net.random_part for net in nets if isinstance(net, LowRankRNN)}
    if len(flags) > 1:
        nets = [dataclasses.replace(net, random_part=True) if isinstance(net, LowRankRNN) else net
                for net in nets]
    return nets


def frozen_leaves(net: TaskRNN):
    """Pytree of bools like ``net``: ``False`` for the fixed random part ``j`` of a low-rank network."""
    mask = jax.tree.map(lambda _: True, net)
    if isinstance(net, LowRankRNN):
        mask = eqx.tree_at(lambda m: m.j, mask, False)
    return mask


def simulate(
    net: TaskRNN, inputs: Float[Array, "time n_in"], *, alpha: float, key: PRNGKeyArray | None = None,
    recurrent_noise: float = 0.0, input_noise: float = 0.0, x0: Float[Array, " s"] | None = None,
) -> tuple[Float[Array, "time s"], Float[Array, "time n_out"]]:
    """Run one trial through ``lax.scan``: states ``x_1..x_T`` and outputs ``y_t = readout(x_t)``.

    Noise (when ``key`` is given): recurrent ``√(2α) σ_rec ξ`` on the state (on ``h`` for GRU/LSTM:
    ``σ_rec ξ``), input ``√(2/α) σ_in ξ'`` (leaky and low-rank) or ``σ_in ξ'`` (gated cells).
    """
    s = net.hidden_size
    x0 = jnp.zeros(s, inputs.dtype) if x0 is None else x0
    t = inputs.shape[0]
    leaky = isinstance(net, _Leaky)
    n_noisy = s if not isinstance(net, LSTM) else s // 2
    if key is None:
        xi_rec = jnp.zeros((t, n_noisy), inputs.dtype)
        xi_in = jnp.zeros_like(inputs)
    else:
        kr, ki = jr.split(key)
        rec_scale = jnp.sqrt(2 * alpha) * recurrent_noise if leaky else recurrent_noise
        in_scale = jnp.sqrt(2 / alpha) * input_noise if leaky else input_noise
        xi_rec = rec_scale * jr.normal(kr, (t, n_noisy), inputs.dtype)
        xi_in = in_scale * jr.normal(ki, inputs.shape, inputs.dtype)

    def body(x, args):
        u, nr, ni = args
        x = net.step(x, u + ni, alpha)
        x = x.at[:n_noisy].add(nr)
        return x, (x, net.readout(x))

    _, (states, outs) = jax.lax.scan(body, x0, (inputs, xi_rec, xi_in))
    return states, outs
