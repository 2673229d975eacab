# %% [markdown]
# # Grokking: memorisation, then Fourier features
#
# Tian (2025, arXiv 2509.21519) explains grokking of a two-layer network on group arithmetic
# (`a ∘ b` in a group of order M, here the cyclic group Z_M) in three stages: a *lazy* stage that
# memorises the training pairs; *independent feature learning*, in which each hidden unit climbs
# an energy `E(w)` whose local maxima are the group's irreducible representations — for Z_M the
# Fourier frequencies; and an *interactive* stage in which units spread over the frequencies.
# Weight decay is what pushes the network from the memorising solution to the Fourier one;
# without it, the network memorises (paper).
#
# The paper's setting is Z_71 with 2048 units (`learndyn run grokking`, a few minutes). This
# tutorial runs Z_23 with 512 units and 70 % of the pairs for training, both weight-decay arms
# in one grid (about a minute on 2 CPU cores).

# %%
import learndyn
import numpy as np

spec = learndyn.resolve_spec(
    "grokking",
    ["task.modulus=23", "task.train_fraction=0.7", "model.width=512", "train.steps=3000",
     "record.points=51", "train.diagnostics_every=250"],
    seeds=2,
)
print("grid:", spec.grid)
ds = learndyn.run(spec)
last = ds.isel(step=-1)
for wd in ds.weight_decay.values:
    arm = last.sel(weight_decay=wd)
    print(f"weight decay {wd:g}: train accuracy {arm.train_accuracy.values}, test accuracy "
          f"{arm.test_accuracy.values}, Fourier concentration {arm.fourier_concentration.values.round(3)}")

# %% [markdown]
# `fourier_concentration` is the fraction of the input weights' power in their top Fourier
# frequency, averaged over units: 1 for pure Fourier features, about 1/(number of frequencies)
# for unstructured weights.
#
# **Check.** With weight decay every seed generalises (test accuracy ≥ 0.99) and its units are
# Fourier features (concentration ≥ 0.95); without weight decay the network fits the training
# pairs but not the test pairs (test accuracy ≤ 0.5).

# %%
decay, none = last.sel(weight_decay=ds.weight_decay.values.max()), last.sel(weight_decay=0.0)
assert np.all(decay.test_accuracy.values >= 0.99) and np.all(decay.fourier_concentration.values >= 0.95)
assert np.all(none.train_accuracy.values >= 0.99) and np.all(none.test_accuracy.values <= 0.5)

# %% [markdown]
# ## The energy's maxima
#
# `grokking-energy` runs projected gradient ascent on the energy `E(w)` of one unit alone. On the
# dihedral group D_5 (order M = 10) its maxima are the irreducible representations: `E = M/4`
# for a real one-dimensional pair and `E = M/2` for the two-dimensional ones (paper, Theorem 2).

# %%
energy = learndyn.run(learndyn.resolve_spec(
    "grokking-energy", ["task.group='dihedral'", "task.modulus=5", "record.points=5"], seeds=4))
e = energy.energy.isel(step=-1).values
print("final energies of 4 starts:", e.round(4))
assert np.all(np.minimum(abs(e - 2.5), abs(e - 5.0)) <= 1e-3 * 2.5)
