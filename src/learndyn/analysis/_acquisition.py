"""When a network learns a component: first epoch a smoothed probe loss falls below a threshold."""

from __future__ import annotations

import numpy as np


def acquisition_epochs(probe: np.ndarray, steps: np.ndarray, threshold: float = 1.0, window: int = 51):
    """First recorded epoch where the centred moving average of a probe loss is < ``threshold``.

    The average runs over the records within ``±window//2`` epochs (the reference reading: a
    centred 51-epoch moving average, docs/closed_loop.md), so it also works on sparse records.
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


def frequency_mismatch(eigenvalues: np.ndarray, omega: float) -> float:
    r"""``min_j |Im λ_j − ω| / ω``: how far the recurrent spectrum is from holding a pair at ``ω``.

    The acquisition criterion of Ger & Barak 2025; docs/closed_loop.md item 10 asks for ``≤ 0.2`` at each
    acquisition (the eigenvalues are those of W; ``W − I`` has the same imaginary parts, §8).
    """
    lam = np.asarray(eigenvalues)
    return float(np.min(np.abs(lam.imag - omega)) / omega)


def mismatch_at_acquisition(
    probe: np.ndarray, eigenvalues: np.ndarray, steps: np.ndarray, omegas: np.ndarray, **acquisition
) -> list[float | None]:
    """:func:`frequency_mismatch` of ``eigenvalues (step, unit)`` at each probe's acquisition epoch.

    ``None`` where a probe is never acquired; ``acquisition`` goes to :func:`acquisition_epochs`.
    """
    steps = np.asarray(steps)
    out: list[float | None] = []
    for k, epoch in enumerate(acquisition_epochs(probe, steps, **acquisition)):
        i = int(np.flatnonzero(steps == epoch)[0]) if epoch is not None else None
        out.append(None if i is None else frequency_mismatch(eigenvalues[i], float(omegas[k])))
    return out


def nearest_frequency(eigenvalues: np.ndarray, omega: float) -> np.ndarray:
    """``Im λ`` of the eigenvalue whose imaginary part is nearest ``ω``, per step of ``eigenvalues (step, unit)``."""
    lam = np.asarray(eigenvalues)
    idx = np.argmin(np.abs(lam.imag - omega), axis=-1)
    return np.take_along_axis(lam.imag, idx[..., None], axis=-1)[..., 0]


def pair_around_acquisition(
    probe: np.ndarray, eigenvalues: np.ndarray, steps: np.ndarray, omega: float, *, after: int = 300,
    **acquisition,
) -> dict | None:
    r"""Where the recurrent pair nearest ``ω`` stands at the probe's acquisition, and how far it rises.

    Returns ``{"acquisition": e, "at": Im λ(e)/ω, "reached": max Im λ/ω over (e, e + after]}`` for a
    probe loss ``probe (step,)`` (``None`` if never acquired; ``acquisition`` goes to
    :func:`acquisition_epochs`). In the tracking task of Ger & Barak 2025 the ω1 pair is still rising
    when the ω1 probe loss crosses the threshold: ``at`` ≈ 0.3–0.8 and ``reached`` ≥ 0.7 within 300
    epochs, in the reference code as in learndyn (docs/closed_loop.md, item 10).
    """
    steps = np.asarray(steps)
    epoch = acquisition_epochs(np.asarray(probe)[:, None], steps, **acquisition)[0]
    if epoch is None:
        return None
    ratio = nearest_frequency(eigenvalues, omega) / omega
    later = (steps > epoch) & (steps <= epoch + after)
    return {"acquisition": epoch, "at": float(ratio[steps == epoch][0]),
            "reached": float(ratio[later].max()) if later.any() else float("nan")}
