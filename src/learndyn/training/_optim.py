"""Optimisers are optax transformations built from config (STYLE: composition, not flags)."""

from __future__ import annotations

import jax.numpy as jnp
import optax

OPTIMIZERS = ("sgd", "adam")


def _base(name: str):
    if name == "sgd":
        return optax.sgd
    if name == "adam":
        return optax.adam
    raise ValueError(f"`optimizer` must be one of {list(OPTIMIZERS)}, got {name!r}")


def make_optimizer(name: str = "sgd", clip: float | None = None) -> optax.GradientTransformation:
    r"""An optax optimiser whose learning rate lives in its state (one value per network).

    ``sgd``: :math:`\theta_{k+1} = \theta_k - \eta\, g_k` (plain gradient descent, the rule of
    science/integrate.md); ``adam``: ``optax.adam`` (Kingma & Ba). With ``clip`` the gradient is
    first rescaled to global norm at most ``clip`` (``optax.clip_by_global_norm``, the reference
    code's ``clip_grad_norm_``), i.e. ``chain(clip_by_global_norm(c), sgd/adam(η))``. The rate is
    injected as a hyper-parameter so a vmapped batch of networks can carry different rates.
    """
    base = _base(name)
    if clip is None:
        return optax.inject_hyperparams(base)(learning_rate=1.0)

    def clipped(learning_rate):
        return optax.chain(optax.clip_by_global_norm(clip), base(learning_rate))

    return optax.inject_hyperparams(clipped)(learning_rate=1.0)


def init_with_rate(opt: optax.GradientTransformation, params, lr):
    """``opt.init(params)`` with the injected learning rate set to ``lr`` (one network)."""
    state = opt.init(params)
    state.hyperparams["learning_rate"] = jnp.asarray(lr, dtype=jnp.result_type(float))
    return state
