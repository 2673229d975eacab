r"""Theory of learning to integrate white noise (Bordelon et al. 2025; docs/integrate.md).

Everything here is a **learndyn formulation** — a reconstruction of Bordelon, Cotler, Pehlevan &
Zavatone-Veth (arXiv 2503.18754) derived from the model of §1–2 and checked numerically — except
where a docstring says **(paper)**. The paper's body and equations were not available.

Contents:

* :func:`single_mode_vector_field` / :func:`solve_single_mode` — the single-mode ansatz ODE (§3.4);
* :func:`quasi_static_tau` / :func:`quasi_static_lambda` — the quasi-static closed form (§3.5);
* :func:`plateau` — the best one-pole fit of a multi-timescale target (§3.8);
* :func:`gradient_flow` — gradient flow of any (e.g. two-neuron) network, with diffrax (§3.3, §3.2);
* :func:`hessian_top_eigenvalue`, :func:`effective_rate`, :func:`auto_learning_rate` — the
  curvature and the learning-rate rule (§3.10).

The exact σ=0 two-neuron reduction (§3.3) is not a separate formula: it is the same gradient
descent on the same loss with ``N = 2`` from :func:`learndyn.models.two_neuron_init`.
"""

from __future__ import annotations

from collections.abc import Sequence

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import scipy.optimize

from .._types import Array, Float
from ..models import LinearRNN
from ..tasks import TargetSystem
from ..training._exact import exact_loss, exact_loss_and_grad

# ----------------------------------------------------------------------------- §3.10 learning rate


def effective_rate(c_min: float, w0: np.ndarray) -> float:
    r"""``c_eff = min(c_min, 1 - max Re λ(W0))`` (§3.10): the slowest decay rate in play.

    A bulk eigenvalue close to 1 is a slow mode with curvature ``≈ 1/(4 α_b³)``,
    ``α_b = 1 - max Re λ(W0)``; ``c_eff ≤ 0`` means ``W0`` itself is unstable.
    """
    w0 = np.asarray(w0)
    top = float(np.max(np.linalg.eigvals(w0).real)) if w0.size else 0.0
    return min(float(c_min), 1.0 - top)


def auto_learning_rate(c_eff: float) -> float:
    r"""``lr = 3 c_eff³`` (§3.10): ≈ 0.4–0.65 of the measured bound ``2/H_max``."""
    return 3.0 * c_eff**3


def learning_rate_warning_threshold(c_eff: float) -> float:
    r"""``4.4 c_eff³ = 2/(0.45/c_eff³)``: above it gradient descent may oscillate or diverge."""
    return 4.4 * c_eff**3


def auto_horizon(c_eff: float) -> float:
    r"""Sampled-engine horizon ``10 / c_eff`` (§2.5), long enough for the slow mode to be stationary."""
    return 10.0 / c_eff


def hessian_top_eigenvalue(net: LinearRNN, target: TargetSystem) -> float:
    r"""Largest eigenvalue ``H_max`` of the Hessian of the exact loss in ``(W, u, v)`` (§3.10).

    Forward-mode Jacobian of the closed-form gradient. GD is stable only for ``η < 2/H_max``.
    """
    from jax.flatten_util import ravel_pytree

    flat, unravel = ravel_pytree(net)

    def grad_flat(x):
        return ravel_pytree(exact_loss_and_grad(unravel(x), target).grad)[0]

    hess = jax.jacfwd(grad_flat)(flat)
    hess = 0.5 * (hess + hess.T)
    return float(jnp.linalg.eigvalsh(hess)[-1])


# ----------------------------------------------------------------------------- §3.4 single mode


def single_mode_loss(alpha, kappa, c_star):
    r"""``L(α, κ) = κ²/(4α) - κ/(α + c⋆) + 1/(4c⋆)`` for ``f = κ e^{-α s}`` (§3.4)."""
    return kappa**2 / (4 * alpha) - kappa / (alpha + c_star) + 1 / (4 * c_star)


def single_mode_vector_field(t, y, args):
    r"""Gradient flow of the single-mode ansatz ``W = λ r rᵀ, u = a r, v = b r`` (§3.4).

    .. math::
        \dot\lambda = -\Big[\frac{\kappa^2}{4\alpha^2} - \frac{\kappa}{(\alpha+c_\star)^2}\Big],\quad
        \dot a = -b\Big[\frac{\kappa}{2\alpha} - \frac{1}{\alpha+c_\star}\Big],\quad
        \dot b = -a\Big[\frac{\kappa}{2\alpha} - \frac{1}{\alpha+c_\star}\Big],

    with ``α = 1 - λ``, ``κ = a b``; ``a² - b²`` is conserved.

    Args:
        t: flow time τ (unused; autonomous).
        y: ``(λ, a, b)``.
        args: ``c⋆``.
    """
    lam, a, b = y
    c = args
    alpha = 1.0 - lam
    kappa = a * b
    dlam = -(kappa**2 / (4 * alpha**2) - kappa / (alpha + c) ** 2)
    common = kappa / (2 * alpha) - 1.0 / (alpha + c)
    return jnp.stack([dlam, -b * common, -a * common])


def solve_single_mode(
    c_star: float, taus: Float[Array, " times"], *, y0=(0.0, 1.0, 1.0), rtol: float = 1e-10
) -> dict[str, np.ndarray]:
    r"""Integrate the single-mode ODE from ``λ = 0, a = b = 1`` (§3.4) with diffrax (Dopri8).

    Returns:
        ``{"lambda", "a", "b", "loss"}`` at the flow times ``taus``.
    """
    taus = jnp.asarray(taus, dtype=float)
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(single_mode_vector_field),
        diffrax.Dopri8(),
        t0=jnp.asarray(0.0),  # arrays, not Python floats: diffrax's filter_jit would treat floats
        t1=taus[-1],  # as static and recompile for every c⋆ and horizon
        dt0=jnp.asarray(1e-3),
        y0=jnp.asarray(y0, dtype=float),
        args=jnp.asarray(c_star, dtype=float),
        saveat=diffrax.SaveAt(ts=taus),
        stepsize_controller=diffrax.PIDController(rtol=rtol, atol=rtol),
        max_steps=1_000_000,
    )
    lam, a, b = np.asarray(sol.ys).T
    return {"lambda": lam, "a": a, "b": b, "loss": np.asarray(single_mode_loss(1 - lam, a * b, c_star))}


# ----------------------------------------------------------------------------- §3.5 quasi-static


def _f_quasi(beta, c):
    return beta**3 / 3 + 3 * c * beta**2 + 12 * c**2 * beta + 8 * c**3 * np.log(beta)


def quasi_static_tau(alpha, c_star: float, alpha0: float = 1.0):
    r"""Flow time to reach ``α`` from ``α0`` with the amplitude slaved to ``κ*(α) = 2α/(α + c⋆)``.

    .. math::  \dot\alpha = -\frac{\alpha - c_\star}{(\alpha + c_\star)^3},\qquad
               \tau(\alpha) = F(\alpha_0 - c_\star) - F(\alpha - c_\star),

    ``F(β) = β³/3 + 3c⋆β² + 12c⋆²β + 8c⋆³ ln β`` (§3.5).
    """
    return _f_quasi(alpha0 - c_star, c_star) - _f_quasi(np.asarray(alpha) - c_star, c_star)


def quasi_static_lambda(taus, c_star: float, alpha0: float = 1.0) -> np.ndarray:
    r"""``λ(τ) = 1 - α(τ)``, inverting :func:`quasi_static_tau` (monotone) by interpolation."""
    beta = np.geomspace(alpha0 - c_star, 1e-14, 4000)
    tau_grid = quasi_static_tau(beta + c_star, c_star, alpha0)
    alpha = np.interp(np.asarray(taus, float), tau_grid, beta) + c_star
    return 1.0 - alpha


def crossing_time(taus, values, level) -> float:
    """First time (linear interpolation) at which ``values`` reaches ``level``; NaN if never."""
    taus, values = np.asarray(taus), np.asarray(values)
    idx = np.nonzero(values >= level)[0]
    if idx.size == 0:
        return float("nan")
    i = idx[0]
    if i == 0:
        return float(taus[0])
    t0, t1, v0, v1 = taus[i - 1], taus[i], values[i - 1], values[i]
    return float(t0 + (level - v0) * (t1 - t0) / (v1 - v0))


# ----------------------------------------------------------------------------- §3.8 plateau


def plateau(rates: Sequence[float], gains: Sequence[float]) -> dict[str, float]:
    r"""Best one-pole fit ``κ e^{-α s}`` of ``Σ_k g_k e^{-c_k s}`` (§3.8): the learning plateau.

    .. math::
        S(\alpha) = \sum_k \frac{g_k}{\alpha + c_k},\quad \kappa^*(\alpha) = 2\alpha S(\alpha),\quad
        L_1(\alpha) = L_0 - \alpha S(\alpha)^2,

    with ``α*`` solving ``S(α) = 2α Σ_k g_k/(α + c_k)²`` (the maximum of ``α S²``).

    Returns:
        ``{"alpha", "lambda", "kappa", "loss"}`` at the plateau.
    """
    c = np.asarray(rates, float)
    g = np.asarray(gains, float)

    def s(a):
        return np.sum(g / (a + c))

    def h(a):
        return s(a) - 2 * a * np.sum(g / (a + c) ** 2)

    grid = np.geomspace(1e-8, 1e4, 4000)
    vals = np.array([a * s(a) ** 2 for a in grid])
    i = int(np.argmax(vals))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    alpha = scipy.optimize.brentq(h, lo, hi, xtol=1e-15) if h(lo) * h(hi) < 0 else grid[i]
    l0 = 0.5 * np.sum(np.outer(g, g) / (c[:, None] + c[None, :]))
    return {
        "alpha": float(alpha),
        "lambda": float(1 - alpha),
        "kappa": float(2 * alpha * s(alpha)),
        "loss": float(l0 - alpha * s(alpha) ** 2),
    }


# ----------------------------------------------------------------------------- gradient flow


def gradient_flow(
    net: LinearRNN,
    target: TargetSystem,
    taus: Float[Array, " times"],
    *,
    rtol: float = 1e-10,
    solver: diffrax.AbstractSolver | None = None,
) -> LinearRNN:
    r"""Gradient flow ``dθ/dτ = -∇L(θ)`` of the exact loss, saved at ``taus`` (diffrax).

    With :func:`learndyn.models.two_neuron_init` this is the exact σ=0 reduced system of §3.3 in
    flow time; ``Q = W Wᵀ - Wᵀ W + u uᵀ - v vᵀ`` is conserved along it (§3.2).

    Returns:
        The network at every saved time (leading axis ``times``).
    """

    def field(t, y, args):
        return jax.tree.map(jnp.negative, exact_loss_and_grad(y, target).grad)

    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(field),
        solver or diffrax.Dopri8(),
        t0=0.0,
        t1=float(taus[-1]),
        dt0=1e-3,
        y0=net,
        saveat=diffrax.SaveAt(ts=jnp.asarray(taus, float)),
        stepsize_controller=diffrax.PIDController(rtol=rtol, atol=rtol),
        max_steps=1_000_000,
    )
    return sol.ys


__all__ = [
    "auto_horizon",
    "auto_learning_rate",
    "crossing_time",
    "effective_rate",
    "exact_loss",
    "gradient_flow",
    "hessian_top_eigenvalue",
    "learning_rate_warning_threshold",
    "plateau",
    "quasi_static_lambda",
    "quasi_static_tau",
    "single_mode_loss",
    "single_mode_vector_field",
    "solve_single_mode",
]
