"""Eigenvalues of W over training: complex plane, outlier trajectories, residues."""

from __future__ import annotations

import matplotlib.colors as mcolors
import numpy as np
import xarray as xr

from ._style import THEORY, figure, seed_colors


def spectrum_over_training(ds: xr.Dataset, *, seed: int = 0, title: str = ""):
    """All eigenvalues of one seed's W at every recorded step, coloured by step (log scale).

    Shows the bulk circle of radius σ and the target eigenvalue(s) as stars.
    """
    cell = ds.isel(seed=seed)
    fig, ax = figure(figsize=(6.0, 5.4))
    steps = cell["step"].values
    eig = cell["eig"].values  # (step, eig)
    norm = mcolors.LogNorm(vmin=max(steps[steps > 0].min(), 1) if (steps > 0).any() else 1,
                           vmax=max(steps.max(), 2))
    colors = np.repeat(np.maximum(steps, norm.vmin)[:, None], eig.shape[1], axis=1)
    sc = ax.scatter(eig.real.ravel(), eig.imag.ravel(), c=colors.ravel(), cmap="viridis",
                    norm=norm, s=7, alpha=0.6, linewidths=0)
    fig.colorbar(sc, ax=ax, label="training step", shrink=0.8)
    sigma = float(cell["sigma_net"])
    tgt = cell["target_eig"].values
    tgt = tgt[np.isfinite(tgt)]
    t = np.linspace(0, 2 * np.pi, 300)
    ax.plot(sigma * np.cos(t), sigma * np.sin(t), color="gray", lw=1.2, ls="--",
            label=f"bulk edge |λ| = σ = {sigma:g}")
    ax.axvline(1.0, color="crimson", lw=0.8, alpha=0.6, label="stability edge Re λ = 1")
    ax.plot(tgt.real, tgt.imag, "*", color="crimson", ms=14, mec="k", label="target 1 + eig(B⋆)")
    ax.set_aspect("equal", adjustable="box")
    lo = min(np.nanmin(eig.real), -sigma, np.nanmin(tgt.real) if tgt.size else 0.0)
    hi = max(np.nanmax(eig.real), 1.0)
    span = max(np.nanmax(np.abs(eig.imag)), 0.5 * (hi - lo), sigma) * 1.1
    mid = 0.5 * (lo + hi)
    ax.set_xlim(mid - span, mid + span)
    ax.set_ylim(-span, span)
    ax.set_xlabel("Re λ")
    ax.set_ylabel("Im λ")
    ax.set_title(title or f"spectrum of W over training (seed {seed})")
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=9)
    return fig


def outlier_trajectory(ds: xr.Dataset, *, title: str = "", theory_dashed: bool = False):
    """Learned eigenvalue(s) vs τ for every seed, with theory, the bulk edge and escape times.

    Plots Re (solid) and, for complex targets, Im (thin) of the eigenvalue nearest each target;
    theory: the two-neuron eigenvalues, the single-mode ansatz and the quasi-static curve.
    The escape (first crossing of |λ| = σ) is marked with a dot.
    """
    fig, ax = figure(figsize=(6.4, 4.4))
    colors = seed_colors(ds.sizes["seed"])
    complex_target = bool(np.any(np.abs(np.nan_to_num(ds["target_eig"].values).imag) > 0))
    sigma = float(ds["sigma_net"].isel(seed=0))
    for i, c in enumerate(colors):
        cell = ds.isel(seed=i)
        tau = cell["tau"].values
        top = cell["tracked"].values  # (step, mode), followed back by continuity
        for k in range(top.shape[1]):
            if complex_target and top[:, k].imag.mean() < 0:
                continue
            ax.plot(tau, top[:, k].real, color=c, lw=1.6, label="simulation Re λ" if i == k == 0 else None)
            if complex_target:
                ax.plot(tau, top[:, k].imag, color=c, lw=1.0, ls="--",
                        label="simulation Im λ" if i == k == 0 else None)
        mod = np.abs(top[:, 0])
        cross = np.nonzero(mod > sigma)[0]
        if cross.size and cross[0] > 0:
            j = cross[0]
            ax.plot(tau[j], top[j, 0].real, "o", color=c, ms=6, mec="k",
                    label="escape |λ| = σ" if i == 0 else None)
    if "eig_theory" in ds:
        tt = ds["tau_theory"].values
        e2 = ds["eig_theory"].values
        ls = "--" if theory_dashed else "-"
        ax.plot(tt, e2[:, 0].real, ls, color=THEORY, lw=1.3, label="two-neuron theory")
        if complex_target:
            ax.plot(tt, np.abs(e2[:, 0].imag), ls, color=THEORY, lw=0.9)
    if "lambda_ansatz" in ds and np.isfinite(ds["lambda_ansatz"].values).any():
        ax.plot(ds["tau_theory"].values, ds["lambda_ansatz"].values, ":", color=THEORY, lw=1.6,
                label="single-mode ansatz")
        ax.plot(ds["tau_theory"].values, ds["lambda_quasistatic"].values, "-.", color="tab:orange",
                lw=1.3, label="quasi-static")
    for z in ds["target_eig"].isel(seed=0).values:
        if np.isfinite(z):
            ax.axhline(z.real, color="crimson", lw=0.8, alpha=0.7)
            if complex_target and z.imag > 0:
                ax.axhline(z.imag, color="crimson", lw=0.8, alpha=0.7, ls="--")
    ax.axhline(sigma, color="gray", lw=0.8, ls=":", label=f"bulk edge σ = {sigma:g}")
    if "plateau_lambda" in ds and np.isfinite(float(ds["plateau_lambda"])):
        ax.axhline(float(ds["plateau_lambda"]), color="tab:orange", lw=1.0, ls="-.",
                   label=f"plateau λ = {float(ds['plateau_lambda']):.3f}")
    _log_tau_axis(ax, ds)
    ax.set_ylabel("learned eigenvalue (tracked)")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=9)
    return fig


def residue_trajectory(ds: xr.Dataset, *, title: str = ""):
    """Residue of the learned eigenvalue(s) — tracked by continuity — vs τ, with Σρ = u·v."""
    fig, ax = figure(figsize=(6.4, 4.2))
    colors = seed_colors(ds.sizes["seed"])
    m = ds.sizes["mode"]
    for i, c in enumerate(colors):
        cell = ds.isel(seed=i)
        tau = cell["tau"].values
        eig, res, tracked = cell["eig"].values, cell["residue"].values, cell["tracked"].values
        for k in range(m):
            idx = np.argmin(np.abs(eig - tracked[:, k : k + 1]), axis=1)
            rho = res[np.arange(len(idx)), idx]
            ax.plot(tau, rho.real, color=c, lw=1.5, alpha=0.9,
                    label="Re ρ of the learned mode(s)" if i == k == 0 else None)
        ax.plot(tau, cell["uv"].values, color=c, lw=0.9, ls=":", label="u·v = Σρ" if i == 0 else None)
    _log_tau_axis(ax, ds)
    ax.set_ylabel("residue")
    ax.set_title(title)
    ax.legend(frameon=False)
    return fig


def _log_tau_axis(ax, ds: xr.Dataset) -> None:
    """Log flow-time axis starting at the first recorded step after 0."""
    tau = ds["tau"].values
    positive = tau[tau > 0]
    if positive.size:
        ax.set_xscale("log")
        ax.set_xlim(positive.min(), tau.max() * 1.05)
    ax.set_xlabel("gradient-flow time τ = lr · step")
