"""The command line: list, config, run, show, and every kind of bad input (issue acceptance 5)."""

import json
import tomllib

import numpy as np
import pytest
from typer.testing import CliRunner

from learndyn.cli import app
from learndyn import all_experiments

REGISTRY = all_experiments()

runner = CliRunner()
SMALL = ["--set", "model.n=8", "--set", "train.steps=40", "--set", "record.points=6", "--seeds", "2"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def assert_user_error(result, *fragments):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for f in fragments:
        assert f in result.output, result.output


def test_list_names_every_experiment():
    result = invoke("list")
    assert result.exit_code == 0
    for name in ("integrate-leaky", "integrate-oscillator", "integrate-multiscale", "integrate-rich-lazy"):
        assert name in result.output
    assert set(REGISTRY) <= set(result.output.split())


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_config_prints_the_keys_that_apply_and_reads_back_to_the_same_spec(name, tmp_path):
    """`learndyn config NAME`: valid TOML with a comment per described key; keys declared for other
    kinds (e.g. the oscillator's ω⋆ in a leaky run) left out; read back, it is the same spec."""
    from learndyn import resolve_spec

    result = invoke("config", name)
    assert result.exit_code == 0
    data = tomllib.loads(result.output)
    assert data["experiment"] == name and data["family"] == REGISTRY[name].family
    assert "# independent networks per grid point\nseeds = " in result.output
    if data["family"] == "integrate":
        kind = data["task"]["kind"]
        assert ("omega_star" in data["task"]) == (kind == "oscillator")
        assert ("timescales" in data["task"]) == ("gains" in data["task"]) == (kind == "multiscale")
        assert ("batch" in data["train"]) == (data["train"]["method"] == "sampled")
        for key in ("lr", "steps", "method"):
            assert key in data["train"]
        assert data["model"]["n"] > 0 and "sigma" in data["model"]
    elif data["family"] == "closed-loop":
        for key in ("lr", "steps", "optimizer", "clip", "batch", "horizon", "beta", "control_cost_convention"):
            assert key in data["train"]
        assert ("freqs_x" in data["plant"]) == (data["plant"]["kind"] == "tracking")
        assert data["model"]["n"] > 0 and data["plant"]["kind"] in ("integrator", "tracking")
    elif data["family"] == "task-rnn":
        flip_flop = data["task"]["kind"] == "flip_flop"
        assert ("bits" in data["task"]) == flip_flop and ("decision" in data["task"]) != flip_flop
        assert ("coherences" in data["task"]) == (data["task"]["kind"] in ("accumulate", "context_integrate",
                                                                          "multisensory"))
        assert ("rank" in data["model"]) == (data["model"]["kind"] == "low_rank")
    f = tmp_path / "spec.toml"
    f.write_text(result.output)
    assert resolve_spec(str(f)) == resolve_spec(name)
    again = invoke("config", f)
    assert again.exit_code == 0 and again.output == result.output


def test_config_keeps_a_non_default_value_of_a_key_for_another_kind(tmp_path):
    """A key that does not apply is still printed when it differs from its default (so reading
    the file back loses nothing)."""
    result = invoke("config", "integrate-leaky", "--set", "task.omega_star=2.5")
    assert result.exit_code == 0 and tomllib.loads(result.output)["task"]["omega_star"] == 2.5


def test_config_json_schema_describes_the_spec():
    """`--json-schema`: a JSON schema with every section, descriptions and the applies_when
    conditions, which validates the printed config's values (types of a few keys checked)."""
    result = invoke("config", "flip-flop", "--json-schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    defs = schema["$defs"]
    task = defs["CognitiveTask"]["properties"]
    assert task["bits"]["applies_when"] == {"kind": ["flip_flop"]} and task["bits"]["minimum"] == 1
    assert "description" in task["dt"] and task["dt"]["exclusiveMinimum"] == 0
    assert {"task", "model", "train", "fixed_points", "record", "seeds"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


def test_run_writes_everything(tmp_path):
    out = tmp_path / "run"
    result = invoke("run", "integrate-oscillator", *SMALL, "--out", out)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["experiment"] == "integrate-oscillator" and summary["seeds"] == 2
    assert summary["status"] == ["ok", "ok"]
    for name in ("final_loss", "outlier_eigenvalues", "n_outliers", "dW_rel"):
        assert len(summary["metrics"][name]) == 2
    # complex numbers are [re, im]; the theory pair is (1 - c⋆) ± iω⋆
    assert summary["theory"]["final_outlier"] == [[0.8, 1.0], [0.8, -1.0]]
    assert summary["theory"]["initial_loss"] == pytest.approx(0.64903846, abs=1e-8)
    figs = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert figs == ["kernel_theory.png", "loss.png", "outlier.png", "residues.png", "spectrum.png"]
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64") == 5 and "c_star" in html
    import learndyn

    ds = learndyn.load_run(out)
    assert ds.attrs["complete"] and "jax" in ds.attrs["versions"]
    assert tomllib.loads(ds.attrs["config_toml"])["model"]["n"] == 8
    shown = invoke("show", out)
    assert shown.exit_code == 0 and "complete" in shown.output and "ok" in shown.output


def test_run_from_toml_file_with_grid(tmp_path):
    spec = tmp_path / "sweep.toml"
    spec.write_text('experiment = "integrate-rich-lazy"\nseeds = 2\n[grid]\n"model.sigma" = [0.1, 0.5]\n'
                    '[model]\nn = 8\n[train]\nsteps = 30\n[record]\npoints = 5\n')
    out = tmp_path / "run"
    result = invoke("run", spec, "--out", out)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["grid"] == {"sigma": [0.1, 0.5]}
    assert np.shape(summary["metrics"]["final_loss"]) == (2, 2)
    assert (out / "figures" / "rich_lazy.png").exists()


# ---------------------------------------------------------------------------- bad input


def test_unknown_key():
    assert_user_error(invoke("run", "integrate-leaky", "--set", "model.sigmaa=0.3"),
                      "unknown key 'model.sigmaa'", "did you mean 'model.sigma'")


def test_unknown_experiment():
    assert_user_error(invoke("run", "integrate-leeky"), "unknown experiment 'integrate-leeky'",
                      "did you mean 'integrate-leaky'")


def test_wrong_type():
    assert_user_error(invoke("run", "integrate-leaky", "--set", "model.n='many'"), "model.n")
    assert_user_error(invoke("run", "integrate-leaky", "--set", "train.method='adjoint'"),
                      "train.method", "'exact'")


def test_negative_size():
    assert_user_error(invoke("run", "integrate-leaky", "--set", "model.n=-5"), "model.n", "-5")
    assert_user_error(invoke("run", "integrate-leaky", "--seeds", "0"), "--seeds")


@pytest.mark.parametrize("value", ["0", "-0.1"])
def test_nonpositive_c_star(value):
    assert_user_error(invoke("run", "integrate-leaky", "--set", f"task.c_star={value}"), "task.c_star")


def test_sigma_at_least_one_and_mismatched_lists():
    assert_user_error(invoke("run", "integrate-leaky", "--set", "model.sigma=1.0"), "model.sigma")
    assert_user_error(invoke("run", "integrate-multiscale", "--set", "task.gains=[1.0]"), "same length")


def test_lr_above_bound_warns_and_marks_diverged(tmp_path):
    out = tmp_path / "run"
    result = invoke("run", "integrate-leaky", "--set", "model.n=8", "--set", "train.steps=60",
                    "--set", "record.points=6", "--set", "train.lr=2.0", "--seeds", "2", "--out", out)
    assert result.exit_code == 0, result.output
    assert "above the stability bound" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == ["diverged", "diverged"]
    assert summary["metrics"]["final_loss"] == [None, None]


def test_unwritable_out(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("precious")
    assert_user_error(invoke("run", "integrate-leaky", *SMALL, "--out", blocker / "sub"), "--out", "not writable")
    assert_user_error(invoke("run", "integrate-leaky", *SMALL, "--out", blocker), "not a directory")
    assert blocker.read_text() == "precious"


def test_existing_out_needs_resume_or_force(tmp_path):
    out = tmp_path / "run"
    assert invoke("run", "integrate-leaky", *SMALL, "--out", out).exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert_user_error(invoke("run", "integrate-leaky", *SMALL, "--out", out), "--resume", "--force")
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert before == after  # nothing damaged
    # a changed config cannot resume into it
    assert_user_error(invoke("run", "integrate-leaky", *SMALL, "--set", "model.sigma=0.3", "--out", out,
                             "--resume"), "config differs")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    # --force replaces it
    assert invoke("run", "integrate-leaky", *SMALL, "--out", out, "--force").exit_code == 0


def test_force_never_deletes_a_foreign_directory(tmp_path):
    foreign = tmp_path / "mydata"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    assert_user_error(invoke("run", "integrate-leaky", *SMALL, "--out", foreign, "--force"), "not a learndyn run")
    assert (foreign / "notes.txt").read_text() == "keep me"


def test_show_on_corrupt_or_missing_store(tmp_path):
    out = tmp_path / "run"
    assert invoke("run", "integrate-leaky", *SMALL, "--out", out).exit_code == 0
    from learndyn.results import open_results  # a run directory opens as its results.zarr

    assert open_results(out).identical(open_results(out / "results.zarr"))
    meta = out / "results.zarr" / "zarr.json"
    meta.write_text("{ this is not json")
    assert_user_error(invoke("show", out), "corrupt")
    assert_user_error(invoke("show", tmp_path / "nothing"), "nothing")


def test_bad_spec_file(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text("experiment = [1, 2\n")
    assert_user_error(invoke("run", f), "not valid TOML")
    f.write_text('experiment = "integrate-leaky"\n[model]\nn = 8\nwidth = 3\n')
    assert_user_error(invoke("run", f), "unknown key 'model.width'")
    assert_user_error(invoke("run", tmp_path / "missing.toml"), "cannot read")


def test_grid_of_a_structural_key(tmp_path):
    f = tmp_path / "g.toml"
    f.write_text('experiment = "integrate-leaky"\n[grid]\n"model.n" = [10, 20]\n')
    assert_user_error(invoke("run", f), "model.n", "changes array shapes")
    f.write_text('experiment = "integrate-leaky"\n[grid]\n"model.sigma" = [0.2, 1.5]\n')
    assert_user_error(invoke("run", f), "grid", "model.sigma")


def test_unstable_initial_draw_is_marked_not_fatal(tmp_path):
    """A draw of W0 with max Re λ ≥ 1 (possible at tiny N with σ near 1) is rejected: a warning names
    the seed, that seed is 'diverged' from step 0, the others train normally."""
    out = tmp_path / "run"
    result = invoke("run", "integrate-leaky", "--set", "model.n=2", "--set", "model.sigma=0.99",
                    "--set", "train.steps=30", "--set", "record.points=4", "--seeds", "24", "--out", out)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    import learndyn

    ds = learndyn.load_run(out)
    bad = np.max(ds["eig"].isel(step=0).values.real, axis=-1) >= 1
    assert bad.any() and (~bad).any()
    for s in np.nonzero(bad)[0]:
        assert summary["status"][s] == "diverged"
        assert f"seed {s}" in result.output and "unstable initial network" in result.output
        assert int(ds["diverged_step"].values[s]) == 0
    assert all(summary["status"][s] == "ok" for s in np.nonzero(~bad)[0])
