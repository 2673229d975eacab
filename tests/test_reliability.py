"""Reliability: every failure is one clear line with the right exit status, nothing already written
is lost, and the result store guards itself (validation, error boundary, integrity, lock, resume
edges, failure isolation). Each case here was a traceback, a silent acceptance or a loss before."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import learndyn
from learndyn.cli import app
from learndyn.experiments import run
from learndyn.training import write_points

TINY = ["model.n=8", "train.steps=40", "record.points=6", "record.snapshots=2", "record.writes=4"]
runner = CliRunner()


def _invoke(*args, env=None):
    result = runner.invoke(app, [str(a) for a in args], env=env)
    return result.exit_code, result.stdout, result.stderr


def _one_line_error(code, stderr, expected_code=2):
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert code == expected_code, (code, stderr)
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def _tree_digest(path: Path) -> dict[str, str]:
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A small complete integrate-leaky run (the store the damage tests copy and break)."""
    out = tmp_path_factory.mktemp("runs") / "done"
    code, _, err = _invoke("run", "integrate-leaky", *sum((["--set", s] for s in TINY), []),
                           "--seeds", "2", "--out", out)
    assert code == 0, err
    return out


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize("override, fragment", [
    ("train.lr=nan", "train.lr: Input should be a finite number"),
    ("train.lr=inf", "train.lr: Input should be a finite number"),
    ("task.c_star=inf", "task.c_star: Input should be a finite number"),
    ("model.sigma=-inf", "model.sigma"),
    ("train.steps=true", "train.steps: expected a number, not true/false"),
    ("model.n=false", "model.n: expected a number, not true/false"),
])
def test_non_finite_numbers_and_bools_are_refused(override, fragment, tmp_path):
    for command in (["config", "integrate-leaky"], ["run", "integrate-leaky", "--out", tmp_path / "r"]):
        code, out, err = _invoke(*command, "--set", override)
        assert fragment in _one_line_error(code, err)
        assert "nan" not in out and not (tmp_path / "r").exists()


def test_sweep_grid_values_must_be_finite_and_experiment_names_plain(tmp_path):
    code, _, err = _invoke("sweep", "integrate-leaky", "--grid", "train.lr=0.01,nan", "--out", tmp_path / "s")
    assert "--grid train.lr: nan is not a finite number" in _one_line_error(code, err)
    spec = tmp_path / "x.toml"
    spec.write_text('experiment = "../../escape"\nfamily = "integrate"\n')
    code, _, err = _invoke("run", spec)
    assert "experiment" in _one_line_error(code, err)
    assert not (tmp_path.parent.parent / "escape").exists() and not Path("runs/../../escape").exists()


def test_a_run_that_cannot_fit_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    """"needs ≈ X GB, this machine has Y" from the shapes, before the output directory exists."""
    monkeypatch.setattr("learndyn.resources.available_memory", lambda: 10 * 1024**2)  # a 10 MB machine
    code, _, err = _invoke("run", "integrate-leaky", "--set", "model.n=400", "--seeds", "8",
                           "--out", tmp_path / "big")
    line = _one_line_error(code, err)
    assert "integrate-leaky (8 networks) needs ≈" in line and "MB of memory, this machine has 10.0 MB" in line
    assert not (tmp_path / "big").exists()


def test_an_allocator_failure_is_one_line_exit_2(tmp_path, monkeypatch):
    from learndyn.families.integrate import IntegrateFamily

    def build(*args, **kwargs):
        raise MemoryError("Unable to allocate 12.8 GiB for an array with shape (4, 20000, 20000)")

    monkeypatch.setattr(IntegrateFamily, "build", staticmethod(build))
    code, _, err = _invoke("run", "integrate-leaky", "--out", tmp_path / "r")
    assert "out of memory (Unable to allocate 12.8 GiB" in _one_line_error(code, err)


def test_write_points_never_spins_on_a_huge_write_count():
    t0 = time.perf_counter()
    points = write_points(20, 10**9)
    assert points == list(range(1, 21)) and time.perf_counter() - t0 < 0.5


# ----------------------------------------------------------------------------- error boundary


def test_an_internal_error_is_one_line_exit_1_with_its_traceback_logged(tmp_path, monkeypatch):
    from learndyn.experiments import _runner

    def broken(*args, **kwargs):
        raise RuntimeError("figure backend exploded\nsecond line")

    monkeypatch.setattr(_runner, "_finish", broken)
    code, _, err = _invoke("run", "integrate-leaky", *sum((["--set", s] for s in TINY), []), "--seeds", "1",
                           "--out", tmp_path / "r")
    line = _one_line_error(code, err, expected_code=1)
    assert "RuntimeError: figure backend exploded" in line and str(tmp_path / "r" / "error.log") in line
    log = (tmp_path / "r" / "error.log").read_text()
    assert "Traceback" in log and "figure backend exploded" in log
    assert learndyn.load_run(tmp_path / "r").attrs["complete"]  # the written results are kept


def test_show_and_analyze_of_an_unknown_family_are_one_line(finished_run, tmp_path):
    broken = tmp_path / "alien"
    shutil.copytree(finished_run, broken)
    meta = broken / "results.zarr" / "zarr.json"
    data = json.loads(meta.read_text())
    data["attributes"].update(family="not-a-family", family_ref="nowhere.mod:Fam")
    meta.write_text(json.dumps(data))
    for command in ("show", "analyze"):
        code, _, err = _invoke(command, broken)
        assert "not-a-family" in _one_line_error(code, err) or "nowhere" in err


def test_damaged_stores_are_named_not_shown_blank(finished_run, tmp_path):
    # a deleted data chunk: the digest recorded at write time no longer matches
    chunkless = tmp_path / "chunk"
    shutil.copytree(finished_run, chunkless)
    files = [p for p in (chunkless / "results.zarr" / "loss").rglob("*") if p.is_file() and p.name != "zarr.json"]
    files[0].unlink()
    code, _, err = _invoke("show", chunkless)
    assert "damaged result store: loss" in _one_line_error(code, err)
    # deleted weights: analyze names them instead of a KeyError
    weightless = tmp_path / "weights"
    shutil.copytree(finished_run, weightless)
    shutil.rmtree(weightless / "results.zarr" / "weights")
    code, _, err = _invoke("analyze", weightless, "--what", "spectra")
    assert "weights" in _one_line_error(code, err)
    # corrupt metadata: one line, no asyncio "Task exception was never retrieved" noise
    corrupt = tmp_path / "meta"
    shutil.copytree(finished_run, corrupt)
    (corrupt / "results.zarr" / "loss" / "zarr.json").write_text("{not json")
    proc = subprocess.run([sys.executable, "-m", "learndyn.cli", "show", str(corrupt)],
                          capture_output=True, text=True, timeout=120)
    assert "corrupt or unreadable result store" in _one_line_error(proc.returncode, proc.stderr)
    assert "Task exception" not in proc.stderr + proc.stdout


def test_show_exit_status_says_partial(finished_run, tmp_path):
    code, out, _ = _invoke("show", finished_run)
    assert code == 0 and "complete" in out
    partial = tmp_path / "partial"
    shutil.copytree(finished_run, partial)
    meta = partial / "results.zarr" / "zarr.json"
    data = json.loads(meta.read_text())
    data["attributes"]["complete"] = False
    meta.write_text(json.dumps(data))
    code, _, err = _invoke("show", partial)
    assert code == 3 and "partial result set" in err


# ----------------------------------------------------------------------------- resume edges


def _interrupt_at_first_dataset_write(monkeypatch):
    """Make the run stop (as a kill would) right after its first checkpoint, before any
    results.zarr exists."""
    from learndyn.results import RunDir

    class Killed(BaseException):
        pass

    def killed(self, ds):
        raise Killed

    monkeypatch.setattr(RunDir, "write_dataset", killed)
    return Killed


def test_resume_after_a_kill_during_the_first_write_and_from_a_bare_marker(tmp_path, monkeypatch):
    spec = learndyn.resolve_spec("integrate-leaky", TINY, seeds=2)
    straight = run(spec)
    out = tmp_path / "r"
    with monkeypatch.context() as m:
        killed = _interrupt_at_first_dataset_write(m)
        with pytest.raises(killed):
            run(spec, out)
    assert (out / "checkpoint.npz").exists() and not (out / "results.zarr").exists()
    resumed = run(spec, out, resume=True)
    for name in ("loss", "eig", "weights"):
        np.testing.assert_array_equal(resumed[name].values, straight[name].values, err_msg=name)
    # a directory holding only the marker (killed before anything was written) starts from step 0
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / ".learndyn-run").write_text("learndyn run directory\n")
    again = run(spec, bare, resume=True)
    np.testing.assert_array_equal(again["loss"].values, straight["loss"].values)


@pytest.mark.parametrize("damage", ["truncated", "leaf-missing", "wrong-shape", "pickled"])
def test_a_damaged_checkpoint_is_one_line(tmp_path, monkeypatch, damage):
    spec = learndyn.resolve_spec("integrate-leaky", TINY, seeds=2)
    out = tmp_path / "r"
    with monkeypatch.context() as m:
        killed = _interrupt_at_first_dataset_write(m)
        with pytest.raises(killed):
            run(spec, out)
    ckpt = out / "checkpoint.npz"
    with np.load(ckpt) as f:
        arrays = {k: f[k] for k in f.files}
    if damage == "truncated":
        ckpt.write_bytes(ckpt.read_bytes()[: ckpt.stat().st_size // 2])
    elif damage == "leaf-missing":
        arrays.pop(sorted(k for k in arrays if k.startswith("leaf_"))[0])
        np.savez(ckpt, **arrays)
    elif damage == "wrong-shape":
        leaf = sorted(k for k in arrays if k.startswith("leaf_"))[0]
        arrays[leaf] = np.zeros(arrays[leaf].size + 1)
        np.savez(ckpt, **arrays)
    else:
        arrays["leaf_0000"] = np.array([{"x": 1}], dtype=object)
        np.savez(ckpt, **arrays)
    code, _, err = _invoke("run", "integrate-leaky", *sum((["--set", s] for s in TINY), []), "--seeds", "2",
                           "--out", out, "--resume")
    line = _one_line_error(code, err)
    assert "checkpoint.npz" in line and "--force" in line
    assert ckpt.exists()  # nothing lost: --force is the user's choice


def test_force_on_a_symlink_to_a_run_replaces_the_run_not_the_link(finished_run, tmp_path):
    target = tmp_path / "target"
    shutil.copytree(finished_run, target)
    link = tmp_path / "link"
    link.symlink_to(target)
    code, _, err = _invoke("run", "integrate-leaky", *sum((["--set", s] for s in TINY), []), "--seeds", "1",
                           "--out", link, "--force")
    assert code == 0, err
    assert link.is_symlink() and learndyn.load_run(target).sizes["seed"] == 1


# ----------------------------------------------------------------------------- failure isolation


def test_a_diverging_grid_point_costs_its_theory_only(tmp_path):
    """Grid lr = [0.02, 1e6]: the 1e6 networks diverge, its theory solve fails; the run completes
    with NaN theory there (and a warning), the good point keeps every value."""
    spec_file = tmp_path / "div.toml"
    spec_file.write_text('experiment = "integrate-leaky"\nfamily = "integrate"\nseeds = 2\n'
                         '[grid]\n"train.lr" = [0.02, 1e6]\n[model]\nn = 10\n[train]\nsteps = 60\n'
                         '[record]\npoints = 8\nsnapshots = 0\n')
    code, _, err = _invoke("run", spec_file, "--out", tmp_path / "r")
    assert code == 0, err
    assert "failed (" in err and "its values are NaN" in err
    ds = learndyn.load_run(tmp_path / "r")
    assert ds.attrs["complete"]
    good, bad = ds.sel({"train.lr": 0.02}), ds.sel({"train.lr": 1e6})
    assert np.isfinite(good["loss"].values).all() and np.isfinite(good["lambda_ansatz"].values).all()
    assert bad["diverged"].values.all() and np.isnan(bad["lambda_ansatz"].values[1:]).all()


# ----------------------------------------------------------------------------- lock


def _cli(*args):
    return [sys.executable, "-m", "learndyn.cli", *[str(a) for a in args]]


def test_a_second_process_on_the_same_out_is_refused_and_the_first_finishes_intact(tmp_path):
    out = tmp_path / "busy"
    env = dict(os.environ, LEARNDYN_DEBUG_PAUSE_AFTER_WRITE="1.5")
    sets = sum((["--set", s] for s in TINY), [])
    first = subprocess.Popen(_cli("run", "integrate-leaky", *sets, "--seeds", "2", "--out", out), env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.time() + 180
        while not (out / "checkpoint.npz").exists():
            assert first.poll() is None and time.time() < deadline, first.stderr.read()
            time.sleep(0.1)
        for flags in (["--resume"], ["--force"]):
            code, _, err = _invoke("run", "integrate-leaky", *sets, "--seeds", "2", "--out", out, *flags)
            assert f"another learndyn process (pid {first.pid})" in _one_line_error(code, err)
        code, _, err = _invoke("sweep", "integrate-leaky", "--grid", "train.lr=0.01,0.02", "--out", out, "--force")
        assert "another learndyn process" in _one_line_error(code, err)
        assert first.wait(timeout=300) == 0, first.stderr.read()
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    done = learndyn.load_run(out)  # verifies every array's digest
    assert done.attrs["complete"] and done.sizes["seed"] == 2
    # a killed holder leaves no stuck lock
    victim = subprocess.Popen(_cli("run", "integrate-leaky", *sets, "--seeds", "2", "--out", out, "--force"),
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 180
    while not (out / "checkpoint.npz").exists():
        assert victim.poll() is None and time.time() < deadline
        time.sleep(0.1)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    code, _, err = _invoke("run", "integrate-leaky", *sets, "--seeds", "2", "--out", out, "--resume")
    assert code == 0, err


def test_a_sweep_whose_points_all_fail_exits_1_and_names_them(tmp_path, monkeypatch):
    from learndyn.families.integrate import IntegrateFamily

    def build(spec, **kwargs):
        raise FloatingPointError(f"simulated failure at lr={spec.train.lr}")

    monkeypatch.setattr(IntegrateFamily, "build", staticmethod(build))
    code, out, err = _invoke("sweep", "integrate-leaky", "--grid", "train.lr=0.01,0.02", "--scheduler", "serial",
                             "--grid", "model.n=6,7", "--out", tmp_path / "s")
    assert code == 1
    assert "0 of 4 grid points done" in " ".join(out.split())
    assert err.count("simulated failure at lr=") >= 4 and "4 of 4 grid points failed" in err
    code, _, err = _invoke("show", tmp_path / "s")
    assert code == 3 and "partial result set" in err


def test_device_and_seed_count_errors_are_literal_one_liners(tmp_path, monkeypatch):
    import jax

    if any(d.platform == "gpu" for d in jax.devices()):
        pytest.skip("a GPU is visible: --device gpu is valid here")  # never the case in CI
    code, _, err = _invoke("run", "integrate-leaky", "--device", "gpu", "--out", tmp_path / "g")
    assert "install `learndyn[gpu]` for CUDA" in _one_line_error(code, err)  # "[gpu]" is not rich markup


def test_a_huge_seed_count_is_refused_before_its_networks_are_built(tmp_path, monkeypatch):
    """--seeds 100000: one network is built and scaled, so the refusal comes before the 100000 are."""
    from learndyn.families.integrate import IntegrateFamily

    original, built = IntegrateFamily.build, []

    def build(spec, **kwargs):
        built.append(spec.seeds)
        return original(spec, **kwargs)

    monkeypatch.setattr(IntegrateFamily, "build", staticmethod(build))
    monkeypatch.setattr("learndyn.resources.available_memory", lambda: 1024**3)  # a 1 GB machine
    code, _, err = _invoke("run", "integrate-leaky", "--seeds", "100000", "--out", tmp_path / "many")
    assert "integrate-leaky (100000 networks) needs ≈" in _one_line_error(code, err)
    assert built == [1] and not (tmp_path / "many").exists()


def test_closed_event_loop_noise_is_dropped_and_other_unraisables_are_not():
    """The command line's ``sys.unraisablehook`` drops the "Event loop is closed" tracebacks that
    zarr's leftover coroutines raise at exit after a damaged store was reported (one line to the
    user), and passes any other unraisable exception on."""
    import types

    from learndyn.cli import _drop_closed_loop_noise

    seen = []
    hook = _drop_closed_loop_noise(seen.append)

    async def pending():
        return None

    coro = pending()
    try:
        hook(types.SimpleNamespace(exc_value=RuntimeError("Event loop is closed"), object=None))
        hook(types.SimpleNamespace(exc_value=RuntimeError("other"), object=coro))
        other = types.SimpleNamespace(exc_value=ValueError("a real problem"), object=None)
        hook(other)
    finally:
        coro.close()
    assert seen == [other]
