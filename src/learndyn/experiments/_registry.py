"""Named experiments: a family plus default overrides, listable like neurogym's ``all_envs``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import (
    BaseSpec,
    deep_merge,
    load_toml,
    parse_override,
    set_dotted,
    validate_spec,
)
from ..errors import ConfigError, did_you_mean


@dataclass(frozen=True)
class Experiment:
    """A registered experiment: ``family`` defaults overridden by ``defaults``."""

    name: str
    family: str
    description: str
    defaults: dict[str, Any] = field(default_factory=dict)


REGISTRY: dict[str, Experiment] = {}


def register(exp: Experiment) -> Experiment:
    REGISTRY[exp.name] = exp
    return exp


register(Experiment(
    "integrate-leaky", "integrate",
    "linear RNN learns leaky integration e^{-c⋆s} of white noise: one outlier escapes the bulk",
    {"task": {"kind": "leaky", "c_star": 0.2}, "model": {"sigma": 0.2}},
))
register(Experiment(
    "integrate-oscillator", "integrate",
    "damped-oscillator target e^{-c⋆s}cos(ω⋆s): a conjugate pair escapes to (1-c⋆) ± iω⋆",
    {"task": {"kind": "oscillator", "c_star": 0.2, "omega_star": 1.0}, "model": {"sigma": 0.2}},
))
register(Experiment(
    "integrate-multiscale", "integrate",
    "two-timescale target: one-pole plateau, then a second outlier escapes (slow: 70000 steps)",
    {"task": {"kind": "multiscale", "timescales": [10.0, 2.0], "gains": [1.0, 1.0]},
     "model": {"sigma": 0.2}, "train": {"steps": 70000}},
))
register(Experiment(
    "integrate-rich-lazy", "integrate",
    "σ sweep 0…0.9 at N=40: rank-one outlier learning (rich) vs bulk re-weighting (lazy)",
    {"task": {"kind": "leaky", "c_star": 0.2}, "model": {"n": 40},
     "grid": {"model.sigma": [0.0, 0.2, 0.4, 0.6, 0.8, 0.9]}},
))

register(Experiment(
    "dmft-integrate-kernel", "integrate",
    "large-N kernel (lazy) theory of the integrate model vs simulation at N=1000, σ ∈ {0.3, 0.6, 0.9}",
    {"task": {"kind": "leaky", "c_star": 0.2}, "model": {"n": 1000, "antithetic": True},
     "train": {"lr": 0.01, "steps": 8}, "seeds": 16,
     "record": {"points": 9, "spacing": "linear", "spectra": False, "snapshots": 0},
     "grid": {"model.sigma": [0.3, 0.6, 0.9]}},
))


_NONLINEAR = {
    "plant": {"kind": "integrator", "init_range": 1.0},
    # init of the *published* run (all N(0, 1/N), W unscaled), inferred from its epoch-0 gains; the
    # notebook's manual init (g 0.1, scales 0.01) is `--set model.g=0.1 model.in_scale=0.01 model.out_scale=0.01`
    "model": {"kind": "leaky", "n": 100, "activation": "tanh", "g": 1.0, "in_init": "normal",
              "in_scale": 0.1, "out_init": "normal", "out_scale": 0.1},
    "train": {"mode": "closed_vs_open", "open_input": "white_noise", "optimizer": "sgd", "lr": 1e-2,
              "clip": 1.0, "steps": 1000, "batch": 100, "horizon": 50, "beta": 0.5,
              "state_reduction": "sum", "test_batch": 10, "test_range": 1.0, "test_reduction": "sum"},
    "seeds": 2, "record": {"points": 1001},
}
_RANK1 = {
    "plant": {"kind": "integrator", "init_range": 2.0},
    "model": {"kind": "rank1", "n": 100, "activation": "linear", "g": 0.0},
    "train": {"mode": "closed", "optimizer": "sgd", "lr": 1e-2, "clip": 1.0, "steps": 1000, "batch": 100,
              "horizon": 50, "beta": 0.0, "state_reduction": "mean", "test_batch": 100, "test_range": 2.0,
              "test_reduction": "mean"},
    "seeds": 5, "record": {"points": 1001},
}
register(Experiment(
    "closed-loop-nonlinear", "closed-loop",
    "tanh RNN controls a double integrator: closed-loop vs open-loop (teacher-student) learning, gain paths",
    _NONLINEAR,
))
register(Experiment(
    "closed-loop-rank1", "closed-loop",
    "rank-1 linear controller: explosive → oscillatory plateau → stabilised; P_eff from ep_of_stab",
    _RANK1,
))
register(Experiment(
    "closed-loop-rank1-adam", "closed-loop",
    "Adam ablation of closed-loop-rank1 (lr 1e-3, clip 1; no published counterpart)",
    deep_merge(_RANK1, {"train": {"optimizer": "adam", "lr": 1e-3}}),
))
register(Experiment(
    "closed-loop-horizon", "closed-loop",
    "rank-1 run restarted at epoch 10 with episode lengths T ∈ {10…100}: short T pushes the pair up",
    deep_merge(_RANK1, {"train": {"restart_step": 10, "steps": 120}, "seeds": 1,
                        "grid": {"train.horizon": [10, 25, 50, 75, 100]}}),
))
register(Experiment(
    "closed-loop-control-cost", "closed-loop",
    "rank-1 run restarted at epoch 130 with control cost β ∈ {0, 0.5, 2, 5}; full model and P_eff",
    deep_merge(_RANK1, {"train": {"restart_step": 130, "steps": 1130}, "seeds": 1,
                        "grid": {"train.beta": [0.0, 0.5, 2.0, 5.0]}}),
))
register(Experiment(
    "tracking", "closed-loop",
    "linear RNN tracks a 4-frequency reference with a 2-D point mass: closed vs open, frequency acquisition",
    {"plant": {"kind": "tracking", "dt": 0.1, "bound": 10.0},
     "model": {"kind": "leaky", "n": 100, "activation": "linear", "dt": 0.1, "tau": 1.0, "g": 0.2,
               "in_init": "uniform", "in_scale": 0.1, "out_init": "uniform", "out_scale": 0.1},
     "train": {"mode": "closed_vs_open", "open_input": "teacher_forcing", "optimizer": "adam", "lr": 1e-3,
               "clip": 0.0, "steps": 5000, "batch": 100, "horizon": 300, "test_batch": 100},
     "seeds": 1, "record": {"points": 5001}},
))
register(Experiment(
    "closed-loop-surrogate", "closed-loop-surrogate",
    "GD on the surrogate L_α over the four overlaps from the epoch-10 spectrum, α ∈ {0, .48, .52, .55, 1}",
    {"seeds": 1, "record": {"points": 301}, "grid": {"theory.alpha": [0.0, 0.48, 0.52, 0.55, 1.0]}},
))


_MODES = {"task": {"kind": "correlation", "n": 4, "length": 5, "dynamics": "inverse_exponential",
                   "delta": [1.0, 0.8, 0.6, 0.4], "lam": [0.9, 0.7, 0.5, 1.0], "samples": 400},
          "model": {"init": "aligned", "init_scale": 0.1},
          "train": {"level": "network", "lr": 1e-3, "steps": 12000, "loss": "half_sum"},
          "seeds": 3, "record": {"points": 61, "spacing": "linear"}}
register(Experiment(
    "lrnn-modes", "lrnn",
    "aligned linear RNN, 4 modes: full-matrix GD against the mode ODEs (b → λ, ac → δ; Fig. 2)",
    _MODES,
))
register(Experiment(
    "lrnn-temporal-order", "lrnn",
    "larger and later learned faster: late-importance (δ 1.1, λ 0.5) vs early (δ 0.5, λ 1.1), T = 7",
    {"task": {"n": 2, "length": 7, "dynamics": "inverse_exponential", "delta": [1.1, 0.5], "lam": [0.5, 1.1],
              "samples": 64},
     "model": {"init": "aligned", "init_scale": 0.1},
     "train": {"lr": 1e-2, "steps": 3000}, "seeds": 1, "record": {"points": 3001, "spacing": "linear"}},
))
register(Experiment(
    "lrnn-temporal-order-map", "lrnn",
    "time to learn one mode over a (δ, λ) grid, inverse-exponential task, T = 7 (mode-level GD)",
    {"task": {"n": 1, "length": 7, "dynamics": "inverse_exponential", "samples": 16},
     "model": {"init": "aligned", "init_scale": 0.1},
     "train": {"level": "modes", "lr": 1e-2, "steps": 3000}, "seeds": 1,
     "record": {"points": 601, "spacing": "linear"},
     "grid": {"task.delta": [0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.5], "task.lam": [0.3, 0.5, 0.7, 0.9, 1.0, 1.1]}},
))
_PHASE = {"task": {"n": 1, "length": 6, "dynamics": "constant", "samples": 16},
          "model": {"init": "aligned", "init_scale": 0.1},
          "train": {"level": "modes", "lr": 1e-2, "steps": 40000}, "seeds": 1,
          "theory": {"critical_lengths": [3, 4, 6, 10, 20]}, "record": {"points": 50}}
register(Experiment(
    "lrnn-phase-transition", "lrnn",
    "modified constant task (s_T = κ): final b, ac jump feed-forward → recurrent as δ grows; Dirac β_c theory",
    deep_merge(_PHASE, {"grid": {"task.delta": [round(0.1 * i, 2) for i in range(21)],
                                 "task.kappa": [0.2, 0.6, 1.0]}}),
))
register(Experiment(
    "lrnn-phase-transition-exponential", "lrnn",
    "modified exponential task (s_T = κ): the jump as λ grows (Fig. 4b, middle)",
    deep_merge(_PHASE, {"task": {"dynamics": "exponential", "delta": 1.0},
                        "grid": {"task.lam": [round(0.05 * i, 2) for i in range(1, 21)],
                                 "task.kappa": [0.2, 0.6, 1.0]}}),
))
register(Experiment(
    "lrnn-phase-transition-dirac", "lrnn",
    "Dirac task s_1 = β, s_T = κ at T = 3 (init 0.5): the feed-forward → recurrent transition in β/κ",
    deep_merge(_PHASE, {"task": {"dynamics": "dirac", "length": 3}, "model": {"init_scale": 0.5},
                        "grid": {"task.beta": [round(0.1 * i, 2) for i in range(1, 41)],
                                 "task.kappa": [0.5, 1.0]}}),
))
register(Experiment(
    "lrnn-extrapolation", "lrnn",
    "train at T = 5, test at T' = 1…15: constant / inverse-exponential modes extrapolate, exponential does not",
    {"task": {"n": 3, "length": 5, "dynamics": ["constant", "inverse_exponential", "exponential"],
              "delta": 1.0, "samples": 64, "test_lengths": list(range(1, 16))},
     "model": {"init": "aligned", "init_scale": 0.1},
     "train": {"level": "modes", "lr": 1e-2, "steps": 20000}, "seeds": 1, "record": {"points": 60},
     "grid": {"task.lam": [0.6, 0.8, 0.9, 1.1, 1.25]}},
))
_NTK = {"task": {"n": 4, "dynamics": "constant", "delta": 1.0, "samples": 64},
        "model": {"init": "aligned"},
        "train": {"lr": "ntk", "steps": 60000, "stop_loss": 1e-6}, "seeds": 1,
        "theory": {"ntk": True}, "record": {"points": 40},
        "grid": {"task.length": [1, 2, 3, 4, 5, 6, 7, 8],
                 "model.init_scale": [0.01, 0.0644, 0.1189, 0.1733, 0.2278, 0.2822, 0.3367, 0.3911, 0.4456, 0.5]}}
register(Experiment(
    "lrnn-ntk", "lrnn",
    "kernel distance D (initial vs final NTK) over sequence length T × init scale, aligned init (Fig. 5)",
    _NTK,
))
register(Experiment(
    "lrnn-ntk-gaussian", "lrnn",
    "kernel distance over T × init scale from Gaussian init (std scale/√N; Fig. 5 right), 3 seeds",
    deep_merge(_NTK, {"model": {"init": "gaussian"}, "seeds": 3}),
))
_SENSORY = {"task": {"kind": "sensory", "n": 4, "length": 4, "target": "sum", "samples": 1000,
                     "test_lengths": [4, 50, 75, 100], "test_samples": 2000},
            "model": {"init": "gaussian", "init_scale": 0.1},
            "train": {"lr": 0.05, "steps": 60000, "loss": "mean"}, "seeds": 3, "record": {"points": 120}}
register(Experiment(
    "sensory-integration", "lrnn",
    "multisensory sum integration trained at T = 4, extrapolated to T' = 50…100 (Fig. 6 left)",
    _SENSORY,
))
register(Experiment(
    "sensory-integration-mean", "lrnn",
    "multisensory mean integration: W_y W_x → I/T, so extrapolation error grows with T' (Fig. 6 right)",
    deep_merge(_SENSORY, {"task": {"target": "mean"}, "train": {"steps": 40000}}),
))


_GROK = {"task": {"group": "cyclic", "modulus": 71, "train_fraction": 0.4},
         "model": {"width": 2048, "activation": "sq", "top_init_scale": 1.0, "output_scale": 1.0},
         "train": {"loss": "mse_class", "optimizer": "adam", "lr": 1e-3, "weight_decay": 2e-4, "steps": 1000,
                   "diagnostics_every": 100},
         "seeds": 3, "record": {"points": 1001, "spacing": "linear", "writes": 4}}
register(Experiment(
    "grokking", "grokking",
    "Z_71, K = 2048, p = 0.4, Adam, x², class-centred MSE: weight decay 2e-4 groks, 0 memorises (Fig. 3)",
    deep_merge(_GROK, {"grid": {"train.weight_decay": [2e-4, 0.0]}}),
))
register(Experiment(
    "grokking-muon", "grokking",
    "Z_71, p = 0.4, small width K = 128: Muon on W (Adam on V) vs Adam (Fig. 8); --set train.optimizer='adam'",
    deep_merge(_GROK, {"model": {"width": 128}, "train": {"optimizer": "muon", "steps": 3000},
                       "record": {"points": 3001}}),
))
register(Experiment(
    "grokking-boundary", "grokking",
    "memorisation vs generalisation over the train fraction p at one M (Fig. 5): p_c = 2.7482 ln M/M; "
    "--set task.modulus=23|41|71",
    deep_merge(_GROK, {"task": {"modulus": 23}, "train": {"lr": 5e-4, "steps": 3000},
                       "record": {"points": 601},
                       "grid": {"task.train_fraction": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]}}),
))
register(Experiment(
    "grokking-energy", "grokking-energy",
    "projected ascent on E(w) = ½‖Ỹᵀσ(Xw)‖² at ‖w‖ = 1 from 8 starts: single-frequency maxima E = M/4 "
    "(Theorem 2); --set task.group='dihedral' task.modulus=5",
    {"task": {"group": "cyclic", "modulus": 23}, "activation": "sq", "full_table": True,
     "train": {"lr": "auto", "steps": 4000}, "seeds": 8, "record": {"points": 200}},
))


_TASK = {"model": {"kind": "leaky", "n": 64, "activation": "tanh", "tau": 100.0, "g": 0.9,
                   "recurrent_noise": 0.05},
         "train": {"optimizer": "adam", "lr": 3e-3, "steps": 1500, "clip": 1.0, "test_batch": 256},
         "seeds": 4, "record": {"points": 60, "writes": 4}}
register(Experiment(
    "accumulate", "task-rnn",
    "leaky tanh RNN accumulates noisy evidence and reports its sign; ideal-observer accuracy as theory; "
    "fixed points of the integration period",
    deep_merge(_TASK, {"task": {"kind": "accumulate", "fixation": 100, "stimulus": 800, "decision": 200,
                                "coherences": [0.1, 0.2, 0.4, 0.8], "noise": 1.0}}),
))
register(Experiment(
    "accumulate-low-rank", "task-rnn",
    "the accumulate task learned by a rank-1 network W = m nᵀ/N + gJ (m, n trained, J fixed)",
    deep_merge(_TASK, {"task": {"kind": "accumulate"}, "model": {"kind": "low_rank", "rank": 1, "g": 0.5}}),
))
register(Experiment(
    "delay-match", "task-rnn",
    "delayed match-to-sample: 200 ms sample, 300 ms delay, 200 ms test; report match / non-match",
    deep_merge(_TASK, {"task": {"kind": "delay_match", "fixation": 100, "stimulus": 200, "delay": 300,
                                "decision": 200, "n_stimuli": 2, "noise": 0.2},
                       "train": {"steps": 2000}}),
))
register(Experiment(
    "context-integrate", "task-rnn",
    "context-dependent integration (Mante 2013): two streams, a cue selects one; a slow-point line "
    "attractor per context",
    deep_merge(_TASK, {"task": {"kind": "context_integrate", "fixation": 100, "stimulus": 750, "delay": 100,
                                "decision": 200, "coherences": [0.1, 0.2, 0.4, 0.8], "noise": 1.0},
                       "train": {"steps": 2000}}),
))
register(Experiment(
    "flip-flop", "task-rnn",
    "3-bit flip-flop (Sussillo & Barak 2013): 8 stable memory states and the saddles between them",
    deep_merge(_TASK, {"task": {"kind": "flip_flop", "bits": 3, "duration": 1000, "pulse_probability": 0.05,
                                "settle": 3}, "train": {"steps": 2000}}),
))
register(Experiment(
    "flip-flop-gru", "task-rnn",
    "the 3-bit flip-flop learned by a GRU (discrete-time fixed points of the cell's map)",
    deep_merge(_TASK, {"task": {"kind": "flip_flop", "bits": 3}, "model": {"kind": "gru", "g": 1.0},
                       "train": {"steps": 2000}}),
))
register(Experiment(
    "flip-flop-lstm", "task-rnn",
    "the 3-bit flip-flop learned by an LSTM (state [h, c])",
    deep_merge(_TASK, {"task": {"kind": "flip_flop", "bits": 3}, "model": {"kind": "lstm", "g": 1.0},
                       "train": {"steps": 2000}}),
))
register(Experiment(
    "flip-flop-rank2", "task-rnn",
    "2-bit flip-flop by a rank-2 network W = M Nᵀ/N (no random part): 4 memories in an exact 2-D "
    "reduced system, drawn as a phase portrait",
    deep_merge(_TASK, {"task": {"kind": "flip_flop", "bits": 2, "duration": 3000, "pulse_probability": 0.02},
                       "model": {"kind": "low_rank", "rank": 2, "g": 0.0, "recurrent_noise": 0.1},
                       "train": {"steps": 2000}}),
))
register(Experiment(
    "multisensory-decision", "task-rnn",
    "multisensory integration (neurogym statistics, science/lrnn.md §2.4) as a decision task for a tanh RNN",
    deep_merge(_TASK, {"task": {"kind": "multisensory", "fixation": 100, "stimulus": 500, "decision": 200,
                                "noise": 0.1}}),
))


register(Experiment(
    "dmft-random-network", "dmft-random",
    "random tanh network ẋ = −x + gJφ(x), g ∈ {0.5, 1.5, 2}: simulated Δ(τ) (N = 2000, 8 seeds) vs DMFT "
    "(Sompolinsky et al. 1988)",
    {"model": {"n": 2000, "g": 1.5}, "train": {"dt": 0.05, "steps": 12000, "burn": 2000, "units": 200,
                                               "max_lag": 20.0},
     "seeds": 8, "grid": {"model.g": [0.5, 1.5, 2.0]}, "record": {"writes": 4, "snapshots": 0}},
))


register(Experiment(
    "dmft-rank-one", "dmft-random",
    "rank one + random bulk ẋ = −x + (gJ + m nᵀ/N)φ(x), overlap σ_mn = 3, g ∈ {0.5, 1.5}: the latent κ = nᵀφ(x)/N "
    "of N = 2000 networks against the mean-field ±κ* (Mastrogiuseppe & Ostojic style)",
    {"model": {"n": 2000, "g": 0.5, "overlap": 3.0},
     "train": {"dt": 0.1, "steps": 1000, "burn": 0, "units": 20, "max_lag": 1.0},
     "seeds": 8, "grid": {"model.g": [0.5, 1.5]}, "record": {"writes": 2, "snapshots": 0}},
))


def default_data(name: str) -> dict[str, Any]:
    """The registered defaults of ``name`` as a plain dict (before validation)."""
    if name not in REGISTRY:
        raise ConfigError(
            f"unknown experiment '{name}'" + did_you_mean(name, REGISTRY)
            + f" (see `learndyn list`; known: {', '.join(sorted(REGISTRY))})"
        )
    exp = REGISTRY[name]
    return deep_merge({"experiment": exp.name, "family": exp.family, "description": exp.description},
                      exp.defaults)


def resolve_spec(
    name_or_path: str, overrides: list[str] | None = None, *, seeds: int | None = None
) -> BaseSpec:
    """Resolve a spec: registered defaults → TOML file → ``--set`` overrides → ``--seeds``.

    ``name_or_path`` is an experiment name or a ``.toml`` file whose ``experiment`` key names the
    experiment it starts from (a file from ``learndyn config`` is complete on its own).
    """
    if name_or_path.endswith(".toml") or Path(name_or_path).is_file():
        file_data = load_toml(name_or_path)
        base = file_data.get("experiment")
        if not isinstance(base, str):
            raise ConfigError(f"{name_or_path}: missing key 'experiment' (an experiment name)")
        data = deep_merge(default_data(base) if base in REGISTRY else {}, file_data)
        if base in REGISTRY and "grid" in file_data:
            data["grid"] = file_data["grid"]
    else:
        data = default_data(name_or_path)
    for item in overrides or []:
        key, value = parse_override(item)
        if key == "grid" or key.startswith("grid."):
            raise ConfigError("--set grid...: give grids in a TOML spec file")
        data = set_dotted(data, key, value)
    if seeds is not None:
        data["seeds"] = seeds
    return validate_spec(data)


def default_spec(name: str) -> BaseSpec:
    """The fully resolved default spec of a registered experiment."""
    return resolve_spec(name)
