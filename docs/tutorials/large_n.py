# %% [markdown]
# # Large-N theory: a random network against its mean-field theory
#
# A random rate network `ẋ = −x + J φ(x)`, `J_ij ~ N(0, g²/N)`, `φ = tanh`, is silent for
# `g < 1` and chaotic for `g > 1` (Sompolinsky, Crisanti & Sommers 1988). As N → ∞ every unit
# sees the others as a Gaussian process, and the population autocorrelation
# `Δ(τ) = ⟨x_i(t) x_i(t+τ)⟩` obeys a closed equation — the dynamical mean-field theory (DMFT):
# `Δ̈ = Δ − g² C_φ(Δ, Δ₀)`, a particle in a potential whose energy conservation fixes `Δ₀`.
#
# `dmft-random-network` simulates networks at g ∈ {0.5, 1.5, 2} and solves the DMFT on the same
# lags; both land in one result set. Here N = 300, 2 seeds (under a minute on 2 CPU cores).

# %%
import tempfile
from pathlib import Path

import learndyn
import numpy as np

out = Path(tempfile.mkdtemp()) / "dmft"
spec = learndyn.resolve_spec("dmft-random-network",
                             ["model.n=300", "train.dt=0.1", "train.steps=1200", "train.burn=200"], seeds=2)
ds = learndyn.run(spec, out)
print("g values:", ds.g.values)

# %% [markdown]
# **Check.** At g = 0.5 the network decays to rest (variance ≤ 10⁻⁶). At g = 1.5 and 2 the
# seed-mean autocorrelation at lags 0 and 2 is within 10 % of the DMFT — at N = 300, finite-size
# corrections are of order 1/√N.

# %%
assert float(abs(ds.variance.sel(g=0.5)).max()) < 1e-6
for g in (1.5, 2.0):
    sim = ds.autocorrelation.sel(g=g).mean("seed")
    theory = ds.autocorrelation_theory.sel(g=g)
    for tau in (0.0, 2.0):
        i = int(np.argmin(np.abs(ds.tau.values - tau)))
        ratio = float(sim[i]) / float(theory[i])
        print(f"g = {g}: Δ({tau:g}) simulated / DMFT = {ratio:.3f}")
        assert abs(ratio - 1) < 0.10

# %%
from IPython.display import Image, display

display(Image(filename=str(out / "figures" / "autocorrelation.png"), width=640))

# %% [markdown]
# ## An outlier of a low-rank perturbation
#
# The same large-N reasoning gives the spectrum of a random matrix plus a rank-one part,
# `σJ + θ u vᵀ`: the bulk fills a disc of radius σ, and one outlier sits at `θ u·v` when
# `|θ u·v| > σ` (none otherwise). This is the object that escapes the bulk when a network
# learns to integrate (see the first tutorial).

# %%
from learndyn.theory import dmft

n, rng = 1000, np.random.default_rng(0)
u = rng.normal(size=n) / np.sqrt(n)
v = u + 0.5 * rng.normal(size=n) / np.sqrt(n)
sigma, theta = 0.6, 1.2 / float(u @ v)
eig = np.linalg.eigvals(sigma * rng.normal(size=(n, n)) / np.sqrt(n) + theta * np.outer(u, v))
predicted = dmft.rank_one_outlier(theta, u, v, sigma)
print(f"largest real part {np.max(eig.real):.3f}, predicted outlier {predicted:.3f}")
assert abs(np.max(eig.real) - predicted) < 0.05
