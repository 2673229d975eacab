# %% [markdown]
# # Closed vs open loop: three stages of a rank-one controller
#
# Ger & Barak (NeurIPS 2025, arXiv 2505.13567) train a recurrent network to *control* a double
# integrator: the network's output moves the plant, whose state is the network's next input.
# Trained in this closed loop, learning does not follow the supervised (open-loop) path. For a
# linear rank-one controller `W = g J + m nᵀ/N` the dynamics close on four overlaps, and the loss
# goes through three stages (paper):
#
# 1. **explosive** — the initial closed loop is unstable, the loss falls fast;
# 2. **oscillatory plateau** — the closed-loop eigenvalues form a complex pair near the unit
#    circle and the loss sits on a plateau;
# 3. **stabilised** — the pair moves inside, the loss drops to its floor.
#
# From the epoch `ep_of_stab` at which the closed loop becomes stable, learndyn predicts the rest
# of the curve by reduced theories on the overlaps (`peff_loss`: gradient descent on the
# effective-plant loss; `gram_loss`: the Gram-map reduction, identical to exact-loss descent of
# the full model). Here: 2 seeds, 400 epochs (about a minute on 2 CPU cores).

# %%
import tempfile
from pathlib import Path

import learndyn
import numpy as np

out = Path(tempfile.mkdtemp()) / "rank1"
spec = learndyn.resolve_spec("closed-loop-rank1", ["train.steps=400", "record.points=60"], seeds=2)
ds = learndyn.run(spec, out)
test = ds.test_loss.sel(loop="closed")
summary = learndyn.experiments.summary_dict(ds)
print("epoch of stabilisation per seed:", summary["metrics"]["ep_of_stab"])

# %% [markdown]
# The three stages in numbers: the test loss at epoch 0, on the plateau (the median between
# epoch 10 and the stabilisation) and at the end.

# %%
for seed in range(ds.sizes["seed"]):
    curve = test.isel(seed=seed)
    ep = int(ds.ep_of_stab.sel(loop="closed").isel(seed=seed))
    plateau = float(curve.sel(step=slice(10, ep)).median())
    print(f"seed {seed}: start {float(curve.isel(step=0)):.3g}, plateau {plateau:.3g}, "
          f"final {float(curve.isel(step=-1)):.3g} (stable from epoch {ep})")
    # Check: the loss leaves the plateau once the loop is stable — the final loss is ≥ 10× lower.
    assert ep > 0 and float(curve.isel(step=-1)) < plateau / 10

# %% [markdown]
# **Theory from `ep_of_stab`.** Started from the overlaps recorded at the stabilisation, the
# Gram-map reduction follows the full network's exact loss to the end (within 5 %); the plainer
# effective-plant descent (`peff_loss`) is shown beside it.

# %%
exact = ds.exact_loss.sel(loop="closed").isel(step=-1).values
gram = ds.gram_loss.isel(step=-1).values
peff = ds.peff_loss.isel(step=-1).values
print("final exact loss:", exact, "\nGram-map theory: ", gram, "\nP_eff theory:    ", peff)
assert np.all(np.abs(gram / exact - 1) < 0.05), gram / exact

# %%
from IPython.display import Image, display

for path in sorted((out / "figures").glob("*.png"))[:3]:
    print(path.name)
    display(Image(filename=str(path), width=640))
