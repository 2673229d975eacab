"""The named experiments of this family (`learndyn list`)."""

from __future__ import annotations

from learndyn import Experiment
from learndyn.config import deep_merge

_GROK = {"task": {"group": "cyclic", "modulus": 71, "train_fraction": 0.4},
         "model": {"width": 2048, "activation": "sq", "top_init_scale": 1.0, "output_scale": 1.0},
         "train": {"loss": "mse_class", "optimizer": "adam", "lr": 1e-3, "weight_decay": 2e-4, "steps": 1000,
                   "diagnostics_every": 100},
         "seeds": 3, "record": {"points": 1001, "spacing": "linear", "writes": 4}}

EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment(
        "grokking", "grokking",
        "Z_71, K = 2048, p = 0.4, Adam, x², class-centred MSE: weight decay 2e-4 groks, 0 memorises (Fig. 3)",
        deep_merge(_GROK, {"grid": {"train.weight_decay": [2e-4, 0.0]}}),
    ),
    Experiment(
        "grokking-muon", "grokking",
        "Z_71, p = 0.4, small width K = 128: Muon on W (Adam on V) vs Adam (Fig. 8); --set train.optimizer='adam'",
        deep_merge(_GROK, {"model": {"width": 128}, "train": {"optimizer": "muon", "steps": 3000},
                           "record": {"points": 3001}}),
    ),
    Experiment(
        "grokking-boundary", "grokking",
        "memorisation vs generalisation over the train fraction p at one M (Fig. 5): p_c = 2.7482 ln M/M; "
        "--set task.modulus=23|41|71",
        deep_merge(_GROK, {"task": {"modulus": 23}, "train": {"lr": 5e-4, "steps": 3000},
                           "record": {"points": 601},
                           "grid": {"task.train_fraction": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]}}),
    ),
    Experiment(
        "grokking-energy", "grokking-energy",
        "projected ascent on E(w) = ½‖Ỹᵀσ(Xw)‖² at ‖w‖ = 1 from 8 starts: single-frequency maxima E = M/4 "
        "(Theorem 2); --set task.group='dihedral' task.modulus=5",
        {"task": {"group": "cyclic", "modulus": 23}, "activation": "sq", "full_table": True,
         "train": {"lr": "auto", "steps": 4000}, "seeds": 8, "record": {"points": 200}},
    ),
)
