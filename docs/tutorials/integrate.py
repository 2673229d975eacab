# %% [markdown]
# # Learning to integrate: an outlier leaves the bulk; rich vs lazy
#
# A linear recurrent network `dh/dt = -h + W h + u x(t)`, read out by `y = v·h`, is trained to
# turn white noise `x(t)` into a leaky integral of it, the filter `f⋆(s) = e^{-c⋆ s}`
# (Bordelon, Cotler, Pehlevan & Zavatone-Veth 2025, arXiv 2503.18754; learndyn's `integrate`
# family is a *reconstruction* of that work — see its page for which statement comes from where).
#
# At initialisation the eigenvalues of `W = σJ` fill a disc of radius σ (the random "bulk").
# Learning builds a rank-one structure whose eigenvalue escapes the bulk and settles at `1 - c⋆`,
# where the network's own decay rate `1 - λ` equals the target's. With a small bulk (σ → 0) the
# whole curve is predicted by a two-neuron reduction; at σ > 0 the kernel (lazy) theory predicts
# the early phase.
#
# This tutorial runs a small version (N = 40, 2 seeds) in about a minute on two CPU cores.

# %%
import tempfile
from pathlib import Path

import learndyn
import numpy as np

out = Path(tempfile.mkdtemp()) / "integrate"  # a run directory (here a temporary one)

spec = learndyn.resolve_spec(
    "integrate-leaky",
    ["model.n=40", "model.sigma=0.2", "train.steps=1500", "record.points=40", "record.snapshots=4"],
    seeds=2,
)
print(spec.task.kind, "target, c⋆ =", spec.task.c_star, "| N =", spec.model.n, "| σ =", spec.model.sigma)
ds = learndyn.run(spec, out)

# %% [markdown]
# The result is one `xarray.Dataset`: the simulated loss `loss` per seed and the theory
# `loss_theory` (the two-neuron reduction) share the `step` axis; `learned` is the eigenvalue
# the network has learned (followed by continuity from the largest outlier).

# %%
final = ds.isel(step=-1)
print("initial loss (theory L0 = ½∫f⋆² = 1/(2c⋆)):", float(ds.initial_loss_theory))
print("final loss per seed:", final.loss.values)
print("learned eigenvalue per seed:", final.learned.isel(mode=0).values.real, "target:", 1 - spec.task.c_star)

# %% [markdown]
# **Check.** The learned eigenvalue ends within 0.05 of `1 - c⋆ = 0.8` in every seed, and the
# loss has fallen by more than 90 %. (At σ = 0.2 the bulk is small: the rank-one picture holds.)

# %%
learned = final.learned.isel(mode=0).values.real
assert np.all(np.abs(learned - (1 - spec.task.c_star)) < 0.05), learned
assert np.all(final.loss.values < 0.1 * float(ds.initial_loss_theory)), final.loss.values

# %% [markdown]
# ## The figures
#
# Every run writes its figures to `runs/.../figures/` and a report `runs/.../report.html`. The
# loss figure overlays the seeds on the theory; the spectrum figure shows the bulk at
# initialisation and the outlier at the end.

# %%
from IPython.display import Image, display

for name in ("loss.png", "spectrum.png"):
    path = out / "figures" / name
    if path.exists():
        display(Image(filename=str(path), width=640))
print(sorted(p.name for p in (out / "figures").glob("*.png")))

# %% [markdown]
# ## Rich vs lazy
#
# How the network learns depends on the size σ of its random bulk. With σ = 0 it learns *richly*:
# the weight change ΔW is rank one and builds the outlier. With a large bulk (σ = 0.9, an
# eigenvalue disc already reaching near 1) it learns *lazily*: the bulk is re-weighted, ΔW is
# small compared with W0 and spread over many directions, and no eigenvalue leaves the disc
# (`integrate-rich-lazy` sweeps σ from 0 to 0.9). Both end at low loss.

# %%
sweep = learndyn.resolve_spec("integrate-rich-lazy", ["train.steps=1500", "record.points=30", "record.snapshots=0"],
                              seeds=2)
sweep = sweep.model_copy(update={"grid": {"model.sigma": [0.0, 0.9]}})
rl = learndyn.run(sweep).isel(step=-1)
for sigma in rl.sigma.values:
    point = rl.sel(sigma=sigma)
    sv = point.dW_sv.values  # singular values of ΔW per seed, largest first
    print(f"σ = {sigma}: outliers {point.n_outliers.values}, top/second singular value of ΔW "
          f"{(sv[:, 0] / sv[:, 1]).round(1)}, ‖ΔW‖/‖W0‖ {point.dW_rel.values.round(3)}, loss {point.loss.values}")

# %% [markdown]
# **Check.** At σ = 0 every seed ends with one outlier and a ΔW dominated by one direction
# (top singular value ≥ 10× the second); at σ = 0.9 no outlier, ΔW spread (ratio ≤ 6) and below
# 10 % of ‖W0‖.

# %%
rich, lazy = rl.sel(sigma=0.0), rl.sel(sigma=0.9)
assert np.all(rich.n_outliers.values == 1) and np.all(lazy.n_outliers.values == 0)
assert np.all(rich.dW_sv.values[:, 0] >= 10 * rich.dW_sv.values[:, 1])
assert np.all(lazy.dW_sv.values[:, 0] <= 6 * lazy.dW_sv.values[:, 1]) and np.all(lazy.dW_rel.values < 0.1)
