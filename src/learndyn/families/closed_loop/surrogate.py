r"""``closed-loop-surrogate``: clipped gradient descent on ``L_α`` over the four overlaps (Fig. 4d).

Networks are the grid points (e.g. ``theory.alpha``), each a 4-vector ``(σ_zm, σ_zu, σ_vm, σ_vu)``
started from the overlaps whose cubic has the published epoch-10 spectrum (§4.5, §7 item 5).
Trained by the one trainer (SGD, lr 1e-3, clip 1, 300 steps); the dominant root is followed by
continuity (Ger & Barak 2025; docs/closed_loop.md; **reference code** loss, **learndyn formulation** start).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import xarray as xr

import learndyn
from learndyn.family import grid_labels
from learndyn.config import grid_dims, grid_points, spec_at
from learndyn.theory import closed_loop as theory
from learndyn.training import Problem, gradient_engine, recorded_steps

from .schema import SurrogateSpec
from .report_text import SURROGATE_LABEL as LABEL




Built = learndyn.Built


def start_overlaps(t) -> np.ndarray:
    """The start ``(σ_zm, σ_zu, σ_vm, σ_vu)`` from the configured spectrum and ``σ_zu``."""
    return theory.overlaps_at_spectrum(complex(t.lambda1_re, t.lambda1_im), t.lambda3, t.s_zu)


def build(spec: SurrogateSpec, *, record_steps=None, phase: str = "main", previous=None) -> Built:
    points = grid_points(spec)
    specs = [spec_at(spec, p) for p in points]
    alphas = jnp.asarray([s.theory.alpha for s in specs], float)
    x0 = jnp.asarray(np.stack([start_overlaps(s.theory) for s in specs]))
    exponent = spec.theory.exponent

    problem = Problem(params=x0, data=alphas, lr=jnp.asarray([s.train.lr for s in specs], float),
                      keys=jr.split(jr.key(spec.seed), len(specs)),
                      engine=gradient_engine(lambda x, alpha, key: theory.surrogate_loss(x, alpha, exponent)),
                      optimizer=spec.train.optimizer, clip=spec.train.clip if spec.train.clip > 0 else None)
    steps = record_steps or recorded_steps(spec.train.steps, spec.record)
    built = Built(spec, phase, problem, list(steps), *grid_labels(spec, {"seed", "step", "ov"}))
    loss = jax.jit(jax.vmap(lambda x, a: theory.surrogate_loss(x, a, exponent)))
    built.observe = lambda st: {"overlaps": np.asarray(st.params), "loss": np.asarray(loss(st.params, alphas))}
    return built


def to_dataset(phases) -> xr.Dataset:
    res = phases[-1]
    built = res.built
    steps = np.asarray(built.record_steps[: len(res.records)])
    gshape = tuple(len(v) for v in built.grid_values.values())
    gdims = tuple(built.grid_dims)
    data: dict[str, Any] = {}
    if res.records:
        ov = np.stack([r["overlaps"] for r in res.records], axis=1)  # (net, step, 4)
        loss = np.stack([r["loss"] for r in res.records], axis=1)
        dom = np.stack([theory.dominant_root_path(ov[i]) for i in range(ov.shape[0])])
        data["overlaps"] = (gdims + ("step", "ov"), ov.reshape(gshape + ov.shape[1:]))
        data["surrogate_loss"] = (gdims + ("step",), loss.reshape(gshape + loss.shape[1:]))
        data["dominant"] = (gdims + ("step",), dom.reshape(gshape + dom.shape[1:]))
    coords = {"step": steps, "ov": ["s_zm", "s_zu", "s_vm", "s_vu"],
              **{d: np.asarray(v, float) for d, v in built.grid_values.items()}}
    ds = xr.Dataset(data, coords=coords)
    ds["diverged"] = (gdims + ("seed",), np.asarray(res.state.diverged).reshape(gshape + (1,)))
    ds = ds.assign_coords(seed=[0])
    ds.attrs.update(source="theory", label=LABEL, grid_keys=dict(built.grid_dims))
    return ds


def theory_dataset(spec, phases, sim) -> xr.Dataset:
    return xr.Dataset()


def entry_step(ds: xr.Dataset) -> np.ndarray:
    """First recorded step with ``|λ_dominant| < 1`` per grid point (−1 if never)."""
    inside = np.abs(ds["dominant"].values) < 1
    return np.where(inside.any(-1), ds["step"].values[np.argmax(inside, -1)], -1)


def summarize(ds: xr.Dataset) -> dict[str, Any]:
    if "dominant" not in ds:
        return {"status": [], "metrics": {}, "theory": {}}
    enter = entry_step(ds)
    last = ds["dominant"].values[..., -1]
    return {"status": [["ok"]] * int(np.prod(enter.shape)),
            "metrics": {"entry_step": np.where(enter < 0, None, enter).tolist(),
                        "final_dominant": np.vectorize(complex, otypes=[object])(last).tolist()},
            "theory": {}}


def headline_rows(ds: xr.Dataset):
    gdims = list(ds.attrs.get("grid_keys", {}))
    cols = gdims + ["steps", "enters unit circle at", "final dominant root", "|λ|"]
    rows = []
    if "dominant" not in ds:
        return cols, rows
    enter = entry_step(ds)
    for idx in np.ndindex(*enter.shape):
        z = complex(ds["dominant"].values[idx][-1])
        rows.append([f"{ds[d].values[idx[i]]:g}" for i, d in enumerate(gdims)]
                    + [str(int(ds["step"].values[-1])), "never" if enter[idx] < 0 else str(int(enter[idx])),
                       f"{z.real:.4f}{z.imag:+.4f}i", f"{abs(z):.4f}"])
    return cols, rows


def figures(ds: xr.Dataset, outdir) -> list:
    from . import figures as cl_plots
    from learndyn.plots import save_figure

    if "dominant" not in ds:
        return []
    return [save_figure(cl_plots.surrogate_paths(ds, title=LABEL), Path(outdir) / "surrogate.png")]
