"""Simulation against the large-N kernel theory over the early phase (issue "Large-N theory", part 4)."""

from __future__ import annotations

import itertools

import numpy as np
import xarray as xr

from ._style import THEORY, figure


def kernel_theory_overlay(ds: xr.Dataset, gap: xr.Dataset, *, title: str = "", max_tau: float | None = None):
    """Top: seed-mean loss (± s.e.) against the kernel theory (black, dashed) over ``τ``; bottom: the
    relative gap in %, a ±2 % band and the end of the early phase (dotted). One column per grid
    point; curves per network size ``n`` when the set has that dimension (a sweep over
    ``model.n``), so the shrinking finite-N gap is read off one column.

    Args:
        ds: integrate result set with ``loss_kernel_theory``.
        gap: :func:`learndyn.analysis.kernel_theory_gap` of ``ds``.
        max_tau: right end of the τ axis (default: 3 early phases, at most the run).
    """
    cols = [d for d in gap["gap"].dims if d not in ("step", "n")]
    points = list(itertools.product(*[range(ds.sizes[d]) for d in cols])) or [()]
    fig, axes = figure(2, len(points), figsize=(4.6 * len(points) + 0.6, 6.8), squeeze=False,
                       sharex="col", gridspec_kw={"height_ratios": [3, 2], "wspace": 0.38})
    sizes = ds["n"].values if "n" in ds.dims else [None]
    colors = [f"C{i}" for i in range(len(sizes))]
    for j, point in enumerate(points):
        sel = dict(zip(cols, point, strict=True))
        top, bottom = axes[0, j], axes[1, j]
        cell = gap.isel(sel)
        end = float(cell["tau_early"].max())
        right = max_tau or min(float(cell["tau"].max()), 3 * end if np.isfinite(end) else np.inf)
        for k, (n, c) in enumerate(zip(sizes, colors, strict=True)):
            g = gap.isel({**sel, "n": k} if n is not None else sel)
            tau, th = g["tau"].values, g["theory"].values
            mean, se = (1 + g["gap"].values) * th, g["gap_se"].values * th
            keep = tau <= right * (1 + 1e-9)
            label = f"N = {int(n)}" if n is not None else f"simulation ({ds.sizes['seed']} seeds)"
            top.fill_between(tau[keep], (mean - se)[keep], (mean + se)[keep], color=c, alpha=0.2, lw=0)
            top.plot(tau[keep], mean[keep], "o-", color=c, ms=3, lw=1.3, label=label)
            bottom.errorbar(tau[keep], 100 * g["gap"].values[keep], yerr=100 * g["gap_se"].values[keep],
                            fmt="o-", color=c, ms=3, lw=1.2, capsize=2)
        # the theory does not depend on N: draw it once, on the last size's τ grid
        top.plot(tau[keep], th[keep], "--", color=THEORY, lw=1.6, label="kernel theory (N → ∞)")
        bottom.axhspan(-2, 2, color="0.85", zorder=0, label="±2 %")
        bottom.axhline(0, color=THEORY, lw=0.8)
        for ax in (top, bottom):
            if np.isfinite(end):
                ax.axvline(end, color="0.4", ls=":", lw=1)
        tag = ", ".join(f"{d} = {ds[d].values[i]:g}" for d, i in sel.items())
        top.set_title(tag or title)
        top.set_ylabel("loss L (seed mean)")
        bottom.set_ylabel("gap to theory (%)")
        bottom.set_xlabel("gradient-flow time τ = lr·step")
        top.legend(frameon=False, fontsize=8)
    fig.suptitle(title + f"\n(dotted: end of the early phase, kernel loss down {100 * gap.attrs['fraction']:g} %)",
                 fontsize=10, y=1.05)
    return fig
