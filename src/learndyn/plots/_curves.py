"""Loss curves over training: every seed, with theory curves on the same flow-time axis."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ._style import THEORY, figure, seed_colors


def loss_curves(ds: xr.Dataset, *, title: str = "", theory_dashed: bool = False):
    """Loss vs gradient-flow time τ = lr·step (log y), seeds in colour, theory in black.

    Draws ``loss`` per seed, ``loss_theory`` (two-neuron system), ``loss_ansatz`` (single-mode
    ODE) and the plateau ``plateau_loss`` where present. Grid datasets: select a point first.
    """
    fig, ax = figure(figsize=(6.4, 4.4))
    colors = seed_colors(ds.sizes["seed"])
    for i, c in enumerate(colors):
        cell = ds.isel(seed=i)
        tau = cell["tau"].values
        loss = cell["loss"].values
        ok = np.isfinite(loss) & (loss > 0)
        ax.plot(tau[ok], loss[ok], color=c, lw=1.6, alpha=0.85,
                label="simulation (seeds)" if i == 0 else None)
        if bool(cell["diverged"]):
            ax.plot(tau[ok][-1:], loss[ok][-1:], "x", color="crimson", ms=9)
    if "loss_theory" in ds:
        ls = "--" if theory_dashed else "-"
        ax.plot(ds["tau_theory"].values, ds["loss_theory"].values, ls, color=THEORY, lw=1.4,
                label="σ=0 two-neuron theory" + (" (small-σ)" if theory_dashed else ""))
    if "loss_ansatz" in ds and np.isfinite(ds["loss_ansatz"].values).any():
        ax.plot(ds["tau_theory"].values, ds["loss_ansatz"].values, ":", color=THEORY, lw=1.6,
                label="single-mode ansatz")
    if "plateau_loss" in ds and np.isfinite(float(ds["plateau_loss"])):
        ax.axhline(float(ds["plateau_loss"]), color="tab:orange", ls="-.", lw=1.2,
                   label=f"one-pole plateau L₁ = {float(ds['plateau_loss']):.4f}")
    ax.set_yscale("log")
    sim = ds["loss"].values
    sim = sim[np.isfinite(sim) & (sim > 0)]
    if sim.size:
        lo = sim.min()
        if "loss_theory" in ds:
            lo = min(lo, np.nanmin(ds["loss_theory"].values))
        ax.set_ylim(max(lo / 10, 1e-14), sim.max() * 3)
    from ._spectrum import _log_tau_axis

    _log_tau_axis(ax, ds)
    ax.set_ylabel("loss L")
    ax.set_title(title)
    ax.legend(frameon=False)
    return fig


def metric_curves(ds: xr.Dataset, names: list[str], *, title: str = ""):
    """Any recorded ``(*grid, seed, step)`` variables against ``step``: one panel per name, one
    colour per grid point (legend ``key = value`` from the run's grid keys), one line per seed."""
    import itertools

    gdims = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims]
    points = list(itertools.product(*(range(ds.sizes[d]) for d in gdims))) or [()]
    fig, axes = figure(1, len(names), figsize=(4.6 * len(names), 3.8), squeeze=False)
    colors = seed_colors(len(points))
    for ax, name in zip(axes[0], names, strict=True):
        for point, c in zip(points, colors, strict=True):
            sel = dict(zip(gdims, point, strict=True))
            cell = ds[name].isel(sel)
            label = ", ".join(f"{ds.attrs['grid_keys'][d]} = {ds[d].values[i]:g}" for d, i in sel.items())
            for s in range(ds.sizes["seed"]):
                ax.plot(ds["step"].values, cell.isel(seed=s).values, color=c, lw=1.3, alpha=0.85,
                        label=(label or "seeds") if s == 0 else None)
        ax.set_xlabel("training step")
        ax.set_ylabel(ds[name].attrs.get("long_name", name) if len(ds[name].attrs.get("long_name", "")) < 40
                      else name)
        if name == "loss":
            ax.set_yscale("log")
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return fig
