r"""Mean-field reduction of trained low-rank recurrent networks (learndyn's implementation of an
established method).

A low-rank rate network ``τẋ = −x + M Nᵀ φ(x)/N + g J φ(x) + W_in u + b``, ``y = W_out φ(x) + b_out``
(``M, N`` of size ``N × R``) is described unit by unit: unit ``i`` is a point of **loadings**
``ℓ_i = (m_i, n_i, I_i, b_i, w_i)`` in ``R + R + n_in + 1 + n_out`` dimensions (``m_i = M_{i·}``,
``n_i = N_{i·}``, ``I_i = W_in[i, ·]``, ``b_i``, and ``w_i = N·W_out[·, i]``, so that the readout is the
population mean ``E[w φ(x)]``). The population dynamics close on the **latent variables**
``κ = Nᵀφ(x)/N`` (Mastrogiuseppe & Ostojic 2018; Beiran et al. 2021; Dubreuil et al. 2022): for a
constant input ``u`` the plane ``x = Mκ + W_in u + b`` is invariant when ``g = 0``, and

.. math::

    τ\dot κ = −κ + \frac1N \sum_i n_i\, φ(m_i·κ + I_i·u + b_i).

If the loadings are drawn i.i.d. from a mixture of ``P`` Gaussian populations (weights ``α_p``), the
sum becomes an expectation. Within population ``p`` the input current ``x = a·ℓ_{m,I,b}``,
``a = (κ, u, 1)``, is Gaussian with mean ``μ_p = a·μ^{mIb}_p`` and variance ``s_p² = aᵀΣ^{mIb}_p a + Δ``,
and Stein's lemma gives the **mean-field latent dynamics**

.. math::

    τ\dot κ = −κ + \sum_p α_p \big( μ^{n}_p ⟨φ⟩_p + Σ^{n, mIb}_p a\, ⟨φ'⟩_p \big),\qquad
    ⟨f⟩_p = \int Dz\, f(μ_p + s_p z),

with effective couplings ``Σ^{n,m}`` (the covariances of ``n`` with ``m``, ``I`` and ``b``) gated by each
population's mean gain ``⟨φ'⟩_p``. A fixed random part ``gJ`` adds an independent Gaussian field of
variance ``Δ = g² Σ_p α_p ⟨φ²⟩_p`` (the static mean field of Mastrogiuseppe & Ostojic 2018), solved
self-consistently at each ``κ`` (learndyn formulation: exact at fixed points, an adiabatic
approximation of the transient). The readout is ``y = Σ_p α_p (μ^w_p ⟨φ⟩_p + Σ^{w,mIb}_p a ⟨φ'⟩_p) + b_out``.

A network *resampled* from the fitted distribution (any size) has the same mean-field dynamics; if
it still performs the task, the fit captured the structure that matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial

import jax
import jax.numpy as jnp
import numpy as np
import jax.random as jr

from .._types import Array, Float

_ACT = {"tanh": (jnp.tanh, lambda x: 1.0 - jnp.tanh(x) ** 2),
        "relu": (jax.nn.relu, lambda x: (x > 0).astype(x.dtype)),
        "linear": (lambda x: x, jnp.ones_like)}


@dataclass(frozen=True)
class LoadingLayout:
    """Where each kind of loading sits in a unit's loading vector ``(m, n, I, b, w)``."""

    rank: int
    n_in: int
    n_out: int

    @property
    def m(self) -> slice:
        return slice(0, self.rank)

    @property
    def n(self) -> slice:
        return slice(self.rank, 2 * self.rank)

    @property
    def inputs(self) -> slice:
        return slice(2 * self.rank, 2 * self.rank + self.n_in)

    @property
    def bias(self) -> int:
        return 2 * self.rank + self.n_in

    @property
    def w(self) -> slice:
        return slice(self.bias + 1, self.bias + 1 + self.n_out)

    @property
    def drive(self) -> np.ndarray:
        """Indices of ``(m, I, b)``: the loadings that set a unit's input current."""
        return np.r_[np.arange(self.rank), np.arange(self.inputs.start, self.bias + 1)]

    @property
    def size(self) -> int:
        return self.bias + 1 + self.n_out

    def names(self) -> list[str]:
        r, i, o = range(self.rank), range(self.n_in), range(self.n_out)
        return ([f"m{k}" for k in r] + [f"n{k}" for k in r] + [f"I{k}" for k in i] + ["b"]
                + [f"w{k}" for k in o])


def loadings(m: Float[Array, "n r"], n_vec: Float[Array, "n r"], w_in: Float[Array, "n n_in"],
             b: Float[Array, " n"], w_out: Float[Array, "n_out n"]) -> tuple[np.ndarray, LoadingLayout]:
    """Per-unit loading vectors ``(m_i, n_i, I_i, b_i, N·W_out[·, i])`` of one network, ``(N, D)``."""
    m, n_vec, w_in, b, w_out = (np.asarray(a, float) for a in (m, n_vec, w_in, b, w_out))
    size = m.shape[0]
    table = np.concatenate([m, n_vec, w_in, b[:, None], size * w_out.T], axis=1)
    return table, LoadingLayout(m.shape[1], w_in.shape[1], w_out.shape[0])


@partial(jax.tree_util.register_dataclass, data_fields=["weights", "means", "covariances"],
         meta_fields=["layout"])
@dataclass(frozen=True)
class LoadingDistribution:
    """A mixture of Gaussian populations over the loadings (one population: a single Gaussian).

    A pytree (the layout is static), so a compiled mean field can take any distribution of the same
    shape as an argument."""

    weights: np.ndarray  # (P,)
    means: np.ndarray  # (P, D)
    covariances: np.ndarray  # (P, D, D)
    layout: LoadingLayout

    @property
    def populations(self) -> int:
        return len(self.weights)


def empirical_distribution(table: np.ndarray, layout: LoadingLayout,
                           counts: np.ndarray | None = None) -> LoadingDistribution:
    """The units themselves as a distribution: one population per unit, no spread, weights
    ``counts / Σ counts`` (all ``1/N`` by default). With ``g = 0`` its mean field *is* the
    network's latent dynamics."""
    table = np.asarray(table, float)
    counts = np.ones(len(table)) if counts is None else np.asarray(counts, float)
    return LoadingDistribution(counts / counts.sum(), table, np.zeros((len(table),) + 2 * table.shape[1:]), layout)


def bootstrap_distribution(table: np.ndarray, layout: LoadingLayout, key) -> LoadingDistribution:
    r"""The empirical distribution of ``N`` units drawn with replacement from the ``N`` rows of ``table``.

    Its mean field is the latent dynamics of another network of the same size whose units come
    from the same population as the trained ones. How far its fixed points fall from the trained
    network's is the **resampling spread** (learndyn formulation): whether the network's fixed points
    are a property of its unit population at this size, which fresh networks share, or of its
    particular units. It is not a bound on a fit: a fitted distribution smooths the sample rather than
    adding fresh sampling noise, and can be much closer.
    """
    n = len(table)
    counts = np.bincount(np.asarray(jr.randint(key, (n,), 0, n)), minlength=n)
    return empirical_distribution(table, layout, counts)


def fit_loadings(table: np.ndarray, layout: LoadingLayout, populations: int = 1, *, seed: int = 0,
                 n_init: int = 5) -> LoadingDistribution:
    """Fit ``populations`` Gaussians to the rows of ``table`` (scikit-learn's ``GaussianMixture``,
    full covariances, ``n_init`` EM restarts; ``populations = 1`` is the sample mean and covariance).

    The mixture is fitted to the loadings standardised column by column and mapped back (learndyn
    formulation). A full-covariance mixture is itself invariant under that rescaling, but EM's
    k-means start is not: the readout loadings ``N·W_out`` are typically 10–100× larger than the
    others and would otherwise decide the populations alone.
    """
    from sklearn.mixture import GaussianMixture

    table = np.asarray(table, float)
    if populations == 1:
        return LoadingDistribution(np.ones(1), table.mean(0, keepdims=True),
                                   np.cov(table, rowvar=False, bias=True)[None], layout)
    centre, scale = table.mean(0), table.std(0)
    scale = np.where(scale > 0, scale, 1.0)
    gm = GaussianMixture(populations, covariance_type="full", n_init=n_init, random_state=seed,
                         reg_covar=1e-6).fit((table - centre) / scale)
    return LoadingDistribution(gm.weights_, gm.means_ * scale + centre,
                               gm.covariances_ * np.outer(scale, scale), layout)


def sample_loadings(dist: LoadingDistribution, key, size: int) -> np.ndarray:
    """``size`` units drawn from the fitted mixture (population counts multinomial), ``(size, D)``."""
    kp, kz = jr.split(key)
    pop = np.asarray(jr.choice(kp, dist.populations, (size,), p=jnp.asarray(dist.weights)))
    z = np.asarray(jr.normal(kz, (size, dist.means.shape[1])), float)
    chol = np.linalg.cholesky(dist.covariances + 1e-12 * np.eye(dist.means.shape[1]))
    return dist.means[pop] + np.einsum("sij,sj->si", chol[pop], z)


def _gauss_hermite(order: int = 80):
    x, w = np.polynomial.hermite_e.hermegauss(order)
    return jnp.asarray(x), jnp.asarray(w / w.sum())


def _population_terms(dist: LoadingDistribution, kappa, u, delta, activation: str, quadrature: int = 80):
    """Per population: ``(⟨φ⟩, ⟨φ'⟩, ⟨φ²⟩, a)`` of the Gaussian input current at ``(κ, u)``."""
    phi, dphi = _ACT[activation]
    lay = dist.layout
    a = jnp.concatenate([kappa, u, jnp.ones(1, kappa.dtype)])
    drive = lay.drive
    mu = jnp.asarray(dist.means)[:, drive] @ a
    cov = jnp.asarray(dist.covariances)[:, drive][:, :, drive]
    var = jnp.einsum("i,pij,j->p", a, cov, a) + delta
    z, w = _gauss_hermite(quadrature)
    # (a floor under the variance keeps the derivative finite where it vanishes, e.g. κ = 0, g = 0)
    x = mu[:, None] + jnp.sqrt(jnp.maximum(var, 1e-30))[:, None] * z[None]
    return phi(x) @ w, dphi(x) @ w, phi(x) ** 2 @ w, a


def random_field_variance(dist: LoadingDistribution, kappa, u, g: float, activation: str = "tanh",
                          iterations: int = 60, quadrature: int = 80):
    r"""``Δ = g² Σ_p α_p ⟨φ²⟩_p(Δ)`` by fixed-point iteration (``0`` for ``g = 0``)."""
    if g == 0:
        return jnp.zeros((), jnp.asarray(kappa).dtype)

    def body(delta, _):
        _, _, sq, _ = _population_terms(dist, kappa, u, delta, activation, quadrature)
        return (g**2 * jnp.asarray(dist.weights) @ sq).astype(delta.dtype), None

    delta, _ = jax.lax.scan(body, jnp.zeros((), jnp.asarray(kappa).dtype), None, length=iterations)
    return delta


def population_average(dist: LoadingDistribution, which: slice, kappa, u, *, g: float = 0.0,
                       activation: str = "tanh", quadrature: int = 80):
    r"""``E[ℓ_which φ(x)] = Σ_p α_p (μ^{which}_p ⟨φ⟩_p + Σ^{which, mIb}_p a ⟨φ'⟩_p)`` at ``(κ, u)``: the
    population average of the loadings ``which`` (``n`` for the latent drive, ``w`` for the readout)
    weighted by the units' rates (Stein's lemma within each Gaussian population). ``quadrature``: Gauss–Hermite
    nodes of each population average (1 is exact for populations without spread when ``g = 0``)."""
    kappa, u = jnp.asarray(kappa), jnp.asarray(u, jnp.asarray(kappa).dtype)
    delta = random_field_variance(dist, kappa, u, g, activation, quadrature=quadrature)
    mean_phi, mean_dphi, _, a = _population_terms(dist, kappa, u, delta, activation, quadrature)
    mu = jnp.asarray(dist.means)[:, which]
    cov = jnp.asarray(dist.covariances)[:, which][:, :, dist.layout.drive] @ a
    return jnp.asarray(dist.weights) @ (mu * mean_phi[:, None] + cov * mean_dphi[:, None])


def mean_field_velocity(dist: LoadingDistribution, kappa: Float[Array, " r"], u: Float[Array, " n_in"], *,
                        g: float = 0.0, activation: str = "tanh", quadrature: int = 80) -> Float[Array, " r"]:
    r"""``τκ̇ = −κ + Σ_p α_p (μ^n_p ⟨φ⟩_p + Σ^{n,mIb}_p a ⟨φ'⟩_p)`` (module docstring)."""
    return -jnp.asarray(kappa) + population_average(dist, dist.layout.n, kappa, u, g=g, activation=activation,
                                                    quadrature=quadrature)


@lru_cache(maxsize=16)
def latent_velocity(g: float = 0.0, activation: str = "tanh", quadrature: int = 80):
    """``(κ, dist, u) ↦ τκ̇`` of :func:`mean_field_velocity` for a random-part gain ``g`` and an activation:
    one function per setting, so :func:`latent_fixed_points` compiles its search once for all
    distributions of one shape."""

    def velocity(kappa, dist: LoadingDistribution, u):
        return mean_field_velocity(dist, kappa, u, g=g, activation=activation, quadrature=quadrature)

    return velocity


def mean_field_readout(dist: LoadingDistribution, kappa, u, b_out, *, g: float = 0.0, activation: str = "tanh"):
    r"""``y = Σ_p α_p (μ^w_p ⟨φ⟩_p + Σ^{w,mIb}_p a ⟨φ'⟩_p) + b_out``."""
    return population_average(dist, dist.layout.w, kappa, u, g=g, activation=activation) + b_out


@dataclass(frozen=True)
class LatentFixedPoints:
    kappa: np.ndarray  # (K, R)
    eigenvalues: np.ndarray  # (K, R) of the latent Jacobian, least stable first
    stable: np.ndarray  # (K,)


@lru_cache(maxsize=32)
def _newton_search(velocity):
    """Compiled damped-Newton search for the zeros of ``velocity(κ, *args)``, one per velocity function
    (``args`` are traced, so new distributions of the same shape reuse the compilation)."""
    jac = jax.jacfwd(velocity)

    def newton(k, limit, args):
        rank = k.shape[-1]

        def body(k, _):
            step = jnp.linalg.solve(jac(k, *args) - 1e-12 * jnp.eye(rank), velocity(k, *args))
            step = step / jnp.maximum(1.0, jnp.linalg.norm(step) / limit)  # damped far from a zero
            return (k - step).astype(k.dtype), None

        k, _ = jax.lax.scan(body, k, None, length=80)
        return k, jnp.linalg.norm(velocity(k, *args))

    return jax.jit(jax.vmap(newton, in_axes=(0, 0, None))), jax.jit(jac)


def latent_fixed_points(velocity, rank: int, *, args: tuple = (), starts: np.ndarray | None = None,
                        span: float = 3.0, grid: int = 9, levels: int = 4, tol: float = 1e-9,
                        merge: float = 1e-4) -> LatentFixedPoints:
    """Zeros of a latent velocity ``κ ↦ κ̇`` (``R`` dims) by damped Newton's method, merged within
    ``merge``; stability from the Jacobian. ``velocity`` is called as ``velocity(κ, *args)``; pass what
    changes between calls (a distribution, an input) in ``args`` and keep ``velocity`` the same function
    (e.g. :func:`latent_velocity`), and the search is compiled once.

    Starts (unless ``starts`` is given): ``grid^R`` points over ``[−s, s]^R`` for each of the nested
    scales ``s = span, span/2, …, span/2^(levels−1)``, and each Newton step is at most ``s`` long. A
    coarse grid alone misses zeros packed closer than its spacing (the saddles between nearby
    memories of a flip-flop network lie a fraction of its spacing apart), and a step as long as the
    whole span jumps over them."""
    if starts is None:
        scales = span / 2.0 ** np.arange(max(levels, 1))
        axes = np.linspace(-1.0, 1.0, grid)
        unit = np.stack(np.meshgrid(*[axes] * rank, indexing="ij"), -1).reshape(-1, rank)
        starts = np.concatenate([s * unit for s in scales])
        limits = np.repeat(scales, len(unit))
    else:
        starts = np.asarray(starts, float).reshape(-1, rank)
        limits = np.full(len(starts), span)
    search, jac = _newton_search(velocity)
    ks, res = search(jnp.asarray(starts, float), jnp.asarray(limits, float), args)
    ks, res = np.asarray(ks), np.asarray(res)
    found: list[np.ndarray] = []
    for k, r in zip(ks, res, strict=True):
        if r < tol and np.all(np.isfinite(k)) and all(np.linalg.norm(k - f) > merge for f in found):
            found.append(k)
    kappa = np.array(found).reshape(-1, rank)
    eig = np.array([np.linalg.eigvals(np.asarray(jac(jnp.asarray(k), *args))) for k in kappa]).reshape(-1, rank)
    eig = np.take_along_axis(eig, np.argsort(-eig.real, axis=1), axis=1) if len(eig) else eig
    return LatentFixedPoints(kappa, eig, eig[:, 0].real < 0 if len(eig) else np.zeros(0, bool))
