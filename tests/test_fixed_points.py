"""Fixed-point finder (analysis/_fixed_points.py) on systems whose fixed points are known exactly,
and the PCA / dimension tools (analysis/_pca.py)."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from scipy.optimize import brentq

from learndyn.analysis import find_fixed_points, learned_rank, participation_ratio, pca, weight_trajectory


def bistable_velocity(w, x):
    """τẋ = −x + W tanh(x) (module level: one compilation for every test)."""
    return -x + w @ jnp.tanh(x)


def bistable_map(w, x):
    return w @ jnp.tanh(x)


def _bistable(n=60, g=2.0, seed=0):
    m = np.where(np.asarray(jr.bernoulli(jr.key(seed), 0.5, (n,))), 1.0, -1.0)
    return jnp.asarray(g * np.outer(m, m) / n), m, brentq(lambda k: k - g * np.tanh(k), 0.5, 10.0)


@pytest.mark.parametrize("time", ["continuous", "discrete"])
def test_low_rank_bistable_network_all_fixed_points(time):
    """W = g m mᵀ/N (m ∈ {±1}ᴺ, g = 2): exactly three fixed points x = κm with κ = g tanh κ:
    ±κ* stable, 0 a saddle with one unstable direction (along m)."""
    w, m, kstar = _bistable()
    fn = bistable_velocity if time == "continuous" else bistable_map
    x0 = 3.0 * jr.normal(jr.key(1), (128, 60))
    fp = find_fixed_points(fn, w, x0, time=time)
    fp = fp.select(fp.fixed)
    assert len(fp) == 3
    assert np.all(fp.q < 1e-20)
    kappa = fp.x @ m / 60
    order = np.argsort(kappa)
    np.testing.assert_allclose(kappa[order], [-kstar, 0.0, kstar], atol=1e-10)
    # every point lies on the line spanned by m
    np.testing.assert_allclose(fp.x, np.outer(kappa, m), atol=1e-10)
    np.testing.assert_array_equal(fp.stable[order], [True, False, True])
    np.testing.assert_array_equal(fp.n_unstable[order], [0, 1, 0])
    # the saddle's unstable direction is m
    d = fp.unstable_direction[order[1]]
    assert abs(abs(d @ m) / np.sqrt(60) - 1) < 1e-8
    # Jacobian at the saddle (continuous): −I + g m mᵀ/N → unstable eigenvalue g − 1
    if time == "continuous":
        assert abs(fp.eigenvalues[order[1], 0].real - 1.0) < 1e-8


def linear_saddle(a, x):
    return a @ x


def test_linear_saddle_and_stability_counts():
    a = jnp.diag(jnp.asarray([-1.0, -0.5, 2.0]))
    fp = find_fixed_points(linear_saddle, a, jr.normal(jr.key(0), (16, 3)))
    assert fp.fixed.sum() == 1 and fp.q[0] < 1e-20
    np.testing.assert_allclose(fp.x[0], 0.0, atol=1e-12)
    assert fp.n_unstable[0] == 1 and not fp.stable[0]
    np.testing.assert_allclose(np.abs(fp.unstable_direction[0]), [0, 0, 1], atol=1e-12)


def ghost(eps, x):
    """ẋ = ε + x²: no fixed point for ε > 0, a slow point at x = 0 with q = ε²/2."""
    return eps + x**2


def test_slow_point_is_kept_but_not_called_fixed():
    x0 = jnp.linspace(-1, 1, 9)[:, None]
    fp = find_fixed_points(ghost, 1e-3, x0, slow_fraction=1e-3, opt_steps=3000)
    q0 = np.median(0.5 * (1e-3 + np.asarray(x0) ** 2) ** 2)
    assert len(fp) >= 1 and not fp.fixed.any() and np.all(fp.q < 1e-3 * q0)
    assert abs(fp.x[0, 0]) < 1e-3 and abs(fp.q[0] - 0.5e-6) < 1e-9  # the best one is the ghost at 0


def test_participation_ratio_and_pca():
    key = jr.key(0)
    iso = np.asarray(jr.normal(key, (40000, 5)))
    assert abs(participation_ratio(iso) - 5.0) < 0.05
    line = np.outer(np.linspace(-1, 1, 50), np.arange(1.0, 7.0))
    assert abs(participation_ratio(line) - 1.0) < 1e-12
    x = np.asarray(jr.normal(jr.key(1), (200, 6))) * np.array([5, 3, 1, 0.5, 0.1, 0.01])
    p = pca(x)
    assert abs(p.explained.sum() - 1.0) < 1e-12
    np.testing.assert_allclose(p.components @ p.components.T, np.eye(6), atol=1e-12)
    np.testing.assert_allclose(p.project(x) @ p.components + p.mean, x, atol=1e-10)


def test_learned_rank_and_weight_trajectory():
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(30, 30)) / np.sqrt(30)
    dw = np.outer(rng.normal(size=30), rng.normal(size=30)) + 0.5 * np.outer(rng.normal(size=30), rng.normal(size=30))
    out = learned_rank(w0 + dw, w0)
    assert out["rank"] == 2
    assert 1.0 < out["participation_ratio"] < 2.0
    # weights moving on a straight line: PC1 explains everything
    ws = w0[None] + np.linspace(0, 1, 11)[:, None, None] * dw[None]
    proj, explained = weight_trajectory(ws, 3)
    assert abs(explained[0] - 1.0) < 1e-12
    np.testing.assert_allclose(np.diff(proj[:, 0]), np.diff(proj[:, 0])[0], atol=1e-9)
