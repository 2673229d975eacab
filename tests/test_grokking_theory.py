"""Grokking theory and data (Tian 2025 (docs/grokking.md; checks in docs/reproductions.md) §2, §4): the fast acceptance checks of §5."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import learndyn  # noqa: F401  (float64)
from learndyn.tasks import (
    cyclic_group,
    dihedral_characters,
    dihedral_group,
    isotypic_projectors,
    product_group,
    split_pairs,
    train_size,
)
from learndyn.theory import grokking as theory
from learndyn.training._optim import init_with_rate, make_optimizer, newton_schulz


def _full_table(group):
    m = group.order
    h1, h2 = np.divmod(np.arange(m * m), m)
    pairs = jnp.asarray(np.stack([h1, h2], 1))
    return pairs, theory.centred_targets(jnp.asarray(group.table[h1, h2]), m)


def test_groups_are_groups():
    """Tables are Latin squares with an identity; the dihedral law (a,b)(c,d) = (a + (−1)^b c, b + d)."""
    for g in (cyclic_group(7), product_group([2, 3, 4]), dihedral_group(5), dihedral_group(6)):
        m = g.order
        assert all(sorted(row) == list(range(m)) for row in g.table)
        assert all(sorted(col) == list(range(m)) for col in g.table.T)
        t = g.table  # associativity
        a, b, c = np.meshgrid(np.arange(m), np.arange(m), np.arange(m), indexing="ij")
        assert np.array_equal(t[t[a, b], c], t[a, t[b, c]])
    d = dihedral_group(5)
    r, s = 1, 5  # r and s
    assert d.table[s, r] == d.table[4, s]  # s r = r^{-1} s
    assert not np.array_equal(d.table, d.table.T)  # non-abelian


def test_check7_split_sizes():
    """§5 check 7: n = 2016 (71, 0.4), 3225 (127, 0.2), 480 (31, 0.5); splits are disjoint and complete."""
    assert (train_size(71, 0.4), train_size(127, 0.2), train_size(31, 0.5)) == (2016, 3225, 480)
    train, test = split_pairs(cyclic_group(31), 0.5, np.random.default_rng(0))
    assert len(train) == 480 and len(train) + len(test) == 31**2
    keys = {tuple(r[:2]) for r in train} | {tuple(r[:2]) for r in test}
    assert len(keys) == 31**2
    assert np.all(train[:, 2] == (train[:, 0] + train[:, 1]) % 31)


@pytest.mark.parametrize("m", [23, 24])
@pytest.mark.parametrize("act", ["sq", "relu", "silu"])
def test_check1_energy_gradient(m, act, getkey):
    """§5 check 1: analytic ∇E vs autodiff (relative < 1e-8) and central differences (< 1e-6)."""
    pairs, yt = _full_table(cyclic_group(m))
    w = jr.normal(getkey(), (2 * m,)) / np.sqrt(2 * m)
    g = theory.energy_gradient(w, pairs, yt, act)
    auto = jax.grad(theory.energy)(w, pairs, yt, act)
    assert float(jnp.linalg.norm(g - auto) / jnp.linalg.norm(auto)) < 1e-8
    h = 1e-6
    fd = np.array([(theory.energy(w.at[i].add(h), pairs, yt, act) - theory.energy(w.at[i].add(-h), pairs, yt, act))
                   / (2 * h) for i in range(2 * m)])
    assert float(np.linalg.norm(np.asarray(g) - fd) / np.linalg.norm(fd)) < 1e-6


@pytest.mark.parametrize("m", [23, 24])
def test_check2_single_frequency_maxima(m, getkey):
    """§5 check 2: projected ascent (γ = 2/M, 4000 steps) from 5 Gaussian starts ends single-frequency
    (c ≥ 0.999 for a and b, ka = kb, √(Pa/Pb) ∈ [0.94, 1.06]) with E = M/4 within 1e-3 relative —
    or, for even M, on the real 1-d irrep k = M/2 with E = M/2 (also a maximum of Theorem 2; one of
    our M = 24 starts lands there, the spec's draws did not)."""
    group = cyclic_group(m)
    pairs, yt = _full_table(group)
    proj = theory.cyclic_projectors((m,))
    ascent = jax.jit(lambda w: theory.projected_ascent(w, pairs, yt))
    for _ in range(5):
        w, energies = ascent(jr.normal(getkey(), (2 * m,)))
        pa, pb = theory.unit_spectra(np.asarray(w)[:, None], proj)
        ka, kb = 1 + np.argmax(pa[1:, 0]), 1 + np.argmax(pb[1:, 0])
        assert ka == kb
        expected = m / 2 if 2 * ka == m else m / 4
        assert abs(float(energies[-1]) - expected) <= 1e-3 * expected
        assert pa[ka, 0] / pa[:, 0].sum() >= 0.999 and pb[kb, 0] / pb[:, 0].sum() >= 0.999
        assert 0.94 <= np.sqrt(pa[ka, 0] / pb[kb, 0]) <= 1.06
    # the ideal single-frequency unit, any relative phase: E = M/4 exactly
    x = np.arange(m)
    for phi in (0.0, 0.7):
        w = np.concatenate([np.cos(2 * np.pi * 3 * x / m), np.cos(2 * np.pi * 3 * x / m + phi)]) / np.sqrt(m)
        assert abs(float(theory.energy(jnp.asarray(w), pairs, yt)) - m / 4) <= 1e-12
    if m % 2 == 0:  # (−1)^m start: the real 1-d irrep, E = M/2
        alt = np.concatenate([(-1.0) ** x, (-1.0) ** x]) + 0.05 * np.asarray(jr.normal(getkey(), (2 * m,)))
        _, energies = ascent(jnp.asarray(alt))
        assert abs(float(energies[-1]) - m / 2) <= 1e-3 * m / 2


@pytest.mark.parametrize("mm", [5, 7])
def test_check3_dihedral_maxima(mm, getkey):
    """§5 check 3: D_5, D_7, 8 starts: E = M/4 (2-d irrep) or M/2 (sign irrep) within 1e-3, isotypic
    concentration ≥ 0.999; the projectors are symmetric, idempotent and complete."""
    group = dihedral_group(mm)
    m = group.order
    proj = [np.full((m, m), 1.0 / m)] + isotypic_projectors(group, dihedral_characters(mm))
    for p in proj:
        np.testing.assert_allclose(p, p.T, atol=1e-12)
        np.testing.assert_allclose(p @ p, p, atol=1e-12)
    np.testing.assert_allclose(sum(proj), np.eye(m), atol=1e-12)
    pairs, yt = _full_table(group)
    ascent = jax.jit(lambda w: theory.projected_ascent(w, pairs, yt))
    for _ in range(8):
        w, energies = ascent(jr.normal(getkey(), (2 * m,)))
        e = float(energies[-1])
        assert min(abs(e - m / 4), abs(e - m / 2)) <= 1e-3 * m / 4
        pa, pb = theory.unit_spectra(np.asarray(w)[:, None], proj)
        p = (pa + pb)[:, 0]
        assert p[1:].max() / p.sum() >= 0.999


def test_check4_linear_activation_learns_nothing():
    """§5 check 4: on a full group table XᵀỸ = 0, so E ≡ 0 for a linear unit."""
    pairs, yt = _full_table(cyclic_group(23))
    xty = np.zeros((46, 23))
    np.add.at(xty, np.asarray(pairs[:, 0]), np.asarray(yt))
    np.add.at(xty, 23 + np.asarray(pairs[:, 1]), np.asarray(yt))
    assert np.linalg.norm(xty) < 1e-10
    w = jr.normal(jr.key(0), (46,))
    assert float(theory.energy(w, pairs, yt, "linear")) < 1e-20


def _stage1_setup():
    group = cyclic_group(23)
    train, _ = split_pairs(group, 0.5, np.random.default_rng(1))
    pairs, labels = jnp.asarray(train[:, :2]), jnp.asarray(train[:, 2])
    w0 = jr.uniform(jr.key(2), (46, 512), minval=-1, maxval=1) / np.sqrt(46)
    f = theory.hidden(w0, pairs, "sq")
    return f - f.mean(0), theory.centred_targets(labels, 23)


def test_check5_stage1_closed_forms():
    """§5 check 5: (a) V(t) closed form vs diffrax; (b) early G_F slope ỸỸᵀF̃; (c) η > 0 fixed point
    = Eq. 4; (d) η = 0: G_F → 0."""
    import diffrax

    f_t, y_t = _stage1_setup()
    assert f_t.shape[0] == 264
    v0 = 1e-3 * jr.normal(jr.key(3), (512, 23))
    for eta in (1e-2, 1e-3):
        a, v_r = theory.stage1_matrices(f_t, y_t, eta)
        if eta == 1e-2:  # (a) once: the closed form against diffrax
            sol = diffrax.diffeqsolve(diffrax.ODETerm(lambda t, v, _: -a @ v + f_t.T @ y_t), diffrax.Tsit5(),
                                      0.0, 5.0, None, v0,
                                      stepsize_controller=diffrax.PIDController(rtol=1e-11, atol=1e-12),
                                      max_steps=200_000)
            closed = theory.stage1_v(5.0, v0, f_t, y_t, eta)
            assert float(jnp.max(jnp.abs(sol.ys[-1] - closed))) < 1e-8
        g_fixed = theory.stage1_fixed_point_gradient(f_t, y_t, eta)
        np.testing.assert_allclose(theory.back_gradient(v_r, f_t, y_t), g_fixed, atol=1e-10)  # (c)
        lam_min = float(jnp.linalg.eigvalsh(a)[0])
        late = theory.back_gradient(theory.stage1_v(30 / lam_min, v0, f_t, y_t, eta), f_t, y_t)
        assert float(jnp.max(jnp.abs(late - g_fixed))) < 1e-8
    signal = y_t @ y_t.T @ f_t
    for v_init in (jnp.zeros((512, 23)), v0):  # (b)
        g0 = theory.back_gradient(v_init, f_t, y_t)
        g1 = theory.back_gradient(theory.stage1_v(0.01, v_init, f_t, y_t, 1e-3), f_t, y_t)
        assert float(jnp.linalg.norm((g1 - g0) / 0.01 - signal) / jnp.linalg.norm(signal)) < 1e-2
    # (d) η = 0, rank F̃ = n − 1
    ev = np.linalg.eigvalsh(np.asarray(f_t.T @ f_t))
    lam_plus = ev[ev > 1e-8 * ev.max()].min()
    g = theory.back_gradient(theory.stage1_v(30 / lam_plus, v0, f_t, y_t, 0.0), f_t, y_t)
    assert float(jnp.linalg.norm(g)) < 1e-6


@pytest.mark.parametrize("m", [23, 71])
def test_check6_theorem3_reconstruction(m):
    """§5 check 6: least-squares readout residual: complex K = 2M−2 set < 1e-10; real 3 ± pairs per
    frequency (K = 3(M−1)) < 1e-10; real 4 per frequency (K = 2M−2) > 0.5."""
    group = cyclic_group(m)
    h1, h2 = np.divmod(np.arange(m * m), m)
    y_t = np.asarray(theory.centred_targets(jnp.asarray(group.table[h1, h2]), m))
    x = np.arange(m)
    cols = []
    for k in range(1, m):
        e = np.exp(2j * np.pi * k * x / m)
        for sign in (1, -1):
            cols.append((e[h1] + sign * e[h2]) ** 2)
    f = np.stack(cols, 1)
    f_t = f - f.mean(0)
    v, *_ = np.linalg.lstsq(f_t, y_t.astype(complex), rcond=None)
    assert np.linalg.norm(f_t @ v - y_t) / np.linalg.norm(y_t) < 1e-10  # (a)
    real3, real4 = [], []
    rng = np.random.default_rng(0)
    for k in range(1, (m - 1) // 2 + 1):
        th = 2 * np.pi * k * x / m
        d = rng.uniform(0, 2 * np.pi)
        for s in (0, 2 * np.pi / 3, 4 * np.pi / 3):
            p1, p2 = (s + d) / 2, (s - d) / 2
            for sign in (1, -1):
                real3.append((np.cos(th + p1)[h1] + sign * np.cos(th + p2)[h2]) ** 2)
        for _ in range(2):
            p1, p2 = rng.uniform(0, 2 * np.pi, 2)
            for sign in (1, -1):
                real4.append((np.cos(th + p1)[h1] + sign * np.cos(th + p2)[h2]) ** 2)
    assert theory.least_squares_residual(jnp.asarray(np.stack(real3, 1)), y_t) < 1e-10  # (b)
    assert len(real4) == 2 * m - 2
    assert theory.least_squares_residual(jnp.asarray(np.stack(real4, 1)), y_t) > 0.5  # (c)


def test_check8_muon_step(getkey):
    """§5 check 8: Newton–Schulz output singular values in [0.85, 1.20] for the four shapes; one Muon
    step equals the §2.7 formula (decoupled decay, momentum 0.99, no Nesterov) to 1e-6."""
    for shape in ((32, 64), (64, 32), (142, 2048), (2048, 142)):
        s = np.linalg.svd(np.asarray(newton_schulz(jr.normal(getkey(), shape))), compute_uv=False)
        assert 0.85 <= s.min() and s.max() <= 1.20
    from learndyn.families.grokking.experiment import TwoLayerNet

    net = TwoLayerNet(jr.normal(getkey(), (10, 6)), jr.normal(getkey(), (6, 5)))
    grad = TwoLayerNet(jr.normal(getkey(), (10, 6)), jr.normal(getkey(), (6, 5)))
    opt = make_optimizer("muon")
    lr, wd = 1e-2, 2e-4
    state = init_with_rate(opt, net, lr, {"weight_decay": wd})
    upd, _ = opt.update(grad, state, net)
    m1 = 0.01 * grad.w
    x = m1 / (jnp.linalg.norm(m1) + 1e-7)
    for a, b, c in ((4.01, -9.22, 5.80), (3.49, -6.38, 3.23), (3.34, -6.21, 3.20), (3.64, -7.48, 4.43),
                    (3.46, -5.35, 2.85)):
        xt = x.T  # rows ≤ columns: 6 × 10
        s = xt @ xt.T
        x = (a * xt + (b * s + c * s @ s) @ xt).T
    expected_w = -lr * wd * net.w - lr * x
    np.testing.assert_allclose(upd.w, expected_w, atol=1e-6)
    # V: Adam with coupled L2; first step = −lr·sign-like normalised (g + ηv)
    g_v = grad.v + wd * net.v
    np.testing.assert_allclose(upd.v, -lr * g_v / (jnp.abs(g_v) + 1e-8), atol=1e-6)


def test_fourier_diagnostics_on_ideal_units():
    """§4: single-frequency units have concentration 1; importance weighting; coverage counts
    distinct frequencies among the top 2M − 2 units."""
    m = 11
    x = np.arange(m)
    cols = [np.concatenate([np.cos(2 * np.pi * k * x / m), np.cos(2 * np.pi * k * x / m + 0.3)]) for k in range(1, 6)]
    noise = np.random.default_rng(0).normal(size=(2 * m, 3))
    w = np.concatenate([np.stack(cols, 1), noise], 1)
    v = np.concatenate([np.ones((5, m)), 1e-6 * np.ones((3, m))])
    d = theory.fourier_diagnostics(w, v, theory.cyclic_projectors((m,)))
    assert d["frequencies_covered"] == 5 and d["ka_equals_kb"] >= 5 / 8  # the 3 noise units are in the top 2M − 2
    assert d["fourier_concentration"] > 0.999 and d["concentration_unweighted"] < 0.95
    np.testing.assert_allclose(d["unit_concentration"][:5], 1.0, atol=1e-12)
    assert theory.critical_fraction(71) == pytest.approx(0.165, abs=1e-3)
