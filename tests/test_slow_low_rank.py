"""The mean-field reduction of trained low-rank networks (Mastrogiuseppe & Ostojic 2018; Beiran et
al. 2021; Dubreuil et al. 2022) on a trained network large enough for the loading distribution to be
estimated: `learndyn run flip-flop-rank2-mean-field` (N = 512, 5 seeds, 8-population mixture).
`make test-slow`; outcomes and records in docs/reproductions.md, numbers in docs/analysis/low-rank.md."""

import numpy as np
import pytest

import learndyn


@pytest.mark.slow
def test_flip_flop_rank2_mean_field_matches_the_trained_networks(tmp_path):
    """In every seed: the mixture's mean-field fixed points lie within 10 % (of the latent scale) of
    each fixed point the network's finder locates, with the same stability; networks resampled from
    the mixture at 2 × N (10 draws) keep ≥ 90 % of the trained accuracy. The single Gaussian is
    reported beside it and must fail as the theory says: one Gaussian population gives a rank-2
    mean field at most 2 stable points (±, along one direction), not the network's 4 memories."""
    spec = learndyn.resolve_spec("flip-flop-rank2-mean-field")
    assert spec.seeds >= 5 and spec.low_rank.draws >= 10 and spec.low_rank.size_factor == 2.0
    ds = learndyn.run(spec, out=tmp_path / "run")
    # the network's own fixed points (a fit with no fixed point near one of them counts as an infinite error)
    points = np.isfinite(ds["fp_kappa"]).all("latent")
    fixed = points.expand_dims(fit=ds["fit"].values)
    kept = (ds["resampled_accuracy"].mean("draw") / ds["trained_accuracy"]).values  # (seed, fit)
    mixture = ds.sel(fit="mixture")
    for s in range(ds.sizes["seed"]):
        sub, ok = mixture.isel(seed=s), fixed.sel(fit="mixture").isel(seed=s)
        err = sub["mf_position_error"].values[ok.values]
        assert ds["fp_fixed"].isel(seed=s).sum() >= 5  # memories and saddles found in the network
        assert err.max() <= 0.10, (s, err.max())
        assert sub["mf_same_stability"].values[ok.values].all(), s
        assert kept[s, list(ds["fit"].values).index("mixture")] >= 0.90, (s, kept[s])
        gauss_stable = ds["mf_stable"].sel(fit="gaussian").isel(seed=s).sum().item()
        net_stable = (ds["fp_fixed"] & ds["fp_stable"]).isel(seed=s).sum().item()
        assert gauss_stable <= 2 < net_stable, (s, gauss_stable, net_stable)
    # the resampling spread, reported beside it: N units drawn with replacement from the network's own
    floor = ds["bootstrap_position_error"].where(points).max(("condition", "fp")).median("bootstrap")
    print("bootstrap floor (median worst position error per seed):", np.round(floor.values, 3).tolist())
