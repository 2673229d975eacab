"""The named experiments of this family (`learndyn list`)."""

from __future__ import annotations

from learndyn import Experiment

EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment(
        "integrate-leaky", "integrate",
        "linear RNN learns leaky integration e^{-c⋆s} of white noise: one outlier escapes the bulk",
        {"task": {"kind": "leaky", "c_star": 0.2}, "model": {"sigma": 0.2}},
    ),
    Experiment(
        "integrate-oscillator", "integrate",
        "damped-oscillator target e^{-c⋆s}cos(ω⋆s): a conjugate pair escapes to (1-c⋆) ± iω⋆",
        {"task": {"kind": "oscillator", "c_star": 0.2, "omega_star": 1.0}, "model": {"sigma": 0.2}},
    ),
    Experiment(
        "integrate-multiscale", "integrate",
        "two-timescale target: one-pole plateau, then a second outlier escapes (slow: 70000 steps)",
        {"task": {"kind": "multiscale", "timescales": [10.0, 2.0], "gains": [1.0, 1.0]},
         "model": {"sigma": 0.2}, "train": {"steps": 70000}},
    ),
    Experiment(
        "integrate-rich-lazy", "integrate",
        "σ sweep 0…0.9 at N=40: rank-one outlier learning (rich) vs bulk re-weighting (lazy)",
        {"task": {"kind": "leaky", "c_star": 0.2}, "model": {"n": 40},
         "grid": {"model.sigma": [0.0, 0.2, 0.4, 0.6, 0.8, 0.9]}},
    ),
    Experiment(
        "dmft-integrate-kernel", "integrate",
        "large-N kernel (lazy) theory of the integrate model vs simulation at N=1000, σ ∈ {0.3, 0.6, 0.9}",
        {"task": {"kind": "leaky", "c_star": 0.2}, "model": {"n": 1000, "antithetic": True},
         "train": {"lr": 0.01, "steps": 8}, "seeds": 16,
         "record": {"points": 9, "spacing": "linear", "spectra": False, "snapshots": 0},
         "grid": {"model.sigma": [0.3, 0.6, 0.9]}},
    ),
    Experiment(
        "dmft-integrate-whole-run", "integrate",
        "N → ∞ theory of the whole run (free Fock-space network) vs simulation at N=1000, σ ∈ {0.3, 0.6}",
        {"task": {"kind": "leaky", "c_star": 0.2}, "model": {"n": 1000, "antithetic": True},
         "train": {"steps": 40}, "seeds": 16,
         "record": {"points": 11, "spacing": "linear", "snapshots": 0},
         "large_n": {"words": 8, "alternations": 2},
         "grid": {"model.sigma": [0.3, 0.6]}},
    ),
)
