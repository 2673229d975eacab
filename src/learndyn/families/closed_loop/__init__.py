"""The closed-loop family package: config (``schema``), experiment (build, label, theory,
summary, figures), named experiments (``catalog``). Registered through the ``learndyn.families``
entry points like any user package; imports only learndyn's public API."""

from __future__ import annotations

import learndyn

from . import report_text as _text
from .catalog import EXPERIMENTS
from .schema import ClosedLoopSpec
from .schema import SurrogateSpec


class ClosedLoopFamily(learndyn.Family):
    """Closed- vs open-loop learning of an RNN controller (Ger & Barak, arXiv 2505.13567): plants, rank-1 theory in four overlaps, effective gains, tracking."""

    name = "closed-loop"
    spec_type = ClosedLoopSpec
    citation = _text.CITATION
    column_definitions = _text.COLUMNS
    figure_captions = _text.CAPTIONS
    experiments = tuple(e for e in EXPERIMENTS if e.family == "closed-loop")
    reserved_dims = frozenset(_text.RESERVED)
    label = _text.LABEL
    build = learndyn.implemented_in(".experiment:build")
    to_dataset = learndyn.implemented_in(".experiment:to_dataset")
    phases = learndyn.implemented_in(".experiment:phases")
    theory_dataset = learndyn.implemented_in(".experiment:theory_dataset")
    recurrent_weights = learndyn.implemented_in(".experiment:recurrent_weights")
    summarize = learndyn.implemented_in(".experiment:summarize")
    headline_rows = learndyn.implemented_in(".experiment:headline_rows")
    figures = learndyn.implemented_in(".experiment:figures")


class SurrogateFamily(learndyn.Family):
    """Gradient descent on the surrogate loss L_α over the four overlaps of the rank-1 closed-loop theory (Ger & Barak, Fig. 4d)."""

    name = "closed-loop-surrogate"
    spec_type = SurrogateSpec
    citation = _text.CITATION
    column_definitions = _text.SURROGATE_COLUMNS
    figure_captions = _text.CAPTIONS
    experiments = tuple(e for e in EXPERIMENTS if e.family == "closed-loop-surrogate")
    label = _text.SURROGATE_LABEL
    build = learndyn.implemented_in(".surrogate:build")
    to_dataset = learndyn.implemented_in(".surrogate:to_dataset")
    theory_dataset = learndyn.implemented_in(".surrogate:theory_dataset")
    summarize = learndyn.implemented_in(".surrogate:summarize")
    headline_rows = learndyn.implemented_in(".surrogate:headline_rows")
    figures = learndyn.implemented_in(".surrogate:figures")
