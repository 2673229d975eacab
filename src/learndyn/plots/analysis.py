"""Figures of ``learndyn analyze``: spectra over training and learning trajectories."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ._style import figure, seed_colors


def _first_network(da: xr.DataArray, keep: tuple[str, ...]) -> dict[str, int]:
    return {d: 0 for d in da.dims if d not in keep}


def snapshot_spectra(out: xr.Dataset, tag: str = "", *, title: str = ""):
    """Left: eigenvalues of ``W`` of the first network at every snapshot (colour = training
    step) with the initial bulk radius. Right: modulus of the tracked final outliers against the
    training step, every network."""
    snap, eigd = f"snapshot{tag}", f"eig_index{tag}"
    eig = out[f"eig{tag}"]
    first = _first_network(eig, (snap, eigd))
    e = eig.isel(first).values
    steps = out[f"snapshot_step{tag}"].values
    fig, (a1, a2) = figure(1, 2, figsize=(11.5, 5))
    colors = seed_colors(len(steps))
    for k in range(len(steps)):
        a1.scatter(e[k].real, e[k].imag, s=6 if k not in (0, len(steps) - 1) else 14, color=colors[k],
                   alpha=0.35 if k not in (0, len(steps) - 1) else 0.9,
                   label=f"step {steps[k]}" if k in (0, len(steps) - 1) else None)
    r = float(out[f"bulk_radius{tag}"].isel(_first_network(out[f"bulk_radius{tag}"], ())).values)
    th = np.linspace(0, 2 * np.pi, 200)
    a1.plot(r * np.cos(th), r * np.sin(th), "k--", lw=1, label=f"bulk radius √N·std(W0) = {r:.3g}")
    a1.set(xlabel="Re λ", ylabel="Im λ", aspect="equal")
    a1.legend(fontsize=8, loc="upper left")
    tr = out[f"outlier_track{tag}"]
    ndims = [d for d in tr.dims if d not in (snap, f"outlier{tag}")]
    cells = list(np.ndindex(*[tr.sizes[d] for d in ndims]))
    cols = seed_colors(len(cells))
    x = np.maximum(steps, 1)
    for c, idx in zip(cols, cells, strict=True):
        vals = np.abs(tr.isel(dict(zip(ndims, idx, strict=True))).values)
        for j in range(vals.shape[1]):
            if np.isfinite(vals[:, j]).any():
                a2.plot(x, vals[:, j], color=c, lw=1.3)
    radius = out[f"bulk_radius{tag}"].values
    a2.axhline(float(np.nanmean(radius)), color="k", ls="--", lw=1, label="mean bulk radius")
    a2.set(xscale="log", xlabel="training step", ylabel="|λ| of tracked outliers")
    a2.legend(fontsize=8)
    fig.suptitle(title or "spectra over training")
    return fig


def learning_trajectory(out: xr.Dataset, tag: str = "", *, title: str = ""):
    """Left: each network's weights across training on its top two principal components
    (start ○, end ●). Right: singular values of ``ΔW = W_T − W_0`` (the learned structure)."""
    snap = f"snapshot{tag}"
    pc = out[f"weight_pc{tag}"]
    ndims = [d for d in pc.dims if d not in (snap, "pc")]
    cells = list(np.ndindex(*[pc.sizes[d] for d in ndims]))
    cols = seed_colors(len(cells))
    fig, (a1, a2) = figure(1, 2, figsize=(11.5, 4.8))
    sv = out[f"dW_singular_values{tag}"]
    for c, idx in zip(cols, cells, strict=True):
        sel = dict(zip(ndims, idx, strict=True))
        p = pc.isel(sel).values
        a1.plot(p[:, 0], p[:, 1], "-", color=c, lw=1.3)
        a1.plot(p[0, 0], p[0, 1], "o", mfc="white", mec=c)
        a1.plot(p[-1, 0], p[-1, 1], "o", color=c)
        s = sv.isel(sel).values
        a2.semilogy(np.arange(1, len(s) + 1), s, "o-", color=c)
    ev = out[f"weight_pc_explained{tag}"].isel(_first_network(out[f"weight_pc_explained{tag}"], ("pc",))).values
    a1.set(xlabel=f"weight PC1 ({ev[0]:.0%}, first network)", ylabel=f"weight PC2 ({ev[1]:.0%})")
    a2.set(xlabel="k", ylabel="singular value $s_k$ of ΔW")
    a2.set_xticks(np.arange(1, sv.sizes["sv"] + 1))
    fig.suptitle(title or "learning trajectory")
    return fig


def fixed_points_3d(ds: xr.Dataset, *, network: dict | None = None, title: str = "", trials: int = 16):
    """Fixed and slow points over the top-3 PCA of test trajectories for one network: stable fixed
    points filled, unstable ones open with their unstable direction drawn, slow points small;
    one colour per input condition."""
    import matplotlib.pyplot as plt

    from ._style import STYLE

    network = network or {d: 0 for d in ds["fp_pc"].dims if d not in ("condition", "fp", "pc")}
    sub = ds.isel(network)
    with plt.rc_context(STYLE):
        fig = plt.figure(figsize=(7.5, 6.5))
        ax = fig.add_subplot(projection="3d")
    traj = sub["activity_pc"].values
    for k in range(min(trials, traj.shape[0])):
        ax.plot(*traj[k].T, color="0.7", lw=0.6, alpha=0.8)
    cmap = plt.get_cmap("tab10")
    span = np.nanmax(np.abs(traj)) if np.isfinite(traj).any() else 1.0
    for j, cond in enumerate(ds["condition"].values):
        c = cmap(j)
        pc = sub["fp_pc"].isel(condition=j).values
        fixed = sub["fp_fixed"].isel(condition=j).values
        stable = sub["fp_stable"].isel(condition=j).values
        direc = sub["fp_direction_pc"].isel(condition=j).values
        ok = np.isfinite(pc).all(1)
        slow = ok & ~fixed
        if slow.any():
            ax.scatter(*pc[slow].T, s=8, color=c, alpha=0.5, label=f"{cond}: slow points ({int(slow.sum())})")
        st = ok & fixed & stable
        un = ok & fixed & ~stable
        if st.any():
            ax.scatter(*pc[st].T, s=70, color=c, edgecolor="k", label=f"{cond}: stable ({int(st.sum())})")
        if un.any():
            ax.scatter(*pc[un].T, s=70, facecolor="white", edgecolor=c, linewidth=2,
                       label=f"{cond}: unstable ({int(un.sum())})")
            for p, d in zip(pc[un], direc[un], strict=True):
                seg = np.stack([p - 0.15 * span * d, p + 0.15 * span * d])
                ax.plot(*seg.T, color=c, lw=1.5)
    ev = sub["pc_explained"].values
    ax.set_xlabel(f"PC1 ({ev[0]:.0%})")
    ax.set_ylabel(f"PC2 ({ev[1]:.0%})")
    ax.set_zlabel(f"PC3 ({ev[2]:.0%})")
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(title, fontsize=11)
    return fig
