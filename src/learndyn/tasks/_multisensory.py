r"""Multisensory integration trials, neurogym's ``MultiSensoryIntegration`` statistics, vectorised.

Proca et al. 2025; docs/lrnn.md (paper Sec. 3.6, App. L, P.4.3; neurogym defaults ``dt = 100``,
``sigma = 1``, ``dim_ring = 2``). Only the stimulus period is generated, fixation channel
dropped (4 channels: two per modality), inputs **not** whitened. Per trial:

.. math::

    g \sim U\{0,1\},\; θ_g = πg,\; coh \sim U\{5,15,50\},\; ρ \sim U(0,1),\;
    m_{1,j} = \cos(θ_j − θ_g)\,coh\,ρ/200 + ½,\; m_{2,j} = \cos(θ_j − θ_g)\,coh(1−ρ)/200 + ½,

with ring angles ``θ = (0, π)``, and ``x_t = m + 0.1 ξ_t`` (``0.1 = σ/√dt``).

Targets per channel (``N_y = 4``, paper): ``sum`` ``Σ_t x_t``; ``mean`` ``(1/T) Σ_t x_t``;
``late`` ``0.1 Σ_t t x_t``; ``early`` ``Σ_t x_t / t`` (App. L; erratum E7).
"""

from __future__ import annotations

from typing import Literal

import jax.numpy as jnp
import jax.random as jr

from .._types import Array, Float, PRNGKeyArray

SensoryTarget = Literal["sum", "mean", "late", "early"]
COHERENCES = (5.0, 15.0, 50.0)
NOISE_STD = 0.1


def multisensory_means(key: PRNGKeyArray, n_trials: int) -> Float[Array, "P 4"]:
    """Trial-constant channel means ``m`` (modality 1 channels, then modality 2)."""
    kg, kc, kr = jr.split(key, 3)
    ground = jr.bernoulli(kg, 0.5, (n_trials,)).astype(float)
    coh = jnp.asarray(COHERENCES)[jr.randint(kc, (n_trials,), 0, len(COHERENCES))]
    rho = jr.uniform(kr, (n_trials,))
    ring = jnp.cos(jnp.asarray([0.0, jnp.pi])[None, :] - jnp.pi * ground[:, None])  # (P, 2)
    m1 = ring * (coh * rho)[:, None] / 200.0 + 0.5
    m2 = ring * (coh * (1 - rho))[:, None] / 200.0 + 0.5
    return jnp.concatenate([m1, m2], axis=1)


def sensory_weights(target: str, n_steps: int) -> Float[Array, " T"]:
    """Weights ``w_t`` with ``y = Σ_t w_t x_t`` for each target (Proca et al. 2025; docs/lrnn.md)."""
    t = jnp.arange(1, n_steps + 1, dtype=float)
    if target == "sum":
        return jnp.ones(n_steps)
    if target == "mean":
        return jnp.full(n_steps, 1.0 / n_steps)
    if target == "late":
        return 0.1 * t
    if target == "early":
        return 1.0 / t
    raise ValueError(f"unknown sensory target {target!r}; one of sum, mean, late, early")


def multisensory_trials(
    key: PRNGKeyArray, n_trials: int, n_steps: int, target: str = "sum", n_steps_max: int | None = None
) -> tuple[Float[Array, "P T 4"], Float[Array, "P 4"]]:
    """Inputs ``(P, T, 4)`` (left-padded with zeros to ``n_steps_max``) and targets ``(P, 4)``."""
    km, kn = jr.split(key)
    m = multisensory_means(km, n_trials)
    x = m[:, None, :] + NOISE_STD * jr.normal(kn, (n_trials, n_steps, 4))
    y = jnp.einsum("t,ptj->pj", sensory_weights(target, n_steps), x)
    pad = (n_steps_max or n_steps) - n_steps
    return jnp.pad(x, ((0, 0), (pad, 0), (0, 0))), y
