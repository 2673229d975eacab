r"""Multi-frequency reference signals for the 2-D tracking task (science/closed_loop.md §1.2).

``r_x(t) = ramp(t)·Σ_k a cos(2π f_k t + φ_k)`` (same form for ``r_y``), ``φ ~ U(−π, π)`` per
episode and component, ``ramp = clip(t / t_ramp, 0, 1)`` (reference code; learndyn makes the
frequencies, amplitude and ramp config fields).
"""

from __future__ import annotations

from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._types import Array, Float, PRNGKeyArray


class TrackingReference(eqx.Module):
    """Reference generator settings (static numbers, no arrays)."""

    freqs_x: tuple[float, ...] = eqx.field(static=True, default=(0.1, 0.3))
    freqs_y: tuple[float, ...] = eqx.field(static=True, default=(0.2, 0.4))
    amplitude: float = eqx.field(static=True, default=2.31)
    ramp: float = eqx.field(static=True, default=1.0)
    dt: float = eqx.field(static=True, default=0.1)
    steps: int = eqx.field(static=True, default=300)

    @property
    def times(self) -> np.ndarray:
        return np.arange(self.steps) * self.dt

    @property
    def omegas(self) -> np.ndarray:
        """Angular frequencies of all components in increasing order (rad/s)."""
        return 2 * np.pi * np.sort(np.asarray(self.freqs_x + self.freqs_y))


def _ramp(times: np.ndarray, ramp: float) -> np.ndarray:
    return np.clip(times / ramp, 0.0, 1.0) if ramp > 0 else np.ones_like(times)


def tracking_reference(key: PRNGKeyArray, ref: TrackingReference, batch: int) -> Float[Array, "batch T 2"]:
    """A batch of random-phase references ``(r_x, r_y)`` on the grid ``t_i = i·dt``."""
    t = jnp.asarray(ref.times)
    ramp = jnp.asarray(_ramp(ref.times, ref.ramp))
    kx, ky = jax.random.split(key)

    def axis(k, freqs: Sequence[float]):
        if not freqs:
            return jnp.zeros((batch, t.size))
        phases = jax.random.uniform(k, (batch, len(freqs)), minval=-jnp.pi, maxval=jnp.pi)
        f = jnp.asarray(freqs)
        waves = jnp.cos(2 * jnp.pi * f[None, :, None] * t[None, None, :] + phases[..., None])
        return ramp * ref.amplitude * waves.sum(axis=1)

    return jnp.stack([axis(kx, ref.freqs_x), axis(ky, ref.freqs_y)], axis=-1)


def probe_reference(ref: TrackingReference) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Single-frequency probes, one per component, in increasing frequency (§1.2).

    Returns:
        ``references (probes, T, 2)`` (amplitude ``a``, zero phase, ramped, other axis 0),
        ``axis (probes,)`` (0 = x, 1 = y) and ``omega (probes,)`` in rad/s.
    """
    comps = [(f, 0) for f in ref.freqs_x] + [(f, 1) for f in ref.freqs_y]
    comps.sort()
    t = ref.times
    ramp = _ramp(t, ref.ramp)
    out = np.zeros((len(comps), t.size, 2))
    for i, (f, ax) in enumerate(comps):
        out[i, :, ax] = ramp * ref.amplitude * np.cos(2 * np.pi * f * t)
    return out, np.array([ax for _, ax in comps]), 2 * np.pi * np.array([f for f, _ in comps])
