"""The mean-field reduction of trained low-rank networks in the task-RNN family: run, analyze, CLI."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import learndyn

SMALL = ["model.n=24", "train.steps=60", "task.duration=400", "task.batch=16", "train.test_batch=32",
         "fixed_points.inits=24", "fixed_points.steps=100", "low_rank.draws=2", "low_rank.bootstraps=3",
         "record.points=3"]


@pytest.fixture(scope="module")
def rank2(tmp_path_factory):
    out = tmp_path_factory.mktemp("lr") / "run"
    ds = learndyn.run(learndyn.resolve_spec("flip-flop-rank2", SMALL, seeds=2), out=out)
    return ds, out


def test_low_rank_variables_and_exact_plane_identities(rank2):
    """g = 0: the finder's fixed points lie on the plane x = Mκ + v₀, so their projected κ satisfy the
    latent definition κ = Nᵀφ(x)/N (to 1e-6); the trained network's accuracy as the analysis scores it
    equals the run's last recorded test accuracy (same trials, same noise); the fits are recorded."""
    from learndyn.models import LowRankRNN

    ds, _ = rank2
    for v in ("mf_kappa", "mf_stable", "fp_kappa", "mf_position_error", "mf_same_stability", "resampled_accuracy",
              "trained_accuracy", "fit_weights", "fit_means", "fit_covariances", "latent_extent"):
        assert v in ds, v
    assert list(ds["fit"].values) == ["gaussian", "mixture"] and ds.sizes["latent"] == 2
    assert ds.sizes["draw"] == 2 and ds.sizes["loading"] == 2 + 2 + ds["param_w_in"].shape[-1] + 1 + 2
    np.testing.assert_allclose(ds["trained_accuracy"].values, ds["accuracy"].isel(step=-1).values, atol=1e-6)
    np.testing.assert_allclose(ds["fit_weights"].sel(fit="gaussian").values[:, 0], 1.0)
    assert np.all(np.isnan(ds["fit_weights"].sel(fit="gaussian").values[:, 1:]))
    np.testing.assert_allclose(np.nansum(ds["fit_weights"].sel(fit="mixture").values, -1), 1.0, atol=1e-9)
    checked = 0
    for s in range(2):
        sub = ds.isel(seed=s)
        net = LowRankRNN(*(jnp.asarray(sub[f"param_{k}"].values, jnp.float64)
                           for k in ("m", "n_vec", "j", "w_in", "b", "w_out", "b_out")))
        u = jnp.zeros(ds["param_w_in"].shape[-1])
        fixed = sub["fp_fixed"].isel(condition=0).values
        x = sub["fp_x"].isel(condition=0).values[fixed]
        kappa = sub["fp_kappa"].isel(condition=0).values[: len(x)]
        for xi, ki in zip(x, kappa, strict=True):
            np.testing.assert_allclose(np.asarray(net.m @ ki + net.latent_offset(u)), xi, atol=1e-6)
            np.testing.assert_allclose(np.asarray(net.n_vec.T @ jnp.tanh(xi) / xi.size), ki, atol=1e-6)
            checked += 1
    assert checked >= 2
    err = ds["mf_position_error"].values
    assert np.isfinite(err[np.isfinite(err)]).all() and np.nanmin(err) >= 0


def test_analyze_low_rank_writes_the_portrait_and_the_summary(rank2):
    """`learndyn analyze --what low-rank`: same fixed points as the run, the portrait figure, per-fit numbers."""
    from learndyn.experiments._analyze import analyze

    ds, out = rank2
    an, paths, summary = analyze(out, ["low-rank"])
    np.testing.assert_allclose(an["fp_x"].values, ds["fp_x"].values, atol=1e-8, equal_nan=True)
    np.testing.assert_allclose(an["mf_kappa"].values, ds["mf_kappa"].values, atol=1e-8, equal_nan=True)
    assert "mean_field_portrait.png" in {p.name for p in paths} and all(p.exists() for p in paths)
    for key in ("mean_field_gaussian_worst_position_error", "mean_field_mixture_same_stability",
                "resampled_mixture_accuracy", "trained_accuracy"):
        assert len(summary[key]) == 2


def test_mean_field_of_the_units_themselves_finds_every_fixed_point(rank2):
    """The loadings' empirical distribution (each unit its own population, no spread) makes the mean
    field the network's exact latent dynamics (g = 0), so the latent finder must return every fixed
    point the network's own finder located, at the same place (1e-6 of the latent scale) and with the
    same stability — saddles packed between nearby memories included."""
    from learndyn.families.task_rnn.low_rank import match
    from learndyn.theory import low_rank as lr

    ds, _ = rank2
    for s in range(ds.sizes["seed"]):
        sub = ds.isel(seed=s)
        f = lambda k: jnp.asarray(sub[f"param_{k}"].values, jnp.float64)  # noqa: B023, E731
        table, lay = lr.loadings(f("m"), f("n_vec"), f("w_in"), f("b"), f("w_out"))
        n, d = table.shape
        units = lr.LoadingDistribution(np.ones(n) / n, table, np.tile(1e-14 * np.eye(d), (n, 1, 1)), lay)
        fixed = sub["fp_fixed"].isel(condition=0).values
        kn, stable = sub["fp_kappa"].isel(condition=0).values[fixed], sub["fp_stable"].isel(condition=0).values[fixed]
        span = 1.5 * max(float(np.abs(kn).max()), 1.0)
        with learndyn.float64():
            mf = lr.latent_fixed_points(lambda k: lr.mean_field_velocity(units, k, jnp.zeros(lay.n_in), g=0.0), 2,
                                        span=span)
            # the same through the compiled, distribution-as-argument path with one quadrature node
            exact = lr.latent_fixed_points(lr.latent_velocity(0.0, "tanh", 1), 2, span=span,
                                           args=(lr.empirical_distribution(table, lay), jnp.zeros(lay.n_in)))
        for found in (mf, exact):
            err, same = match(kn, stable, found, float(sub["latent_extent"]))
            assert len(kn) >= 1 and err.max() < 1e-6 and same.all(), (s, err, same)


def test_bootstrap_floor_is_recorded_and_a_full_bootstrap_is_the_network(rank2):
    """The resampling spread: ``low_rank.bootstraps`` networks of the N trained units drawn with
    replacement, compared with the network as the fits are. Draws are multiples of 1/N summing to 1;
    counts all one (every unit once) is the network itself, whose comparison error is 0 (1e-6)."""
    from learndyn.families.task_rnn.low_rank import match
    from learndyn.theory import low_rank as lr

    ds, _ = rank2
    err = ds["bootstrap_position_error"]
    assert err.dims[-3:] == ("bootstrap", "condition", "fp") and ds.sizes["bootstrap"] == 3
    points = np.isfinite(ds["fp_kappa"]).all("latent")
    assert np.all(np.isfinite(err.where(points).values) | ~points.values[:, None] | np.isinf(err.values))
    assert float(err.where(points).min()) >= 0
    sub = ds.isel(seed=0)
    table, lay = lr.loadings(*(sub[f"param_{k}"].values for k in ("m", "n_vec", "w_in", "b", "w_out")))
    n = len(table)
    boot = lr.bootstrap_distribution(table, lay, jax.random.key(3))
    np.testing.assert_allclose(boot.weights.sum(), 1.0, atol=1e-12)
    np.testing.assert_allclose(boot.weights * n, np.round(boot.weights * n), atol=1e-9)
    assert (boot.weights == 0).any()  # a draw with replacement leaves some units out
    fixed = sub["fp_fixed"].isel(condition=0).values
    kn, stable = sub["fp_kappa"].isel(condition=0).values[fixed], sub["fp_stable"].isel(condition=0).values[fixed]
    with learndyn.float64():
        whole = lr.latent_fixed_points(lr.latent_velocity(0.0, "tanh", 1), 2, span=1.5 * max(float(np.abs(kn).max()), 1.0),
                                       args=(lr.empirical_distribution(table, lay, np.ones(n)), jnp.zeros(lay.n_in)))
    e, same = match(kn, stable, whole, float(sub["latent_extent"]))
    assert e.max() < 1e-6 and same.all()


def test_analyze_set_changes_only_analysis_settings(rank2):
    """`learndyn analyze DIR --set low_rank.populations=3`: the mixture gets 3 populations (the
    network's own fixed points are unchanged, the stored run untouched, the config used recorded);
    a key that would change the trained networks, or an invalid value, is exit 2 with one line."""
    from typer.testing import CliRunner

    from learndyn.cli import app
    from learndyn.experiments._analyze import analyze

    ds, out = rank2
    an, _, _ = analyze(out, ["low-rank"], ["low_rank.populations=3"])
    assert an.sizes["population"] == 3
    assert np.isfinite(an["fit_weights"].sel(fit="mixture").values).all()
    np.testing.assert_allclose(an["fit_weights"].sel(fit="mixture").sum("population").values, 1.0, atol=1e-9)
    np.testing.assert_allclose(an["fp_x"].values, ds["fp_x"].values, atol=1e-8, equal_nan=True)
    assert "populations = 3" in an.attrs["config_toml"] and an.attrs["analysis_overrides"] == ["low_rank.populations=3"]
    assert learndyn.load_run(out).sizes["population"] == 2  # the run itself is untouched
    for bad, words in ((["--set", "model.n=8"], "only the analysis settings"),
                       (["--set", "low_rank.populations=0"], "populations"),
                       (["--set", "low_rank.colour=1"], "unknown key")):
        result = CliRunner().invoke(app, ["analyze", str(out), "--what", "low-rank", *bad])
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert words in result.output.replace("\n", " "), result.output


def test_analyze_low_rank_on_a_full_rank_run_is_one_clear_error(tmp_path):
    from typer.testing import CliRunner

    from learndyn.cli import app

    out = tmp_path / "ff"
    learndyn.run(learndyn.resolve_spec("flip-flop", ["model.n=8", "train.steps=3", "task.duration=200",
                                                      "task.batch=4", "train.test_batch=4", "fixed_points.enabled=false",
                                                      "record.points=2"], seeds=1), out=out)
    result = CliRunner().invoke(app, ["analyze", str(out), "--what", "low-rank"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "not low-rank" in result.output.replace("\n", " ")


def test_rank_one_portrait_shades_the_bootstrap_floor(tmp_path):
    """Rank 1 (the accumulate task, g = 0): the portrait's bootstrap curves are the analysis's own draws —
    the zeros of each curve sit where its recorded ``bootstrap_position_error`` says (to the grid
    resolution) — and the figure is written."""
    from learndyn.families.task_rnn.experiment import mean_field_systems

    spec = learndyn.resolve_spec("accumulate-low-rank", ["model.n=24", "model.g=0.0", "train.steps=40",
                                                         "task.batch=16", "train.test_batch=32",
                                                         "fixed_points.inits=24", "fixed_points.steps=100",
                                                         "low_rank.draws=2", "low_rank.bootstraps=3",
                                                         "record.points=3"], seeds=1)
    ds = learndyn.run(spec, out=tmp_path / "run")
    assert (tmp_path / "run" / "figures" / "mean_field_portrait.png").exists()
    systems, span, rank, band = mean_field_systems(ds)
    assert rank == 1 and len(band) == 3
    sub = ds.isel(seed=0, condition=0)
    points = np.isfinite(sub["fp_kappa"].values).all(-1)
    kn = sub["fp_kappa"].values[points][:, 0]
    assert len(kn) >= 1
    scale = max(np.abs(kn).max(), float(sub["latent_extent"]))
    grid = np.linspace(-4 * span, 4 * span, 40001)
    step = grid[1] - grid[0]
    for r, velocity in enumerate(band):
        v = np.asarray(velocity(grid[:, None]))[:, 0]
        zeros = grid[:-1][np.sign(v[:-1]) != np.sign(v[1:])]
        recorded = sub["bootstrap_position_error"].isel(bootstrap=r).values[points]
        if not len(zeros):
            assert np.isinf(recorded).all()
            continue
        nearest = np.abs(kn[:, None] - zeros[None]).min(1) / scale
        np.testing.assert_allclose(nearest, recorded, atol=2 * step / scale)
