"""What the report says about ``integrate-*`` runs: citation, column definitions, figure captions."""

CITATION = ("B. Bordelon, J. Cotler, C. Pehlevan, J. A. Zavatone-Veth, Dynamically learning to integrate in "
            "recurrent neural networks, arXiv 2503.18754 (2025) — learndyn's reconstruction")

COLUMNS = {
    "learned λ": "the learned eigenvalue(s) of W at that step, followed by continuity from the largest outlier; "
                 "the target is 1 − c⋆ (a pair (1 − c⋆) ± iω⋆ for the oscillator)",
    "n_out": "number of eigenvalues of W outside the bulk disc of radius σ (outliers)",
    "dW_rel": "‖W − W0‖_F / ‖W0‖_F: how far the recurrent matrix has moved (small: lazy; order one: rich)",
}

CAPTIONS = {
    "loss": "Loss against gradient-flow time τ = lr·step (log scale). Coloured lines: the networks; black: the "
            "reduced theory (the two-neuron reduction, dashed where it only applies at σ → 0). Read the plateau "
            "and the drop: the drop is the outlier leaving the bulk.",
    "outlier": "The learned eigenvalue(s) against τ for every network, with the theory, the bulk edge σ and the "
               "target 1 − c⋆. An eigenvalue crossing the bulk edge is the escape the paper describes.",
    "rich_lazy": "Over the σ grid: final loss, how far W moved (ΔW/W0) and the number of outliers. Small σ learns "
                 "by one outlier (rich); large σ re-weights the bulk (lazy).",
    "kernel_theory": "Seed-mean loss (colour, band = standard error) against the large-N kernel (lazy) theory "
                     "(black) over the early phase; the vertical line marks where the kernel loss has fallen "
                     "10 %, beyond which the theory is not expected to hold.",
    "large_n_theory": "The whole run against the N → ∞ theory (free Fock-space network, black dashed): seed-mean "
                      "loss (band = standard error), its relative gap with the ±5 % band, and the learned "
                      "outlier (faint: every seed) once the theory's mode has left the bulk. A dotted vertical "
                      "line marks the last τ before the first record outside 5 %.",
    "spectrum": "All eigenvalues of one network's W at every recorded step, coloured by step: the random bulk "
                "at initialisation and the outlier(s) it learns. The circle is the bulk edge σ.",
    "residues": "Residue ρ of the learned mode(s) against τ (ρ_k = (v·r_k)(l_k·u), so the mode's share of the "
                "impulse response); the sum of residues equals u·v.",
}

LABEL = "reconstruction of Bordelon et al. (arXiv 2503.18754)"
RESERVED = {"seed", "step", "eig", "eig_index", "mode", "sv", "tau", "lr", "horizon", "neuron2", "tau_theory"}
