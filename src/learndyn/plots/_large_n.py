"""Simulation against the N → ∞ theory of the whole integrate run (``learndyn.theory.free_limit``)."""

from __future__ import annotations

import itertools

import numpy as np
import xarray as xr

from ._style import THEORY, figure


def large_n_theory_overlay(ds: xr.Dataset, gap: xr.Dataset, *, title: str = ""):
    """Three rows per grid point: the seed-mean loss (± s.e., log scale) against the N → ∞ theory
    (black, dashed); the relative gap in % with the tolerance band; the learned outlier (real part:
    every seed faint, the seed mean solid) against the theory's outlier, drawn once it has left the
    bulk (dotted line: the bulk edge σ). Curves per network size ``n`` when the set sweeps it.

    Args:
        ds: integrate result set with the ``large_n`` theory variables.
        gap: :func:`learndyn.families.integrate.theory_gap.large_n_theory_gap` of ``ds``.
    """
    cols = [d for d in gap["gap"].dims if d not in ("step", "n")]
    points = list(itertools.product(*[range(ds.sizes[d]) for d in cols])) or [()]
    rows = 3 if "outlier_gap" in gap else 2
    fig, axes = figure(rows, len(points), figsize=(4.8 * len(points) + 0.6, 3.0 * rows + 0.8), squeeze=False,
                       sharex="col", gridspec_kw={"height_ratios": [3, 2, 3][:rows], "wspace": 0.38})
    sizes = ds["n"].values if "n" in ds.dims else [None]
    tol = 100 * gap.attrs["tolerance"]
    for j, point in enumerate(points):
        sel = dict(zip(cols, point, strict=True))
        for k, n in enumerate(sizes):
            c = f"C{k}"
            at = {**sel, "n": k} if n is not None else sel
            g = gap.isel(at)
            tau, th = g["tau"].values, g["theory"].values
            mean, se = (1 + g["gap"].values) * th, g["gap_se"].values * th
            label = f"N = {int(n)}" if n is not None else f"simulation ({ds.sizes['seed']} seeds)"
            axes[0, j].fill_between(tau, np.maximum(mean - se, 1e-12), mean + se, color=c, alpha=0.2, lw=0)
            axes[0, j].plot(tau, mean, "o-", color=c, ms=3, lw=1.3, label=label)
            axes[1, j].errorbar(tau, 100 * g["gap"].values, yerr=100 * g["gap_se"].values, fmt="o-", color=c,
                                ms=3, lw=1.2, capsize=2)
            if rows == 3:
                seeds = ds["learned"].isel(at).isel(mode=0).real
                for s in range(seeds.sizes["seed"]):
                    axes[2, j].plot(tau, seeds.isel(seed=s), color=c, lw=0.5, alpha=0.25)
                axes[2, j].plot(tau, g["outlier_sim"].isel(mode=0).real, "o-", color=c, ms=3, lw=1.3,
                                label=label + " mean")
        axes[0, j].plot(tau, th, "--", color=THEORY, lw=1.6, label="N → ∞ theory")
        axes[0, j].set_yscale("log")
        axes[1, j].axhspan(-tol, tol, color="0.85", zorder=0)
        axes[1, j].axhline(0, color=THEORY, lw=0.8)
        reached = gap["tau_reached"].isel(sel)
        reach = float(reached.isel(n=-1) if "n" in reached.dims else reached)  # the largest N
        if reach < tau[-1]:
            for ax in axes[:, j]:
                ax.axvline(reach, color="0.4", ls=":", lw=1)
        if rows == 3:
            sigma = float(ds["sigma_net"].isel(sel).isel(seed=0).max())
            axes[2, j].plot(tau, g["outlier_theory"].isel(mode=0).real, "--", color=THEORY, lw=1.6,
                            label="N → ∞ theory (outside the bulk)")
            axes[2, j].axhline(sigma, color="0.4", ls=":", lw=1, label="bulk edge σ")
            axes[2, j].set_ylabel("Re λ of the learned mode")
            axes[2, j].legend(frameon=False, fontsize=8)
        tag = ", ".join(f"{d} = {ds[d].values[i]:g}" for d, i in sel.items())
        axes[0, j].set_title(tag or title)
        axes[0, j].set_ylabel("loss L (seed mean)")
        axes[1, j].set_ylabel("gap to theory (%)")
        axes[-1, j].set_xlabel("gradient-flow time τ = lr·step")
        axes[0, j].legend(frameon=False, fontsize=8)
    last = f" at N = {int(sizes[-1])}" if sizes[0] is not None else ""
    fig.suptitle(title + f"\n(band: ±{tol:g} %; dotted vertical: last τ before the first step outside it{last})",
                 fontsize=10, y=1.02)
    return fig
