"""Bordelon et al. 2025 (docs/integrate.md; checks in docs/reproductions.md) §5 checks 1, 2, 3 and 7(d): the exact engine's loss and gradient."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.integrate

from conftest import random_direction, tree_vdot
from learndyn.families.integrate.schema import WhiteNoiseTask
from learndyn.models import LinearRNN, init_linear_rnn
from learndyn.tasks import leaky_target, multiscale_target, oscillator_target, target_initial_loss
from learndyn.training import euler_discrete_loss_and_grad, exact_loss, exact_loss_and_grad


def test_gradient_matches_central_differences(getkey):
    """Check 1: N=8, σ=0.3, Gaussian u, v, oscillator (0.2, 1); relative error ≤ 1e-6."""
    net = init_linear_rnn(key=getkey(), n=8, sigma=0.3)
    target = oscillator_target(0.2, 1.0)
    grad = exact_loss_and_grad(net, target).grad
    h = 1e-6
    for _ in range(3):
        for part in ("w", "u", "v"):
            d = random_direction(net, getkey())
            d = LinearRNN(*(getattr(d, p) if p == part else jnp.zeros_like(getattr(d, p)) for p in ("w", "u", "v")))
            plus = jax.tree.map(lambda p, x: p + h * x, net, d)
            minus = jax.tree.map(lambda p, x: p - h * x, net, d)
            fd = (exact_loss(plus, target) - exact_loss(minus, target)) / (2 * h)
            an = tree_vdot(grad, d)
            assert abs(fd - an) <= 1e-6 * abs(an)


def test_symmetry_identity(getkey):
    """Check 2: W Gᵀ - Gᵀ W + u g_uᵀ - g_v vᵀ = 0 to 1e-12·max|G|."""
    net = init_linear_rnn(key=getkey(), n=8, sigma=0.3)
    g = exact_loss_and_grad(net, oscillator_target(0.2, 1.0)).grad
    ident = net.w @ g.w.T - g.w.T @ net.w + jnp.outer(net.u, g.u) - jnp.outer(g.v, net.v)
    assert float(jnp.max(jnp.abs(ident))) <= 1e-12 * float(jnp.max(jnp.abs(g.w)))


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (leaky_target(0.1), 2.5),
        (leaky_target(0.15), 1.6666667),
        (leaky_target(0.2), 1.25),
        (leaky_target(0.3), 0.8333333),
        (oscillator_target(0.2, 1.0), 0.64903846),
        (multiscale_target([10.0, 1 / 0.6], [1.0, 1.0]), 4.3452381),
        (multiscale_target([10.0, 2.0], [1.0, 1.0]), 4.6666667),
    ],
)
@pytest.mark.parametrize("n", [2, 7, 30])
def test_initial_loss(target, expected, n, getkey):
    """Check 3: σ=0, orthonormal u0, v0, any N: L = L0 to 1e-10 relative (values of the spec)."""
    net = init_linear_rnn(key=getkey(), n=n, sigma=0.0, init_uv="orthonormal")
    loss = float(exact_loss(net, target))
    assert loss == pytest.approx(expected, abs=5e-8)
    t = target
    exact_l0 = 0.5 * float(t.c_out @ np.asarray(
        __import__("scipy.linalg").linalg.solve_continuous_lyapunov(np.asarray(t.b_mat), -np.outer(t.b_in, t.b_in))
    ) @ t.c_out)
    assert loss == pytest.approx(exact_l0, rel=1e-10)


def test_initial_loss_closed_forms():
    assert target_initial_loss(WhiteNoiseTask(kind="leaky", c_star=0.2)) == pytest.approx(1.25, rel=1e-12)
    osc = WhiteNoiseTask(kind="oscillator", c_star=0.2, omega_star=1.0)
    assert target_initial_loss(osc) == pytest.approx((1 / 8) * (1 / 0.2 + 0.2 / (0.04 + 1)), rel=1e-12)
    ms = WhiteNoiseTask(kind="multiscale", timescales=[10.0, 2.0], gains=[1.0, 1.0])
    assert target_initial_loss(ms) == pytest.approx(4.6666667, abs=1e-7)


def test_loss_equals_integral_of_squared_error(getkey):
    """L = ½∫(f - f⋆)² by quadrature of the impulse responses (independent of the Gramians)."""
    net = init_linear_rnn(key=getkey(), n=6, sigma=0.4)
    c = 0.3
    f = lambda s: float(net.impulse_response(jnp.array([s]))[0]) - np.exp(-c * s)  # noqa: E731
    integral, _ = scipy.integrate.quad(lambda s: f(s) ** 2, 0, 200, limit=400)
    assert float(exact_loss(net, leaky_target(c))) == pytest.approx(0.5 * integral, rel=1e-7)


def test_unstable_point_is_inf_and_not_ok():
    net = LinearRNN(jnp.diag(jnp.array([1.2, 0.1])), jnp.ones(2), jnp.ones(2))
    out = exact_loss_and_grad(net, leaky_target(0.2))
    assert not bool(out.ok)
    assert np.isinf(float(out.loss))
    assert all(float(jnp.max(jnp.abs(g))) == 0 for g in jax.tree.leaves(out.grad))


@pytest.mark.parametrize(
    ("target", "dt", "expected", "tol"),
    [
        (leaky_target(0.2), 0.05, 0.005025, 1e-6),
        (oscillator_target(0.2, 1.0), 0.05, 0.1487, 1e-3),
        (oscillator_target(0.2, 1.0), 0.01, 0.0267, 1e-3),
        (oscillator_target(0.2, 1.0), 0.005, 0.0132, 1e-3),
    ],
)
def test_euler_bias_at_zero_network(target, dt, expected, tol):
    """Check 7(d): L_dt/L - 1 at f ≡ 0."""
    net = LinearRNN(jnp.zeros((2, 2)), jnp.array([1.0, 0.0]), jnp.array([0.0, 1.0]))
    ratio = float(euler_discrete_loss_and_grad(net, target, dt).loss / exact_loss(net, target))
    assert ratio - 1 == pytest.approx(expected, abs=tol)


def test_euler_leaky_bias_closed_form():
    """Leaky at f ≡ 0: exactly L_dt/L = 1/(1 - c⋆ dt/2)."""
    net = LinearRNN(jnp.zeros((1, 1)), jnp.zeros(1), jnp.zeros(1))
    for c, dt in [(0.2, 0.05), (0.1, 0.02), (0.3, 0.1)]:
        ratio = float(euler_discrete_loss_and_grad(net, leaky_target(c), dt).loss / exact_loss(net, leaky_target(c)))
        assert ratio == pytest.approx(1 / (1 - c * dt / 2), rel=1e-10)


def test_euler_discrete_gradient_matches_differences(getkey):
    net = init_linear_rnn(key=getkey(), n=6, sigma=0.3)
    target, dt, h = leaky_target(0.2), 0.05, 1e-6
    grad = euler_discrete_loss_and_grad(net, target, dt).grad
    d = random_direction(net, getkey())
    lp = euler_discrete_loss_and_grad(jax.tree.map(lambda p, x: p + h * x, net, d), target, dt).loss
    lm = euler_discrete_loss_and_grad(jax.tree.map(lambda p, x: p - h * x, net, d), target, dt).loss
    an = tree_vdot(grad, d)
    assert abs((lp - lm) / (2 * h) - an) <= 1e-6 * abs(an)


def test_euler_bias_at_sigma_point(getkey):
    """Check 7(d): at a σ=0.3, N=20 point the leaky Euler bias is 0.0056 ± 0.001."""
    net = init_linear_rnn(key=getkey(), n=20, sigma=0.3)
    t = leaky_target(0.2)
    ratio = float(euler_discrete_loss_and_grad(net, t, 0.05).loss / exact_loss(net, t))
    assert ratio - 1 == pytest.approx(0.0056, abs=1e-3)
