r"""Fixed and slow points of a dynamical system, in two stages (Sussillo & Barak 2013; Golub & Sussillo 2018).

For a continuous-time system ``ẋ = f(x)`` the residual is ``g(x) = f(x)``; for a map
``x ↦ F(x)`` it is ``g(x) = F(x) − x``. The speed is

.. math::  q(x) = \tfrac12 \lVert g(x) \rVert^2 .

1. **Slow-point stage** (optax Adam on ``q``, every initial state at once): finds minima of ``q``,
   true fixed points (``q = 0``) and slow points (small ``q > 0``, e.g. along an approximate line
   attractor). Adam alone stalls around ``q ≈ 1e-10`` (learndyn's measurement).
2. **Newton polish** (optimistix ``Newton`` root find on ``g``) from each stage-1 minimum: a true
   fixed point converges quadratically to ``q`` near machine precision (``< 1e-20`` in float64);
   where Newton fails or does not lower ``q``, the stage-1 point is kept as a slow point.

Then points are de-duplicated, the Jacobian ``J = ∂g/∂x`` (continuous) or ``∂F/∂x`` (discrete)
is eigen-decomposed on the host, and each point is classified: stable when every eigenvalue has
``Re λ < 0`` (continuous) or ``|λ| < 1`` (discrete); otherwise the number of unstable directions
is recorded (1: a saddle of index 1). Learndyn formulation of the standard method.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
import optimistix as optx

from .._types import Array, Float, PRNGKeyArray

TimeKind = Literal["continuous", "discrete"]


@dataclass(frozen=True)
class FixedPoints:
    """Fixed and slow points of one system (NumPy, host side).

    Attributes:
        x: ``(k, s)`` points, sorted by ``q``.
        q: ``(k,)`` speeds ``½‖g(x)‖²``.
        fixed: ``(k,)`` ``q < fixed_tol`` (a fixed point), else a slow point.
        eigenvalues: ``(k, s)`` Jacobian eigenvalues, least stable first.
        stable: ``(k,)`` all eigenvalues in the stable region.
        n_unstable: ``(k,)`` number of unstable eigenvalues.
        unstable_direction: ``(k, s)`` real part of the least stable eigenvector (unit norm).
        time: ``"continuous"`` or ``"discrete"``.
    """

    x: np.ndarray
    q: np.ndarray
    fixed: np.ndarray
    eigenvalues: np.ndarray
    stable: np.ndarray
    n_unstable: np.ndarray
    unstable_direction: np.ndarray
    time: str

    def __len__(self) -> int:
        return int(self.q.shape[0])

    def select(self, keep: np.ndarray) -> FixedPoints:
        """The subset ``keep`` (boolean or index array)."""
        return FixedPoints(self.x[keep], self.q[keep], self.fixed[keep], self.eigenvalues[keep],
                           self.stable[keep], self.n_unstable[keep], self.unstable_direction[keep], self.time)


def _residual(fn, time: TimeKind):
    if time == "continuous":
        return fn
    return lambda params, x: fn(params, x) - x


# ``fn`` is a static argument: pass a module-level function (not a fresh lambda) so that one
# compilation serves every network and condition.
@partial(jax.jit, static_argnames=("fn", "time", "steps"))
def _minimise(fn, params, x, lr, *, time: TimeKind, steps: int):
    g = _residual(fn, time)
    speed = jax.vmap(lambda y: 0.5 * jnp.sum(g(params, y) ** 2))
    opt = optax.adam(lr)

    def body(_, carry):
        x, state = carry
        grad = jax.grad(lambda y: jnp.sum(speed(y)))(x)
        upd, state = opt.update(grad, state, x)
        return optax.apply_updates(x, upd), state

    x, _ = jax.lax.fori_loop(0, steps, body, (x, opt.init(x)))
    return x, speed(x)


def minimise_speed(
    fn: Callable[[Any, Array], Array], params: Any, x0: Float[Array, "p s"], *, time: TimeKind = "continuous",
    steps: int = 2000, lr: float = 1e-2,
) -> tuple[Float[Array, "p s"], Float[Array, " p"]]:
    """Stage 1: Adam on ``q(x) = ½‖g(x)‖²`` from every row of ``x0`` (independently, vmapped)."""
    return _minimise(fn, params, jnp.asarray(x0), lr, time=time, steps=steps)


@partial(jax.jit, static_argnames=("fn", "time", "max_steps"))
def _newton(fn, params, x, *, time: TimeKind, max_steps: int):
    g = _residual(fn, time)
    solver = optx.Newton(rtol=1e-14, atol=1e-14)

    def one(x0):
        sol = optx.root_find(lambda y, _: g(params, y), solver, x0, max_steps=max_steps, throw=False)
        y = sol.value
        q = 0.5 * jnp.sum(g(params, y) ** 2)
        return y, jnp.where(jnp.isfinite(q), q, jnp.inf)

    return jax.vmap(one)(x)


def newton_polish(
    fn: Callable[[Any, Array], Array], params: Any, x: Float[Array, "p s"], *, time: TimeKind = "continuous",
    max_steps: int = 100,
) -> tuple[Float[Array, "p s"], Float[Array, " p"]]:
    """Stage 2: optimistix Newton root find on ``g`` from each row of ``x`` (``throw=False``)."""
    return _newton(fn, params, jnp.asarray(x), time=time, max_steps=max_steps)


@partial(jax.jit, static_argnames=("fn",))
def _jacobians(fn, params, x):
    return jax.vmap(jax.jacfwd(lambda y: fn(params, y)))(x)


def deduplicate(x: np.ndarray, q: np.ndarray, tol: float) -> np.ndarray:
    """Indices of distinct points, best ``q`` first: a point is dropped when it lies within
    ``tol · max(1, ‖x‖)`` of a point already kept."""
    order = np.argsort(q)
    kept: list[int] = []
    for i in order:
        if not np.isfinite(q[i]):
            continue
        scale = tol * max(1.0, float(np.linalg.norm(x[i])))
        if all(np.linalg.norm(x[i] - x[j]) > scale for j in kept):
            kept.append(int(i))
    return np.asarray(kept, dtype=int)


def classify(
    fn: Callable[[Any, Array], Array], params: Any, x: np.ndarray, *, time: TimeKind = "continuous",
    tol: float = 1e-9,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Jacobian eigenvalues (least stable first), stability, number of unstable directions and the
    least stable eigenvector's real part at each row of ``x``."""
    if len(x) == 0:
        s = x.shape[-1]
        return np.zeros((0, s), complex), np.zeros(0, bool), np.zeros(0, int), np.zeros((0, s))
    jac = np.asarray(_jacobians(fn, params, jnp.asarray(x)))
    lam, vec = np.linalg.eig(jac)
    growth = lam.real if time == "continuous" else np.abs(lam) - 1.0
    order = np.argsort(-growth, axis=1)
    lam = np.take_along_axis(lam, order, 1)
    growth = np.take_along_axis(growth, order, 1)
    lead = np.take_along_axis(vec, order[:, None, :], 2)[:, :, 0].real
    lead = lead / np.maximum(np.linalg.norm(lead, axis=1, keepdims=True), 1e-300)
    n_unstable = np.sum(growth > tol, axis=1)
    return lam, n_unstable == 0, n_unstable, lead


def find_fixed_points(
    fn: Callable[[Any, Array], Array], params: Any, x0: Float[Array, "p s"], *, time: TimeKind = "continuous",
    opt_steps: int = 2000, lr: float = 1e-2, fixed_tol: float = 1e-20, slow_fraction: float = 1e-3,
    dedupe_tol: float = 1e-6, slow_dedupe_tol: float = 1e-2, newton_steps: int = 100,
) -> FixedPoints:
    r"""Fixed points (``q < fixed_tol`` after Newton) and slow points
    (``q < slow_fraction · median q(x0)``: slower than the trajectories they started on by that
    factor) of ``fn(params, ·)`` from the initial states ``x0``.

    Args:
        fn: ``fn(params, x)``: the velocity ``f`` (``time="continuous"``) or the map ``F``
            (``"discrete"``); close over a constant input to condition on it.
        params: the system's parameters (traced, so one compilation serves many networks).
        x0: ``(p, s)`` initial states, typically sampled from trajectories.
        opt_steps: Adam steps of the slow-point stage.
        lr: Adam learning rate.
        fixed_tol: ``q`` below which a point is a fixed point.
        slow_fraction: a point that is not fixed is kept as a slow point when its ``q`` is below
            this fraction of the median speed of the initial states.
        dedupe_tol: relative distance below which two fixed points are merged.
        slow_dedupe_tol: the same for slow points.

    Returns:
        :class:`FixedPoints`, fixed points first, then slow points, each sorted by ``q``.
    """
    g = _residual(fn, time)
    q0 = np.asarray(jax.vmap(lambda y: 0.5 * jnp.sum(g(params, y) ** 2))(jnp.asarray(x0)))
    slow_tol = slow_fraction * float(np.median(q0))
    x1, q1 = minimise_speed(fn, params, x0, time=time, steps=opt_steps, lr=lr)
    x2, q2 = newton_polish(fn, params, x1, time=time, max_steps=newton_steps)
    x1, q1, x2, q2 = (np.asarray(a) for a in (x1, q1, x2, q2))
    # fixed points: Newton's roots (and stage-1 minima already at q < fixed_tol)
    xf = np.concatenate([x2[q2 < fixed_tol], x1[q1 < fixed_tol]])
    qf = np.concatenate([q2[q2 < fixed_tol], q1[q1 < fixed_tol]])
    keep = deduplicate(xf, qf, dedupe_tol)
    xf, qf = xf[keep], qf[keep]
    # slow points: stage-1 minima (before Newton, which would carry a point on an approximate line
    # attractor to the line's few true fixed points), unless they sit on a fixed point
    is_slow = (q1 >= fixed_tol) & (q1 < slow_tol)
    xs, qs = x1[is_slow], q1[is_slow]
    keep = deduplicate(xs, qs, slow_dedupe_tol)
    xs, qs = xs[keep], qs[keep]
    away = np.array([all(np.linalg.norm(x - y) > slow_dedupe_tol * max(1.0, float(np.linalg.norm(x))) for y in xf)
                     for x in xs], dtype=bool)
    xs, qs = xs[away] if len(xs) else xs, qs[away] if len(qs) else qs
    x = np.concatenate([xf, xs]).reshape(-1, x0.shape[-1])
    q = np.concatenate([qf, qs])
    fixed = np.arange(len(q)) < len(qf)
    lam, stable, n_unst, lead = classify(fn, params, x, time=time)
    return FixedPoints(x, q, fixed, lam, stable, n_unst, lead, time)


def sample_states(
    key: PRNGKeyArray, states: Float[Array, "... s"], n: int, noise: float = 0.0
) -> Float[Array, "n s"]:
    """``n`` states drawn uniformly from a trajectory array (any leading axes), plus Gaussian
    jitter of standard deviation ``noise`` (the usual initialisation of the finder)."""
    flat = jnp.reshape(states, (-1, states.shape[-1]))
    ki, kn = jr.split(key)
    pick = flat[jr.randint(ki, (n,), 0, flat.shape[0])]
    return pick + noise * jr.normal(kn, pick.shape)
