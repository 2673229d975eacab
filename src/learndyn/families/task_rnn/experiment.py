r"""The task-trained RNN family (``accumulate``, ``delay-match``, ``context-integrate``,
``flip-flop``, ``multisensory-decision``; docs/tasks.md, docs/analysis.md).

Many networks at once (grid points × seeds) learn a cognitive task from fresh keyed batches of
trials (Adam on the masked MSE, BPTT through ``lax.scan``). Recorded on a fixed test batch: loss
and task accuracy. After training, the analysis of docs/analysis.md runs on every network:
activity PCA and participation ratio on noiseless test trials, and fixed / slow points for each
input condition of the task (optax slow-point stage, optimistix Newton polish, Jacobian
classification). Theory beside it: the ideal observer's accuracy for ``accumulate``.
Labels: (learndyn formulation) throughout; tasks after neurogym, Mante et al. 2013, Sussillo &
Barak 2013.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import xarray as xr

import learndyn
from learndyn.analysis import find_fixed_points, participation_ratio, pca, sample_states
from learndyn.config import grid_points, spec_at
from learndyn.errors import ConfigError
from learndyn.family import grid_labels, network_rows, per_network, stack_networks
from learndyn.imports import load_object, require
from learndyn.models import LowRankRNN, frozen_leaves, init_task_rnn, same_structure, simulate
from learndyn.tasks import Batch, accumulate_ideal_accuracy, make_batch, task_accuracy, task_sizes
from learndyn.training import Problem, TrainState, gradient_engine, recorded_steps

from .schema import NETWORKS, TASKS, TaskRNNSpec
from .report_text import LABEL
from .report_text import RESERVED as _RESERVED


_N_TRIALS_KEPT = 24


class NetData(eqx.Module):
    """Per-network constants: Euler step and noise levels."""

    alpha: Any
    recurrent_noise: Any
    input_noise: Any


@dataclass
class Built(learndyn.Built):
    test: Batch


def trial_outputs(net, inputs, d: NetData, key):
    """States and outputs ``(B, T, ·)`` of one network on a batch (noise when ``key`` is given)."""

    def one(u, k):
        return simulate(net, u, alpha=d.alpha, key=k, recurrent_noise=d.recurrent_noise,
                        input_noise=d.input_noise)

    if key is None:
        return jax.vmap(lambda u: one(u, None))(inputs)
    return jax.vmap(one)(inputs, jr.split(key, inputs.shape[0]))


# every network on the same noiseless trials (module level: compiled once per shape, not per call)
_noiseless_trials = jax.jit(jax.vmap(lambda net, d, inputs: trial_outputs(net, inputs, d, None),
                                     in_axes=(0, 0, None)))


def masked_mse(outputs, batch: Batch):
    r"""``L = Σ mask (y − y*)² / Σ mask``."""
    return jnp.sum(batch.mask * (outputs - batch.targets) ** 2) / jnp.maximum(jnp.sum(batch.mask), 1.0)


class LearndynTask:
    """One of learndyn's own tasks behind the task protocol (``n_in``, ``n_out``, ``sample``,
    ``conditions``, ``accuracy``) that a user's task class satisfies too."""

    def __init__(self, config):
        self.config = config
        self.n_in, self.n_out = task_sizes(config)

    def sample(self, key, batch: int) -> Batch:
        cfg = self.config if batch == self.config.batch else self.config.model_copy(update={"batch": batch})
        return make_batch(key, cfg)

    def conditions(self) -> dict[str, np.ndarray]:
        return fixed_point_conditions(self.config)

    def accuracy(self, outputs, batch: Batch):
        return task_accuracy(outputs, batch)


TASK_PROTOCOL = ("n_in", "n_out", "sample")
NETWORK_PROTOCOL = ("hidden_size", "step", "readout", "recurrent_matrix")


def task_object(config):
    """The task of a config: learndyn's own, or the user's class named by ``task.kind`` (an import
    path), constructed with ``dt`` and ``task.options`` and checked against the task protocol."""
    if config.kind in TASKS:
        return LearndynTask(config)
    cls = require(load_object(config.kind, "task.kind"), ("sample",), f"task.kind {config.kind!r}")
    try:
        obj = cls(dt=config.dt, **config.options)
    except Exception as err:  # noqa: BLE001 - the user's constructor rejected the options
        raise ConfigError(f"task.kind {config.kind!r}: {type(err).__name__}: {err} "
                          f"(task.options = {config.options})") from None
    return require(obj, TASK_PROTOCOL, f"task.kind {config.kind!r}")


def network(key, m, n_in: int, n_out: int):
    """A network at initialisation: learndyn's own (``init_task_rnn``) or the user's class named by
    ``model.kind``, constructed as ``Class(n=, n_in=, n_out=, g=, key=)`` and checked against the
    network protocol (``hidden_size``, ``step(x, u, alpha=None)``, ``readout``, ``recurrent_matrix``)."""
    if m.kind in NETWORKS:
        return init_task_rnn(key, m.kind, n=m.n, n_in=n_in, n_out=n_out, g=m.g, rank=m.rank, activation=m.activation)
    cls = require(load_object(m.kind, "model.kind"), NETWORK_PROTOCOL, f"model.kind {m.kind!r}")
    try:
        net = cls(n=m.n, n_in=n_in, n_out=n_out, g=m.g, key=key)
    except Exception as err:  # noqa: BLE001 - the user's constructor failed
        raise ConfigError(f"model.kind {m.kind!r}: {cls.__qualname__}(n=, n_in=, n_out=, g=, key=) raised "
                          f"{type(err).__name__}: {err}") from None
    return require(net, NETWORK_PROTOCOL, f"model.kind {m.kind!r}")


def build(spec: TaskRNNSpec, *, record_steps=None, phase: str = "main", previous=None) -> Built:
    points = grid_points(spec)
    specs = [spec_at(spec, p) for p in points]
    task_api = task_object(spec.task)
    n_in, n_out = task_api.n_in, task_api.n_out
    keys = jr.split(jr.key(spec.seed), spec.seeds)
    nets, datas, lrs = [], [], []
    for s in specs:
        for i in range(spec.seeds):
            m = s.model
            nets.append(network(keys[i], m, n_in, n_out))
            datas.append(NetData(np.asarray(s.task.dt / m.tau), np.asarray(m.recurrent_noise),
                                 np.asarray(m.input_noise)))
            lrs.append(s.train.lr)
    nets = same_structure(nets)
    task = spec.task
    dtype = jnp.dtype(spec.train.precision)
    cast = lambda tree: jax.tree.map(lambda a: jnp.asarray(a, dtype), tree)  # noqa: E731

    def objective(net, d, key):
        kb, kn = jr.split(key)
        batch = cast(task_api.sample(kb, task.batch))
        _, out = trial_outputs(net, batch.inputs, d, kn)
        return masked_mse(out, batch)

    test = cast(task_api.sample(jr.fold_in(jr.key(spec.seed), 7), spec.train.test_batch))
    problem = Problem(params=cast(stack_networks(nets)), data=cast(stack_networks(datas)), lr=jnp.asarray(lrs, float),
                      keys=jr.split(jr.fold_in(jr.key(spec.seed), 1), len(lrs)), engine=gradient_engine(objective),
                      trainable=frozen_leaves(nets[0]), optimizer=spec.train.optimizer, clip=spec.train.clip)
    steps = record_steps or recorded_steps(spec.train.steps, spec.record)
    built = Built(spec, phase, problem, list(steps), *grid_labels(spec, _RESERVED), test)
    built.observe = _make_observer(built, getattr(task_api, "accuracy", task_accuracy))
    return built


def _make_observer(built: Built, accuracy):
    problem, test = built.problem, built.test
    noise_key = jr.fold_in(jr.key(built.spec.seed), 11)

    @jax.jit
    def metrics(params, data):
        def one(net, d):
            _, out = trial_outputs(net, test.inputs, d, noise_key)
            return {"loss": masked_mse(out, test), "accuracy": accuracy(out, test)}

        return jax.vmap(one)(params, data)

    def observe(state: TrainState) -> dict[str, np.ndarray]:
        out = {k: np.asarray(v) for k, v in metrics(state.params, problem.data).items()}
        bad = np.asarray(state.diverged)
        return {k: np.where(bad, np.nan, v) for k, v in out.items()}

    return observe


def recurrent_weights(built: Built, params) -> np.ndarray:
    """``(net, n, n)`` recurrent matrices for the weight snapshots (``learndyn analyze``)."""
    return np.asarray(jax.vmap(lambda p: p.recurrent_matrix())(params))


def _conditions(config) -> dict[str, np.ndarray]:
    """Fixed-point input conditions of any task: its ``conditions()``, else zero input."""
    task = task_object(config)
    if hasattr(task, "conditions"):
        return {k: np.asarray(v, float) for k, v in task.conditions().items()}
    return {"rest": np.zeros(task.n_in)}


def fixed_point_conditions(task) -> dict[str, np.ndarray]:
    """Constant inputs under which fixed / slow points are sought: the input of the memory or
    integration period with zero evidence (one condition per context for ``context_integrate``)."""
    if task.kind == "accumulate":
        return {"stimulus": np.array([1.0, 0.0])}
    if task.kind == "delay_match":
        return {"delay": np.concatenate([[1.0], np.zeros(task.n_stimuli)])}
    if task.kind == "context_integrate":
        return {"motion": np.array([1.0, 1.0, 0.0, 0.0, 0.0]), "colour": np.array([1.0, 0.0, 1.0, 0.0, 0.0])}
    if task.kind == "multisensory":
        return {"stimulus": np.array([1.0, 0.5, 0.5, 0.5, 0.5])}
    return {"hold": np.zeros(task.bits)}


def _velocity(p, x):
    """``τ ẋ`` of a leaky network under the constant input ``u`` (``p = (net, u)``)."""
    net, u = p
    return net.velocity(x, u)


def _map(p, x):
    """One step of a gated cell under the constant input ``u`` (``p = (net, u)``)."""
    net, u = p
    return net.step(x, u)


def _unstack(params, i):
    return jax.tree.map(lambda a: a[i], params)


def analyse_networks(spec: TaskRNNSpec, params, data: NetData, test: Batch, diverged: np.ndarray) -> dict:
    """Activity PCA and fixed points of every network (NumPy arrays with leading ``net`` axis)."""
    fp = spec.fixed_points
    conds = _conditions(spec.task)
    params, data, test = (jax.tree.map(lambda a: jnp.asarray(a, jnp.float64), t) for t in (params, data, test))
    n_net = int(np.asarray(data.alpha).shape[0])
    states, outs = _noiseless_trials(params, data, test.inputs)
    states, outs = np.asarray(states), np.asarray(outs)
    s = states.shape[-1]
    # a network with a velocity τẋ is continuous (leaky, low-rank); otherwise a map (GRU, LSTM, yours)
    continuous = hasattr(_unstack(params, 0), "velocity")
    fn, time = (_velocity, "continuous") if continuous else (_map, "discrete")
    k, c = fp.max_points, len(conds)
    nk = min(_N_TRIALS_KEPT, states.shape[1])
    res = {"participation_ratio": np.full(n_net, np.nan), "activity_pc": np.full((n_net, nk,
           states.shape[2], 3), np.nan), "pc_explained": np.full((n_net, 3), np.nan),
           "example_output": outs[:, :nk], "fp_x": np.full((n_net, c, k, s), np.nan),
           "fp_q": np.full((n_net, c, k), np.nan), "fp_fixed": np.zeros((n_net, c, k), bool),
           "fp_stable": np.zeros((n_net, c, k), bool), "fp_n_unstable": np.full((n_net, c, k), -1),
           "fp_growth": np.full((n_net, c, k), np.nan), "fp_eig": np.full((n_net, c, k, s), np.nan + 0j),
           "fp_pc": np.full((n_net, c, k, 3), np.nan),
           "fp_direction_pc": np.full((n_net, c, k, 3), np.nan), "fp_line_fraction": np.full((n_net, c), np.nan)}
    for i in range(n_net):
        if diverged[i] or not np.all(np.isfinite(states[i])):
            continue
        flat = states[i].reshape(-1, s)
        p = pca(flat, 3)
        res["participation_ratio"][i] = participation_ratio(flat)
        proj = p.project(states[i][:nk])
        res["activity_pc"][i, ..., : proj.shape[-1]] = proj
        res["pc_explained"][i, : len(p.explained)] = p.explained
        if not fp.enabled:
            continue
        net = _unstack(params, i)
        for j, u in enumerate(conds.values()):
            x0 = sample_states(jr.fold_in(jr.key(spec.seed), 100 + j), jnp.asarray(states[i]), fp.inits, fp.jitter)
            found = find_fixed_points(fn, (net, jnp.asarray(u)), x0, time=time, opt_steps=fp.steps, lr=fp.lr,
                                      fixed_tol=fp.fixed_tol, slow_fraction=fp.slow_fraction)
            found = found.select(np.arange(min(len(found), k)))
            m = len(found)
            res["fp_x"][i, j, :m] = found.x
            res["fp_q"][i, j, :m] = found.q
            res["fp_fixed"][i, j, :m] = found.fixed
            res["fp_stable"][i, j, :m] = found.stable
            res["fp_n_unstable"][i, j, :m] = found.n_unstable
            growth = found.eigenvalues[:, 0].real if time == "continuous" else np.abs(found.eigenvalues[:, 0]) - 1
            res["fp_growth"][i, j, :m] = growth
            res["fp_eig"][i, j, :m] = found.eigenvalues
            if m:
                pr = p.project(found.x)
                res["fp_pc"][i, j, :m, : pr.shape[-1]] = pr
                dr = found.unstable_direction @ p.components.T
                res["fp_direction_pc"][i, j, :m, : dr.shape[-1]] = dr
            if m >= 2:
                res["fp_line_fraction"][i, j] = pca(found.x, 1).explained[0]
    return res


_ATTRS = {
    "loss": "masked MSE on the fixed test batch (with the training noise)",
    "accuracy": "share of scored entries whose output has the target's sign (tasks.task_accuracy)",
    "participation_ratio": "(Σλ)²/Σλ² of the covariance of noiseless test-trial states (after training)",
    "fp_q": "speed q = ½‖g(x)‖² at the point (g = τẋ, or F(x) − x for gated cells)",
    "fp_fixed": "q < fixed_points.fixed_tol (a fixed point; otherwise a slow point)",
    "fp_stable": "every Jacobian eigenvalue stable (Re λ < 0, or |λ| < 1 for gated cells)",
    "fp_n_unstable": "number of unstable Jacobian eigenvalues",
    "fp_growth": "least stable eigenvalue: max Re λ (continuous) or max |λ| − 1 (discrete)",
    "fp_eig": "Jacobian eigenvalues at the point (of τẋ, or of the map), least stable first",
    "fp_line_fraction": "variance share of the first PC of the condition's fixed+slow points (1: a line)",
}


def to_dataset(phases) -> xr.Dataset:
    res = phases[-1]
    built, records = res.built, res.records
    steps = np.asarray(built.record_steps[: len(records)], dtype=np.int64)
    data: dict[str, Any] = {}
    if records:
        for name in ("loss", "accuracy"):
            data[name] = built.label(np.stack([r[name] for r in records], axis=1), ("step",))
    data["diverged"] = built.label(np.asarray(res.state.diverged), ())
    data["diverged_step"] = built.label(np.asarray(res.state.diverged_step), ())
    coords = {"step": steps, "seed": np.arange(built.spec.seeds),
              **{d: np.asarray(v, float) for d, v in built.grid_values.items()}}
    ds = xr.Dataset(data, coords=coords)
    for name, long in _ATTRS.items():
        if name in ds:
            ds[name].attrs.update(long_name=long, source="sim")
    ds.attrs.update(source="sim", label=LABEL, grid_keys=dict(built.grid_dims), task=built.spec.task.kind,
                    network=built.spec.model.kind)
    return ds


def analysis_dataset(spec: TaskRNNSpec, phases, sim: xr.Dataset) -> xr.Dataset:
    """Post-training analysis (activity PCA, fixed points, final parameters) of every network."""
    res = phases[-1]
    built = res.built
    a = analyse_networks(spec, res.state.params, built.problem.data, built.test, np.asarray(res.state.diverged))
    conds = list(_conditions(spec.task))
    n_keep = min(_N_TRIALS_KEPT, built.test.inputs.shape[0])
    dims = {"participation_ratio": (), "activity_pc": ("trial", "time", "pc"), "pc_explained": ("pc",),
            "example_output": ("trial", "time", "out"), "fp_x": ("condition", "fp", "unit"),
            "fp_q": ("condition", "fp"), "fp_fixed": ("condition", "fp"), "fp_stable": ("condition", "fp"),
            "fp_n_unstable": ("condition", "fp"), "fp_growth": ("condition", "fp"),
            "fp_eig": ("condition", "fp", "fp_eig_index"),
            "fp_pc": ("condition", "fp", "pc"), "fp_direction_pc": ("condition", "fp", "pc"),
            "fp_line_fraction": ("condition",)}
    data = {name: built.label(a[name], extra) for name, extra in dims.items()}
    data["example_input"] = (("trial", "time", "channel"), np.asarray(built.test.inputs)[:n_keep])
    data["example_target"] = (("trial", "time", "out"), np.asarray(built.test.targets)[:n_keep])
    data["example_response"] = (("trial", "time", "out"), np.asarray(built.test.response)[:n_keep])
    for name, leaf in _param_leaves(res.state.params).items():
        data[f"param_{name}"] = built.label(leaf, tuple(f"param_{name}_{i}" for i in range(leaf.ndim - 1)))
    data.update(_low_rank_variables(spec, res.state.params, built, a, np.asarray(res.state.diverged)))
    ds = xr.Dataset(data, coords={"condition": conds, "time": np.arange(built.test.inputs.shape[1]),
                                  "seed": np.arange(spec.seeds),
                                  **{d: np.asarray(v, float) for d, v in built.grid_values.items()}})
    for name, long in _ATTRS.items():
        if name in ds:
            ds[name].attrs.update(long_name=long, source="analysis")
    if "mf_kappa" in ds:
        from .low_rank import ATTRS, FITS

        ds = ds.assign_coords(fit=list(FITS), loading=_loading_names(res.state.params, spec))
        for name, (source, long) in ATTRS.items():
            if name in ds:
                ds[name].attrs.update(long_name=long, source=source)
    return ds


def _loading_names(params, spec: TaskRNNSpec) -> list[str]:
    from learndyn.theory.low_rank import LoadingLayout

    return LoadingLayout(spec.model.rank, int(params.w_in.shape[-1]), int(params.w_out.shape[-2])).names()


def _low_rank_variables(spec: TaskRNNSpec, params, built: Built, analysis: dict, diverged: np.ndarray) -> dict:
    """The mean-field reduction of trained low-rank networks (families/task_rnn/low_rank.py), if any."""
    if not (isinstance(params, LowRankRNN) and spec.low_rank.enabled and spec.fixed_points.enabled):
        return {}
    from .low_rank import DIMS, analyse

    task_api = task_object(spec.task)
    params64 = jax.tree.map(lambda a: jnp.asarray(a, jnp.float64), params)
    out = analyse(spec, params64, built.problem.data, built.test, getattr(task_api, "accuracy", task_accuracy),
                  analysis, diverged, _conditions(spec.task), trial_outputs)
    return {name: built.label(out[name], dims) for name, dims in DIMS.items() if name in out}


def _array_fields(params) -> list[str]:
    """Names of a network module's array fields (its static fields, e.g. the activation, excluded)."""
    return [f.name for f in dataclasses.fields(params) if not f.metadata.get("static", False)]


def _param_leaves(params) -> dict[str, np.ndarray]:
    return {name: np.asarray(getattr(params, name)) for name in _array_fields(params)}


def theory_dataset(spec: TaskRNNSpec, phases, sim=None) -> xr.Dataset:
    """The ideal observer of ``accumulate`` (choice report): its expected accuracy
    ``mean_c Φ(|c|√n_stim/σ)`` and its accuracy on the very test trials the networks are scored on
    (the fair comparison: the test batch is a finite sample). Nothing for other tasks."""
    if spec.task.kind != "accumulate" or spec.task.report != "choice":
        return xr.Dataset()
    test = phases[-1].built.test
    evidence = np.asarray(test.inputs[..., 1], float).sum(1)
    target = np.asarray(test.targets[..., 0], float)[:, -1]
    ds = xr.Dataset({"ideal_accuracy": ((), accumulate_ideal_accuracy(spec.task)),
                     "ideal_accuracy_test": ((), float(np.mean(np.sign(evidence) == target)))})
    ds["ideal_accuracy"].attrs.update(source="theory", long_name="perfect integrator: mean_c Φ(|c|√n_stim/σ)")
    ds["ideal_accuracy_test"].attrs.update(source="theory", long_name="perfect integrator on the test trials")
    return ds


def summarize(ds: xr.Dataset) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    if ds.sizes.get("step", 0) and "loss" in ds:
        metrics = {"final_loss": per_network(ds, ds["loss"].isel(step=-1)),
                   "task_accuracy": per_network(ds, ds["accuracy"].isel(step=-1))}
    if "fp_fixed" in ds:
        metrics["n_fixed_points"] = per_network(ds, ds["fp_fixed"].sum(("condition", "fp")).astype(int))
        metrics["n_stable"] = per_network(ds, (ds["fp_fixed"] & ds["fp_stable"]).sum(("condition", "fp")).astype(int))
        slow = ds["fp_q"].notnull() & ~ds["fp_fixed"]
        metrics["n_slow_points"] = per_network(ds, slow.sum(("condition", "fp")).astype(int))
        metrics["participation_ratio"] = per_network(ds, ds["participation_ratio"])
        metrics["line_fraction"] = {c: per_network(ds, ds["fp_line_fraction"].sel(condition=c))
                                    for c in ds["condition"].values.tolist()}
    status = xr.where(ds["diverged"], "diverged", "ok")
    theory = {k: float(ds[k]) for k in ("ideal_accuracy", "ideal_accuracy_test") if k in ds}
    return {"status": per_network(ds, status), "metrics": metrics, "theory": theory}


def headline_rows(ds: xr.Dataset):
    cols = ["step", "test loss", "accuracy", "fixed pts", "stable", "slow pts", "PR"]
    if not ds.sizes.get("step", 0) or "loss" not in ds:
        return network_rows(ds, cols)

    def cells(c, ix):
        extra = ["—"] * 4
        if "fp_fixed" in ds:
            f = ds["fp_fixed"].isel(ix).values
            q = ds["fp_q"].isel(ix).values
            extra = [str(int(f.sum())), str(int((f & ds["fp_stable"].isel(ix).values).sum())),
                     str(int((np.isfinite(q) & ~f).sum())), f"{float(ds['participation_ratio'].isel(ix)):.2f}"]
        return [str(int(c["step"])), f"{float(c['loss']):.4g}", f"{float(c['accuracy']):.3f}", *extra]

    return network_rows(ds, cols, cells)


def figures(ds: xr.Dataset, outdir) -> list:
    from learndyn.plots import fixed_points_3d, save_figure

    from . import figures as plots

    outdir = Path(outdir)
    if not ds.sizes.get("step", 0) or "loss" not in ds:
        return []
    title = f"{ds.attrs.get('experiment', '')} — {ds.attrs.get('task', '')}, {ds.attrs.get('network', '')} RNN"
    paths = [save_figure(plots.training_curves(ds, title=title), outdir / "training.png")]
    if "example_output" in ds:
        paths.append(save_figure(plots.example_trials(ds, title=title), outdir / "trials.png"))
    if "fp_pc" in ds and np.isfinite(ds["fp_pc"].values).any():
        paths.append(save_figure(fixed_points_3d(ds, title=title), outdir / "fixed_points.png"))
    reduced = reduced_system(ds)
    if reduced is not None:
        vel, kappa, stable, lim = reduced
        paths.append(save_figure(plots.phase_portrait(vel, xlim=lim[0], ylim=lim[1], points=kappa, stable=stable,
                                                      title=f"{title}\nexact 2-D reduction κ̇ = −κ + Nᵀφ(Mκ + v₀)/N"),
                                 outdir / "phase_portrait.png"))
    systems = mean_field_systems(ds)
    if systems is not None:
        sysd, span, rank, band = systems
        paths.append(save_figure(plots.mean_field_portrait(sysd, span=span, rank=rank, band=band, title=(
            f"{title}\ntrained network vs mean field of its fitted loadings (first network, first condition)")),
            outdir / "mean_field_portrait.png"))
    return paths


def mean_field_systems(ds: xr.Dataset, network: dict | None = None, condition: int = 0):
    """``({name: (velocity, κ fixed points, stable)}, span, rank, bootstraps)`` of one stored low-rank
    network: its latent velocity on the plane ``x = Mκ + v₀`` (``g J`` ignored: exact for ``g = 0``)
    with the finder's fixed points projected on the latent space, then the mean field of each fit, and
    the latent velocities of the analysis's bootstrap networks (the resampling spread); ``None`` if the
    run has no mean-field analysis."""
    from learndyn.theory import low_rank as lr

    from .low_rank import FITS, bootstrap_velocities, distribution

    if "mf_kappa" not in ds or "param_m" not in ds:
        return None
    network = network or {d: 0 for d in ds["mf_kappa"].dims if d in ds.attrs.get("grid_keys", {}) or d == "seed"}
    sub = ds.isel(network)
    # for drawing: the host's default precision (float64 inside learndyn's float64 scope)
    spec, net, u = _stored_low_rank(ds, sub, condition)
    rank = ds.sizes["latent"]
    fk = sub["fp_kappa"].isel(condition=condition).values
    ok = np.isfinite(fk).all(-1)
    fk, fs = fk[ok], sub["fp_stable"].isel(condition=condition).values[sub["fp_fixed"].isel(condition=condition).values][: ok.sum()]
    systems = {"trained network": (jax.jit(jax.vmap(lambda k: net.latent_velocity(k, u))), fk, fs)}
    # one compiled mean field for every fit (the distribution is an argument, not a constant)
    mean_field = jax.jit(jax.vmap(lr.latent_velocity(float(spec.model.g), spec.model.activation),
                                  in_axes=(0, None, None)))
    for fit in FITS:
        dist = distribution(ds, network, fit)
        mk = sub["mf_kappa"].sel(fit=fit).isel(condition=condition).values
        okm = np.isfinite(mk).all(-1)
        vel = lambda k, dist=dist: mean_field(k, dist, u)  # noqa: E731
        name = "mean field: one Gaussian" if fit == "gaussian" else f"mean field: {dist.populations}-population mixture"
        systems[name] = (vel, mk[okm], sub["mf_stable"].sel(fit=fit).isel(condition=condition).values[okm])
    pts = np.concatenate([fk.reshape(-1, rank)] + [v[1].reshape(-1, rank) for v in systems.values()])
    span = 1.4 * max(float(np.max(np.abs(pts))) if len(pts) else 1.0, 0.5)
    flat = int(np.ravel_multi_index(tuple(network.get(d, 0) for d in ds["param_m"].dims[:-2]),
                                    ds["param_m"].shape[:-2])) if ds["param_m"].ndim > 2 else 0
    return systems, span, rank, bootstrap_velocities(net, spec, u, flat)


def _stored_low_rank(ds: xr.Dataset, sub: xr.Dataset, condition: int, dtype=None):
    """``(spec, network, u)``: the run's spec, the stored low-rank network of ``sub`` (one network's
    ``param_*``) and the constant input of fixed-point condition ``condition``."""
    import tomllib

    spec = TaskRNNSpec.model_validate(tomllib.loads(ds.attrs["config_toml"]))
    leaf = {k: jnp.asarray(sub[f"param_{k}"].values, dtype) for k in ("m", "n_vec", "j", "w_in", "b", "w_out", "b_out")}
    net = LowRankRNN.from_weights(**leaf, activation=spec.model.activation)
    return spec, net, jnp.asarray(list(_conditions(spec.task).values())[condition], dtype)


def reduced_system(ds: xr.Dataset, network: dict | None = None, condition: int = 0):
    r"""The exact 2-D reduction of a rank-2 network without random part (``g = 0``), or ``None``.

    With ``W = M Nᵀ/N`` and a constant input ``u``, the plane ``x = Mκ + v₀`` (``v₀ = W_in u + b``)
    is invariant: ``κ̇ = −κ + Nᵀ φ(Mκ + v₀)/N`` (learndyn formulation; Mastrogiuseppe & Ostojic
    2018). Returns ``(velocity, κ of the found fixed points, their stability, (xlim, ylim))``.
    """
    from .low_rank import project_on_latent

    if "param_m" not in ds or "param_j" not in ds or ds["param_m"].shape[-1] != 2:
        return None
    network = network or {d: 0 for d in ds["param_m"].dims if d in ds.dims and not d.startswith("param_")}
    sub = ds.isel(network)
    if np.any(sub["param_j"].values != 0):
        return None
    _, net, u = _stored_low_rank(ds, sub, condition, jnp.float64)
    latent = jax.jit(jax.vmap(lambda k: net.latent_velocity(k, u)))

    def velocity(kappa):
        return np.asarray(latent(jnp.asarray(kappa)))

    ok = np.isfinite(sub["fp_x"].isel(condition=condition).values).all(-1) & sub["fp_fixed"].isel(
        condition=condition).values
    x = sub["fp_x"].isel(condition=condition).values[ok]
    kappa = project_on_latent(net, x, np.asarray(u)) if len(x) else np.zeros((0, 2))
    stable = sub["fp_stable"].isel(condition=condition).values[ok]
    span = 1.3 * max(float(np.max(np.abs(kappa))) if len(kappa) else 1.0, 0.5)
    return velocity, kappa, stable, ((-span, span), (-span, span))


def stored_networks(ds: xr.Dataset, spec: TaskRNNSpec, built: Built):
    """The final networks of a saved run, stacked like ``built.problem.params``."""
    params = built.problem.params
    gdims = list(ds.attrs.get("grid_keys", {}))
    updates = {}
    for name in _array_fields(params):
        var = f"param_{name}"
        if var not in ds:
            raise KeyError(var)
        arr = ds[var].transpose(*gdims, "seed", ...).values
        updates[name] = jnp.asarray(arr.reshape(getattr(params, name).shape))
    return dataclasses.replace(params, **updates)


def fixed_point_dataset(ds: xr.Dataset) -> xr.Dataset:
    """``learndyn analyze --what fixed-points``: rebuild the stored final networks and search again
    (with the run's ``fixed_points`` settings)."""
    from learndyn.experiments import validate_spec
    from learndyn.errors import StoreError

    import tomllib

    spec = validate_spec(tomllib.loads(ds.attrs["config_toml"]))
    built = build(spec)
    try:
        params = stored_networks(ds, spec, built)
    except KeyError as err:
        raise StoreError(f"the run has no stored final parameter {err} (incomplete run?)") from None
    diverged = ds["diverged"].transpose(*ds.attrs.get("grid_keys", {}), "seed").values.ravel()
    state = TrainState(params, None, jnp.asarray(diverged), jnp.zeros(len(diverged), int), 0)
    out = analysis_dataset(spec, [SimpleNamespace(built=built, state=state)], ds)
    return out.drop_vars([v for v in out.data_vars if v.startswith(("param_", "example_"))])


def low_rank_analysis(ds: xr.Dataset):
    """``learndyn analyze --what low-rank``: the stored networks' mean-field reduction (recomputed with
    the run's ``fixed_points`` and ``low_rank`` settings), and the drawing of the first network's
    portrait (``draw(folder) -> [path]``)."""
    from learndyn.errors import UserError
    from learndyn.plots import save_figure

    from . import figures as plots

    if ds.attrs.get("network") != "low_rank":
        raise UserError(f"--what low-rank: the run's networks are '{ds.attrs.get('network')}', not low-rank "
                        "(model.kind = 'low_rank')")
    out = fixed_point_dataset(ds)  # the fixed points (and PCA) with the mean-field variables beside them
    params = ds[[v for v in ds.data_vars if v.startswith("param_")]]

    def draw(folder) -> list:
        systems = mean_field_systems(xr.merge([out, params], combine_attrs="override").assign_attrs(ds.attrs))
        if systems is None:
            return []
        sysd, span, rank, band = systems
        return [save_figure(plots.mean_field_portrait(sysd, span=span, rank=rank, band=band, title=(
            f"{ds.attrs.get('experiment', '')}: trained network vs mean field (first network, first condition)")),
            Path(folder) / "mean_field_portrait.png")]

    return out, draw
