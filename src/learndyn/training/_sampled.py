r"""The ``sampled`` engine: BPTT over sampled white noise (Bordelon et al. 2025; docs/integrate.md).

Learndyn formulation. Euler-Maruyama for network and target with the same noise:

.. math::
    h_{k+1} = h_k + dt (W - I) h_k + \sqrt{dt}\, u\, \xi_k, \qquad
    z_{k+1} = z_k + dt B_\star z_k + \sqrt{dt}\, b_\star \xi_k,

.. math::
    e_k = v\cdot h_k - c_{\star,\rm out}\cdot z_k, \qquad
    \hat L = \frac{1}{2 B K_w} \sum_{\rm batch} \sum_{k \in \rm window} e_k^2,

with the window ``burn·horizon < k·dt ≤ horizon``. The gradient is ``jax.grad`` through
``lax.scan``. ``E[L̂] = L_dt + transient`` (the Euler-discrete loss of §2.4). The batch is split
into ``groups`` equal groups; the spread of the group estimates gives the Monte-Carlo standard
error of the loss and of every gradient entry.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr

from .._types import Array, Float, Int, PRNGKeyArray
from ..models import LinearRNN
from ._exact import augmented_system
from ..tasks import TargetSystem, white_noise
from ._engine_output import EngineOutput


class SampledWindow(eqx.Module):
    """Time discretisation of one network's sampled loss.

    Attributes:
        dt: Euler step (static).
        n_steps: scan length (static; the longest horizon of the batch of networks).
        k_lo: loss window excludes steps ``k ≤ k_lo`` (burn-in), per network.
        k_hi: loss window ends at step ``k_hi`` (the horizon), per network.
    """

    dt: float = eqx.field(static=True)
    n_steps: int = eqx.field(static=True)
    k_lo: Int[Array, ""]
    k_hi: Int[Array, ""]


def window_from_horizon(horizon: float, dt: float, burn: float) -> tuple[int, int]:
    """``(k_lo, k_hi)`` with ``k_lo = ⌊burn·horizon/dt⌋`` and ``k_hi = round(horizon/dt)``."""
    k_hi = int(round(horizon / dt))
    return int(burn * horizon / dt + 1e-9), k_hi


def _errors(net: LinearRNN, target: TargetSystem, xi: Float[Array, "batch time"], dt: float):
    """Error trajectories ``e_k``, ``k = 1..T``, for a batch of noise sequences."""
    a, b, c = augmented_system(net, target)
    m = jnp.eye(a.shape[0], dtype=a.dtype) + dt * a
    sb = jnp.sqrt(dt) * b

    def step(z, xi_k):
        z = z @ m.T + xi_k[:, None] * sb[None, :]
        return z, z @ c

    z0 = jnp.zeros((xi.shape[0], a.shape[0]), dtype=a.dtype)
    _, e = jax.lax.scan(step, z0, xi.T)
    return e  # (time, batch)


def sampled_loss(
    net: LinearRNN, target: TargetSystem, xi: Float[Array, "batch time"], window: SampledWindow
) -> Float[Array, ""]:
    r"""``L̂`` for one batch of noise (differentiable)."""
    e = _errors(net, target, xi, window.dt)
    k = jnp.arange(1, e.shape[0] + 1)
    mask = (k > window.k_lo) & (k <= window.k_hi)
    k_w = (window.k_hi - window.k_lo).astype(e.dtype)
    return 0.5 * jnp.sum(jnp.where(mask[:, None], e**2, 0.0)) / (xi.shape[0] * k_w)


def sampled_loss_and_grad(
    net: LinearRNN,
    target: TargetSystem,
    key: PRNGKeyArray,
    window: SampledWindow,
    *,
    batch: int,
    groups: int,
    groups_at_once: int | None = None,
) -> EngineOutput:
    r"""Monte-Carlo loss and BPTT gradient with standard errors over ``groups`` batch groups.

    Args:
        net: one network.
        target: target filter.
        key: PRNG key for this step's noise.
        window: time discretisation and loss window.
        batch: total noise realisations (divisible by ``groups``).
        groups: number of groups for the standard error.
        groups_at_once: how many groups to vmap together (memory control); all by default.

    Returns:
        :class:`EngineOutput` with the group mean as estimate and ``std/√groups`` as SE.
    """
    per_group = batch // groups
    xi = white_noise(key, batch, window.n_steps).reshape(groups, per_group, window.n_steps)

    def one_group(xi_g):
        return jax.value_and_grad(sampled_loss)(net, target, xi_g, window)

    losses, grads = jax.lax.map(one_group, xi, batch_size=groups_at_once or groups)
    grads = eqx.filter(grads, eqx.is_array)

    def mean_se(x):
        mean = jnp.mean(x, axis=0)
        se = jnp.std(x, axis=0, ddof=1) / jnp.sqrt(groups) if groups > 1 else jnp.zeros_like(mean)
        return mean, se

    loss, loss_se = mean_se(losses)
    g_mean = jax.tree.map(lambda g: mean_se(g)[0], grads)
    g_se = jax.tree.map(lambda g: mean_se(g)[1], grads)
    g_net = LinearRNN(g_mean.w, g_mean.u, g_mean.v)
    ok = jnp.isfinite(loss) & jnp.all(jnp.isfinite(g_net.w)) & jnp.all(jnp.isfinite(g_net.u))
    ok = ok & jnp.all(jnp.isfinite(g_net.v))
    g_net = jax.tree.map(lambda g: jnp.where(ok, g, 0.0), g_net)
    return EngineOutput(
        jnp.where(ok, loss, jnp.inf), g_net, ok, loss_se, LinearRNN(g_se.w, g_se.u, g_se.v)
    )


def fresh_key(key: PRNGKeyArray, step: Int[Array, ""]) -> PRNGKeyArray:
    """The noise key of a given training step: ``fold_in(key, step)`` (resume-safe)."""
    return jr.fold_in(key, step)
