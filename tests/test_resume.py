"""A run or a sweep killed anywhere and resumed equals an uninterrupted one, bit for bit."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import xarray as xr

import learndyn
from learndyn.experiments import run

ARGS = ["--set", "model.n=12", "--set", "train.steps=600", "--set", "record.points=30", "--seeds", "3"]


def _cli(*args, env=None):
    return [sys.executable, "-m", "learndyn.cli", *[str(a) for a in args]]


SETS = ["model.n=12", "train.steps=600", "record.points=30", "record.writes=30", "record.snapshots=4"]


def _env(pause: str) -> dict:
    """The environment of a killed child: slowed after each write (so kills land during training
    and writes), sharing the test session's compilation cache (so each restart is quick)."""
    return dict(os.environ, LEARNDYN_DEBUG_PAUSE_AFTER_WRITE=pause,
                JAX_COMPILATION_CACHE_DIR=os.environ["LEARNDYN_TEST_JAX_CACHE"],
                JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0", JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0")


def _newest_write(paths) -> float:
    stamps = [p.stat().st_mtime for p in paths() if p.exists()]
    return max(stamps, default=0.0)


def _kill_at_random_moments(args: list, kills: int, watched, rng, on_kill) -> int:
    """Start ``args`` (a learndyn command with ``--resume``) ``kills`` times and SIGKILL each at a
    random moment: half right after a fresh write lands (i.e. while the next is being prepared or
    written), half after a random delay from the start. Returns the kills delivered to a live
    process; ``on_kill()`` checks the directory after each."""
    delivered = 0
    for i in range(kills):
        proc = subprocess.Popen([str(a) for a in args], env=_env("0.3"), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            seen = _newest_write(watched)
            deadline = time.time() + 120
            if i % 2 == 0:  # after the next write, with a random lag (often inside the next write)
                while _newest_write(watched) <= seen and time.time() < deadline and proc.poll() is None:
                    time.sleep(0.02)
                time.sleep(rng.uniform(0.0, 0.35))
            else:
                time.sleep(rng.uniform(1.0, 6.0))
            alive = proc.poll() is None
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        delivered += alive
        on_kill()
    return delivered


def _same_arrays(a: xr.Dataset, b: xr.Dataset) -> None:
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)


def test_kill_anywhere_then_resume_is_bit_identical(tmp_path):
    """SIGKILL a small run and a small sweep at ≥ 10 random moments in all (during training and
    during writes), resuming after each; every array equals an uninterrupted run's, bit for bit,
    and the store stays readable (or absent) after every kill."""
    rng = np.random.default_rng(20261206)
    sets = sum((["--set", s] for s in SETS), [])

    def readable(path):
        def check():
            if (path / "results.zarr").exists() or (path / "results.zarr.old").exists():
                learndyn.load_run(path)  # digests verified: never a torn store
        return check

    out = tmp_path / "run"
    args = _cli("run", "integrate-leaky", *sets, "--seeds", "3", "--out", out, "--resume")
    run_kills = _kill_at_random_moments(
        args, 6, lambda: [out / "checkpoint.npz", out / "results.zarr" / "zarr.json"], rng, readable(out))
    spec = learndyn.resolve_spec("integrate-leaky", SETS, seeds=3)
    resumed = run(spec, out, resume=True)
    straight = run(spec, tmp_path / "straight")
    assert resumed.attrs["complete"]
    _same_arrays(learndyn.load_run(out), straight)
    assert not (out / "checkpoint.npz").exists()

    sw = tmp_path / "sweep"
    sw_sets = ["train.steps=300", "record.points=12", "record.writes=15", "record.snapshots=0"]
    args = _cli("sweep", "integrate-leaky", "--grid", "model.n=8,10", "--max-networks", "2", "--seeds", "2",
                "--scheduler", "serial", *sum((["--set", s] for s in sw_sets), []), "--out", sw, "--resume")
    chunk_files = lambda: [*sw.glob("chunks/*/checkpoint.npz"), *sw.glob("chunks/*/results.zarr/zarr.json")]  # noqa: E731
    sweep_kills = _kill_at_random_moments(args, 5, chunk_files, rng, lambda: None)
    from learndyn.sweep import sweep

    sw_spec = learndyn.resolve_spec("integrate-leaky", sw_sets, seeds=2)
    done = sweep(sw_spec, {"model.n": [8, 10]}, sw, max_networks=2, scheduler="serial", resume=True)
    fresh = sweep(sw_spec, {"model.n": [8, 10]}, tmp_path / "fresh", max_networks=2, scheduler="serial")
    assert done.attrs["complete"] and (done["point_status"] == "done").all()
    _same_arrays(done, fresh)
    assert done["n"].values.tolist() == [8, 10]  # the smaller networks' unit axes padded, every n kept
    # a chunk that finished before a kill was never computed again
    manifest = json.loads((sw / "sweep.json").read_text())["chunks"]
    assert all(c["computed"] == 1 for c in manifest.values()), manifest
    assert run_kills + sweep_kills >= 10, (run_kills, sweep_kills)


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
