"""Regenerate docs/figures/tasks/trials.png: one trial of each task at the registered defaults.

    .venv/bin/python docs/figures/tasks/make_gallery.py
"""

from pathlib import Path

import jax.random as jr

from learndyn.experiments import resolve_spec
from learndyn.plots import save_figure
from learndyn.plots.task_rnn import task_gallery
from learndyn.tasks import make_batch

names = ["accumulate", "delay-match", "context-integrate", "multisensory-decision", "flip-flop"]
specs = {n: resolve_spec(n).task for n in names}
batches = {n: make_batch(jr.key(3), s.model_copy(update={"batch": 1})) for n, s in specs.items()}
fig = task_gallery(batches, dt={n: s.dt for n, s in specs.items()})
print(save_figure(fig, Path(__file__).with_name("trials.png")))
