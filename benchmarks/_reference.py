"""Reading the reference implementation of Ger & Barak at run time (never copied into learndyn)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

def reference_paths(repo: str | None, python: str | None) -> tuple[Path, str]:
    """The snapshot and the torch Python: arguments, else ``LEARNDYN_REFERENCE_REPO`` /
    ``LEARNDYN_REFERENCE_PYTHON`` (no machine-specific default: both must be given)."""
    repo = repo or os.environ.get("LEARNDYN_REFERENCE_REPO")
    python = python or os.environ.get("LEARNDYN_REFERENCE_PYTHON")
    if not repo or not python:
        raise SystemExit("give the reference snapshot and its Python: LEARNDYN_REFERENCE_REPO=... "
                         "LEARNDYN_REFERENCE_PYTHON=... (make bench-reference REFERENCE_REPO=... REFERENCE_PYTHON=...)")
    return Path(repo), python


def git_file(repo: Path, path: str) -> str:
    """A file of the reference snapshot (a work tree, or a bare mirror read with ``git show``)."""
    if (repo / path).is_file():
        return (repo / path).read_text()
    return subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{path}"], check=True,
                          capture_output=True, text=True).stdout


def reference_arguments(description: str, *, seeds: int, out: str):
    """The command line shared by the side-by-side scripts: the snapshot, its Python, seeds, parallel
    reference jobs and the output folder (more arguments may be added to the returned parser)."""
    import argparse

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--reference-repo", help="snapshot of the reference repository (or LEARNDYN_REFERENCE_REPO)")
    ap.add_argument("--reference-python", help="a Python with torch (or LEARNDYN_REFERENCE_PYTHON)")
    ap.add_argument("--seeds", type=int, default=seeds)
    ap.add_argument("--jobs", type=int, default=2, help="reference seeds run at once (one thread each)")
    ap.add_argument("--out", type=Path, default=Path(out))
    return ap


def run_notebook_seeds(repo: Path, python: str, notebook: str, driver: str, seeds: int, out: Path, jobs: int,
                       name: str = "reference_seed{seed}", extra: tuple[str, ...] = ()) -> list[Path]:
    """Run ``driver`` (a script that executes cells of the reference ``notebook``) once per seed, each
    in its own folder under ``out`` holding the snapshot's ``code/utils.py`` and the notebook; the
    driver is called as ``python driver.py nb.ipynb SEED OUT.npz *extra`` and writes ``OUT.npz``.
    Seeds whose ``.npz`` exists are not rerun. Returns the ``.npz`` paths in seed order."""
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    out.mkdir(parents=True, exist_ok=True)

    def one(seed: int) -> Path:
        path = out / (name.format(seed=seed) + ".npz")
        if path.exists():
            return path
        work = out / name.format(seed=seed)
        work.mkdir(parents=True, exist_ok=True)
        (work / "utils.py").write_text(git_file(repo, "code/utils.py"))
        (work / "nb.ipynb").write_text(git_file(repo, notebook))
        (work / "driver.py").write_text(driver)
        subprocess.run([python, "driver.py", "nb.ipynb", str(seed), str(path.resolve()), *extra], cwd=work,
                       env={**os.environ, "MPLBACKEND": "Agg"}, check=True)
        shutil.rmtree(work / "models", ignore_errors=True)  # checkpoints some notebooks write
        return path

    with ThreadPoolExecutor(jobs) as pool:
        return list(pool.map(one, range(seeds)))


# The common head of every driver: the notebook's code cells, its import cell run, the seed set
# (``np.random.seed``, ``torch.manual_seed``), one torch thread; ``cells`` and ``g`` (the namespace
# the cells run in) are left for the rest of the driver, and ``out`` names the .npz to write.
DRIVER_HEAD = r'''
import json, sys
import numpy as np
import torch
nb, seed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
torch.set_num_threads(1)
cells = ["".join(c["source"]) for c in json.load(open(nb))["cells"] if c["cell_type"] == "code"]
g = {}
exec(cells[0], g)                                      # imports (from utils import *)
np.random.seed(seed); torch.manual_seed(seed)
'''


def provenance_lines(command: str, torch_version: str, notebook: str, make_target: str | None = None) -> list[str]:
    """The first lines of a side-by-side section: command (and its make target) and date, machine,
    versions of both sides."""
    import platform
    import time

    import jax

    from learndyn.results import package_versions

    v = package_versions()
    return [
        f"Written by `{command}`" + (f" (`make {make_target}`)" if make_target else "")
        + f" on {time.strftime('%Y-%m-%d')}.",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPU cores; JAX devices: "
        + ", ".join(str(d) for d in jax.devices()),
        f"- versions: {', '.join(f'{k} {val}' for k, val in v.items())}; reference: torch {torch_version}, "
        f"snapshot of yoavger/closed_loop_rnn_learning_dynamics (`{notebook}`, its own cells)",
    ]
