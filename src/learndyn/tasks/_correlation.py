r"""Tasks defined by their temporal input–output correlation structure (Proca et al. 2025; docs/lrnn.md).

With whitened inputs a linear RNN sees a task only through ``Σ^{YX}_t = Σ_p y_p x_{p,t}ᵀ``, one
matrix per input step. learndyn builds tasks whose correlations share their singular vectors,
``Σ^{YX}_t = U diag(s_{·,t}) Vᵀ``, so the task is the table of "task dynamics" ``s_{α,t}``
(paper, §2.1–2.2). Inputs are whitened **jointly over time and dimension** (§2.3; per-step
whitening leaves cross-time correlations, pitfall P2).

A task of length ``T`` can be embedded in a longer sequence ``T_max`` by left-padding with zero
inputs: ``h_1 = 0`` stays zero through the padding, so the network's output and the loss are
unchanged. This lets runs with different ``T`` share array shapes (and one compiled program).
"""

from __future__ import annotations

from typing import Literal

import equinox as eqx
import numpy as np
import jax.numpy as jnp
import jax.random as jr

from .._types import Array, Float, PRNGKeyArray

Dynamics = Literal["constant", "inverse_exponential", "exponential", "dirac"]
DYNAMICS: tuple[str, ...] = ("constant", "inverse_exponential", "exponential", "dirac")


class CorrelationTask(eqx.Module):
    """One synthetic task (arrays left-padded to ``T_max`` steps; ``mask`` marks real steps).

    Attributes:
        x: ``(P, T_max, N_x)`` whitened inputs, ``Σ_p z_p z_pᵀ = I`` over the real ``T·N_x`` dims.
        y: ``(P, N_y)`` targets ``Σ_t U S_t Vᵀ x_t``.
        u: ``(N_y, N_y)`` output singular vectors.
        v: ``(N_x, N_x)`` input singular vectors.
        s: ``(T_max, N)`` singular values ``s_{α,t}`` (zero on padded steps).
        mask: ``(T_max,)`` 1 on the task's ``T`` steps, 0 on padding.
    """

    x: Float[Array, "P T n"]
    y: Float[Array, "P n"]
    u: Float[Array, "n n"]
    v: Float[Array, "n n"]
    s: Float[Array, "T n"]
    mask: Float[Array, " T"]


def task_dynamics(
    kind: str, delta: float, lam: float, n_steps: int, *, kappa: float | None = None,
    beta: float = 1.0,
) -> np.ndarray:
    r"""The singular values ``s_t``, ``t = 1..T``, of one mode (Proca et al. 2025; docs/lrnn.md, paper).

    ``constant``: ``δ``; ``inverse_exponential``: ``δ λ^{T−t}``; ``exponential``: ``δ λ^t``;
    ``dirac``: ``s_1 = β``, ``s_T = κ`` (κ defaults to 1), zero elsewhere. A given ``kappa``
    overwrites ``s_T`` (the *modified* tasks of Eq. 10). Host-side NumPy (task data, not traced).
    """
    t = np.arange(1, n_steps + 1, dtype=float)
    if kind == "constant":
        s = np.full(n_steps, float(delta))
    elif kind == "inverse_exponential":
        s = delta * float(lam) ** (n_steps - t)
    elif kind == "exponential":
        s = delta * float(lam) ** t
    elif kind == "dirac":
        s = np.zeros(n_steps)
        s[0] = beta
        kappa = 1.0 if kappa is None else kappa
    else:
        raise ValueError(f"unknown task dynamics {kind!r}; one of {DYNAMICS}")
    if kappa is not None:
        s[-1] = kappa
    return s


def random_orthogonal(key: PRNGKeyArray, n: int) -> Float[Array, "n n"]:
    """A Haar-random orthogonal matrix (QR of a Gaussian matrix with the sign fix)."""
    q, r = jnp.linalg.qr(jr.normal(key, (n, n)))
    return q * jnp.sign(jnp.diag(r))[None, :]


def whitened_inputs(key: PRNGKeyArray, n_samples: int, n_steps: int, n_in: int) -> Float[Array, "P T n"]:
    r"""Gaussian sequences, centred and whitened jointly: ``Σ_p z_p z_pᵀ = I`` for the stacked
    ``z_p ∈ R^{T·N_x}`` (Proca et al. 2025; docs/lrnn.md; needs ``P > T·N_x``)."""
    d = n_steps * n_in
    if n_samples <= d:
        raise ValueError(f"whitening needs more samples than T·N_x = {d} (got P = {n_samples})")
    g = jr.normal(key, (n_samples, d))
    g = g - g.mean(0)
    evals, evecs = jnp.linalg.eigh(g.T @ g)
    z = g @ (evecs / jnp.sqrt(evals)) @ evecs.T
    return z.reshape(n_samples, n_steps, n_in)


def correlation_task(
    key: PRNGKeyArray, s: Float[Array, "T n"], n_samples: int, n_steps_max: int | None = None
) -> CorrelationTask:
    r"""A task with ``Σ_p y_p x_{p,t}ᵀ = U diag(s_t) Vᵀ`` exactly (Proca et al. 2025; docs/lrnn.md).

    Args:
        key: PRNG key (U, V and the inputs).
        s: ``(T, N)`` singular values per step and mode.
        n_samples: P, more than ``T·N``.
        n_steps_max: pad to this length with zero inputs at the front (default ``T``).
    """
    n_steps, n = s.shape
    t_max = n_steps if n_steps_max is None else n_steps_max
    ku, kv, kx = jr.split(key, 3)
    u, v = random_orthogonal(ku, n), random_orthogonal(kv, n)
    x = whitened_inputs(kx, n_samples, n_steps, n)
    y = jnp.einsum("ij,tj,kj,ptk->pi", u, s, v, x)
    pad = t_max - n_steps
    x = jnp.pad(x, ((0, 0), (pad, 0), (0, 0)))
    s = jnp.pad(s, ((pad, 0), (0, 0)))
    mask = jnp.concatenate([jnp.zeros(pad), jnp.ones(n_steps)])
    return CorrelationTask(x, y, u, v, s, mask)


def correlation_matrices(task: CorrelationTask) -> Float[Array, "T n n"]:
    """``Σ^{YX}_t = Σ_p y_p x_{p,t}ᵀ`` for every (padded) step."""
    return jnp.einsum("pi,ptj->tij", task.y, task.x)


def input_gram(task: CorrelationTask) -> Float[Array, "T T n n"]:
    """``Σ_p x_{p,t} x_{p,t'}ᵀ`` for every pair of steps (identity blocks on the diagonal)."""
    return jnp.einsum("pti,psj->tsij", task.x, task.x)

