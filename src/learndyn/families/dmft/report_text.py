"""What the report says about the large-N runs: citation, column definitions, figure captions."""

CITATION = ("H. Sompolinsky, A. Crisanti, H. J. Sommers, Chaos in random neural networks, PRL 61 (1988) 259; "
            "rank one + random bulk after Mastrogiuseppe & Ostojic 2018")

COLUMNS = {
    "Δ(0) sim": "variance of the units' activity, mean over seeds",
    "Δ(0) DMFT": "the same from dynamical mean-field theory",
    "Δ(2) sim": "autocorrelation at lag 2 (time constants), mean over seeds",
    "Δ(2) DMFT": "the same from dynamical mean-field theory",
    "κ sim (final)": "latent variable κ = nᵀφ(x)/N of the simulated network at the end",
    "κ* mean field": "the mean-field fixed point ±κ*",
    "stable (theory)": "whether mean-field theory predicts the non-trivial fixed point stable",
}

CAPTIONS = {
    "autocorrelation": "Population autocorrelation Δ(τ): simulation (colour, mean over seeds) against the DMFT "
                       "(black) for each g; silent below g = 1, chaotic above.",
    "kappa": "The latent κ of every network over time against the mean-field fixed points ±κ*.",
}

LABEL = "random rate network vs DMFT (Sompolinsky, Crisanti & Sommers 1988)"
RESERVED = {"seed", "step", "lag", "tau", "unit", "time"}
