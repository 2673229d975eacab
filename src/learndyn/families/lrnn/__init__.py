"""The lrnn family package: config (``schema``), experiment (build, label, theory,
summary, figures), named experiments (``catalog``). Registered through the ``learndyn.families``
entry points like any user package; imports only learndyn's public API."""

from __future__ import annotations

import learndyn

from . import report_text as _text
from .catalog import EXPERIMENTS
from .schema import LRNNSpec


class LRNNFamily(learndyn.Family, implementation=".experiment"):
    """Learning dynamics of linear RNNs: mode ODEs, temporal order, phase transition, extrapolation, NTK (Proca, Dominé, Shanahan & Mediano, ICML 2025)."""

    name = "lrnn"
    spec_type = LRNNSpec
    citation = _text.CITATION
    column_definitions = _text.COLUMNS
    figure_captions = _text.CAPTIONS
    experiments = tuple(e for e in EXPERIMENTS if e.family == "lrnn")
    reserved_dims = frozenset(_text.RESERVED)
    label = _text.LABEL
