r"""The grokking family (``grokking``, ``grokking-boundary``, ``grokking-muon``; Tian 2025; docs/grokking.md).

Two-layer networks ``Ŷ = β σ(XW)V`` learn group arithmetic from a random fraction ``p`` of the
table, full batch (one epoch = one optimiser step), many networks at once: grid points (weight
decay, train fraction, learning rate, …) × seeds. Training sets of different sizes share one
program through masks. Recorded every epoch: train/test accuracy and loss and ``‖G_F‖`` (§2.1);
every ``train.diagnostics_every`` epochs the Fourier / irrep diagnostics of §4.

Theory beside it: the critical fraction ``p_c = 2.7482 ln M/M`` (§2.6) and the energy maxima
``M/4``, ``M/2`` (Theorem 2, learndyn normalisation). Labels: (reference code) training path,
(learndyn formulation) masks, diagnostics and defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import xarray as xr

import learndyn
from learndyn.analysis import boundary_estimate
from learndyn.config import grid_dims, grid_points, spec_at
from learndyn.tasks import Group, dihedral_characters, isotypic_projectors, make_group, split_pairs, train_size
from learndyn.theory import grokking as theory
from learndyn.training import Problem, TrainState, gradient_engine, recorded_steps
from learndyn.family import grid_labels, network_rows, per_network, stack_networks

from .schema import GrokkingSpec
from .report_text import LABEL
from .report_text import RESERVED as _RESERVED


_OPTIMIZER = {"adam": "adam_l2", "adamw": "adamw", "sgd": "sgd_momentum_l2", "muon": "muon"}


class TwoLayerNet(eqx.Module):
    """``W`` (2M × K) then ``V`` (K × M); Muon acts on the first leaf, ``W``."""

    w: Any
    v: Any


class PairData(eqx.Module):
    """Per-network split (padded to the largest split of the run; ``*_mask`` marks real rows)."""

    train_pairs: Any  # (n_max, 2)
    train_labels: Any  # (n_max,)
    train_mask: Any  # (n_max,)
    test_pairs: Any
    test_labels: Any
    test_mask: Any
    output_scale: Any  # scalar β


@dataclass
class Built(learndyn.Built):
    group: Group
    projectors: list[np.ndarray]
    n_train: np.ndarray


def frequency_projectors(spec_task, group: Group) -> list[np.ndarray]:
    """Real isotypic projectors, DC first: cyclic / product by wave vectors, dihedral by characters."""
    if spec_task.group == "cyclic":
        return theory.cyclic_projectors((spec_task.modulus,))
    if spec_task.group == "product":
        return theory.cyclic_projectors(tuple(spec_task.moduli))
    return [np.full((group.order,) * 2, 1.0 / group.order)] + isotypic_projectors(
        group, dihedral_characters(spec_task.modulus))


def init_network(key, m: int, width: int, top_scale: float) -> TwoLayerNet:
    """PyTorch-linear-style init (reference code): ``W ~ U(±1/√(2M))``, ``V ~ U(±1/√K)·top_scale``."""
    kw, kv = jr.split(key)
    w = jr.uniform(kw, (2 * m, width), minval=-1, maxval=1) / jnp.sqrt(2 * m)
    v = jr.uniform(kv, (width, m), minval=-1, maxval=1) / jnp.sqrt(width) * top_scale
    return TwoLayerNet(w, v)


def outputs(net: TwoLayerNet, pairs, act: str, beta) -> jnp.ndarray:
    """``O = β σ(XW) V``."""
    return beta * theory.hidden(net.w, pairs, act) @ net.v


def loss_and_residual(net, pairs, labels, mask, m: int, act: str, loss: str, beta):
    r"""Training loss and the back-propagated residual ``R`` with ``G_F = R Vᵀ`` (§1.3, §2.1):

    * ``mse_class`` (reference code): ``o_c = o − mean_c o``, ``t = e_y − 1/M``,
      ``L = (1/n) Σ_i ‖o_c − t‖²``; ``R = T − O_c``;
    * ``mse_sample`` (paper Eq. 1): ``L = ½‖P1⊥(Y − O)‖²``; ``R = P1⊥(Y − O)``;
    * ``ce``: mean softmax cross-entropy; ``R = Y − softmax(O)``.
    ``G_F`` carries no 1/n or 2 (learndyn formulation)."""
    o = outputs(net, pairs, act, beta)
    y = jax.nn.one_hot(labels, m, dtype=o.dtype)
    mask = mask.astype(o.dtype)
    n = jnp.sum(mask)
    wmask = mask[:, None]
    if loss == "mse_class":
        r = (y - 1.0 / m) - (o - o.mean(1, keepdims=True))
        return jnp.sum(wmask * r**2) / n, wmask * r
    if loss == "mse_sample":
        d = y - o
        d = d - jnp.sum(wmask * d, 0) / n
        return 0.5 * jnp.sum(wmask * d**2), wmask * d
    logp = jax.nn.log_softmax(o)
    return -jnp.sum(mask * jnp.sum(y * logp, 1)) / n, wmask * (y - jnp.exp(logp))


def _accuracy(net, pairs, labels, mask, act, beta):
    pred = jnp.argmax(outputs(net, pairs, act, beta), axis=1)
    return jnp.sum(mask * (pred == labels)) / jnp.sum(mask)


def build(spec: GrokkingSpec, *, record_steps=None, phase: str = "main", previous=None) -> Built:
    points = grid_points(spec)
    specs = [spec_at(spec, p) for p in points]
    group = make_group(spec.task.group, spec.task.modulus, spec.task.moduli)
    m = group.order
    sizes = [train_size(m, s.task.train_fraction) for s in specs]
    n_max, t_max = max(sizes), m * m - min(sizes)
    keys = jr.split(jr.key(spec.seed), spec.seeds)
    dtype = jnp.dtype(spec.train.precision)
    nets, datas, lrs, decays, n_train = [], [], [], [], []
    for s in specs:
        for i in range(spec.seeds):
            k_split, k_init = jr.split(keys[i])
            rng = np.random.default_rng(np.asarray(jr.key_data(k_split)).ravel().tolist())
            train, test = split_pairs(group, s.task.train_fraction, rng)

            def pad(rows, length):
                out = np.zeros((length, 3), int)
                out[: len(rows)] = rows
                mask = np.zeros(length)
                mask[: len(rows)] = 1
                return out, mask

            tr, trm = pad(train, n_max)
            te, tem = pad(test, t_max)
            datas.append(PairData(tr[:, :2], tr[:, 2], trm, te[:, :2], te[:, 2], tem,
                                  np.asarray(s.model.output_scale, dtype)))
            nets.append(init_network(k_init, m, spec.model.width, s.model.top_init_scale))
            lrs.append(s.train.lr)
            decays.append(s.train.weight_decay)
            n_train.append(len(train))
    act, loss = spec.model.activation, spec.train.loss

    def objective(net, d, key):
        return loss_and_residual(net, d.train_pairs, d.train_labels, d.train_mask, m, act, loss,
                                 d.output_scale)[0]

    params = jax.tree.map(lambda x: x.astype(dtype), stack_networks(nets))
    problem = Problem(params=params, data=stack_networks(datas), lr=jnp.asarray(lrs, dtype),
                      keys=jr.split(jr.key(spec.seed), len(lrs)), engine=gradient_engine(objective),
                      optimizer=_OPTIMIZER[spec.train.optimizer],
                      hyper={"weight_decay": jnp.asarray(decays, dtype)})
    steps = record_steps or recorded_steps(spec.train.steps, spec.record)
    built = Built(spec, phase, problem, list(steps), *grid_labels(spec, _RESERVED),
                  group, frequency_projectors(spec.task, group), np.asarray(n_train))
    built.observe = _make_observer(built)
    return built


def _make_observer(built: Built):
    spec, problem = built.spec, built.problem
    m = built.group.order
    act, loss = spec.model.activation, spec.train.loss

    def one(net, d):
        tr_loss, r = loss_and_residual(net, d.train_pairs, d.train_labels, d.train_mask, m, act, loss,
                                       d.output_scale)
        te_loss, _ = loss_and_residual(net, d.test_pairs, d.test_labels, d.test_mask, m, act, loss,
                                       d.output_scale)
        return {"train_loss": tr_loss, "test_loss": te_loss,
                "train_accuracy": _accuracy(net, d.train_pairs, d.train_labels, d.train_mask, act, d.output_scale),
                "test_accuracy": _accuracy(net, d.test_pairs, d.test_labels, d.test_mask, act, d.output_scale),
                "gf_norm": jnp.linalg.norm(r @ net.v.T)}

    batch = jax.jit(jax.vmap(one))
    every, last = spec.train.diagnostics_every, spec.train.steps

    def observe(state: TrainState) -> dict[str, np.ndarray]:
        out = {k: np.asarray(v) for k, v in batch(state.params, problem.data).items()}
        n = out["gf_norm"].shape[0]
        fc, cov, kab = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
        if state.step % every == 0 or state.step == last:
            w, v = np.asarray(state.params.w, np.float64), np.asarray(state.params.v, np.float64)
            for i in range(n):
                diag = theory.fourier_diagnostics(w[i], v[i], built.projectors)
                fc[i], cov[i], kab[i] = (diag["fourier_concentration"], diag["frequencies_covered"],
                                         diag["ka_equals_kb"])
        out.update(fourier_concentration=fc, frequencies_covered=cov, ka_equals_kb=kab)
        bad = np.asarray(state.diverged)
        return {k: np.where(bad, np.nan, v) for k, v in out.items()}

    return observe


_VARS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy", "gf_norm", "fourier_concentration",
         "frequencies_covered", "ka_equals_kb")
_ATTRS = {
    "gf_norm": "‖G_F‖_F = ‖R Vᵀ‖ with the residual centred as the loss centres it (§2.1; no 1/n, no 2)",
    "fourier_concentration": "importance-weighted single-frequency concentration Σ s_j c_j / Σ s_j (§4)",
    "frequencies_covered": "distinct dominant frequencies among the top 2M−2 units with c ≥ 0.9 (§4)",
    "ka_equals_kb": "share of the top 2M−2 units whose operands have the same dominant frequency",
}


def top_unit_power(w: np.ndarray, v: np.ndarray, projectors, n_units: int = 40) -> np.ndarray:
    """``(net, unit, freq)``: normalised power ``P_j(k)/Σ_k P_j(k)`` (DC first) of each network's
    ``n_units`` most important units (importance ``‖V_j‖‖W_j‖²``, §4), most important first."""
    out = []
    for wi, vi in zip(w, v, strict=True):
        pa, pb = theory.unit_spectra(wi, projectors)
        p = (pa + pb) / np.maximum((pa + pb).sum(0), 1e-300)
        imp = np.linalg.norm(vi, axis=1) * np.sum(wi**2, axis=0)
        top = np.argsort(-imp)[:n_units]
        out.append(p[:, top].T)
    return np.stack(out)


def to_dataset(phases) -> xr.Dataset:
    res = phases[-1]
    built, records = res.built, res.records
    steps = np.asarray(built.record_steps[: len(records)], dtype=np.int64)
    data: dict[str, Any] = {}
    if records:
        for name in _VARS:
            data[name] = built.label(np.stack([r[name] for r in records], axis=1), ("step",))
    data["diverged"] = built.label(np.asarray(res.state.diverged), ())
    data["diverged_step"] = built.label(np.asarray(res.state.diverged_step), ())
    data["n_train"] = built.label(built.n_train, ())
    data["top_unit_power"] = built.label(top_unit_power(np.asarray(res.state.params.w),
                                                          np.asarray(res.state.params.v), built.projectors),
                                    ("unit", "freq"))
    coords = {"step": steps, "seed": np.arange(built.spec.seeds),
              **{d: np.asarray(v, float) for d, v in built.grid_values.items()}}
    ds = xr.Dataset(data, coords=coords)
    for name, long in _ATTRS.items():
        if name in ds:
            ds[name].attrs.update(long_name=long, source="sim")
    ds.attrs.update(source="sim", label=LABEL, grid_keys=dict(built.grid_dims), group=built.group.name,
                    group_order=built.group.order)
    return ds


def theory_dataset(spec: GrokkingSpec, phases, sim=None) -> xr.Dataset:
    """``p_c(M)`` (§2.6) and the single-unit energy maxima ``M/4``, ``M/2`` (Theorem 2)."""
    m = phases[-1].built.group.order
    ds = xr.Dataset({"critical_fraction": ((), theory.critical_fraction(m)),
                     "energy_max_pair": ((), m / 4), "energy_max_real": ((), m / 2)})
    for name in ds.data_vars:
        ds[name].attrs.update(source="theory", label=LABEL)
    return ds


def grok_epoch(ds: xr.Dataset, threshold: float = 0.95) -> xr.DataArray:
    """First recorded epoch with test accuracy ≥ ``threshold`` (−1 if never; §4)."""
    hit = ds["test_accuracy"] >= threshold
    first = hit.argmax("step")
    return xr.where(hit.any("step"), ds["step"].values[first], -1)


def _last_valid(da: xr.DataArray) -> xr.DataArray:
    """Value at the last recorded step where it was computed (diagnostics are sparse)."""
    vals = np.moveaxis(da.transpose(..., "step").values, -1, 0)
    out = np.full(vals.shape[1:], np.nan)
    for row in vals:  # forward fill without bottleneck
        out = np.where(np.isfinite(row), row, out)
    dims = [d for d in da.transpose(..., "step").dims if d != "step"]
    return xr.DataArray(out, dims=dims, coords={d: da[d] for d in dims if d in da.coords})


def summarize(ds: xr.Dataset) -> dict[str, Any]:
    gdims = list(ds.attrs.get("grid_keys", {}))

    def nested(da):
        return per_network(ds, da)

    metrics: dict[str, Any] = {}
    if ds.sizes.get("step", 0) and "test_accuracy" in ds:
        g = grok_epoch(ds)
        metrics = {
            "final_test_accuracy": nested(ds["test_accuracy"].isel(step=-1)),
            "final_train_accuracy": nested(ds["train_accuracy"].isel(step=-1)),
            "grok_epoch": nested(g.copy(data=np.where(g.values >= 0, g.values.astype(object), None))),
            "fourier_concentration": nested(_last_valid(ds["fourier_concentration"])),
            "frequencies_covered": nested(_last_valid(ds["frequencies_covered"])),
            "gf_norm_final": nested(ds["gf_norm"].isel(step=-1)),
        }
    if metrics and "train_fraction" in gdims:
        acc = ds["test_accuracy"].isel(step=-1).isel({d: 0 for d in gdims if d != "train_fraction"})
        order = np.argsort(ds["train_fraction"].values)
        metrics["boundary_estimate"] = boundary_estimate(acc.transpose("train_fraction", "seed").values[order],
                                                         ds["train_fraction"].values[order])
    status = xr.where(ds["diverged"], "diverged", "ok")
    return {"status": nested(status), "metrics": metrics,
            "theory": {"critical_fraction": float(ds["critical_fraction"]) if "critical_fraction" in ds else None}}


def headline_rows(ds: xr.Dataset):
    cols = ["epoch", "train acc", "test acc", "grok epoch", "‖G_F‖", "Fourier conc.", "freqs"]
    if not ds.sizes.get("step", 0) or "test_accuracy" not in ds:
        return network_rows(ds, cols)
    g = grok_epoch(ds)
    fc, cov = _last_valid(ds["fourier_concentration"]), _last_valid(ds["frequencies_covered"])

    def cells(c, ix):
        ge = int(g.isel(ix))
        return [str(int(c["step"])), f"{float(c['train_accuracy']):.3f}", f"{float(c['test_accuracy']):.3f}",
                "—" if ge < 0 else str(ge), f"{float(c['gf_norm']):.3g}", f"{float(fc.isel(ix)):.3f}",
                f"{float(cov.isel(ix)):.0f}"]

    return network_rows(ds, cols, cells)


def figures(ds: xr.Dataset, outdir) -> list:
    from . import figures as plots
    from learndyn.plots import save_figure

    outdir = Path(outdir)
    if not ds.sizes.get("step", 0) or "test_accuracy" not in ds:
        return []
    title = f"{ds.attrs.get('experiment', 'grokking')} — {ds.attrs.get('group', '')} — {LABEL}"
    gdims = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims]
    if "train_fraction" in gdims and "modulus" in gdims:  # a sweep over M: the phase diagram
        return [save_figure(plots.phase_diagram([ds], title=title), outdir / "phase_diagram.png")]
    paths = [save_figure(plots.accuracy_and_gf(ds, title=title), outdir / "accuracy.png")]
    if "top_unit_power" in ds:
        paths.append(save_figure(plots.unit_spectra(ds, title=title), outdir / "unit_spectra.png"))
    if "train_fraction" in gdims:
        paths.append(save_figure(plots.boundary(ds, title=title), outdir / "boundary.png"))
    return paths
