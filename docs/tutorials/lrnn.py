# %% [markdown]
# # Linear-RNN modes and the phase transition
#
# Proca, Dominé, Shanahan & Mediano (ICML 2025) show that gradient descent in a linear RNN
# `h_{t+1} = W_h h_t + W_x x_t`, `ŷ = W_y h_{T+1}`, started *aligned* with the task's singular
# vectors, decouples into independent modes. Mode α is described by three scalars — an input
# strength `a`, a recurrent eigenvalue `b` and an output strength `c` — and follows its own ODE
# in the task's singular value `s_t` at each lag: the product `ac` learns the strength `δ` and
# `b` learns the temporal parameter `λ` (paper). Larger and later singular values are learned
# first.
#
# learndyn trains the full matrices and integrates the mode ODEs on the same configuration
# (`lrnn-modes`), so the two can be compared point by point.

# %%
import tempfile
from pathlib import Path

import learndyn
import numpy as np

spec = learndyn.resolve_spec("lrnn-modes", ["train.steps=6000", "record.points=31"], seeds=1)
print("modes:", spec.task.n, "| dynamics:", spec.task.dynamics, "| λ:", spec.task.lam, "| δ:", spec.task.delta)
ds = learndyn.run(spec, Path(tempfile.mkdtemp()) / "modes")

# %% [markdown]
# `b` and `ac` are read back from the trained matrices; `b_theory` and `ac_theory` are the mode
# ODEs integrated on the same grid of steps.

# %%
err_b = float(abs(ds.b - ds.b_theory).max())
err_ac = float(abs(ds.ac - ds.ac_theory).max())
print(f"largest |b − b_theory| = {err_b:.2e},  |ac − ac_theory| = {err_ac:.2e}")
print("off-diagonal coupling (stays zero when aligned):", float(ds.offdiag.max()))

# %% [markdown]
# **Check.** Over the whole run the full network and the mode ODEs agree to 5·10⁻³ in every
# mode, and the modes stay decoupled (off-diagonal coupling ≤ 10⁻¹⁰).

# %%
assert err_b <= 5e-3 and err_ac <= 5e-3, (err_b, err_ac)
assert float(ds.offdiag.max()) <= 1e-10

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(1, 2, figsize=(9, 3.2), constrained_layout=True)
steps = ds.step.values
for m in range(ds.sizes["mode"]):
    ax[0].plot(steps, ds.b.isel(seed=0, mode=m), lw=2, alpha=0.6, label=f"mode {m}")
    ax[0].plot(steps, ds.b_theory.isel(seed=0, mode=m), "k--", lw=1)
    ax[1].plot(steps, ds.ac.isel(seed=0, mode=m), lw=2, alpha=0.6)
    ax[1].plot(steps, ds.ac_theory.isel(seed=0, mode=m), "k--", lw=1)
ax[0].set(xlabel="step", ylabel="b (recurrent)", title="network (colour) vs mode ODE (dashed)")
ax[1].set(xlabel="step", ylabel="ac (input × output)")
ax[0].legend(fontsize=8)
plt.show()

# %% [markdown]
# ## The phase transition
#
# With a task whose correlation is the same at every lag but the last (`constant` dynamics, the
# last lag overwritten by κ), the learned solution jumps from *feed-forward* (`b = 0`, the
# output carries κ alone) to *recurrent* (`b ≈ 1`) as the strength δ grows (paper, §4.3).
# learndyn runs both sides of the jump as one grid.

# %%
phase = learndyn.resolve_spec("lrnn-phase-transition", ["record.points=5", "train.steps=20000"], seeds=1)
phase = phase.model_copy(update={"grid": {"task.delta": [0.0, 2.0], "task.kappa": [0.6]}})
pt = learndyn.run(phase)
last = pt.isel(step=-1, seed=0, mode=0, kappa=0)
print("δ = 0: b =", float(last.b.sel(delta=0.0)), " ac =", float(last.ac.sel(delta=0.0)))
print("δ = 2: b =", float(last.b.sel(delta=2.0)))
assert abs(float(last.b.sel(delta=0.0))) < 1e-3 and 0.9 < float(last.b.sel(delta=2.0)) < 1.2
