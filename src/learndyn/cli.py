"""The ``learndyn`` command line: list, config, run, sweep, show, analyze.

User errors (bad config, bad output directory, corrupt store) print one line to stderr and exit
with status 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from .errors import UserError

app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,  # help texts are plain: "[default: runs/NAME]" must not be read as markup
    no_args_is_help=True,
    help="learndyn: learning dynamics of recurrent networks, simulation and theory side by side.",
)
PARTIAL = 3
"""Exit status of ``show`` for a partial result set."""
out_console = Console()
err_console = Console(stderr=True)


def _fail(message: str) -> None:
    from rich.text import Text

    err_console.print(Text("error: ", style="bold red") + Text(message), highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _guard(fn):
    """The error boundary of every command: a :class:`UserError` (bad input, a damaged store, a
    run that does not fit in memory) is one line and exit status 2; anything else is an internal
    error: one line naming it and the log file that holds its traceback, exit status 1. Nothing
    from asyncio or Dask reaches the terminal."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        _quiet_background_loggers()
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except UserError as err:
            _fail(str(err))
        except Exception as err:  # noqa: BLE001 - the boundary: turn it into one line
            from .errors import as_user_error, first_line

            user = as_user_error(err)
            if user is not None:
                _fail(str(user))
            log = _log_traceback(err, kwargs.get("out") or kwargs.get("path"))
            from rich.text import Text

            err_console.print(Text("internal error: ", style="bold red")
                              + Text(f"{type(err).__name__}: {first_line(err, 300) or '(no message)'} (traceback in {log}; "
                                     "please report it)"), highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


def _warn(message: str) -> None:
    from rich.text import Text

    err_console.print(Text("warning: ", style="yellow") + Text(message), highlight=False, soft_wrap=True)


def _log_traceback(err: BaseException, where) -> Path:
    """Write ``err``'s traceback to ``WHERE/error.log`` (a run directory that exists) or to a file
    in the temporary directory; return its path."""
    import tempfile
    import time
    import traceback

    text = f"learndyn {' '.join(sys.argv[1:])}\n{time.strftime('%Y-%m-%d %H:%M:%S')}\n\n" + "".join(
        traceback.format_exception(err))
    candidates = []
    if where is not None and Path(where).is_dir() and (Path(where) / ".learndyn-run").exists():
        candidates.append(Path(where) / "error.log")
    candidates.append(Path(tempfile.gettempdir()) / f"learndyn-error-{os.getpid()}.log")
    for path in candidates:
        try:
            path.write_text(text)
            return path
        except OSError:
            continue
    return candidates[-1]


def _quiet_background_loggers() -> None:
    """Background event loops (zarr's asyncio thread, Dask) log their own copies of errors that
    the command already reports; keep them off the terminal."""
    import logging

    for name in ("asyncio", "distributed", "tornado"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if getattr(sys.unraisablehook, "_learndyn", False) is False:
        sys.unraisablehook = _drop_closed_loop_noise(sys.unraisablehook)


def _drop_closed_loop_noise(previous):
    """An ``sys.unraisablehook`` for the command-line process: after a command has reported a damaged
    store and exits, zarr's pending coroutines are collected with their event loop already closed
    and Python prints an "Exception ignored … Event loop is closed" traceback for each. Drop exactly
    those (a ``RuntimeError`` from a closed loop, or raised while finalising a coroutine); hand
    everything else to ``previous``."""
    import inspect

    def hook(unraisable):
        closed_loop = isinstance(unraisable.exc_value, RuntimeError) and "Event loop is closed" in str(
            unraisable.exc_value)
        if closed_loop or inspect.iscoroutine(unraisable.object):
            return
        previous(unraisable)

    hook._learndyn = True
    return hook


@app.command("list")
@_guard
def list_experiments() -> None:
    """Every experiment with a one-line description (learndyn's and every installed family's)."""
    from rich.text import Text

    from .experiments import all_experiments

    errors: list[str] = []
    table = Table(show_header=True, header_style="bold", box=None)
    table.add_column("experiment", no_wrap=True)
    table.add_column("family", no_wrap=True)
    table.add_column("description")
    for name, exp in sorted(all_experiments(errors=errors).items()):
        table.add_row(Text(name), Text(exp.family), Text(exp.description))  # Text: "[h, c]" is not markup
    out_console.print(table)
    for message in errors:
        err_console.print(Text("warning: ", style="yellow") + Text(message))


@app.command("config")
@_guard
def config(
    name: Annotated[str, typer.Argument(help="experiment name or spec .toml file")],
    set_: Annotated[list[str], typer.Option("--set", help="dotted.key=value override")] = [],  # noqa: B006
    schema: Annotated[bool, typer.Option("--json-schema", help="print the JSON schema of the spec instead "
                                                               "(for an editor's completion and checking)")] = False,
) -> None:
    """Print the resolved config as TOML: the keys that apply to this experiment, each with its
    description as a comment (save it, edit it, `learndyn run file.toml`)."""
    import json

    from .config import annotated_toml, json_schema
    from .experiments import resolve_spec

    spec = resolve_spec(name, set_)
    if schema:
        sys.stdout.write(json.dumps(json_schema(type(spec)), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(annotated_toml(spec))


@app.command("run")
@_guard
def run(
    name: Annotated[str, typer.Argument(help="experiment name or spec .toml file")],
    set_: Annotated[list[str], typer.Option("--set", help="dotted.key=value override (repeatable)")] = [],  # noqa: B006
    seeds: Annotated[int | None, typer.Option("--seeds", help="number of seeds (networks per grid point)")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="run directory [default: runs/NAME]")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="continue the run in --out")] = False,
    force: Annotated[bool, typer.Option("--force", help="replace the run in --out")] = False,
    device: Annotated[str, typer.Option("--device", help="cpu | gpu (float32 training where the family has train.precision)")] = "cpu",
) -> None:
    """Train all seeds, integrate the theory, write results.zarr, figures, report.html, summary.json."""
    from .experiments import run as run_experiment
    from .sweep import use_device

    spec, _ = _resolve(name, set_, seeds, device)
    out = out or Path("runs") / spec.experiment
    with use_device(device), _progress("steps") as bar:
        task = bar.add_task(spec.experiment, total=spec.train.steps)
        ds = run_experiment(
            spec, out, resume=resume, force=force,
            progress=lambda step, total: bar.update(task, completed=step, total=total),
            warn=_warn,
        )
        bar.update(task, completed=spec.train.steps)
    _print_headline(ds)
    _print_paths(out)


@app.command("sweep")
@_guard
def sweep(
    name: Annotated[str, typer.Argument(help="experiment name or spec .toml file")],
    grid: Annotated[list[str], typer.Option("--grid", help="key=v1,v2,... sweep coordinate (repeatable)")] = [],  # noqa: B006
    set_: Annotated[list[str], typer.Option("--set", help="dotted.key=value override (repeatable)")] = [],  # noqa: B006
    seeds: Annotated[int | None, typer.Option("--seeds", help="seeds per grid point")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="sweep directory [default: runs/NAME-sweep]")] = None,
    scheduler: Annotated[str, typer.Option("--scheduler", help="local (Dask LocalCluster) | serial | tcp://host:port")] = "local",
    workers: Annotated[int | None, typer.Option("--workers", help="LocalCluster worker processes [default: cores/2]")] = None,
    max_networks: Annotated[int, typer.Option("--max-networks", help="networks per compiled chunk")] = 1024,
    device: Annotated[str, typer.Option("--device", help="cpu | gpu")] = "cpu",
    resume: Annotated[bool, typer.Option("--resume", help="continue the sweep in --out")] = False,
    force: Annotated[bool, typer.Option("--force", help="replace the sweep in --out")] = False,
) -> None:
    """Run a grid of configurations as one result set (vmapped where shapes agree, Dask otherwise)."""
    from .sweep import sweep as run_sweep

    spec, grids = _resolve(name, set_, seeds, device, grid=grid)
    if workers is not None and workers < 1:
        _fail(f"--workers: must be ≥ 1 (got {workers})")
    out = out or Path("runs") / f"{spec.experiment}-sweep"
    with _progress("chunks") as bar:
        task = bar.add_task(f"sweep {spec.experiment}", total=None)
        ds = run_sweep(
            spec, grids, out, max_networks=max_networks, scheduler=scheduler,
            workers=workers, device=device, resume=resume, force=force,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            warn=_warn,
        )
    _print_sweep(ds)
    _print_paths(out)
    failed = int((ds["point_status"] == "failed").sum())
    if failed:  # the sweep went on past them, but the command did not succeed
        err_console.print(f"{failed} of {ds['point_status'].size} grid points failed (listed above); "
                          f"fix the cause and continue with --resume", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1)


def _progress(unit: str) -> Progress:
    """The progress bar of long commands (``unit``: what is counted)."""
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn(unit), TimeElapsedColumn(), TimeRemainingColumn())
    return Progress(*columns, console=err_console, transient=True)  # gone when done: errors stay one line


def _print_paths(out: Path) -> None:
    out_console.print(f"results: {out / 'results.zarr'}")
    out_console.print(f"figures: {out / 'figures'}")
    out_console.print(f"report:  {out / 'report.html'}")


def _resolve(name: str, set_: list[str], seeds: int | None, device: str, grid: list[str] | None = None):
    """Spec (and parsed grids) with the device's defaults: on a GPU, families with a
    ``train.precision`` key train in float32 unless ``--set train.precision=...`` says otherwise."""
    from .config import known_keys
    from .experiments import resolve_spec
    from .sweep import parse_grid

    if seeds is not None and seeds < 1:
        _fail(f"--seeds: must be ≥ 1 (got {seeds})")
    if device not in ("cpu", "gpu"):
        _fail(f"--device: {device!r} is not one of 'cpu', 'gpu'")
    spec = resolve_spec(name, set_, seeds=seeds)
    given = {item.partition("=")[0].strip() for item in set_}
    if (device == "gpu" and "train.precision" not in given
            and "train.precision" in known_keys(type(spec))):
        spec = resolve_spec(name, [*set_, "train.precision=float32"], seeds=seeds)
    return spec, parse_grid(grid or [])


def _print_sweep(ds) -> None:
    status = ds["point_status"]
    done = int((status == "done").sum())
    cols = ["grid key", "dim", "values"]
    rows = [[k, d, ", ".join(str(v) for v in ds[d].values.tolist())] for d, k in ds.attrs["grid_keys"].items()]
    _print_table(f"sweep {ds.attrs.get('experiment')}: {done} of {status.size} grid points done "
                 f"({'complete' if ds.attrs.get('complete') else 'incomplete'})", cols, rows)
    for cid, err in (ds.attrs.get("sweep", {}).get("failed") or {}).items():
        err_console.print(f"failed chunk {cid}: {err}", highlight=False, markup=False, soft_wrap=True)


@app.command("show")
@_guard
def show(path: Annotated[Path, typer.Argument(help="run directory")]) -> None:
    """The headline table of a finished or partial run.

    Exit status: 0 for a complete run or sweep, 3 for a partial one (killed, still running, or a
    sweep with pending or failed points), 2 for a damaged or unreadable store."""
    from .experiments import load_run

    ds = load_run(path)
    if "point_status" in ds:
        _print_sweep(ds)
    else:
        _print_headline(ds)
    if not ds.attrs.get("complete"):
        err_console.print(f"{path}: partial result set (resume it with `learndyn run/sweep ... --resume "
                          f"--out {path}`)", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(PARTIAL)


@app.command("analyze")
@_guard
def analyze(
    path: Annotated[Path, typer.Argument(help="run directory")],
    what: Annotated[list[str], typer.Option("--what", help="spectra | pca | fixed-points | low-rank (repeatable; default: all the run supports)")] = [],  # noqa: B006
    set_: Annotated[list[str], typer.Option("--set", help="analysis setting override, e.g. low_rank.populations=8 (repeatable; analysis sections only)")] = [],  # noqa: B006
) -> None:
    """Spectra, PCA and fixed points of a saved run; writes DIR/analysis/ (the run is untouched)."""
    from .experiments._analyze import analyze as run_analysis
    from .experiments._analyze import headline

    items = [w.strip() for entry in what for w in entry.split(",") if w.strip()]
    with err_console.status("analysing…"):
        _, paths, summary = run_analysis(path, items or None, set_)
    _print_table(f"analysis of {summary.get('experiment')} ({summary.get('analyses')})", *headline(summary))
    out_console.print(f"analysis: {path / 'analysis' / 'analysis.zarr'}")
    out_console.print(f"figures:  {path / 'analysis' / 'figures'} ({len(paths)} files)")


def _print_table(title: str, cols: list[str], rows: list[list[str]]) -> None:
    table = Table(title=title, header_style="bold")
    for c in cols:
        table.add_column(c)
    for r in rows:
        table.add_row(*r)
    out_console.print(table)


def _print_headline(ds) -> None:
    from .experiments import headline

    cols, rows = headline(ds)
    status = "complete" if ds.attrs.get("complete") else (
        f"partial: step {ds.attrs.get('checkpoint_step')} of {ds.attrs.get('total_steps')}")
    _print_table(f"{ds.attrs.get('experiment')} ({status})", cols, rows)
    from rich.text import Text

    from .experiments import family_of

    for line in family_of(ds).notes(ds):
        out_console.print(Text(line))


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
