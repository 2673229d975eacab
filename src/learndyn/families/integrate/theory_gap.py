"""Seed-averaged simulation against a theory curve: the relative gap and where it is compared."""

from __future__ import annotations

import numpy as np
import xarray as xr

from learndyn.theory.kernel import early_phase_end


def kernel_theory_gap(ds: xr.Dataset, fraction: float = 0.1) -> xr.Dataset:
    r"""Gap of the seed-mean loss to the large-N kernel theory (docs/theory/dmft.md, part 4).

    ``gap = ⟨L⟩_seeds / L_kernel − 1`` per grid point and recorded step (diverged seeds left out),
    its standard error over seeds (over antithetic pairs where ``model.antithetic``), the end ``tau_early`` of the early phase (the first ``τ`` at which
    the kernel curve has lost ``fraction`` of its initial value) and ``max_gap_early``, the largest
    ``|gap|`` for ``τ ≤ tau_early``; ``theory`` is the kernel curve itself.

    Args:
        ds: an integrate result set with ``loss`` and ``loss_kernel_theory``.
        fraction: loss fraction that ends the early phase.
    """
    lr = ds["lr"]
    if not bool((lr == lr.isel(seed=0)).all()):
        raise ValueError("kernel_theory_gap needs one learning rate per grid point (set train.lr)")
    loss = ds["loss"].where(~ds["diverged"])
    if ds.attrs.get("antithetic"):  # independent units are the pairs (model.antithetic)
        loss = loss.coarsen(seed=2).mean()
    theory = ds["loss_kernel_theory"]
    gap = loss.mean("seed") / theory - 1.0
    se = loss.std("seed", ddof=1) / np.sqrt(loss.count("seed")) / theory
    tau = ds["tau"].max("seed")
    early = xr.apply_ufunc(lambda th, t: early_phase_end(th, t, fraction), theory, tau,
                           input_core_dims=[["step"], ["step"]], vectorize=True)
    max_gap = abs(gap).where(tau <= early).max("step")
    return xr.Dataset({"gap": gap, "gap_se": se, "theory": theory, "tau": tau, "tau_early": early,
                       "max_gap_early": max_gap}, attrs={"fraction": fraction})
