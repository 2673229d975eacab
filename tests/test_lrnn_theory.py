"""Linear-RNN theory (Proca et al. 2025 (docs/lrnn.md; checks in docs/reproductions.md) §3): exact identities and the fast acceptance checks of §5."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from scipy.integrate import solve_ivp

import learndyn  # noqa: F401  (float64)
from learndyn.analysis import kernel_distance, neural_tangent_kernel
from learndyn.models import (
    DiscreteLinearRNN,
    ModeParams,
    aligned_init,
    final_output,
    lag_products,
    printed_aligned_init,
)
from learndyn.tasks import (
    correlation_matrices,
    correlation_task,
    input_gram,
    multisensory_means,
    multisensory_trials,
    random_orthogonal,
    task_dynamics,
)
from learndyn.theory import lrnn as theory


def _modes4():
    return ModeParams(jnp.array([0.3, 0.5, 0.7, 0.9]), jnp.array([0.9, 0.6, -0.4, 0.2]),
                      jnp.array([0.8, 0.6, 0.5, 0.4]))


def _dyn(T=5):
    return jnp.stack([task_dynamics("inverse_exponential", d, lam, T)
                      for d, lam in zip([1, 0.8, 0.6, 0.4], [0.9, 0.7, 0.5, 1.0], strict=True)], 1)


def test_task_dynamics_families():
    """§2.2: s_t of every family, and κ overwriting s_T (modified tasks)."""
    np.testing.assert_allclose(task_dynamics("inverse_exponential", 2.0, 0.5, 3), [0.5, 1.0, 2.0])
    np.testing.assert_allclose(task_dynamics("exponential", 2.0, 0.5, 3), [1.0, 0.5, 0.25])
    np.testing.assert_allclose(task_dynamics("constant", 1.5, 0.3, 3, kappa=0.2), [1.5, 1.5, 0.2])
    np.testing.assert_allclose(task_dynamics("dirac", 0.0, 0.0, 4, beta=3.0, kappa=0.5), [3, 0, 0, 0.5])


def test_check3_correlation_construction(getkey):
    """§5 check 3: Σ_p y xᵀ = U S_t Vᵀ and joint whitening Σ_p x_t x_t'ᵀ = δ_tt' I (≤ 1e-12)."""
    s = _dyn()
    task = correlation_task(getkey(), s, 400)
    target = jnp.einsum("ij,tj,kj->tik", task.u, s, task.v)
    assert float(jnp.max(jnp.abs(correlation_matrices(task) - target))) <= 1e-12
    gram = input_gram(task)
    eye = jnp.einsum("ts,ij->tsij", jnp.eye(5), jnp.eye(4))
    assert float(jnp.max(jnp.abs(gram - eye))) <= 1e-12


def test_left_padding_leaves_output_and_loss_unchanged(getkey):
    """A task embedded in a longer sequence (zero inputs first) gives the same outputs: h stays 0."""
    key = getkey()
    s = _dyn(3)
    short, long = correlation_task(key, s, 64), correlation_task(key, s, 64, n_steps_max=7)
    net = DiscreteLinearRNN(*(jr.normal(k, (4, 4)) * 0.5 for k in jr.split(getkey(), 3)))
    np.testing.assert_allclose(final_output(net, long.x), final_output(net, short.x), atol=1e-13)
    assert float(jnp.max(jnp.abs(long.mask - jnp.array([0, 0, 0, 0, 1, 1, 1.0])))) == 0


def test_mode_flow_is_minus_energy_gradient():
    """§3.2: the printed mode ODEs equal −∂E/∂θ (autodiff), incl. negative b (1e-12)."""
    s = _dyn()
    flow = theory.mode_flow(_modes4(), s)
    grad = jax.grad(theory.mode_energy)(_modes4(), s)
    for f, g in zip(jax.tree.leaves(flow), jax.tree.leaves(grad), strict=True):
        np.testing.assert_allclose(f, -g, atol=1e-12)


def test_matrix_flow_is_minus_loss_gradient(getkey):
    """§3.3: with sum-whitened inputs the matrix gradient flow (Eqs. 23–25) is −∇ of the half-sum
    loss, for arbitrary (unaligned) weights."""
    T = 4
    task = correlation_task(getkey(), _dyn(T), 200)
    net = DiscreteLinearRNN(*(jr.normal(k, (4, 4)) * 0.4 for k in jr.split(getkey(), 3)))
    grad = jax.grad(lambda p: 0.5 * jnp.sum((task.y - final_output(p, task.x)) ** 2))(net)
    sig = correlation_matrices(task)
    delta = sig - lag_products(net, T)
    pw = [jnp.linalg.matrix_power(net.wh, k) for k in range(T)]
    dwx = sum(pw[T - 1 - t].T @ net.wy.T @ delta[t] for t in range(T))
    dwy = sum(delta[t] @ net.wx.T @ pw[T - 1 - t].T for t in range(T))
    dwh = sum(pw[r].T @ net.wy.T @ delta[t] @ net.wx.T @ pw[T - 2 - t - r].T
              for t in range(T - 1) for r in range(T - 1 - t))
    np.testing.assert_allclose(dwx, -grad.wx, atol=1e-10)
    np.testing.assert_allclose(dwh, -grad.wh, atol=1e-10)
    np.testing.assert_allclose(dwy, -grad.wy, atol=1e-10)


def test_check5_single_basis_decouples_printed_recipe_does_not(getkey):
    """§5 check 5 / erratum E1: one hidden basis gives diag(c b^k a) for every lag (≤ 1e-12); the
    printed two-rotation recipe does not (≥ 1e-3)."""
    u, v, r = (random_orthogonal(getkey(), 4) for _ in range(3))
    modes = _modes4()
    modes = ModeParams(modes.a, jnp.array([0.9, 0.6, 0.4, 0.2]), modes.c)

    def worst(net):
        prods = lag_products(net, 5)[::-1]  # lag k = 0..4
        return max(float(jnp.max(jnp.abs(u.T @ prods[k] @ v - jnp.diag(modes.c * modes.b**k * modes.a))))
                   for k in range(5))

    assert worst(aligned_init(r, u, v, modes)) <= 1e-12
    assert worst(printed_aligned_init(r, u, v, modes)) >= 1e-3


def test_check4_io_closed_form():
    """§5 check 4: the frozen-b sigmoid of §3.4 vs numerical integration (≤ 1e-6), u(20) = S_b/Q_b."""
    s = task_dynamics("inverse_exponential", 1.3, 0.8, 6)
    sb, qb = (float(x) for x in theory.io_strengths(0.6, s))
    ts = np.linspace(0, 20, 201)
    num = solve_ivp(lambda t, u: 2 * u * (sb - qb * u), (0, 20), [0.01], t_eval=ts, rtol=1e-12, atol=1e-14)
    closed = np.asarray(theory.io_mode_solution(ts, 0.01, sb, qb))
    assert np.max(np.abs(closed - num.y[0])) <= 1e-6
    assert abs(closed[-1] - 1.583879) <= 1e-6 and abs(sb / qb - 1.583879) <= 1e-6
    # the implicit time formula inverts the solution
    np.testing.assert_allclose(theory.io_mode_time(closed[1:40], 0.01, sb, qb), ts[1:40], rtol=1e-8)
    # and the general mode ODE with b frozen, a = c, reproduces it
    m0 = ModeParams(jnp.array([0.1]), jnp.array([0.6]), jnp.array([0.1]))
    ys = theory.solve_mode_ode(m0, s[:, None], ts, trainable=(True, False, True))
    np.testing.assert_allclose(np.asarray(ys.a * ys.c)[:, 0], closed, atol=1e-7)


def test_recurrent_taylor_windows_converge_to_the_flow():
    """§3.5: consecutive 5th-order Taylor windows approach the exactly integrated b(t) as Δ → 0
    (global error O(Δ⁵): halving Δ shrinks it ≥ 16×, down to the integrator's round-off)."""
    s = task_dynamics("constant", 1.0, 0.0, 5)
    u = 1.0
    field = jax.jit(lambda b: theory.recurrent_field(b, u, s))
    sol = solve_ivp(lambda t, b: [float(field(b[0]))], (0, 2), [0.1], rtol=1e-12, atol=1e-14)
    exact = sol.y[0, -1]
    e1 = abs(theory.recurrent_mode_taylor(0.1, u, s, 2.0, 0.1)[-1] - exact)
    e2 = abs(theory.recurrent_mode_taylor(0.1, u, s, 2.0, 0.05)[-1] - exact)
    assert e1 < 1e-5 and e2 < 1e-10 and e1 / e2 > 16


def test_effective_regularisation_decomposition():
    """§3.8: E = data term + ½u²(1 − b^{2T})/(1 − b²) for one mode (u = ac; 1e-12)."""
    s = task_dynamics("exponential", 0.7, 1.2, 6)
    for a, b, c in ((0.3, 0.8, 0.9), (1.1, -0.5, 0.2), (0.4, 1.0, 0.4)):
        e = theory.mode_energy(ModeParams(jnp.array([a]), jnp.array([b]), jnp.array([c])), s[:, None])
        split = theory.data_term(a * c, b, s) + theory.effective_regulariser(a * c, b, 6)
        assert abs(float(e) - float(split)) <= 1e-12
        if b != 1.0:
            closed = 0.5 * (a * c) ** 2 * (1 - b**12) / (1 - b**2)
            assert abs(float(theory.effective_regulariser(a * c, b, 6)) - closed) <= 1e-12


def test_zero_loss_solutions_have_zero_energy():
    """§3.7: the tabulated solutions fit their task exactly at the training length."""
    for kind, lam in (("constant", 0.3), ("inverse_exponential", 0.7), ("exponential", 1.3)):
        b, ac = theory.zero_loss_solution(kind, 0.9, lam, 6)
        s = task_dynamics(kind, 0.9, lam, 6)[:, None]
        assert float(theory.mode_energy(ModeParams(jnp.array([ac]), jnp.array([b]), jnp.ones(1)), s)) <= 1e-25


def test_dirac_closed_forms():
    """§3.8 / App. H: u*(b) minimises E for fixed b; feed-forward b = 0 gives u = 1/β (erratum E2),
    E* = β²; at T = 3 the b² coefficient of E* is 1/β² − 2."""
    beta, T = 1.7, 5
    s = task_dynamics("dirac", 0, 0, T, beta=beta, kappa=1 / beta)[:, None]
    for b in (0.0, 0.4, -0.9):
        u = float(theory.dirac_optimal_u(jnp.asarray(b), beta, T))
        e = lambda uu, b=b: float(theory.mode_energy(ModeParams(jnp.array([uu]), jnp.array([b]), jnp.ones(1)), s))  # noqa: E731
        assert e(u) <= min(e(u + 1e-4), e(u - 1e-4))
        assert abs(2 * e(u) - float(theory.dirac_min_energy(jnp.asarray(b), beta, T))) <= 1e-12
    assert abs(float(theory.dirac_optimal_u(jnp.asarray(0.0), beta, T)) - 1 / beta) <= 1e-15
    assert abs(float(theory.dirac_min_energy(jnp.asarray(0.0), beta, T)) - beta**2) <= 1e-12
    for beta in (0.5, 0.8):
        b = 1e-3
        coeff = (float(theory.dirac_min_energy(jnp.asarray(b), beta, 3)) - beta**2) / b**2
        assert abs(coeff - (1 / beta**2 - 2)) <= 1e-4


def test_check6_t3_critical_point_is_second_order():
    """§5 check 6: at T = 3 the recurrent minimum appears at β_c within 0.01 of 1/√2, continuously."""
    bc = theory.critical_point(3)
    assert abs(bc - 1 / np.sqrt(2)) <= 0.01
    b_after, _ = theory.dirac_minimiser(bc + 0.002, 3)
    b_later, _ = theory.dirac_minimiser(bc + 0.05, 3)
    assert abs(b_after) < 0.1 < abs(b_later)  # leaves 0 continuously


def test_check7_t4_critical_point_is_first_order():
    """§5 check 7: at T = 4 the nonzero minimiser wins at β = 1.000 ± 0.01 and jumps to |b*| ≥ 0.5;
    a nonzero local minimum already exists at β ≈ 0.96 (near b ≈ 0.7)."""
    bc = theory.critical_point(4)
    assert abs(bc - 1.0) <= 0.01
    b_star, _ = theory.dirac_minimiser(bc + 1e-4, 4)
    assert abs(b_star) >= 0.5
    b = np.linspace(0.05, 3, 29501)

    def local_minima(beta):
        e = np.asarray(theory.dirac_min_energy(jnp.asarray(b), beta, 4))
        return b[np.where((e[1:-1] < e[:-2]) & (e[1:-1] < e[2:]))[0] + 1]

    assert local_minima(0.95).size == 0
    (b_local,) = local_minima(0.96)
    assert 0.6 < b_local < 0.8


def test_tau_steps_conventions():
    """§3.11 table (P1)."""
    assert theory.tau_steps(0.01, "half_sum", 400, 4) == pytest.approx(100)
    assert theory.tau_steps(0.01, "mean", 400, 4) == pytest.approx(400 * 4 / 0.02)
    assert theory.tau_steps(0.01, "mean", 400, 4, whitening="mean") == pytest.approx(4 / 0.02)
    assert theory.ntk_learning_rate(3) == pytest.approx(0.1 / (1 + 2 + 5))


def test_ntk_of_a_feedforward_rescaling_is_fixed_and_distance_identities(getkey):
    """§3.10: D(K, cK) = 0, D(K, K) = 0, D ∈ [0, 1] for PSD kernels; T = 1 aligned nets keep the kernel
    direction (D ≤ 1e-6 between scales), via autodiff NTK."""
    task = correlation_task(getkey(), task_dynamics("constant", 1, 0, 1)[:, None].repeat(4, 1), 64)
    u, v, r = task.u, task.v, random_orthogonal(getkey(), 4)
    k_small = neural_tangent_kernel(final_output, aligned_init(r, u, v, ModeParams(*(jnp.full(4, 0.05),) * 3)), task.x)
    k_big = neural_tangent_kernel(final_output, aligned_init(r, u, v, ModeParams(*(jnp.full(4, 0.9),) * 3)), task.x)
    assert float(kernel_distance(k_small, 3.0 * k_small)) <= 1e-12
    assert float(kernel_distance(k_small, k_big)) <= 1e-6
    net = DiscreteLinearRNN(*(jr.normal(k, (4, 4)) for k in jr.split(getkey(), 3)))
    d = float(kernel_distance(k_small, neural_tangent_kernel(final_output, net, task.x)))
    assert 0 < d < 1


def test_sensory_trial_statistics(getkey):
    """§2.4: channel means within ½ ± ¼, anti-symmetric within a modality, noise std 0.1,
    E[m²] = ¼ + E[coh²]E[ρ²]/200², and the sum/mean targets."""
    m = np.asarray(multisensory_means(getkey(), 50_000))
    assert m.min() >= 0.25 and m.max() <= 0.75
    np.testing.assert_allclose(m[:, 0] + m[:, 1], 1.0, atol=1e-14)
    np.testing.assert_allclose(m[:, 2] + m[:, 3], 1.0, atol=1e-14)
    assert abs(np.mean(m**2) - theory.MEAN_SQUARED_CHANNEL_MEAN) < 5e-4
    x, y = multisensory_trials(getkey(), 5000, 8, "sum")
    x = np.asarray(x)
    resid = x - x.mean(1, keepdims=True)
    assert abs(resid.std() * np.sqrt(8 / 7) - 0.1) < 2e-3
    np.testing.assert_allclose(y, x.sum(1), atol=1e-12)
    xm, ym = multisensory_trials(getkey(), 10, 4, "mean", n_steps_max=9)
    np.testing.assert_allclose(ym, np.asarray(xm).sum(1) / 4, atol=1e-12)
    assert np.all(np.asarray(xm)[:, :5] == 0)


def test_mean_task_extrapolation_theory_numbers():
    """§4.6: the converged mean-task solution has MSE ≈ 34, 81, 148 at T' = 50, 75, 100 (T = 4)."""
    vals = [theory.mean_task_extrapolation_mse(4, t) for t in (50, 75, 100)]
    np.testing.assert_allclose(vals, [34, 81, 148], rtol=0.02)
    assert theory.mean_task_extrapolation_mse(4, 4) == 0


def test_mode_global_minimum_finds_zero_loss_and_dirac_solutions():
    """§3.8: the global minimiser of one mode's energy is the zero-loss solution when one exists, and
    for the Dirac task agrees with the E*(b) scan (feed-forward u = 1/β below β_c)."""
    b, u, e = theory.mode_global_minimum(task_dynamics("inverse_exponential", 0.8, 0.6, 5), grid=60_001)
    assert abs(b - 0.6) <= 1e-4 and abs(u - 0.8) <= 1e-3 and e <= 1e-8
    beta = 0.6
    b, u, e = theory.mode_global_minimum(task_dynamics("dirac", 0, 0, 3, beta=beta, kappa=1 / beta))
    assert abs(b) <= 1e-3 and abs(u - 1 / beta) <= 1e-6 and abs(2 * e - beta**2) <= 1e-9


class _FakeMultisensoryEnv:
    """A stand-in with neurogym's ``TrialEnv`` interface (``new_trial``, ``ob``, ``start_ind``,
    ``end_ind``, ``seed``) producing neurogym's MultiSensoryIntegration statistics: fixation
    3 steps, stimulus 7 steps (noise σ/√dt = 0.1 on every channel), decision 1 step."""

    def __init__(self):
        self.rng = np.random.RandomState(0)

    def seed(self, seed=None):
        self.rng = np.random.RandomState(seed)

    def new_trial(self):
        g, coh, rho = self.rng.choice(2), self.rng.choice([5, 15, 50]), self.rng.rand()
        theta = np.array([0.0, np.pi])
        ring = np.cos(theta - theta[g])
        ob = np.zeros((11, 5))
        ob[:10, 0] = 1
        ob[3:10, 1:3] = ring * coh * rho / 200 + 0.5
        ob[3:10, 3:5] = ring * coh * (1 - rho) / 200 + 0.5
        ob[3:10] += 0.1 * self.rng.randn(7, 5)
        self.ob = ob
        self.start_ind = {"fixation": 0, "stimulus": 3, "decision": 10}
        self.end_ind = {"fixation": 3, "stimulus": 10, "decision": 11}


def test_neurogym_adapter_matches_native_multisensory_statistics(getkey):
    """The adapter cuts the stimulus period and drops fixation; its statistics match the native
    generator (channel means, E[x²], anti-symmetry of a modality's channels)."""
    from learndyn.tasks import neurogym_batch

    x_ng = neurogym_batch(_FakeMultisensoryEnv(), 4000, channels=range(1, 5), seed=3)
    x, _ = multisensory_trials(getkey(), 4000, 7)
    x = np.asarray(x)
    assert x_ng.shape == x.shape == (4000, 7, 4)
    np.testing.assert_allclose(x_ng.mean((0, 1)), x.mean((0, 1)), atol=5e-3)
    np.testing.assert_allclose((x_ng**2).mean(), (x**2).mean(), atol=5e-3)
    np.testing.assert_allclose((x_ng[..., 0] + x_ng[..., 1]).mean(1), 1.0, atol=0.2)
    with pytest.raises(ValueError, match="no period"):
        neurogym_batch(_FakeMultisensoryEnv(), 1, period="delay")
