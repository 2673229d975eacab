"""``learndyn sweep``: a grid of runs as one result set, vmapped where shapes agree, distributed
with dask.distributed where they do not, resumable point by point.

Layout of a sweep directory::

    OUT/sweep.json           the plan and the state of every chunk (pending, running, done, failed)
    OUT/chunks/<id>/         one ordinary run directory per chunk (resumable on its own)
    OUT/results.zarr         all chunks combined: grid keys as coordinates, ``point_status``
    OUT/summary.json, OUT/figures/, OUT/report.html
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xarray as xr

from ..config import BaseSpec, dim_names, to_toml
from ..errors import ConfigError, OutputError, StoreError
from ..results import RunDir, open_results, package_versions
from ..results._store import MARKER
from ..experiments import family_of, get_family
from ._combine import combine, point_status, reserved_dims
from ._plan import Chunk, Plan, plan_sweep
from ._worker import run_chunk, use_device

MANIFEST = "sweep.json"


def _identity(spec: BaseSpec, grids: dict[str, list[Any]], max_networks: int) -> dict[str, Any]:
    return {"config_toml": to_toml(spec), "grid": grids, "max_networks": max_networks}


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise StoreError(f"{path}: unreadable sweep manifest ({err})") from None


def _chunk_done(out: Path, chunk: Chunk) -> bool:
    return RunDir(out / "chunks" / chunk.id).complete()


def sweep(
    spec: BaseSpec,
    grids: dict[str, list[Any]],
    out: str | os.PathLike,
    *,
    max_networks: int = 1024,
    scheduler: str = "local",
    workers: int | None = None,
    device: str = "cpu",
    resume: bool = False,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    warn: Callable[[str], None] | None = None,
) -> xr.Dataset:
    """Run ``spec`` at every point of ``spec.grid`` × ``grids``; return the combined result set.

    Points whose keys only change numbers (learning rates, init scales, ...) are vmapped in one
    compiled program per chunk of at most ``max_networks`` networks; keys that change shapes or
    the program split the sweep into chunks run separately. Chunks go to a Dask LocalCluster
    (``scheduler="local"``), an existing scheduler (``"tcp://host:8786"``) or, with ``"serial"``,
    run one after another in this process.

    Interrupted sweeps resume with ``resume=True``: finished chunks are never recomputed, a chunk
    that was running continues from its last checkpoint. A chunk that fails is recorded
    (``sweep.json``, ``point_status``) and the others go on.

    Raises:
        ConfigError: a bad grid key or value, an unknown device, an unreachable scheduler.
        OutputError: ``out`` exists without resume/force, or holds a different sweep.
    """
    plan = plan_sweep(spec, grids, max_networks)
    use_device(device)  # fail before anything is written if the device is missing
    out = Path(out)
    rundir = RunDir(out)
    manifest_path = out / MANIFEST
    single = any((out / name).exists() for name in ("results.zarr", "checkpoint.npz"))
    if resume and out.is_dir() and (out / MARKER).exists() and single and not manifest_path.exists():
        raise OutputError(f"--out {out}: a single run lives there, not a sweep; choose another --out")
    rundir.prepare(resume=resume, force=force)  # takes the directory's lock
    try:
        return _sweep(spec, plan, grids, rundir, max_networks, scheduler, workers, device, resume,
                      progress, warn)
    finally:
        rundir.release()


def _sweep(spec, plan, grids, rundir, max_networks, scheduler, workers, device, resume, progress, warn):
    started = time.time()
    out, manifest_path = rundir.path, rundir.path / MANIFEST
    identity = _identity(spec, grids, max_networks)
    state: dict[str, dict[str, Any]] = {}
    if resume and manifest_path.exists():
        stored = _read_manifest(manifest_path)
        if stored.get("identity") != json.loads(json.dumps(identity)):
            raise OutputError(f"--resume: {out} holds a different sweep (config, grid or --max-networks "
                              "differ); use the same arguments, or --force to start over")
        state = stored.get("chunks", {})
    base = spec.model_dump(mode="json")
    for chunk in plan.chunks:
        entry = state.setdefault(chunk.id, {})
        entry.update(fixed=dict(chunk.fixed), grid={k: list(v) for k, v in chunk.grid},
                     networks=chunk.points() * spec.seeds)
        if entry.get("status") == "done" and not _chunk_done(out, chunk):
            entry["status"] = "pending"  # its results went missing: run it again
        entry.setdefault("status", "pending")

    def save() -> None:
        rundir.write_json(MANIFEST, {"identity": identity, "chunks": state})

    todo = [c for c in plan.chunks if state[c.id]["status"] != "done"]
    for c in todo:
        state[c.id]["status"] = "running"
    save()
    total = len(plan.chunks)
    finished = total - len(todo)
    if progress:
        progress(finished, total)

    def record(chunk: Chunk, result: dict[str, Any]) -> None:
        nonlocal finished
        state[chunk.id].update(result, computed=state[chunk.id].get("computed", 0) + 1,
                               finished=time.strftime("%Y-%m-%dT%H:%M:%S"))
        finished += 1
        save()
        if result["status"] == "failed" and warn:
            warn(f"chunk {chunk.id} ({_describe(chunk)}) failed: {result['error']}")
        if progress:
            progress(finished, total)

    if todo:
        ref = type(get_family(spec.family)).reference()
        _execute(todo, base, out, device, scheduler, workers, record, ref)
    ds = _combine(plan, state, out, spec, identity, warn, started)
    return ds


def _describe(chunk: Chunk) -> str:
    parts = [f"{k}={v}" for k, v in chunk.fixed] + [f"{k}={list(v)}" for k, v in chunk.grid]
    return ", ".join(parts) or "the base point"


def _execute(todo: list[Chunk], base: dict, out: Path, device: str, scheduler: str, workers: int | None,
             record: Callable[[Chunk, dict], None], family_ref: str) -> None:
    """Run the chunks serially here, or on Dask workers, calling ``record`` as each finishes
    (``family_ref``: the family's import path, for workers where its name is not registered)."""
    paths = {c.id: str(out / "chunks" / c.id) for c in todo}
    if scheduler == "serial":
        for c in todo:
            record(c, run_chunk(c.spec_data(base), paths[c.id], device, family_ref))
        return
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if scheduler == "local":
            n = workers or max(1, min(len(todo), (os.cpu_count() or 2) // 2))
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=logging.ERROR)
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout="5s")
            except (OSError, TimeoutError, ValueError) as err:
                raise ConfigError(f"--scheduler {scheduler}: cannot connect ({err})") from None
        with client:
            futures = {client.submit(run_chunk, c.spec_data(base), paths[c.id], device, family_ref,
                                     key=f"learndyn-{c.id}-{time.time_ns()}", pure=False): c for c in todo}
            for fut in as_completed(futures):
                try:
                    result = fut.result()
                except Exception as err:  # noqa: BLE001 - a lost worker fails its chunk only
                    result = {"status": "failed", "error": f"{type(err).__name__}: {err}".splitlines()[0]}
                record(futures[fut], result)
    finally:
        if cluster is not None:
            cluster.close()


def _combine(plan: Plan, state: dict, out: Path, spec: BaseSpec, identity: dict,
             warn: Callable[[str], None] | None, started: float | None = None) -> xr.Dataset:
    datasets = {c.id: open_results(out / "chunks" / c.id / "results.zarr")
                for c in plan.chunks if state[c.id]["status"] == "done"}
    reserved = {"seed", "step"}
    for c in plan.chunks:
        if c.id in datasets:
            reserved = reserved_dims(c, datasets[c.id])
            break
    names = {key: dim for dim, key in dim_names(plan.keys, reserved).items()}
    ds = combine(plan.chunks, datasets, plan.keys, plan.values, names)
    statuses = {cid: e["status"] for cid, e in state.items()}
    ds["point_status"] = point_status(plan.chunks, statuses, plan.keys, plan.values, names)
    failed = {cid: e.get("error", "") for cid, e in state.items() if e["status"] == "failed"}
    ds.attrs.update(
        experiment=spec.experiment, family=spec.family, config_toml=identity["config_toml"],
        sweep={"grid": identity["grid"], "max_networks": identity["max_networks"], "chunks": len(plan.chunks),
               "failed": failed},
        versions=package_versions(), complete=not failed and len(datasets) == len(plan.chunks),
        checkpoint_step=spec.train.steps, total_steps=spec.train.steps,
        created=time.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    rundir = RunDir(out)
    rundir.write_dataset(ds)
    rundir.write_json("summary.json", sweep_summary(ds, warn))
    _draw(ds, out, warn, started)
    return ds


def sweep_summary(ds: xr.Dataset, warn: Callable[[str], None] | None = None) -> dict[str, Any]:
    """``summary.json`` of a sweep: the grid, the state of every point, the family's summary."""
    status = ds["point_status"]
    out: dict[str, Any] = {
        "experiment": ds.attrs["experiment"], "sweep": True, "complete": bool(ds.attrs.get("complete")),
        "grid": {d: ds[d].values.tolist() for d in ds.attrs["grid_keys"]},
        "points": {s: int((status == s).sum()) for s in ("done", "failed", "pending")},
        "failed": ds.attrs["sweep"]["failed"],
        "seeds": int(ds.sizes.get("seed", 0)),
    }
    if out["points"]["done"]:
        try:
            out.update(family_of(ds).summarize(ds))
        except Exception as err:  # noqa: BLE001 - a family summary written for one run's shape
            if warn:
                warn(f"the family's per-network summary does not fit this sweep ({type(err).__name__}); "
                     "summary.json lists the grid and point states only")
    return out


def _draw(ds: xr.Dataset, out: Path, warn: Callable[[str], None] | None,
          started: float | None = None) -> list[Path]:
    from ..plots import grid_caption
    from ..plots._sweep import sweep_overview
    from ..experiments._runner import report_texts
    from ..report import run_provenance, write_report

    figdir = out / "figures"
    figdir.mkdir(exist_ok=True)
    paths = [p for p in [sweep_overview(ds, figdir / "sweep_overview.png")] if p is not None]
    if int((ds["point_status"] == "done").sum()):
        try:
            with grid_caption(ds):
                paths += list(family_of(ds).figures(ds, figdir))
        except Exception as err:  # noqa: BLE001 - family figures are drawn for one run's shape
            if warn:
                warn(f"the family's figures do not fit this sweep's grid ({type(err).__name__}: {err}); "
                     "drew the sweep overview only")
    texts = report_texts(family_of(ds))
    texts["captions"] = {"sweep_overview": "the headline variable at the end of training over the first two grid "
                                           "keys, mean over seeds; hatched cells are points that failed",
                         **texts["captions"]}
    write_report(out / "report.html", ds, paths, table=point_table(ds), **texts, provenance=run_provenance(started))
    return paths


def point_table(ds: xr.Dataset) -> tuple[list[str], list[list[str]]]:
    """One row per grid point: its coordinates, its state and (where the family records a loss)
    the final loss averaged over seeds."""
    from ..plots._sweep import final_values, headline_variable

    dims = list(ds.attrs["grid_keys"])
    name = headline_variable(ds)
    final = final_values(ds[name]).mean("seed", skipna=True) if name else None
    flat = ds["point_status"].stack(point=dims)
    rows = []
    for i in range(flat.sizes["point"]):
        cell = flat.isel(point=i)
        coords = {d: cell[d].item() for d in dims}
        row = [f"{v:g}" if isinstance(v, float) else str(v) for v in coords.values()] + [str(cell.item())]
        if final is not None:
            row.append(f"{float(final.sel(coords)):.4g}")
        rows.append(row)
    return dims + ["state"] + ([f"final {name} (seed mean)"] if name else []), rows


def load_sweep_state(path: str | os.PathLike) -> dict[str, Any] | None:
    """The manifest of a sweep directory (``None`` if ``path`` is not a sweep)."""
    p = Path(path) / MANIFEST
    return _read_manifest(p) if p.exists() else None
