"""Figures of the closed-loop family (Ger & Barak 2025; docs/closed_loop.md): losses, gain paths over the Jury
map, eigenvalue paths, overlaps, stage-1 theory, tracking probes and spectra. Published reference
arrays are overlaid (grey) when they are available locally."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from learndyn.analysis import acquisition_epochs
from learndyn.theory import closed_loop as theory
from learndyn.plots import THEORY, figure, seed_colors

LOOP_STYLE = {"closed": "-", "open": "--"}
LOOP_COLOR = {"closed": "tab:blue", "open": "tab:red"}


def _seeds(ds: xr.Dataset) -> xr.Dataset:
    """Drop grid dims by taking their first point (figures of sweeps show the first grid point)."""
    for d in ds.attrs.get("grid_keys", {}):
        if d in ds.dims and ds.sizes[d] > 1:
            continue
        if d in ds.dims:
            ds = ds.isel({d: 0})
    return ds


def _ref(reference: Path | None, name: str):
    if reference is None or not (reference / name).is_file():
        return None
    return np.load(reference / name, allow_pickle=False)


def loss_curves(ds: xr.Dataset, *, title: str, reference: Path | None = None, experiment: str = ""):
    """Closed-loop test loss per seed (closed solid, open dashed), log–log; published curves in grey."""
    fig, ax = figure(figsize=(7.5, 4.6))
    steps = ds["step"].values
    x = np.maximum(steps, 0.8)
    gdims = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims]
    ylabel = "closed-loop test loss"
    if gdims:  # sweep: one colour per grid value, seeds thin
        dim = gdims[0]
        colors = seed_colors(ds.sizes[dim])
        # with P_eff theory, compare like with like: the exact training loss of both
        var = "exact_loss" if "peff_loss" in ds and "exact_loss" in ds else "test_loss"
        if var == "exact_loss":
            ylabel = "exact expected training loss (solid: full model, dotted: P_eff)"
        for i, v in enumerate(ds[dim].values):
            cell = ds.isel({dim: i, **{d: 0 for d in gdims[1:]}})
            for s in range(ds.sizes["seed"]):
                ax.plot(x, cell[var].isel(seed=s, loop=0), color=colors[i], lw=1,
                        label=f"{dim}={v:g}" if s == 0 else None)
            if "peff_loss" in cell:
                ax.plot(x, cell["peff_loss"].isel(seed=0), color=colors[i], ls=":", lw=1.5)
    else:
        for loop in ds["loop"].values:
            for s in range(ds.sizes["seed"]):
                ax.plot(x, ds["test_loss"].sel(loop=loop).isel(seed=s), LOOP_STYLE[loop],
                        color=LOOP_COLOR[loop], lw=1, alpha=0.8, label=f"{loop} loop (learndyn)" if s == 0 else None)
        if "exact_loss" in ds:
            ax.plot(x, ds["exact_loss"].sel(loop="closed").isel(seed=0), color="tab:green", lw=1,
                    label="exact expected training loss (seed 0)")
        if "peff_loss" in ds:
            for s in range(ds.sizes["seed"]):
                ax.plot(x, ds["peff_loss"].isel(seed=s), ":", color=THEORY, lw=1.5,
                        label="P_eff from ep_of_stab (theory)" if s == 0 else None)
    published = {"closed-loop-nonlinear": ("nonlinear_closed.npz", "nonlinear_open.npz"),
                 "tracking": ("tracking_closed.npz", "tracking_open.npz")}.get(experiment)
    if published:
        for fname, loop in zip(published, ("closed", "open"), strict=True):
            d = _ref(reference, fname)
            if d is not None:
                y = d["test_loss"]
                ax.plot(np.maximum(np.arange(y.size), 0.8), y, LOOP_STYLE[loop], color="0.55", lw=1.2,
                        label=f"{loop} loop (published)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel, fontsize=10)
    ax.set_title(title, fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    return fig


def landscape(k1: np.ndarray, k2: np.ndarray, steps: int = 50) -> np.ndarray:
    """``log((1/50) Σ_{t=1}^{50} ‖x_t‖²)`` from (1, 1) under ``u = k1 pos + k2 vel`` (§4.7)."""
    p = theory.reduced_matrix(k1, k2)
    x = np.broadcast_to(np.array([1.0, 1.0]), k1.shape + (2,)).copy()
    total = np.zeros(k1.shape)
    for _ in range(steps):
        x = np.einsum("...ij,...j->...i", p, x)
        total += np.sum(x**2, -1)
    return np.log(total / steps)


def gain_paths(ds: xr.Dataset, *, reference: Path | None = None, experiment: str = ""):
    """Gain paths (k1, k2) over the Jury map and the loss landscape, with a zoom of the start."""
    ds = _seeds(ds)
    fig, axes = figure(1, 2, figsize=(12, 5))
    grid = np.linspace(-1.2, 0.6, 301)
    k1, k2 = np.meshgrid(grid, grid, indexing="ij")
    region = theory.gain_region(k1, k2)
    land = landscape(k1, k2)
    pub = _ref(reference, "nonlinear_gains.npz") if experiment == "closed-loop-nonlinear" else None
    for ax, lim in zip(axes, ([-1.2, 0.6, -1.2, 0.6], [-0.06, 0.02, -0.06, 0.04]), strict=True):
        ax.contourf(k1, k2, region, levels=[-0.5, 0.5, 1.5, 2.5], colors=["#f4d6d6", "#fbe9c6", "#d5ecd5"])
        ax.contour(k1, k2, np.clip(land, -5, 40), levels=15, colors="0.6", linewidths=0.4)
        for loop in ds["loop"].values:
            for s in range(ds.sizes["seed"]):
                g = ds["gains"].sel(loop=loop).isel(seed=s).values
                ax.plot(g[:, 0], g[:, 1], LOOP_STYLE[loop], color=LOOP_COLOR[loop], lw=1,
                        label=f"{loop} loop" if s == 0 else None)
                ax.plot(*g[-1], "o", color=LOOP_COLOR[loop], ms=4)
        if pub is not None:
            for i, loop in enumerate(("closed", "open")):
                g = pub["k_eff"][i]
                ax.plot(g[:, 0], g[:, 1], LOOP_STYLE[loop], color="0.3", lw=0.8,
                        label=f"{loop} (published)")
        ax.plot(-0.618, -1.618, "k*", ms=9, label="LQR, R→0")
        ax.plot(-0.422, -1.244, "kP", ms=7, label="LQR, R=1")
        ax.set_xlim(lim[:2])
        ax.set_ylim(lim[2:])
        ax.set_xlabel("k1 (position gain)")
        ax.set_ylabel("k2 (velocity gain)")
    axes[0].set_title("effective gains over the stability map\n(green: stable, yellow: unstable osc., red: unstable real)",
                      fontsize=10)
    axes[1].set_title("zoom on the start", fontsize=10)
    axes[0].legend(frameon=False, fontsize=7, loc="lower right")
    return fig


def eigenvalue_paths(ds: xr.Dataset, *, reference: Path | None = None, experiment: str = ""):
    """Closed-loop eigenvalues over training in the complex plane, coloured by epoch."""
    fig, axes = figure(1, 2, figsize=(12, 5))
    gdims = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims]
    t = np.linspace(0, 2 * np.pi, 400)
    for ax in axes:
        ax.plot(np.cos(t), np.sin(t), color="0.6", lw=0.8)
    if gdims:
        dim = gdims[0]
        colors = seed_colors(ds.sizes[dim])
        for i, v in enumerate(ds[dim].values):
            lam = ds["eig_closed"].isel({dim: i, **{d: 0 for d in gdims[1:]}}).isel(seed=0, loop=0).values
            top = lam[:, 0]
            top = np.where(top.imag < 0, top.conj(), top)
            for ax in axes:
                ax.plot(top.real, top.imag, color=colors[i], lw=1.2, label=f"{dim}={v:g}")
        pub = _ref(reference, "episode_length_eigs.npz") if experiment == "closed-loop-horizon" else None
        if pub is not None:
            for name in pub.files:
                c0 = pub[name][:, 0]
                axes[1].plot(c0.real, c0.imag, color="0.4", lw=0.8, ls="--")
            axes[1].plot([], [], color="0.4", ls="--", label="published (T unknown)")
    else:
        cell = ds.isel(seed=0, loop=0)
        lam = cell["eig_closed"].values  # (step, 4)
        steps = cell["step"].values
        for ax in axes:
            for j in range(lam.shape[1]):
                sc = ax.scatter(lam[:, j].real, lam[:, j].imag, c=np.log10(np.maximum(steps, 1)), s=6, cmap="viridis")
        fig.colorbar(sc, ax=axes[1], label="log10 epoch")
        if "peff_eig" in ds:
            pe = ds["peff_eig"].isel(seed=0).values.reshape(-1)
            pe = pe[np.isfinite(pe)]
            axes[1].scatter(pe.real, np.abs(pe.imag), s=2, color="k", label="P_eff from ep_of_stab (all roots)")
    axes[0].set_title("closed-loop spectrum over training (seed 0)", fontsize=10)
    axes[1].set_title("zoom near λ = 1", fontsize=10)
    axes[1].set_xlim(0.3, 1.2)
    axes[1].set_ylim(-0.05, 0.7)
    for ax in axes:
        ax.set_xlabel("Re λ")
        ax.set_ylabel("Im λ")
    axes[1].legend(frameon=False, fontsize=8)
    return fig


def overlap_curves(ds: xr.Dataset):
    """The four overlaps over training (solid), with the stage boundaries of seed 0."""
    from .experiment import stage_boundaries

    fig, axes = figure(1, 4, figsize=(15, 3.8))
    gdims = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims]
    sub = ds.isel({d: 0 for d in gdims[1:]}) if gdims else ds
    steps = np.maximum(ds["step"].values, 0.8)
    for j, (ax, name) in enumerate(zip(axes, ["σ_zm", "σ_zu", "σ_vm", "σ_vu"], strict=True)):
        if gdims:
            dim = gdims[0]
            colors = seed_colors(sub.sizes[dim])
            for i, v in enumerate(sub[dim].values):
                ax.plot(steps, sub["overlaps"].isel({dim: i}).isel(seed=0, loop=0, ov=j), color=colors[i],
                        label=f"{dim}={v:g}")
        else:
            colors = seed_colors(ds.sizes["seed"])
            for s in range(ds.sizes["seed"]):
                ax.plot(steps, ds["overlaps"].isel(seed=s, loop=0, ov=j), color=colors[s], lw=1,
                        label=f"seed {s}")
        ax.set_xscale("log")
        ax.set_xlabel("epoch")
        ax.set_title(name)
    if not gdims:
        b = stage_boundaries(ds.isel(loop=[0]))
        for ax in axes:
            for key, ls in (("stage1_end", ":"), ("ep_of_stab", "--")):
                e = b[key][0, 0]
                if e > 0:
                    ax.axvline(e, color="0.4", ls=ls, lw=0.8)
    axes[0].legend(frameon=False, fontsize=7)
    return fig


def stage1(ds: xr.Dataset):
    """Stage-1 geometric loss (theory) against the full model with controlled σ_zm (§4.4, Fig. 3)."""
    fig, ax = figure(figsize=(6, 4.2))
    s = ds["s_zm_scan"].values
    ax.plot(s, ds["stage1_loss_theory"], "k--", label="theory ½(1−r¹⁰¹)/(1−r)")
    ax.plot(s, ds["stage1_loss_sim"], "o-", color="tab:blue", label="full model, N = 100 (seed 0)")
    ax.set_xlabel("σ_zm")
    ax.set_ylabel("log L over 100 steps from (1, −1)")
    ax.set_title("stage 1: the sign of σ_zm decides explosive vs oscillatory", fontsize=10)
    ax.legend(frameon=False)
    return fig


def _seed0_probes(ds: xr.Dataset):
    """Seed 0's closed loop, probe frequencies, their colours and acquisition epochs."""
    cell = ds.isel(seed=0, loop=0)
    omegas = ds["probe_omega"].values
    acq = acquisition_epochs(cell["probe_loss"].values, ds["step"].values)
    return cell, omegas, seed_colors(len(omegas)), acq


def probe_curves(ds: xr.Dataset, *, reference: Path | None = None):
    """Per-frequency probe loss over training (closed loop), acquisition markers, published grey."""
    fig, ax = figure(figsize=(8, 4.6))
    steps = ds["step"].values
    cell, omegas, colors, acq = _seed0_probes(ds)
    for k, w in enumerate(omegas):
        ax.plot(np.maximum(steps, 0.8), cell["probe_loss"].isel(probe=k), color=colors[k], label=f"ω{k + 1} = {w:.3f}")
        if acq[k] is not None:
            ax.axvline(acq[k], color=colors[k], ls=":", lw=1)
    pub = _ref(reference, "tracking_per_frequency_loss.npz")
    if pub is not None:
        for k in range(pub["loss"].shape[1]):
            ax.plot(np.arange(1, pub["loss"].shape[0] + 1), pub["loss"][:, k], color="0.6", lw=0.6)
        ax.plot([], [], color="0.6", label="published")
    ax.axhline(1.0, color="0.3", lw=0.6, ls="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("probe loss (mean squared error)")
    ax.set_title("frequency acquisition (seed 0; dotted: acquisition epochs)", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    return fig


def tracking_spectrum(ds: xr.Dataset, *, reference: Path | None = None):
    """eig(W) at the acquisition epochs of seed 0, with the probe frequencies as horizontal lines."""
    fig, ax = figure(figsize=(6.5, 5))
    cell, omegas, colors, acq = _seed0_probes(ds)
    for k, a in enumerate(acq):
        if a is None:
            continue
        lam = cell["eig_w"].sel(step=a).values
        ax.scatter(lam.real, lam.imag, s=10, color=colors[k], label=f"epoch {a} (ω{k + 1} acquired)")
        ax.axhline(omegas[k], color=colors[k], ls=":", lw=1)
    pub = _ref(reference, "tracking_closed.npz")
    if pub is not None:
        lam = pub["recurrent_eigs"][-1]
        ax.scatter(lam.real, lam.imag, s=8, facecolors="none", edgecolors="0.5", label="published, last panel")
    ax.set_xlabel("Re λ(W)")
    ax.set_ylabel("Im λ(W)")
    ax.set_title("recurrent spectrum at acquisitions: pairs with Im ≈ ω_k", fontsize=10)
    ax.legend(frameon=False, fontsize=7)
    return fig


def surrogate_paths(ds: xr.Dataset, *, title: str):
    """Dominant root of the surrogate descent per α in the complex plane (Fig. 4d)."""
    fig, ax = figure(figsize=(6.5, 5))
    t = np.linspace(0, np.pi / 2, 200)
    ax.plot(np.cos(t), np.sin(t), color="0.6", lw=0.8, label="unit circle")
    dims = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims]
    dom = ds["dominant"]
    if dims:
        colors = seed_colors(ds.sizes[dims[0]])
        for i, v in enumerate(ds[dims[0]].values):
            z = dom.isel({dims[0]: i, **{d: 0 for d in dims[1:]}}).values
            ax.plot(z.real, np.abs(z.imag), color=colors[i], label=f"{dims[0]} = {v:g}")
            ax.plot(z.real[-1], abs(z.imag[-1]), "o", color=colors[i], ms=4)
    else:
        z = dom.values
        ax.plot(z.real, np.abs(z.imag), color="tab:blue")
    ax.set_xlim(0.85, 1.6)
    ax.set_ylim(-0.02, 0.65)
    ax.set_xlabel("Re λ1")
    ax.set_ylabel("|Im λ1|")
    ax.set_title(title, fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    return fig
