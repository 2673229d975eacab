"""The closed-loop family package: config (``schema``), experiment (build, label, theory,
summary, figures), named experiments (``catalog``). Registered through the ``learndyn.families``
entry points like any user package; imports only learndyn's public API."""

from __future__ import annotations

import learndyn

from . import report_text as _text
from .catalog import EXPERIMENTS
from .schema import ClosedLoopSpec
from .schema import SurrogateSpec


class ClosedLoopFamily(learndyn.Family, implementation=".experiment"):
    """Closed- vs open-loop learning of an RNN controller (Ger & Barak, arXiv 2505.13567): plants, rank-1 theory in four overlaps, effective gains, tracking."""

    name = "closed-loop"
    spec_type = ClosedLoopSpec
    citation = _text.CITATION
    column_definitions = _text.COLUMNS
    figure_captions = _text.CAPTIONS
    experiments = tuple(e for e in EXPERIMENTS if e.family == "closed-loop")
    reserved_dims = frozenset(_text.RESERVED)
    label = _text.LABEL


class SurrogateFamily(learndyn.Family, implementation=".surrogate"):
    """Gradient descent on the surrogate loss L_α over the four overlaps of the rank-1 closed-loop theory (Ger & Barak, Fig. 4d)."""

    name = "closed-loop-surrogate"
    spec_type = SurrogateSpec
    citation = _text.CITATION
    column_definitions = _text.SURROGATE_COLUMNS
    figure_captions = _text.CAPTIONS
    experiments = tuple(e for e in EXPERIMENTS if e.family == "closed-loop-surrogate")
    label = _text.SURROGATE_LABEL
