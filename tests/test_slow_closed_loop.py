"""Slow reproductions of science/closed_loop.md §7 items 7–10 (make test-slow; outcomes in
docs/reproductions.md)."""

import numpy as np
import pytest

import learndyn
from learndyn.families.closed_loop.experiment import stage_boundaries

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rank1():
    return learndyn.run(learndyn.default_spec("closed-loop-rank1"))  # 5 seeds, 1000 epochs


def test_three_stages(rank1):
    """Item 7: ep_of_stab ∈ [30, 400]; final real eigenvalue 0.70 ± 0.06, pair modulus 0.67 ± 0.06 with
    |Im| > 0.4; final train loss 0.25–0.32; a plateau (train loss > 5) between stage 1 and ep_of_stab."""
    closed = rank1.sel(loop="closed")
    b = stage_boundaries(closed)
    steps = rank1["step"].values
    for s in range(rank1.sizes["seed"]):
        e = int(b["ep_of_stab"][s])
        assert 30 <= e <= 400
        lam = closed["eig_closed"].isel(seed=s, step=-1).values[:3]
        real = lam[np.abs(lam.imag) < 1e-9]
        pair = lam[lam.imag > 1e-9]
        assert real.size == 1 and abs(real[0].real - 0.70) <= 0.06
        assert pair.size == 1 and abs(abs(pair[0]) - 0.67) <= 0.06 and pair[0].imag > 0.4
        assert 0.25 <= float(closed["train_loss"].isel(seed=s, step=-1)) <= 0.32
        s1 = int(b["stage1_end"][s])
        plateau = closed["train_loss"].isel(seed=s).values[(steps > s1 + 5) & (steps < e - 5)]
        assert plateau.size == 0 or np.median(plateau) > 5


def test_stage3_reduction(rank1):
    """Item 8: from ep_of_stab the exact Gram-map reduction tracks the full model's exact loss within
    15% at +50, +100 and the end; plain GD on the four σ's within 15% at the end and final
    eigenvalues within 0.06 in modulus (at +50/+100 plain σ-GD misses: docs/reproductions.md)."""
    closed = rank1.sel(loop="closed")
    steps = rank1["step"].values
    for s in range(rank1.sizes["seed"]):
        e = int(rank1["peff_start"].isel(seed=s))
        full = closed["exact_loss"].isel(seed=s).values
        gram = rank1["gram_loss"].isel(seed=s).values
        plain = rank1["peff_loss"].isel(seed=s).values
        for i in [np.searchsorted(steps, e + o) for o in (50, 100)] + [len(steps) - 1]:
            assert abs(gram[i] - full[i]) <= 0.15 * full[i]
        assert abs(plain[-1] - full[-1]) <= 0.15 * full[-1]
        lam_full = np.sort(np.abs(closed["eig_closed"].isel(seed=s, step=-1).values[:3]))
        lam_eff = np.sort(np.abs(rank1["peff_eig"].isel(seed=s, step=-1).values))
        assert np.max(np.abs(lam_full - lam_eff)) <= 0.06


def test_nonlinear_closed_vs_open():
    """Item 9: open-loop test loss peaks ≥ 100× the closed-loop one at the same epoch; final test
    losses within 20%; closed gains enter (and stay in) the stable wedge before the open ones."""
    ds = learndyn.run(learndyn.default_spec("closed-loop-nonlinear"))
    s = learndyn.experiments.summary_dict(ds)["metrics"]
    for i in range(ds.sizes["seed"]):
        assert s["open_peak_ratio"][i] >= 100
        a, b = s["final_test_loss"][i], s["open_final_test_loss"][i]
        assert abs(a - b) <= 0.2 * max(a, b)
        assert s["ep_of_stab"][i] is not None and s["open_ep_of_stab"][i] is not None
        assert s["ep_of_stab"][i] < s["open_ep_of_stab"][i]


@pytest.fixture(scope="module")
def tracking_10k():
    """The published budget: 5 seeds, closed loop, 10 000 epochs (≈ 1 h on 2 cores)."""
    spec = learndyn.resolve_spec("tracking", ["train.mode='closed'", "train.precision='float32'",
                                              "train.steps=10000", "record.points=1200"], seeds=5)
    return learndyn.experiments.summary_dict(learndyn.run(spec))["metrics"]


def test_tracking_frequency_order(tracking_10k):
    """Item 10, first half: the four frequencies are acquired in increasing order in ≥ 4/5 seeds, and
    at the acquisitions of ω2, ω3, ω4 eig(W) holds a pair with |Im − ω_k| ≤ 0.2 ω_k."""
    acq, mism = tracking_10k["acquisition_epochs"], tracking_10k["acquisition_pair_mismatch"]
    ordered = sum(all(a is not None for a in seed) and seed == sorted(seed) for seed in acq)
    assert ordered >= 4
    for seed in mism:
        assert all(m is None or m <= 0.2 for m in seed[1:])


@pytest.mark.xfail(strict=True, reason="the reference implementation itself misses this: at the ω1 "
                   "acquisition its pair is 23–71 % below ω1 in 8 of 8 seeds (benchmarks/RESULTS.md, "
                   "'tracking ω1 acquisition vs reference'); docs/reproductions.md item 10")
def test_tracking_omega1_pair_at_acquisition(tracking_10k):
    """Item 10, second half, for ω1: |Im − ω1| ≤ 0.2 ω1 at the ω1 acquisition in every seed."""
    assert all(seed[0] is not None and seed[0] <= 0.2 for seed in tracking_10k["acquisition_pair_mismatch"])
