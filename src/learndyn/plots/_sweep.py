"""Summary figures over a swept coordinate."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ._style import THEORY, figure, seed_colors


def rich_lazy_summary(ds: xr.Dataset, *, dim: str = "sigma", title: str = ""):
    """Four panels over σ: ``dW_rel``; top singular values of ΔW; final spectra at the smallest
    non-zero and the largest σ; loss curves per σ (seed mean)."""
    fig, axes = figure(2, 2, figsize=(11, 8.5))
    (a, b), (c, d) = axes
    last = ds.isel(step=-1)
    x = ds[dim].values
    rel = last["dW_rel"]
    for s in range(ds.sizes["seed"]):
        a.plot(x, rel.isel(seed=s).values, "o", color="gray", alpha=0.5, ms=4)
    a.plot(x, rel.mean("seed", skipna=True).values, "-o", color=THEORY, label="mean over seeds")
    a.set_yscale("log")
    a.set_xlabel("σ")
    a.set_ylabel("‖ΔW‖_F / ‖W0‖_F")
    a.set_title("(a) relative weight change")
    a.legend(frameon=False)
    sv = last["dW_sv"].mean("seed")
    for k, ls in zip(range(sv.sizes["sv"]), ("-o", "--s", ":^"), strict=False):
        b.plot(x, sv.isel(sv=k).values, ls, label=f"s{k + 1}(ΔW)")
    ratio = (last["dW_sv"].isel(sv=1) / last["dW_sv"].isel(sv=0)).mean("seed")
    b2 = b.twinx()
    b2.plot(x, ratio.values, color="crimson", lw=1, alpha=0.7)
    b2.set_ylabel("s2/s1", color="crimson")
    b.set_xlabel("σ")
    b.set_ylabel("singular value")
    b.set_title("(b) ΔW: rank one when rich")
    b.legend(frameon=False)
    nz = [i for i, v in enumerate(x) if v > 0]
    picks = [nz[0], len(x) - 1] if nz else [0, len(x) - 1]
    t = np.linspace(0, 2 * np.pi, 200)
    for i, mk, col in zip(picks, ("o", "s"), ("tab:blue", "tab:red"), strict=False):
        eig = last["eig"].isel({dim: i, "seed": 0}).values
        c.plot(eig.real, eig.imag, mk, ms=4, alpha=0.7, color=col, label=f"σ = {x[i]:g}")
        c.plot(x[i] * np.cos(t), x[i] * np.sin(t), color=col, lw=0.8, ls="--")
    tgt = last["target_eig"].isel({dim: 0, "seed": 0}).values
    c.plot(tgt.real, tgt.imag, "*", color="crimson", ms=14, mec="k", label="target")
    c.set_aspect("equal")
    c.set_xlabel("Re λ")
    c.set_ylabel("Im λ")
    c.set_title("(c) final spectra (seed 0)")
    c.legend(frameon=False, fontsize=9)
    colors = seed_colors(len(x))
    for i, col in enumerate(colors):
        cell = ds.isel({dim: i})
        loss = cell["loss"].mean("seed", skipna=True).values
        d.plot(cell["tau"].isel(seed=0).values, loss, color=col, label=f"σ = {x[i]:g}")
    d.set_yscale("log")
    d.set_xlabel("τ = lr · step")
    d.set_ylabel("loss (seed mean)")
    d.set_title("(d) loss curves")
    d.legend(frameon=False, fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
