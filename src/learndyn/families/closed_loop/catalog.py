"""The named experiments of this family (`learndyn list`)."""

from __future__ import annotations

from learndyn import Experiment
from learndyn.config import deep_merge

_NONLINEAR = {
    "plant": {"kind": "integrator", "init_range": 1.0},
    # the notebook's init (W = 0.1·N(0, 1/N), input and readout weights N(0, 0.01²)) with all three
    # matrices trained, as the reference code (docs/closed_loop.md, "Initialisation of the non-linear run")
    "model": {"kind": "leaky", "n": 100, "activation": "tanh", "g": 0.1, "in_init": "normal",
              "in_scale": 0.01, "out_init": "normal", "out_scale": 0.01},
    "train": {"mode": "closed_vs_open", "open_input": "white_noise", "optimizer": "sgd", "lr": 1e-2,
              "clip": 1.0, "steps": 1000, "batch": 100, "horizon": 50, "beta": 0.5, "train_input": True,
              "state_reduction": "sum", "test_batch": 10, "test_range": 1.0, "test_reduction": "sum"},
    "seeds": 5, "record": {"points": 1001},
}
_RANK1 = {
    "plant": {"kind": "integrator", "init_range": 2.0},
    "model": {"kind": "rank1", "n": 100, "activation": "linear", "g": 0.0},
    "train": {"mode": "closed", "optimizer": "sgd", "lr": 1e-2, "clip": 1.0, "steps": 1000, "batch": 100,
              "horizon": 50, "beta": 0.0, "state_reduction": "mean", "test_batch": 100, "test_range": 2.0,
              "test_reduction": "mean"},
    "seeds": 5, "record": {"points": 1001},
}

EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment(
        "closed-loop-nonlinear", "closed-loop",
        "tanh RNN controls a double integrator: closed-loop vs open-loop (teacher-student) learning, gain paths",
        _NONLINEAR,
    ),
    Experiment(
        "closed-loop-rank1", "closed-loop",
        "rank-1 linear controller: explosive → oscillatory plateau → stabilised; P_eff from ep_of_stab",
        _RANK1,
    ),
    Experiment(
        "closed-loop-rank1-adam", "closed-loop",
        "Adam ablation of closed-loop-rank1 (lr 1e-3, clip 1; no published counterpart)",
        deep_merge(_RANK1, {"train": {"optimizer": "adam", "lr": 1e-3}}),
    ),
    Experiment(
        "closed-loop-horizon", "closed-loop",
        "rank-1 run restarted at epoch 10 with episode lengths T ∈ {10…100}: short T pushes the pair up",
        deep_merge(_RANK1, {"train": {"restart_step": 10, "steps": 120}, "seeds": 1,
                            "grid": {"train.horizon": [10, 25, 50, 75, 100]}}),
    ),
    Experiment(
        "closed-loop-control-cost", "closed-loop",
        "rank-1 run restarted at epoch 130 with control cost β ∈ {0, 0.5, 2, 5}; full model and P_eff",
        deep_merge(_RANK1, {"train": {"restart_step": 130, "steps": 1130}, "seeds": 1,
                            "grid": {"train.beta": [0.0, 0.5, 2.0, 5.0]}}),
    ),
    Experiment(
        "tracking", "closed-loop",
        "linear RNN tracks a 4-frequency reference with a 2-D point mass: closed vs open, frequency acquisition",
        {"plant": {"kind": "tracking", "dt": 0.1, "bound": 10.0},
         "model": {"kind": "leaky", "n": 100, "activation": "linear", "dt": 0.1, "tau": 1.0, "g": 0.2,
                   "in_init": "uniform", "in_scale": 0.1, "out_init": "uniform", "out_scale": 0.1},
         "train": {"mode": "closed_vs_open", "open_input": "teacher_forcing", "optimizer": "adam", "lr": 1e-3,
                   "clip": 0.0, "steps": 5000, "batch": 100, "horizon": 300, "test_batch": 100},
         "seeds": 1, "record": {"points": 5001}},
    ),
    Experiment(
        "closed-loop-surrogate", "closed-loop-surrogate",
        "GD on the surrogate L_α over the four overlaps from the epoch-10 spectrum, α ∈ {0, .48, .52, .55, 1}",
        {"seeds": 1, "record": {"points": 301}, "grid": {"theory.alpha": [0.0, 0.48, 0.52, 0.55, 1.0]}},
    ),
)
