"""learndyn as a library: a user's own task, network, optimiser and family in every command.

The user package is ``examples/bring_your_own`` (``timing_example``: ready-set-go interval timing,
a minimal gated unit, the ``interval-timing`` family). ``make test`` installs it, so its entry
point is found; the import-path tests put its source folder on ``PYTHONPATH`` instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import optax
import pytest
from typer.testing import CliRunner

import learndyn
from learndyn.cli import app
from learndyn.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "bring_your_own"
SRC = EXAMPLE / "src"
SMALL = ["--set", "model.n=12", "--set", "task.intervals=[100.0, 160.0]", "--set", "task.batch=8",
         "--set", "train.test_batch=16", "--set", "record.points=8"]


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _cli(*args):
    return [sys.executable, "-m", "learndyn.cli", *[str(a) for a in args]]


def _env(**extra):
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def test_import_changes_no_global_jax_setting_and_numbers_stay_float64():
    """``import learndyn`` leaves ``jax_enable_x64`` off; a run still computes in float64 (its
    numbers equal the regression fixture recorded when learndyn switched x64 on globally)."""
    code = """
import json, sys, jax
sys.path.insert(0, {regression!r})
import learndyn
assert jax.config.jax_enable_x64 is False, "import switched x64 on"
learndyn.all_experiments()
assert jax.config.jax_enable_x64 is False, "loading the families switched x64 on"
from cases import fingerprint, run_case
fp = fingerprint(run_case("integrate"))
assert jax.config.jax_enable_x64 is False, "a run left x64 on"
print(json.dumps(fp))
""".format(regression=str(Path(__file__).parent / "regression"))
    env = {k: v for k, v in os.environ.items() if k != "JAX_ENABLE_X64"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    want = json.loads((Path(__file__).parent / "regression" / "summaries.json").read_text())["integrate"]
    assert set(want) <= set(got)
    for var, (s, s2, n) in want.items():
        assert got[var][2] == n
        np.testing.assert_allclose(got[var][:2], [s, s2], rtol=1e-10, atol=1e-12, err_msg=var)


def test_user_family_in_every_command(tmp_path, kill_when):
    """Acceptance 1: run, sweep on a Dask LocalCluster, show, analyze and --resume after a kill,
    all on the user's own experiment found by its entry point."""
    assert "interval-timing" in learndyn.all_experiments(), "make test installs examples/bring_your_own"
    listed = invoke("list")
    assert listed.exit_code == 0 and "interval-timing" in listed.output

    # run: trains (the loss falls) and writes everything
    out = tmp_path / "run"
    res = invoke("run", "interval-timing", *SMALL, "--set", "train.steps=80", "--set", "record.snapshots=4",
                 "--seeds", "2", "--out", out)
    assert res.exit_code == 0, res.output
    ds = learndyn.load_run(out)
    assert ds.attrs["family"] == "interval-timing"
    assert ds.attrs["family_ref"] == "timing_example.family:IntervalTimingFamily"
    loss = ds["loss"].values  # (seed, step)
    assert np.all(np.isfinite(loss)) and np.all(loss[:, -1] < 0.8 * loss[:, 0])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == ["ok", "ok"] and len(summary["metrics"]["final_loss"]) == 2
    np.testing.assert_allclose(summary["metrics"]["final_loss"], loss[:, -1])
    assert (out / "figures" / "training.png").stat().st_size > 10_000 and (out / "report.html").exists()
    assert ds["weights"].shape == (2, 4, 12, 12)

    # show: the family's headline table, numbers from the store
    shown = invoke("show", out)
    assert shown.exit_code == 0 and "test loss" in shown.output
    assert f"{float(loss[0, -1]):.4g}" in shown.output

    # analyze: spectra, PCA and the family's fixed points
    res = invoke("analyze", out, "--what", "spectra,pca,fixed-points")
    assert res.exit_code == 0, res.output
    a = json.loads((out / "analysis" / "summary.json").read_text())
    np.testing.assert_allclose(a["spectral_radius_final"],
                               np.abs(np.linalg.eigvals(ds["weights"].isel(snapshot=-1).values)).max(-1), rtol=1e-5)
    assert all(1 <= r <= 12 for r in a["dW_rank"])
    assert all(k >= 1 for k in a["n_fixed_points"])  # every trained MGU has a fixed point at zero input
    assert sorted(p.name for p in (out / "analysis" / "figures").iterdir()) == ["learning_trajectory.png",
                                                                                  "spectra.png"]
    # the same from Python, on the result set itself
    spectra, _, again = learndyn.analyze(learndyn.load_run(out), ["spectra"])
    np.testing.assert_allclose(again["spectral_radius_final"], a["spectral_radius_final"])
    assert spectra["eig"].sizes["snapshot"] == 4

    # sweep: two grid points as two chunks on a Dask LocalCluster (one worker process: the second
    # chunk reuses the first one's compiled programs), one result set
    sw = tmp_path / "sweep"
    res = invoke("sweep", "interval-timing", *SMALL, "--set", "train.steps=30", "--set", "record.snapshots=0",
                 "--grid", "train.lr=0.003,0.01", "--seeds", "1", "--max-networks", "1", "--workers", "1",
                 "--out", sw)
    assert res.exit_code == 0, res.output
    assert "2 of 2 grid points done" in " ".join(res.output.split())
    sds = learndyn.load_run(sw)
    assert list(sds["lr"].values) == [0.003, 0.01] and sds["loss"].dims[:2] == ("lr", "seed")
    assert np.all(np.isfinite(sds["loss"].values))
    # the chunk at lr = 0.01 is the plain run at that rate
    single = learndyn.run(learndyn.resolve_spec("interval-timing", [a for a in SMALL if a != "--set"]
                                                + ["train.steps=30", "record.snapshots=0", "train.lr=0.01"], seeds=1))
    np.testing.assert_allclose(sds["loss"].sel(lr=0.01).values, single["loss"].values, rtol=1e-6)

    # --resume after a kill: the same numbers as an uninterrupted run
    killed = tmp_path / "killed"
    args = [*SMALL, "--set", "train.steps=60", "--set", "record.writes=6", "--seeds", "2"]

    def first_write():
        if (killed / "checkpoint.npz").exists() and (killed / "results.zarr").exists():
            time.sleep(0.5)
            return True
        return False

    kill_when(_cli("run", "interval-timing", *args, "--out", killed),
              dict(os.environ, LEARNDYN_DEBUG_PAUSE_AFTER_WRITE="60"), first_write, "incremental write")
    assert not learndyn.load_run(killed).attrs["complete"]
    res = invoke("run", "interval-timing", *args, "--out", killed, "--resume")
    assert res.exit_code == 0, res.output
    res = invoke("run", "interval-timing", *args, "--out", tmp_path / "straight")
    assert res.exit_code == 0, res.output
    np.testing.assert_array_equal(learndyn.load_run(killed)["loss"].values,
                                  learndyn.load_run(tmp_path / "straight")["loss"].values)


def test_user_family_by_import_path_in_a_fresh_process(tmp_path):
    """The family named by import path in a spec file, without the entry point: ``run`` in one
    process, ``show`` in another (it finds the family from the path the run recorded)."""
    spec = tmp_path / "timing.toml"
    spec.write_text('experiment = "my-timing"\nfamily = "timing_example.family:IntervalTimingFamily"\n'
                    'seeds = 1\n[train]\nsteps = 10\n[model]\nn = 8\n[record]\npoints = 3\nsnapshots = 0\n'
                    '[task]\nintervals = [100.0]\nbatch = 4\n')
    env = _env(LEARNDYN_DISABLE_ENTRY_POINTS="interval-timing")
    out = tmp_path / "run"
    res = subprocess.run(_cli("run", spec, "--out", out), capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    ds = learndyn.load_run(out)
    assert ds.attrs["family"] == "timing_example.family:IntervalTimingFamily" and ds.sizes["step"] == 3
    res = subprocess.run(_cli("show", out), capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0 and "test loss" in res.stdout, res.stderr[-2000:]


def test_user_network_and_optimiser_inside_the_task_rnn_family():
    """Acceptance 2: the example's MGU trains inside learndyn's flip-flop task by
    ``model.kind=<import path>``, and an optax transformation is accepted from Python."""
    overrides = ["model.kind=timing_example.network:MGU", "model.n=8", "train.steps=30", "task.duration=200",
                 "task.batch=8", "train.test_batch=8", "record.points=3", "fixed_points.inits=8",
                 "fixed_points.steps=20", "record.snapshots=2"]
    spec = learndyn.resolve_spec("flip-flop", overrides, seeds=2)
    ds = learndyn.run(spec)
    assert ds["weights"].shape[-2:] == (8, 8)  # MGU.recurrent_matrix: the candidate's U_h
    assert "param_u" in ds and ds["param_u"].shape[-2:] == (16, 8)  # the MGU's own leaves were stored
    assert np.all(np.isfinite(ds["loss"].values)) and np.all(ds["fp_q"].notnull().sum(("condition", "fp")) > 0)
    # an optax transformation from Python replaces the spec's optimiser (SGD at rate 1 × train.lr)
    no_fp = spec.model_copy(update={"fixed_points": spec.fixed_points.model_copy(update={"enabled": False})})
    plain = learndyn.run(no_fp.model_copy(update={"train": spec.train.model_copy(update={"optimizer": "sgd"})}))
    mine = learndyn.run(no_fp, optimizer=optax.sgd(1.0))
    np.testing.assert_allclose(mine["loss"].values, plain["loss"].values, rtol=1e-5)
    other = learndyn.run(spec.model_copy(update={"fixed_points": spec.fixed_points.model_copy(
        update={"enabled": False})}), optimizer=optax.adamw)  # a factory f(learning_rate)
    assert "adamw" in other.attrs["optimizer"]
    assert not np.allclose(other["loss"].values[:, -1], mine["loss"].values[:, -1])


@pytest.mark.parametrize("args, message", [
    (["run", "flip-flop", "--set", "model.kind=timing_example.network:Nope"],
     "model.kind: module 'timing_example.network' has no 'Nope'"),
    (["run", "flip-flop", "--set", "model.kind=timing_example.task:ReadySetGo"],
     "does not satisfy the protocol: missing 'hidden_size', 'step', 'readout', 'recurrent_matrix'"),
    (["run", "flip-flop", "--set", "task.kind=no_such_module:Task"], "task.kind: cannot import module 'no_such_module'"),
    (["run", "flip-flop", "--set", "model.kind=mgu"], "'mgu' is not one of 'leaky'"),
])
def test_bad_user_objects_give_one_line(args, message, tmp_path):
    """Acceptance 6: a user object that is missing or does not satisfy the protocol (refused when
    the config is read, before anything runs or is written)."""
    res = invoke(*args, "--out", tmp_path / "never")
    assert not (tmp_path / "never").exists()
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output


def test_registry_errors_name_the_object(tmp_path):
    """Acceptance 6: a name collision, an incomplete family, a failing entry point."""
    from learndyn.experiments import _registry
    from timing_example import IntervalTimingFamily

    class Impostor(IntervalTimingFamily):
        pass

    with pytest.raises(ConfigError, match="family 'interval-timing' is already registered by "
                                          "timing_example.family:IntervalTimingFamily"):
        learndyn.register_family(Impostor)
    with pytest.raises(ConfigError, match="experiment 'flip-flop' is already registered"):
        learndyn.register_experiment(learndyn.Experiment("flip-flop", "interval-timing", "clash"))

    class Half(learndyn.Family):
        name = "half"
        spec_type = IntervalTimingFamily.spec_type

        def build(self, spec, **kw):
            return None

    with pytest.raises(ConfigError, match="Half does not implement to_dataset"):
        learndyn.register_family(Half)

    class BrokenEntryPoint:
        name, value, group = "broken", "no_such_pkg.mod:Family", "learndyn.families"

        def load(self):
            raise ModuleNotFoundError("No module named 'no_such_pkg'")

    _registry._ENTRY_POINTS["broken"] = BrokenEntryPoint()
    try:
        with pytest.raises(ConfigError, match="entry point 'broken' = 'no_such_pkg.mod:Family' .* failed to load: "
                                              "ModuleNotFoundError"):
            learndyn.get_family("broken")
        errors: list[str] = []
        assert "flip-flop" in _registry.all_experiments(errors=errors) and "broken" in errors[0]
    finally:
        _registry._ENTRY_POINTS.pop("broken", None)
    bad = tmp_path / "bad.toml"
    bad.write_text('experiment = "x"\nfamily = "timing_example.network:MGU"\n')
    res = invoke("run", bad)
    assert res.exit_code == 2 and "is not a learndyn.Family subclass" in res.output


def test_bugs_of_the_library_trial(tmp_path):
    """The user-visible bugs of the library trial, each pinned (acceptance 6 of the issue)."""
    # `eig` is a variable over the dimension `eig_index`: selecting along it works
    spec = learndyn.resolve_spec("integrate-leaky", ["model.n=6", "train.steps=6", "record.points=3"], seeds=1)
    ds = learndyn.run(spec)
    assert ds["eig"].dims == ("seed", "step", "eig_index") and "eig" not in ds.coords
    assert ds.sel(eig_index=0)["eig"].shape == (1, 3)
    # `learndyn list` keeps "[h, c]"; `run --help` keeps "[default: runs/NAME]"
    assert "state [h, c]" in " ".join(invoke("list").output.split())
    assert "[default: runs/NAME]" in invoke("run", "--help").output
    # a learning-rate grid of lrnn-modes: through a TOML spec file (run) and through `sweep`
    toml = tmp_path / "lrnn.toml"
    toml.write_text('experiment = "lrnn-modes"\nseeds = 1\n[train]\nsteps = 20\n[record]\npoints = 3\n'
                    '[grid]\n"train.lr" = [0.001, 0.002]\n')
    res = invoke("run", toml, "--out", tmp_path / "lrnn-run")
    assert res.exit_code == 0, res.output
    assert list(learndyn.load_run(tmp_path / "lrnn-run")["lr"].values) == [0.001, 0.002]
    res = invoke("sweep", "lrnn-modes", "--grid", "train.lr=0.001,0.002", "--seeds", "1", "--set", "train.steps=20",
                 "--set", "record.points=3", "--scheduler", "serial", "--out", tmp_path / "lrnn-sweep")
    assert res.exit_code == 0 and "2 of 2 grid points done" in " ".join(res.output.split()), res.output
    # integrate over learning rates: no σ-labelled rich-lazy figure, every figure names train.lr
    res = invoke("sweep", "integrate-leaky", "--grid", "train.lr=0.01,0.02", "--seeds", "1", "--set", "model.n=6",
                 "--set", "train.steps=6", "--set", "record.points=3", "--scheduler", "serial",
                 "--out", tmp_path / "int-sweep")
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in (tmp_path / "int-sweep" / "figures").glob("*.png"))
    assert "rich_lazy.png" not in names and "spectrum_train.lr_0.01.png" in names, names
