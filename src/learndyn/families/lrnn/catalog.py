"""The named experiments of this family (`learndyn list`)."""

from __future__ import annotations

from learndyn import Experiment
from learndyn.config import deep_merge

_MODES = {"task": {"kind": "correlation", "n": 4, "length": 5, "dynamics": "inverse_exponential",
                   "delta": [1.0, 0.8, 0.6, 0.4], "lam": [0.9, 0.7, 0.5, 1.0], "samples": 400},
          "model": {"init": "aligned", "init_scale": 0.1},
          "train": {"level": "network", "lr": 1e-3, "steps": 12000, "loss": "half_sum"},
          "seeds": 3, "record": {"points": 61, "spacing": "linear"}}
_PHASE = {"task": {"n": 1, "length": 6, "dynamics": "constant", "samples": 16},
          "model": {"init": "aligned", "init_scale": 0.1},
          "train": {"level": "modes", "lr": 1e-2, "steps": 40000}, "seeds": 1,
          "theory": {"critical_lengths": [3, 4, 6, 10, 20]}, "record": {"points": 50}}
_NTK = {"task": {"n": 4, "dynamics": "constant", "delta": 1.0, "samples": 64},
        "model": {"init": "aligned"},
        "train": {"lr": "ntk", "steps": 60000, "stop_loss": 1e-6}, "seeds": 1,
        "theory": {"ntk": True}, "record": {"points": 40},
        "grid": {"task.length": [1, 2, 3, 4, 5, 6, 7, 8],
                 "model.init_scale": [0.01, 0.0644, 0.1189, 0.1733, 0.2278, 0.2822, 0.3367, 0.3911, 0.4456, 0.5]}}
_SENSORY = {"task": {"kind": "sensory", "n": 4, "length": 4, "target": "sum", "samples": 1000,
                     "test_lengths": [4, 50, 75, 100], "test_samples": 2000},
            "model": {"init": "gaussian", "init_scale": 0.1},
            "train": {"lr": 0.05, "steps": 60000, "loss": "mean"}, "seeds": 3, "record": {"points": 120}}

EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment(
        "lrnn-modes", "lrnn",
        "aligned linear RNN, 4 modes: full-matrix GD against the mode ODEs (b → λ, ac → δ; Fig. 2)",
        _MODES,
    ),
    Experiment(
        "lrnn-temporal-order", "lrnn",
        "larger and later learned faster: late-importance (δ 1.1, λ 0.5) vs early (δ 0.5, λ 1.1), T = 7",
        {"task": {"n": 2, "length": 7, "dynamics": "inverse_exponential", "delta": [1.1, 0.5], "lam": [0.5, 1.1],
                  "samples": 64},
         "model": {"init": "aligned", "init_scale": 0.1},
         "train": {"lr": 1e-2, "steps": 3000}, "seeds": 1, "record": {"points": 3001, "spacing": "linear"}},
    ),
    Experiment(
        "lrnn-temporal-order-map", "lrnn",
        "time to learn one mode over a (δ, λ) grid, inverse-exponential task, T = 7 (mode-level GD)",
        {"task": {"n": 1, "length": 7, "dynamics": "inverse_exponential", "samples": 16},
         "model": {"init": "aligned", "init_scale": 0.1},
         "train": {"level": "modes", "lr": 1e-2, "steps": 3000}, "seeds": 1,
         "record": {"points": 601, "spacing": "linear"},
         "grid": {"task.delta": [0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.5], "task.lam": [0.3, 0.5, 0.7, 0.9, 1.0, 1.1]}},
    ),
    Experiment(
        "lrnn-phase-transition", "lrnn",
        "modified constant task (s_T = κ): final b, ac jump feed-forward → recurrent as δ grows; Dirac β_c theory",
        deep_merge(_PHASE, {"grid": {"task.delta": [round(0.1 * i, 2) for i in range(21)],
                                     "task.kappa": [0.2, 0.6, 1.0]}}),
    ),
    Experiment(
        "lrnn-phase-transition-exponential", "lrnn",
        "modified exponential task (s_T = κ): the jump as λ grows (Fig. 4b, middle)",
        deep_merge(_PHASE, {"task": {"dynamics": "exponential", "delta": 1.0},
                            "grid": {"task.lam": [round(0.05 * i, 2) for i in range(1, 21)],
                                     "task.kappa": [0.2, 0.6, 1.0]}}),
    ),
    Experiment(
        "lrnn-phase-transition-dirac", "lrnn",
        "Dirac task s_1 = β, s_T = κ at T = 3 (init 0.5): the feed-forward → recurrent transition in β/κ",
        deep_merge(_PHASE, {"task": {"dynamics": "dirac", "length": 3}, "model": {"init_scale": 0.5},
                            "grid": {"task.beta": [round(0.1 * i, 2) for i in range(1, 41)],
                                     "task.kappa": [0.5, 1.0]}}),
    ),
    Experiment(
        "lrnn-extrapolation", "lrnn",
        "train at T = 5, test at T' = 1…15: constant / inverse-exponential modes extrapolate, exponential does not",
        {"task": {"n": 3, "length": 5, "dynamics": ["constant", "inverse_exponential", "exponential"],
                  "delta": 1.0, "samples": 64, "test_lengths": list(range(1, 16))},
         "model": {"init": "aligned", "init_scale": 0.1},
         "train": {"level": "modes", "lr": 1e-2, "steps": 20000}, "seeds": 1, "record": {"points": 60},
         "grid": {"task.lam": [0.6, 0.8, 0.9, 1.1, 1.25]}},
    ),
    Experiment(
        "lrnn-ntk", "lrnn",
        "kernel distance D (initial vs final NTK) over sequence length T × init scale, aligned init (Fig. 5)",
        _NTK,
    ),
    Experiment(
        "lrnn-ntk-gaussian", "lrnn",
        "kernel distance over T × init scale from Gaussian init (std scale/√N; Fig. 5 right), 3 seeds",
        deep_merge(_NTK, {"model": {"init": "gaussian"}, "seeds": 3}),
    ),
    Experiment(
        "sensory-integration", "lrnn",
        "multisensory sum integration trained at T = 4, extrapolated to T' = 50…100 (Fig. 6 left)",
        _SENSORY,
    ),
    Experiment(
        "sensory-integration-mean", "lrnn",
        "multisensory mean integration: W_y W_x → I/T, so extrapolation error grows with T' (Fig. 6 right)",
        deep_merge(_SENSORY, {"task": {"target": "mean"}, "train": {"steps": 40000}}),
    ),
)
