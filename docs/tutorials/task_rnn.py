# %% [markdown]
# # A task-trained RNN: fixed points and PCA
#
# The 3-bit flip-flop (Sussillo & Barak 2013): three input channels send occasional ±1 pulses;
# each output must hold the sign of its channel's last pulse. A network that solves it stores
# 2³ = 8 memories. Reverse-engineering it — the field's standard method — means finding the
# states where the dynamics stop (fixed points, `F(x) = x`) or nearly stop (slow points), and
# their stability: the 8 memories are stable fixed points, the boundaries between them saddles.
#
# learndyn trains the seeds in one compiled program, then runs the fixed-point finder (minimising
# the speed `q(x) = ½‖F(x) − x‖²` from states visited on test trials) and writes both into the
# result set. Here: N = 32 leaky tanh units, 2 seeds, 1000 Adam steps (about a minute and a half
# on 2 CPU cores).

# %%
import tempfile
from pathlib import Path

import learndyn
import numpy as np

out = Path(tempfile.mkdtemp()) / "flip-flop"
spec = learndyn.resolve_spec(
    "flip-flop",
    ["model.n=32", "task.batch=32", "train.lr=1e-2", "train.steps=1000", "fixed_points.inits=128",
     "record.points=20"],
    seeds=2,
)
ds = learndyn.run(spec, out)
print("final accuracy per seed:", ds.accuracy.isel(step=-1).values)

# %% [markdown]
# Each found point carries its speed `fp_q`, whether it is a true fixed point (`fp_fixed`,
# `q < 10⁻²⁰`) and whether it is stable (`fp_stable`, every eigenvalue of the Jacobian of the
# update inside the unit circle). Reading a stable point out through the trained readout gives
# the memory it stores: a sign pattern of the three outputs.

# %%
for seed in range(ds.sizes["seed"]):
    sub = ds.isel(seed=seed, condition=0)
    found = np.isfinite(sub.fp_q.values)
    fixed, stable = sub.fp_fixed.values & found, sub.fp_stable.values & found
    readout = sub.param_w_out.values @ np.tanh(sub.fp_x.values[stable].T) + sub.param_b_out.values[:, None]
    patterns = {tuple(p) for p in np.sign(readout.T).astype(int)}
    print(f"seed {seed}: {int((fixed & stable).sum())} stable fixed points, "
          f"{int((fixed & ~stable).sum())} saddles, {len(patterns)} memories read out")
    # Check: the network solves the task and stores all 8 memories in stable states.
    assert float(sub.accuracy.isel(step=-1)) >= 0.95 and len(patterns) == 8

# %% [markdown]
# ## The learning trajectory in PCA space, and the analysis of any saved run
#
# `learndyn.analyze` works on any run directory that stored weight snapshots, whichever family
# made it: spectra of the recurrent matrix over training, PCA of the learning trajectory and of
# the network's states, and fixed points again. `weight_pc1_explained` is the fraction of the
# weight trajectory's variance along its first principal component: learning here moves the
# weights mostly along one direction, although the total weight change `ΔW` has an effective
# rank (participation ratio) of about five.

# %%
analysis, figures, summary = learndyn.analyze(out, ["spectra", "pca"])
print(sorted(p.name for p in figures))
for key in ("bulk_radius", "final_outliers", "weight_pc1_explained", "dW_participation_ratio"):
    print(f"{key}: {np.round(summary[key], 3)}")

# %%
from IPython.display import Image, display

display(Image(filename=str(out / "figures" / "fixed_points.png"), width=640))
for path in figures:
    display(Image(filename=str(path), width=640))
