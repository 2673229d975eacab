"""Bordelon et al. 2025 (docs/integrate.md; checks in docs/reproductions.md) §5 checks 5, 6, 9 (two-neuron), 10, 11, 12: the reduced theory."""

import jax
import jax.flatten_util
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
import scipy.integrate

from learndyn.analysis import conserved_matrix
from learndyn.models import LinearRNN, init_linear_rnn, two_neuron_init
from learndyn.tasks import leaky_target, multiscale_target, oscillator_target
from learndyn.theory import integrate as th
from learndyn.training import Problem, exact_loss, exact_loss_and_grad, train


def gd_records(nets, target, lr, steps, observe_every=1):
    """Train a batch of networks by exact GD with the one trainer; record params at each step."""
    n_net = jax.tree.leaves(nets)[0].shape[0]
    problem = Problem(
        params=nets, data=jax.tree.map(lambda x: jnp.stack([x] * n_net), target),
        lr=jnp.full(n_net, lr), keys=jr.split(jr.key(0), n_net),
        engine=lambda p, d, k: exact_loss_and_grad(p, d),
    )
    steps_list = list(range(0, steps + 1, observe_every))
    loss_fn = jax.jit(jax.vmap(lambda p, d: exact_loss_and_grad(p, d)))

    def observe(state):
        out = loss_fn(state.params, problem.data)
        return {"w": np.asarray(state.params.w), "u": np.asarray(state.params.u),
                "v": np.asarray(state.params.v), "loss": np.asarray(out.loss),
                "gw": np.asarray(out.grad.w), "gu": np.asarray(out.grad.u), "gv": np.asarray(out.grad.v)}

    _, recs = train(problem, steps_list, observe)
    return steps_list, recs


def batch_of(*nets):
    return jax.tree.map(lambda *a: jnp.stack(a), *nets)


@pytest.fixture(scope="module")
def equivalence_run():
    """N=60, σ=0, orthonormal u0, v0 and the two-neuron system, lr 0.02, 300 GD steps."""
    big = init_linear_rnn(key=jr.key(7), n=60, sigma=0.0, init_uv="orthonormal")
    u_basis = np.stack([np.asarray(big.u), np.asarray(big.v)], axis=1)  # U = [u0, v0]
    steps, rec_big = gd_records(batch_of(big), leaky_target(0.2), 0.02, 300)
    _, rec_two = gd_records(batch_of(two_neuron_init()), leaky_target(0.2), 0.02, 300)
    return steps, rec_big, rec_two, u_basis


def test_two_neuron_equivalence(equivalence_run):
    """Check 5 / issue acceptance 3: the N=60 network equals U M Uᵀ etc. to 1e-10 at every step."""
    steps, rec_big, rec_two, U = equivalence_run
    worst = 0.0
    for rb, rt in zip(rec_big, rec_two, strict=True):
        w_red = U @ rt["w"][0] @ U.T
        worst = max(worst, np.max(np.abs(rb["w"][0] - w_red)), np.max(np.abs(rb["u"][0] - U @ rt["u"][0])),
                    np.max(np.abs(rb["v"][0] - U @ rt["v"][0])), abs(rb["loss"][0] - rt["loss"][0]))
    assert worst <= 1e-10


@pytest.mark.parametrize(("step", "loss", "lam"), [(50, 0.0435905, 0.662984), (100, 0.0084191, 0.756063),
                                                    (300, 0.0027362, 0.778338)])
def test_two_neuron_values(equivalence_run, step, loss, lam):
    """Check 5: values of both systems at steps 50, 100, 300 (to 1e-6)."""
    _, rec_big, rec_two, _ = equivalence_run
    for rec in (rec_big, rec_two):
        assert rec[step]["loss"][0] == pytest.approx(loss, abs=1e-6)
        top = np.max(np.linalg.eigvals(rec[step]["w"][0]).real)
        assert top == pytest.approx(lam, abs=1e-6)


def test_conservation_law_per_step(equivalence_run):
    """Check 6(a): Q_{k+1} - Q_k = η²(G Gᵀ - Gᵀ G + g_u g_uᵀ - g_v g_vᵀ) to 1e-12."""
    _, _, rec_two, _ = equivalence_run
    eta = 0.02
    worst = 0.0
    for a, b in zip(rec_two[:-1], rec_two[1:], strict=True):
        qa = conserved_matrix(a["w"][0], a["u"][0], a["v"][0])
        qb = conserved_matrix(b["w"][0], b["u"][0], b["v"][0])
        predicted = eta**2 * conserved_matrix(a["gw"][0], a["gu"][0], a["gv"][0])
        # conserved_matrix(G, g_u, g_v) = G Gᵀ - Gᵀ G + g_u g_uᵀ - g_v g_vᵀ
        worst = max(worst, np.max(np.abs(qb - qa - predicted)))
    assert worst <= 1e-12


def test_conservation_drift_values(equivalence_run):
    """Check 6(b): ‖Q - Q0‖_F = 1.219e-2 at step 50 and 1.187e-2 at step 300 (±1 %); basis-free."""
    _, rec_big, rec_two, _ = equivalence_run
    for rec in (rec_big, rec_two):
        q0 = conserved_matrix(rec[0]["w"][0], rec[0]["u"][0], rec[0]["v"][0])
        for step, expected in ((50, 1.219e-2), (300, 1.187e-2)):
            q = conserved_matrix(rec[step]["w"][0], rec[step]["u"][0], rec[step]["v"][0])
            assert np.linalg.norm(q - q0) == pytest.approx(expected, rel=0.01)


def test_gradient_flow_conserves_q():
    """Check 6(c): two-neuron gradient flow (diffrax Dopri8, rtol 1e-10) to τ = 6."""
    net0 = two_neuron_init()
    ys = th.gradient_flow(net0, leaky_target(0.2), jnp.array([2.0, 4.0, 6.0]))
    q0 = conserved_matrix(*(np.asarray(x) for x in (net0.w, net0.u, net0.v)))
    for i in range(3):
        q = conserved_matrix(np.asarray(ys.w[i]), np.asarray(ys.u[i]), np.asarray(ys.v[i]))
        assert np.linalg.norm(q - q0) <= 1e-8
    final = jax.tree.map(lambda x: x[-1], ys)
    assert float(exact_loss(final, leaky_target(0.2))) == pytest.approx(0.0027511, abs=1e-5)
    eig = np.sort(np.linalg.eigvals(np.asarray(final.w)).real)
    np.testing.assert_allclose(eig, [-0.07141, 0.77822], atol=1e-4)


def test_gradient_flow_matches_scipy():
    """The diffrax flow agrees with scipy's DOP853 on the same vector field."""
    target = leaky_target(0.2)
    net0 = two_neuron_init()
    flat0, unravel = jax.flatten_util.ravel_pytree(net0)
    grad = jax.jit(lambda x: -jax.flatten_util.ravel_pytree(exact_loss_and_grad(unravel(x), target).grad)[0])
    sol = scipy.integrate.solve_ivp(lambda t, y: np.asarray(grad(jnp.asarray(y))), (0, 3), np.asarray(flat0),
                                    method="DOP853", rtol=1e-10, atol=1e-10)
    ours = jax.flatten_util.ravel_pytree(jax.tree.map(lambda x: x[-1], th.gradient_flow(net0, target, jnp.array([3.0]))))[0]
    np.testing.assert_allclose(np.asarray(ours), sol.y[:, -1], atol=1e-7)


def test_oscillator_pair_two_neuron():
    """Check 9 (two-neuron): lr 0.02 → within 0.01 of 0.8 ± 1.0i from step 964; 1e-4 by 1500."""
    steps, rec = gd_records(batch_of(two_neuron_init()), oscillator_target(0.2, 1.0), 0.02, 1500, observe_every=1)
    eig = lambda k: np.linalg.eigvals(rec[k]["w"][0])  # noqa: E731
    e500 = eig(500)
    e500 = e500[np.argmax(e500.imag)]
    assert e500.real == pytest.approx(0.3884, abs=1e-3)
    assert e500.imag == pytest.approx(0.5143, abs=1e-3)
    assert rec[500]["loss"][0] == pytest.approx(0.196, abs=1e-3)
    def dist(k):  # componentwise, as the spec measures it: max(|Re λ - 0.8|, |Im λ - 1|)
        e = eig(k)
        e = e[np.argmax(e.imag)]
        return max(abs(e.real - 0.8), abs(e.imag - 1.0))

    d = np.array([dist(k) for k in steps])
    assert np.all(d[964:] < 0.01) and d[963] >= 0.01
    assert d[1500] < 1e-4
    assert rec[1500]["loss"][0] < 1e-8


@pytest.mark.parametrize(("rates", "alpha", "lam", "kappa", "loss"), [
    ((0.1, 0.6), 0.15, 0.85, 1.6, 0.0785714),
    ((0.1, 0.5), 0.151984, 0.848016, 1.672520, 0.0653282),
])
def test_plateau_formulas(rates, alpha, lam, kappa, loss):
    """Check 10 (formulas): the best one-pole fit of a two-timescale target."""
    p = th.plateau(rates, [1.0, 1.0])
    assert p["alpha"] == pytest.approx(alpha, abs=1e-6)
    assert p["lambda"] == pytest.approx(lam, abs=1e-6)
    assert p["kappa"] == pytest.approx(kappa, abs=1e-6)
    assert p["loss"] == pytest.approx(loss, abs=1e-6)


def _two_neuron_curve(target, lr, taus):
    steps = sorted({int(round(t / lr)) for t in taus})
    problem = Problem(params=batch_of(two_neuron_init()), data=jax.tree.map(lambda x: x[None], target),
                      lr=jnp.array([lr]), keys=jr.split(jr.key(0), 1),
                      engine=lambda p, d, k: exact_loss_and_grad(p, d))
    loss = jax.jit(jax.vmap(lambda p, d: exact_loss_and_grad(p, d).loss))
    _, recs = train(problem, steps, lambda s: {"loss": np.asarray(loss(s.params, problem.data))[0],
                                               "eig": np.sort(np.linalg.eigvals(np.asarray(s.params.w[0])).real)})
    return {round(s * lr, 6): r for s, r in zip(steps, recs, strict=True)}


def test_multiscale_plateau_and_escape_rates_01_06():
    """Check 10 (run): rates (0.1, 0.6), lr 0.004: plateau at τ = 20, 40; 0.9 and 0.4 by τ = 240."""
    curve = _two_neuron_curve(multiscale_target([10.0, 1 / 0.6], [1.0, 1.0]), 0.004, [20, 40, 240])
    for tau in (20, 40):
        assert curve[tau]["loss"] == pytest.approx(0.078571, abs=1e-5)
        assert curve[tau]["eig"][-1] == pytest.approx(0.850, abs=0.002)
    assert curve[240]["loss"] < 1e-6
    np.testing.assert_allclose(curve[240]["eig"], [0.400, 0.900], atol=0.002)


def test_multiscale_plateau_and_escape_default_rates():
    """Check 10 (run): default rates (0.1, 0.5), lr 0.003: plateau τ 15–75, escape 90–105, τ = 195."""
    curve = _two_neuron_curve(multiscale_target([10.0, 2.0], [1.0, 1.0]), 0.003, [15, 45, 75, 90, 105, 195])
    for tau in (15, 45, 75):
        assert curve[tau]["loss"] == pytest.approx(0.065328, abs=1e-5)
        assert curve[tau]["eig"][-1] == pytest.approx(0.848, abs=0.002)
    assert curve[90]["loss"] > 0.05 and curve[105]["loss"] < 0.01  # the escape lies in between
    np.testing.assert_allclose(curve[195]["eig"], [0.499, 0.900], atol=0.002)
    assert 1.9e-5 / 2 <= curve[195]["loss"] <= 1.9e-5 * 2


def test_hessian_and_learning_rate_bound():
    """Check 11: H_max = 41.5 ± 2 at the trained two-neuron minimum; 0.9× bound converges, 1.1× stalls."""
    target = leaky_target(0.2)
    _, rec = gd_records(batch_of(two_neuron_init()), target, 0.024, 6000, observe_every=6000)
    trained = LinearRNN(*(jnp.asarray(rec[-1][k][0]) for k in ("w", "u", "v")))
    assert float(exact_loss(trained, target)) < 2e-5
    h_max = th.hessian_top_eigenvalue(trained, target)
    assert h_max == pytest.approx(41.5, abs=2.0)
    bound = 2.0 / h_max
    _, below = gd_records(batch_of(two_neuron_init()), target, 0.9 * bound, 3000, observe_every=3000)
    _, above = gd_records(batch_of(two_neuron_init()), target, 1.1 * bound, 3000, observe_every=3000)
    assert below[-1]["loss"][0] < 2e-5
    assert above[-1]["loss"][0] > 1e-4


@pytest.mark.parametrize(("c", "ode50", "ode90", "qs50", "qs90"), [
    (0.2, 0.645, 1.080, 0.674, 1.044),
    (0.1, 0.479, 0.621, 0.454, 0.599),
    (0.05, 0.410, 0.490, 0.367, 0.447),
])
def test_single_mode_and_quasi_static_times(c, ode50, ode90, qs50, qs90):
    """Check 12: times for λ to reach 50 % / 90 % of 1 - c⋆ (±0.005)."""
    taus = np.linspace(0, 3, 6001)
    lam = th.solve_single_mode(c, taus)["lambda"]
    qs = th.quasi_static_lambda(taus, c)
    top = 1 - c
    assert th.crossing_time(taus, lam, 0.5 * top) == pytest.approx(ode50, abs=0.005)
    assert th.crossing_time(taus, lam, 0.9 * top) == pytest.approx(ode90, abs=0.005)
    assert th.crossing_time(taus, qs, 0.5 * top) == pytest.approx(qs50, abs=0.005)
    assert th.crossing_time(taus, qs, 0.9 * top) == pytest.approx(qs90, abs=0.005)
    # the closed form is the exact antiderivative: τ(α) from quadrature of dτ/dα = -(α+c)³/(α-c)
    alpha = 0.5
    quad, _ = scipy.integrate.quad(lambda a: (a + c) ** 3 / (a - c), alpha, 1.0)
    assert th.quasi_static_tau(alpha, c) == pytest.approx(quad, rel=1e-10)


def test_single_mode_ode_conserves_and_minimises():
    taus = np.linspace(0, 40, 200)
    sol = th.solve_single_mode(0.2, taus)
    np.testing.assert_allclose(sol["a"] ** 2 - sol["b"] ** 2, 0.0, atol=1e-8)
    assert sol["lambda"][-1] == pytest.approx(0.8, abs=1e-4)
    assert sol["a"][-1] * sol["b"][-1] == pytest.approx(1.0, abs=1e-3)
    # ∂²L/∂α² = 1/(4c⋆³) at the minimum α = c⋆, κ = 1
    h = 1e-4
    d2 = (th.single_mode_loss(0.2 + h, 1.0, 0.2) - 2 * th.single_mode_loss(0.2, 1.0, 0.2)
          + th.single_mode_loss(0.2 - h, 1.0, 0.2)) / h**2
    assert d2 == pytest.approx(1 / (4 * 0.2**3), rel=1e-5)
