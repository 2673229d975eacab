"""The generic experiment layer: the family registry, the runner and ``learndyn analyze``.

Names are imported on first use (PEP 562): listing and validating experiments (the registry)
does not import the runner's numerics.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_LAZY = {
    **{name: "._registry" for name in ("ENTRY_POINT_GROUP", "default_data", "default_spec", "all_experiments",
                                       "all_families", "family_of", "get_family", "register_experiment",
                                       "register_family", "resolve_spec", "validate_spec")},
    **{name: "._runner" for name in ("PhaseResult", "headline", "load_run", "run", "scheduled", "summary_dict")},
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAZY])


if TYPE_CHECKING:
    from ._registry import (  # noqa: F401
        ENTRY_POINT_GROUP, all_experiments, all_families, default_data, default_spec, family_of, get_family,
        register_experiment, register_family, resolve_spec, validate_spec,
    )
    from ._runner import PhaseResult, headline, load_run, run, scheduled, summary_dict  # noqa: F401
