"""The grokking family package: config (``schema``), experiment (build, label, theory,
summary, figures), named experiments (``catalog``). Registered through the ``learndyn.families``
entry points like any user package; imports only learndyn's public API."""

from __future__ import annotations

import learndyn

from . import report_text as _text
from .catalog import EXPERIMENTS
from .schema import EnergySpec
from .schema import GrokkingSpec


class GrokkingFamily(learndyn.Family, implementation=".experiment"):
    """Grokking of two-layer networks on group arithmetic (Tian, arXiv 2509.21519): Li2 stages, Fourier features, data-size boundary."""

    name = "grokking"
    spec_type = GrokkingSpec
    citation = _text.CITATION
    column_definitions = _text.COLUMNS
    figure_captions = _text.CAPTIONS
    experiments = tuple(e for e in EXPERIMENTS if e.family == "grokking")
    reserved_dims = frozenset(_text.RESERVED)
    label = _text.LABEL


class EnergyFamily(learndyn.Family, implementation=".energy"):
    """Projected ascent on the Li2 energy E(w) (Tian, arXiv 2509.21519, Theorem 2)."""

    name = "grokking-energy"
    spec_type = EnergySpec
    citation = _text.CITATION
    column_definitions = _text.COLUMNS
    figure_captions = _text.CAPTIONS
    experiments = tuple(e for e in EXPERIMENTS if e.family == "grokking-energy")
