"""Ger & Barak 2025 (docs/closed_loop.md; items in docs/reproductions.md) §7 items 1–6, 8 (Gram step), 12, 13: exact identities and theory checks."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from learndyn.envs import k_integrator
from learndyn.models import init_rank1_controller, overlaps, set_zm_overlap
from learndyn.theory import closed_loop as th
from learndyn.training.closed_loop import (
    ControllerDynamics,
    RegulationLoss,
    closed_loop_rollout,
    uniform_initial_states,
)

LIN = ControllerDynamics(alpha=1.0, activation="linear")
PLANT = k_integrator(2, dt=1.0)


def _p_full(params):
    w = jnp.outer(params.u, params.v) + params.j
    return th.joint_matrix(PLANT.a_mat, PLANT.b_mat, PLANT.c_obs, w, params.m, params.z)


def test_characteristic_polynomial_matches_p_eff():
    """Item 1: np.poly(P_eff) = [cubic, 0] for 1000 random overlaps and the spec's point."""
    rng = np.random.default_rng(0)
    pts = np.vstack([rng.normal(size=(1000, 4)), [[-0.31, 0.77, 0.42, -0.23]]])
    worst = 0.0
    for s in pts:
        cubic = np.asarray(th.characteristic_polynomial(*s))
        poly = np.poly(np.asarray(th.effective_matrix(*s)))
        worst = max(worst, np.max(np.abs(poly - np.append(cubic, 0.0))))
        lam = np.roots(cubic)
        factored = (lam - s[3]) * ((lam - 1) ** 2 - s[0]) - s[2] * s[1]
        assert np.max(np.abs(factored)) < 1e-9 * max(1, np.max(np.abs(lam)) ** 3)
    assert worst < 1e-9
    np.testing.assert_allclose(np.asarray(th.characteristic_polynomial(-0.31, 0.77, 0.42, -0.23)),
                               [1, -1.77, 0.85, -0.0221], atol=1e-12)


def test_short_horizon_loss_is_three_step_block():
    """Item 2: Σ([P_eff³]_{0:2,0:2})² = L_0 (1000 random draws)."""
    rng = np.random.default_rng(1)
    for s in rng.normal(size=(1000, 4)):
        p3 = np.linalg.matrix_power(np.asarray(th.effective_matrix(*s)), 3)
        assert abs(np.sum(p3[:2, :2] ** 2) - float(th.short_horizon_loss(*s))) < 1e-9 * (1 + np.sum(p3**2))


def test_rank1_reduction_spectrum_rollout_and_gradients(getkey):
    """Item 3: eig(P) = eig(P_eff) ∪ {0}^98, identical rollouts, h_t = κ_m m + κ_u u, gradients."""
    params = init_rank1_controller(key=getkey(), n=100)
    ov = overlaps(params)
    p_full = np.asarray(_p_full(params))
    p_eff = np.asarray(th.effective_matrix(*ov[:4]))
    lam = np.linalg.eigvals(p_full)
    lam = lam[np.argsort(-np.abs(lam))]
    lam_eff = np.linalg.eigvals(p_eff)
    lam_eff = lam_eff[np.argsort(-np.abs(lam_eff))]
    np.testing.assert_allclose(lam[:4], lam_eff, atol=1e-9)
    assert np.max(np.abs(lam[4:])) < 1e-6
    x0 = np.array([0.7, -0.4])
    s_full = np.concatenate([x0, np.zeros(100)])
    s_eff = np.concatenate([x0, np.zeros(2)])
    for _ in range(50):
        s_full, s_eff = p_full @ s_full, p_eff @ s_eff
        scale = max(1.0, np.max(np.abs(s_full)))
        np.testing.assert_allclose(s_full[:2], s_eff[:2], atol=1e-12 * scale)
        h = s_eff[2] * np.asarray(params.m) + s_eff[3] * np.asarray(params.u)
        np.testing.assert_allclose(s_full[2:], h, atol=1e-12 * scale)
    # the scan rollout equals the matrix power
    roll = closed_loop_rollout(params, PLANT, jnp.asarray(x0)[None], LIN, steps=20)
    s = np.concatenate([x0, np.zeros(100)])
    for t in range(20):
        np.testing.assert_allclose(np.asarray(roll["x"][0, t]), s[:2], rtol=1e-12, atol=1e-12)
        s = p_full @ s
    # exact loss: gradients through the overlaps, ∇_z L = f_zm m + f_zu u etc.
    sig0 = th.uniform_state_covariance(102, 2, 2.0)
    loss = RegulationLoss("mean", beta=0.5)

    def full_loss(p):
        pm = _p_full(p)
        c = jnp.concatenate([jnp.zeros(2), p.z])
        return th.expected_loss(pm, sig0, 50, state_weight=loss.state_weights(50), state_index=2,
                                control=c, beta=0.5, control_weight=loss.control_weights(50))

    def eff_loss(s):
        return th.expected_loss(th.effective_matrix(*s), th.uniform_state_covariance(4, 2, 2.0), 50,
                                state_weight=loss.state_weights(50), state_index=2,
                                control=jnp.array([0.0, 0.0, s[0], s[1]]), beta=0.5,
                                control_weight=loss.control_weights(50))

    np.testing.assert_allclose(float(full_loss(params)), float(eff_loss(ov[:4])), rtol=1e-10)
    g = jax.grad(full_loss)(params)
    f_zm, f_zu, f_vm, f_vu = jax.grad(eff_loss)(ov[:4])
    np.testing.assert_allclose(g.z, f_zm * params.m + f_zu * params.u, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(g.u, f_zu * params.z + f_vu * params.v, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(g.v, f_vm * params.m + f_vu * params.u, rtol=1e-9, atol=1e-12)


def test_stage1_geometric_loss_against_simulation(getkey):
    """Item 4 (approximate, log units): |log L_sim − log L_th| ≤ 2.5; scan minimum at σ_zm ∈ [−0.05, 0)."""
    base = [init_rank1_controller(key=getkey(), n=100) for _ in range(5)]

    def log_sim(params, s):
        p = set_zm_overlap(params, s)
        roll = closed_loop_rollout(p, PLANT, jnp.array([[1.0, -1.0]]), LIN, steps=100)
        return float(jnp.log(jnp.sum(0.5 * jnp.sum(roll["x"][0] ** 2, -1))))

    for s in (-0.5, -0.3, -0.1, 0.1, 0.2, 0.3):
        log_th = float(np.log(th.stage1_geometric_loss(s)))
        for p in base:
            assert abs(log_sim(p, s) - log_th) <= 2.5
    scan = [-0.5, -0.3, -0.1, -0.05, -0.03, -0.005, 0.005, 0.03, 0.1, 0.2, 0.3]
    for p in base[:2]:
        vals = [log_sim(p, s) for s in scan]
        assert -0.05 <= scan[int(np.argmin(vals))] < 0


def test_vieta_inversion_of_published_spectrum():
    """Item 5: invert the epoch-10 spectrum, rebuild the cubic, check λ3 and |λ1|² approximations."""
    lam1, lam3 = 0.999671 + 0.163956j, -0.069754
    inv = th.overlaps_from_spectrum(lam1, lam3)
    assert abs(inv["s_vu"] - (-0.07041)) < 1e-5
    assert abs(inv["s_zm"] - (-0.02759)) < 1e-5
    assert abs(inv["s_vm_s_zu"] - 7.72e-4) < 2e-6
    # any split of the product rebuilds the same cubic; its roots are the stored eigenvalues
    q = inv["s_vm_s_zu"]
    for s_zu in (1.0, 0.3, -2.0):
        s = (inv["s_zm"], s_zu, q / s_zu, inv["s_vu"])
        roots = np.roots(np.asarray(th.characteristic_polynomial(*s)))
        np.testing.assert_allclose(np.sort_complex(roots), np.sort_complex([lam1, np.conj(lam1), lam3]),
                                   atol=1e-6)
        approx = float(th.third_root_perturbative(*s))
        assert abs(approx - lam3) < 2e-6
        assert abs(float(th.vieta_modulus_squared(s[0], s[3], approx)) - abs(lam1) ** 2) < 5e-6
        assert abs(float(th.vieta_modulus_squared(s[0], s[3], lam3)) - abs(lam1) ** 2) < 1e-9


def test_jury_region():
    """Item 6: Jury ⇔ ρ(P_red) < 1 on a grid; region of area 4 (measured); window fraction 2/9; complex test."""
    k = np.linspace(-1.2, 0.6, 200)
    k1, k2 = np.meshgrid(k, k, indexing="ij")
    rho = np.max(np.abs(np.linalg.eigvals(th.reduced_matrix(k1, k2))), axis=-1)
    # distance to the boundary lines k1 = 0, k2 = k1, k2 = (k1 − 4)/2, k2 = k1 − 2
    dist = np.min(np.stack([np.abs(k1), np.abs(k2 - k1) / np.sqrt(2), np.abs(2 * k2 - k1 + 4) / np.sqrt(5),
                            np.abs(k2 - k1 + 2) / np.sqrt(2)]), axis=0)
    far = dist > 1e-9
    assert np.array_equal(th.jury_stable(k1, k2)[far], (rho < 1)[far])
    assert abs(th.jury_stable(k1, k2).mean() - 2 / 9) < 0.005
    # the stable region's area, measured on jury_stable itself (Monte Carlo over [−5, 1]²): the
    # triangle (0,0), (0,−2), (−4,−4) has area 4
    for a, b in ((-0.001, -0.0015), (-0.001, -1.999), (-3.99, -3.993)):  # points inside near corners
        assert th.jury_stable(a, b)
    pts = np.random.default_rng(0).uniform(-5, 1, size=(400_000, 2))
    assert abs(th.jury_stable(pts[:, 0], pts[:, 1]).mean() * 36 - 4.0) < 0.05
    lam = np.linalg.eigvals(th.reduced_matrix(k1, k2))
    is_complex = np.abs(lam.imag).max(-1) > 1e-12
    disc = k2**2 + 4 * k1
    assert np.array_equal(is_complex[np.abs(disc) > 1e-9], (disc < 0)[np.abs(disc) > 1e-9])


def test_lqr_and_deadbeat_benchmarks():
    """§4.7 benchmarks: LQR (R→0) (−0.618, −1.618), R=1 (−0.422, −1.244); deadbeat has λ = 0."""
    a, b = np.asarray(PLANT.a_mat), np.asarray(PLANT.b_mat)
    np.testing.assert_allclose(th.lqr_gains(a, b, np.eye(2), 1e-9), [-0.618, -1.618], atol=2e-3)
    np.testing.assert_allclose(th.lqr_gains(a, b, np.eye(2), 1.0), [-0.422, -1.244], atol=2e-3)
    assert np.max(np.abs(np.linalg.eigvals(th.reduced_matrix(-1.0, -2.0)))) < 1e-6


def test_gram_map_step_equals_full_model_step(getkey):
    """Item 8: one clipped SGD step of the Gram map equals the full model's step (1e-10 relative)."""
    params = init_rank1_controller(key=getkey(), n=100)
    loss = RegulationLoss("mean")
    sig0 = th.uniform_state_covariance(4, 2, 2.0)

    def eff_loss(s):
        return th.expected_loss(th.effective_matrix(*s), sig0, 50, state_weight=loss.state_weights(50),
                                state_index=2, control=jnp.array([0.0, 0.0, s[0], s[1]]), beta=0.0,
                                control_weight=loss.control_weights(50))

    f = jax.grad(eff_loss)
    gram = th.gram_matrix(params.m, params.z, params.u, params.v)
    for clip in (1.0, None):
        new_gram = th.gram_sgd_step(gram, f, 1e-2, clip)
        fz = f(overlaps(params)[:4])
        gz = fz[0] * params.m + fz[1] * params.u
        gu = fz[1] * params.z + fz[3] * params.v
        gv = fz[2] * params.m + fz[3] * params.u
        norm = jnp.sqrt(gz @ gz + gu @ gu + gv @ gv)
        eta = 1e-2 * (1.0 if clip is None else min(1.0, clip / float(norm)))
        z, u, v = params.z - eta * gz, params.u - eta * gu, params.v - eta * gv
        np.testing.assert_allclose(new_gram, th.gram_matrix(params.m, z, u, v), rtol=1e-10, atol=1e-14)


def test_overlap_flow_matches_small_step_descent(getkey):
    """§4.6: the closed flow on overlaps + Gram entries equals tiny-step GD on the full vectors."""
    params = init_rank1_controller(key=getkey(), n=30)
    sig0 = th.uniform_state_covariance(4, 2, 1.0)
    loss = RegulationLoss("mean")

    def eff_loss(s):
        return th.expected_loss(th.effective_matrix(*s), sig0, 10, state_weight=loss.state_weights(10),
                                state_index=2, control=jnp.array([0.0, 0.0, s[0], s[1]]), beta=0.0,
                                control_weight=loss.control_weights(10))

    f = jax.grad(eff_loss)
    y = th.overlap_flow(overlaps(params), eff_loss, lr=1.0, times=np.array([0.0, 0.5]))
    gram = th.gram_matrix(params.m, params.z, params.u, params.v)
    gram = jax.jit(lambda g0: jax.lax.fori_loop(0, 5000, lambda i, g: th.gram_sgd_step(g, f, 1e-4, None), g0))(gram)
    np.testing.assert_allclose(np.asarray(th.gram_overlaps(gram)), y[-1, :4], atol=2e-4)


def test_exact_expected_loss_matches_monte_carlo(getkey):
    """Item 12: exact E[L] = Monte-Carlo mean of the sampled loss (3 SE); full P = P_eff (1e-10)."""
    params = init_rank1_controller(key=getkey(), n=100)
    loss = RegulationLoss("mean", beta=0.5)
    c = jnp.concatenate([jnp.zeros(2), params.z])
    exact = float(th.expected_loss(_p_full(params), th.uniform_state_covariance(102, 2, 2.0), 50,
                                   state_weight=loss.state_weights(50), state_index=2, control=c, beta=0.5,
                                   control_weight=loss.control_weights(50)))
    s = overlaps(params)
    exact_eff = float(th.expected_loss(th.effective_matrix(*s[:4]), th.uniform_state_covariance(4, 2, 2.0), 50,
                                       state_weight=loss.state_weights(50), state_index=2,
                                       control=jnp.array([0.0, 0.0, s[0], s[1]]), beta=0.5,
                                       control_weight=loss.control_weights(50)))
    assert abs(exact - exact_eff) < 1e-10 * exact

    def batch_loss(key):
        x0 = uniform_initial_states(key, 100, 2, 2.0)
        roll = closed_loop_rollout(params, PLANT, x0, LIN, steps=50)
        return loss(roll["x"], roll["u"])

    samples = np.asarray(jax.lax.map(batch_loss, jr.split(getkey(), 2000)))
    se = samples.std(ddof=1) / np.sqrt(samples.size)
    assert abs(samples.mean() - exact) < 3 * se


def test_surrogate_ordering():
    """Item 13: α=0 stays outside the unit circle; α=0.48/0.52/0.55 enter at decreasing steps with
    decreasing Im; α=1 reaches the real axis."""
    x0 = th.overlaps_at_spectrum(*th.PUBLISHED_EPOCH10)
    runs = {a: th.optimise_surrogate(x0, a, steps=300) for a in (0.0, 0.48, 0.52, 0.55, 1.0)}
    assert np.all(np.abs(runs[0.0]["dominant"]) > 1)
    enter, im = [], []
    for a in (0.48, 0.52, 0.55):
        inside = np.abs(runs[a]["dominant"]) < 1
        assert inside.any()
        enter.append(int(np.argmax(inside)))
        im.append(runs[a]["dominant"][-1].imag)
    assert enter[0] > enter[1] > enter[2]
    assert im[0] > im[1] > im[2]
    assert np.min(np.abs(runs[1.0]["dominant"].imag)) < 1e-6


def test_stage_boundaries():
    """§4.8: enter-and-stay, null when never stable, stage1_end on real eigenvalues ≥ 1."""
    assert th.ep_of_stab(np.array([1.2, 0.9, 1.01, 0.99, 0.8])) == 3
    assert th.ep_of_stab(np.array([0.5, 0.6])) == 0
    assert th.ep_of_stab(np.array([0.5, 1.1])) is None
    lam = np.array([[1.1, 0.5], [1.0 + 0.1j, 1.0 - 0.1j], [1.02, 0.3], [0.9 + 0.2j, 0.9 - 0.2j]])
    assert th.stage1_end(lam) == 3
    assert th.stage1_end(lam[:3]) is None
    assert th.stage1_end(lam[1:2]) == 0


@pytest.mark.parametrize("k", [1, 2, 3])
def test_k_integrator_shapes(k):
    plant = k_integrator(k, dt=0.5)
    assert plant.a_mat.shape == (k, k) and plant.b_mat.shape == (k, 1)
    assert float(plant.b_mat[-1, 0]) == 0.5
