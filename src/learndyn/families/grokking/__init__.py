"""The grokking family package: config (``schema``), experiment (build, label, theory,
summary, figures), named experiments (``catalog``). Registered through the ``learndyn.families``
entry points like any user package; imports only learndyn's public API."""

from __future__ import annotations

import learndyn

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
    reserved_dims = frozenset(_text.RESERVED)
    label = _text.LABEL
    build = learndyn.implemented_in(".experiment:build")
    to_dataset = learndyn.implemented_in(".experiment:to_dataset")
    theory_dataset = learndyn.implemented_in(".experiment:theory_dataset")
    summarize = learndyn.implemented_in(".experiment:summarize")
    headline_rows = learndyn.implemented_in(".experiment:headline_rows")
    figures = learndyn.implemented_in(".experiment:figures")


class EnergyFamily(learndyn.Family):
    """Projected ascent on the Li2 energy E(w) (Tian, arXiv 2509.21519, Theorem 2)."""

    name = "grokking-energy"
    spec_type = EnergySpec
    citation = _text.CITATION
    column_definitions = _text.COLUMNS
    figure_captions = _text.CAPTIONS
    experiments = tuple(e for e in EXPERIMENTS if e.family == "grokking-energy")
    build = learndyn.implemented_in(".energy:build")
    to_dataset = learndyn.implemented_in(".energy:to_dataset")
    theory_dataset = learndyn.implemented_in(".energy:theory_dataset")
    summarize = learndyn.implemented_in(".energy:summarize")
    headline_rows = learndyn.implemented_in(".energy:headline_rows")
    figures = learndyn.implemented_in(".energy:figures")
