"""Seed-averaged simulation against a theory curve: the relative gap and where it is compared."""

from __future__ import annotations

import numpy as np
import xarray as xr

from learndyn.theory.kernel import early_phase_end


def _seed_mean_gap(ds: xr.Dataset, theory_var: str, caller: str):
    """``(gap, se, theory, tau)``: the relative gap ``⟨L⟩_seeds / L_theory − 1`` of the seed-mean loss
    (diverged seeds left out), its standard error over seeds — over antithetic pairs where
    ``model.antithetic`` —, the theory curve and ``τ`` per grid point. Needs one learning rate per
    grid point (a common ``τ`` grid)."""
    lr = ds["lr"]
    if not bool((lr == lr.isel(seed=0)).all()):
        raise ValueError(f"{caller} needs one learning rate per grid point (set train.lr)")
    loss = ds["loss"].where(~ds["diverged"])
    if ds.attrs.get("antithetic"):  # independent units are the pairs (model.antithetic)
        loss = loss.coarsen(seed=2).mean()
    theory = ds[theory_var]
    gap = loss.mean("seed") / theory - 1.0
    se = loss.std("seed", ddof=1) / np.sqrt(loss.count("seed")) / theory
    return gap, se, theory, ds["tau"].max("seed")


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
    gap, se, theory, tau = _seed_mean_gap(ds, "loss_kernel_theory", "kernel_theory_gap")
    early = xr.apply_ufunc(lambda th, t: early_phase_end(th, t, fraction), theory, tau,
                           input_core_dims=[["step"], ["step"]], vectorize=True)
    max_gap = abs(gap).where(tau <= early).max("step")
    return xr.Dataset({"gap": gap, "gap_se": se, "theory": theory, "tau": tau, "tau_early": early,
                       "max_gap_early": max_gap}, attrs={"fraction": fraction})


def large_n_theory_gap(ds: xr.Dataset, tolerance: float = 0.05, margin: float = 0.05) -> xr.Dataset:
    r"""Seed-mean simulation against the N → ∞ theory of the whole run (``learndyn.theory.free_limit``).

    * ``gap``, ``gap_se``: ``⟨L⟩_seeds / L_∞ − 1`` at every recorded step and its standard error
      (over antithetic pairs where ``model.antithetic``); ``max_gap``: the largest ``|gap|`` of the run;
    * ``tau_reached``: the last ``τ`` up to which ``|gap| ≤ tolerance`` at every recorded step (the
      whole run when it never fails);
    * ``outlier_gap``: ``|⟨λ_learned⟩_seeds − λ_∞|`` of the learned mode (nearest each target
      eigenvalue), at the steps where the theory's mode has left the bulk, ``|λ_∞| > σ + margin``
      (NaN elsewhere); ``max_outlier_gap`` over those steps.

    Args:
        ds: an integrate result set with ``loss``, ``learned`` (``record.spectra``) and the
            ``large_n`` theory variables.
        tolerance: relative loss gap that defines ``tau_reached``.
        margin: distance from the bulk edge beyond which the outlier is compared.
    """
    gap, se, theory, tau = _seed_mean_gap(ds, "loss_large_n_theory", "large_n_theory_gap")
    ok = ~ds["diverged"]

    def reached(g, t):
        bad = np.flatnonzero(~(np.abs(g) <= tolerance))
        return float(t[-1]) if not bad.size else (float(t[bad[0] - 1]) if bad[0] else 0.0)

    tau_reached = xr.apply_ufunc(reached, gap, tau, input_core_dims=[["step"], ["step"]], vectorize=True)
    out = {"gap": gap, "gap_se": se, "theory": theory, "tau": tau, "max_gap": abs(gap).max("step"),
           "tau_reached": tau_reached}
    if "learned" in ds:
        th = ds["outlier_large_n_theory"]
        escaped = np.abs(th) > ds["sigma_net"].isel(seed=0) + margin
        sim = ds["learned"].where(ok).mean("seed")
        ogap = abs(sim - th).where(escaped)
        out.update(outlier_sim=sim, outlier_theory=th, outlier_gap=ogap,
                   max_outlier_gap=ogap.max(["step", "mode"]))
    return xr.Dataset(out, attrs={"tolerance": tolerance, "margin": margin})
