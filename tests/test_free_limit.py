"""N → ∞ theory of the whole integrate run: gradient descent on the truncated free Fock-space
network (learndyn.theory.free_limit). Exact identities (circular moments, σ = 0 two-neuron
system, initial loss, the kernel level's initial slope), convergence in the truncation, and a
small simulation; the N = 1000 comparison is the slow test tests/test_slow_large_n.py."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import learndyn
from learndyn.models import LinearRNN, two_neuron_init
from learndyn.tasks._white_noise import leaky_target, oscillator_target
from learndyn.theory.free_limit import (
    circular_operator,
    fock_dimension,
    fock_words,
    free_limit_network,
    free_limit_outliers,
)
from learndyn.theory.kernel import integrate_kernel, target_filter
from learndyn.training._exact import exact_loss_and_grad

jax.config.update("jax_enable_x64", True)  # noqa: the tests run in float64 (the library does not set it)


def _descend(net, target, lr, steps):
    @jax.jit
    def step(p):
        out = exact_loss_and_grad(p, target)
        g = out.grad
        return LinearRNN(p.w - lr * g.w, p.u - lr * g.u, p.v - lr * g.v), out.loss

    losses, tops = [], []
    for _ in range(steps):
        losses.append(float(exact_loss_and_grad(net, target).loss))
        tops.append(np.max(np.linalg.eigvals(np.asarray(net.w)).real))
        net, _ = step(net)
    return np.array(losses), np.array(tops)


@pytest.mark.parametrize("length,alternations", [(0, None), (3, None), (6, None), (6, 1), (8, 2), (10, 0)])
def test_fock_dimension_counts_the_words(length, alternations):
    words = fock_words(length, alternations)
    assert len(words) == fock_dimension(length, alternations) == len(set(words))
    if alternations is None:
        assert len(words) == 2 ** (length + 1) - 1


def test_vacuum_moments_are_the_ginibre_moments():
    """⟨Ω, w(c, cᵀ) Ω⟩ on the Fock space (length 3, no cap: exact for words of length ≤ 7) equals
    the circular moment τ(w) — checked in closed form for a few words and against the normalised
    trace of a Ginibre matrix (N = 2000, 16 probe vectors) for every word of length ≤ 6."""
    c = circular_operator(3)
    ct = c.T

    def moment(word, a, at):
        m = np.eye(a.shape[0])
        for letter in word:
            m = m @ (a if letter else at)
        return m

    omega = np.zeros(c.shape[0])
    omega[0] = 1.0
    closed = {(0, 1): 1.0, (0, 1, 0, 1): 2.0, (0, 0, 1, 1): 1.0, (1, 1): 0.0, (0, 1, 0, 1, 0, 1): 5.0}
    for word, value in closed.items():  # letters: 1 = c, 0 = cᵀ (= c* for this real matrix)
        assert abs(omega @ moment(word, c, ct) @ omega - value) < 1e-12, word
    n, probes = 2000, 16  # the trace as an average of quadratic forms over random unit vectors
    rng = np.random.default_rng(0)
    j = rng.standard_normal((n, n)) / np.sqrt(n)
    x = rng.standard_normal((n, probes))
    x /= np.linalg.norm(x, axis=0)
    for k in range(1, 7):
        for word in itertools.product((0, 1), repeat=k):
            fock = omega @ moment(word, c, ct) @ omega
            y = x
            for letter in reversed(word):
                y = (j if letter else j.T) @ y
            ginibre = np.mean(np.sum(x * y, axis=0))
            assert abs(fock - ginibre) < 0.1, (word, fock, ginibre)


def test_truncated_bulk_is_nilpotent_and_no_outlier_at_start():
    net = free_limit_network(0.6, 6, 2)
    eigs = np.linalg.eigvals(np.asarray(net.w))
    assert np.max(np.abs(eigs)) < 1e-6  # the bulk collapses to 0: nothing fakes an outlier
    assert np.isnan(free_limit_outliers(eigs, np.array([0.8]), 0.6)).all()
    assert free_limit_outliers(np.array([0.1, 0.75, -0.7]), np.array([0.8]), 0.6)[0] == 0.75


@pytest.mark.parametrize("target,l0", [(leaky_target(0.2), 1.25), (oscillator_target(0.2, 1.0), 0.64903846153846)])
def test_initial_loss_is_half_the_target_energy(target, l0):
    """f0 = ⟨Ω_v, e^{(W0 − I)s} Ω_u⟩ = 0 exactly: the u- and v-copies never meet."""
    net = free_limit_network(0.6, 6, 2)
    assert abs(float(exact_loss_and_grad(net, target).loss) - l0) < 1e-10


def test_sigma_zero_is_the_two_neuron_system():
    """σ = 0: W0 = 0 and the vacua are orthonormal u0, v0 — gradient descent equals the exact
    two-neuron system of the small-initialisation limit, step by step."""
    target = leaky_target(0.2)
    free = _descend(free_limit_network(0.0, 4, 1), target, 0.02, 40)
    two = _descend(two_neuron_init(), target, 0.02, 40)
    np.testing.assert_allclose(free[0], two[0], rtol=1e-10)
    np.testing.assert_allclose(free[1], two[1], atol=1e-10)


@pytest.mark.parametrize("sigma", [0.3, 0.6])
def test_initial_slope_is_the_kernel_level(sigma):
    """dL/dτ = −‖∇L‖² at τ = 0 equals the kernel theory's −⟨f⋆, K f⋆⟩ (the kernel level is the
    first order of this theory), to the quadrature and truncation accuracy (1e-6)."""
    net = free_limit_network(sigma, 10, 1)
    out = exact_loss_and_grad(net, leaky_target(0.2))
    grad2 = sum(float(jnp.sum(g ** 2)) for g in (out.grad.w, out.grad.u, out.grad.v))
    x, w = np.polynomial.legendre.leggauss(300)
    s_max = 40 / min(0.2, 1 - sigma)
    s, w = 0.5 * s_max * (x + 1), 0.5 * s_max * w
    f = target_filter("leaky", s, 0.2)
    kernel = (w * f) @ integrate_kernel(s, s, sigma) @ (w * f)
    assert abs(grad2 / kernel - 1) < 1e-6, (grad2, kernel)


def test_converges_in_the_truncation():
    """σ = 0.6, 24 steps of lr 0.024 through the escape. In the word length K (d = 2): the change
    of the loss curve from K = 6 to 7 is below 1 % and below that from 5 to 6 (geometric
    convergence, ratio ≈ σ/|λ|); likewise the escaped outlier (Re λ > 0.65), within 0.01. In the
    alternations d (K = 6): d = 2 → 3 changes the loss by < 1e-3 (docs: K = 8, d = 2 → 3, 1e-4)."""
    target = leaky_target(0.2)
    runs = {kd: _descend(free_limit_network(0.6, *kd), target, 0.024, 24)
            for kd in [(5, 2), (6, 2), (7, 2), (6, 3)]}
    rel = lambda a, b: np.max(np.abs(runs[a][0] / runs[b][0] - 1))  # noqa: E731
    out = lambda kd: np.where(runs[kd][1] > 0.65, runs[kd][1], np.nan)  # outside the bulk (σ = 0.6)  # noqa: E731
    top = lambda a, b: np.nanmax(np.abs(out(a) - out(b)))  # noqa: E731
    first, second = rel((5, 2), (6, 2)), rel((6, 2), (7, 2))
    assert second < 0.01 and second < first, (first, second)
    assert top((6, 2), (7, 2)) < min(0.01, top((5, 2), (6, 2))), (top((5, 2), (6, 2)), top((6, 2), (7, 2)))
    assert rel((6, 2), (6, 3)) < 1e-3, rel((6, 2), (6, 3))


def test_experiment_writes_the_theory_beside_a_small_simulation(tmp_path):
    """`dmft-integrate-whole-run` at N = 200 (8 seeds = 4 antithetic pairs, σ = 0.6, 24 steps): the
    theory is in the result set and the summary; the learned outlier is within 0.03 of it after the
    escape and the loss within 5 % + 3 s.e. (the N = 1000 acceptance run is the slow test)."""
    from learndyn.families.integrate.theory_gap import large_n_theory_gap

    spec = learndyn.resolve_spec("dmft-integrate-whole-run", ["model.n=200", "train.steps=24", "record.points=7",
                                                              "large_n.words=6"], seeds=8)
    spec = spec.model_copy(update={"grid": {"model.sigma": [0.6]}})
    ds = learndyn.run(spec, out=tmp_path / "run")
    gap = large_n_theory_gap(ds).isel(sigma=0)
    assert "loss_large_n_theory" in ds and (tmp_path / "run" / "figures" / "large_n_theory.png").exists()
    assert int(np.isfinite(gap["outlier_gap"]).sum()) >= 3
    assert float(gap["max_outlier_gap"]) < 0.03
    assert bool((abs(gap["gap"]) <= 0.05 + 3 * gap["gap_se"]).all()), gap["gap"].values


def test_too_large_a_truncation_is_a_config_error(tmp_path):
    from typer.testing import CliRunner

    from learndyn.cli import app

    res = CliRunner().invoke(app, ["run", "integrate-leaky", "--set", "large_n.words=12", "--set",
                                   "large_n.alternations=11", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2 and "large_n.words" in res.output and "Traceback" not in res.output
