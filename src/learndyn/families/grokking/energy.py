r"""``grokking-energy``: projected ascent on the Li2 energy ``E(w) = ½‖Ỹᵀσ(Xw)‖²`` at ``‖w‖ = 1``
(Tian 2025; docs/grokking.md; Theorem 2, Cor. 2). Every seed is one Gaussian start, trained by
the one trainer with the ``sphere`` optimiser (``w ← (w + γ∇E)/‖w + γ∇E‖``, γ = 2/M by default).

Theory: the maxima ``M/4`` (complex pair, 2-d irrep) and ``M/2`` (1-d real irrep) in learndyn's
normalisation (4× the printed values, pitfall 1).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import xarray as xr

import learndyn
from learndyn.config import grid_points, spec_at
from learndyn.family import grid_labels, network_rows, per_network
from learndyn.tasks import make_group, split_pairs
from learndyn.theory import grokking as theory
from learndyn.training import Problem, TrainState, gradient_engine, recorded_steps

from .experiment import LABEL, frequency_projectors
from .schema import EnergySpec
from .report_text import ENERGY_RESERVED as _RESERVED




class TableData(eqx.Module):
    pairs: Any
    y_tilde: Any


@dataclass
class Built(learndyn.Built):
    projectors: list[np.ndarray]
    order: int
    group_name: str


def build(spec: EnergySpec, *, record_steps=None, phase: str = "main", previous=None) -> Built:
    group = make_group(spec.task.group, spec.task.modulus, spec.task.moduli)
    m = group.order
    if spec.full_table:
        h1, h2 = np.divmod(np.arange(m * m), m)
        rows = np.stack([h1, h2, group.table[h1, h2]], 1)
    else:
        rows, _ = split_pairs(group, spec.task.train_fraction, np.random.default_rng(spec.seed))
    pairs = jnp.asarray(rows[:, :2])
    y_t = theory.centred_targets(jnp.asarray(rows[:, 2]), m)
    keys = jr.split(jr.key(spec.seed), spec.seeds)
    w0 = jax.vmap(lambda k: jr.normal(k, (2 * m,)))(keys)
    w0 = w0 / jnp.linalg.norm(w0, axis=1, keepdims=True)
    points = [spec_at(spec, p) for p in grid_points(spec)]  # grid points × seeds, the same starts at each
    n_net = len(points) * spec.seeds
    w0 = jnp.concatenate([w0] * len(points))
    keys = jnp.concatenate([keys] * len(points))
    data = TableData(jnp.broadcast_to(pairs, (n_net,) + pairs.shape),
                     jnp.broadcast_to(y_t, (n_net,) + y_t.shape))
    act = spec.activation
    gamma = [2.0 / m if s.train.lr == "auto" else float(s.train.lr) for s in points for _ in range(spec.seeds)]
    problem = Problem(params=w0, data=data, lr=jnp.asarray(gamma), keys=keys,
                      engine=gradient_engine(lambda w, d, k: -theory.energy(w, d.pairs, d.y_tilde, act)),
                      optimizer="sphere")
    steps = record_steps or recorded_steps(spec.train.steps, spec.record)
    built = Built(spec, phase, problem, list(steps), *grid_labels(spec, _RESERVED),
                  frequency_projectors(spec.task, group), m, group.name)
    energy = jax.jit(jax.vmap(lambda w, d: theory.energy(w, d.pairs, d.y_tilde, act)))

    def observe(state: TrainState) -> dict[str, np.ndarray]:
        w = np.asarray(state.params)
        pa, pb = theory.unit_spectra(w.T, built.projectors)
        p = pa + pb
        k = 1 + np.argmax(p[1:], axis=0)
        return {"energy": np.asarray(energy(state.params, data)), "frequency": k,
                "concentration": p[k, np.arange(p.shape[1])] / p.sum(0)}

    built.observe = observe
    return built


def to_dataset(phases) -> xr.Dataset:
    res = phases[-1]
    built, records = res.built, res.records
    steps = np.asarray(built.record_steps[: len(records)], dtype=np.int64)
    data = {}
    if records:
        for name in ("energy", "frequency", "concentration"):
            data[name] = built.label(np.stack([r[name] for r in records], axis=1), ("step",))
    data["diverged"] = built.label(np.asarray(res.state.diverged))
    data["w_final"] = built.label(np.asarray(res.state.params), ("unit_entry",))
    ds = xr.Dataset(data, coords={"step": steps, **built.coords()})
    ds.attrs.update(source="sim", label=LABEL, grid_keys=dict(built.grid_dims), group=built.group_name,
                    group_order=built.order)
    return ds


def theory_dataset(spec, phases, sim=None) -> xr.Dataset:
    m = phases[-1].built.order
    return xr.Dataset({"energy_max_pair": ((), m / 4), "energy_max_real": ((), m / 2)})


def summarize(ds: xr.Dataset) -> dict[str, Any]:
    metrics = {}
    if ds.sizes.get("step", 0) and "energy" in ds:
        last = ds.isel(step=-1)
        metrics = {"final_energy": per_network(ds, last["energy"]),
                   "frequency": per_network(ds, last["frequency"].astype(int)),
                   "concentration": per_network(ds, last["concentration"])}
    return {"status": per_network(ds, xr.where(ds["diverged"], "diverged", "ok")), "metrics": metrics,
            "theory": {"energy_max_pair": float(ds["energy_max_pair"]) if "energy_max_pair" in ds else None,
                       "energy_max_real": float(ds["energy_max_real"]) if "energy_max_real" in ds else None}}


def headline_rows(ds: xr.Dataset):
    """One row per start (``seed``): final E, E/M, the frequency (irrep) and its concentration."""
    cols = ["final E", "E / M", "frequency / irrep", "concentration"]
    if not ds.sizes.get("step", 0) or "energy" not in ds:
        return network_rows(ds, cols)
    m = int(ds.attrs["group_order"])
    return network_rows(ds, cols, lambda c, ix: [
        f"{float(c['energy']):.4f}", f"{float(c['energy']) / m:.4f}", str(int(c["frequency"])),
        f"{float(c['concentration']):.4f}"])


def figures(ds: xr.Dataset, outdir) -> list:
    from . import figures as plots
    from learndyn.plots import save_figure

    if not ds.sizes.get("step", 0) or "energy" not in ds:
        return []
    title = f"grokking-energy — {ds.attrs.get('group', '')} — {LABEL}"
    keys = ds.attrs.get("grid_keys", {})
    paths = []
    for point in itertools.product(*(range(ds.sizes[d]) for d in keys)):
        sel = dict(zip(keys, point, strict=True))
        tag = "".join(f", {keys[d]} = {ds[d].values[i]:g}" for d, i in sel.items())
        name = "energy" + "".join(f"_{d}_{ds[d].values[i]:g}" for d, i in sel.items())
        paths.append(save_figure(plots.energy_ascent(ds.isel(sel), title=title + tag), Path(outdir) / f"{name}.png"))
    return paths
