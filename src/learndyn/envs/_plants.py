r"""Linear plants ``x_{t+1} = clip(A x_t + B u_t + w_t)`` (Ger & Barak 2025; docs/closed_loop.md).

A plant is data (an equinox module of arrays); :func:`plant_step` is one pure step, rolled out
together with the controller inside ``lax.scan`` and differentiated through (BPTT through the
plant, "analytic policy gradient").
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._types import Array, Float, PRNGKeyArray


class LinearPlant(eqx.Module):
    r"""``x_{t+1} = clip(A x_t + B u_t + w_t, −bound, bound)``, ``y_t = C x_t``.

    Attributes:
        a_mat: ``(k, k)`` state matrix A.
        b_mat: ``(k, p)`` control matrix B.
        c_obs: ``(q, k)`` observation matrix C.
        noise: process-noise scale σ_w; ``w_t ~ N(0, σ_w² dt I)``, drawn only when σ_w > 0.
        dt: time step.
        bound: state clamp (``inf`` for none).
    """

    a_mat: Float[Array, "k k"]
    b_mat: Float[Array, "k p"]
    c_obs: Float[Array, "q k"]
    noise: float = eqx.field(static=True, default=0.0)
    dt: float = eqx.field(static=True, default=1.0)
    bound: float = eqx.field(static=True, default=float("inf"))

    @property
    def state_dim(self) -> int:
        return int(self.a_mat.shape[0])

    @property
    def control_dim(self) -> int:
        return int(self.b_mat.shape[1])


def k_integrator(k: int = 2, dt: float = 1.0, noise: float = 0.0) -> LinearPlant:
    r"""The k-integrator: ``A = I + dt·superdiag(1)``, dt in the last row of B, ``C = e_1ᵀ`` (§1.1).

    ``k = 2`` is the double integrator ``pos' = pos + dt vel``, ``vel' = vel + dt u`` observed
    through its position only.
    """
    if k < 1:
        raise ValueError(f"`k` must be ≥ 1, got {k}")
    a = np.eye(k) + dt * np.eye(k, k=1)
    b = np.zeros((k, 1))
    b[-1, 0] = dt
    c = np.zeros((1, k))
    c[0, 0] = 1.0
    return LinearPlant(jnp.asarray(a), jnp.asarray(b), jnp.asarray(c), noise=noise, dt=dt)


def tracking_plant(dt: float = 0.1, bound: float = 10.0) -> LinearPlant:
    r"""Two double integrators, state ``(x, vx, y, vy)``, controls ``(ax, ay)``, clamped (§1.2).

    The observation ``C`` returns the positions ``(x, y)``.
    """
    blk = np.array([[1.0, dt], [0.0, 1.0]])
    a = np.zeros((4, 4))
    a[:2, :2], a[2:, 2:] = blk, blk
    b = np.zeros((4, 2))
    b[1, 0], b[3, 1] = dt, dt
    c = np.zeros((2, 4))
    c[0, 0], c[1, 2] = 1.0, 1.0
    return LinearPlant(jnp.asarray(a), jnp.asarray(b), jnp.asarray(c), dt=dt, bound=bound)


def plant_step(
    plant: LinearPlant, x: Float[Array, "... k"], u: Float[Array, "... p"], key: PRNGKeyArray | None = None
) -> Float[Array, "... k"]:
    """One plant step for a state ``x`` (any leading batch axes) and control ``u``."""
    new = x @ plant.a_mat.T.astype(x.dtype) + u @ plant.b_mat.T.astype(x.dtype)
    if plant.noise > 0:
        if key is None:
            raise ValueError("`key` is required when the plant has process noise")
        new = new + plant.noise * jnp.sqrt(plant.dt) * jax.random.normal(key, new.shape, new.dtype)
    if np.isfinite(plant.bound):
        new = jnp.clip(new, -plant.bound, plant.bound)
    return new
