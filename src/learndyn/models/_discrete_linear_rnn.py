r"""Discrete-time linear RNN read out after the last input (Proca et al. 2025; docs/lrnn.md, paper Eqs. 1–3).

.. math::  h_1 = 0,\quad h_{t+1} = W_h h_t + W_x x_t\ (t = 1..T),\quad
           \hat y = W_y h_{T+1} = \sum_{t=1}^{T} W_y W_h^{T−t} W_x x_t .

No biases, no nonlinearity; all three matrices are trained (paper). Also the mode-level
parameterisation ``(a, b, c)`` of the aligned network (§3.1) and the two aligned initialisations:
one hidden basis (decouples, learndyn formulation) and the paper's printed two-rotation recipe
(does not decouple, erratum E1).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr

from .._types import Array, Float, PRNGKeyArray


class DiscreteLinearRNN(eqx.Module):
    """Weights ``(W_x, W_h, W_y)`` of one network (vmap over a leading axis for many)."""

    wx: Float[Array, "h x"]
    wh: Float[Array, "h h"]
    wy: Float[Array, "y h"]


class ModeParams(eqx.Module):
    """Mode strengths of an aligned network: ``W_x = R diag(a) Vᵀ``, ``W_h = R diag(b) Rᵀ``,
    ``W_y = U diag(c) Rᵀ`` (Proca et al. 2025; docs/lrnn.md)."""

    a: Float[Array, " n"]
    b: Float[Array, " n"]
    c: Float[Array, " n"]


def final_output(params: DiscreteLinearRNN, x: Float[Array, "P T x"]) -> Float[Array, "P y"]:
    """``ŷ = W_y h_{T+1}`` for a batch of sequences (pitfall P3: T updates, read ``h_{T+1}``)."""

    def step(h, xt):
        return h @ params.wh.T + xt @ params.wx.T, None

    h0 = jnp.zeros((x.shape[0], params.wh.shape[0]), x.dtype)
    h, _ = jax.lax.scan(step, h0, jnp.swapaxes(x, 0, 1))
    return h @ params.wy.T


def lag_products(params: DiscreteLinearRNN, n_steps: int) -> Float[Array, "T y x"]:
    """``W_y W_h^{T−t} W_x`` for ``t = 1..T`` (lag ``T−t`` from ``T−1`` down to 0)."""

    def step(m, _):
        return params.wh @ m, params.wy @ m

    _, out = jax.lax.scan(step, params.wx, None, length=n_steps)  # lag 0, 1, ..., T-1
    return out[::-1]


def aligned_init(
    r: Float[Array, "n n"], u: Float[Array, "n n"], v: Float[Array, "n n"], modes: ModeParams
) -> DiscreteLinearRNN:
    """The decoupling aligned network with one hidden basis ``R`` (Proca et al. 2025; docs/lrnn.md)."""
    return DiscreteLinearRNN(
        wx=(r * modes.a) @ v.T, wh=(r * modes.b) @ r.T, wy=(u * modes.c) @ r.T
    )


def printed_aligned_init(
    r_x: Float[Array, "n n"], u: Float[Array, "n n"], v: Float[Array, "n n"], modes: ModeParams
) -> DiscreteLinearRNN:
    """The paper's printed recipe (App. P.1.1): ``W_h = R_y B̄ R_xᵀ``, ``W_y = U C̄ R_yᵀ`` with
    ``R_y = R_x⁻¹``. It does **not** decouple the modes for lags ≥ 2 (erratum E1); kept to
    document the erratum in a test."""
    r_y = r_x.T
    return DiscreteLinearRNN(
        wx=(r_x * modes.a) @ v.T, wh=(r_y * modes.b) @ r_x.T, wy=(u * modes.c) @ r_y.T
    )


def gaussian_init(
    key: PRNGKeyArray, n_in: int, n_hidden: int, n_out: int, scale: float, recurrent_scale: float
) -> DiscreteLinearRNN:
    """Entries ``~ N(0, (σ/√N_in)²)`` (App. P.1.2, erratum E8): spectral radius of ``W_h`` ≈ σ."""
    kx, kh, ky = jr.split(key, 3)
    return DiscreteLinearRNN(
        wx=jr.normal(kx, (n_hidden, n_in)) * scale / jnp.sqrt(n_in),
        wh=jr.normal(kh, (n_hidden, n_hidden)) * recurrent_scale / jnp.sqrt(n_hidden),
        wy=jr.normal(ky, (n_out, n_hidden)) * scale / jnp.sqrt(n_hidden),
    )


def mode_matrices(
    params: DiscreteLinearRNN, r: Float[Array, "n n"], u: Float[Array, "n n"], v: Float[Array, "n n"]
) -> tuple[Float[Array, "n n"], Float[Array, "n n"], Float[Array, "n n"]]:
    """Read back ``Ā = Rᵀ W_x V``, ``B̄ = Rᵀ W_h R``, ``C̄ = Uᵀ W_y R`` with the fixed bases."""
    return r.T @ params.wx @ v, r.T @ params.wh @ r, u.T @ params.wy @ r


def read_back_modes(
    params: DiscreteLinearRNN, r: Float[Array, "n n"], u: Float[Array, "n n"], v: Float[Array, "n n"]
) -> tuple[ModeParams, Float[Array, ""]]:
    """Diagonal mode values and the largest off-diagonal entry of the read-back matrices."""
    mats = mode_matrices(params, r, u, v)
    diag = [jnp.diag(m) for m in mats]
    off = jnp.max(jnp.stack([jnp.max(jnp.abs(m - jnp.diag(jnp.diag(m)))) for m in mats]))
    return ModeParams(*diag), off
