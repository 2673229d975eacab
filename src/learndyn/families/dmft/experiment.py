r"""The random-network DMFT family (``dmft-random-network``; issue "Large-N theory", part 1).

Many random networks ``ẋ = −x + gJ tanh(x)`` at once (grid over ``g`` × seeds), simulated by the
one trainer: the state ``x`` is the "parameter" and the engine returns ``x − gJ tanh(x)`` as its
"gradient", so plain SGD with learning rate ``dt`` is the Euler step. After ``train.burn`` steps
``train.units`` units of every network are recorded at every step; the stationary
autocorrelation ``Δ(τ) = ⟨x_i(t) x_i(t+τ)⟩`` is estimated by FFT (unbiased, averaged over units
and time). Theory beside it: the DMFT ``Δ(τ)`` of :mod:`learndyn.theory.dmft` on the same ``τ``.
Labels: (paper) Sompolinsky, Crisanti & Sommers 1988; (learndyn formulation) the estimator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import xarray as xr

import learndyn
from learndyn.config import grid_dims, grid_points, spec_at
from learndyn.theory import dmft as theory
from learndyn.training import EngineOutput, Problem, TrainState
from learndyn.family import grid_labels, network_rows, per_network

from .schema import DMFTSpec
from .report_text import LABEL
from .report_text import RESERVED as _RESERVED




@dataclass
class Built(learndyn.Built):
    gains: np.ndarray
    overlaps: np.ndarray


def _engine(x, data, key):
    j, g, m, nv = data
    phi = jnp.tanh(x)
    v = x - g * (j @ phi) - m * (nv @ phi) / x.shape[0]
    ok = jnp.all(jnp.isfinite(v))
    zero = jnp.zeros((), x.dtype)
    return EngineOutput(zero, v, ok, zero, jnp.zeros_like(v))


def _structure(key, n: int, overlap: float, dtype):
    """``(m, n)`` with ``m·m/N = 1`` and ``m·n/N = σ_mn`` exactly in every draw
    (theory.exact_overlap_pair); zeros when ``overlap = 0``."""
    if overlap == 0:
        return jnp.zeros(n, dtype), jnp.zeros(n, dtype)
    km, kp = jr.split(key)
    return theory.exact_overlap_pair(jr.normal(km, (n,), dtype), jr.normal(kp, (n,), dtype), overlap)


def build(spec: DMFTSpec, *, record_steps=None, phase: str = "main", previous=None) -> Built:
    specs = [spec_at(spec, p) for p in grid_points(spec)]
    dtype = jnp.dtype(spec.train.precision)
    n = spec.model.n
    keys = jr.split(jr.key(spec.seed), spec.seeds)
    js, x0s, gains, ms, ns, overlaps = [], [], [], [], [], []
    for s in specs:
        for i in range(spec.seeds):
            kj, kx = jr.split(keys[i])
            js.append(jr.normal(kj, (n, n), dtype) / np.sqrt(n))
            x0 = jr.normal(kx, (n,), dtype)
            m, nv = _structure(jr.fold_in(kj, 1), n, s.model.overlap, dtype)
            if s.model.overlap > 0:  # start near +m (even seeds) or −m (odd seeds): both states
                x0 = (1 - 2 * (i % 2)) * m + 0.3 * x0
            x0s.append(x0)
            ms.append(m)
            ns.append(nv)
            gains.append(s.model.g)
            overlaps.append(s.model.overlap)
    g = jnp.asarray(gains, dtype)
    problem = Problem(params=jnp.stack(x0s), data=(jnp.stack(js), g, jnp.stack(ms), jnp.stack(ns)),
                      lr=jnp.full(len(gains), spec.train.dt),
                      keys=jr.split(jr.key(spec.seed), len(gains)), engine=_engine, optimizer="sgd")
    tr = spec.train
    steps = record_steps or list(range(tr.burn, tr.steps + 1))
    built = Built(spec, phase, problem, list(steps), *grid_labels(spec, _RESERVED),
                  np.asarray(gains), np.asarray(overlaps))
    units = min(tr.units, n)
    _, _, m_all, n_all = problem.data
    kappa = jax.jit(lambda x: jnp.sum(n_all * jnp.tanh(x), axis=1) / n)

    def observe(state: TrainState) -> dict[str, np.ndarray]:
        return {"x": np.asarray(state.params[:, :units], np.float32), "kappa": np.asarray(kappa(state.params))}

    built.observe = observe
    return built


def autocorrelation(x: np.ndarray, max_lag: int) -> np.ndarray:
    r"""Unbiased stationary autocorrelation ``Δ(k) = (1/(T−k)) Σ_t x_t x_{t+k}``, averaged over units.

    Args:
        x: ``(..., time, unit)``.

    Returns:
        ``(..., max_lag + 1)``.
    """
    x = np.asarray(x, float)
    t = x.shape[-2]
    f = np.fft.rfft(x, n=2 * t, axis=-2)
    ac = np.fft.irfft(np.abs(f) ** 2, n=2 * t, axis=-2)[..., : max_lag + 1, :]
    ac = ac / (t - np.arange(max_lag + 1))[:, None]
    return ac.mean(-1)


def to_dataset(phases) -> xr.Dataset:
    res = phases[-1]
    built, records = res.built, res.records
    spec = built.spec
    max_lag = int(round(spec.train.max_lag / spec.train.dt))
    data: dict[str, Any] = {"diverged": built.label(np.asarray(res.state.diverged), ())}
    coords: dict[str, Any] = {"seed": np.arange(spec.seeds),
                              **{d: np.asarray(v, float) for d, v in built.grid_values.items()}}
    kap = np.stack([r["kappa"] for r in records], axis=1) if records else None  # (net, time)
    if kap is not None and np.any(built.overlaps > 0):
        data["kappa"] = built.label(kap, ("time",))
        data["kappa_final"] = built.label(kap[:, -1], ())
        coords["time"] = ("time", np.asarray(built.record_steps[: kap.shape[1]]) * spec.train.dt)
    if len(records) > max_lag + 1:
        x = np.stack([r["x"] for r in records], axis=1)  # (net, time, unit)
        ac = autocorrelation(x, max_lag)
        data["autocorrelation"] = built.label(ac, ("lag",))
        data["variance"] = built.label(ac[:, 0], ())
        coords["tau"] = ("lag", np.arange(max_lag + 1) * spec.train.dt)
        data["recorded_time"] = ((), float((len(records) - 1) * spec.train.dt))
    ds = xr.Dataset(data, coords=coords)
    if "autocorrelation" in ds:
        ds["autocorrelation"].attrs.update(long_name="Δ(τ) = ⟨x_i(t)x_i(t+τ)⟩ (units × time, after burn-in)",
                                           source="sim")
    ds.attrs.update(source="sim", label=LABEL, grid_keys=dict(built.grid_dims), n_units=spec.model.n)
    return ds


def theory_dataset(spec: DMFTSpec, phases, sim=None) -> xr.Dataset:
    """DMFT ``Δ(τ)``, ``Δ(0)`` and the half-decay time per grid point, on the simulation's ``τ``."""
    built = phases[-1].built
    max_lag = int(round(spec.train.max_lag / spec.train.dt))
    taus = np.arange(max_lag + 1) * spec.train.dt
    g_per_point = built.gains[:: spec.seeds]
    ov_per_point = built.overlaps[:: spec.seeds]
    # SCS DMFT for the unstructured network; with a rank-one part the static mean field (part 2)
    nan = np.full(len(taus), np.nan)
    ac = np.stack([theory.scs_autocorrelation(float(g), taus) if ov == 0 else nan
                   for g, ov in zip(g_per_point, ov_per_point, strict=True)])
    half = [theory.decorrelation_time(float(g)) if ov == 0 else np.nan
            for g, ov in zip(g_per_point, ov_per_point, strict=True)]
    gshape = tuple(len(v) for v in built.grid_values.values())
    gd = tuple(built.grid_dims)
    data = {
        "autocorrelation_theory": (gd + ("lag",), ac.reshape(gshape + (len(taus),))),
        "variance_theory": (gd, ac[:, 0].reshape(gshape)),
        "decorrelation_time_theory": (gd, np.asarray(half).reshape(gshape)),
    }
    if np.any(ov_per_point > 0):
        mf = [theory.rank_one_mean_field(float(g), float(ov))
              for g, ov in zip(g_per_point, ov_per_point, strict=True)]
        data["kappa_theory"] = (gd, np.asarray([r["kappa"] for r in mf]).reshape(gshape))
        data["rank_one_stable_theory"] = (gd, np.asarray([r["stable"] for r in mf]).reshape(gshape))
        data["bulk_radius_theory"] = (gd, np.asarray([r["bulk_radius"] for r in mf]).reshape(gshape))
    ds = xr.Dataset(data, coords={"tau": ("lag", taus),
                                  **{d: np.asarray(v, float) for d, v in built.grid_values.items()}})
    for name in ds.data_vars:
        ds[name].attrs.update(source="theory", label=LABEL)
    return ds


def summarize(ds: xr.Dataset) -> dict[str, Any]:
    def nested(da):
        return per_network(ds, da)

    metrics: dict[str, Any] = {}
    if "variance" in ds:
        metrics["variance"] = nested(ds["variance"])
        taus = ds["tau"].values
        half = xr.apply_ufunc(lambda a: theory.half_decay_time(a, taus), ds["autocorrelation"],
                              input_core_dims=[["lag"]], vectorize=True)
        metrics["decorrelation_time"] = nested(half)
    if "kappa_final" in ds:
        metrics["kappa"] = nested(ds["kappa_final"])
    theory_out = {}
    if "kappa_theory" in ds:
        theory_out["kappa"] = ds["kappa_theory"].values.tolist()
        theory_out["rank_one_stable"] = ds["rank_one_stable_theory"].values.tolist()
    if "variance_theory" in ds:
        theory_out.update(variance=ds["variance_theory"].values.tolist(),
                          decorrelation_time=ds["decorrelation_time_theory"].values.tolist())
    return {"status": nested(xr.where(ds["diverged"], "diverged", "ok")), "metrics": metrics, "theory": theory_out}


def headline_rows(ds: xr.Dataset):
    gdims = list(ds.attrs.get("grid_keys", {}))

    def grid(ix):
        return {d: ix[d] for d in gdims}

    if "kappa_final" in ds:  # rank one + bulk: the latent variable against the mean field
        return network_rows(ds, ["κ sim (final)", "κ* mean field", "stable (theory)"], lambda c, ix: [
            f"{float(ds['kappa_final'].isel(ix)):+.4f}", f"±{float(ds['kappa_theory'].isel(grid(ix))):.4f}",
            str(bool(ds["rank_one_stable_theory"].isel(grid(ix))))], at=ds)
    cols = ["Δ(0) sim", "Δ(0) DMFT", "Δ(2) sim", "Δ(2) DMFT"]
    if "variance" not in ds:
        return network_rows(ds, cols)
    lag2 = int(np.argmin(np.abs(ds["tau"].values - 2.0)))
    return network_rows(ds, cols, lambda c, ix: [
        f"{float(ds['variance'].isel(ix)):.4f}", f"{float(ds['variance_theory'].isel(grid(ix))):.4f}",
        f"{float(ds['autocorrelation'].isel({**ix, 'lag': lag2})):.4f}",
        f"{float(ds['autocorrelation_theory'].isel({**grid(ix), 'lag': lag2})):.4f}"], at=ds)


def figures(ds: xr.Dataset, outdir) -> list:
    from learndyn.plots import save_figure
    from learndyn.plots import THEORY, figure, seed_colors

    gdims = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims]
    if "kappa" in ds:
        return [save_figure(_kappa_figure(ds, gdims), Path(outdir) / "kappa.png")]
    if "autocorrelation" not in ds:
        return []
    cells = list(np.ndindex(*[ds.sizes[d] for d in gdims])) or [()]
    fig, ax = figure(figsize=(7.5, 5))
    colors = seed_colors(len(cells))
    taus = ds["tau"].values
    for c, idx in zip(colors, cells, strict=True):
        sel = dict(zip(gdims, idx, strict=True))
        sim = ds["autocorrelation"].isel(sel)
        mean, sd = sim.mean("seed").values, sim.std("seed").values
        lab = ", ".join(f"{d} = {ds[d].values[sel[d]]:g}" for d in gdims)
        ax.fill_between(taus, mean - sd, mean + sd, color=c, alpha=0.3, lw=0)
        ax.plot(taus, mean, color=c, lw=2, label=f"simulation, {lab} ({ds.sizes['seed']} seeds)")
        ax.plot(taus, ds["autocorrelation_theory"].isel(sel).values, color=THEORY, ls="--", lw=1.5)
    ax.plot([], [], color=THEORY, ls="--", label="DMFT")
    ax.set(xlabel="lag τ (units of the time constant)", ylabel="Δ(τ)",
           title=f"{ds.attrs.get('experiment', '')}: autocorrelation vs DMFT")
    ax.legend(fontsize=8)
    return [save_figure(fig, Path(outdir) / "autocorrelation.png")]


def _kappa_figure(ds: xr.Dataset, gdims: list[str]):
    """κ(t) = nᵀφ(x)/N of every network (one panel per grid point) with the mean-field ±κ*."""
    from learndyn.plots import THEORY, figure

    cells = list(np.ndindex(*[ds.sizes[d] for d in gdims])) or [()]
    fig, axes = figure(1, len(cells), figsize=(5.2 * len(cells), 4.2), squeeze=False)
    t = ds["time"].values
    for ax, idx in zip(axes[0], cells, strict=True):
        sel = dict(zip(gdims, idx, strict=True))
        cell = ds.isel(sel)
        for s in range(cell.sizes["seed"]):
            ax.plot(t, cell["kappa"].isel(seed=s).values, lw=1, alpha=0.8)
        k = float(cell["kappa_theory"])
        for sign in (1, -1):
            ax.axhline(sign * k, color=THEORY, ls="--", lw=1.5, label="mean field ±κ*" if sign > 0 else None)
        lab = ", ".join(f"{d} = {ds[d].values[sel[d]]:g}" for d in gdims)
        stable = "stable" if bool(cell["rank_one_stable_theory"]) else "not stable (chaotic bulk)"
        ax.set(xlabel="time (units of τ)", ylabel="κ = nᵀφ(x)/N", title=f"{lab}: {stable}")
        ax.legend(frameon=False, fontsize=8)
    fig.suptitle(f"{ds.attrs.get('experiment', '')}: rank one + random bulk, "
                 f"N = {int(ds.attrs.get('n_units', 0)) or ''} ({ds.sizes['seed']} seeds)", fontsize=10)
    fig.tight_layout()
    return fig
