"""The closed-loop family package: config (``schema``), experiment (build, label, theory,
summary, figures), named experiments (``catalog``). Registered through the ``learndyn.families``
entry points like any user package; imports only learndyn's public API."""

from __future__ import annotations

import learndyn

from . import experiment as _experiment
from . import report_text as _text
from . import surrogate as _surrogate
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
    reserved_dims = frozenset(_experiment._RESERVED)
    label = _experiment.LABEL
    build = staticmethod(_experiment.build)
    to_dataset = staticmethod(_experiment.to_dataset)
    phases = staticmethod(_experiment.phases)
    theory_dataset = staticmethod(_experiment.theory_dataset)
    recurrent_weights = staticmethod(_experiment.recurrent_weights)
    summarize = staticmethod(_experiment.summarize)
    headline_rows = staticmethod(_experiment.headline_rows)
    figures = staticmethod(_experiment.figures)


class SurrogateFamily(learndyn.Family):
    """Gradient descent on the surrogate loss L_α over the four overlaps of the rank-1 closed-loop theory (Ger & Barak, Fig. 4d)."""

    name = "closed-loop-surrogate"
    spec_type = SurrogateSpec
    citation = _text.CITATION
    column_definitions = _text.SURROGATE_COLUMNS
    figure_captions = _text.CAPTIONS
    experiments = tuple(e for e in EXPERIMENTS if e.family == "closed-loop-surrogate")
    label = _surrogate.LABEL
    build = staticmethod(_surrogate.build)
    to_dataset = staticmethod(_surrogate.to_dataset)
    theory_dataset = staticmethod(_surrogate.theory_dataset)
    summarize = staticmethod(_surrogate.summarize)
    headline_rows = staticmethod(_surrogate.headline_rows)
    figures = staticmethod(_surrogate.figures)
