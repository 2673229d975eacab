r"""Low-rank networks after training: the mean-field latent dynamics of their fitted loading
distribution beside the trained network (``learndyn.theory.low_rank``; Beiran et al. 2021,
Dubreuil et al. 2022).

For every trained low-rank network and each fit — one Gaussian, and a mixture of
``low_rank.populations`` Gaussians — this computes:

* ``mf_kappa``, ``mf_stable``: the fixed points of the mean-field latent dynamics and their
  stability, per fixed-point condition (the constant input of the task's memory/integration period);
* ``fp_kappa``: the trained network's fixed points (found by the fixed-point finder) projected on the
  latent space, ``κ = argmin ‖M κ − (x − W_in u − b)‖``;
* ``mf_position_error``, ``mf_same_stability``: for each of the network's fixed points, the distance to
  the nearest mean-field fixed point relative to the latent scale (the larger of ``max_j ‖κ_j‖`` over
  the network's fixed points and ``latent_extent``, the RMS of ``‖κ‖`` along the test trials), and
  whether their stabilities agree;
* ``resampled_accuracy``: the task accuracy of ``low_rank.draws`` networks of
  ``low_rank.size_factor × N`` units drawn from the fit (fresh random part ``g J``), on the run's
  test trials and noise, beside ``trained_accuracy`` evaluated the same way;
* ``bootstrap_position_error``, ``bootstrap_same_stability``: the same comparison for
  ``low_rank.bootstraps`` networks of ``N`` units drawn with replacement from the trained network's own
  units — the resampling spread: whether the network's fixed points are a property of its unit
  population at this N, or of its particular units (learndyn formulation).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from learndyn.models import LowRankRNN
from learndyn.theory import low_rank as lr

FITS = ("gaussian", "mixture")


def _fit(table, lay, fit: str, populations: int, seed: int):
    return lr.fit_loadings(table, lay, 1 if fit == "gaussian" else populations, seed=seed)


def _network_of(net: LowRankRNN, table: np.ndarray, lay: lr.LoadingLayout, j) -> LowRankRNN:
    n = table.shape[0]
    f = lambda a: jnp.asarray(a, jnp.float64)  # noqa: E731
    return LowRankRNN.from_weights(f(table[:, lay.m]), f(table[:, lay.n]), f(j), f(table[:, lay.inputs]),
                                   f(table[:, lay.bias]), f(table[:, lay.w].T / n), f(net.b_out), net.activation)


def bootstrap_key(seed: int, network: int, draw: int):
    """PRNG key of bootstrap ``draw`` of network ``network`` (flat index over grid and seeds)."""
    return jr.fold_in(jr.key(seed + 1000 * (network + 1)), 7919 + draw)


def unit_velocity(spec):
    """The latent velocity of a distribution of units without spread (the units themselves, a
    bootstrap of them): without a random field (``g = 0``) one quadrature node is exact."""
    g = float(spec.model.g)
    return lr.latent_velocity(g, spec.model.activation, 1 if g == 0 else 80)


def bootstrap_velocities(net: LowRankRNN, spec, u, network: int = 0) -> list:
    """The latent velocities ``κ ↦ τκ̇`` (vectorised over rows of ``κ``) of the analysis's bootstrap
    networks of ``net`` (same draws as :func:`analyse`), under the constant input ``u``."""
    table, lay = lr.loadings(net.m, net.n_vec, net.w_in, net.b, net.w_out)
    velocity = jax.jit(jax.vmap(unit_velocity(spec), in_axes=(0, None, None)))
    out = []
    for r in range(spec.low_rank.bootstraps):
        boot = lr.bootstrap_distribution(table, lay, bootstrap_key(spec.seed, network, r))
        out.append(lambda k, boot=boot: velocity(jnp.asarray(k, jnp.float64), boot, jnp.asarray(u, jnp.float64)))
    return out


def project_on_latent(net: LowRankRNN, x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``κ`` minimising ``‖M κ − (x − W_in u − b)‖`` for each row of ``x``."""
    v0 = np.asarray(net.latent_offset(jnp.asarray(u, jnp.float64)))
    return np.linalg.lstsq(np.asarray(net.m), (np.asarray(x) - v0).T, rcond=None)[0].T


def match(kappa_net: np.ndarray, stable_net: np.ndarray, mf: lr.LatentFixedPoints,
          extent: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """For each network fixed point: the distance to the nearest mean-field one relative to the
    latent scale ``max(max_j ‖κ_j‖, extent)`` (``extent``: the RMS latent excursion during the task),
    and whether their stabilities agree."""
    err = np.full(len(kappa_net), np.inf)
    same = np.zeros(len(kappa_net), bool)
    if not len(mf.kappa):
        return err, same
    scale = max(float(np.max(np.linalg.norm(kappa_net, axis=1))) if len(kappa_net) else 0.0, extent, 1e-9)
    for i, k in enumerate(kappa_net):
        d = np.linalg.norm(mf.kappa - k, axis=1)
        j = int(np.argmin(d))
        err[i], same[i] = d[j] / scale, bool(mf.stable[j] == stable_net[i])
    return err, same


def analyse(spec, params, data, test, accuracy_fn, analysis: dict[str, Any], diverged: np.ndarray,
            conditions: dict[str, np.ndarray], trial_outputs) -> dict[str, np.ndarray]:
    """The low-rank mean-field analysis of every network (arrays with a leading ``net`` axis)."""
    cfg = spec.low_rank
    n_net = int(np.asarray(data.alpha).shape[0])
    rank = int(np.asarray(params.m).shape[-1])
    conds = list(conditions.values())
    c, k, kmf = len(conds), analysis["fp_x"].shape[2], cfg.max_points
    nf = len(FITS)
    out = {"mf_kappa": np.full((n_net, nf, c, kmf, rank), np.nan), "mf_stable": np.zeros((n_net, nf, c, kmf), bool),
           "mf_eig": np.full((n_net, nf, c, kmf, rank), np.nan + 0j),
           "fp_kappa": np.full((n_net, c, k, rank), np.nan),
           "mf_position_error": np.full((n_net, nf, c, k), np.nan),
           "mf_same_stability": np.zeros((n_net, nf, c, k), bool),
           "resampled_accuracy": np.full((n_net, nf, cfg.draws), np.nan), "trained_accuracy": np.full(n_net, np.nan),
           "latent_extent": np.full(n_net, np.nan),
           "bootstrap_position_error": np.full((n_net, cfg.bootstraps, c, k), np.nan),
           "bootstrap_same_stability": np.zeros((n_net, cfg.bootstraps, c, k), bool)}
    d_load = lr.LoadingLayout(rank, int(np.asarray(params.w_in).shape[-1]), int(np.asarray(params.w_out).shape[-2])).size
    out.update(fit_weights=np.full((n_net, nf, cfg.populations), np.nan),
               fit_means=np.full((n_net, nf, cfg.populations, d_load), np.nan),
               fit_covariances=np.full((n_net, nf, cfg.populations, d_load, d_load), np.nan))
    if not cfg.bootstraps:
        del out["bootstrap_position_error"], out["bootstrap_same_stability"]
    noise_key = jr.fold_in(jr.key(spec.seed), 11)
    dtype = test.inputs.dtype  # trained and resampled networks are scored in the training precision
    acc = jax.jit(jax.vmap(lambda net, d: accuracy_fn(trial_outputs(jax.tree.map(lambda a: a.astype(dtype), net),
                                                                    test.inputs, d, noise_key)[1], test),
                           in_axes=(0, None)))
    size = max(2, int(round(cfg.size_factor * spec.model.n)))
    velocity = lr.latent_velocity(float(spec.model.g), spec.model.activation)

    def search(dist, u, kn, velocity=velocity):
        span = 1.5 * max(float(np.max(np.abs(kn))) if len(kn) else 1.0, 1.0)
        return lr.latent_fixed_points(velocity, rank, args=(dist, jnp.asarray(u, jnp.float64)), span=span,
                                      grid=cfg.starts_per_axis)

    for i in range(n_net):
        if diverged[i]:
            continue
        net = jax.tree.map(lambda a: jnp.asarray(a[i], jnp.float64), params)
        d = jax.tree.map(lambda a: a[i], data)
        out["trained_accuracy"][i] = float(acc(jax.tree.map(lambda a: a[None], net), d)[0])
        table, lay = lr.loadings(net.m, net.n_vec, net.w_in, net.b, net.w_out)
        states = np.asarray(trial_outputs(jax.tree.map(lambda a: a.astype(dtype), net), test.inputs, d, None)[0], float)
        latent = np.asarray(net.rates(jnp.asarray(states)))
        latent = latent @ np.asarray(net.n_vec) / spec.model.n  # κ = Nᵀφ(x)/N along the test trials
        extent = float(np.sqrt(np.mean(np.sum(latent**2, -1))))
        out["latent_extent"][i] = extent
        net_points = []
        for j, u in enumerate(conds):
            fixed = analysis["fp_fixed"][i, j]
            kn = project_on_latent(net, analysis["fp_x"][i, j][fixed], u)
            out["fp_kappa"][i, j, : len(kn)] = kn
            net_points.append((kn, analysis["fp_stable"][i, j][fixed]))
        for r in range(cfg.bootstraps):  # the resampling spread: N fresh units of the same population
            boot = lr.bootstrap_distribution(table, lay, bootstrap_key(spec.seed, i, r))
            for j, u in enumerate(conds):
                kn, stable_net = net_points[j]
                err, same = match(kn, stable_net, search(boot, u, kn, unit_velocity(spec)), extent)
                out["bootstrap_position_error"][i, r, j, : len(err)] = err
                out["bootstrap_same_stability"][i, r, j, : len(same)] = same
        for f, fit in enumerate(FITS):
            dist = _fit(table, lay, fit, cfg.populations, spec.seed + i)
            p = dist.populations
            out["fit_weights"][i, f, :p], out["fit_means"][i, f, :p] = dist.weights, dist.means
            out["fit_covariances"][i, f, :p] = dist.covariances
            for j, u in enumerate(conds):
                kn, stable_net = net_points[j]
                mf = search(dist, u, kn)
                m = min(len(mf.kappa), kmf)
                out["mf_kappa"][i, f, j, :m] = mf.kappa[:m]
                out["mf_stable"][i, f, j, :m] = mf.stable[:m]
                out["mf_eig"][i, f, j, :m] = mf.eigenvalues[:m]
                err, same = match(kn, stable_net, mf, extent)
                out["mf_position_error"][i, f, j, : len(err)] = err
                out["mf_same_stability"][i, f, j, : len(same)] = same
            draws = []
            for r in range(cfg.draws):
                key = jr.fold_in(jr.key(spec.seed + 1000 * (i + 1)), 10 * r + f)
                kt, kj = jr.split(key)
                sample = lr.sample_loadings(dist, kt, size)
                j_new = spec.model.g * jr.normal(kj, (size, size), jnp.float64) / np.sqrt(size)
                draws.append(_network_of(net, sample, lay, j_new))
            stacked = jax.tree.map(lambda *a: jnp.stack(a), *draws)
            out["resampled_accuracy"][i, f] = np.asarray(acc(stacked, d))
    return out


DIMS = {"mf_kappa": ("fit", "condition", "mf_fp", "latent"), "mf_stable": ("fit", "condition", "mf_fp"),
        "mf_eig": ("fit", "condition", "mf_fp", "latent"), "fp_kappa": ("condition", "fp", "latent"),
        "mf_position_error": ("fit", "condition", "fp"), "mf_same_stability": ("fit", "condition", "fp"),
        "resampled_accuracy": ("fit", "draw"), "trained_accuracy": (), "latent_extent": (),
        "fit_weights": ("fit", "population"), "fit_means": ("fit", "population", "loading"),
        "fit_covariances": ("fit", "population", "loading", "loading_2"),
        "bootstrap_position_error": ("bootstrap", "condition", "fp"),
        "bootstrap_same_stability": ("bootstrap", "condition", "fp")}

ATTRS = {
    "mf_kappa": ("theory", "fixed points of the mean-field latent dynamics of the fitted loadings"),
    "mf_stable": ("theory", "every eigenvalue of the latent Jacobian has Re λ < 0"),
    "mf_eig": ("theory", "eigenvalues of the mean-field latent Jacobian, least stable first"),
    "fp_kappa": ("analysis", "the network's fixed points projected on the latent space (least squares on M)"),
    "mf_position_error": ("theory", "distance to the nearest mean-field fixed point / max ‖κ‖ of the network's"),
    "mf_same_stability": ("theory", "the nearest mean-field fixed point has the same stability"),
    "resampled_accuracy": ("theory", "task accuracy of networks resampled from the fit (size_factor × N units)"),
    "trained_accuracy": ("analysis", "task accuracy of the trained network, evaluated as the resampled ones"),
    "latent_extent": ("analysis", "RMS of ‖κ‖, κ = Nᵀφ(x)/N, over the noiseless test trials (the position scale)"),
    "fit_weights": ("theory", "population weights of the fitted loading distribution (NaN: unused)"),
    "fit_means": ("theory", "population means of the loadings (m, n, I, b, N·w_out)"),
    "fit_covariances": ("theory", "population covariances of the loadings"),
    "bootstrap_position_error": ("theory", "resampling spread: as mf_position_error, for the latent dynamics of N "
                                           "units drawn with replacement from the trained network's own"),
    "bootstrap_same_stability": ("theory", "resampling spread: as mf_same_stability, for N units drawn with "
                                           "replacement from the trained network's own"),
}


def distribution(ds, network: dict, fit: str) -> lr.LoadingDistribution:
    """The fitted loading distribution of one stored network (``network``: its grid/seed indices)."""
    sub = ds.isel(network).sel(fit=fit)
    ok = np.isfinite(sub["fit_weights"].values)
    rank = ds.sizes["latent"]
    n_in = sub["param_w_in"].shape[-1]
    n_out = sub["param_w_out"].shape[-2]
    return lr.LoadingDistribution(sub["fit_weights"].values[ok], sub["fit_means"].values[ok],
                                  sub["fit_covariances"].values[ok], lr.LoadingLayout(rank, n_in, n_out))
