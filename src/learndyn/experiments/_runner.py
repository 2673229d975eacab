"""Run an experiment end to end: simulate, theory, store, summary, figures, report.

The runner knows nothing about any family's science: it asks the family (``FAMILIES``) to build
the training problem, label records, compute the theory, summarise and draw.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import xarray as xr

from ..config import BaseSpec, to_toml
from ..errors import OutputError
from ..results import RunDir, package_versions
from ..training import init_state, log_spaced_steps, state_from_leaves, state_leaves, train, write_points
from . import integrate

FAMILIES: dict[str, ModuleType] = {"integrate": integrate}


def _records_to_arrays(records: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if not records:
        return {}
    return {f"rec_{k}": np.stack([r[k] for r in records]) for k in records[0]}


def _arrays_to_records(arrays: dict[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
    names = [k[4:] for k in arrays if k.startswith("rec_")]
    if not names:
        return []
    n = arrays[f"rec_{names[0]}"].shape[0]
    return [{k: arrays[f"rec_{k}"][i] for k in names} for i in range(n)]


def _attrs(spec: BaseSpec, *, complete: bool, step: int) -> dict:
    return {
        "experiment": spec.experiment,
        "family": spec.family,
        "config_toml": to_toml(spec),
        "versions": package_versions(),
        "complete": complete,
        "checkpoint_step": step,
        "total_steps": spec.train.steps,
        "init_uv": getattr(getattr(spec, "model", None), "init_uv", ""),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def run(
    spec: BaseSpec,
    out: str | os.PathLike | None = None,
    *,
    resume: bool = False,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    warn: Callable[[str], None] | None = None,
) -> xr.Dataset:
    """Train every network of ``spec``, integrate its theory and (with ``out``) write a run dir.

    Args:
        spec: a validated experiment spec.
        out: run directory; ``None`` keeps everything in memory.
        resume: continue the run in ``out`` from its last write.
        force: replace an existing run in ``out``.
        progress: ``progress(step, total)`` callback.
        warn: receives one-line warnings (unstable learning rates, unstable draws).

    Returns:
        The labelled result set (simulation and theory, same ``step`` coordinate).

    Raises:
        OutputError: ``out`` exists without resume/force, is unwritable, or belongs to another
            config (on resume).
    """
    family = FAMILIES[spec.family]
    total = spec.train.steps
    record_steps = log_spaced_steps(total, spec.record.points)
    rundir = RunDir(out) if out is not None else None
    can_resume = rundir.prepare(resume=resume, force=force) if rundir else False
    built = family.build(spec, record_steps=record_steps)
    state, records = None, []
    if can_resume:
        stored = rundir.read_dataset()
        if stored.attrs.get("config_toml") != to_toml(spec):
            raise OutputError(
                f"--resume: the config differs from the one stored in {rundir.path}; "
                "use the same config and --set values, or --force to start over"
            )
        if stored.attrs.get("complete"):
            _finish(family, rundir, stored)
            return stored
        ckpt = rundir.read_checkpoint()
        state = state_from_leaves(init_state(built.problem), ckpt)
        records = _arrays_to_records(ckpt)
    for message in built.warnings:
        if warn is not None:
            warn(message)
    pause = float(os.environ.get("LEARNDYN_DEBUG_PAUSE_AFTER_WRITE", "0") or 0)

    def on_write(st, recs):
        if rundir is None or st.step >= total:
            return
        rundir.write_checkpoint({**state_leaves(st), **_records_to_arrays(recs)})
        partial = family.to_dataset(built, recs, st)
        partial.attrs.update(_attrs(spec, complete=False, step=st.step))
        rundir.write_dataset(partial)
        if pause:
            time.sleep(pause)

    state, records = train(
        built.problem, record_steps, built.observe,
        write_steps=write_points(total, spec.record.writes), on_write=on_write,
        state=state, records=records,
        progress=(lambda s: progress(s, total)) if progress else None,
    )
    ds = family.to_dataset(built, records, state)
    ds = xr.merge([ds, family.theory_dataset(spec, record_steps)], combine_attrs="override")
    ds.attrs.update(_attrs(spec, complete=True, step=state.step))
    if rundir is not None:
        rundir.write_dataset(ds)
        rundir.remove_checkpoint()
        _finish(family, rundir, ds)
    return ds


def summary_dict(ds: xr.Dataset) -> dict:
    """The ``summary.json`` content of a (finished or partial) result set."""
    family = FAMILIES[ds.attrs["family"]]
    s = family.summarize(ds)
    return {"experiment": ds.attrs["experiment"], "seeds": int(ds.sizes["seed"]),
            "complete": bool(ds.attrs.get("complete", False)),
            "step": int(ds["step"].values[-1]) if ds.sizes.get("step", 0) else 0,
            "grid": {d: ds[d].values.tolist() for d in ds.attrs.get("grid_keys", {})},
            **s}


def _finish(family: ModuleType, rundir: RunDir, ds: xr.Dataset) -> None:
    from ..report import write_report

    rundir.write_json("summary.json", summary_dict(ds))
    paths = family.figures(ds, rundir.path / "figures")
    write_report(rundir.path / "report.html", ds, paths)


def load_run(path: str | os.PathLike) -> xr.Dataset:
    """Open the result set of a run directory (finished or partial)."""
    rundir = RunDir(path)
    if not Path(path).is_dir():
        raise OutputError(f"{path}: not a directory")
    return rundir.read_dataset()


def headline(ds: xr.Dataset) -> tuple[list[str], list[list[str]]]:
    """Headline table (columns, rows) of a result set."""
    return FAMILIES[ds.attrs["family"]].headline_rows(ds)
