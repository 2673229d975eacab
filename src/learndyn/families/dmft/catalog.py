"""The named experiments of this family (`learndyn list`)."""

from __future__ import annotations

from learndyn import Experiment

EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment(
        "dmft-random-network", "dmft-random",
        "random tanh network ẋ = −x + gJφ(x), g ∈ {0.5, 1.5, 2}: simulated Δ(τ) (N = 2000, 8 seeds) vs DMFT "
        "(Sompolinsky et al. 1988)",
        {"model": {"n": 2000, "g": 1.5}, "train": {"dt": 0.05, "steps": 12000, "burn": 2000, "units": 200,
                                                   "max_lag": 20.0},
         "seeds": 8, "grid": {"model.g": [0.5, 1.5, 2.0]}, "record": {"writes": 4, "snapshots": 0}},
    ),
    Experiment(
        "dmft-rank-one", "dmft-random",
        "rank one + random bulk ẋ = −x + (gJ + m nᵀ/N)φ(x), overlap σ_mn = 3, g ∈ {0.5, 1.5}: the latent κ = nᵀφ(x)/N "
        "of N = 2000 networks against the mean-field ±κ* (Mastrogiuseppe & Ostojic style)",
        {"model": {"n": 2000, "g": 0.5, "overlap": 3.0},
         "train": {"dt": 0.1, "steps": 1000, "burn": 0, "units": 20, "max_lag": 1.0},
         "seeds": 8, "grid": {"model.g": [0.5, 1.5]}, "record": {"writes": 2, "snapshots": 0}},
    ),
)
