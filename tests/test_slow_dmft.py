"""Acceptance 1 of the large-N issue at full size (N = 2000, 8 seeds): recorded in
docs/reproductions.md ("Large-N theory")."""

import numpy as np
import pytest

import learndyn

pytestmark = pytest.mark.slow


def test_dmft_autocorrelation_matches_simulation_n2000():
    ds = learndyn.run(learndyn.resolve_spec("dmft-random-network"))
    assert float(abs(ds["variance"].sel(g=0.5)).max()) < 1e-6  # Δ(0) → 0 below g = 1
    for g in (1.5, 2.0):
        sim = ds["autocorrelation"].sel(g=g).mean("seed")
        th = ds["autocorrelation_theory"].sel(g=g)
        for tau in (0.0, 1.0, 2.0, 4.0):
            i = int(np.argmin(np.abs(ds["tau"].values - tau)))
            assert abs(float(sim[i]) / float(th[i]) - 1) < 0.05, (g, tau, float(sim[i]), float(th[i]))
