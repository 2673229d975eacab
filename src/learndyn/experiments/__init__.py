"""Experiment registry and the runner."""

from ._registry import (
    REGISTRY as REGISTRY,
    Experiment as Experiment,
    default_spec as default_spec,
    register as register,
    resolve_spec as resolve_spec,
)
from ._runner import (
    FAMILIES as FAMILIES,
    headline as headline,
    load_run as load_run,
    run as run,
    summary_dict as summary_dict,
)
