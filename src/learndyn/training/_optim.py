"""Optimisers are optax transformations built from config (STYLE: composition, not flags)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

OPTIMIZERS = ("sgd", "adam", "adam_l2", "adamw", "sgd_momentum_l2", "muon", "sphere")
DECAYED = ("adam_l2", "adamw", "sgd_momentum_l2", "muon")
"""Optimisers with an injected ``weight_decay`` hyper-parameter (one value per network)."""

MUON_COEFFICIENTS = ((4.01, -9.22, 5.80), (3.49, -6.38, 3.23), (3.34, -6.21, 3.20),
                     (3.64, -7.48, 4.43), (3.46, -5.35, 2.85))
"""Newton–Schulz coefficients of the grokking reference code's Muon (Tian 2025; docs/grokking.md)."""


def newton_schulz(g):
    r"""Five Newton–Schulz steps ``A = XXᵀ; X ← aX + (bA + cA²)X`` from ``X = g/(‖g‖_F + 1e-7)``,
    rows ≤ columns (Tian 2025; docs/grokking.md; no rescaling): an approximate polar factor."""
    x = g / (jnp.linalg.norm(g) + 1e-7)
    transpose = x.shape[0] > x.shape[1]
    if transpose:
        x = x.T
    for a, b, c in MUON_COEFFICIENTS:
        s = x @ x.T
        x = a * x + (b * s + c * s @ s) @ x
    return x.T if transpose else x


def muon_matrix(learning_rate, weight_decay, momentum: float = 0.99) -> optax.GradientTransformation:
    r"""Muon on one matrix (reference code, §2.7): ``m ← 0.99m + 0.01g`` (no Nesterov),
    update ``−lr·η·W − lr·NS(m)`` (decoupled decay before the step)."""

    def init(params):
        return {"m": jax.tree.map(jnp.zeros_like, params)}

    def update(grads, state, params):
        m = jax.tree.map(lambda mm, g: momentum * mm + (1 - momentum) * g, state["m"], grads)
        upd = jax.tree.map(lambda mm, p: -learning_rate * weight_decay * p - learning_rate * newton_schulz(mm),
                           m, params)
        return upd, {"m": m}

    return optax.GradientTransformation(init, update)


def sphere_descent(learning_rate) -> optax.GradientTransformation:
    r"""Projected descent on the unit sphere: ``θ ← (θ − lr·g)/‖θ − lr·g‖`` (per leaf); with
    ``g = −∇E`` this is the projected ascent of Tian 2025; docs/grokking.md"""

    def update(grads, state, params):
        def one(g, p):
            q = p - learning_rate * g
            return q / jnp.linalg.norm(q) - p

        return jax.tree.map(one, grads, params), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


def _user_factory(obj):
    """A learning-rate factory from a user's optimiser: an optax factory (``optax.adamw``, or any
    ``f(learning_rate) -> GradientTransformation``) is used as is; a finished
    ``GradientTransformation`` is followed by ``scale(learning_rate)`` (so ``train.lr = 1`` keeps
    its own step size and a grid over ``train.lr`` still scales it per network)."""
    if isinstance(obj, optax.GradientTransformation):
        return lambda learning_rate: optax.chain(obj, optax.scale(learning_rate))
    if callable(obj):
        return obj
    raise ValueError(f"`optimizer` must be a name in {list(OPTIMIZERS)}, an import path 'module:factory', an optax "
                     f"GradientTransformation or a factory f(learning_rate); got {obj!r}")


def _base(name):
    if not isinstance(name, str):
        return _user_factory(name)
    if ":" in name:
        from ..imports import load_object

        return _user_factory(load_object(name, "train.optimizer"))
    if name == "sphere":
        return sphere_descent
    if name == "sgd":
        return optax.sgd
    if name == "adam":
        return optax.adam
    if name == "adam_l2":  # coupled L2: g ← ∇L + ηθ, then Adam (grokking reference code)
        return lambda learning_rate, weight_decay: optax.chain(
            optax.add_decayed_weights(weight_decay), optax.adam(learning_rate))
    if name == "adamw":
        return lambda learning_rate, weight_decay: optax.adamw(learning_rate, weight_decay=weight_decay)
    if name == "sgd_momentum_l2":
        return lambda learning_rate, weight_decay: optax.chain(
            optax.add_decayed_weights(weight_decay), optax.sgd(learning_rate, momentum=0.9))
    if name == "muon":  # Muon on the leaves labelled "muon", coupled-L2 Adam on the rest
        def muon(learning_rate, weight_decay):
            return optax.multi_transform(
                {"muon": muon_matrix(learning_rate, weight_decay),
                 "adam": optax.chain(optax.add_decayed_weights(weight_decay), optax.adam(learning_rate))},
                _muon_labels)
        return muon
    raise ValueError(f"`optimizer` must be one of {list(OPTIMIZERS)}, got {name!r}")


def _muon_labels(params):
    """Muon acts on the first leaf (the hidden-layer matrix W); Adam on the others."""
    leaves, treedef = jax.tree.flatten(params)
    return jax.tree.unflatten(treedef, ["muon"] + ["adam"] * (len(leaves) - 1))


def make_optimizer(name="sgd", clip: float | None = None) -> optax.GradientTransformation:
    r"""An optax optimiser whose learning rate lives in its state (one value per network).

    ``name``: one of :data:`OPTIMIZERS`; or your own — an import path ``"module:factory"``, an
    optax factory such as ``optax.adamw`` (called as ``factory(learning_rate=η)``), or a finished
    ``optax.GradientTransformation`` (its update is then scaled by ``η``).

    ``sgd``: :math:`\theta_{k+1} = \theta_k - \eta\, g_k` (plain gradient descent, the rule of
    Bordelon et al. 2025; docs/integrate.md); ``adam``: ``optax.adam`` (Kingma & Ba). With ``clip`` the gradient is
    first rescaled to global norm at most ``clip`` (``optax.clip_by_global_norm``, the reference
    code's ``clip_grad_norm_``), i.e. ``chain(clip_by_global_norm(c), sgd/adam(η))``. The rate is
    injected as a hyper-parameter so a vmapped batch of networks can carry different rates.
    """
    base = _base(name)
    decayed = name in DECAYED
    if clip is None:
        if decayed:
            return optax.inject_hyperparams(base)(learning_rate=1.0, weight_decay=0.0)
        return optax.inject_hyperparams(base)(learning_rate=1.0)

    if decayed:
        def clipped_decayed(learning_rate, weight_decay):
            return optax.chain(optax.clip_by_global_norm(clip), base(learning_rate, weight_decay))

        return optax.inject_hyperparams(clipped_decayed)(learning_rate=1.0, weight_decay=0.0)

    def clipped(learning_rate):
        return optax.chain(optax.clip_by_global_norm(clip), base(learning_rate))

    return optax.inject_hyperparams(clipped)(learning_rate=1.0)


def init_with_rate(opt: optax.GradientTransformation, params, lr, hyper: dict | None = None):
    """``opt.init(params)`` with the injected learning rate set to ``lr`` and any other injected
    hyper-parameters (e.g. ``weight_decay``) from ``hyper`` (one network)."""
    state = opt.init(params)
    state.hyperparams["learning_rate"] = jnp.asarray(lr, dtype=jnp.result_type(float))
    dtype = jnp.result_type(*jax.tree.leaves(params)) if jax.tree.leaves(params) else float
    for key, value in (hyper or {}).items():  # in the parameters' precision: a float64 decay
        state.hyperparams[key] = jnp.asarray(value, dtype=dtype)  # would promote float32 moments
    return state
