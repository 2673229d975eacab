"""learndyn: learning dynamics of recurrent networks — simulation and theory side by side.

The public API: :func:`run`, :func:`resolve_spec`, :func:`load_run`, :func:`analyze`, and for your
own experiments :class:`Family`, :class:`Built`, :class:`Experiment`, :func:`register_family`,
:func:`register_experiment`. Importing learndyn changes no global setting: float64 is switched on
only inside learndyn's own computations (:func:`float64`).
"""

from __future__ import annotations

__version__ = "0.1.0"

from .experiments import (
    default_spec as default_spec,
    all_experiments as all_experiments,
    all_families as all_families,
    get_family as get_family,
    load_run as load_run,
    register_experiment as register_experiment,
    register_family as register_family,
    resolve_spec as resolve_spec,
)
from .experiments import run as _run
from .family import (
    Built as Built,
    Experiment as Experiment,
    Family as Family,
    grid_labels as grid_labels,
    isolated as isolated,
    IsolatedFailure as IsolatedFailure,
    network_rows as network_rows,
    per_network as per_network,
    stack_networks as stack_networks,
)
from .numerics import float64 as float64


def run(spec, out=None, **kwargs):
    """Run an experiment (a spec object or a registered name) and return its ``xarray.Dataset``.

    Mirrors ``learndyn run``; see :func:`learndyn.experiments.run` for the keyword arguments.
    """
    if isinstance(spec, str):
        spec = resolve_spec(spec)
    return _run(spec, out, **kwargs)


def analyze(ds_or_path, what: list[str] | None = None):
    """Spectra, PCA of the learning trajectory and fixed points of a saved run, whichever family
    made it (``learndyn analyze``). ``ds_or_path``: a run directory, or a result set returned by
    :func:`run` with ``out`` (its directory is read). Returns ``(analysis dataset, figure paths,
    summary)``; writes ``DIR/analysis/``."""
    from .experiments._analyze import analyze as _analyze
    from .experiments._runner import RUN_DIR

    path = ds_or_path.encoding.get(RUN_DIR) if hasattr(ds_or_path, "encoding") else ds_or_path
    if path is None:
        raise ValueError("analyze: this result set was not written to a run directory (run it with `out`)")
    return _analyze(path, what)
