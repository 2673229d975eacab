r"""Theory of closed-loop learning of a linear rank-1 controller (Ger & Barak 2025; docs/closed_loop.md).

Source: Ger & Barak, "Learning Dynamics of RNNs in Closed-Loop Environments" (arXiv 2505.13567).
Labels follow the spec: **(reference code)** formulas read from the authors' code,
**(learndyn formulation)** the project's own derivations (the general joint matrix with dt/τ,
the closed flow on overlaps plus Gram entries, the Gram-map SGD step, the stage boundaries, the
exact expected loss). Every function here is pure and works on plain arrays.

Contents, by spec section:

* §4.1 :func:`joint_matrix` — the closed-loop matrix ``P`` of plant and linear controller;
* §4.2 :func:`effective_matrix` — ``P_eff`` on ``(pos, vel, κ_m, κ_u)`` for a rank-1 controller;
* §4.3 :func:`characteristic_polynomial` — the cubic ``p(λ)`` with ``det(λI − P_eff) = λ p(λ)``;
* §4.4 :func:`stage1_geometric_loss`;
* §4.5 :func:`third_root_perturbative`, :func:`vieta_modulus_squared`, :func:`overlaps_from_spectrum`,
  :func:`short_horizon_loss`, :func:`surrogate_loss`, :func:`optimise_surrogate`;
* §4.6 :func:`overlap_flow` (diffrax), :func:`gram_sgd_step`;
* §4.7 :func:`reduced_matrix`, :func:`jury_stable`, :func:`effective_gains`, :func:`lqr_gains`;
* §4.8 :func:`ep_of_stab`, :func:`stage1_end`;
* §4.9 :func:`expected_loss` — the exact expected loss by covariance propagation.
"""

from __future__ import annotations

from collections.abc import Callable

import diffrax
import jax
import jax.numpy as jnp
import numpy as np

from .._types import Array, Float

# ----------------------------------------------------------------------------- §4.1 – §4.3


def joint_matrix(
    a_mat: Float[Array, "k k"],
    b_mat: Float[Array, "k p"],
    c_obs: Float[Array, "q k"],
    w: Float[Array, "n n"],
    m: Float[Array, "n q"],
    z: Float[Array, "n p"],
    alpha: float = 1.0,
) -> Float[Array, "k+n k+n"]:
    r"""Closed-loop matrix ``P`` with ``s_{t+1} = P s_t``, ``s = (x; h)`` (§4.1).

    .. math::
        P = \begin{pmatrix} A & B z^\top \\ a\, m C A & (1-a) I + a (W + m C B z^\top) \end{pmatrix},
        \qquad a = dt/τ,

    for ``x_{t+1} = A x_t + B u_t``, ``u_t = zᵀ h_t`` and
    ``h_{t+1} = (1 − a) h_t + a (W h_t + m C x_{t+1})`` (**learndyn formulation**; at ``a = 1``
    it is the reference code's ``P``, which drops ``a`` and the dt on the cross term).
    ``m`` and ``z`` may be vectors (one observation / one control).
    """
    a_mat, b_mat, c_obs, w = (jnp.atleast_2d(jnp.asarray(x)) for x in (a_mat, b_mat, c_obs, w))
    m = jnp.asarray(m).reshape(w.shape[0], -1)
    z = jnp.asarray(z).reshape(w.shape[0], -1)
    b_mat = b_mat.reshape(a_mat.shape[0], -1)
    n = w.shape[0]
    top = jnp.concatenate([a_mat, b_mat @ z.T], axis=1)
    bottom = jnp.concatenate(
        [alpha * m @ c_obs @ a_mat, (1 - alpha) * jnp.eye(n) + alpha * (w + m @ c_obs @ b_mat @ z.T)],
        axis=1,
    )
    return jnp.concatenate([top, bottom], axis=0)


def effective_matrix(s_zm, s_zu, s_vm, s_vu) -> Float[Array, "4 4"]:
    r"""``P_eff`` of the rank-1 controller on ``(pos, vel, κ_m, κ_u)`` (§4.2, reference code).

    .. math::
        P_\mathrm{eff} = \begin{pmatrix} 1&1&0&0\\ 0&1&σ_{zm}&σ_{zu}\\ 1&1&0&0\\ 0&0&σ_{vm}&σ_{vu}
        \end{pmatrix},

    exact for the double integrator at dt = 1, ``W = u vᵀ`` (g = 0) and ``h_0 = 0``:
    ``h_t = κ_m m + κ_u u`` and ``eig(P) = eig(P_eff) ∪ {0}^{N−2}``.
    """
    one, zero = jnp.ones_like(jnp.asarray(s_zm, float)), jnp.zeros_like(jnp.asarray(s_zm, float))
    rows = [
        [one, one, zero, zero],
        [zero, one, s_zm * one, s_zu * one],
        [one, one, zero, zero],
        [zero, zero, s_vm * one, s_vu * one],
    ]
    return jnp.stack([jnp.stack(r, axis=-1) for r in rows], axis=-2)


def characteristic_polynomial(s_zm, s_zu, s_vm, s_vu) -> Float[Array, "4"]:
    r"""Coefficients (highest first) of the cubic ``p`` with ``det(λI − P_eff) = λ p(λ)`` (§4.3).

    .. math::
        p(λ) = λ^3 − (σ_{vu} + 2) λ^2 + (2σ_{vu} − σ_{zm} + 1) λ + (σ_{vu}σ_{zm} − σ_{vu} − σ_{vm}σ_{zu})
             = (λ − σ_{vu})\big((λ − 1)^2 − σ_{zm}\big) − σ_{vm}σ_{zu}.
    """
    s_zm, s_zu, s_vm, s_vu = (jnp.asarray(x, float) for x in (s_zm, s_zu, s_vm, s_vu))
    return jnp.stack(
        [jnp.ones_like(s_zm), -(s_vu + 2), 2 * s_vu - s_zm + 1, s_vu * s_zm - s_vu - s_vm * s_zu], axis=-1
    )


def overlap_roots(overlaps: np.ndarray) -> np.ndarray:
    """The three roots of ``p`` for overlaps ``(..., 4)``, sorted by decreasing modulus."""
    coeffs = np.asarray(characteristic_polynomial(*np.moveaxis(np.asarray(overlaps, float), -1, 0)))
    flat = coeffs.reshape(-1, 4)
    roots = np.array([np.roots(c) for c in flat]).reshape(coeffs.shape[:-1] + (3,))
    order = np.argsort(-np.abs(roots), axis=-1, kind="stable")
    return np.take_along_axis(roots, order, -1)


# ----------------------------------------------------------------------------- §4.4 stage 1


def stage1_geometric_loss(s_zm, horizon: int = 100):
    r"""Stage-1 geometric loss ``L_th = ½ (1 − r^{T+1}) / (1 − r)``, ``r = |1 + √σ_zm|²`` (§4.4).

    With ``σ_vu ≈ 0`` and ``σ_vm σ_zu ≈ 0`` the dominant roots are ``1 ± √σ_zm`` (complex for
    σ_zm < 0, ``|λ|² = 1 + |σ_zm|``); ``T = 100`` gives the reference code's ``r^101``.
    """
    root = 1 + np.sqrt(np.asarray(s_zm, complex))
    r = np.abs(root) ** 2
    return 0.5 * (1 - r ** (horizon + 1)) / (1 - r)


# ----------------------------------------------------------------------------- §4.5 stage 2


def third_root_perturbative(s_zm, s_zu, s_vm, s_vu):
    r"""First-order third root near ``σ_vu`` (§4.5, reference code).

    .. math:: λ_3 ≈ σ_{vu} + \frac{σ_{vm}σ_{zu}}{σ_{vu}^2 − 2σ_{vu} − σ_{zm} + 1}
    """
    return s_vu + s_vm * s_zu / (s_vu**2 - 2 * s_vu - s_zm + 1)


def vieta_modulus_squared(s_zm, s_vu, lambda3):
    r"""``|λ_1|² = c + bλ_3 + λ_3²`` with ``b = −(σ_vu + 2)``, ``c = 2σ_vu − σ_zm + 1`` (§4.5).

    Exact for the exact ``λ_3`` while ``λ_{1,2}`` are a conjugate pair (Vieta: ``λ_1 + λ_2 =
    −b − λ_3`` and ``λ_1λ_2 + λ_3(λ_1 + λ_2) = c``).
    """
    b = -(s_vu + 2)
    c = 2 * s_vu - s_zm + 1
    return c + b * lambda3 + lambda3**2


def overlaps_from_spectrum(lambda1: complex, lambda3: float) -> dict[str, float]:
    r"""Invert Vieta: ``σ_vu``, ``σ_zm`` and ``σ_vm σ_zu`` from a pair ``λ_1, λ̄_1`` and ``λ_3`` (§7.5).

    .. math::
        σ_{vu} = 2\,\mathrm{Re}\,λ_1 + λ_3 − 2,\quad
        σ_{zm} = 2σ_{vu} + 1 − (|λ_1|^2 + 2\,\mathrm{Re}\,λ_1 λ_3),\quad
        σ_{vm}σ_{zu} = σ_{vu}σ_{zm} − σ_{vu} + |λ_1|^2 λ_3.
    """
    re, mod2 = float(np.real(lambda1)), float(np.abs(lambda1) ** 2)
    s_vu = 2 * re + lambda3 - 2
    s_zm = 2 * s_vu + 1 - (mod2 + 2 * re * lambda3)
    prod = s_vu * s_zm - s_vu + mod2 * lambda3
    return {"s_zm": s_zm, "s_vu": s_vu, "s_vm_s_zu": prod}


PUBLISHED_EPOCH10 = (0.999671 + 0.163956j, -0.069754)
"""Epoch-10 spectrum ``(λ_1, λ_3)`` of the published rank-1 run (row 0 of every Fig. 4e array)."""


def overlaps_at_spectrum(lambda1: complex, lambda3: float, s_zu: float = 0.058) -> np.ndarray:
    r"""Overlaps ``(σ_zm, σ_zu, σ_vm, σ_vu)`` whose cubic has roots ``λ_1, λ̄_1, λ_3``.

    The spectrum fixes ``σ_zm``, ``σ_vu`` and the product ``σ_vm σ_zu`` only; ``σ_zu`` is a choice
    (default 0.058, the typical initial size of §2) and ``σ_vm = product/σ_zu``
    (**learndyn formulation**; the surrogate's crossing steps depend on it, docs/closed_loop.md).
    """
    inv = overlaps_from_spectrum(lambda1, lambda3)
    return np.array([inv["s_zm"], s_zu, inv["s_vm_s_zu"] / s_zu, inv["s_vu"]])


def short_horizon_loss(s_zm, s_zu, s_vm, s_vu):
    r"""``L_0 = ‖[P_eff³]_{xx}‖_F²``, the 3-step loss over unit initial states (§4.5).

    .. math:: L_0 = (σ_{zm}+1)^2 + (σ_{zm}+3)^2 + (σ_{vm}σ_{zu} + 2σ_{zm})^2 + (σ_{vm}σ_{zu} + 3σ_{zm} + 1)^2
    """
    q = s_vm * s_zu
    return (s_zm + 1) ** 2 + (s_zm + 3) ** 2 + (q + 2 * s_zm) ** 2 + (q + 3 * s_zm + 1) ** 2


def surrogate_loss(overlaps: Float[Array, "4"], alpha: float, exponent: int = 10):
    r"""``L_α = α (|λ_1|²)^T + (1 − α) L_0`` on ``(σ_zm, σ_zu, σ_vm, σ_vu)`` (§4.5).

    ``|λ_1|²`` by Vieta with the perturbative ``λ_3``; ``T`` = ``exponent`` (10 in Fig. 4d, 20 in
    the theory notebook). α stands for the episode length: long episodes weigh the growth rate.
    """
    s_zm, s_zu, s_vm, s_vu = overlaps
    lam3 = third_root_perturbative(s_zm, s_zu, s_vm, s_vu)
    long = vieta_modulus_squared(s_zm, s_vu, lam3) ** exponent
    return alpha * long + (1 - alpha) * short_horizon_loss(s_zm, s_zu, s_vm, s_vu)


def dominant_root_path(overlaps: np.ndarray) -> np.ndarray:
    r"""The dominant root of ``p`` along a path of overlaps ``(steps, 4)``, followed by continuity.

    Starts at the largest-modulus root with ``Im ≥ 0`` and then takes, at every step, the root
    nearest the previous one — not ``np.roots(...)[0]``, which jumps when a pair turns real
    (reference bug §6.2.9).
    """
    roots = overlap_roots(overlaps)
    path = np.empty(roots.shape[0], complex)
    first = roots[0]
    upper = first[first.imag >= -1e-12]
    path[0] = upper[np.argmax(np.abs(upper))]
    for i in range(1, roots.shape[0]):
        path[i] = roots[i][np.argmin(np.abs(roots[i] - path[i - 1]))]
    return path


def clipped_gd(
    loss: Callable[[Array], Array], x0: Array, *, lr: float, steps: int, clip: float | None = 1.0
) -> Array:
    r"""Gradient descent ``x ← x − η min(1, c/‖∇L‖) ∇L`` for ``steps`` steps; returns ``(steps+1, ...)``."""
    grad = jax.grad(loss)

    def step(x, _):
        g = grad(x)
        scale = 1.0 if clip is None else jnp.minimum(1.0, clip / (jnp.linalg.norm(g) + 1e-300))
        x = x - lr * scale * g
        return x, x

    x0 = jnp.asarray(x0, float)
    _, xs = jax.lax.scan(step, x0, None, length=steps)
    return jnp.concatenate([x0[None], xs])


def optimise_surrogate(
    overlaps0: Float[Array, "4"], alpha: float, *, exponent: int = 10, lr: float = 1e-3,
    steps: int = 300, clip: float | None = 1.0,
) -> dict[str, np.ndarray]:
    """Clipped GD on ``L_α`` directly on the four overlaps (§4.5, Fig. 4d).

    Returns ``overlaps (steps+1, 4)``, ``loss (steps+1,)`` and the ``dominant`` root path.
    """
    path = clipped_gd(lambda x: surrogate_loss(x, alpha, exponent), overlaps0, lr=lr, steps=steps, clip=clip)
    losses = jax.vmap(lambda x: surrogate_loss(x, alpha, exponent))(path)
    path = np.asarray(path)
    return {"overlaps": path, "loss": np.asarray(losses), "dominant": dominant_root_path(path)}


# ----------------------------------------------------------------------------- §4.6 flow


GRAM_NAMES = ("s_zm", "s_zu", "s_vm", "s_vu", "uu", "zz", "vv", "mu", "zv", "mm")


def overlap_vector_field(
    y: Float[Array, "10"], overlap_grad: Callable[[Array], Array], lr: float
) -> Float[Array, "10"]:
    r"""Gradient flow at rate η on ``(σ_zm, σ_zu, σ_vm, σ_vu, ‖u‖², ‖z‖², ‖v‖², mᵀu, zᵀv, ‖m‖²)`` (§4.6).

    With ``f_ab = ∂L/∂σ_ab`` (``overlap_grad``), ``∇_z L = f_zm m + f_zu u``,
    ``∇_u L = f_zu z + f_vu v``, ``∇_v L = f_vm m + f_vu u``:

    .. math::
        \dot σ_{zm} = −η(f_{zm}‖m‖² + f_{zu} m^\top u),\;
        \dot σ_{zu} = −η(f_{zm} m^\top u + f_{zu}(‖u‖²+‖z‖²) + f_{vu} z^\top v),\;
        \dot σ_{vm} = −η(f_{vm}‖m‖² + f_{vu} m^\top u),\;
        \dot σ_{vu} = −η(f_{vm} m^\top u + f_{vu}(‖u‖²+‖v‖²) + f_{zu} z^\top v),

    and ``d‖u‖² = −2η(f_zu σ_zu + f_vu σ_vu)``, ``d‖z‖² = −2η(f_zm σ_zm + f_zu σ_zu)``,
    ``d‖v‖² = −2η(f_vm σ_vm + f_vu σ_vu)``, ``d(mᵀu) = −η(f_zu σ_zm + f_vu σ_vm)``,
    ``d(zᵀv) = −η(f_zm σ_vm + f_zu σ_vu + f_vm σ_zm + f_vu σ_zu)``, ``‖m‖²`` constant
    (**learndyn formulation**, exact: the flow closes on these ten numbers).
    """
    s_zm, s_zu, s_vm, s_vu, uu, zz, vv, mu, zv, mm = y
    f_zm, f_zu, f_vm, f_vu = overlap_grad(y[:4])
    d = jnp.stack([
        f_zm * mm + f_zu * mu,
        f_zm * mu + f_zu * (uu + zz) + f_vu * zv,
        f_vm * mm + f_vu * mu,
        f_vm * mu + f_vu * (uu + vv) + f_zu * zv,
        2 * (f_zu * s_zu + f_vu * s_vu),
        2 * (f_zm * s_zm + f_zu * s_zu),
        2 * (f_vm * s_vm + f_vu * s_vu),
        f_zu * s_zm + f_vu * s_vm,
        f_zm * s_vm + f_zu * s_vu + f_vm * s_zm + f_vu * s_zu,
        0.0 * mm,
    ])
    return -lr * d


def overlap_flow(
    y0: Float[Array, "10"], loss: Callable[[Array], Array], *, lr: float, times: np.ndarray
) -> np.ndarray:
    """Integrate :func:`overlap_vector_field` with diffrax (Tsit5, adaptive) to ``times`` (epochs)."""
    grad = jax.grad(loss)
    term = diffrax.ODETerm(lambda t, y, args: overlap_vector_field(y, grad, lr))
    sol = diffrax.diffeqsolve(
        term, diffrax.Tsit5(), float(times[0]), float(times[-1]), 0.1, jnp.asarray(y0, float),
        saveat=diffrax.SaveAt(ts=jnp.asarray(times, float)),
        stepsize_controller=diffrax.PIDController(rtol=1e-8, atol=1e-10), max_steps=1_000_000,
    )
    return np.asarray(sol.ys)


def gram_matrix(m, z, u, v) -> Float[Array, "4 4"]:
    """Gram matrix of ``(m, z, u, v)``."""
    vecs = jnp.stack([m, z, u, v])
    return vecs @ vecs.T


def gram_overlaps(gram: Float[Array, "4 4"]) -> Float[Array, "4"]:
    """``(σ_zm, σ_zu, σ_vm, σ_vu)`` read off the Gram matrix of ``(m, z, u, v)``."""
    return jnp.stack([gram[1, 0], gram[1, 2], gram[3, 0], gram[3, 2]])


def gram_from_overlaps(y: Float[Array, "10"]) -> Float[Array, "4 4"]:
    """Gram matrix of ``(m, z, u, v)`` from the ten numbers of :data:`GRAM_NAMES`."""
    s_zm, s_zu, s_vm, s_vu, uu, zz, vv, mu, zv, mm = (y[i] for i in range(10))
    return jnp.array([[mm, s_zm, mu, s_vm], [s_zm, zz, s_zu, zv], [mu, s_zu, uu, s_vu], [s_vm, zv, s_vu, vv]])


def gram_descent(
    y0: Float[Array, "10"], loss: Callable[[Array], Array], *, lr: float, steps: int, clip: float | None = 1.0
) -> Float[Array, "steps+1 4"]:
    """``steps`` clipped SGD steps of the full rank-1 model on an exact overlap loss, through the
    Gram map (:func:`gram_sgd_step`); returns the overlap path ``(σ_zm, σ_zu, σ_vm, σ_vu)``."""
    grad = jax.grad(loss)

    def step(g, _):
        g = gram_sgd_step(g, grad, lr, clip)
        return g, gram_overlaps(g)

    g0 = gram_from_overlaps(jnp.asarray(y0, float))
    _, path = jax.lax.scan(step, g0, None, length=steps)
    return jnp.concatenate([gram_overlaps(g0)[None], path])


def gram_sgd_step(
    gram: Float[Array, "4 4"], overlap_grad: Callable[[Array], Array], lr: float, clip: float | None = 1.0
) -> Float[Array, "4 4"]:
    r"""One clipped SGD step of the full rank-1 model, closed on the Gram matrix of ``(m, z, u, v)`` (§4.6).

    ``z' = z − η'(f_zm m + f_zu u)``, ``u' = u − η'(f_zu z + f_vu v)``,
    ``v' = v − η'(f_vm m + f_vu u)``, ``m' = m``, i.e. ``G' = Mᵀ G M`` with the 4×4 coefficient
    matrix ``M``; ``η' = η min(1, c/‖g‖)``, ``‖g‖² = Σ`` of the three gradient norms expanded in
    ``G`` (**learndyn formulation**).
    """
    f_zm, f_zu, f_vm, f_vu = overlap_grad(gram_overlaps(gram))
    # gradient vectors as coefficient columns on the basis (m, z, u, v)
    gz = jnp.array([f_zm, 0.0, f_zu, 0.0])
    gu = jnp.array([0.0, f_zu, 0.0, f_vu])
    gv = jnp.array([f_vm, 0.0, f_vu, 0.0])
    norm2 = gz @ gram @ gz + gu @ gram @ gu + gv @ gram @ gv
    scale = 1.0 if clip is None else jnp.minimum(1.0, clip / (jnp.sqrt(norm2) + 1e-300))
    eta = lr * scale
    eye = jnp.eye(4)
    mmat = jnp.stack([eye[0], eye[1] - eta * gz, eye[2] - eta * gu, eye[3] - eta * gv], axis=1)
    return mmat.T @ gram @ mmat


# ----------------------------------------------------------------------------- §4.7 gains, Jury


def reduced_matrix(k1, k2, dt: float = 1.0) -> Float[Array, "... 2 2"]:
    r"""``P_red = [[1, dt], [dt k1, 1 + dt k2]]`` for the static law ``u = k1 pos + k2 vel`` (§4.7)."""
    k1, k2 = np.broadcast_arrays(np.asarray(k1, float), np.asarray(k2, float))
    out = np.empty(k1.shape + (2, 2))
    out[..., 0, 0], out[..., 0, 1] = 1.0, dt
    out[..., 1, 0], out[..., 1, 1] = dt * k1, 1 + dt * k2
    return out


def jury_stable(k1, k2):
    r"""Jury test at dt = 1: ``k1 < 0``, ``k2 < k1``, ``k2 > (k1 − 4)/2``, ``k2 > k1 − 2`` (§4.7).

    The stable set is the triangle (0, 0), (0, −2), (−4, −4) of area 4; the eigenvalues of
    ``P_red`` are complex iff ``k2² + 4k1 < 0``.
    """
    k1, k2 = np.asarray(k1, float), np.asarray(k2, float)
    return (k1 < 0) & (k2 < k1) & (k2 > (k1 - 4) / 2) & (k2 > k1 - 2)


def gain_region(k1, k2):
    """Plot label of the gain plane: 2 stable, 1 unstable oscillatory, 0 unstable real (§4.7)."""
    stable = jury_stable(k1, k2)
    complex_ = np.asarray(k2) ** 2 + 4 * np.asarray(k1) < 0
    return np.where(stable, 2, np.where(complex_, 1, 0))


def effective_gains(pos, vel, u) -> np.ndarray:
    r"""Least-squares gains without intercept, ``u ≈ k1 pos + k2 vel`` (§4.7, reference code).

    Args:
        pos: ``(..., samples)`` plant positions — e.g. 10 episodes × steps 1…49 flattened.
        vel: ``(..., samples)`` plant velocities at the same samples.
        u: ``(..., samples)`` controls at the same samples.

    Returns:
        ``(..., 2)`` gains ``(k1, k2)``.
    """
    x = np.stack([np.asarray(pos), np.asarray(vel)], axis=-1)
    xtx = np.einsum("...si,...sj->...ij", x, x)
    xty = np.einsum("...si,...s->...i", x, np.asarray(u))
    return np.linalg.solve(xtx, xty[..., None])[..., 0]


def lqr_gains(a_mat, b_mat, q, r, iterations: int = 10_000) -> np.ndarray:
    r"""Discrete LQR gains as ``u = k x`` (so ``k = −K``) by iterating the Riccati equation (§4.7).

    ``X ← Q + Aᵀ X A − Aᵀ X B (R + Bᵀ X B)^{-1} Bᵀ X A``, ``K = (R + Bᵀ X B)^{-1} Bᵀ X A``.
    For the double integrator: ``R → 0`` gives (−0.618, −1.618), ``R = 1`` gives (−0.422, −1.244).
    """
    a, b = np.asarray(a_mat, float), np.asarray(b_mat, float).reshape(len(a_mat), -1)
    q, r = np.atleast_2d(q).astype(float), np.atleast_2d(r).astype(float)
    x = q.copy()
    for _ in range(iterations):
        gain = np.linalg.solve(r + b.T @ x @ b, b.T @ x @ a)
        new = q + a.T @ x @ a - a.T @ x @ b @ gain
        if np.allclose(new, x, rtol=1e-14, atol=1e-14):
            x = new
            break
        x = new
    return -np.linalg.solve(r + b.T @ x @ b, b.T @ x @ a)[0]


# ----------------------------------------------------------------------------- §4.8 stages


def ep_of_stab(radius: np.ndarray, epochs: np.ndarray | None = None) -> int | None:
    """First recorded epoch after which the spectral radius stays below 1 ("enter and stay", §4.8).

    ``None`` when the last recorded radius is ≥ 1 (the run never stabilised); defined for every run,
    unlike the reference code (bug §6.2.2).
    """
    radius = np.asarray(radius)
    epochs = np.arange(radius.shape[-1]) if epochs is None else np.asarray(epochs)
    bad = np.flatnonzero(~(radius < 1))
    if bad.size == 0:
        return int(epochs[0])
    if bad[-1] == radius.size - 1:
        return None
    return int(epochs[bad[-1] + 1])


def stage1_end(eigenvalues: np.ndarray, epochs: np.ndarray | None = None, tol: float = 1e-9) -> int | None:
    """First recorded epoch after which no closed-loop matrix has a real eigenvalue ≥ 1 (§4.8).

    Args:
        eigenvalues: ``(epochs, k)`` closed-loop eigenvalues; a value counts as real when
            ``|Im| ≤ tol·max(1, |λ|)``.
    """
    lam = np.asarray(eigenvalues)
    epochs = np.arange(lam.shape[0]) if epochs is None else np.asarray(epochs)
    real_big = (np.abs(lam.imag) <= tol * np.maximum(1, np.abs(lam))) & (lam.real >= 1)
    bad = np.flatnonzero(real_big.any(axis=-1))
    if bad.size == 0:
        return int(epochs[0])
    if bad[-1] == lam.shape[0] - 1:
        return None
    return int(epochs[bad[-1] + 1])


# ----------------------------------------------------------------------------- §4.9 exact loss


def expected_loss(
    p_mat: Float[Array, "d d"],
    sigma0: Float[Array, "d d"],
    horizon: int,
    *,
    state_weight: Float[Array, " T"],
    state_index: int,
    control: Float[Array, " d"],
    beta: float,
    control_weight: Float[Array, " T"],
) -> Float[Array, ""]:
    r"""Exact expected loss of a linear closed loop by covariance propagation (§4.9).

    ``Σ_{t+1} = P Σ_t Pᵀ`` from ``Σ_0`` and

    .. math::
        E[L] = \sum_{t<T} w_t\, \tfrac12 \mathrm{tr}\,Σ_t[x,x] + β \sum_{t<T} c_t\, c_u^\top Σ_t c_u,

    with the plant state in the first ``state_index`` coordinates and ``u_t = c_uᵀ s_t``. The
    rank-1 reference reduction is ``w_t = 1/T``, ``c_t = 1`` (**learndyn formulation**).
    """

    def step(sig, wts):
        w_t, c_t = wts
        tr = jnp.trace(sig[:state_index, :state_index])
        term = 0.5 * w_t * tr + beta * c_t * (control @ sig @ control)
        return p_mat @ sig @ p_mat.T, term

    _, terms = jax.lax.scan(step, sigma0, (state_weight, control_weight), length=horizon)
    return jnp.sum(terms)


def uniform_state_covariance(dim: int, plant_dim: int, half_width: float) -> Float[Array, "d d"]:
    """``Σ_0 = diag(a²/3, …, 0, …)``: plant states i.i.d. U(−a, a), controller state 0 (§4.9)."""
    diag = jnp.where(jnp.arange(dim) < plant_dim, half_width**2 / 3.0, 0.0)
    return jnp.diag(diag)
