"""Long reproductions of science/integrate.md (``make test-slow``; outcomes in docs/reproductions.md)."""

import numpy as np
import pytest

import learndyn
from test_training import _new_outliers

pytestmark = pytest.mark.slow


def test_exact_vs_sampled_loss_curves_200_steps():
    """Check 7(e): N = 20, σ = 0.3, lr 0.01, 200 steps, batch 4096: loss curves within 5 %."""
    common = ["model.n=20", "model.sigma=0.3", "train.lr=0.01", "train.steps=200", "record.points=25",
              "train.batch=4096", "train.mc_groups=64"]
    exact = learndyn.run(learndyn.resolve_spec("integrate-leaky", common, seeds=1))
    sampled = learndyn.run(learndyn.resolve_spec("integrate-leaky", common + ["train.method='sampled'"], seeds=1))
    assert np.max(np.abs(sampled["loss"].values / exact["loss"].values - 1)) < 0.05


def test_integrate_leaky_default():
    """`integrate-leaky` with its defaults (N = 100, 4 seeds, 4000 steps): L from 1.25 to < 1e-4; one
    real outlier escapes and settles at 0.8 ± 0.005; the bulk is unchanged."""
    ds = learndyn.run(learndyn.default_spec("integrate-leaky"))
    last = ds.isel(step=-1)
    assert np.all(np.abs(ds["loss"].isel(step=0).values - 1.25) < 0.1)
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
    """`integrate-multiscale` (N = 40 for time, 2 seeds, 70000 steps): first the one-pole plateau
    (top eigenvalue ≈ 0.848, L ≈ 0.0653), then a second outlier to 0.5 while the first moves to 0.9."""
    ds = learndyn.run(learndyn.resolve_spec("integrate-multiscale", ["model.n=40"], seeds=2))
    tau = ds["tau"].isel(seed=0).values
    plateau = (tau > 20) & (tau < 60)
    assert np.all(np.abs(ds["loss"].values[:, plateau] - 0.0653) < 0.01)
    assert np.all(np.abs(ds["learned"].isel(mode=0).values[:, plateau].real - 0.848) < 0.02)
    last = ds.isel(step=-1)
    learned = np.sort(last["learned"].values.real, axis=-1)
    np.testing.assert_allclose(learned, np.array([[0.5, 0.9]] * 2), atol=0.01)
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
