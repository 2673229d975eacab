"""Run an experiment end to end: simulate, theory, store, summary, figures, report.

The runner knows nothing about any family's science: it asks the family (a
:class:`learndyn.Family`, found by :func:`get_family`) to build the training problem, label
records, compute the theory, summarise and draw.
"""

from __future__ import annotations

import dataclasses
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from ..config import BaseSpec, to_toml
from ..errors import OutputError, StoreError, first_line
from ..family import Family, label_networks
from ..numerics import float64
from ..resources import check_fits, run_bytes
from ..results import RunDir, package_versions
from ..training import init_state, state_from_leaves, state_leaves, train, write_points
from ..training._flops import auto_vector_width
from ._registry import family_of, get_family


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


RUN_DIR = "learndyn_run_dir"
"""``ds.encoding`` key holding the run directory a result set was written to or read from."""


def _attrs(spec: BaseSpec, family: Family, *, complete: bool, step: int, optimizer=None) -> dict:
    return {
        "optimizer": "from the spec" if optimizer is None else f"given from Python: {optimizer!r}"[:300],
        "experiment": spec.experiment,
        "family": spec.family,
        "family_ref": type(family).reference(),
        "config_toml": to_toml(spec),
        "versions": package_versions(),
        "complete": complete,
        "checkpoint_step": step,
        "total_steps": spec.train.steps,
        "init_uv": getattr(getattr(spec, "model", None), "init_uv", ""),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


@dataclass
class PhaseResult:
    """One trained phase: what the family built, its records and its final state."""

    built: Any
    records: list[dict[str, np.ndarray]]
    state: Any
    snapshots: list[tuple[int, np.ndarray]] = None  # (step, (net, n, n) recurrent weights)


def snapshot_steps(record_steps: list[int], count: int) -> list[int]:
    """``count`` of the recorded steps, evenly spaced in index (so log-spaced records give
    log-spaced snapshots), always with the first and the last."""
    if count <= 0 or not record_steps:
        return []
    idx = np.unique(np.round(np.linspace(0, len(record_steps) - 1, min(count, len(record_steps)))).astype(int))
    return [int(record_steps[i]) for i in idx]


def _snapshotter(family: Family, spec: BaseSpec, built, store: list):
    """Wrap ``built.observe`` to keep the recurrent weights (float32) at the snapshot steps."""
    hook = family.recurrent_weights
    if spec.record.snapshots == 0:
        return built.observe
    probe = hook(built, built.problem.params)
    if probe is None or probe.shape[-1] > spec.record.snapshot_max_units:
        return built.observe
    steps = set(snapshot_steps(built.record_steps, spec.record.snapshots))

    def observe(state):
        out = built.observe(state)
        if state.step in steps and all(st != state.step for st, _ in store):
            store.append((state.step, np.asarray(hook(built, state.params), np.float32)))
        return out

    return observe


def _snapshot_arrays(snaps: list[tuple[int, np.ndarray]]) -> dict[str, np.ndarray]:
    if not snaps:
        return {}
    return {"snap_step": np.asarray([st for st, _ in snaps]), "snap_w": np.stack([w for _, w in snaps])}


def _arrays_to_snapshots(arrays: dict[str, np.ndarray]) -> list[tuple[int, np.ndarray]]:
    if "snap_step" not in arrays:
        return []
    return [(int(st), w) for st, w in zip(arrays["snap_step"], arrays["snap_w"], strict=True)]


def snapshot_dataset(spec: BaseSpec, done: list[PhaseResult]) -> xr.Dataset:
    """Recurrent-weight snapshots as ``weights`` (one trained phase) or ``weights_<phase>``:
    dims ``(*grid, seed, snapshot[_<phase>], row, col)``, coordinate ``snapshot_step[_<phase>]``."""
    with_snaps = [r for r in done if r.snapshots]
    out = xr.Dataset()
    for r in with_snaps:
        tag = "" if len(with_snaps) == 1 else f"_{r.built.phase}"
        offset = r.built.step_offset
        steps = np.asarray([st for st, _ in r.snapshots]) + offset
        w = np.stack([w for _, w in r.snapshots], axis=1)  # (net, snap, n, n)
        dims, arr = label_networks(r.built.grid_dims, r.built.grid_values, spec.seeds, w,
                                   (f"snapshot{tag}", "row", "col"))
        out[f"weights{tag}"] = (dims, arr)
        out = out.assign_coords({f"snapshot_step{tag}": (f"snapshot{tag}", steps)})
        out[f"weights{tag}"].attrs.update(long_name="recurrent weight matrix W at snapshot steps (float32)",
                                          source="sim")
    return out


def scheduled(problem, vector_width: int | None = None):
    """``problem`` with the network schedule a run uses: ``vector_width`` when given, else
    learndyn's default (:func:`~learndyn.training._flops.auto_vector_width`)."""
    width = vector_width if vector_width is not None else auto_vector_width(problem)
    return problem if width is None else dataclasses.replace(problem, vector_width=width)


def run(
    spec: BaseSpec,
    out: str | os.PathLike | None = None,
    *,
    resume: bool = False,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    warn: Callable[[str], None] | None = None,
    finish: bool = True,
    optimizer: Any = None,
) -> xr.Dataset:
    """Train every network of ``spec``, integrate its theory and (with ``out``) write a run dir.

    A family may train in phases (``family.phases(spec)``): each phase is built from the previous
    one's result (e.g. an open-loop student from the closed-loop teacher), trained by the same
    trainer and checkpointed; ``--resume`` continues inside the phase that was running.

    Args:
        spec: a validated experiment spec.
        out: run directory; ``None`` keeps everything in memory.
        resume: continue the run in ``out`` from its last write.
        force: replace an existing run in ``out``.
        progress: ``progress(step, total)`` callback (steps summed over phases).
        warn: receives one-line warnings (unstable learning rates, unstable draws).
        finish: draw the figures and the report (a sweep draws its own, once, for all chunks).
        optimizer: your own optimiser for every network, replacing the spec's — an optax
            ``GradientTransformation`` (scaled by each network's learning rate) or a factory
            ``f(learning_rate) -> GradientTransformation`` such as ``optax.adamw``. Recorded in
            the result's attrs as ``optimizer``.

    Returns:
        The labelled result set (simulation and theory, same ``step`` coordinate).

    Raises:
        OutputError: ``out`` exists without resume/force, is unwritable, or belongs to another
            config (on resume).
        ConfigError: the spec's family cannot be found.
    """
    rundir = RunDir(out) if out is not None else None
    try:
        with float64():
            return _run(spec, rundir, resume=resume, force=force, progress=progress, warn=warn,
                        finish=finish, optimizer=optimizer)
    finally:
        if rundir is not None:
            rundir.release()


def _run(spec, rundir, *, resume, force, progress, warn, finish, optimizer) -> xr.Dataset:
    started = time.time()
    family = get_family(spec.family)
    phases = list(family.phases(spec))
    if rundir is not None:
        rundir.check(resume=resume, force=force)  # fast refusals first, before the build
        if resume and rundir.complete():  # nothing to train: no build, only the figures redrawn
            rundir.prepare(resume=True, force=False)
            stored = rundir.read_dataset()
            _check_same_config(rundir, stored.attrs.get("config_toml"), spec)
            _finish(family, rundir, stored, draw=finish, started=started)
            stored.encoding[RUN_DIR] = str(rundir.path)
            return stored
    networks = int(np.prod([len(v) for v in spec.grid.values()], dtype=np.int64)) * spec.seeds
    _check_fits_before_building(family, spec, phases[0][0], networks)
    first = family.build(spec, record_steps=None, phase=phases[0][0], previous=None)
    check_fits(run_bytes(first.problem.params, first.problem.data),  # before anything is written
               f"{spec.experiment} ({networks} networks)")
    can_resume = rundir.prepare(resume=resume, force=force) if rundir else False
    ckpt: dict[str, np.ndarray] = {}
    if can_resume:
        ckpt = rundir.read_checkpoint()
        stored_config = str(ckpt.pop("config_toml")) if "config_toml" in ckpt else (
            rundir.read_dataset().attrs.get("config_toml") if rundir.has_results() else None)
        _check_same_config(rundir, stored_config, spec)
    ckpt_phase = int(ckpt.get("phase", 0)) if ckpt else -1
    pause = float(os.environ.get("LEARNDYN_DEBUG_PAUSE_AFTER_WRITE", "0") or 0)
    done: list[PhaseResult] = []
    grand_total = sum(steps for _, steps in phases)
    offset = 0
    for index, (phase, total) in enumerate(phases):
        built = first if index == 0 else family.build(spec, record_steps=None, phase=phase, previous=done[-1])
        built.problem = scheduled(built.problem, spec.vector_width)
        if optimizer is not None:
            built.problem = dataclasses.replace(built.problem, optimizer=optimizer)
        if index < ckpt_phase:  # finished before the checkpoint: restore, do not retrain
            prefix = f"p{index}_"
            sub = {k[len(prefix):]: v for k, v in ckpt.items() if k.startswith(prefix)}
            state = _restore(rundir, built.problem, sub)
            done.append(PhaseResult(built, _arrays_to_records(sub), state, _arrays_to_snapshots(sub)))
            offset += total
            continue
        state, records, snaps = None, [], []
        if index == ckpt_phase:
            current = {k: v for k, v in ckpt.items() if not re.match(r"p\d+_", k)}
            state = _restore(rundir, built.problem, current)
            records = _arrays_to_records(current)
            snaps = _arrays_to_snapshots(current)
        observe = _snapshotter(family, spec, built, snaps)
        for message in built.warnings:
            if warn is not None:
                warn(message)

        def on_write(st, recs, built=built, index=index, total=total):
            if rundir is None or (st.step >= total and index == len(phases) - 1):
                return
            arrays = {"phase": np.asarray(index), "config_toml": np.asarray(to_toml(spec)), **state_leaves(st),
                      **_records_to_arrays(recs), **_snapshot_arrays(snaps)}
            for j, res in enumerate(done):
                arrays.update({f"p{j}_{k}": v for k, v in
                               {**state_leaves(res.state), **_records_to_arrays(res.records),
                                **_snapshot_arrays(res.snapshots)}.items()})
            rundir.write_checkpoint(arrays)
            partial = family.to_dataset([*done, PhaseResult(built, recs, st)])
            partial.attrs.update(_attrs(spec, family, complete=False, step=offset + st.step, optimizer=optimizer))
            rundir.write_dataset(partial)
            if pause:
                time.sleep(pause)

        state, records = train(
            built.problem, built.record_steps, observe,
            write_steps=write_points(total, spec.record.writes), on_write=on_write,
            state=state, records=records,
            progress=(lambda s, o=offset: progress(o + s, grand_total)) if progress else None,
        )
        done.append(PhaseResult(built, records, state, snaps))
        offset += total
    ds = family.to_dataset(done)
    parts = [ds, _kept(family.theory_dataset, "the theory", warn, spec, done, ds), snapshot_dataset(spec, done),
             _kept(family.analysis_dataset, "the post-training analysis", warn, spec, done, ds)]
    ds = xr.merge(parts, combine_attrs="override", compat="no_conflicts")
    ds.attrs.update(_attrs(spec, family, complete=True, step=offset, optimizer=optimizer))
    if rundir is not None:
        rundir.write_dataset(ds)
        rundir.remove_checkpoint()
        _finish(family, rundir, ds, draw=finish, started=started)
        ds.encoding[RUN_DIR] = str(rundir.path)
    return ds


def _check_fits_before_building(family: Family, spec: BaseSpec, phase, networks: int) -> None:
    """Refuse a run whose parameters cannot fit before building them all: build one network (one
    seed, no grid) and scale its memory by the number of networks. A family whose spec cannot be
    shrunk so (e.g. seeds in pairs) is checked after its build instead."""
    if networks <= 2:
        return
    try:
        one = family.build(spec.model_copy(update={"seeds": 1, "grid": {}}), record_steps=None, phase=phase,
                           previous=None)
    except Exception:  # noqa: BLE001 - only an early estimate; the full build is checked anyway
        return
    check_fits(run_bytes(one.problem.params, one.problem.data, copies=networks),
               f"{spec.experiment} ({networks} networks)")


def _kept(step, what: str, warn, *args) -> xr.Dataset:
    """Run a family's theory or analysis step so that its failure costs only its own values: a
    step that raises is left out with a warning (the trained results are kept), and the
    :class:`~learndyn.family.IsolatedFailure` warnings of points it isolated itself are passed on."""
    import warnings

    from ..family import IsolatedFailure

    failure = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IsolatedFailure)
        try:
            out = step(*args)
        except Exception as err:  # noqa: BLE001 - keep the trained networks whatever happens here
            out = xr.Dataset()
            failure = (f"{what} failed and is left out of the results ({type(err).__name__}: "
                       f"{first_line(err, 160)}); the trained networks are kept")
    for w in caught:
        if not issubclass(w.category, IsolatedFailure):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        elif warn is not None:
            warn(str(w.message))
    if failure is not None and warn is not None:
        warn(failure)
    return out


def _check_same_config(rundir: RunDir, stored: str | None, spec: BaseSpec) -> None:
    if stored is not None and stored != to_toml(spec):
        raise OutputError(
            f"--resume: the config differs from the one stored in {rundir.path}; "
            "use the same config and --set values, or --force to start over"
        )


def _restore(rundir: RunDir, problem, arrays: dict[str, np.ndarray]):
    """The training state saved in a checkpoint (a one-line error when it does not fit the run)."""
    try:
        return state_from_leaves(init_state(problem), arrays)
    except (KeyError, ValueError, TypeError) as err:
        raise StoreError(f"{rundir.path / 'checkpoint.npz'}: does not match this run ({err}); "
                         "use --force to start over") from None


def summary_dict(ds: xr.Dataset) -> dict:
    """The ``summary.json`` content of a (finished or partial) result set."""
    s = family_of(ds).summarize(ds)
    return {"experiment": ds.attrs["experiment"], "seeds": int(ds.sizes["seed"]),
            "complete": bool(ds.attrs.get("complete", False)),
            "step": int(ds["step"].values[-1]) if ds.sizes.get("step", 0) else 0,
            "grid": {d: ds[d].values.tolist() for d in ds.attrs.get("grid_keys", {})},
            **s}


def _finish(family: Family, rundir: RunDir, ds: xr.Dataset, draw: bool = True, started: float | None = None) -> None:
    from ..report import run_provenance, write_report

    rundir.write_json("summary.json", summary_dict(ds))
    if not draw:
        return
    from ..plots import grid_caption

    with grid_caption(ds):
        paths = family.figures(ds, rundir.path / "figures")
    write_report(rundir.path / "report.html", ds, paths, family.headline_rows(ds), **report_texts(family),
                 provenance=run_provenance(started))


def report_texts(family: Family) -> dict[str, Any]:
    """What the report says about a family's runs: its citation, column definitions, captions."""
    return {"citation": family.citation, "columns": dict(family.column_definitions),
            "captions": dict(family.figure_captions)}


def load_run(path: str | os.PathLike) -> xr.Dataset:
    """Open the result set of a run directory (finished or partial)."""
    rundir = RunDir(path)
    if not Path(path).is_dir():
        raise OutputError(f"{path}: not a directory")
    ds = rundir.read_dataset()
    ds.encoding[RUN_DIR] = str(Path(path))
    return ds


def headline(ds: xr.Dataset) -> tuple[list[str], list[list[str]]]:
    """Headline table (columns, rows) of a result set."""
    return family_of(ds).headline_rows(ds)
