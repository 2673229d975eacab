"""`learndyn analyze` on saved runs of several families (issue 5 acceptance 4): spectra and PCA from
the weight snapshots every family keeps, consistency with the run's own spectra, bad input."""

import json

import numpy as np
from typer.testing import CliRunner

import learndyn
from learndyn.analysis import sort_eigenvalues
from learndyn.cli import app
from learndyn.experiments._analyze import analyze

runner = CliRunner()


def _run(name, sets, out, seeds=2):
    return learndyn.run(learndyn.resolve_spec(name, sets, seeds=seeds), out)


def test_analyze_integrate_run_matches_its_own_spectrum(tmp_path):
    out = tmp_path / "integrate"
    ds = _run("integrate-leaky", ["model.n=20", "train.steps=300", "record.points=30", "record.snapshots=8"], out)
    assert ds.sizes["snapshot"] == 8 and list(ds["snapshot_step"].values[[0, -1]]) == [0, 300]
    result = runner.invoke(app, ["analyze", str(out)])
    assert result.exit_code == 0, result.output
    an = learndyn.results.open_results(out / "analysis" / "analysis.zarr")
    # the last snapshot's eigenvalues are the run's recorded spectrum at its last step (float32 copy)
    for seed in range(2):
        mine = sort_eigenvalues(an["eig"].isel(seed=seed, snapshot=-1).values)
        run_eig = sort_eigenvalues(ds["eig"].isel(seed=seed, step=-1).values)
        np.testing.assert_allclose(np.abs(mine), np.abs(run_eig), atol=1e-5)
    # leaky target: one outlier escapes the bulk; ΔW is essentially rank one (rich regime, §3.9)
    assert np.all(an["n_outliers"].isel(snapshot=-1).values >= 1)
    np.testing.assert_allclose(an["bulk_radius"].values, 0.2, atol=0.06)
    assert np.all(an["dW_singular_values"].values[:, 1] < 0.2 * an["dW_singular_values"].values[:, 0])
    summary = json.loads((out / "analysis" / "summary.json").read_text())
    assert len(summary["final_outliers"]) == 2 and len(summary["dW_rank"]) == 2
    assert sorted(p.name for p in (out / "analysis" / "figures").glob("*.png")) == [
        "learning_trajectory.png", "spectra.png"]
    # the run itself is untouched
    assert learndyn.load_run(out).attrs["complete"]


def test_analyze_closed_loop_both_loops_and_lrnn(tmp_path):
    cl = tmp_path / "cl"
    _run("closed-loop-nonlinear", ["model.n=20", "train.steps=12", "train.batch=20", "record.points=13"], cl, seeds=1)
    an, paths, summary = analyze(cl, ["spectra", "pca"])
    assert {"eig_closed", "eig_open", "weight_pc_closed", "weight_pc_open"} <= set(an.data_vars)
    assert an["eig_closed"].shape[-1] == 20
    assert {p.name for p in paths} == {"spectra_closed.png", "spectra_open.png", "learning_trajectory_closed.png",
                                      "learning_trajectory_open.png"}
    lr = tmp_path / "lrnn"
    _run("lrnn-modes", ["train.steps=200", "record.points=12"], lr, seeds=1)
    an, _, _ = analyze(lr, ["pca"])
    assert "weight_pc" in an and np.isfinite(an["weight_pc_explained"].values).all()
    assert abs(float(an["weight_pc_explained"].sum("pc").isel(seed=0)) - 1) < 0.05


def test_analyze_bad_input(tmp_path):
    def err(*args):
        r = runner.invoke(app, ["analyze", *map(str, args)])
        assert r.exit_code == 2 and "Traceback" not in r.output
        return r.output

    assert "not a directory" in err(tmp_path / "nowhere")
    out = tmp_path / "run"
    _run("integrate-leaky", ["model.n=8", "train.steps=20", "record.points=5", "record.snapshots=0"], out, seeds=1)
    assert "no weight snapshots" in err(out)
    assert "is not one of" in err(out, "--what", "spectrum")
    assert "does not rebuild" in err(out, "--what", "fixed-points")
    assert (out / "results.zarr").exists()
