"""Large-N theory (theory/dmft.py): DMFT identities, a small simulated case through the runner, and
the rank-one + bulk mean field and the Ginibre outlier / resolvent results (issue "Large-N
theory", parts 1–3)."""

import json

import numpy as np
import pytest

import learndyn
from learndyn.theory import dmft


@pytest.mark.parametrize("g", [1.2, 1.5, 2.0, 3.0])
def test_scs_variance_solves_energy_condition(g):
    """V(Δ0; Δ0) = V(0; Δ0) (the chaotic solution reaches Δ = 0 with zero velocity), and the force
    is −∂V/∂Δ (Price's theorem) by central differences."""
    d0 = dmft.scs_variance(g)
    assert d0 > 0
    assert abs(dmft.scs_potential(d0, d0, g) - dmft.scs_potential(0.0, d0, g)) < 1e-10 * d0**2
    for frac in (0.2, 0.5, 0.8):
        d, h = frac * d0, 1e-5 * d0
        dv = (dmft.scs_potential(d + h, d0, g) - dmft.scs_potential(d - h, d0, g)) / (2 * h)
        assert abs(-dv - dmft.scs_force(d, d0, g)) < 1e-6
    # the start is a turning point moving down: Δ̈(0) = Δ0 − g²E[tanh²] < 0
    assert dmft.scs_force(d0, d0, g) < 0


def test_silent_below_one_and_decay_above():
    assert dmft.scs_variance(0.5) == 0.0 and dmft.scs_variance(1.0) == 0.0
    assert np.all(dmft.scs_autocorrelation(0.8, np.linspace(0, 5, 11)) == 0)
    taus = np.linspace(0, 30, 301)
    d = dmft.scs_autocorrelation(2.0, taus)
    assert d[0] == pytest.approx(dmft.scs_variance(2.0))
    assert np.all(np.diff(d) <= 1e-12) and d[-1] < 0.02 * d[0]
    # larger gain: larger variance, faster decorrelation
    assert dmft.scs_variance(2.0) > dmft.scs_variance(1.5)
    assert dmft.decorrelation_time(2.0) < dmft.decorrelation_time(1.5)


def test_small_network_simulation_matches_dmft(tmp_path):
    """A small case of acceptance 1 (N = 300, 2 seeds): seed-mean Δ(0) and Δ(2) within 10 % of
    the DMFT at g ∈ {1.5, 2}; silent at g = 0.5. Theory and simulation in one result set."""
    spec = learndyn.resolve_spec("dmft-random-network", ["model.n=300", "train.dt=0.1", "train.steps=1200",
                                                         "train.burn=200"],
                                 seeds=2)
    ds = learndyn.run(spec, tmp_path / "run")
    assert float(abs(ds["variance"].sel(g=0.5)).max()) < 1e-6
    for g in (1.5, 2.0):
        sim = ds["autocorrelation"].sel(g=g).mean("seed")
        th = ds["autocorrelation_theory"].sel(g=g)
        for tau in (0.0, 2.0):
            i = int(np.argmin(np.abs(ds["tau"].values - tau)))
            assert abs(float(sim[i]) / float(th[i]) - 1) < 0.10, (g, tau, float(sim[i]), float(th[i]))
    assert (tmp_path / "run" / "figures" / "autocorrelation.png").exists()


def test_rank_one_outlier_and_resolvent_identity():
    """Part 3 at N = 400: the outlier of σJ + θuvᵀ sits at θ u·v (within 0.05), none when
    |θ u·v| < σ; E[aᵀ(z−σJ)⁻ᵀ(z'−σJ)⁻¹b] = (a·b)/(zz'−σ²) within 3/√N (4 draws)."""
    n, rng = 400, np.random.default_rng(0)
    u = rng.normal(size=n) / np.sqrt(n)
    v = u + 0.5 * rng.normal(size=n) / np.sqrt(n)
    for sigma in (0.3, 0.6):
        j = rng.normal(size=(n, n)) / np.sqrt(n)
        theta = 1.2 / float(u @ v)
        pred = dmft.rank_one_outlier(theta, u, v, sigma)
        eig = np.linalg.eigvals(sigma * j + theta * np.outer(u, v))
        assert abs(np.max(eig.real) - pred) < 0.05
        assert dmft.rank_one_outlier(0.1 * sigma / float(u @ v), u, v, sigma) is None
    a, b = rng.normal(size=n) / np.sqrt(n), rng.normal(size=n) / np.sqrt(n)
    b = 0.6 * a + 0.8 * b
    sigma, z, zp = 0.6, 1.1, 0.9 + 0.3j
    vals = []
    for _ in range(4):
        j = rng.normal(size=(n, n)) / np.sqrt(n)
        ra = np.linalg.solve(z * np.eye(n) - sigma * j, a)
        rb = np.linalg.solve(zp * np.eye(n) - sigma * j, b)
        vals.append(np.vdot(ra, rb))
    pred = dmft.ginibre_quadratic_form(a, b, z, zp, sigma)
    assert abs(np.mean(vals) - pred) < 3 / np.sqrt(n)


# ----------------------------------------------------------------------------- part 2: rank one + bulk


def test_rank_one_mean_field_solves_its_equations():
    from learndyn.theory.dmft import gaussian_mean, rank_one_mean_field

    for g, overlap in ((0.5, 2.0), (1.5, 3.0), (0.0, 1.5)):
        th = rank_one_mean_field(g, overlap)
        d, d0, k = th["delta"], th["delta0"], th["kappa"]
        assert abs(overlap * gaussian_mean(lambda x: 1 - np.tanh(x) ** 2, d) - 1) < 1e-10
        assert abs(d0 - g**2 * gaussian_mean(lambda x: np.tanh(x) ** 2, d)) < 1e-10
        assert abs(k**2 + d0 - d) < 1e-10 and th["stable"]
    assert rank_one_mean_field(0.5, 0.9)["kappa"] == 0.0  # σ_mn ≤ 1: only the trivial state
    ks = [rank_one_mean_field(0.5, ov)["kappa"] for ov in (1.2, 2.0, 3.0)]
    assert ks[0] < ks[1] < ks[2]
    # at g = 0 the bulk vanishes: κ solves κ = σ_mn ⟨φ'(κ m)⟩ with Δ = κ², a 1-D check
    th = rank_one_mean_field(0.0, 2.0)
    assert th["delta0"] == 0.0 and abs(th["kappa"] ** 2 - th["delta"]) < 1e-12


@pytest.mark.parametrize("g,overlap", [(0.5, 2.0), (1.5, 3.0)])
def test_rank_one_kappa_matches_simulation(g, overlap):
    """κ* of the mean field against relaxed networks (N = 1000, 3 draws, both signs)."""
    from learndyn.theory.dmft import rank_one_mean_field, rank_one_network, relax_rank_one

    n = 1000
    kappa = rank_one_mean_field(g, overlap)["kappa"]
    got = []
    for seed in range(3):
        W, m, nv = rank_one_network(seed, n, g, overlap)
        for sign in (1, -1):
            x = relax_rank_one(W, sign * m)
            assert np.linalg.norm(-x + W @ np.tanh(x)) < 1e-8  # a fixed point, not chaos
            got.append(sign * nv @ np.tanh(x) / n)
    assert abs(np.mean(got) / kappa - 1) < 0.05, (np.mean(got), kappa)
    assert max(abs(k / kappa - 1) for k in got) < 0.1


def test_finder_locates_the_predicted_rank_one_states():
    """The fixed-point finder, started (as usual) from states along short trajectories — from ±m
    plus noise, and from near 0 — finds the two stable states at κ ≈ ±κ* (within 5 %) and the
    unstable origin."""
    import jax.numpy as jnp

    from learndyn.analysis import find_fixed_points
    from learndyn.theory.dmft import rank_one_mean_field, rank_one_network, relax_rank_one

    n, g, overlap = 300, 0.5, 2.0
    W, m, nv = rank_one_network(3, n, g, overlap)
    rng = np.random.default_rng(0)
    x0 = np.stack([relax_rank_one(W, s * m + 0.3 * rng.standard_normal(n), steps=30) for s in (-1, 1)
                   for _ in range(3)] + [0.01 * rng.standard_normal(n) for _ in range(2)])
    fp = find_fixed_points(lambda w, x: -x + w @ jnp.tanh(x), jnp.asarray(W), jnp.asarray(x0), opt_steps=100)
    fixed = fp.x[fp.fixed]
    kappas = np.tanh(fixed) @ nv / n
    kappa = rank_one_mean_field(g, overlap)["kappa"]
    stable = np.sort(kappas[fp.stable[fp.fixed]])
    assert len(stable) == 2 and np.all(np.abs(np.abs(stable) / kappa - 1) < 0.05), (stable, kappa)
    assert stable[0] < 0 < stable[1]
    origin = fixed[np.argmin(np.linalg.norm(fixed, axis=1))]
    assert np.linalg.norm(origin) < 1e-6 and not fp.stable[fp.fixed][np.argmin(np.linalg.norm(fixed, axis=1))]


def test_rank_one_experiment_writes_kappa_beside_the_mean_field(tmp_path):
    """`learndyn run dmft-rank-one` (small N): κ of every network against ±κ* in one result set,
    seeds alternating between the two states, a κ(t) figure."""
    spec = learndyn.resolve_spec("dmft-rank-one", ["model.n=300", "train.steps=400"], seeds=4)
    ds = learndyn.run(spec, tmp_path / "r1")
    for g in (0.5, 1.5):
        k = ds["kappa_final"].sel(g=g).values
        kstar = float(ds["kappa_theory"].sel(g=g))
        assert np.array_equal(np.sign(k), [1, -1, 1, -1])
        assert abs(np.abs(k).mean() / kstar - 1) < 0.05, (g, k, kstar)
        assert bool(ds["rank_one_stable_theory"].sel(g=g))
    assert (tmp_path / "r1" / "figures" / "kappa.png").exists()
    summary = json.loads((tmp_path / "r1" / "summary.json").read_text())
    assert len(summary["metrics"]["kappa"]) == 2 and len(summary["theory"]["kappa"]) == 2
