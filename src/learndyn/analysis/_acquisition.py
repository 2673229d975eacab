"""When a network learns a component: first epoch a smoothed probe loss falls below a threshold."""

from __future__ import annotations

import numpy as np


def acquisition_epochs(probe: np.ndarray, steps: np.ndarray, threshold: float = 1.0, window: int = 51):
    """First recorded epoch where the centred moving average of a probe loss is < ``threshold``.

    The average runs over the records within ``±window//2`` epochs (the reference reading: a
    centred 51-epoch moving average, science §5.6), so it also works on sparse records.
    """
    half = window // 2
    steps = np.asarray(steps)
    out = []
    for k in range(probe.shape[-1]):
        x = probe[:, k]
        hit = None
        for e in steps:
            sel = (np.abs(steps - e) <= half) & np.isfinite(x)
            if e < half or not sel.any():
                continue
            if float(np.mean(x[sel])) < threshold:
                hit = int(e)
                break
        out.append(hit)
    return out
