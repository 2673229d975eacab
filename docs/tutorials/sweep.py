# %% [markdown]
# # A sweep: one labelled result set over a grid
#
# A study is a sweep — seeds × learning rates × sizes. `learndyn sweep` (and
# `learndyn.sweep.sweep` in Python) plans it: keys that only change numbers (`train.lr`,
# `model.sigma`, …) are trained together by *one* compiled program per chunk (vmapped over grid
# points × seeds); keys that change shapes (`model.n`, `train.steps`, …) become separate chunks.
# Chunks run on Dask (a local cluster by default, a Slurm cluster through dask-jobqueue, or
# serially), are checkpointed, resumable, and combined into one `xarray` dataset with one
# dimension per grid key.
#
# From the command line the same sweep is
#
# ```bash
# learndyn sweep integrate-leaky --grid train.lr=0.012,0.024 --grid model.n=20,40 --seeds 2 \
#     --set train.steps=1500 --out runs/sweep
# ```
#
# Here it runs in this process (`scheduler="serial"`), about a minute on 2 CPU cores.

# %%
import tempfile
from pathlib import Path

import learndyn
import numpy as np
from learndyn.sweep import sweep

out = Path(tempfile.mkdtemp()) / "sweep"
spec = learndyn.resolve_spec("integrate-leaky", ["train.steps=1500", "record.points=40", "record.snapshots=0",
                                                 "record.spectra=false"], seeds=2)
ds = sweep(spec, {"train.lr": [0.012, 0.024], "model.n": [20, 40]}, out, scheduler="serial")
print(dict(ds.sizes))
print("point status:\n", ds.point_status.values)

# %% [markdown]
# The grid keys are coordinates named by their last component (`n`), or by the whole key where
# that name is taken — here `lr` is already a per-network variable, so the rate's dimension is
# `train.lr`: a point is `ds.sel({"train.lr": 0.024, "n": 40})`.
#
# **Gradient-flow time.** For small enough rates gradient descent follows gradient flow, whose
# clock is `τ = lr × step`: doubling the rate halves the number of steps to any loss level. Here
# the time at which the seed-mean loss first falls below half its start is measured in τ for
# both rates and both sizes; the rates agree to 10 %.
#
# (The τ axis is stored too: `ds.tau`.)

# %%
def half_time(curve, tau):
    below = np.nonzero(curve <= 0.5 * curve[0])[0]
    return float(tau[below[0]]) if below.size else np.nan

for n in ds.n.values:
    times = []
    rates = ds["train.lr"].values
    for lr in rates:
        point = ds.sel({"train.lr": lr, "n": n})
        tau = point.step.values * lr
        times.append(half_time(point.loss.mean("seed").values, tau))
    print(f"N = {n}: loss halves at τ = {times[0]:.2f} (lr {rates[0]}) and {times[1]:.2f} (lr {rates[1]})")
    assert np.isfinite(times).all() and abs(times[0] / times[1] - 1) < 0.10

# %%
from IPython.display import Image, display

for path in sorted((out / "figures").glob("*.png")):
    print(path.name)
    display(Image(filename=str(path), width=640))
