"""Mean-field reduction of low-rank networks (learndyn.theory.low_rank): exact identities and the
large-N limit."""

from __future__ import annotations

import jax.numpy as jnp
import jax.random as jr
import numpy as np

from learndyn.models import LowRankRNN
from learndyn.theory import dmft
from learndyn.theory import low_rank as lr


def _network_from_table(table, lay, *, g=0.0, activation="tanh", key=None):
    n = table.shape[0]
    j = g * jr.normal(key, (n, n)) / np.sqrt(n) if g else jnp.zeros((n, n))
    return LowRankRNN(jnp.asarray(table[:, lay.m]), jnp.asarray(table[:, lay.n]), j, jnp.asarray(table[:, lay.inputs]),
                      jnp.asarray(table[:, lay.bias]), jnp.asarray(table[:, lay.w].T / n), jnp.zeros(lay.n_out),
                      activation)


def _table(key, n, rank=2, n_in=2, n_out=1):
    lay = lr.LoadingLayout(rank, n_in, n_out)
    a = jr.normal(key, (lay.size, lay.size)) / np.sqrt(lay.size)
    z = np.asarray(jr.normal(jr.fold_in(key, 1), (n, lay.size)) @ a.T) + 0.3
    return z, lay


def test_loadings_round_trip_and_layout():
    """loadings() of a network rebuilds it; the layout names every column once."""
    table, lay = _table(jr.key(0), 50)
    net = _network_from_table(table, lay)
    again, lay2 = lr.loadings(net.m, net.n_vec, net.w_in, net.b, net.w_out)
    assert lay2 == lay and np.allclose(again, table, atol=1e-5)
    assert len(set(lay.names())) == lay.size == table.shape[1]


def test_linear_mean_field_equals_network_latent_dynamics_exactly():
    """φ = identity and the single-Gaussian fit (sample moments): the mean-field latent velocity and
    readout equal the network's exact latent velocity Nᵀφ(Mκ + v₀)/N − κ and its readout, to 1e-10
    (Stein's identity is exact for a linear function with the sample mean and covariance)."""
    table, lay = _table(jr.key(1), 80)
    net = _network_from_table(table.astype(np.float64), lay, activation="linear")
    dist = lr.fit_loadings(table, lay, 1)
    for k in range(5):
        kappa = jr.normal(jr.key(10 + k), (2,), jnp.float64)
        u = jr.normal(jr.key(20 + k), (2,), jnp.float64)
        exact = net.latent_velocity(kappa, u)
        mf = lr.mean_field_velocity(dist, kappa, u, activation="linear")
        np.testing.assert_allclose(mf, exact, rtol=1e-10, atol=1e-10)
        y = net.readout(net.m @ kappa + net.latent_offset(u))
        np.testing.assert_allclose(lr.mean_field_readout(dist, kappa, u, 0.0, activation="linear"), y,
                                   rtol=1e-10, atol=1e-10)


def test_tanh_mean_field_is_the_large_n_limit():
    """A network of N = 40 000 units drawn from a 2-population mixture: its latent velocity at random
    (κ, u) is within 5 standard errors (O(N^-1/2)) of the mean-field velocity of that mixture."""
    lay = lr.LoadingLayout(2, 1, 1)
    rng = np.random.default_rng(0)
    covs = []
    for _ in range(2):
        a = rng.standard_normal((lay.size, lay.size)) / np.sqrt(lay.size)
        covs.append(a @ a.T + 0.1 * np.eye(lay.size))
    dist = lr.LoadingDistribution(np.array([0.3, 0.7]), rng.standard_normal((2, lay.size)), np.array(covs), lay)
    n = 40_000
    table = lr.sample_loadings(dist, jr.key(3), n)
    net = _network_from_table(table, lay)
    for k in range(4):
        kappa, u = rng.standard_normal(2), rng.standard_normal(1)
        x = table[:, lay.m] @ kappa + table[:, lay.inputs] @ u + table[:, lay.bias]
        terms = table[:, lay.n] * np.tanh(x)[:, None]
        se = terms.std(0) / np.sqrt(n)
        exact = np.asarray(net.latent_velocity(jnp.asarray(kappa), jnp.asarray(u)))
        mf = np.asarray(lr.mean_field_velocity(dist, jnp.asarray(kappa), jnp.asarray(u)))
        assert np.all(np.abs(exact - mf) <= 5 * se + 1e-6), (exact, mf, se)


def test_rank_one_fixed_points_match_the_rank_one_mean_field_with_a_random_bulk():
    """Rank one, m ~ N(0, 1), σ_mn = 2, random part g = 0.5: the latent fixed points are ±κ* and 0 with
    κ* and the stability of theory.dmft.rank_one_mean_field (κ* = 1.2895), to 1e-6."""
    lay = lr.LoadingLayout(1, 0, 0)
    cov = np.zeros((lay.size, lay.size))
    cov[0, 0], cov[0, 1], cov[1, 0], cov[1, 1] = 1.0, 2.0, 2.0, 5.0
    dist = lr.LoadingDistribution(np.ones(1), np.zeros((1, lay.size)), cov[None], lay)
    ref = dmft.rank_one_mean_field(0.5, 2.0)
    fps = lr.latent_fixed_points(lambda k: lr.mean_field_velocity(dist, k, jnp.zeros(0), g=0.5), 1, span=3.0)
    order = np.argsort(fps.kappa[:, 0])
    kappa, stable = fps.kappa[order, 0], fps.stable[order]
    np.testing.assert_allclose(kappa, [-ref["kappa"], 0.0, ref["kappa"]], atol=1e-6)
    assert list(stable) == [True, False, True]


def test_resampled_loadings_follow_the_mixture():
    """sample_loadings: population shares and per-population moments of 200 000 draws within 1 %."""
    lay = lr.LoadingLayout(1, 1, 1)
    rng = np.random.default_rng(1)
    covs = np.array([np.diag(rng.uniform(0.5, 2, lay.size)) for _ in range(2)])
    means = np.stack([np.full(lay.size, -4.0), np.full(lay.size, 4.0)])
    dist = lr.LoadingDistribution(np.array([0.25, 0.75]), means, covs, lay)
    s = lr.sample_loadings(dist, jr.key(0), 200_000)
    hi = s[:, 0] > 0
    assert abs(hi.mean() - 0.75) < 0.01
    np.testing.assert_allclose(s[hi].mean(0), means[1], atol=0.02)
    np.testing.assert_allclose(s[hi].var(0), np.diag(covs[1]), rtol=0.02)
    fit = lr.fit_loadings(s, lay, 2, seed=0)
    order = np.argsort(fit.means[:, 0])
    np.testing.assert_allclose(fit.weights[order], [0.25, 0.75], atol=0.01)
    np.testing.assert_allclose(fit.means[order], means, atol=0.03)


def test_mixture_fit_does_not_depend_on_the_units_of_a_loading():
    """EM's start is standardised: multiplying one loading column by 1000 (the readout loadings are
    often far larger than the rest) multiplies that column of the fitted means by 1000 and leaves every
    other number of the fit unchanged (1e-6)."""
    rng = np.random.default_rng(5)
    lay = lr.LoadingLayout(1, 1, 1)
    table = np.concatenate([rng.standard_normal((300, lay.size)) + 2.0 * (rng.random((300, 1)) < 0.5),
                            rng.standard_normal((300, lay.size)) * 0.5], axis=0)
    scale = np.ones(lay.size)
    scale[lay.w] = 1000.0
    a = lr.fit_loadings(table, lay, 3, seed=1)
    b = lr.fit_loadings(table * scale, lay, 3, seed=1)
    order_a, order_b = np.argsort(a.weights), np.argsort(b.weights)
    np.testing.assert_allclose(b.weights[order_b], a.weights[order_a], atol=1e-6)
    np.testing.assert_allclose(b.means[order_b] / scale, a.means[order_a], atol=1e-6)
    np.testing.assert_allclose(b.covariances[order_b] / np.outer(scale, scale), a.covariances[order_a], atol=1e-6)
