r"""Large-N theory of random networks (DMFT) and random-matrix results (issue "Large-N theory").

Part 1 — random rate networks (Sompolinsky, Crisanti & Sommers 1988), learndyn formulation:

.. math::  \dot x_i = -x_i + g \sum_j J_{ij} \tanh(x_j), \qquad J_{ij} \sim N(0, 1/N).

As ``N → ∞`` each unit is a Gaussian process with stationary autocorrelation
``Δ(τ) = ⟨x_i(t) x_i(t+τ)⟩`` obeying a Newtonian equation in a potential,

.. math::

    \ddot Δ = -\partial_Δ V(Δ; Δ_0), \qquad
    V(Δ; Δ_0) = -\tfrac12 Δ^2 + g^2 \int Dz \Big[\int Dx\, Φ\big(\sqrt{Δ_0 - Δ}\,x + \sqrt{Δ}\,z\big)\Big]^2,

with ``Φ(x) = ln cosh x`` (``Φ' = tanh``), ``Δ(0) = Δ_0``, ``Δ̇(0) = 0``. The chaotic solution
decays to ``Δ(∞) = 0``, so energy conservation fixes the variance:
``V(Δ_0; Δ_0) = V(0; Δ_0)``, i.e.

.. math::  \tfrac12 Δ_0^2 = g^2 \big(\mathbb E[Φ(\sqrt{Δ_0} z)^2] - \mathbb E[Φ(\sqrt{Δ_0} z)]^2\big),

which has a positive root only for ``g > 1``; for ``g ≤ 1`` the only solution is the silent
fixed point ``Δ_0 = 0``. Gaussian integrals by Gauss–Hermite quadrature.

Part 3 — linear networks (Ginibre bulk plus low rank): for ``|z| > σ`` and vectors ``a, b``
independent of ``J``,
``E[aᵀ(z − σJ)^{-ᵀ}(z' − σJ)^{-1} b] → (a·b)/(z z' − σ²)`` (complex form with ``z̄``), and the
outlier of ``σJ + θ u vᵀ`` solves ``1 = θ vᵀ(z − σJ)^{-1}u → θ (u·v)/z``: ``z* = θ u·v`` when
``|θ u·v| > σ`` (none otherwise).
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(80)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()  # E over N(0, 1)


def _ln_cosh(x):
    x = np.abs(x)
    return x + np.log1p(np.exp(-2 * x)) - np.log(2.0)


def gaussian_mean(f, variance: float) -> float:
    """``E[f(√variance · z)]``, ``z ~ N(0, 1)`` (80-point Gauss–Hermite)."""
    return float(np.sum(_WEIGHTS * f(np.sqrt(max(variance, 0.0)) * _NODES)))


def _two_point(f, delta: float, delta0: float) -> float:
    """``∫Dz [∫Dx f(√(Δ0 − Δ) x + √Δ z)]²`` for ``0 ≤ Δ ≤ Δ0``."""
    delta = min(max(delta, 0.0), delta0)
    a, b = np.sqrt(delta0 - delta), np.sqrt(delta)
    inner = np.sum(_WEIGHTS[None, :] * f(a * _NODES[None, :] + b * _NODES[:, None]), axis=1)
    return float(np.sum(_WEIGHTS * inner**2))


def scs_potential(delta: float, delta0: float, g: float) -> float:
    r"""``V(Δ; Δ0) = −Δ²/2 + g² ∫Dz[∫Dx ln cosh(√(Δ0−Δ)x + √Δ z)]²`` (module docstring)."""
    return -0.5 * delta**2 + g**2 * _two_point(_ln_cosh, delta, delta0)


def scs_force(delta: float, delta0: float, g: float) -> float:
    r"""``−∂_Δ V = Δ − g² C(Δ; Δ0)``, ``C = ∫Dz[∫Dx tanh(√(Δ0−Δ)x + √Δ z)]²`` (the rate
    autocorrelation)."""
    return delta - g**2 * _two_point(np.tanh, delta, delta0)


def scs_variance(g: float) -> float:
    r"""``Δ0 = Δ(0)``: the positive root of ``Δ0²/2 = g² Var[ln cosh(√Δ0 z)]`` for ``g > 1``,
    ``0`` for ``g ≤ 1`` (module docstring)."""
    if g <= 1.0:
        return 0.0

    def excess(d0):
        var = gaussian_mean(lambda x: _ln_cosh(x) ** 2, d0) - gaussian_mean(_ln_cosh, d0) ** 2
        return 0.5 * d0**2 - g**2 * var

    lo = 1e-6
    hi = 1.0
    while excess(hi) < 0:
        hi *= 2.0
    while excess(lo) >= 0 and lo < hi:  # near g = 1 the root is small
        lo *= 0.1
        if lo < 1e-14:
            return 0.0
    return float(brentq(excess, lo, hi, xtol=1e-14, rtol=1e-13))


def scs_autocorrelation(g: float, taus: np.ndarray) -> np.ndarray:
    r"""``Δ(τ)`` at ``taus ≥ 0`` by integrating ``Δ̈ = Δ − g² C(Δ; Δ0)`` from ``Δ(0) = Δ0``,
    ``Δ̇(0) = 0`` (zero for ``g ≤ 1``). The chaotic solution is a separatrix: integration stops
    when ``Δ`` reaches ``10⁻⁴ Δ0`` (or turns back, from round-off) and ``Δ`` is 0 beyond."""
    taus = np.asarray(taus, float)
    d0 = scs_variance(g)
    out = np.zeros_like(taus)
    if d0 == 0.0:
        return out

    def rhs(_, y):
        return [y[1], scs_force(y[0], d0, g)]

    def floor(_, y):
        return y[0] - 1e-4 * d0

    def turn(t, y):
        return y[1] if t > 0 else -1.0

    floor.terminal = turn.terminal = True
    turn.direction = 1
    sol = solve_ivp(rhs, (0.0, float(taus.max()) if taus.size else 0.0), [d0, 0.0], dense_output=True,
                    rtol=1e-10, atol=1e-12 * d0, events=[floor, turn], method="DOP853")
    end = sol.t[-1]
    inside = taus <= end
    out[inside] = sol.sol(taus[inside])[0]
    return out


def decorrelation_time(g: float, level: float = 0.5) -> float:
    """First ``τ`` with ``Δ(τ) = level · Δ0`` (NaN for ``g ≤ 1``)."""
    taus = np.linspace(0, 40, 8001)
    return half_decay_time(scs_autocorrelation(g, taus), taus, level)


def half_decay_time(delta: np.ndarray, taus: np.ndarray, level: float = 0.5) -> float:
    """First lag at which ``Δ(τ)`` falls to ``level · Δ(0)`` (linear interpolation between grid
    points); NaN when ``Δ(0) ≤ 0`` or it never falls that far. Used for theory and simulation."""
    delta = np.asarray(delta, float)
    if not np.isfinite(delta[0]) or delta[0] <= 0:
        return float("nan")
    below = np.flatnonzero(delta <= level * delta[0])
    if not below.size:
        return float("nan")
    i = below[0]
    return float(np.interp(level * delta[0], [delta[i], delta[i - 1]], [taus[i], taus[i - 1]]))


def ginibre_quadratic_form(a: np.ndarray, b: np.ndarray, z: complex, zp: complex, sigma: float) -> complex:
    r"""Large-N limit ``E[aᴴ(z − σJ)^{-ᴴ}(z' − σJ)^{-1} b] = (ā·b)/(z̄ z' − σ²)`` for ``|z|, |z'| > σ``
    (``a, b`` independent of ``J``; real ``z`` gives the form in the issue)."""
    return complex(np.vdot(a, b) / (np.conj(z) * zp - sigma**2))


def rank_one_outlier(theta: float, u: np.ndarray, v: np.ndarray, sigma: float) -> float | None:
    r"""Outlier of ``σJ + θ u vᵀ``: ``z* = θ (v·u)`` if ``|θ v·u| > σ``, else ``None`` (the
    determinant condition ``1 = θ vᵀ(z − σJ)^{-1}u → θ (v·u)/z``)."""
    z = theta * float(np.dot(v, u))
    return z if abs(z) > sigma else None


# ----------------------------------------------------------------------------- part 2: rank one + bulk


def rank_one_mean_field(g: float, overlap: float, m_variance: float = 1.0) -> dict[str, float | bool]:
    r"""Static mean field of ``ẋ = −x + (gJ + m nᵀ/N) tanh(x)`` (Mastrogiuseppe & Ostojic 2018
    style; learndyn formulation).

    With ``m_i ~ N(0, σ_m²)`` and ``n`` correlated with ``m`` (``σ_mn = ⟨m_i n_i⟩``, the
    ``overlap``), a fixed point is ``x_i = κ m_i + √Δ0 ξ_i`` with ``κ = nᵀφ(x)/N``. Stein's lemma
    gives ``κ = σ_mn κ ⟨φ'⟩``; a non-zero ``κ`` therefore needs

    .. math::  1 = σ_{mn} ⟨φ'(\sqrt{Δ} ζ)⟩, \qquad Δ_0 = g^2 ⟨φ^2(\sqrt{Δ} ζ)⟩, \qquad
               κ^2 = (Δ - Δ_0)/σ_m^2,

    (``Δ`` the total variance of ``x_i``), which has a solution pair ``±κ*`` when ``σ_mn > 1``
    and ``Δ > Δ0``. Stability (learndyn formulation): the random bulk of the Jacobian
    ``−1 + (gJ + m nᵀ/N) diag φ'(x)`` stays left of 0 when its radius
    ``g √⟨φ'(x)²⟩ < 1``; along κ, the one-dimensional map ``F(κ) = σ_mn κ ⟨φ'⟩_{Δ(κ)}``
    (``Δ0`` following κ) must have slope ``F'(κ*) < 1``. Where the bulk radius exceeds 1
    the static solution is not the attractor (chaotic fluctuations around ±κ need the dynamic
    DMFT, not implemented).

    Returns:
        ``kappa`` (≥ 0; ``-kappa`` is the mirror state; 0 if only the trivial state exists),
        ``delta``, ``delta0``, ``bulk_radius``, ``slope`` (F'(κ*)), ``stable``.
    """
    tanh = np.tanh

    def dphi(x):
        return 1.0 - np.tanh(x) ** 2

    def total_variance(kappa: float) -> float:
        """Δ solving Δ = κ²σ_m² + g²⟨φ²⟩_Δ (a contraction for moderate g)."""
        return brentq(lambda d: d - kappa**2 * m_variance - g**2 * gaussian_mean(lambda x: tanh(x) ** 2, d),
                      kappa**2 * m_variance, kappa**2 * m_variance + g**2 + 1e-12)

    trivial = {"kappa": 0.0, "delta": np.nan, "delta0": np.nan, "bulk_radius": np.nan, "slope": np.nan,
               "stable": False}
    if overlap <= 1.0:
        return trivial
    delta = brentq(lambda d: overlap * gaussian_mean(dphi, d) - 1.0, 1e-12, 1e4)
    delta0 = g**2 * gaussian_mean(lambda x: tanh(x) ** 2, delta)
    if delta <= delta0:
        return trivial
    kappa = float(np.sqrt((delta - delta0) / m_variance))

    def F(k: float) -> float:
        return overlap * k * gaussian_mean(dphi, total_variance(k))

    h = 1e-5 * max(kappa, 1e-3)
    slope = (F(kappa + h) - F(kappa - h)) / (2 * h)
    radius = g * np.sqrt(gaussian_mean(lambda x: dphi(x) ** 2, delta))
    return {"kappa": kappa, "delta": float(delta), "delta0": float(delta0), "bulk_radius": float(radius),
            "slope": float(slope), "stable": bool(radius < 1.0 and slope < 1.0)}


def rank_one_network(key_seed: int, n: int, g: float, overlap: float, m_variance: float = 1.0):
    r"""A draw of ``J`` (``N(0, 1/N)``), ``m`` (Gaussian, rescaled so that ``m·m/N = σ_m²``
    exactly) and ``n = (σ_mn/σ_m²) m + n⊥`` with ``n⊥`` Gaussian and orthogonal to ``m``, so
    that ``m·n/N = σ_mn`` exactly (the overlap of a single draw would otherwise fluctuate by
    ``O(1/√N)``, and ``κ*`` is steep in it); returns ``(W, m, n)`` with ``W = gJ + m nᵀ/N``."""
    rng = np.random.default_rng(key_seed)
    J = rng.standard_normal((n, n)) / np.sqrt(n)
    m, nv = exact_overlap_pair(rng.standard_normal(n), rng.standard_normal(n), overlap, m_variance)
    return g * J + np.outer(m, nv) / n, m, nv


def exact_overlap_pair(m_raw, perp_raw, overlap: float, m_variance: float = 1.0):
    """``(m, n)`` from two Gaussian draws (NumPy or JAX arrays): ``m`` rescaled to
    ``m·m/N = σ_m²``, ``n = (σ_mn/σ_m²) m + n⊥`` with ``n⊥`` the second draw made orthogonal to
    ``m``, so ``m·n/N = σ_mn`` exactly."""
    n = m_raw.shape[0]
    m = m_raw * (m_variance * n / (m_raw @ m_raw)) ** 0.5
    perp = perp_raw - (perp_raw @ m) / (m @ m) * m
    return m, overlap / m_variance * m + perp


def relax_rank_one(W: np.ndarray, start: np.ndarray, dt: float = 0.1, steps: int = 3000) -> np.ndarray:
    """Euler-integrate ``ẋ = −x + W tanh(x)`` from ``start`` (simulation side of part 2)."""
    x = np.array(start, float)
    for _ in range(steps):
        x = x + dt * (-x + W @ np.tanh(x))
    return x
