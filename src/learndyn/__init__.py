"""learndyn: learning dynamics of recurrent networks — simulation and theory side by side.

Importing learndyn turns on float64 in JAX (``jax_enable_x64``): every comparison with theory
needs it (science/integrate.md §6 "Float32").
"""

from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)

__version__ = "0.1.0"

from .config import IntegrateSpec as IntegrateSpec  # noqa: E402
from .experiments import (  # noqa: E402
    REGISTRY as REGISTRY,
    default_spec as default_spec,
    load_run as load_run,
    resolve_spec as resolve_spec,
)
from .experiments import run as _run  # noqa: E402


def run(spec, out=None, **kwargs):
    """Run an experiment (a spec object or a registered name) and return its ``xarray.Dataset``.

    Mirrors ``learndyn run``; see :func:`learndyn.experiments.run` for the keyword arguments.
    """
    if isinstance(spec, str):
        spec = resolve_spec(spec)
    return _run(spec, out, **kwargs)
