"""Long reproductions of `integrate` (Bordelon et al. 2025; docs/integrate.md). ``make test-slow``;
outcomes and records in docs/reproductions.md."""

import numpy as np
import pytest

import learndyn
from test_training import _new_outliers

pytestmark = pytest.mark.slow


def test_exact_vs_sampled_loss_curves_200_steps():
    """Check 7(e): N = 20, σ = 0.3, lr 0.01, 200 steps, batch 4096.

    The sampled engine follows gradient descent on the Euler-discrete loss (its expectation): the
    two trajectories' losses agree within 5 % at every recorded step. Against the continuous
    engine the same run differs by the O(dt) Euler bias of the gradient, which shifts the timing of
    the steep escape by about 1 %; recorded in docs/reproductions.md (7.2 % at the steepest step)."""
    import dataclasses

    import jax

    from learndyn.families.integrate import experiment as integrate
    from learndyn.training import euler_discrete_loss_and_grad, exact_loss_and_grad, log_spaced_steps, train

    common = ["model.n=20", "model.sigma=0.3", "train.lr=0.01", "train.steps=200", "record.points=25",
              "train.batch=4096", "train.mc_groups=64"]
    spec = learndyn.resolve_spec("integrate-leaky", common + ["train.method='sampled'"], seeds=1)
    sampled = learndyn.run(spec)
    exact = learndyn.run(learndyn.resolve_spec("integrate-leaky", common, seeds=1))
    steps = log_spaced_steps(200, 25)
    built = integrate.build(spec, record_steps=steps)
    discrete = dataclasses.replace(
        built.problem, engine=lambda p, d, k: euler_discrete_loss_and_grad(p, d.target, 0.05))
    loss = jax.jit(jax.vmap(lambda p, d: exact_loss_and_grad(p, d.target).loss))
    _, recs = train(discrete, steps, lambda st: {"loss": np.asarray(loss(st.params, discrete.data))})
    disc = np.stack([r["loss"] for r in recs], axis=1)
    rel_disc = np.abs(sampled["loss"].values / disc - 1)
    rel_cont = np.abs(sampled["loss"].values / exact["loss"].values - 1)
    print(f"max |sampled/discrete-GD - 1| = {rel_disc.max():.4f}; "
          f"max |sampled/continuous-GD - 1| = {rel_cont.max():.4f} at step {steps[int(rel_cont.argmax())]}")
    assert rel_disc.max() < 0.05
    before_escape = exact["loss"].values > 0.5 * exact["loss"].values[:, :1]
    assert rel_cont[before_escape].max() < 0.05  # Euler bias + MC only; the escape's timing shift is larger


def test_integrate_leaky_default():
    """`integrate-leaky` with its defaults (N = 100, 4 seeds, 4000 steps): L from 1.25 to < 1e-4; one
    real outlier escapes and settles at 0.8 ± 0.005; the bulk is unchanged."""
    ds = learndyn.run(learndyn.default_spec("integrate-leaky"))
    last = ds.isel(step=-1)
    # L0 = 1.25 exactly for orthonormal u0, v0 (check 3); Gaussian u0, v0 shift it by O(N^-1/2)
    l0 = ds["loss"].isel(step=0).values
    assert abs(l0.mean() - 1.25) < 0.05 * 1.25 and np.all(np.abs(l0 - 1.25) < 0.2 * 1.25)
    assert float(last["loss"].max()) < 1e-4
    assert float(np.abs(last["learned"] - 0.8).max()) <= 0.005
    for s in range(4):
        assert _new_outliers(ds.isel(seed=s)) == 1


def test_integrate_oscillator_default():
    """`integrate-oscillator` defaults: a pair settles at 0.8 ± 1.0i within 0.01; L from 0.649 to < 1e-3."""
    ds = learndyn.run(learndyn.default_spec("integrate-oscillator"))
    last = ds.isel(step=-1)
    assert float(last["loss"].max()) < 1e-3
    pair = last["learned"].values
    assert np.max(np.abs(pair.real - 0.8)) < 0.01
    assert np.max(np.abs(np.sort(pair.imag, axis=-1) - np.array([-1.0, 1.0]))) < 0.01


def test_integrate_multiscale_plateau_then_second_outlier():
    """`integrate-multiscale` (N = 40 for time, orthonormal u0, v0, 2 seeds, 70000 steps), σ ∈ {0, 0.2}.

    σ = 0: the one-pole plateau L1 = 0.065328 with the top eigenvalue at 0.848 for τ from 15 to 60,
    then a second outlier: top eigenvalue 0.9, a second one between 0.4 and 0.5, L < 1e-4 at
    τ = 210. The N = 40 network leaves the plateau earlier than the two-neuron system (L = 0.038 at
    τ = 78 vs 0.0634 at τ = 90) and its second eigenvalue converges more slowly (0.463 at τ = 210 vs
    0.499 at τ = 195), so the spec's two-neuron escape numbers are checked on the two-neuron system
    (fast, check 10), not here (docs/reproductions.md).
    σ = 0.2: the first outlier stops at λ_plateau ≈ 0.848 (τ ≈ 0.4–0.9) but the bulk's own modes fit
    the fast component, so the loss falls below L1 without a plateau; the outliers end at 0.9 and
    near 0.5."""
    spec = learndyn.resolve_spec("integrate-multiscale", ["model.n=40", "model.init_uv='orthonormal'"], seeds=2)
    ds = learndyn.run(spec.model_copy(update={"grid": {"model.sigma": [0.0, 0.2]}}))
    tau = ds["tau"].sel(sigma=0.0).isel(seed=0).values
    flat = (tau > 15) & (tau < 60)
    zero = ds.sel(sigma=0.0)
    assert np.all(np.abs(zero["loss"].values[:, flat] - 0.065328) < 1e-5)
    assert np.all(np.abs(zero["learned"].values[:, flat].real.max(axis=-1) - 0.848) < 0.002)
    final = np.sort(zero["learned"].isel(step=-1).values.real, axis=-1)
    assert np.all(np.abs(final[:, 1] - 0.9) < 0.002)
    assert np.all((final[:, 0] > 0.4) & (final[:, 0] <= 0.5))
    assert float(zero["loss"].isel(step=-1).max()) < 1e-4
    small = ds.sel(sigma=0.2)
    early = (tau > 0.4) & (tau < 0.9)
    assert np.all(np.abs(small["learned"].values[:, early].real.max(axis=-1) - 0.848) < 0.01)
    assert np.all(small["loss"].values[:, (tau > 15) & (tau < 75)] < 0.065328)
    last = small.isel(step=-1)
    top = np.sort(last["learned"].values.real, axis=-1)
    assert np.all(np.abs(top[:, 1] - 0.9) < 0.01)
    print("σ = 0.2 final learned eigenvalues:", top.round(4).tolist(), "loss:", last["loss"].values.tolist())
    assert float(last["loss"].max()) < 1e-3


def test_rich_vs_lazy():
    """Check 13 with `integrate-rich-lazy` (N = 40, 4 seeds, σ ∈ {0, …, 0.9}): dW_rel(0.2)/dW_rel(0.9) > 5,
    s2/s1 < 0.1 at σ = 0.2, s2/s1 > 0.2 at σ = 0.9, final loss < 1e-4 at every σ."""
    ds = learndyn.run(learndyn.default_spec("integrate-rich-lazy"))
    last = ds.isel(step=-1)
    rel = last["dW_rel"].median("seed")
    sv = last["dW_sv"].median("seed")
    assert float(rel.sel(sigma=0.2) / rel.sel(sigma=0.9)) > 5
    assert float(sv.sel(sigma=0.2, sv=1) / sv.sel(sigma=0.2, sv=0)) < 0.1
    assert float(sv.sel(sigma=0.9, sv=1) / sv.sel(sigma=0.9, sv=0)) > 0.2
    assert float(last["loss"].max()) < 1e-4
    # dW_rel is undefined at σ = 0 (‖W0‖ = 0) and written as NaN / null
    assert bool(np.isnan(last["dW_rel"].sel(sigma=0.0)).all())
