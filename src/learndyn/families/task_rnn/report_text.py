"""What the report says about task-trained RNN runs: column definitions, figure captions."""

CITATION = ("task definitions after neurogym (Molano-Mazón et al.), Mante et al. 2013, Sussillo & Barak 2013; "
            "fixed-point analysis after Sussillo & Barak 2013")

COLUMNS = {
    "test loss": "masked mean squared error on the fixed test trials at the last step",
    "accuracy": "task accuracy on the test trials (the task's own decision rule)",
    "fixed pts": "number of fixed points found (speed q below the fixed-point tolerance)",
    "stable": "how many of them are stable (every eigenvalue of the update's Jacobian inside the unit circle)",
    "slow pts": "slow points: not fixed, but far slower than the typical state",
    "PR": "participation ratio of the network's states (effective dimension)",
}

CAPTIONS = {
    "training": "Test loss (log) and task accuracy against training step, one line per network; the ideal "
                "observer's accuracy dashed where it is defined.",
    "fixed_points": "Fixed and slow points in the first three principal components of the network's states, with "
                    "test trajectories: stable points (filled) are memories or attractors, unstable ones (open) "
                    "saddles between them.",
    "phase_portrait": "Rank-two network: the 2-D latent phase portrait (flow of κ), the fixed points (filled: "
                      "stable) and trajectories.",
    "trials": "Three test trials of the first network: inputs (top), target and output (bottom).",
    "mean_field_portrait": "Low-rank network: its latent dynamics (first network, first condition) beside the "
                           "mean-field dynamics of its fitted loading distribution (one Gaussian; a Gaussian "
                           "mixture), with each system's fixed points (filled: stable) and the trained network's "
                           "fixed points marked on the mean-field panels (Beiran et al. 2021; Dubreuil et al. 2022).",
}

LABEL = "task-trained RNN (learndyn; tasks after neurogym, Mante et al. 2013, Sussillo & Barak 2013)"
RESERVED = {"seed", "step", "trial", "time", "unit", "pc", "condition", "fp", "channel", "out", "fit", "draw",
            "latent", "mf_fp", "population", "loading", "loading_2"}
