"""Large-N kernel theory of the integrate model (issue "Large-N theory", part 4): the kernel
against the finite-N tangent kernel, the initial learning rate of the loss against the exact
gradient, and the kernel learning curve's basic identities."""

import jax.numpy as jnp
import numpy as np
import pytest

import learndyn  # noqa: F401  (float64)
from learndyn.models import LinearRNN
from learndyn.tasks._white_noise import leaky_target
from learndyn.theory.kernel import integrate_kernel, kernel_learning_curve, target_filter
from learndyn.training._exact import exact_loss_and_grad

LEAKY = lambda s: target_filter("leaky", s, 0.2)  # noqa: E731


def _network(seed, n, sigma):
    r = np.random.default_rng(seed)
    return LinearRNN(jnp.asarray(sigma * r.standard_normal((n, n)) / np.sqrt(n)),
                     jnp.asarray(r.standard_normal(n) / np.sqrt(n)), jnp.asarray(r.standard_normal(n) / np.sqrt(n)))


def test_kernel_limits_and_symmetry():
    s = np.linspace(0, 8, 9)
    k = integrate_kernel(s, s, 0.5)
    np.testing.assert_allclose(k, k.T, atol=1e-15)
    assert np.all(np.linalg.eigvalsh(k) > -1e-12)  # a Gram matrix
    # σ = 0: K = e^{-(s+s')}(2 + s s') exactly (two-neuron kernel), and σ → 0 is continuous
    ss, tt = np.meshgrid(s, s, indexing="ij")
    np.testing.assert_allclose(integrate_kernel(s, s, 0.0), np.exp(-ss - tt) * (2 + ss * tt), rtol=1e-14)
    np.testing.assert_allclose(integrate_kernel(s, s, 1e-6), integrate_kernel(s, s, 0.0), rtol=1e-9)
    # K(0, s) = (‖u‖² + ‖v‖²) e^{-s}: at s = 0 only the read-out / read-in directions contribute
    np.testing.assert_allclose(integrate_kernel([0.0], s, 0.7)[0], 2 * np.exp(-s), rtol=1e-14)


@pytest.mark.parametrize("sigma", [0.3, 0.6])
def test_initial_loss_slope_approaches_the_kernel_prediction(sigma):
    """dL/dτ at τ = 0 is −‖∇L‖² (exact engine). Averaged over 8 draws at N = 400 it is within
    7 % of the kernel's −⟨f⋆, K f⋆⟩ (the finite-N gap is O(1/N) and below the theory: ≈ 7 % at
    N = 200, 2 % at N = 800 in a direct check; one draw scatters by ≈ ±7 % at N = 400)."""
    target = leaky_target(0.2)
    curve = kernel_learning_curve(LEAKY, sigma, np.array([0.0, 1e-6]), s_max=150.0, nodes=500)
    assert abs(curve[0] - 1.25) < 1e-10  # L(0) = ½∫f⋆² = 1/(4c⋆)
    slope = (curve[0] - curve[1]) / 1e-6
    norms = [float(sum(jnp.sum(g**2) for g in (o.grad.w, o.grad.u, o.grad.v)))
             for o in (exact_loss_and_grad(_network(seed, 400, sigma), target) for seed in range(8))]
    assert abs(np.mean(norms) / slope - 1) < 0.07, (np.mean(norms), slope)


def test_kernel_curve_decreases_to_the_projection_limit():
    taus = np.linspace(0, 50, 6)
    curve = kernel_learning_curve(LEAKY, 0.3, taus, s_max=150.0, nodes=400)
    assert np.all(np.diff(curve) < 0) and curve[-1] >= 0


def test_target_response_matches_the_closed_forms():
    from learndyn.tasks._white_noise import oscillator_target
    from learndyn.theory.kernel import target_response

    s = np.linspace(0, 30, 61)
    for t, kind in ((leaky_target(0.2), "leaky"), (oscillator_target(0.2, 1.3), "oscillator")):
        f = target_response(t.b_mat, t.b_in, t.c_out)
        np.testing.assert_allclose(f(s), target_filter(kind, s, 0.2, 1.3), atol=1e-12)


def test_discrete_kernel_curve_is_linearised_gradient_descent():
    """``lr`` given: the curve equals the explicit iteration ``g ← g − lr K g`` of the linearised
    model on the same quadrature (to 1e-10), and tends to the gradient flow as ``lr → 0``."""
    sigma, s_max, nodes, lr = 0.6, 200.0, 300, 0.05
    x, w = np.polynomial.legendre.leggauss(nodes)
    s, w = 0.5 * s_max * (x + 1), 0.5 * s_max * w
    k = integrate_kernel(s, s, sigma) * w[None, :]  # (K g)(s) = ∫ K(s, s') g(s') ds'
    g = -LEAKY(s)
    losses = []
    for _ in range(11):
        losses.append(0.5 * np.sum(w * g ** 2))
        g = g - lr * k @ g
    taus = lr * np.arange(11)
    curve = kernel_learning_curve(LEAKY, sigma, taus, s_max=s_max, nodes=nodes, lr=lr)
    np.testing.assert_allclose(curve, losses, rtol=1e-10)
    flow = kernel_learning_curve(LEAKY, sigma, taus, s_max=s_max, nodes=nodes)
    fine = kernel_learning_curve(LEAKY, sigma, taus, s_max=s_max, nodes=nodes, lr=lr / 100)
    assert np.max(np.abs(fine / flow - 1)) < 1e-3 < np.max(np.abs(curve / flow - 1))


def test_early_phase_end():
    from learndyn.theory.kernel import early_phase_end

    taus = np.linspace(0, 1, 11)
    assert early_phase_end(1.0 - taus, taus, 0.1) == pytest.approx(0.1)
    assert early_phase_end(1.0 - 0.5 * taus, taus, 0.3) == pytest.approx(0.6)
    assert early_phase_end(np.ones(11), taus) == np.inf
