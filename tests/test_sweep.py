"""Sweeps (issue "Scale", acceptance 1 and 2): one result set over a grid, vmapped chunks on a
Dask LocalCluster, the same numbers as point-by-point runs, kill-and-resume without recomputation,
failing points recorded, one-line errors."""

import json
import os
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

import learndyn
from learndyn.cli import app
from learndyn.config import spec_at
from learndyn.errors import ConfigError
from learndyn.experiments import run
from learndyn.sweep import parse_grid, plan_sweep, sweep

SMALL = ["model.n=10", "train.steps=30", "record.points=6", "record.snapshots=0"]
LRS, SIGMAS = [0.01, 0.02, 0.03], [0.1, 0.2, 0.3, 0.4]


def test_parse_grid_and_plan_chunks():
    grids = parse_grid(["train.lr=0.01,0.02,0.03", "model.sigma=[0.1, 0.2]", "model.n=10,20"])
    assert grids == {"train.lr": [0.01, 0.02, 0.03], "model.sigma": [0.1, 0.2], "model.n": [10, 20]}
    spec = learndyn.resolve_spec("integrate-leaky", SMALL, seeds=4)
    plan = plan_sweep(spec, grids, max_networks=8)
    # model.n changes shapes: two structural points; 3 × 2 × 4 = 24 networks each, halved to ≤ 8
    assert {dict(c.fixed)["model.n"] for c in plan.chunks} == {10, 20}
    assert all(c.points() * 4 <= 8 for c in plan.chunks)
    covered = sorted((dict(c.fixed)["model.n"], lr, s) for c in plan.chunks
                     for lr in dict(c.grid)["train.lr"] for s in dict(c.grid)["model.sigma"])
    assert covered == sorted((n, lr, s) for n in (10, 20) for lr in grids["train.lr"] for s in (0.1, 0.2))
    assert len({c.id for c in plan.chunks}) == len(plan.chunks)
    assert plan.keys == ["train.lr", "model.sigma", "model.n"]
    # one chunk when everything fits
    assert len(plan_sweep(spec, {"train.lr": [0.01, 0.02]}, 1024).chunks) == 1
    for bad, fragment in ((["model.nope=1,2"], "model.nope"), (["model.sigma=-1,0.2"], "model.sigma"),
                          (["train.lr=0.1", "train.lr=0.2"], "given twice"), (["train.lr="], "key=v1,v2")):
        with pytest.raises(ConfigError, match=fragment.replace(".", r"\.")):
            plan_sweep(spec, parse_grid(bad), 64)
    with pytest.raises(ConfigError, match="max-networks"):
        plan_sweep(spec, grids, 2)


@pytest.mark.slow  # moved out of the default suite for its time; record: docs/reproductions.md
def test_dask_sweep_equals_points_run_one_by_one(tmp_path):
    """Acceptance 1: 3 lr × 4 init scales × 8 seeds of integrate-leaky through a LocalCluster
    (two workers, two vmapped chunks of 48 networks) equal the same points run one by one (every lr and every σ once)."""
    spec = learndyn.resolve_spec("integrate-leaky", SMALL, seeds=8)
    ds = sweep(spec, {"train.lr": LRS, "model.sigma": SIGMAS}, tmp_path / "sw", max_networks=48,
               scheduler="local", workers=2)
    assert ds.attrs["complete"] and (ds["point_status"] == "done").all()
    manifest = json.loads((tmp_path / "sw" / "sweep.json").read_text())
    assert len(manifest["chunks"]) == 2
    assert dict(ds["loss"].sizes) == {"train.lr": 3, "sigma": 4, "seed": 8, "step": 6}
    # every lr and every σ once, both chunks (the full 12-point comparison ran 12 separate programs)
    for lr, sigma in [*zip(LRS, SIGMAS), (LRS[0], SIGMAS[-1])]:
        one = run(spec_at(spec, {"train.lr": lr, "model.sigma": sigma}))
        got = ds.sel({"train.lr": lr, "sigma": sigma})
        for name in ("loss", "eig", "dW_fro"):
            np.testing.assert_allclose(got[name].values, one[name].values, rtol=1e-9, atol=1e-12,
                                       err_msg=f"{name} at lr={lr}, sigma={sigma}")
    assert (tmp_path / "sw" / "figures" / "sweep_overview.png").exists()
    summary = json.loads((tmp_path / "sw" / "summary.json").read_text())
    assert summary["points"] == {"done": 12, "failed": 0, "pending": 0}


def test_failing_point_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    from learndyn.families.integrate import IntegrateFamily

    original = IntegrateFamily.build

    def build(spec, **kw):
        if spec.model.n == 7:
            raise FloatingPointError("simulated failure at n = 7")
        return original(spec, **kw)

    monkeypatch.setattr(IntegrateFamily, "build", staticmethod(build))
    spec = learndyn.resolve_spec("integrate-leaky", SMALL[1:], seeds=2)
    messages = []
    ds = sweep(spec, {"model.n": [6, 7]}, tmp_path / "sw", scheduler="serial", warn=messages.append)
    assert ds["point_status"].values.tolist() == ["done", "failed"]
    assert not ds.attrs["complete"]
    assert np.isfinite(ds["loss"].sel(n=6).values).all() and np.isnan(ds["loss"].sel(n=7).values).all()
    assert any("simulated failure at n = 7" in m for m in messages)
    failed = json.loads((tmp_path / "sw" / "summary.json").read_text())["failed"]
    assert list(failed.values()) == ["FloatingPointError: simulated failure at n = 7"]


def test_sweep_cli_bad_input_is_one_line(tmp_path):
    runner = CliRunner()

    def call(*args):
        result = runner.invoke(app, ["sweep", "integrate-leaky", *map(str, args)])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        return result.output

    assert "model.nope" in call("--grid", "model.nope=1,2", "--out", tmp_path / "a")
    assert "key=v1,v2" in call("--grid", "train.lr", "--out", tmp_path / "b")
    assert "'tpu'" in call("--grid", "train.lr=0.1", "--device", "tpu", "--out", tmp_path / "c")
    assert "cannot connect" in call("--grid", "train.lr=0.1", "--scheduler", "tcp://127.0.0.1:9",
                                    *sum((["--set", s] for s in SMALL), []), "--out", tmp_path / "d")
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "mine.txt").write_text("keep")
    assert "not a learndyn run" in call("--grid", "train.lr=0.1", "--out", tmp_path / "e")
    assert (tmp_path / "e" / "mine.txt").read_text() == "keep"


@pytest.mark.parametrize("experiment,overrides", [("integrate-leaky", SMALL), (
    "grokking", ["task.modulus=11", "model.width=32", "train.steps=20", "record.points=3", "record.snapshots=0"])])
def test_vector_width_loops_networks_with_the_same_numbers(experiment, overrides):
    """``vector_width`` (networks vmapped together; the rest looped in one program) changes the
    schedule, not the result."""
    spec = learndyn.resolve_spec(experiment, overrides, seeds=4)
    full = run(spec)
    looped = run(spec.model_copy(update={"vector_width": 1}))
    pairs = run(spec.model_copy(update={"vector_width": 3}))  # 4 = 3 + 1: a ragged last block
    name = "loss" if "loss" in full else "train_loss"
    for other in (looped, pairs):
        np.testing.assert_allclose(other[name].values, full[name].values, rtol=1e-10, atol=1e-14)
