"""The mean-field reduction of trained rank-1 decision networks (Mastrogiuseppe & Ostojic 2018; Beiran
et al. 2021; Dubreuil et al. 2022), and the resampling spread of its units: `learndyn run
accumulate-low-rank-mean-field` (accumulate task, rank 1, no random part, N = 512, 5 seeds,
8-population mixture, 20 bootstrap networks). `make test-slow`; outcomes and records in
docs/reproductions.md, numbers in docs/analysis/low-rank.md."""

import numpy as np
import pytest

import learndyn


@pytest.mark.slow
def test_accumulate_rank1_mean_field_and_its_finite_size_floor(tmp_path):
    """Every network is bistable (two stable decision states and a saddle) and accurate. Networks
    resampled from the mixture at 2 × N keep ≥ 90 % of the trained accuracy in every seed. The single
    Gaussian has fewer stable points than the network in every seed: it cannot carry the correlation
    between a unit's m–n overlap and its gain φ'(x₀) on which the bistability rests.

    The 10 % position criterion is not met, and the test records how fragile the structure is:
    bootstrap networks of the network's own N units place the fixed points more than 10 % away in the
    median draw of every seed — the bistability is a property of these particular units, one sampling
    standard error above the bifurcation, and the mean field must hold their gain to ≈ 1 %.
    """
    spec = learndyn.resolve_spec("accumulate-low-rank-mean-field")
    assert spec.seeds >= 5 and spec.low_rank.draws >= 10 and spec.low_rank.size_factor == 2.0
    assert spec.model.rank == 1 and spec.low_rank.bootstraps >= 20
    ds = learndyn.run(spec, out=tmp_path / "run")
    points = np.isfinite(ds["fp_kappa"]).all("latent")
    worst = ds["mf_position_error"].where(points).max(("condition", "fp"))  # (seed, fit)
    same = (ds["mf_same_stability"] | ~points).all(("condition", "fp"))
    floor = ds["bootstrap_position_error"].where(points).max(("condition", "fp")).median("bootstrap")
    floor_same = (ds["bootstrap_same_stability"] | ~points).all(("condition", "fp")).mean("bootstrap")
    kept = ds["resampled_accuracy"].mean("draw") / ds["trained_accuracy"]
    net_stable = (ds["fp_fixed"] & ds["fp_stable"]).sum(("condition", "fp"))
    mf_stable = ds["mf_stable"].sum(("condition", "mf_fp"))
    for fit in ds["fit"].values:
        print(f"{fit}: worst position error {np.round(worst.sel(fit=fit).values, 3).tolist()}, same stability "
              f"{same.sel(fit=fit).values.tolist()}, accuracy kept {np.round(kept.sel(fit=fit).values, 3).tolist()}, "
              f"stable points {mf_stable.sel(fit=fit).values.tolist()}")
    print(f"network: stable points {net_stable.values.tolist()}, accuracy {np.round(ds['trained_accuracy'].values, 3).tolist()}")
    print(f"bootstrap floor: median worst position error {np.round(floor.values, 3).tolist()}, "
          f"share with every stability matched {np.round(floor_same.values, 2).tolist()}")
    for s in range(ds.sizes["seed"]):
        assert int(net_stable.isel(seed=s)) >= 2 and float(ds["trained_accuracy"].isel(seed=s)) >= 0.9, s
        assert float(kept.sel(fit="mixture").isel(seed=s)) >= 0.90, s
        assert int(mf_stable.sel(fit="gaussian").isel(seed=s)) < int(net_stable.isel(seed=s)), s
        assert float(floor.isel(seed=s)) > 0.10, s
