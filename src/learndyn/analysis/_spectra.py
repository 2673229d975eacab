r"""Eigen-spectra of ``W``, residues and outliers (Bordelon et al. 2025; docs/integrate.md).

All functions run on the host (NumPy): JAX's non-symmetric ``eig`` is CPU-only, and spectra are
computed at recorded steps, outside the jitted training step (§6 pitfall "Sorting").
"""

from __future__ import annotations

import numpy as np

from ..linalg import sort_eigenvalues


def residues(w: np.ndarray, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Eigenvalues ``λ_k`` of ``W`` and residues ``ρ_k = (v·r_k)(l_k·u)``, sorted by modulus.

    ``f(s) = Σ_k ρ_k e^{-(1-λ_k)s}`` and ``Σ_k ρ_k = u·v`` (§1). Left eigenvectors are the rows of
    ``R⁻¹`` (so ``l_kᵀ r_k = 1``). Near-defective ``W`` makes residues large while their sum stays
    finite (§6): report them, do not trust them near collisions.
    """
    lam, r = np.linalg.eig(w)
    try:
        left = np.linalg.solve(r, u.astype(complex))
    except np.linalg.LinAlgError:
        left = np.full(lam.shape, np.nan + 0j)
    rho = (v @ r) * left
    order = np.lexsort((-np.sign(lam.imag), -np.round(np.abs(lam), 12)))
    return lam[order], rho[order]


def spectrum_and_residues(w, u, v) -> tuple[np.ndarray, np.ndarray]:
    """:func:`residues` over leading batch axes of ``w (..., n, n)``, ``u, v (..., n)``."""
    w, u, v = (np.asarray(x) for x in (w, u, v))
    batch = w.shape[:-2]
    n = w.shape[-1]
    lam = np.empty(batch + (n,), complex)
    rho = np.empty(batch + (n,), complex)
    for idx in np.ndindex(*batch):
        lam[idx], rho[idx] = residues(w[idx], u[idx], v[idx])
    return lam, rho


def outlier_eigenvalues(eigs: np.ndarray, sigma: float, margin: float = 0.1) -> np.ndarray:
    """Eigenvalues outside the bulk: ``|λ| > σ + margin`` (§3.6 finite-N margin), sorted."""
    eigs = sort_eigenvalues(np.asarray(eigs))
    return eigs[np.abs(eigs) > sigma + margin]


def count_outliers(eigs: np.ndarray, sigma: float, margin: float = 0.1) -> np.ndarray:
    """Number of eigenvalues with ``|λ| > σ + margin`` along the last axis."""
    return np.sum(np.abs(np.asarray(eigs)) > sigma + margin, axis=-1)


def top_modes(eigs: np.ndarray, m: int) -> np.ndarray:
    """The ``m`` eigenvalues of largest modulus (input sorted by :func:`sort_eigenvalues`)."""
    return np.asarray(eigs)[..., :m]


def learned_modes(eigs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """For each target eigenvalue, the nearest distinct eigenvalue (greedy on distance).

    In the lazy regime the largest-|λ| eigenvalue can be a bulk one while the learned mode sits
    at the target (§6); this picks the learned mode. Works on the last axis of ``eigs``.
    """
    eigs = np.asarray(eigs)
    targets = np.asarray(targets)
    out = np.empty(eigs.shape[:-1] + targets.shape, complex)
    for idx in np.ndindex(*eigs.shape[:-1]):
        dist = np.abs(eigs[idx][:, None] - targets[None, :])
        for _ in range(len(targets)):
            i, j = np.unravel_index(np.nanargmin(dist), dist.shape)
            out[idx + (j,)] = eigs[idx][i]
            dist[i, :] = np.inf
            dist[:, j] = np.inf
    return out


def track_backward(eigs: np.ndarray, final: np.ndarray) -> np.ndarray:
    """Follow eigenvalues back in time by continuity from their values at the last step.

    Args:
        eigs: ``(step, n)`` spectra at recorded steps.
        final: ``(m,)`` eigenvalues at the last step to follow (e.g. the learned modes).

    Returns:
        ``(step, m)``: at each earlier step, the eigenvalue nearest the one tracked at the next
        step (§6: track by continuity, not by index).
    """
    eigs = np.asarray(eigs)
    out = np.empty((eigs.shape[0], len(final)), complex)
    out[-1] = final
    for t in range(eigs.shape[0] - 2, -1, -1):
        out[t] = learned_modes(eigs[t], out[t + 1])
    return out


def escape_step(modulus: np.ndarray, steps: np.ndarray, sigma: float) -> float:
    """First recorded step at which ``|λ|`` crosses the bulk edge σ ("outlier escape", §3.6).

    Returns NaN if it never crosses (or starts outside the bulk).
    """
    modulus = np.asarray(modulus)
    above = modulus > sigma
    if above.all() or not above.any():
        return float("nan")
    return float(np.asarray(steps)[np.argmax(above)])


def bulk_radius(w0: np.ndarray) -> np.ndarray:
    r"""Circular-law estimate of the bulk radius of a random ``W0`` (Girko): ``√N · std(W0_ij)``
    (``σ`` for ``W0 = σJ``, ``J_ij ~ N(0, 1/N)``); leading axes are batch axes."""
    w0 = np.asarray(w0, float)
    return np.sqrt(w0.shape[-1]) * np.std(w0, axis=(-2, -1))


def outlier_tracks(eigs: np.ndarray, radius: float, margin: float = 0.1, max_outliers: int = 8) -> np.ndarray:
    """Outliers of the last spectrum (``|λ| > radius + margin``, at most ``max_outliers``) followed
    back through earlier spectra by continuity (:func:`track_backward`).

    Args:
        eigs: ``(snapshot, n)`` spectra over training.

    Returns:
        ``(snapshot, max_outliers)`` complex, NaN-padded where fewer outliers exist at the end.
    """
    eigs = np.asarray(eigs)
    out = np.full((eigs.shape[0], max_outliers), np.nan + 0j)
    final = outlier_eigenvalues(eigs[-1], radius, margin)[:max_outliers]
    if len(final):
        out[:, : len(final)] = track_backward(eigs, final)
    return out
