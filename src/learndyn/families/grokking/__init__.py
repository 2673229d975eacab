"""The grokking family package: config (``schema``), experiment (build, label, theory,
summary, figures), named experiments (``catalog``). Registered through the ``learndyn.families``
entry points like any user package; imports only learndyn's public API."""

from __future__ import annotations

import learndyn

from . import energy as _energy
from . import experiment as _experiment
from . import report_text as _text
from .catalog import EXPERIMENTS
from .schema import EnergySpec
from .schema import GrokkingSpec


class GrokkingFamily(learndyn.Family):
    """Grokking of two-layer networks on group arithmetic (Tian, arXiv 2509.21519): Li2 stages, Fourier features, data-size boundary."""

    name = "grokking"
    spec_type = GrokkingSpec
    citation = _text.CITATION
    column_definitions = _text.COLUMNS
    figure_captions = _text.CAPTIONS
    experiments = tuple(e for e in EXPERIMENTS if e.family == "grokking")
    reserved_dims = frozenset(_experiment._RESERVED)
    label = _experiment.LABEL
    build = staticmethod(_experiment.build)
    to_dataset = staticmethod(_experiment.to_dataset)
    theory_dataset = staticmethod(_experiment.theory_dataset)
    summarize = staticmethod(_experiment.summarize)
    headline_rows = staticmethod(_experiment.headline_rows)
    figures = staticmethod(_experiment.figures)


class EnergyFamily(learndyn.Family):
    """Projected ascent on the Li2 energy E(w) (Tian, arXiv 2509.21519, Theorem 2)."""

    name = "grokking-energy"
    spec_type = EnergySpec
    citation = _text.CITATION
    column_definitions = _text.COLUMNS
    figure_captions = _text.CAPTIONS
    experiments = tuple(e for e in EXPERIMENTS if e.family == "grokking-energy")
    build = staticmethod(_energy.build)
    to_dataset = staticmethod(_energy.to_dataset)
    theory_dataset = staticmethod(_energy.theory_dataset)
    summarize = staticmethod(_energy.summarize)
    headline_rows = staticmethod(_energy.headline_rows)
    figures = staticmethod(_energy.figures)
