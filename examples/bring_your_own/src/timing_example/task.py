r"""Ready-set-go interval timing as data (Jazayeri & Shadlen 2010; a simplified, noiseless form).

Trial with sample interval ``t_s`` (drawn from ``intervals``, in ms): a one-step pulse on input
channel 0 (*ready*) at ``t_r ~ U(0, ready_max)``, a pulse on channel 1 (*set*) at ``t_r + t_s``.
The target output is 0 until *set*, then the ramp ``(t − t_set)/t_s`` that reaches 1 at
``t_go = t_set + t_s``, then 1. Every step is scored (mask 1); the *response* marks the steps
from *set* to *go*.
"""

from __future__ import annotations

import jax.numpy as jnp
import jax.random as jr
import numpy as np

from learndyn.tasks import Batch


class ReadySetGo:
    """The ready-set-go task: ``sample(key, batch) -> learndyn.tasks.Batch`` (learndyn's task
    protocol: ``n_in``, ``n_out``, ``sample``; optional ``conditions`` and ``accuracy``)."""

    n_in = 2
    n_out = 1

    def __init__(self, *, dt: float = 20.0, intervals=(480.0, 640.0, 800.0), ready_max: float = 200.0):
        if dt <= 0 or min(intervals) < 2 * dt:
            raise ValueError(f"intervals ({list(intervals)}) must be at least two steps of dt = {dt}")
        self.dt = float(dt)
        self.intervals = jnp.asarray(np.round(np.asarray(intervals, float) / dt).astype(int))
        self.ready_max = int(round(ready_max / dt))
        self.steps = self.ready_max + 2 * int(self.intervals.max()) + 5

    def sample(self, key, batch: int) -> Batch:
        """``batch`` trials: inputs ``(B, T, 2)``, targets, mask and response ``(B, T, 1)``."""
        ki, kr = jr.split(key)
        ts = self.intervals[jr.randint(ki, (batch,), 0, self.intervals.shape[0])]
        tr = jr.randint(kr, (batch,), 0, self.ready_max + 1)
        t = jnp.arange(self.steps)[None, :]
        tset = (tr + ts)[:, None]
        inputs = jnp.stack([(t == tr[:, None]), (t == tset)], -1).astype(float)
        ramp = jnp.clip((t - tset) / ts[:, None], 0.0, 1.0)
        targets = ramp[..., None]
        mask = jnp.ones_like(targets)
        response = ((t >= tset) & (t <= tset + ts[:, None])).astype(float)[..., None]
        return Batch(inputs, targets, mask, response)

    def conditions(self) -> dict[str, np.ndarray]:
        """Constant inputs under which fixed points are sought: the silence between pulses."""
        return {"wait": np.zeros(self.n_in)}

    def accuracy(self, outputs, batch: Batch):
        """Share of the set-to-go steps whose output is within 0.1 of the ramp."""
        hit = (jnp.abs(outputs - batch.targets) < 0.1).astype(outputs.dtype)
        return jnp.sum(batch.response * hit) / jnp.maximum(jnp.sum(batch.response), 1.0)
