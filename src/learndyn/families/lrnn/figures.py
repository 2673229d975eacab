"""Figures of the linear-RNN family (Proca et al. 2025; docs/lrnn.md): simulation solid, theory dashed black."""

from __future__ import annotations

import numpy as np
import xarray as xr

from learndyn.plots import THEORY, figure, seed_colors


def _time(ds: xr.Dataset, cell: xr.Dataset | None = None):
    """Learning time ``t_θ/τ`` (step / τ_steps of seed 0) and its axis label."""
    cell = ds if cell is None else cell
    tau = float(np.ravel(cell["tau_steps"].values)[0])
    return ds["step"].values / tau, "learning time t_θ/τ"


def modes_over_training(ds: xr.Dataset, *, title: str):
    """``ac``, ``b`` per mode (sim solid per seed, mode ODE dashed), loss, off-diagonal coupling."""
    fig, axes = figure(2, 2, figsize=(11, 7.5))
    t, xlabel = _time(ds)
    colors = seed_colors(ds.sizes["mode"])
    for (ax, var, lab) in ((axes[0, 0], "ac", "input–output strength ac"), (axes[0, 1], "b", "recurrent strength b")):
        for m in range(ds.sizes["mode"]):
            for s in range(ds.sizes["seed"]):
                ax.plot(t, ds[var].isel(mode=m, seed=s), color=colors[m], lw=2, alpha=0.8,
                        label=f"mode {m}" if s == 0 else None)
            ax.plot(t, ds[f"{var}_theory"].isel(mode=m, seed=0), "--", color=THEORY, lw=1.2,
                    label="mode ODE (§3.2)" if m == 0 else None)
            target = float(ds[f"{var}_target"].isel(mode=m, seed=0))
            if np.isfinite(target):
                ax.axhline(target, color=colors[m], ls=":", lw=0.8)
        if var == "ac" and "u_closed_form" in ds:
            for m in range(ds.sizes["mode"]):
                ax.plot(t, ds["u_closed_form"].isel(mode=m, seed=0), ":", color="tab:red", lw=1.5,
                        label="closed form, b frozen (§3.4)" if m == 0 else None)
        ax.set(xlabel=xlabel, ylabel=lab)
        ax.legend(frameon=False, fontsize=8)
    ax = axes[1, 0]
    for s in range(ds.sizes["seed"]):
        ax.semilogy(t, ds["loss"].isel(seed=s), color="tab:blue", lw=2, label="simulation" if s == 0 else None)
    ax.semilogy(t, ds["loss_theory"].isel(seed=0), "--", color=THEORY, label="mode ODE")
    ax.set(xlabel=xlabel, ylabel="loss")
    ax.legend(frameon=False)
    ax = axes[1, 1]
    for s in range(ds.sizes["seed"]):
        ax.semilogy(t, np.maximum(ds["offdiag"].isel(seed=s), 1e-18), color="tab:gray")
    ax.set(xlabel=xlabel, ylabel="max off-diagonal of read-back modes", ylim=(1e-18, 1))
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def singular_values_over_training(ds: xr.Dataset, *, title: str):
    """Singular values of ``W_h`` and ``W_y W_x`` over training with the zero-loss lines (Fig. 6)."""
    cell = ds.isel({d: 0 for d in ds.attrs.get("grid_keys", {}) if d in ds.dims})
    fig, axes = figure(1, 2, figsize=(11, 4.2))
    steps = np.maximum(cell["step"].values, 1)
    for ax, var, tvar, lab in ((axes[0], "sv_rec", "b_target", "σ(W_h), recurrent"),
                               (axes[1], "sv_io", "ac_target", "σ(W_y W_x), input–output")):
        colors = seed_colors(cell.sizes["seed"])
        for s in range(cell.sizes["seed"]):
            ax.semilogx(steps, cell[var].isel(seed=s), color=colors[s], lw=1.5)
        target = float(np.nanmax(cell[tvar].values)) if np.isfinite(cell[tvar].values).any() else np.nan
        if np.isfinite(target):
            ax.axhline(target, color=THEORY, ls="--", lw=1.2, label=f"zero-loss solution {target:g}")
            ax.legend(frameon=False)
        ax.set(xlabel="GD step", ylabel=lab)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def extrapolation(ds: xr.Dataset, *, title: str):
    """Extrapolation to test lengths T'. Per-mode tasks: final loss of each mode against T', one
    line per grid value (theory of the zero-loss solution dashed; ``|b| > 1`` marked). Sensory
    tasks: loss at each T' over training, and the final loss against T' with its theory."""
    gdims = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims]
    lengths = ds["length"].values
    last = ds.isel(step=-1)
    t_train = float(np.ravel(ds["task_length"].values)[0])
    if "test_loss_mode" in ds:
        n = ds.sizes["mode"]
        fig, axes = figure(1, n, figsize=(4.3 * n, 4.2), squeeze=False)
        dim = gdims[0] if gdims else None
        values = ds[dim].values if dim else [None]
        colors = seed_colors(len(values))
        for m in range(n):
            ax = axes[0, m]
            for i, v in enumerate(values):
                c = last.isel(mode=m, **({dim: i} if dim else {}), **{d: 0 for d in gdims[1:]})
                b = float(c["b"].median("seed"))
                ax.semilogy(lengths, np.maximum(c["test_loss_mode"].median("seed"), 1e-30), "o-", ms=3,
                            color=colors[i], label=(f"{dim}={v:g}" if dim else "simulation")
                            + (f" (b={b:.2f} > 1)" if abs(b) > 1 + 1e-3 else ""))
                th = ds["test_loss_mode_theory"].isel(mode=m, seed=0, **({dim: i} if dim else {}),
                                                      **{d: 0 for d in gdims[1:]})
                if (th > 0).any():
                    ax.semilogy(lengths, th.where(th > 0), "--", color=colors[i], lw=0.8)
            ax.axvline(t_train, color="gray", ls=":", lw=1)
            kinds = ds.attrs.get("mode_dynamics", [])
            ax.set(xlabel="test length T'", ylabel="final loss of the mode at T'",
                   title=kinds[m] if m < len(kinds) else f"mode {m}")
            ax.legend(frameon=False, fontsize=7)
        fig.suptitle(title + "  (dashed: zero-loss solution where > 0)", fontsize=11)
        fig.tight_layout()
        return fig
    fig, axes = figure(1, 2, figsize=(11, 4.2))
    colors = seed_colors(len(lengths))
    cell = ds.isel({d: 0 for d in gdims})
    steps = np.maximum(cell["step"].values, 1)
    ax = axes[0]
    for j, t in enumerate(lengths):
        for s in range(cell.sizes["seed"]):
            ax.loglog(steps, cell["test_loss"].isel(length=j, seed=s), color=colors[j], lw=1.3,
                      label=f"T' = {t}" if s == 0 else None)
    ax.set(xlabel="GD step", ylabel="loss at test length T'")
    ax.legend(frameon=False, fontsize=8)
    ax = axes[1]
    c = last.isel({d: 0 for d in gdims})
    for s in range(c.sizes["seed"]):
        ax.semilogy(lengths, np.maximum(c["test_loss"].isel(seed=s), 1e-30), "o-", color="tab:blue",
                    label="simulation (final)" if s == 0 else None)
    if "test_loss_theory" in ds and np.isfinite(ds["test_loss_theory"]).any():
        th = ds["test_loss_theory"].isel({d: 0 for d in gdims}).isel(seed=0)
        ax.semilogy(lengths, th.where(th > 0), "--", color=THEORY, label="zero-loss solution (theory; 0 not drawn)")
    ax.axvline(t_train, color="gray", ls=":", lw=1)
    ax.set(xlabel="test length T'", ylabel="final loss at T'")
    ax.legend(frameon=False, fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def learned_step_map(ds: xr.Dataset, steps: xr.DataArray, theory: xr.DataArray | None = None, *, title: str):
    """Heat map of the step at which mode 0 is learned (within 5 % of its zero-loss target) over
    two grid coordinates (App. E: larger and later singular values are learned faster); the mode
    ODE's learned step written in each cell."""
    gdims = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims]
    z = steps.isel(mode=0, seed=0).transpose(*gdims[:2]).values.astype(float)
    z[z < 0] = np.nan
    fig, ax = figure(figsize=(7.5, 5.2))
    im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis_r")
    if theory is not None:
        zt = theory.isel(mode=0, seed=0).transpose(*gdims[:2]).values
        for (i, j), v in np.ndenumerate(zt):
            ax.text(j, i, "—" if v < 0 else f"{int(v)}", ha="center", va="center", fontsize=7, color="white")
    ax.set_yticks(range(ds.sizes[gdims[0]]), [f"{v:g}" for v in ds[gdims[0]].values])
    ax.set_xticks(range(ds.sizes[gdims[1]]), [f"{v:g}" for v in ds[gdims[1]].values])
    ax.set(ylabel=gdims[0], xlabel=gdims[1],
           title="GD steps to learn (colour: simulation, blank: not learned or diverged;\nnumbers: mode ODE)")
    fig.colorbar(im, ax=ax)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def final_modes_over_grid(ds: xr.Dataset, *, title: str):
    """Final ``b`` and ``ac`` of mode 0 against the first grid coordinate, one colour per value of
    the second (e.g. δ coloured by κ: the recurrent vs feed-forward jump, Fig. 4b); dashed: the
    global minimiser of the mode energy (where GD from small init need not end, P5)."""
    gdims = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims]
    x = gdims[0]
    last = ds.isel(step=-1, mode=0)
    fig, axes = figure(1, 2, figsize=(11, 4.2))
    second = gdims[1] if len(gdims) > 1 else None
    values = ds[second].values if second else [None]
    colors = seed_colors(len(values))
    for ax, var, lab in ((axes[0], "b", "final b"), (axes[1], "ac", "final ac")):
        for i, v in enumerate(values):
            c = last.isel({second: i}) if second else last
            c = c.isel({d: 0 for d in gdims[2:]})
            ax.plot(ds[x].values, c[var].median("seed"), "o-", ms=3, color=colors[i],
                    label=f"{second}={v:g}" if second else None)
            if f"{var}_global" in c:
                ax.plot(ds[x].values, c[f"{var}_global"].isel(seed=0), "--", color=colors[i], lw=1,
                        label="global minimum of E (theory)" if i == 0 else None)
        ax.set(xlabel=x, ylabel=lab)
        if second:
            ax.legend(frameon=False, fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def kernel_distance_map(ds: xr.Dataset, *, title: str):
    """Heat map of the NTK distance D over the two grid coordinates (Fig. 5), median over seeds."""
    gdims = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims]
    d = ds["kernel_distance"].median("seed").transpose(*gdims)
    fig, ax = figure(figsize=(6.5, 4.8))
    im = ax.imshow(d.values, origin="lower", aspect="auto", cmap="magma", vmin=0, vmax=1)
    ax.set_yticks(range(ds.sizes[gdims[0]]), [f"{v:g}" for v in ds[gdims[0]].values])
    ax.set_xticks(range(ds.sizes[gdims[1]]), [f"{v:.2g}" for v in ds[gdims[1]].values], rotation=45)
    ax.set(ylabel=gdims[0], xlabel=gdims[1], title="kernel distance D (rich ↔ lazy)")
    fig.colorbar(im, ax=ax)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def dirac_landscape(ds: xr.Dataset, *, title: str):
    """Dirac task theory (Fig. 4a): minimiser b*(β), u*(β) and E*(β) per T; lines at 1/√2 and 1."""
    fig, axes = figure(1, 3, figsize=(13, 4))
    betas = ds["beta_theory"].values
    colors = seed_colors(ds.sizes["crit_T"])
    for i, t in enumerate(ds["crit_T"].values):
        for ax, var in zip(axes, ("dirac_b_star", "dirac_u_star", "dirac_e_star"), strict=True):
            y = ds[var].isel(crit_T=i)
            ax.plot(betas, abs(y) if var == "dirac_b_star" else y, color=colors[i], lw=1.5,
                    label=f"T={t}, β_c={float(ds['critical_point'].isel(crit_T=i)):.4f}")
    for ax, lab in zip(axes, ("|b*| (E* is even in b for odd T)", "u* = (ac)*", "E* (without ½)"), strict=True):
        for v in (1 / np.sqrt(2), 1.0):
            ax.axvline(v, color="gray", ls="-.", lw=0.8)
        ax.set(xlabel="β = s_1/s_T", ylabel=lab)
    axes[2].plot(betas, betas**2, ":", color=THEORY, label="feed-forward E* = β²")
    axes[0].legend(frameon=False, fontsize=8)
    axes[2].legend(frameon=False, fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
