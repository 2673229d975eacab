"""Ordering of spectra (host-side NumPy)."""

from __future__ import annotations

import numpy as np


def sort_eigenvalues(eigs: np.ndarray) -> np.ndarray:
    """Sort by descending modulus; ties (conjugate pairs) put ``Im ≥ 0`` first. Last axis."""
    eigs = np.asarray(eigs)
    mod = np.round(np.abs(eigs), 12)
    order = np.lexsort((-np.sign(eigs.imag), -mod), axis=-1) if eigs.ndim == 1 else None
    if order is not None:
        return eigs[order]
    flat = eigs.reshape(-1, eigs.shape[-1])
    out = np.stack([sort_eigenvalues(row) for row in flat])
    return out.reshape(eigs.shape)
