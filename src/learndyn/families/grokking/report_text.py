"""What the report says about grokking runs: citation, column definitions, figure captions."""

CITATION = ("Y. Tian, Provable Scaling Laws of Feature Emergence from Learning Dynamics of Grokking, "
            "arXiv 2509.21519 (2025)")

COLUMNS = {
    "train acc": "accuracy on the training pairs at the last epoch",
    "test acc": "accuracy on the held-out pairs at the last epoch",
    "grok epoch": "first epoch at which test accuracy reaches 0.95 (— if never)",
    "‖G_F‖": "norm of the back-propagated gradient G_F at the hidden layer (small once the loss is fitted)",
    "Fourier conc.": "fraction of the input weights' power in each unit's top frequency, averaged over units "
                     "(1: pure Fourier features)",
    "freqs": "number of the group's frequencies covered by some unit",
    "final E": "the energy E(w) at the end of projected ascent",
    "E / M": "that energy over the group order M (maxima: 1/4 for a real pair, 1/2 for a two-dimensional irrep)",
    "frequency / irrep": "the frequency (cyclic) or irreducible representation the start converged to",
    "concentration": "fraction of the weight's power in that isotypic component",
}

CAPTIONS = {
    "accuracy": "Train (dashed) and test (solid) accuracy per grid value and seed, and the gradient norm ‖G_F‖ "
                "(log) beside it: memorisation first, then — with weight decay — generalisation.",
    "phase_diagram": "Memorisation / generalisation over group order M and training fraction p, with the "
                     "boundary p_c = 2.7482 ln M / M.",
    "boundary": "Final test accuracy (mean over seeds) against the training fraction p, with p_c = 2.7482 ln M/M.",
    "unit_spectra": "Normalised Fourier power of the most important hidden units at the end (rows: units; "
                    "columns: frequencies): one bright cell per row means Fourier features.",
    "energy": "The energy E(w) over projected-ascent steps for every start, with the maxima M/4 and M/2, and a "
              "histogram of the final values.",
}

ENERGY_RESERVED = {"seed", "step", "unit_entry"}
LABEL = "Tian, arXiv 2509.21519 (Li2), reference code yuandong-tian/understanding"
RESERVED = {"seed", "step"}
