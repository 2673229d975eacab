"""Summary figures over a swept coordinate."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ._style import THEORY, figure, seed_colors


def rich_lazy_summary(ds: xr.Dataset, *, dim: str = "sigma", title: str = ""):
    """Four panels over the bulk radius σ (grid dim ``dim``, key ``model.sigma``): ``dW_rel``; top
    singular values of ΔW; final spectra (with the bulk circle |λ| = σ) at the smallest non-zero
    and the largest σ; loss curves per σ (seed mean)."""
    key = ds.attrs.get("grid_keys", {}).get(dim, dim)
    if key != "model.sigma":
        raise ValueError(f"rich_lazy_summary: the swept dim {dim!r} is {key!r}, not model.sigma")
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


_HEADLINE = ("loss", "test_loss", "final_test_loss", "train_loss", "task_loss")


def headline_variable(ds: xr.Dataset) -> str | None:
    """The first loss-like variable whose dims are grid keys, ``seed`` and ``step`` only."""
    allowed = set(ds.attrs.get("grid_keys", {})) | {"seed", "step"}
    for name in _HEADLINE:
        if name in ds and "seed" in ds[name].dims and set(ds[name].dims) <= allowed:
            return name
    return None


def final_values(da: xr.DataArray) -> xr.DataArray:
    """The last finite record along ``step`` per network (a chunk with fewer steps ends earlier)."""
    if "step" not in da.dims:
        return da
    finite = np.isfinite(da)
    last = (finite * np.arange(da.sizes["step"])).max("step")
    return da.isel(step=last).where(finite.any("step"))


def sweep_overview(ds: xr.Dataset, path):
    """Final loss (mean over seeds, last recorded step) over the sweep grid: a heat map over the
    first two grid keys (log colour scale), or a line over one; grey hatching where a point failed.
    Returns ``None`` when the result set has no loss-like variable."""
    from matplotlib.colors import LogNorm
    from matplotlib.patches import Rectangle

    from ._style import save_figure

    name = headline_variable(ds)
    gdims = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims]
    if name is None or not gdims:
        return None
    da = final_values(ds[name])
    final = da.mean("seed", skipna=True)
    rest = gdims[2:]
    if rest:  # further keys: their first value, said in the title
        final = final.isel({d: 0 for d in rest})
    fig, ax = figure(1, 1, figsize=(6.5, 4.8))
    if len(gdims) == 1:
        x = ds[gdims[0]].values
        ax.plot(range(len(x)), final.values, "-o", color=THEORY, label="mean over seeds")
        per_seed = da.transpose(gdims[0], "seed").values
        for s in range(per_seed.shape[1]):
            ax.plot(range(len(x)), per_seed[:, s], "o", color="gray", alpha=0.4, ms=3)
        ax.set_xticks(range(len(x)), [f"{v:g}" if isinstance(v, float) else str(v) for v in x])
        ax.set_xlabel(gdims[0])
        ax.set_ylabel(f"final {name}")
        if np.nanmin(final.values) > 0:
            ax.set_yscale("log")
    else:
        z = final.transpose(gdims[0], gdims[1]).values.astype(float)
        pos = z[np.isfinite(z) & (z > 0)]
        norm = LogNorm(pos.min(), pos.max()) if pos.size and pos.max() > pos.min() else None
        im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis", norm=norm)
        fig.colorbar(im, ax=ax, label=f"final {name} (mean over seeds)")
        for axis, d in ((ax.set_yticks, gdims[0]), (ax.set_xticks, gdims[1])):
            vals = ds[d].values
            axis(range(len(vals)), [f"{v:g}" if isinstance(v, float) else str(v) for v in vals])
        ax.set_ylabel(gdims[0])
        ax.set_xlabel(gdims[1])
        for i, j in zip(*np.nonzero(~np.isfinite(z)), strict=True):
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="xx", color="gray"))
    extra = ", ".join(f"{d} = {ds[d].values[0]}" for d in rest)
    ax.set_title(f"{ds.attrs.get('experiment', '')}: sweep" + (f" ({extra})" if extra else ""))
    return save_figure(fig, path)
