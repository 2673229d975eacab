"""What the report says about closed-loop runs: citation, column definitions, figure captions."""

CITATION = ("Y. Ger, O. Barak, Learning Dynamics of RNNs in Closed-Loop Environments, NeurIPS 2025, "
            "arXiv 2505.13567 (reference code yoavger/closed_loop_rnn_learning_dynamics)")

COLUMNS = {
    "loop": "closed: the controller trained through the plant (BPTT); open: the student trained on the "
            "teacher's inputs and outputs, evaluated in closed loop",
    "test loss": "closed-loop test loss at the last epoch (fixed test episodes)",
    "train loss": "training loss at the last epoch",
    "ep_of_stab": "first epoch from which the closed loop stays stable (its eigenvalues inside the unit circle); "
                  "-1 if never",
    "final λ / gains": "the closed-loop eigenvalues (linear controller) or the effective feedback gains (k1, k2) "
                       "at the end",
}

CAPTIONS = {
    "loss": "Closed-loop test loss per network against epoch (log–log); solid: closed-loop training, dashed: "
            "the open-loop student; grey: published curves where available. Look for the three stages: fast "
            "fall, oscillatory plateau, drop after stabilisation.",
    "gains": "Effective feedback gains (k1 on position, k2 on velocity) over training, on the map of the plant's "
             "stability (Jury) region and the loss landscape; a zoom of the start beside it. Closed-loop training "
             "enters the stable wedge first.",
    "eigenvalues": "Closed-loop eigenvalues over training in the complex plane, coloured by epoch, with the unit "
                   "circle: the pair that forms on the plateau and moves inside when the loop stabilises.",
    "overlaps": "The four overlaps of the rank-one theory over training, with the stage boundaries of seed 0.",
    "stage1": "Stage 1: the geometric loss of the rank-one theory against the full model from a controlled "
              "start σ_zm.",
    "probes": "Tracking: loss on each probe frequency over training (closed loop), with the epoch at which each "
              "is acquired; frequencies are learned one at a time.",
    "spectrum": "Tracking: eigenvalues of W at the acquisition epochs of seed 0, with the probe frequencies as "
                "horizontal lines: a recurrent pair appears near each acquired frequency.",
    "surrogate": "Dominant root of gradient descent on the surrogate loss L_α for each α, in the complex plane "
                 "with the unit circle: larger α enters the circle sooner; α = 0 never does.",
}

SURROGATE_COLUMNS = {
    "α": "weight of the stability term of the surrogate loss L_α",
    "steps": "gradient steps taken",
    "enters unit circle at": "first step at which the dominant root is inside the unit circle (-1: never)",
    "final dominant root": "the root of largest modulus at the end",
    "|λ|": "its modulus",
}

LABEL = "Ger & Barak (arXiv 2505.13567), learndyn re-implementation"
RESERVED = {"seed", "step", "loop", "eig", "ov", "probe", "gain", "unit", "s_zm_scan", "lr"}
SURROGATE_LABEL = "surrogate L_α of Ger & Barak (arXiv 2505.13567), §4.5"
