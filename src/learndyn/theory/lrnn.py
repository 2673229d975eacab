r"""Theory of learning in linear RNNs (Proca et al. 2025; docs/lrnn.md; Proca, Dominé, Shanahan & Mediano,
ICML 2025, PMLR 267:49860).

Notation: mode α, input step ``t = 1..T``, lag ``T − t``, residual ``e_t = s_t − c b^{T−t} a``,
learning time ``t_θ`` in units of ``τ`` (§3.11). Arrays of task dynamics may be left-padded to a
common length with a ``mask`` (1 on the task's steps): the lag of index ``i`` of a padded array
of length ``T_max`` is ``T_max − 1 − i`` either way.

Labels follow the spec: equations are (paper) unless marked (learndyn formulation).
"""

from __future__ import annotations

import diffrax
import jax
import jax.numpy as jnp
import numpy as np

from .._types import Array, Float
from ..models._discrete_linear_rnn import DiscreteLinearRNN, ModeParams, lag_products


def _lags(n_steps: int) -> Float[Array, " T"]:
    return jnp.arange(n_steps - 1, -1, -1, dtype=float)


def lag_powers(b: Array, n_steps: int) -> Array:
    """``b^{T−1−i}`` for ``i = 0..T−1`` (leading axis), by cumulative products: exact for
    negative ``b`` and differentiable at ``b = 0`` (unlike ``b**k`` with float ``k``)."""
    b = jnp.asarray(b)
    ones = jnp.ones((1,) + b.shape, b.dtype)
    return jnp.cumprod(jnp.concatenate([ones, jnp.broadcast_to(b, (n_steps - 1,) + b.shape)]), axis=0)[::-1]


def lag_derivatives(b: Array, n_steps: int) -> Array:
    """``d b^k / db = k b^{k−1}`` for the lags ``k = T−1−i`` (leading axis)."""
    pw = lag_powers(b, n_steps)
    k = _lags(n_steps).reshape((-1,) + (1,) * jnp.ndim(b))
    shifted = jnp.concatenate([pw[1:], jnp.zeros_like(pw[:1])], axis=0)
    return k * shifted


def _mask(s: Array, mask: Array | None) -> Array:
    return jnp.ones(s.shape[0]) if mask is None else mask


# ----------------------------------------------------------------------------- §3.2 mode ODEs


def mode_energies(modes: ModeParams, s: Float[Array, "T n"], mask: Float[Array, " T"] | None = None):
    r"""Per mode ``E_α = ½ Σ_t (s_{α,t} − c_α b_α^{T−t} a_α)²`` (Proca et al. 2025; docs/lrnn.md)."""
    e = s - modes.c * lag_powers(modes.b, s.shape[0]) * modes.a
    return 0.5 * jnp.sum(_mask(s, mask)[:, None] * e**2, axis=0)


def mode_energy(modes: ModeParams, s: Float[Array, "T n"], mask: Float[Array, " T"] | None = None):
    r"""``E = ½ Σ_α Σ_t (s_{α,t} − c_α b_α^{T−t} a_α)²`` (Proca et al. 2025; docs/lrnn.md, paper Eq. 8).

    Equal to the half-sum loss of the aligned network on sum-whitened inputs. ``s`` is ``(T, n)``.
    """
    return jnp.sum(mode_energies(modes, s, mask))


def mode_flow(modes: ModeParams, s: Float[Array, "T n"], mask: Float[Array, " T"] | None = None) -> ModeParams:
    r"""Right-hand side of the mode ODEs, ``τ dθ/dt_θ`` (Proca et al. 2025; docs/lrnn.md, paper Eqs. 5–7):

    ``τ ȧ = Σ_t c b^{T−t} e_t``, ``τ ḃ = Σ_{t<T} (T−t) c a b^{T−t−1} e_t``,
    ``τ ċ = Σ_t a b^{T−t} e_t``.
    """
    m = _mask(s, mask)[:, None]
    a, b, c = modes.a, modes.b, modes.c
    bk = lag_powers(b, s.shape[0])
    bk1 = lag_derivatives(b, s.shape[0])
    e = m * (s - c * bk * a)
    return ModeParams(a=jnp.sum(c * bk * e, 0), b=jnp.sum(c * a * bk1 * e, 0), c=jnp.sum(a * bk * e, 0))


def solve_mode_ode(
    modes0: ModeParams, s: Float[Array, "T n"], times: Float[Array, " k"],
    mask: Float[Array, " T"] | None = None, trainable: tuple[bool, bool, bool] = (True, True, True),
    rate: float | Array = 1.0, rtol: float = 1e-10, atol: float = 1e-10,
) -> ModeParams:
    r"""Integrate ``dθ/dt = rate · flow(θ)`` with diffrax Tsit5, rtol = atol = 1e-10 (§3.11).

    With ``rate = 1`` time is ``t_θ/τ``; with ``rate = 1/τ_steps`` and ``times`` in GD steps the
    solution sits on a run's recorded steps (``rate`` may be traced, ``times`` must be concrete).
    ``trainable`` freezes ``(a, b, c)`` entries (frozen-b / frozen-ac variants, §3.4–3.5).
    Returns the modes at ``times`` (leading axis ``k``).
    """
    keep = ModeParams(*(jnp.asarray(float(t)) for t in trainable))
    times = np.asarray(times, float)

    def field(t, y, args):
        f = mode_flow(y, s, mask)
        return jax.tree.map(lambda g, k: rate * g * k, f, keep)

    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(field), diffrax.Tsit5(), t0=0.0, t1=float(times[-1]), dt0=None, y0=modes0,
        saveat=diffrax.SaveAt(ts=jnp.asarray(times, float)),
        stepsize_controller=diffrax.PIDController(rtol=rtol, atol=atol), max_steps=1_000_000,
    )
    return sol.ys


# ----------------------------------------------------------------------------- §3.4 frozen b


def io_strengths(b: Array, s: Float[Array, " T"], mask: Float[Array, " T"] | None = None):
    r"""``S_b = Σ_t b^{T−t} s_t`` and ``Q_b = Σ_t b^{2(T−t)}`` (Proca et al. 2025; docs/lrnn.md)."""
    m = _mask(s, mask)
    bk = lag_powers(b, s.shape[0])
    return jnp.sum(m * bk * s), jnp.sum(m * bk**2)


def io_mode_solution(t: Array, u0: float, s_b: float, q_b: float) -> Array:
    r"""``u(t_θ) = S e^{2St/τ} / (S/u0 − Q + Q e^{2St/τ})`` for ``τ u̇ = 2u(S − Qu)`` (§3.4, Eq. 47;
    time in units of τ)."""
    g = jnp.exp(2 * s_b * t)
    return s_b * g / (s_b / u0 - q_b + q_b * g)


def io_mode_time(u: Array, u0: float, s_b: float, q_b: float) -> Array:
    r"""Inverse of :func:`io_mode_solution`: ``t_θ/τ = (1/2S) log[u(S − Q u0) / (u0(S − Q u))]``."""
    return jnp.log(u * (s_b - q_b * u0) / (u0 * (s_b - q_b * u))) / (2 * s_b)


# ----------------------------------------------------------------------------- §3.5 frozen ac


def recurrent_field(b: Array, u: Array, s: Float[Array, " T"], mask: Float[Array, " T"] | None = None):
    r"""``F(b) = Σ_{t<T} (T−t) u b^{T−t−1} (s_t − u b^{T−t})`` — the b-equation of §3.2 with
    ``u = ac`` frozen (time in units of τ; erratum E4: the flow field, not ``dE/db``)."""
    m = _mask(s, mask)
    bk = lag_powers(b, s.shape[0])
    return jnp.sum(m * u * lag_derivatives(b, s.shape[0]) * (s - u * bk))


def recurrent_taylor_step(b: Array, u: Array, s, dt: float, mask=None, order: int = 5) -> Array:
    r"""One window of the paper's 5th-order Taylor series for ``b`` (§3.5, App. D):
    ``b' = F``, ``b'' = F'F``, ``b''' = (F'² + F''F)F``, ``b'''' = (4F'F''F + F'³ + F'''F²)F``,
    ``b⁽⁵⁾ = (F'⁴ + 11F'²F''F + 4F''²F² + 7F'''F'F² + F''''F³)F``; ``F`` derivatives by autodiff."""
    f0 = lambda x: recurrent_field(x, u, s, mask)  # noqa: E731
    f1 = jax.grad(f0)
    f2 = jax.grad(f1)
    f3 = jax.grad(f2)
    f4 = jax.grad(f3)
    F, F1, F2, F3, F4 = f0(b), f1(b), f2(b), f3(b), f4(b)
    d = [F, F1 * F, (F1**2 + F2 * F) * F, (4 * F1 * F2 * F + F1**3 + F3 * F**2) * F,
         (F1**4 + 11 * F1**2 * F2 * F + 4 * F2**2 * F**2 + 7 * F3 * F1 * F**2 + F4 * F**3) * F]
    fact = [1.0, 2.0, 6.0, 24.0, 120.0]
    return b + sum(d[i] * dt ** (i + 1) / fact[i] for i in range(order))


_taylor_step = jax.jit(recurrent_taylor_step, static_argnames=("order",))


def recurrent_mode_taylor(b0: float, u: float, s, t_end: float, window: float, mask=None) -> np.ndarray:
    """``b`` at ``0, Δ, 2Δ, …, t_end`` by consecutive Taylor windows of width ``Δ`` (paper App. D)."""
    n = int(np.ceil(t_end / window))
    s = jnp.asarray(s, float)
    out = [float(b0)]
    b = jnp.asarray(float(b0))
    for _ in range(n):
        b = _taylor_step(b, jnp.asarray(float(u)), s, jnp.asarray(float(window)), mask)
        out.append(float(b))
    return np.asarray(out)


# ----------------------------------------------------------------------------- §3.7 zero loss


def zero_loss_solution(kind: str, delta: float, lam: float, n_steps: int) -> tuple[float, float] | None:
    r"""``(b, ac)`` of the zero-loss solution (Proca et al. 2025; docs/lrnn.md table, §3.7), ``None`` if none:
    constant ``(1, δ)``; inverse-exponential ``(λ, δ)``; exponential ``(1/λ, δλ^T)`` (depends on T)."""
    if kind == "constant":
        return 1.0, float(delta)
    if kind == "inverse_exponential":
        return float(lam), float(delta)
    if kind == "exponential" and lam != 0:
        return 1.0 / float(lam), float(delta) * float(lam) ** n_steps
    return None


def effective_regulariser(u: Array, b: Array, n_steps: int) -> Array:
    r"""``½ u² Σ_{j<T} b^{2j} = ½ u² (1 − b^{2T})/(1 − b²)`` (§3.8, Lemma 3.2)."""
    return 0.5 * u**2 * jnp.sum(lag_powers(b, n_steps) ** 2, 0)


def data_term(u: Array, b: Array, s: Float[Array, " T"]) -> Array:
    r"""``½ Σ_t (s_t² − 2 s_t u b^{T−t})`` (§3.8); ``E = data_term + effective_regulariser``."""
    return 0.5 * jnp.sum(s**2 - 2 * s * u * lag_powers(b, s.shape[0]))


def mode_global_minimum(s, b_max: float = 3.0, grid: int = 6001) -> tuple[float, float, float]:
    r"""Global minimiser ``(b*, u*, E*)`` of one mode's energy over ``|b| ≤ b_max`` (§3.8):
    for fixed b the best ``u = ac`` is ``S_b/Q_b``, leaving ``E*(b) = ½Σ_t s_t² − ½ S_b²/Q_b``;
    ``b`` by grid search. Where training ends from small init can differ (pitfall P5)."""
    s = np.asarray(s, float)
    n = s.size
    b = np.linspace(-b_max, b_max, grid)
    k = np.arange(n - 1, -1, -1)
    pw = b[:, None] ** k[None, :]
    sb, qb = pw @ s, np.sum(pw**2, axis=1)
    e = 0.5 * np.sum(s**2) - 0.5 * sb**2 / qb
    i = int(np.argmin(e))
    return float(b[i]), float(sb[i] / qb[i]), float(e[i])


# ----------------------------------------------------------------------------- §3.8 Dirac


def dirac_optimal_u(b: Array, beta: Array, n_steps: int) -> Array:
    r"""``u*(b) = (β b^{T−1} + 1/β) / Σ_{j<T} b^{2j}`` (App. H; erratum E2: b = 0 gives 1/β)."""
    pw = lag_powers(b, n_steps)
    return (beta * pw[0] + 1 / beta) / jnp.sum(pw**2, 0)


def dirac_min_energy(b: Array, beta: Array, n_steps: int) -> Array:
    r"""``E*(b) = β² + 1/β² − (β b^{T−1} + 1/β)² / Σ_{j<T} b^{2j}`` (App. H, without the ½)."""
    pw = lag_powers(b, n_steps)
    return beta**2 + 1 / beta**2 - (beta * pw[0] + 1 / beta) ** 2 / jnp.sum(pw**2, 0)


def _dirac_energy_np(b, beta, n_steps: int):
    """NumPy twin of :func:`dirac_min_energy` for scans (integer powers, any sign of b;
    broadcasts ``b`` against ``beta``)."""
    b = np.asarray(b, float)
    beta = np.asarray(beta, float)
    q = sum(b ** (2 * j) for j in range(n_steps))
    return beta**2 + 1 / beta**2 - (beta * b ** (n_steps - 1) + 1 / beta) ** 2 / q


def dirac_minimiser(beta: float, n_steps: int, b_max: float = 3.0, grid: int = 60_001):
    """Global minimiser ``(b*, E*)`` of ``E*(b)`` on ``|b| ≤ b_max`` (grid, then golden refinement)."""
    b = np.linspace(-b_max, b_max, grid)
    e = _dirac_energy_np(b, beta, n_steps)
    i = int(np.argmin(e))
    lo, hi = b[max(i - 1, 0)], b[min(i + 1, grid - 1)]
    g = (np.sqrt(5) - 1) / 2
    f = lambda x: float(_dirac_energy_np(x, beta, n_steps))  # noqa: E731
    for _ in range(60):
        x1, x2 = hi - g * (hi - lo), lo + g * (hi - lo)
        if f(x1) < f(x2):
            hi = x2
        else:
            lo = x1
    bb = 0.5 * (lo + hi)
    return (float(bb), f(bb)) if f(bb) < e[i] else (float(b[i]), float(e[i]))


def dirac_landscape(betas, n_steps: int, b_max: float = 3.0, grid: int = 6001):
    """Grid minimiser ``b*(β)``, ``u*(β)`` and ``E*(β)`` over ``|b| ≤ b_max`` for many β (Fig. 4a)."""
    b = np.linspace(-b_max, b_max, grid)
    betas = np.asarray(betas, float)
    e = _dirac_energy_np(b[None, :], betas[:, None], n_steps)
    i = np.argmin(e, axis=1)
    bs = b[i]
    q = sum(bs ** (2 * j) for j in range(n_steps))
    return bs, (betas * bs ** (n_steps - 1) + 1 / betas) / q, e[np.arange(betas.size), i]


def critical_point(
    n_steps: int, beta_range: tuple[float, float] = (0.3, 3.0), b_max: float = 3.0,
    b_threshold: float = 1e-3, tol: float = 1e-5,
) -> float:
    r"""Smallest Dirac ratio β whose global minimiser has ``|b*| > b_threshold`` and
    ``E* < β²`` (Proca et al. 2025; docs/lrnn.md checks 6–7): ``1/√2`` at T = 3 (second order), ≈ 1 at T = 4
    (first order). Coarse vectorised scan in β, then bisection with refined minimisers.
    NaN if no transition in ``beta_range``."""

    def recurrent(beta: float) -> bool:
        b, e = dirac_minimiser(beta, n_steps, b_max)
        return abs(b) > b_threshold and e < beta**2 - 1e-12

    betas = np.linspace(*beta_range, 271)
    bs, _, es = dirac_landscape(betas, n_steps, b_max, grid=6001)
    flags = (np.abs(bs) > b_threshold) & (es < betas**2 - 1e-12)
    if not flags.any():
        return float("nan")
    i = int(np.argmax(flags))
    lo, hi = betas[max(i - 2, 0)], betas[i]
    while recurrent(lo):  # the coarse grid saw the departure late: widen the bracket
        if lo <= beta_range[0]:
            return float(lo)
        lo, hi = max(lo - 0.05, beta_range[0]), lo
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if recurrent(mid) else (mid, hi)
    return float(hi)


# ----------------------------------------------------------------------------- extrapolation


def correlation_loss(params: DiscreteLinearRNN, sigma_yx: Float[Array, "T y x"],
                     mask: Float[Array, " T"] | None = None) -> Array:
    r"""``½ Σ_t ‖Σ^{YX}_t − W_y W_h^{T−t} W_x‖²_F`` — the half-sum loss on sum-whitened inputs of
    a task with exact correlations ``Σ^{YX}`` (§3.3); used at any test length ``T'`` (§3.7)."""
    prods = lag_products(params, sigma_yx.shape[0])
    m = _mask(sigma_yx, mask)[:, None, None]
    return 0.5 * jnp.sum(m * (sigma_yx - prods) ** 2)


def correlation_loss_per_mode(params: DiscreteLinearRNN, sigma_yx: Float[Array, "T y x"],
                              u: Float[Array, "y y"], mask: Float[Array, " T"] | None = None):
    r""":func:`correlation_loss` split over output modes: ``½ Σ_t ‖u_αᵀ (Σ^{YX}_t − W_y W_h^{T−t}
    W_x)‖²`` per α (sums to the total since U is orthogonal)."""
    prods = lag_products(params, sigma_yx.shape[0])
    m = _mask(sigma_yx, mask)[:, None, None]
    r = jnp.einsum("ia,tij->taj", u, m * (sigma_yx - prods))
    return 0.5 * jnp.sum(r**2, axis=(0, 2))


# ----------------------------------------------------------------------------- §3.11 time


def tau_steps(lr: float, loss: str, n_samples: int, n_out: int, whitening: str = "sum") -> float:
    r"""Time constant τ in GD steps for the loss/whitening convention (Proca et al. 2025; docs/lrnn.md table):
    ``half_sum`` → 1/η; ``mean`` (no ½) with sum whitening → P·N_y/(2η); with unit-variance
    (mean) whitening → N_y/(2η)."""
    if loss == "half_sum":
        return 1.0 / lr if whitening == "sum" else 1.0 / (lr * n_samples)
    if loss == "mean":
        return (n_samples * n_out if whitening == "sum" else n_out) / (2 * lr)
    raise ValueError(f"unknown loss convention {loss!r}")


def ntk_learning_rate(n_steps: int, base: float = 0.1) -> float:
    r"""``η = 0.1 / Σ_{k<T} (1 + k²)`` (§4.5, learndyn formulation: keeps GD stable)."""
    k = np.arange(n_steps)
    return base / float(np.sum(1 + k**2))


# ----------------------------------------------------------------------------- extrapolation of
# zero-loss solutions


MEAN_SQUARED_CHANNEL_MEAN = 0.25 + (5.0**2 + 15.0**2 + 50.0**2) / 3 / 3 / 200.0**2
"""``E[m²]`` of a sensory channel mean: ``¼ + E[coh²] E[ρ²] / 200²`` (Proca et al. 2025; docs/lrnn.md)."""


def mean_task_extrapolation_mse(n_train: int, n_test: int, noise_std: float = 0.1) -> float:
    r"""MSE at length ``T'`` of the mean task's zero-loss solution ``W_h = I``, ``W_y W_x = I/T``
    (learndyn formulation of §4.6): ``ŷ − y = (1/T − 1/T') Σ_{t≤T'} x_t``, so
    ``MSE = (T'/T − 1)² E[m²] + σ² T' (1/T − 1/T')²`` (≈ 34, 81, 148 at T' = 50, 75, 100, T = 4)."""
    d = 1.0 / n_train - 1.0 / n_test
    return d**2 * (n_test**2 * MEAN_SQUARED_CHANNEL_MEAN + noise_std**2 * n_test)


def zero_solution_extrapolation_losses(b, ac, s_test: Float[Array, "T n"]) -> np.ndarray:
    r"""Per-mode half-sum loss at length ``T'`` of the zero-loss modes ``(b, ac)`` learned at ``T``
    (§3.7): ``½ Σ_t (s_{α,t}(T') − ac_α b_α^{T'−t})²``; zero for T-independent solutions,
    NaN for modes without a zero-loss solution."""
    b, ac, s_test = np.asarray(b, float), np.asarray(ac, float), np.asarray(s_test, float)
    ok = np.isfinite(b) & np.isfinite(ac)
    k = np.arange(s_test.shape[0] - 1, -1, -1)[:, None]
    e = 0.5 * np.sum((s_test - np.where(ok, ac, 0.0) * np.where(ok, b, 0.0) ** k) ** 2, axis=0)
    return np.where(ok, e, np.nan)
