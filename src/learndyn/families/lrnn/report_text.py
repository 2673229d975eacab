"""What the report says about linear-RNN runs: citation, column definitions, figure captions."""

CITATION = ("A. M. Proca, C. C. J. Dominé, M. Shanahan, P. A. M. Mediano, Learning dynamics in linear "
            "recurrent neural networks, ICML 2025, PMLR 267:49860–49902")

COLUMNS = {
    "ac (or σ(W_yW_x))": "per mode: input × output strength ac (aligned networks), or the singular values of "
                         "W_y W_x (unaligned); learns the task's strength δ",
    "b (or σ(W_h))": "per mode: the recurrent eigenvalue b (aligned), or the singular values of W_h; learns the "
                     "task's temporal parameter λ",
    "mode error": "largest distance between the network's modes and the mode ODEs over the run",
}

CAPTIONS = {
    "modes": "Per mode: ac and b over learning time (network solid, one line per seed; mode ODE dashed), the "
             "loss, and the off-diagonal coupling (zero while the network stays aligned). Larger and later "
             "singular values are learned first.",
    "final_modes": "Final b and ac of mode 0 against the first grid coordinate, with the global minimiser of the "
                   "mode energy: the jump from the feed-forward (b = 0) to the recurrent solution.",
    "phase_transition_theory": "Dirac task theory: the minimiser b*(β), u*(β) and energy E*(β) for each length T, "
                               "with the critical points 1/√2 and 1.",
    "learned_step": "Step at which mode 0 is learned (within 5 % of its target) over the grid, with the mode ODE's "
                    "prediction in each cell.",
    "kernel_distance": "Neural-tangent-kernel distance between start and end of training over sequence length × "
                       "init scale (median over seeds): near 0 lazy, near 1 rich.",
    "extrapolation": "Loss at test lengths T' different from the training length: solutions that do not depend on "
                     "T extrapolate, exponential ones do not.",
    "singular_values": "Singular values of W_h and W_y W_x over training, with the values of a zero-loss solution.",
}

LABEL = "Proca, Dominé, Shanahan & Mediano, ICML 2025 (PMLR 267:49860)"
RESERVED = {"seed", "step", "mode", "sv", "length", "crit_T", "beta_theory", "lr"}
