r"""The interval-timing family's numerics: building the training problem, labelling the records,
the fixed-point search — plain functions that the family class names with
``learndyn.implemented_in`` (so listing experiments does not import JAX)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import xarray as xr

import learndyn
from learndyn.analysis import find_fixed_points, sample_states
from learndyn.config import grid_points, spec_at
from learndyn.tasks import Batch
from learndyn.training import Problem, TrainState, gradient_engine, recorded_steps

from .network import MGU
from .spec import LABEL, RESERVED, TimingSpec
from .task import ReadySetGo

# ----------------------------------------------------------------------------- model pieces


def run_trials(net: MGU, inputs):
    """States ``(B, T, n)`` and outputs ``(B, T, 1)`` of one network on a batch of trials."""

    def one(u):
        def body(h, x):
            h = net.step(h, x)
            return h, (h, net.readout(h))

        _, (hs, ys) = jax.lax.scan(body, jnp.zeros(net.hidden_size, u.dtype), u)
        return hs, ys

    return jax.vmap(one)(inputs)


def masked_mse(outputs, batch: Batch):
    return jnp.sum(batch.mask * (outputs - batch.targets) ** 2) / jnp.maximum(jnp.sum(batch.mask), 1.0)


def task_of(spec: TimingSpec) -> ReadySetGo:
    return ReadySetGo(dt=spec.task.dt, intervals=spec.task.intervals, ready_max=spec.task.ready_max)


@dataclass
class TimingBuilt(learndyn.Built):
    test: Batch


_ATTRS = {"loss": "masked MSE on the test batch", "accuracy": "set-to-go steps within 0.1 of the ramp"}




def build(spec: TimingSpec, *, record_steps=None, phase="main", previous=None) -> TimingBuilt:
    task = task_of(spec)
    keys = jr.split(jr.key(spec.seed), spec.seeds)
    specs = [spec_at(spec, p) for p in grid_points(spec)]
    nets = [MGU(n=s.model.n, n_in=task.n_in, n_out=task.n_out, g=s.model.g, key=keys[i])
            for s in specs for i in range(spec.seeds)]
    lrs = [s.train.lr for s in specs for _ in range(spec.seeds)]

    def objective(net, data, key):
        batch = task.sample(key, spec.task.batch)
        return masked_mse(run_trials(net, batch.inputs)[1], batch)

    problem = Problem(params=learndyn.stack_networks(nets), data=None, lr=jnp.asarray(lrs),
                      keys=jr.split(jr.fold_in(jr.key(spec.seed), 1), len(lrs)),
                      engine=gradient_engine(objective), optimizer=spec.train.optimizer,
                      clip=spec.train.clip or None)
    test = task.sample(jr.fold_in(jr.key(spec.seed), 7), spec.train.test_batch)
    steps = record_steps or recorded_steps(spec.train.steps, spec.record)
    built = TimingBuilt(spec, phase, problem, list(steps), *learndyn.grid_labels(spec, RESERVED),
                        test=test)

    @jax.jit
    def metrics(params):
        def one(net):
            out = run_trials(net, test.inputs)[1]
            return {"loss": masked_mse(out, test), "accuracy": task.accuracy(out, test)}

        return jax.vmap(one)(params)

    def observe(state: TrainState) -> dict[str, np.ndarray]:
        bad = np.asarray(state.diverged)
        return {k: np.where(bad, np.nan, np.asarray(v)) for k, v in metrics(state.params).items()}

    built.observe = observe
    return built


def to_dataset(phases) -> xr.Dataset:
    res = phases[-1]
    built, records = res.built, res.records
    data: dict[str, Any] = {}
    if records:
        for name in ("loss", "accuracy"):
            data[name] = built.label(np.stack([r[name] for r in records], axis=1), ("step",))
    data["diverged"] = built.label(np.asarray(res.state.diverged))
    data["diverged_step"] = built.label(np.asarray(res.state.diverged_step))
    ds = xr.Dataset(data, coords={"step": np.asarray(built.record_steps[: len(records)]), **built.coords()})
    for name, long in _ATTRS.items():
        if name in ds:
            ds[name].attrs.update(long_name=long, source="sim")
    ds.attrs.update(source="sim", label=LABEL, grid_keys=dict(built.grid_dims))
    return ds


def analysis_dataset(spec, phases, sim) -> xr.Dataset:
    """The final parameters of every network (so ``analyze --what fixed-points`` can rebuild them)."""
    res = phases[-1]
    leaves = {f: np.asarray(getattr(res.state.params, f)) for f in ("w_in", "u", "b", "w_out", "b_out")}
    return xr.Dataset({f"param_{k}": res.built.label(v, tuple(f"param_{k}_{i}" for i in range(v.ndim - 1)))
                       for k, v in leaves.items()}, coords=res.built.coords())


def recurrent_weights(built, params) -> np.ndarray:
    return np.asarray(jax.vmap(lambda net: net.recurrent_matrix())(params))


def fixed_point_dataset(ds: xr.Dataset) -> xr.Dataset:
    """Fixed and slow points of the map ``h ↦ F(h, 0)`` (between pulses) of every stored network,
    started from states of its own test trials."""
    spec = learndyn.experiments.validate_spec(tomllib.loads(ds.attrs["config_toml"]))
    task = task_of(spec)
    test = task.sample(jr.fold_in(jr.key(spec.seed), 7), spec.train.test_batch)
    gdims = list(ds.attrs.get("grid_keys", {}))
    leaves = {f: ds[f"param_{f}"].transpose(*gdims, "seed", ...).values for f in ("w_in", "u", "b", "w_out", "b_out")}
    n_net = int(np.prod(leaves["u"].shape[: len(gdims) + 1]))
    flat = {k: jnp.asarray(v.reshape((n_net,) + v.shape[len(gdims) + 1:])) for k, v in leaves.items()}
    u0 = jnp.asarray(task.conditions()["wait"])
    k_max = 16
    fp_x = np.full((n_net, 1, k_max, flat["u"].shape[-1]), np.nan)
    fp_q = np.full((n_net, 1, k_max), np.nan)
    fp_fixed = np.zeros((n_net, 1, k_max), bool)
    fp_stable = np.zeros((n_net, 1, k_max), bool)
    for i in range(n_net):
        net = jax.tree.unflatten(jax.tree.structure(_template(flat)), [flat[k][i] for k in _FIELDS])
        states = run_trials(net, test.inputs)[0]
        x0 = sample_states(jr.fold_in(jr.key(spec.seed), 100 + i), states, 32, 0.05)
        found = find_fixed_points(lambda p, h: p.step(h, u0), net, x0, time="discrete", opt_steps=300)
        found = found.select(np.arange(min(len(found), k_max)))
        m = len(found)
        fp_x[i, 0, :m], fp_q[i, 0, :m] = found.x, found.q
        fp_fixed[i, 0, :m], fp_stable[i, 0, :m] = found.fixed, found.stable
    shape = tuple(ds.sizes[d] for d in gdims) + (spec.seeds,)
    dims = tuple(gdims) + ("seed",)
    out = xr.Dataset({"fp_x": (dims + ("condition", "fp", "unit"), fp_x.reshape(shape + fp_x.shape[1:])),
                      "fp_q": (dims + ("condition", "fp"), fp_q.reshape(shape + fp_q.shape[1:])),
                      "fp_fixed": (dims + ("condition", "fp"), fp_fixed.reshape(shape + fp_fixed.shape[1:])),
                      "fp_stable": (dims + ("condition", "fp"), fp_stable.reshape(shape + fp_stable.shape[1:]))},
                     coords={"condition": ["wait"], **{d: ds[d].values for d in dims}})
    return out


def headline_rows(ds: xr.Dataset):
    cols = ["step", "test loss", "accuracy"]
    if not ds.sizes.get("step", 0) or "loss" not in ds:
        return learndyn.network_rows(ds, cols)
    return learndyn.network_rows(ds, cols, lambda cell, ix: [
        str(int(cell["step"])), f"{float(cell['loss']):.4g}", f"{float(cell['accuracy']):.3f}"])


_FIELDS = ("w_in", "u", "b", "w_out", "b_out")


def _template(flat: dict) -> MGU:
    """An MGU with the stored leaves' shapes (its pytree structure for unflattening)."""
    n, n_in = flat["u"].shape[-1], flat["w_in"].shape[-1]
    return MGU(n=n, n_in=n_in, n_out=flat["w_out"].shape[1], key=jr.key(0))
