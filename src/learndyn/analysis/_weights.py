r"""Weight-change diagnostics: rich vs lazy (§3.9) and the conservation law (§3.2).

Learndyn formulation (Bordelon et al. 2025; docs/integrate.md).
"""

from __future__ import annotations

import numpy as np


def weight_change(w: np.ndarray, w0: np.ndarray, k: int = 3) -> dict[str, np.ndarray]:
    r"""``‖ΔW‖_F``, ``dW_rel = ‖W - W0‖_F / ‖W0‖_F`` and the top ``k`` singular values of ``ΔW``
    (none for ``k = 0``).

    ``dW_rel`` is NaN where ``‖W0‖_F = 0`` (σ = 0). Leading axes are batch axes.
    """
    dw = np.asarray(w) - np.asarray(w0)
    norm = np.linalg.norm(dw, axis=(-2, -1))
    norm0 = np.linalg.norm(np.asarray(w0), axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(norm0 > 0, norm / np.where(norm0 > 0, norm0, 1.0), np.nan)
    if k == 0:  # no SVD (O(N³)) wanted
        return {"dW_fro": norm, "dW_rel": rel}
    sv = np.linalg.svd(dw, compute_uv=False)[..., :k]
    if sv.shape[-1] < k:
        sv = np.concatenate([sv, np.zeros(sv.shape[:-1] + (k - sv.shape[-1],))], axis=-1)
    return {"dW_fro": norm, "dW_rel": rel, "dW_sv": sv}


def conserved_matrix(w: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    r"""``Q = W Wᵀ - Wᵀ W + u uᵀ - v vᵀ``, conserved under gradient flow (§3.2).

    Under gradient descent with step η it changes by exactly
    ``η² (G Gᵀ - Gᵀ G + g_u g_uᵀ - g_v g_vᵀ)`` per step.
    """
    w, u, v = (np.asarray(x) for x in (w, u, v))
    wt = np.swapaxes(w, -1, -2)
    return w @ wt - wt @ w + u[..., :, None] * u[..., None, :] - v[..., :, None] * v[..., None, :]
