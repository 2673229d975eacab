r"""Multi-frequency reference signals for the 2-D tracking task (Ger & Barak 2025; docs/closed_loop.md).

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


def reference_basis(ref: TrackingReference) -> np.ndarray:
    r"""The ``2K`` signals every reference is a combination of: ``(J = 2K, T, 2)``.

    ``a cos(2π f t + φ) = cos φ · a cos(2π f t) − sin φ · a sin(2π f t)``, so for each component
    (x-axis ones first, then y) the ramped ``a cos(2π f t)`` and ``a sin(2π f t)`` on its axis.
    """
    t = ref.times
    ramp = _ramp(t, ref.ramp)
    comps = [(f, 0) for f in ref.freqs_x] + [(f, 1) for f in ref.freqs_y]
    out = np.zeros((2 * len(comps), t.size, 2))
    for i, (f, ax) in enumerate(comps):
        out[2 * i, :, ax] = ramp * ref.amplitude * np.cos(2 * np.pi * f * t)
        out[2 * i + 1, :, ax] = ramp * ref.amplitude * np.sin(2 * np.pi * f * t)
    return out


def reference_coefficients(key: PRNGKeyArray, ref: TrackingReference, batch: int) -> Float[Array, "batch J"]:
    """Random phases ``φ ~ U(−π, π)`` per episode and component as weights ``(cos φ, −sin φ)`` of
    :func:`reference_basis`."""
    kx, ky = jax.random.split(key)
    phases = [jax.random.uniform(k, (batch, len(f)), minval=-jnp.pi, maxval=jnp.pi)
              for k, f in ((kx, ref.freqs_x), (ky, ref.freqs_y)) if f]
    phi = jnp.concatenate(phases, axis=-1) if phases else jnp.zeros((batch, 0))
    return jnp.stack([jnp.cos(phi), -jnp.sin(phi)], axis=-1).reshape(batch, -1)


def tracking_reference(key: PRNGKeyArray, ref: TrackingReference, batch: int) -> Float[Array, "batch T 2"]:
    """A batch of random-phase references ``(r_x, r_y)`` on the grid ``t_i = i·dt``."""
    coef = reference_coefficients(key, ref, batch)
    return jnp.einsum("bj,jta->bta", coef, jnp.asarray(reference_basis(ref), coef.dtype))


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
