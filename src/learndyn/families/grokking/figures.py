"""Figures of the grokking family (Tian 2025; docs/grokking.md): accuracy and ‖G_F‖ curves, boundary."""

from __future__ import annotations

import numpy as np
import xarray as xr

from learndyn.analysis import boundary_estimate
from learndyn.plots import THEORY, figure, seed_colors


def accuracy_and_gf(ds: xr.Dataset, *, title: str):
    """Train (dashed) and test (solid) accuracy per grid value and seed; ‖G_F‖ (log) beside it."""
    gdims = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims]
    dim = gdims[0] if gdims else None
    values = ds[dim].values if dim else [None]
    colors = seed_colors(len(values))
    fig, axes = figure(1, 3, figsize=(15, 4.2))
    steps = ds["step"].values
    for i, v in enumerate(values):
        cell = ds.isel({dim: i, **{d: 0 for d in gdims[1:]}}) if dim else ds
        lab = f"{dim}={v:g}" if dim else None
        for s in range(cell.sizes["seed"]):
            first = s == 0
            axes[0].plot(steps, cell["test_accuracy"].isel(seed=s), color=colors[i], lw=1.5,
                         label=(lab + " test" if lab else "test") if first else None)
            axes[0].plot(steps, cell["train_accuracy"].isel(seed=s), "--", color=colors[i], lw=1,
                         label=(lab + " train" if lab else "train") if first else None)
            axes[1].semilogy(steps, cell["gf_norm"].isel(seed=s), color=colors[i], lw=1.5, label=lab if first else None)
            fc = cell["fourier_concentration"].isel(seed=s)
            ok = np.isfinite(fc.values)
            axes[2].plot(steps[ok], fc.values[ok], "o-", ms=3, color=colors[i], label=lab if first else None)
    m = int(ds.attrs.get("group_order", 0))
    axes[0].axhline(1.0 / m if m else 0, color="gray", ls=":", lw=1, label="chance")
    axes[0].set(xlabel="epoch (full-batch step)", ylabel="accuracy", ylim=(-0.02, 1.02))
    axes[1].set(xlabel="epoch", ylabel="‖G_F‖ (centred residual · Vᵀ)")
    axes[2].axhline(0.9, color=THEORY, ls="--", lw=1, label="0.9")
    axes[2].set(xlabel="epoch", ylabel="Fourier concentration (importance-weighted)", ylim=(0, 1.02))
    for ax in axes:
        ax.legend(frameon=False, fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def boundary(ds: xr.Dataset, *, title: str):
    """Final test accuracy (mean over seeds) against the train fraction p, with p_c = 2.7482 ln M/M."""
    fig, ax = figure(figsize=(6.5, 4.2))
    last = ds["test_accuracy"].isel(step=-1)
    p = ds["train_fraction"].values
    other = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims and d != "train_fraction"]
    mean = last.mean("seed")
    for d in other:
        mean = mean.isel({d: 0})
    ax.plot(p, mean.values, "o-", label="mean final test accuracy")
    order = np.argsort(p)
    acc = last.isel({d: 0 for d in other}).transpose("train_fraction", "seed").values[order]
    p_hat = boundary_estimate(acc, p[order])
    if np.isfinite(p_hat):
        ax.axvline(p_hat, color="tab:red", lw=1.5, label=f"p̂_c = {p_hat:g} (≥ half the seeds at 0.95, all larger p)")
    if "critical_fraction" in ds:
        pc = float(ds["critical_fraction"])
        ax.axvline(pc, color=THEORY, ls="--", label=f"p_c = 2.7482 ln M/M = {pc:.3f}")
        ax.axvspan(pc / 1.5, pc * 1.5, color="gray", alpha=0.15, label="factor 1.5 band")
    ax.set(xlabel="train fraction p", ylabel="test accuracy", ylim=(-0.02, 1.02))
    ax.legend(frameon=False, fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def energy_ascent(ds: xr.Dataset, *, title: str):
    """E(w) over projected-ascent steps per start, with the maxima M/4 and M/2 (Theorem 2,
    learndyn normalisation); histogram of the final values."""
    m = int(ds.attrs["group_order"])
    fig, axes = figure(1, 2, figsize=(11, 4.2))
    steps = np.maximum(ds["step"].values, 1)
    for s in range(ds.sizes["seed"]):
        axes[0].semilogx(steps, ds["energy"].isel(seed=s), lw=1.2)
    for ax in axes:
        for val, lab in ((m / 4, "M/4"), (m / 2, "M/2")):
            (ax.axhline if ax is axes[0] else ax.axvline)(val, color=THEORY, ls="--", lw=1)
    axes[0].set(xlabel="ascent step", ylabel="E(w), ‖w‖ = 1")
    axes[1].hist(ds["energy"].isel(step=-1).values, bins=np.linspace(0, 0.6 * m, 61), color="tab:blue")
    axes[1].set(xlabel="final E (dashed: M/4, M/2)", ylabel="starts")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def unit_spectra(ds: xr.Dataset, *, title: str):
    """Heat map of the normalised frequency power of the most important hidden units at the end of
    training, seed 0 of each grid value (Fourier features after grokking: one bright cell per row)."""
    gdims = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims]
    dim = gdims[0] if gdims else None
    values = ds[dim].values if dim else [None]
    fig, axes = figure(1, len(values), figsize=(5.5 * len(values), 5), squeeze=False)
    for i, v in enumerate(values):
        cell = ds["top_unit_power"].isel({dim: i, **{d: 0 for d in gdims[1:]}}) if dim else ds["top_unit_power"]
        ax = axes[0, i]
        im = ax.imshow(cell.isel(seed=0).values, aspect="auto", cmap="viridis", vmin=0, vmax=1,
                       interpolation="nearest")
        ax.set(xlabel="frequency / irrep index (0 = DC)", ylabel="unit (by importance)",
               title=f"{dim}={v:g}" if dim else "final units")
    fig.colorbar(im, ax=axes[0, -1], label="share of the unit's power")
    fig.suptitle(title, fontsize=10)
    return fig


def phase_diagram(datasets: list[xr.Dataset], *, title: str = ""):
    """Memorisation / generalisation phase diagram over (M, p) (Tian 2025; docs/grokking.md): one
    marker per (M, p) cell coloured by the mean final test accuracy over seeds, ``p̂_c(M)`` per
    M (red), and ``p_c = 2.7482 ln M/M`` with its factor-1.5 band. ``datasets``: grokking-boundary
    result sets, one per M, or one sweep result set with a ``modulus`` dimension."""
    from matplotlib.colors import Normalize
    from matplotlib.ticker import NullFormatter

    cells = []
    for ds in datasets:
        if "modulus" in ds.dims:
            cells += [ds.sel(modulus=m) for m in ds["modulus"].values]
        else:
            cells.append(ds)
    fig, ax = figure(figsize=(7, 4.8))
    norm = Normalize(0, 1)
    ms = []
    for ds in cells:
        m = int(ds.attrs.get("group_order") or ds["modulus"].item())
        ms.append(m)
        last = ds["test_accuracy"].isel(step=-1)
        p = ds["train_fraction"].values
        acc = last.transpose("train_fraction", "seed").values
        mean = np.nanmean(acc, axis=1)
        sc = ax.scatter(np.full(len(p), m), p, c=mean, cmap="RdYlBu_r", norm=norm, s=140, edgecolors="k", zorder=3)
        order = np.argsort(p)
        p_hat = boundary_estimate(acc[order], p[order])
        if np.isfinite(p_hat):
            ax.plot([m - 2.5, m + 2.5], [p_hat, p_hat], color="tab:red", lw=2.5, zorder=4)
    grid = np.linspace(max(min(ms) - 8, 5), max(ms) + 12, 200)
    pc = 2.7482 * np.log(grid) / grid
    ax.plot(grid, pc, color=THEORY, lw=1.5, label="p_c = 2.7482 ln M / M")
    ax.fill_between(grid, pc / 1.5, pc * 1.5, color="gray", alpha=0.15, label="factor 1.5")
    ax.plot([], [], color="tab:red", lw=2.5, label="p̂_c (≥ half the seeds ≥ 0.95, all larger p)")
    ax.set_yscale("log")
    ps = sorted({float(v) for ds in cells for v in ds["train_fraction"].values})
    ax.set_yticks(ps, [f"{v:g}" for v in ps])
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set(xlabel="group order M", ylabel="train fraction p")
    ax.set_xticks(sorted(set(ms)))
    fig.colorbar(sc, ax=ax, label="final test accuracy (mean over seeds)")
    ax.legend(frameon=False, fontsize=8, loc="upper right")
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig
