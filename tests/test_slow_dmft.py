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


def test_outlier_and_resolvent_at_n2000():
    """Acceptance 3: outlier of σJ + θuvᵀ within 0.02 of θ u·v for σ ∈ {0.3, 0.6}; the resolvent
    identity within 3/√N (N = 2000)."""
    from learndyn.theory import dmft

    n, rng = 2000, np.random.default_rng(1)
    u = rng.normal(size=n) / np.sqrt(n)
    v = 0.8 * u + 0.6 * rng.normal(size=n) / np.sqrt(n)
    for sigma in (0.3, 0.6):
        j = rng.normal(size=(n, n)) / np.sqrt(n)
        theta = 1.0 / float(u @ v)
        eig = np.linalg.eigvals(sigma * j + theta * np.outer(u, v))
        assert abs(np.max(eig.real) - dmft.rank_one_outlier(theta, u, v, sigma)) < 0.02
        a, b = u / np.linalg.norm(u), v / np.linalg.norm(v)
        for z, zp in ((1.0, 1.0), (0.8 + 0.4j, 0.9 - 0.2j)):
            ra = np.linalg.solve(z * np.eye(n) - sigma * j, a)
            rb = np.linalg.solve(zp * np.eye(n) - sigma * j, b)
            assert abs(np.vdot(ra, rb) - dmft.ginibre_quadratic_form(a, b, z, zp, sigma)) < 3 / np.sqrt(n)
