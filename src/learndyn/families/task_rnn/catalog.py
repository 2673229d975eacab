"""The named experiments of this family (`learndyn list`)."""

from __future__ import annotations

from learndyn import Experiment
from learndyn.config import deep_merge

_TASK = {"model": {"kind": "leaky", "n": 64, "activation": "tanh", "tau": 100.0, "g": 0.9,
                   "recurrent_noise": 0.05},
         "train": {"optimizer": "adam", "lr": 3e-3, "steps": 1500, "clip": 1.0, "test_batch": 256},
         "seeds": 4, "record": {"points": 60, "writes": 4}}

EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment(
        "accumulate", "task-rnn",
        "leaky tanh RNN accumulates noisy evidence and reports its sign; ideal-observer accuracy as theory; "
        "fixed points of the integration period",
        deep_merge(_TASK, {"task": {"kind": "accumulate", "fixation": 100, "stimulus": 800, "decision": 200,
                                    "coherences": [0.1, 0.2, 0.4, 0.8], "noise": 1.0}}),
    ),
    Experiment(
        "accumulate-low-rank", "task-rnn",
        "the accumulate task learned by a rank-1 network W = m nᵀ/N + gJ (m, n trained, J fixed)",
        deep_merge(_TASK, {"task": {"kind": "accumulate"}, "model": {"kind": "low_rank", "rank": 1, "g": 0.5}}),
    ),
    Experiment(
        "delay-match", "task-rnn",
        "delayed match-to-sample: 200 ms sample, 300 ms delay, 200 ms test; report match / non-match",
        deep_merge(_TASK, {"task": {"kind": "delay_match", "fixation": 100, "stimulus": 200, "delay": 300,
                                    "decision": 200, "n_stimuli": 2, "noise": 0.2},
                           "train": {"steps": 2000}}),
    ),
    Experiment(
        "context-integrate", "task-rnn",
        "context-dependent integration (Mante 2013): two streams, a cue selects one; a slow-point line "
        "attractor per context",
        deep_merge(_TASK, {"task": {"kind": "context_integrate", "fixation": 100, "stimulus": 750, "delay": 100,
                                    "decision": 200, "coherences": [0.1, 0.2, 0.4, 0.8], "noise": 1.0},
                           "train": {"steps": 2000}}),
    ),
    Experiment(
        "flip-flop", "task-rnn",
        "3-bit flip-flop (Sussillo & Barak 2013): 8 stable memory states and the saddles between them",
        deep_merge(_TASK, {"task": {"kind": "flip_flop", "bits": 3, "duration": 1000, "pulse_probability": 0.05,
                                    "settle": 3}, "train": {"steps": 2000}}),
    ),
    Experiment(
        "flip-flop-gru", "task-rnn",
        "the 3-bit flip-flop learned by a GRU (discrete-time fixed points of the cell's map)",
        deep_merge(_TASK, {"task": {"kind": "flip_flop", "bits": 3}, "model": {"kind": "gru", "g": 1.0},
                           "train": {"steps": 2000}}),
    ),
    Experiment(
        "flip-flop-lstm", "task-rnn",
        "the 3-bit flip-flop learned by an LSTM (state [h, c])",
        deep_merge(_TASK, {"task": {"kind": "flip_flop", "bits": 3}, "model": {"kind": "lstm", "g": 1.0},
                           "train": {"steps": 2000}}),
    ),
    Experiment(
        "flip-flop-rank2", "task-rnn",
        "2-bit flip-flop by a rank-2 network W = M Nᵀ/N (no random part): 4 memories in an exact 2-D "
        "reduced system, drawn as a phase portrait",
        deep_merge(_TASK, {"task": {"kind": "flip_flop", "bits": 2, "duration": 3000, "pulse_probability": 0.02},
                           "model": {"kind": "low_rank", "rank": 2, "g": 0.0, "recurrent_noise": 0.1},
                           "train": {"steps": 2000}}),
    ),
    Experiment(
        "flip-flop-rank2-mean-field", "task-rnn",
        "the mean-field reduction of trained rank-2 flip-flop networks (Beiran et al. 2021; Dubreuil et al. "
        "2022): N = 512, an 8-population Gaussian mixture of the loadings, its latent fixed points against "
        "the network's and networks resampled at 2 × N",
        deep_merge(_TASK, {"task": {"kind": "flip_flop", "bits": 2, "duration": 3000, "pulse_probability": 0.02},
                           "model": {"kind": "low_rank", "n": 512, "rank": 2, "g": 0.0, "recurrent_noise": 0.1},
                           "train": {"steps": 2000}, "low_rank": {"populations": 8}, "seeds": 5}),
    ),
    Experiment(
        "accumulate-low-rank-mean-field", "task-rnn",
        "the mean-field reduction of trained rank-1 decision networks (accumulate task, no random part, "
        "N = 512): one Gaussian and an 8-population mixture against the network's bistable fixed points, "
        "networks resampled at 2 × N, and the spread of 20 bootstrap networks of its own units",
        deep_merge(_TASK, {"task": {"kind": "accumulate", "fixation": 100, "stimulus": 800, "decision": 200,
                                    "coherences": [0.1, 0.2, 0.4, 0.8], "noise": 1.0},
                           "model": {"kind": "low_rank", "n": 512, "rank": 1, "g": 0.0},
                           "low_rank": {"populations": 8, "bootstraps": 20}, "seeds": 5}),
    ),
    Experiment(
        "multisensory-decision", "task-rnn",
        "multisensory integration (neurogym statistics, Proca et al. 2025; docs/lrnn.md) as a decision task for a tanh RNN",
        deep_merge(_TASK, {"task": {"kind": "multisensory", "fixation": 100, "stimulus": 500, "decision": 200,
                                    "noise": 0.1}}),
    ),
)
