r"""The interval-timing experiment family, written only on learndyn's public API.

Many MGU networks (grid points × seeds) learn ready-set-go from fresh keyed batches (BPTT through
``lax.scan``, masked MSE). Recorded on a fixed test batch: the loss and the share of set-to-go
steps within 0.1 of the ramp. learndyn supplies the rest: one compiled program for every network,
resumable result store, Dask sweeps, weight snapshots for ``learndyn analyze`` (spectra, PCA of
the learning trajectory), and the fixed-point search of ``analyze --what fixed-points``.

The class only declares: its methods are the functions of ``engine.py`` with the same names,
imported on first use (``implementation=".engine"``), so ``learndyn list`` stays fast with this
package installed.
"""

from __future__ import annotations

import learndyn

from .spec import LABEL, RESERVED, TimingSpec


class IntervalTimingFamily(learndyn.Family, implementation=".engine"):
    """Ready-set-go interval timing (Jazayeri & Shadlen 2010) learned by MGU networks."""

    name = "interval-timing"
    spec_type = TimingSpec
    experiments = (learndyn.Experiment(
        "interval-timing", "interval-timing",
        "ready-set-go: an MGU network reproduces a measured interval as a ramp (user example)",
        {"seeds": 2, "record": {"points": 20, "writes": 4, "snapshots": 6}}),)
    reserved_dims = RESERVED
    label = LABEL
    citation = "M. Jazayeri, M. N. Shadlen, Temporal context calibrates interval timing, Nat. Neurosci. 13 (2010)"
    column_definitions = {"test loss": "masked mean squared error on the fixed test trials",
                          "accuracy": "share of the set-to-go steps whose output is within 0.1 of the target "
                                      "ramp"}
