"""A user's own learndyn experiment: ready-set-go interval timing learned by a minimal gated unit.

* :class:`ReadySetGo` — the task (data only: inputs, targets, masks), after Jazayeri & Shadlen
  (2010): a *ready* pulse, then a *set* pulse ``t_s`` later; the network must produce a ramp that
  reaches 1 (*go*) another ``t_s`` after *set*.
* :class:`MGU` — a minimal gated unit (Zhou et al. 2016), one forget gate.
* :class:`IntervalTimingFamily` — the experiment family (``learndyn run interval-timing``).

Names are imported on first use, so finding the family (``learndyn list``) does not import JAX.
"""

import importlib

_LAZY = {"IntervalTimingFamily": ".family", "TimingSpec": ".spec", "MGU": ".network", "ReadySetGo": ".task"}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
