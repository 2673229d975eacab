"""Slow linear-RNN reproductions (Proca et al. 2025, checks 9–12 of docs/reproductions.md).
`make test-slow`; outcomes and records in docs/reproductions.md."""

import numpy as np
import pytest

import learndyn

pytestmark = pytest.mark.slow


def test_check9_sensory_sum_extrapolates_perfectly():
    """Check 9 (acceptance 4): trained to training MSE < 1e-18 (60000 steps), every singular value of
    W_h and W_y W_x is within 1e-3 of 1 and the MSE at T' = 100 is < 1e-6 (3 seeds)."""
    ds = learndyn.run(learndyn.resolve_spec("sensory-integration"))
    last = ds.isel(step=-1)
    assert float(last["loss"].max()) < 1e-18
    assert float(abs(last["sv_rec"] - 1).max()) <= 1e-3
    assert float(abs(last["sv_io"] - 1).max()) <= 1e-3
    assert float(last["test_loss"].sel(length=100).max()) < 1e-6


def test_check10_sensory_mean_extrapolation_error_grows():
    """Check 10 (acceptance 4): mean target, 40000 steps, 3 seeds: extrapolation MSE strictly
    increasing over T' ∈ {4, 50, 75, 100}, T' = 100 ≥ 1000 × T' = 4; top three singular values of
    W_h in [0.9, 1.0] and of W_y W_x in [0.25, 0.30]."""
    ds = learndyn.run(learndyn.resolve_spec("sensory-integration-mean"))
    last = ds.isel(step=-1)
    err = last["test_loss"].transpose("seed", "length").values
    assert np.all(np.diff(err, axis=1) > 0)
    assert np.all(err[:, -1] >= 1000 * err[:, 0])
    top_rec = last["sv_rec"].isel(sv=slice(0, 3)).values
    top_io = last["sv_io"].isel(sv_io=slice(0, 3)).values
    assert np.all((top_rec >= 0.9) & (top_rec <= 1.0))
    assert np.all((top_io >= 0.25) & (top_io <= 0.30))


def test_check11_ntk_grid_aligned():
    """Check 11: aligned kernel distance over T ∈ 1…8 × 10 scales: D(T = 1) ≤ 1e-6; listed cells
    ± 0.02; D increases with T at fixed scale and decreases with scale at fixed T (T ≥ 2)."""
    ds = learndyn.run(learndyn.resolve_spec("lrnn-ntk"))
    d = ds["kernel_distance"].isel(seed=0).transpose("task.length", "init_scale").values
    assert np.abs(d[0]).max() <= 1e-6
    cols = [0, 2, 5, 9]  # scales 0.01, 0.12, 0.28, 0.5
    np.testing.assert_allclose(d[1, cols], [0.554, 0.452, 0.299, 0.127], atol=0.02)
    np.testing.assert_allclose(d[3, cols], [0.898, 0.870, 0.789, 0.504], atol=0.02)
    np.testing.assert_allclose(d[7, cols], [0.987, 0.983, 0.970, 0.865], atol=0.02)
    assert np.all(np.diff(d, axis=0) > 0)
    assert np.all(np.diff(d[1:], axis=1) < 0)


def test_check12_ntk_grid_gaussian():
    """Check 12: Gaussian init, 3 seeds: D(T = 8) > D(T = 2) > D(T = 1) for every scale and seed (the
    spec's assertion), and T = 1 gives D in [0.10, 0.25] for the seed median at the listed scales
    (spec observed 0.11–0.19 on its draws; per seed, one of our 12 cells is 0.258 — recorded in
    docs/reproductions.md)."""
    ds = learndyn.run(learndyn.resolve_spec("lrnn-ntk-gaussian"))
    d = ds["kernel_distance"].transpose("task.length", "init_scale", "seed").values
    cols = [0, 2, 5, 9]
    med = np.median(d[0, cols], axis=-1)
    assert np.all((med >= 0.10) & (med <= 0.25))
    assert np.all(d[7] > d[1]) and np.all(d[1] > d[0])
