"""Phase boundaries of sweeps: where a run family switches from failing to succeeding."""

from __future__ import annotations

import numpy as np


def boundary_estimate(final_test_accuracy: np.ndarray, fractions: np.ndarray, threshold: float = 0.95) -> float:
    """``p̂_c``: the smallest grid ``p`` at which at least half the seeds reach test accuracy
    ``≥ threshold``, as do all larger ``p`` (Tian 2025; docs/grokking.md); NaN if none.

    ``final_test_accuracy`` is ``(p, seed)`` with ``fractions`` increasing."""
    ok = np.mean(np.asarray(final_test_accuracy) >= threshold, axis=1) >= 0.5
    best = float("nan")
    for i in range(len(fractions) - 1, -1, -1):
        if not ok[i]:
            break
        best = float(fractions[i])
    return best
