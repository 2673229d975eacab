"""The dmft family package: config (``schema``), experiment (build, label, theory,
summary, figures), named experiments (``catalog``). Registered through the ``learndyn.families``
entry points like any user package; imports only learndyn's public API."""

from __future__ import annotations

import learndyn

from . import report_text as _text
from .catalog import EXPERIMENTS
from .schema import DMFTSpec


class DMFTFamily(learndyn.Family, implementation=".experiment"):
    """Random rate networks against dynamical mean-field theory, and rank one + random bulk against its mean field."""

    name = "dmft-random"
    spec_type = DMFTSpec
    citation = _text.CITATION
    column_definitions = _text.COLUMNS
    figure_captions = _text.CAPTIONS
    experiments = tuple(e for e in EXPERIMENTS if e.family == "dmft-random")
    reserved_dims = frozenset(_text.RESERVED)
    label = _text.LABEL
