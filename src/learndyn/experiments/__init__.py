"""The generic experiment layer: the family registry, the runner and ``learndyn analyze``.

Names are imported on first use (PEP 562): listing and validating experiments (the registry)
does not import the runner's numerics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

_LAZY = {
    **{name: "._registry" for name in ("ENTRY_POINT_GROUP", "default_data", "default_spec", "all_experiments",
                                       "all_families", "family_of", "get_family", "register_experiment",
                                       "register_family", "resolve_spec", "validate_spec")},
    **{name: "._runner" for name in ("PhaseResult", "headline", "load_run", "run", "scheduled", "summary_dict")},
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())


if TYPE_CHECKING:
    from ._registry import (  # noqa: F401
        ENTRY_POINT_GROUP, all_experiments, all_families, default_data, default_spec, family_of, get_family,
        register_experiment, register_family, resolve_spec, validate_spec,
    )
    from ._runner import PhaseResult, headline, load_run, run, scheduled, summary_dict  # noqa: F401
