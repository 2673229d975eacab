"""The integrate family package: config (``schema``), experiment (build, label, theory,
summary, figures), named experiments (``catalog``). Registered through the ``learndyn.families``
entry points like any user package; imports only learndyn's public API."""

from __future__ import annotations

import learndyn

from . import report_text as _text
from .catalog import EXPERIMENTS
from .schema import IntegrateSpec


class IntegrateFamily(learndyn.Family, implementation=".experiment"):
    """Learning to integrate white noise: a linear RNN, its exact and sampled gradient engines, the single-mode and large-N kernel theories (Bordelon, Cotler, Pehlevan & Zavatone-Veth, arXiv 2503.18754; reconstruction)."""

    name = "integrate"
    spec_type = IntegrateSpec
    citation = _text.CITATION
    column_definitions = _text.COLUMNS
    figure_captions = _text.CAPTIONS
    experiments = tuple(e for e in EXPERIMENTS if e.family == "integrate")
    reserved_dims = frozenset(_text.RESERVED)
    label = _text.LABEL
