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

from ..config import DMFTSpec, grid_dims, grid_points, spec_at
from ..theory import dmft as theory
from ..training import EngineOutput, Problem, TrainState
from ._networks import label_networks, per_network

LABEL = "random rate network vs DMFT (Sompolinsky, Crisanti & Sommers 1988)"
_RESERVED = {"seed", "step", "lag", "tau", "unit"}


@dataclass
class Built:
    spec: DMFTSpec
    phase: str
    problem: Problem
    record_steps: list[int]
    grid_dims: dict[str, str]
    grid_values: dict[str, list[float]]
    gains: np.ndarray
    warnings: list[str] = field(default_factory=list)
    observe: Any = None


def _engine(x, data, key):
    j, g = data
    v = x - g * (j @ jnp.tanh(x))
    ok = jnp.all(jnp.isfinite(v))
    zero = jnp.zeros((), x.dtype)
    return EngineOutput(zero, v, ok, zero, jnp.zeros_like(v))


def build(spec: DMFTSpec, *, record_steps=None, phase: str = "main", previous=None) -> Built:
    specs = [spec_at(spec, p) for p in grid_points(spec)]
    dtype = jnp.dtype(spec.train.precision)
    n = spec.model.n
    keys = jr.split(jr.key(spec.seed), spec.seeds)
    js, x0s, gains = [], [], []
    for s in specs:
        for i in range(spec.seeds):
            kj, kx = jr.split(keys[i])
            js.append(jr.normal(kj, (n, n), dtype) / np.sqrt(n))
            x0s.append(jr.normal(kx, (n,), dtype))
            gains.append(s.model.g)
    g = jnp.asarray(gains, dtype)
    problem = Problem(params=jnp.stack(x0s), data=(jnp.stack(js), g), lr=jnp.full(len(gains), spec.train.dt),
                      keys=jr.split(jr.key(spec.seed), len(gains)), engine=_engine, optimizer="sgd")
    tr = spec.train
    steps = record_steps or list(range(tr.burn, tr.steps + 1))
    dims = grid_dims(spec, _RESERVED)
    built = Built(spec, phase, problem, list(steps), dims, {d: list(spec.grid[k]) for d, k in dims.items()},
                  np.asarray(gains))
    units = min(tr.units, n)

    def observe(state: TrainState) -> dict[str, np.ndarray]:
        return {"x": np.asarray(state.params[:, :units], np.float32)}

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


def _label(built: Built, x, extra):
    return label_networks(built.grid_dims, built.grid_values, built.spec.seeds, x, extra)


def to_dataset(phases) -> xr.Dataset:
    res = phases[-1]
    built, records = res.built, res.records
    spec = built.spec
    max_lag = int(round(spec.train.max_lag / spec.train.dt))
    data: dict[str, Any] = {"diverged": _label(built, np.asarray(res.state.diverged), ())}
    coords: dict[str, Any] = {"seed": np.arange(spec.seeds),
                              **{d: np.asarray(v, float) for d, v in built.grid_values.items()}}
    if len(records) > max_lag + 1:
        x = np.stack([r["x"] for r in records], axis=1)  # (net, time, unit)
        ac = autocorrelation(x, max_lag)
        data["autocorrelation"] = _label(built, ac, ("lag",))
        data["variance"] = _label(built, ac[:, 0], ())
        coords["tau"] = ("lag", np.arange(max_lag + 1) * spec.train.dt)
        data["recorded_time"] = ((), float((len(records) - 1) * spec.train.dt))
    ds = xr.Dataset(data, coords=coords)
    if "autocorrelation" in ds:
        ds["autocorrelation"].attrs.update(long_name="Δ(τ) = ⟨x_i(t)x_i(t+τ)⟩ (units × time, after burn-in)",
                                           source="sim")
    ds.attrs.update(source="sim", label=LABEL, grid_keys=dict(built.grid_dims))
    return ds


def theory_dataset(spec: DMFTSpec, phases, sim=None) -> xr.Dataset:
    """DMFT ``Δ(τ)``, ``Δ(0)`` and the half-decay time per grid point, on the simulation's ``τ``."""
    built = phases[-1].built
    max_lag = int(round(spec.train.max_lag / spec.train.dt))
    taus = np.arange(max_lag + 1) * spec.train.dt
    g_per_point = built.gains[:: spec.seeds]
    ac = np.stack([theory.scs_autocorrelation(float(g), taus) for g in g_per_point])
    gshape = tuple(len(v) for v in built.grid_values.values())
    gd = tuple(built.grid_dims)
    ds = xr.Dataset({
        "autocorrelation_theory": (gd + ("lag",), ac.reshape(gshape + (len(taus),))),
        "variance_theory": (gd, ac[:, 0].reshape(gshape)),
        "decorrelation_time_theory": (gd, np.asarray([theory.decorrelation_time(float(g)) for g in g_per_point])
                                      .reshape(gshape)),
    }, coords={"tau": ("lag", taus), **{d: np.asarray(v, float) for d, v in built.grid_values.items()}})
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
    theory_out = {}
    if "variance_theory" in ds:
        theory_out = {"variance": ds["variance_theory"].values.tolist(),
                      "decorrelation_time": ds["decorrelation_time_theory"].values.tolist()}
    return {"status": nested(xr.where(ds["diverged"], "diverged", "ok")), "metrics": metrics, "theory": theory_out}


def headline_rows(ds: xr.Dataset):
    gdims = list(ds.attrs.get("grid_keys", {}))
    cols = gdims + ["seed", "status", "Δ(0) sim", "Δ(0) DMFT", "Δ(2) sim", "Δ(2) DMFT"]
    rows: list[list[str]] = []
    if "variance" not in ds:
        return cols, rows
    lag2 = int(np.argmin(np.abs(ds["tau"].values - 2.0)))
    for idx in np.ndindex(*ds["diverged"].shape):
        ix = dict(zip(gdims + ["seed"], idx, strict=True))
        gx = {d: ix[d] for d in gdims}
        rows.append([f"{ds[d].values[ix[d]]:g}" for d in gdims]
                    + [str(ix["seed"]), "diverged" if bool(ds["diverged"].isel(ix)) else "ok",
                       f"{float(ds['variance'].isel(ix)):.4f}", f"{float(ds['variance_theory'].isel(gx)):.4f}",
                       f"{float(ds['autocorrelation'].isel({**ix, 'lag': lag2})):.4f}",
                       f"{float(ds['autocorrelation_theory'].isel({**gx, 'lag': lag2})):.4f}"])
    return cols, rows


def figures(ds: xr.Dataset, outdir) -> list:
    from ..plots import save_figure
    from ..plots._style import THEORY, figure, seed_colors

    if "autocorrelation" not in ds:
        return []
    gdims = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims]
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
