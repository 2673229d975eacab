"""learndyn: learning dynamics of recurrent networks — simulation and theory side by side.

The public API: :func:`run`, :func:`resolve_spec`, :func:`load_run`, :func:`analyze`, and for your
own experiments :class:`Family`, :class:`Built`, :class:`Experiment`, :func:`register_family`,
:func:`register_experiment`. Importing learndyn changes no global setting: float64 is switched on
only inside learndyn's own computations (:func:`float64`).
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING

from ._lazy import lazy_names

# The public names, imported on first use (PEP 562): `import learndyn` — and so `learndyn --help` —
# does not pay for JAX until something needs it.
_LAZY = {
    **{name: ".experiments" for name in ("default_spec", "all_experiments", "all_families", "get_family",
                                         "load_run", "register_experiment", "register_family",
                                         "resolve_spec")},
    **{name: ".family" for name in ("Built", "Experiment", "Family", "grid_labels", "implemented_in", "isolated",
                                    "IsolatedFailure", "network_rows", "per_network", "stack_networks")},
    "float64": ".numerics",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())


if TYPE_CHECKING:  # for type checkers and editors: the same names, eagerly
    from .experiments import (  # noqa: F401
        all_experiments, all_families, default_spec, get_family, load_run, register_experiment,
        register_family, resolve_spec,
    )
    from .family import (  # noqa: F401
        Built, Experiment, Family, IsolatedFailure, grid_labels, implemented_in, isolated, network_rows,
        per_network, stack_networks,
    )
    from .numerics import float64  # noqa: F401


def run(spec, out=None, **kwargs):
    """Run an experiment (a spec object or a registered name) and return its ``xarray.Dataset``.

    Mirrors ``learndyn run``; see :func:`learndyn.experiments.run` for the keyword arguments.
    """
    from .experiments import resolve_spec
    from .experiments import run as _run

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
