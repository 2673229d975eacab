"""Optimisers are optax transformations built from config (STYLE: composition, not flags)."""

from __future__ import annotations

import jax.numpy as jnp
import optax


def make_optimizer(name: str = "sgd") -> optax.GradientTransformation:
    r"""An optax optimiser whose learning rate lives in its state (one value per network).

    ``sgd``: :math:`\theta_{k+1} = \theta_k - \eta\, \nabla L(\theta_k)` (plain gradient descent,
    the rule of science/integrate.md). The rate is injected as a hyper-parameter so that a vmapped
    batch of networks can carry different rates (the bulk-aware ``lr = "auto"`` differs by seed).
    """
    if name == "sgd":
        return optax.inject_hyperparams(optax.sgd)(learning_rate=1.0)
    raise ValueError(f"`optimizer` must be one of ['sgd'], got {name!r}")


def init_with_rate(opt: optax.GradientTransformation, params, lr):
    """``opt.init(params)`` with the injected learning rate set to ``lr`` (one network)."""
    state = opt.init(params)
    state.hyperparams["learning_rate"] = jnp.asarray(lr, dtype=jnp.result_type(float))
    return state
