r"""Principal components of activity and of weight trajectories; dimension measures.

* :func:`pca` — components of a data cloud ``X (samples, features)`` (centred), explained variance.
* :func:`participation_ratio` — ``PR = (Σ_i λ_i)² / Σ_i λ_i²`` of the covariance eigenvalues
  (Gao & Ganguli 2015): 1 for a line, ``d`` for ``d`` equal directions.
* :func:`learned_rank` — the dimension of learned structure: singular values of ``ΔW = W − W_0``,
  the numerical rank (``s_k > tol·s_1``) and the participation ratio of ``s_k²``.
* :func:`weight_trajectory` — a run's weights at its recorded snapshots, flattened, projected on
  their top principal components ("learning trajectory").

NumPy on the host (analysis of saved runs, not inside training).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PCA:
    """Principal components of a centred cloud.

    Attributes:
        mean: ``(features,)``.
        components: ``(k, features)`` orthonormal rows, largest variance first.
        variance: ``(k,)`` variance along each component.
        explained: ``(k,)`` share of the total variance.
    """

    mean: np.ndarray
    components: np.ndarray
    variance: np.ndarray
    explained: np.ndarray

    def project(self, x: np.ndarray) -> np.ndarray:
        """Coordinates of ``x (..., features)`` on the components."""
        return (np.asarray(x) - self.mean) @ self.components.T


def pca(x: np.ndarray, k: int | None = None) -> PCA:
    r"""PCA of ``x (samples, features)`` by SVD of the centred data: ``X − x̄ = U S Vᵀ``,
    components ``Vᵀ``, variances ``S²/(n − 1)``."""
    x = np.asarray(x, float)
    mean = x.mean(0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
    var = s**2 / max(x.shape[0] - 1, 1)
    total = var.sum()
    k = len(var) if k is None else min(k, len(var))
    explained = var / total if total > 0 else np.zeros_like(var)
    return PCA(mean, vt[:k], var[:k], explained[:k])


def participation_ratio(x: np.ndarray) -> float:
    r"""``PR = (Σλ)²/Σλ²`` of the covariance of ``x (samples, features)``; NaN for a point cloud."""
    var = pca(x).variance
    denom = float(np.sum(var**2))
    return float(np.sum(var) ** 2 / denom) if denom > 0 else float("nan")


def learned_rank(w: np.ndarray, w0: np.ndarray, tol: float = 1e-2) -> dict[str, np.ndarray]:
    r"""Dimension of ``ΔW = W − W0``: singular values, numerical rank ``#{s_k > tol·s_1}`` and the
    participation ratio ``(Σ s_k²)² / Σ s_k⁴``. Leading axes of ``w``, ``w0`` are batch axes."""
    s = np.linalg.svd(np.asarray(w) - np.asarray(w0), compute_uv=False)
    top = s[..., :1]
    rank = np.sum(s > tol * np.where(top > 0, top, np.inf), axis=-1)
    s2 = s**2
    with np.errstate(invalid="ignore", divide="ignore"):
        pr = np.sum(s2, -1) ** 2 / np.sum(s2**2, -1)
    return {"singular_values": s, "rank": rank, "participation_ratio": pr}


def weight_trajectory(ws: np.ndarray, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """``(snapshot, k)`` projection of the flattened weights ``ws (snapshot, ...)`` on their top
    ``k`` principal components (across training), and the explained-variance shares."""
    flat = np.asarray(ws, float).reshape(ws.shape[0], -1)
    p = pca(flat, k)
    proj = p.project(flat)
    if proj.shape[1] < k:
        proj = np.pad(proj, ((0, 0), (0, k - proj.shape[1])), constant_values=np.nan)
    explained = np.pad(p.explained, (0, k - len(p.explained)), constant_values=np.nan)
    return proj, explained
