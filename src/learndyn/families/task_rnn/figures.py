"""Figures of the task-trained RNN family: training curves, example trials, fixed points in PCA space."""

from __future__ import annotations

import numpy as np
import xarray as xr

from learndyn.plots import THEORY, figure, seed_colors


def _cells(ds: xr.Dataset):
    """``(label, selector)`` for every network (grid point × seed)."""
    gdims = [d for d in ds.attrs.get("grid_keys", {}) if d in ds.dims]
    shape = [ds.sizes[d] for d in gdims] + [ds.sizes["seed"]]
    for idx in np.ndindex(*shape):
        sel = dict(zip(gdims + ["seed"], idx, strict=True))
        label = ", ".join(f"{d}={ds[d].values[sel[d]]:g}" for d in gdims) + (", " if gdims else "") + f"seed {idx[-1]}"
        yield label, sel


def training_curves(ds: xr.Dataset, *, title: str = ""):
    """Test loss (log) and task accuracy against training step, one line per network; the ideal
    observer's accuracy (theory) dashed where defined."""
    fig, (a1, a2) = figure(1, 2, figsize=(11, 4))
    cells = list(_cells(ds))
    colors = seed_colors(len(cells))
    steps = ds["step"].values
    x = np.maximum(steps, 1)
    for (label, sel), c in zip(cells, colors, strict=True):
        a1.plot(x, ds["loss"].isel(sel).values, color=c, label=label)
        a2.plot(x, ds["accuracy"].isel(sel).values, color=c)
    if "ideal_accuracy" in ds:
        a2.axhline(float(ds["ideal_accuracy"]), color=THEORY, ls="--", label="ideal observer (theory)")
        if "ideal_accuracy_test" in ds:
            a2.axhline(float(ds["ideal_accuracy_test"]), color=THEORY, ls=":",
                       label="ideal observer on the test trials")
        a2.legend(loc="lower right")
    a1.set(xscale="log", yscale="log", xlabel="training step", ylabel="test loss (masked MSE)")
    a2.set(xscale="log", xlabel="training step", ylabel="task accuracy", ylim=(0.4, 1.01))
    if len(cells) <= 8:
        a1.legend(fontsize=8)
    fig.suptitle(title)
    return fig


def example_trials(ds: xr.Dataset, *, n: int = 3, title: str = ""):
    """Inputs (top) and target vs output of the first network (bottom) for ``n`` test trials."""
    n = min(n, ds.sizes["trial"])
    fig, axes = figure(2, n, figsize=(4.2 * n, 5.5), sharex=True, squeeze=False)
    first = {d: 0 for d in ds["example_output"].dims if d not in ("trial", "time", "out")}
    out = ds["example_output"].isel(first)
    t = ds["time"].values
    for k in range(n):
        top, bot = axes[0, k], axes[1, k]
        inp = ds["example_input"].isel(trial=k).values
        for ch in range(inp.shape[1]):
            top.plot(t, inp[:, ch], lw=1, label=f"in {ch}")
        tgt = ds["example_target"].isel(trial=k).values
        y = out.isel(trial=k).values
        resp = ds["example_response"].isel(trial=k).values
        for o in range(tgt.shape[1]):
            line, = bot.plot(t, y[:, o], lw=1.5, label=f"output {o}")
            bot.plot(t, np.where(resp[:, o] > 0, tgt[:, o], np.nan), color=line.get_color(), ls="--", lw=2.5,
                     alpha=0.6, label=f"target {o} (scored)")
        top.set_title(f"trial {k}")
        bot.set_xlabel("time step")
    axes[0, 0].set_ylabel("input")
    axes[1, 0].set_ylabel("output")
    axes[0, -1].legend(fontsize=7, loc="upper right")
    axes[1, -1].legend(fontsize=7, loc="lower right")
    fig.suptitle(title)
    return fig


def task_gallery(batches: dict, *, dt: dict | None = None):
    """One trial of each task: inputs (thin) and targets (thick; dotted where not scored)."""
    n = len(batches)
    fig, axes = figure(2, n, figsize=(3.6 * n, 5.2), squeeze=False, sharex="col")
    for k, (name, b) in enumerate(batches.items()):
        inp, tgt, resp = (np.asarray(a)[0] for a in (b.inputs, b.targets, b.response))
        t = np.arange(inp.shape[0]) * (dt or {}).get(name, 1.0)
        for ch in range(inp.shape[1]):
            axes[0, k].plot(t, inp[:, ch], lw=1, label=f"in {ch}")
        for o in range(tgt.shape[1]):
            line, = axes[1, k].plot(t, np.where(resp[:, o] > 0, tgt[:, o], np.nan), lw=2.5)
            axes[1, k].plot(t, tgt[:, o], ls=":", color=line.get_color(), lw=1.5)
        axes[0, k].set_title(name)
        axes[1, k].set_xlabel("time (ms)" if dt else "time step")
        axes[0, k].legend(fontsize=7, loc="upper right")
    axes[0, 0].set_ylabel("inputs")
    axes[1, 0].set_ylabel("target (solid: scored)")
    return fig


def phase_portrait(velocity, *, xlim, ylim, points=None, stable=None, trajectories=None, n: int = 41,
                   labels=("κ₁", "κ₂"), title: str = ""):
    """Phase portrait of a 2-D system ``κ̇ = velocity(κ)`` (``velocity`` maps ``(m, 2) → (m, 2)``):
    stream lines coloured by speed, nullclines, fixed points (stable filled, unstable open) and
    optional trajectories ``(k, T, 2)``."""
    fig, ax = figure(figsize=(6.2, 5.6))
    gx, gy = np.meshgrid(np.linspace(*xlim, n), np.linspace(*ylim, n))
    v = np.asarray(velocity(np.stack([gx.ravel(), gy.ravel()], 1))).reshape(n, n, 2)
    speed = np.hypot(v[..., 0], v[..., 1])
    ax.streamplot(gx, gy, v[..., 0], v[..., 1], color=np.log10(speed + 1e-12), cmap="Greys", density=1.3,
                  linewidth=0.8, arrowsize=0.8)
    ax.contour(gx, gy, v[..., 0], levels=[0], colors="tab:blue", linewidths=1, alpha=0.7)
    ax.contour(gx, gy, v[..., 1], levels=[0], colors="tab:orange", linewidths=1, alpha=0.7)
    ax.plot([], [], color="tab:blue", label=f"{labels[0]}-nullcline")
    ax.plot([], [], color="tab:orange", label=f"{labels[1]}-nullcline")
    if trajectories is not None:
        for tr in trajectories:
            ax.plot(tr[:, 0], tr[:, 1], color="tab:green", lw=1, alpha=0.6)
    if points is not None and len(points):
        points = np.asarray(points)
        st = np.asarray(stable, bool)
        ax.scatter(*points[st].T, s=80, color="k", zorder=5, label=f"stable ({int(st.sum())})")
        ax.scatter(*points[~st].T, s=80, facecolor="white", edgecolor="k", linewidth=2, zorder=5,
                   label=f"unstable ({int((~st).sum())})")
    ax.set(xlim=xlim, ylim=ylim, xlabel=labels[0], ylabel=labels[1], title=title)
    ax.legend(fontsize=8, loc="upper right")
    return fig


def mean_field_portrait(systems: dict, *, span: float, rank: int, title: str = "", band: list | None = None):
    """The trained network's latent dynamics beside the mean-field ones of its fitted loadings.

    ``systems``: ``{name: (velocity, κ of its fixed points (k, R), stable (k,))}`` — the network first
    (its velocity on the plane ``x = Mκ + v₀``; its points found by the fixed-point finder), then each
    mean-field fit. Rank 1: ``κ̇(κ)`` curves on one axis; rank 2: one stream plot per system, with the
    network's fixed points (black) drawn on every panel for comparison. ``band``: latent velocities of
    networks of the trained units resampled with replacement (rank 1: their 10–90 % range is shaded,
    how much N fresh units of the same population move the dynamics)."""
    names = list(systems)
    net_k, net_s = systems[names[0]][1], np.asarray(systems[names[0]][2], bool)
    if rank == 1:
        fig, ax = figure(figsize=(7, 4.4))
        grid = np.linspace(-span, span, 401)[:, None]
        if band:
            curves = np.stack([np.asarray(v(grid))[:, 0] for v in band])
            ax.fill_between(grid[:, 0], *np.quantile(curves, [0.1, 0.9], axis=0), color="0.85", lw=0,
                            label=f"network's units resampled ({len(band)} draws, 10–90 %)")
        for (name, (vel, k, st)), c in zip(systems.items(), ["k", "tab:red", "tab:blue", "tab:green"], strict=False):
            ax.plot(grid[:, 0], np.asarray(vel(grid))[:, 0], color=c, lw=1.6 if c == "k" else 1.2,
                    ls="-" if c == "k" else "--", label=name)
            st = np.asarray(st, bool)
            ax.scatter(np.asarray(k)[st, 0], np.zeros(st.sum()), s=70, color=c, zorder=5)
            ax.scatter(np.asarray(k)[~st, 0], np.zeros((~st).sum()), s=70, facecolor="white", edgecolor=c,
                       linewidth=2, zorder=5)
        ax.axhline(0, color="0.6", lw=0.8)
        ax.set(xlim=(-span, span), xlabel="κ", ylabel="τ κ̇", title=title or "latent dynamics (filled: stable)")
        ax.legend(fontsize=8)
        return fig
    fig, axes = figure(1, len(names), figsize=(5.2 * len(names), 5))
    n = 31
    gx, gy = np.meshgrid(np.linspace(-span, span, n), np.linspace(-span, span, n))
    pts = np.stack([gx.ravel(), gy.ravel()], 1)
    for ax, (name, (vel, k, st)) in zip(np.atleast_1d(axes), systems.items(), strict=True):
        v = np.asarray(vel(pts)).reshape(n, n, 2)
        speed = np.hypot(v[..., 0], v[..., 1])
        ax.streamplot(gx, gy, v[..., 0], v[..., 1], color=np.log10(speed + 1e-12), cmap="Greys", density=1.1,
                      linewidth=0.7, arrowsize=0.7)
        k, st = np.asarray(k).reshape(-1, 2), np.asarray(st, bool)
        ax.scatter(*k[st].T, s=90, color="tab:red", zorder=5, label="stable")
        ax.scatter(*k[~st].T, s=90, facecolor="white", edgecolor="tab:red", linewidth=2, zorder=5, label="unstable")
        if name != names[0]:
            ax.scatter(*net_k[net_s].T, s=25, marker="x", color="k", zorder=6, label="trained network's")
            ax.scatter(*net_k[~net_s].T, s=25, marker="+", color="k", zorder=6)
        ax.set(xlim=(-span, span), ylim=(-span, span), xlabel="κ₁", ylabel="κ₂", title=name)
        ax.legend(fontsize=7, loc="upper right")
    fig.suptitle(title, y=1.06)  # above the panel titles (figures are saved with a tight bounding box)
    return fig
