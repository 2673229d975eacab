"""Bordelon et al. 2025 (docs/integrate.md; checks in docs/reproductions.md) §5 check 4: the Lyapunov solver against scipy (Bartels-Stewart)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg

from learndyn.linalg import lyapunov_pair, solve_lyapunov, solve_stein
from learndyn.models import init_linear_rnn


@pytest.mark.parametrize("n", [20, 100])
@pytest.mark.parametrize("sigma", [0.3, 0.5, 0.9])
def test_lyapunov_matches_scipy(n, sigma, getkey):
    net = init_linear_rnn(key=getkey(), n=n, sigma=sigma)
    a = net.w - jnp.eye(n)
    q = jnp.outer(net.u, net.u)
    x = np.asarray(solve_lyapunov(a, q))
    ref = scipy.linalg.solve_continuous_lyapunov(np.asarray(a), -np.asarray(q))
    assert np.max(np.abs(x - ref)) <= 1e-10 * np.max(np.abs(ref))
    residual = np.asarray(a) @ x + x @ np.asarray(a).T + np.asarray(q)
    assert np.max(np.abs(residual)) <= 1e-12 * np.max(np.abs(q))


def test_pair_gives_both_gramians(getkey):
    net = init_linear_rnn(key=getkey(), n=30, sigma=0.5)
    a = net.w - jnp.eye(30)
    b, c = jnp.outer(net.u, net.u), jnp.outer(net.v, net.v)
    p, q, stable = lyapunov_pair(a, b, c)
    assert bool(stable)
    np.testing.assert_allclose(p, scipy.linalg.solve_continuous_lyapunov(np.asarray(a), -np.asarray(b)), atol=1e-12)
    np.testing.assert_allclose(q, scipy.linalg.solve_continuous_lyapunov(np.asarray(a).T, -np.asarray(c)), atol=1e-12)


def test_unstable_matrix_is_flagged():
    a = jnp.diag(jnp.array([-1.0, 0.05, -0.3]))  # one eigenvalue in the right half plane
    _, _, stable = lyapunov_pair(a, jnp.eye(3), jnp.eye(3))
    assert not bool(stable)
    assert np.all(np.isnan(solve_lyapunov(a, jnp.eye(3))))


def test_stein_matches_scipy(getkey):
    net = init_linear_rnn(key=getkey(), n=15, sigma=0.5)
    m = jnp.eye(15) + 0.05 * (net.w - jnp.eye(15))
    q = jnp.outer(net.u, net.u)
    x = np.asarray(solve_stein(m, q))
    ref = scipy.linalg.solve_discrete_lyapunov(np.asarray(m), np.asarray(q))
    assert np.max(np.abs(x - ref)) <= 1e-9 * np.max(np.abs(ref))


def test_vmapped_solver_equals_single(getkey):
    nets = jax.vmap(lambda k: init_linear_rnn(key=k, n=12, sigma=0.4))(jax.random.split(getkey(), 5))
    a = nets.w - jnp.eye(12)
    q = jax.vmap(jnp.outer)(nets.u, nets.u)
    batched = jax.vmap(solve_lyapunov)(a, q)
    for i in range(5):
        np.testing.assert_allclose(batched[i], solve_lyapunov(a[i], q[i]), rtol=1e-13, atol=1e-15)
