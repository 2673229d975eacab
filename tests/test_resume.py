"""Issue acceptance 6: a run killed mid-way and resumed equals an uninterrupted run."""

import os
import sys
import time

import numpy as np
import xarray as xr

import learndyn
from learndyn.experiments import run

ARGS = ["--set", "model.n=12", "--set", "train.steps=600", "--set", "record.points=30", "--seeds", "3"]


def _cli(*args, env=None):
    return [sys.executable, "-m", "learndyn.cli", *[str(a) for a in args]]


def test_kill_and_resume_equals_uninterrupted(tmp_path, kill_when):
    killed = tmp_path / "killed"
    def first_write():  # the first incremental write (then the run pauses 60 s: kill it there)
        if (killed / "checkpoint.npz").exists() and (killed / "results.zarr").exists():
            time.sleep(0.5)
            return True
        return False

    kill_when(_cli("run", "integrate-leaky", *ARGS, "--out", killed),
              dict(os.environ, LEARNDYN_DEBUG_PAUSE_AFTER_WRITE="60"), first_write, "incremental write")
    partial = learndyn.load_run(killed)
    assert not partial.attrs["complete"]
    assert 0 < partial.attrs["checkpoint_step"] < 600
    assert partial.sizes["step"] < 30
    assert not (killed / "summary.json").exists()
    from typer.testing import CliRunner

    from learndyn.cli import app

    shown = CliRunner().invoke(app, ["show", str(killed)])
    assert shown.exit_code == 0 and "partial" in shown.output

    spec = learndyn.resolve_spec("integrate-leaky", ["model.n=12", "train.steps=600", "record.points=30"], seeds=3)
    resumed = run(spec, killed, resume=True)
    straight = run(spec, tmp_path / "straight")
    assert resumed.attrs["complete"]
    for name in ("loss", "eig", "residue", "dW_fro", "Q_drift", "loss_theory"):
        np.testing.assert_array_equal(resumed[name].values, straight[name].values, err_msg=name)
    on_disk = learndyn.load_run(killed)
    xr.testing.assert_equal(on_disk[["loss", "eig"]], straight[["loss", "eig"]])
    assert not (killed / "checkpoint.npz").exists()
    # resuming a finished run recomputes nothing and keeps the results
    again = run(spec, killed, resume=True)
    np.testing.assert_array_equal(again["loss"].values, straight["loss"].values)


def test_partial_results_are_readable_and_writes_are_frequent(tmp_path):
    """Every write is a readable store: the writes happen at least every 10 % of the run."""
    seen = []
    spec = learndyn.resolve_spec("integrate-leaky", ["model.n=6", "train.steps=200", "record.points=12"], seeds=1)
    from learndyn.results import RunDir

    original = RunDir.write_dataset

    def spy(self, ds):
        original(self, ds)
        seen.append((int(ds.attrs["checkpoint_step"]), bool(ds.attrs["complete"]),
                     int(learndyn.load_run(self.path).sizes["step"])))

    RunDir.write_dataset = spy
    try:
        run(spec, tmp_path / "r")
    finally:
        RunDir.write_dataset = original
    steps = [s for s, _, _ in seen]
    assert steps[-1] == 200 and seen[-1][1]
    assert max(np.diff([0] + steps)) <= 20
    assert all(n > 0 for _, _, n in seen)
