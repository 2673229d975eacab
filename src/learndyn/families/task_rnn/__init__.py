"""The task-rnn family package: config (``schema``), experiment (build, label, theory,
summary, figures), named experiments (``catalog``). Registered through the ``learndyn.families``
entry points like any user package; imports only learndyn's public API."""

from __future__ import annotations

import learndyn

from . import report_text as _text
from .catalog import EXPERIMENTS
from .schema import TaskRNNSpec


class TaskRNNFamily(learndyn.Family, implementation=".experiment"):
    """Recurrent networks trained on cognitive tasks (accumulate, delay match, context integration, flip-flop), with fixed points and PCA."""

    name = "task-rnn"
    spec_type = TaskRNNSpec
    citation = _text.CITATION
    column_definitions = _text.COLUMNS
    figure_captions = _text.CAPTIONS
    experiments = tuple(e for e in EXPERIMENTS if e.family == "task-rnn")
    reserved_dims = frozenset(_text.RESERVED)
    analysis_sections = ("fixed_points", "low_rank")
    label = _text.LABEL
