"""A user's own learndyn experiment: ready-set-go interval timing learned by a minimal gated unit.

* :class:`ReadySetGo` — the task (data only: inputs, targets, masks), after Jazayeri & Shadlen
  (2010): a *ready* pulse, then a *set* pulse ``t_s`` later; the network must produce a ramp that
  reaches 1 (*go*) another ``t_s`` after *set*.
* :class:`MGU` — a minimal gated unit (Zhou et al. 2016), one forget gate.
* :class:`IntervalTimingFamily` — the experiment family (``learndyn run interval-timing``).
"""

from .family import IntervalTimingFamily as IntervalTimingFamily, TimingSpec as TimingSpec
from .network import MGU as MGU
from .task import ReadySetGo as ReadySetGo
