"""The generic experiment layer: the family registry, the runner and ``learndyn analyze``."""

from ._registry import (
    ENTRY_POINT_GROUP as ENTRY_POINT_GROUP,
    default_data as default_data,
    default_spec as default_spec,
    all_experiments as all_experiments,
    all_families as all_families,
    family_of as family_of,
    get_family as get_family,
    register_experiment as register_experiment,
    register_family as register_family,
    resolve_spec as resolve_spec,
    validate_spec as validate_spec,
)
from ._runner import (
    PhaseResult as PhaseResult,
    headline as headline,
    load_run as load_run,
    run as run,
    scheduled as scheduled,
    summary_dict as summary_dict,
)
