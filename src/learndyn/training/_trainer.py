r"""One trainer for every family: many networks at once, recorded steps, divergence, resume.

A family describes its training problem as data (:class:`Problem`): the initial parameters of a
batch of networks (leading axis ``net``), per-network constants, per-network learning rates and
keys, and a single-network ``engine(params, data, key) -> EngineOutput``. The trainer

* ``vmap``-s one gradient step over the networks and runs ``n`` steps in one compiled
  ``lax.while_loop`` (the step count is a traced value, so every segment length reuses one
  compilation);
* stops at recorded steps and at write points and hands the state to host-side callbacks;
* freezes a network whose loss or gradient is non-finite or whose point leaves the stable set,
  marking it ``diverged`` with the step — the other networks go on (STYLE item 12);
* derives the noise key of step ``k`` as ``fold_in(key, k)``, so a resumed run reproduces an
  uninterrupted one exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from .._types import Array, Bool, Int
from ._engine_output import EngineOutput
from ._optim import init_with_rate, make_optimizer


@dataclass(frozen=True)
class Problem:
    """A batch of networks to train (every array has a leading ``net`` axis).

    Attributes:
        params: initial parameters (pytree).
        data: per-network constants passed to the engine (pytree, may be ``None``).
        lr: ``(net,)`` learning rates.
        keys: ``(net,)`` PRNG keys for the engine's randomness.
        engine: ``engine(params, data, key) -> EngineOutput`` for one network.
        trainable: pytree of Python bools like ``params``; ``False`` leaves are frozen.
        optimizer: optimiser name for :func:`make_optimizer`.
        clip: global-norm gradient clipping (``None``: none).
    """

    params: Any
    data: Any
    lr: Array
    keys: Array
    engine: Callable[[Any, Any, Array], EngineOutput]
    trainable: Any = None
    optimizer: str = "sgd"
    clip: float | None = None
    hyper: Any = None  # dict name -> (net,) extra injected hyper-parameters (weight_decay)
    vector_width: int | None = None  # networks vmapped together; the rest in a loop (None: all)

    @property
    def n_networks(self) -> int:
        return int(self.lr.shape[0])


class TrainState(eqx.Module):
    """Everything needed to continue training (all leaves batched over ``net``)."""

    params: Any
    opt_state: Any
    diverged: Bool[Array, " net"]
    diverged_step: Int[Array, " net"]
    step: int = eqx.field(static=True)


def init_state(problem: Problem) -> TrainState:
    """The state at step 0."""
    opt = make_optimizer(problem.optimizer, problem.clip)
    opt_state = jax.vmap(lambda p, lr, h: init_with_rate(opt, p, lr, h))(problem.params, problem.lr, problem.hyper)
    n = problem.n_networks
    return TrainState(
        problem.params, opt_state, jnp.zeros(n, bool), jnp.full(n, -1, jnp.int32), 0
    )


def _make_advance(problem: Problem):
    opt = make_optimizer(problem.optimizer, problem.clip)
    mask = problem.trainable

    def one_step(params, opt_state, diverged, div_step, data, key, step):
        out = problem.engine(params, data, jax.random.fold_in(key, step))
        grad = out.grad
        if mask is not None:
            grad = jax.tree.map(lambda g, m: g if m else jnp.zeros_like(g), grad, mask)
        updates, new_opt_state = opt.update(grad, opt_state, params)
        new_params = optax.apply_updates(params, updates)
        bad = ~out.ok | diverged
        keep = lambda old, new: jnp.where(bad, old, new)  # noqa: E731
        params = jax.tree.map(keep, params, new_params)
        opt_state = jax.tree.map(keep, opt_state, new_opt_state)
        div_step = jnp.where(bad & ~diverged, step, div_step)
        return params, opt_state, bad, div_step

    width = problem.vector_width
    if width == 1:  # networks one after another, no vmap: a `lax.cond` inside a loss stays a branch
        # (under vmap it becomes a select that evaluates both sides)

        def batched(p, s, d, ds, data, keys, step):
            return jax.lax.map(lambda a: one_step(*a, step), (p, s, d, ds, data, keys))

    elif width is None or width >= problem.n_networks:
        batched = jax.vmap(one_step, in_axes=(0, 0, 0, 0, 0, 0, None))
    else:  # vmapped blocks of `width` networks, one block after another, in one program

        def batched(p, s, d, ds, data, keys, step):
            return jax.lax.map(lambda a: one_step(*a, step), (p, s, d, ds, data, keys), batch_size=width)

    @jax.jit
    def advance(params, opt_state, diverged, div_step, start, n_steps):
        def body(i, carry):
            p, s, d, ds = carry
            return batched(p, s, d, ds, problem.data, problem.keys, start + i)

        return jax.lax.fori_loop(0, n_steps, body, (params, opt_state, diverged, div_step))

    return advance


def train(
    problem: Problem,
    record_steps: Sequence[int],
    observe: Callable[[TrainState], dict[str, np.ndarray]],
    *,
    write_steps: Sequence[int] = (),
    on_write: Callable[[TrainState, list[dict[str, np.ndarray]]], None] | None = None,
    state: TrainState | None = None,
    records: list[dict[str, np.ndarray]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[TrainState, list[dict[str, np.ndarray]]]:
    """Train to the last recorded step, observing at ``record_steps`` and writing at ``write_steps``.

    Args:
        problem: the batch of networks.
        record_steps: increasing steps at which ``observe(state)`` is recorded (0 allowed).
        observe: host-side function of the state returning arrays with leading axis ``net``.
        write_steps: steps at which ``on_write(state, records)`` is called (checkpoints).
        on_write: the write callback (results store).
        state: a state to resume from (default: a fresh one).
        records: records already made before ``state.step`` (resume).
        progress: called with the current step after every segment.

    Returns:
        The final state and the list of records (one per recorded step).
    """
    resumed = state is not None and state.step > 0
    state = init_state(problem) if state is None else state
    records = list(records or [])
    advance = _make_advance(problem)
    recorded = {int(s) for s in record_steps}
    writes = {int(s) for s in write_steps}
    start = state.step
    for b in sorted(recorded | writes):
        if b < start or (resumed and b == start):  # observed and written before the checkpoint
            continue
        if b > state.step:
            p, s, d, ds = advance(
                state.params, state.opt_state, state.diverged, state.diverged_step,
                jnp.asarray(state.step), jnp.asarray(b - state.step),
            )
            state = TrainState(p, s, d, ds, b)
        if b in recorded:
            records.append(observe(state))
        if b in writes and on_write is not None:
            on_write(state, records)
        if progress is not None:
            progress(state.step)
    return state, records


def log_spaced_steps(total: int, points: int) -> list[int]:
    """``min(points, total + 1)`` log-spaced integer steps in ``[0, total]``, with 0 and ``total``."""
    if points >= total + 1:
        return list(range(total + 1))
    if points <= 2:
        return [0, total]
    k = points - 1
    raw = np.unique(np.round(np.geomspace(1, total, k)).astype(int))
    while raw.size < points - 1:  # rounding merges the first steps; ask for more until enough
        k += 1
        raw = np.unique(np.round(np.geomspace(1, total, k)).astype(int))
    if raw.size > points - 1:  # drop interior steps evenly to land exactly on `points`
        drop = np.linspace(1, raw.size - 2, raw.size - (points - 1)).round().astype(int)
        raw = np.delete(raw, drop)
    return [0] + [int(s) for s in raw]


def recorded_steps(total: int, record) -> list[int]:
    """The steps a run records: ``record.points`` steps in ``[0, total]`` (with 0 and ``total``),
    log-spaced or evenly spaced by ``record.spacing``."""
    if getattr(record, "spacing", "log") == "linear":
        return sorted({int(round(x)) for x in np.linspace(0, total, min(record.points, total + 1))})
    return log_spaced_steps(total, record.points)


def write_points(total: int, writes: int) -> list[int]:
    """Steps at which a run writes its results: every ``1/writes`` of the run, and the end (at
    most one write per step, however large ``writes``)."""
    writes = max(1, min(int(writes), int(total)))
    return sorted({int(round(total * (i + 1) / writes)) for i in range(writes)})


def state_leaves(state: TrainState) -> dict[str, np.ndarray]:
    """Flatten a state into named NumPy arrays (for a checkpoint file)."""
    leaves = jax.tree.leaves((state.params, state.opt_state, state.diverged, state.diverged_step))
    out = {f"leaf_{i:04d}": np.asarray(x) for i, x in enumerate(leaves)}
    out["step"] = np.asarray(state.step)
    return out


def state_from_leaves(template: TrainState, arrays: dict[str, np.ndarray]) -> TrainState:
    """Inverse of :func:`state_leaves`, using a fresh state for the tree structure."""
    tree = (template.params, template.opt_state, template.diverged, template.diverged_step)
    leaves, treedef = jax.tree.flatten(tree)
    names = sorted(k for k in arrays if k.startswith("leaf_"))
    if len(names) != len(leaves) or "step" not in arrays:
        raise ValueError(f"{len(names)} state arrays where the run has {len(leaves)}")
    for k, leaf in zip(names, leaves, strict=True):
        if tuple(np.shape(arrays[k])) != tuple(leaf.shape):
            raise ValueError(f"{k} has shape {tuple(np.shape(arrays[k]))}, the run's is {tuple(leaf.shape)}")
    new = [jnp.asarray(arrays[k], dtype=leaf.dtype) for k, leaf in zip(names, leaves, strict=True)]
    p, s, d, ds = jax.tree.unflatten(treedef, new)
    return TrainState(p, s, d, ds, int(arrays["step"]))
