"""Slow reproductions of the closed-loop items 7–10 (Ger & Barak 2025; docs/closed_loop.md).
`make test-slow`; outcomes and records in docs/reproductions.md."""

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
        assert 0 <= s1 < e - 15, (s1, e)  # stage 1 ends, and well before stage 3 begins
        plateau = closed["train_loss"].isel(seed=s).values[(steps > s1 + 5) & (steps < e - 5)]
        assert plateau.size >= 5 and np.median(plateau) > 5, plateau


def test_stage3_reduction(rank1):
    """Item 8, the reduction it is about: P_eff by plain clipped GD on the four σ's from the overlaps at
    ep_of_stab, against the full model's exact loss at +50, +100 and the end.

    As written (≤ 15 % at all three in ≥ 4/5 seeds) the item is missed — by the reference's own P_eff
    cells as well, over 5 seeds (benchmarks/compare_stage3_reference.py; RESULTS.md "stage-3 P_eff vs
    reference": reference 10–95 % at +50, 12–29 % at +100, ≤ 3.4 % at the end; 0/5 seeds within 15 %
    at all three). Asserted here is the restated item, what both implementations show: ≤ 5 % at the
    end in every seed, ≤ 35 % at +100 in every seed, a seed-median gap ≤ 35 % at +50, and final
    eigenvalue moduli within 0.06. The exact Gram-map reduction (§ stage 3, docs/closed_loop.md) is
    held to the item's 15 % at all three epochs."""
    closed = rank1.sel(loop="closed")
    steps = rank1["step"].values
    gaps50 = []
    for s in range(rank1.sizes["seed"]):
        e = int(rank1["peff_start"].isel(seed=s))
        assert e >= 0
        full = closed["exact_loss"].isel(seed=s).values
        gram = rank1["gram_loss"].isel(seed=s).values
        plain = rank1["peff_loss"].isel(seed=s).values
        i50, i100 = (int(np.flatnonzero(steps == e + o)[0]) for o in (50, 100))
        rel = lambda x, i: abs(x[i] - full[i]) / full[i]  # noqa: E731
        for i in (i50, i100, len(steps) - 1):
            assert rel(gram, i) <= 0.15
        assert rel(plain, len(steps) - 1) <= 0.05
        assert rel(plain, i100) <= 0.35
        gaps50.append(rel(plain, i50))
        lam_full = np.sort(np.abs(closed["eig_closed"].isel(seed=s, step=-1).values[:3]))
        lam_eff = np.sort(np.abs(rank1["peff_eig"].isel(seed=s, step=-1).values))
        assert np.max(np.abs(lam_full - lam_eff)) <= 0.06
    print("plain σ-GD gap at +50:", np.round(gaps50, 3))
    assert np.median(gaps50) <= 0.35


def test_nonlinear_closed_vs_open():
    """Item 9 in its original reading, with the notebook's init (the registered default, 5 seeds): in
    ≥ 4 of 5 seeds the open student's test loss peaks — rises above its epoch-0 value — at ≥ 100× the
    closed loop's test loss at the same epoch; the final test losses agree within 20 %; and the
    closed-loop gains enter (and stay in) the stable region before the open-loop ones."""
    ds = learndyn.run(learndyn.default_spec("closed-loop-nonlinear"))
    s = learndyn.experiments.summary_dict(ds)["metrics"]
    print({k: s[k] for k in ("open_peak_test_loss", "open_peak_epoch", "open_peak_ratio", "open_peak_rises",
                             "final_test_loss", "open_final_test_loss", "ep_of_stab", "open_ep_of_stab")})
    met = 0
    for i in range(ds.sizes["seed"]):
        peak = s["open_peak_rises"][i] and s["open_peak_ratio"][i] >= 100
        a, b = s["final_test_loss"][i], s["open_final_test_loss"][i]
        finals = abs(a - b) <= 0.2 * max(a, b)
        e_closed, e_open = s["ep_of_stab"][i], s["open_ep_of_stab"][i]
        first = e_closed is not None and (e_open is None or e_closed < e_open)
        met += peak and finals and first
    assert ds.sizes["seed"] == 5 and met >= 4


@pytest.fixture(scope="module")
def tracking_10k():
    """The published budget: 5 seeds, closed loop, 10 000 epochs (≈ 10 min on 2 cores)."""
    spec = learndyn.resolve_spec("tracking", ["train.mode='closed'", "train.precision='float32'",
                                              "train.steps=10000", "record.points=1200"], seeds=5)
    ds = learndyn.run(spec)
    return ds, learndyn.experiments.summary_dict(ds)["metrics"]


def test_tracking_frequency_order(tracking_10k):
    """Item 10, first half: all four frequencies acquired, in increasing order, in ≥ 4/5 seeds, and in
    those seeds eig(W) holds a pair with |Im − ω_k| ≤ 0.2 ω_k at the acquisitions of ω2, ω3, ω4."""
    _, m = tracking_10k
    acq, mism = m["acquisition_epochs"], m["acquisition_pair_mismatch"]
    complete = [s for s, seed in enumerate(acq) if all(a is not None for a in seed)]
    ordered = [s for s in complete if acq[s] == sorted(acq[s])]
    assert len(ordered) >= 4
    for s in ordered:
        assert all(x is not None and x <= 0.2 for x in mism[s][1:]), (s, mism[s])


def test_tracking_omega1_pair_rises_through_acquisition(tracking_10k):
    """Item 10 for ω1 (restated 2026-12-05): the pair nearest ω1 is still rising when the ω1 probe is
    acquired — at ≈ 0.3–0.8 ω1 (the reference code's 8 seeds: 0.29–0.77 ω1) — and reaches ≥ 0.7 ω1
    within 300 epochs after it, in ≥ 4/5 seeds."""
    from learndyn.analysis import pair_around_acquisition

    ds, _ = tracking_10k
    omega1 = float(ds["probe_omega"].values[0])
    rises = []
    for s in range(ds.sizes["seed"]):
        cell = ds.isel(seed=s, loop=0)
        rises.append(pair_around_acquisition(cell["probe_loss"].values[:, 0], cell["eig_w"].values,
                                             ds["step"].values, omega1, after=300))
    print("ω1 pair around the acquisition:", rises)
    ok = [r for r in rises if r is not None and 0.2 <= r["at"] <= 0.85 and r["reached"] >= 0.7
          and r["reached"] > r["at"]]
    assert len(ok) >= 4, rises
