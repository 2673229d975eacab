"""Small runs, one or two per family, whose numbers are pinned by ``summaries.json``.

``python tests/regression/record.py`` rewrites the fixture (only when a change of numbers is
intended); ``tests/test_regression.py`` compares every run against it to 1e-10.
"""

from __future__ import annotations

CASES: dict[str, tuple[str, list[str], int]] = {
    # name: (experiment, --set overrides, seeds)
    "integrate": ("integrate-leaky", ["model.n=8", "train.steps=40", "record.points=6", "record.snapshots=3"], 2),
    "closed-loop-rank1": ("closed-loop-rank1", ["model.n=10", "train.steps=8", "train.batch=8", "train.horizon=10",
                                                "train.test_batch=8", "record.points=5", "record.snapshots=2"], 2),
    "closed-loop-nonlinear": ("closed-loop-nonlinear", ["model.n=10", "train.steps=6", "train.batch=8",
                                                        "train.horizon=10", "train.test_batch=4", "record.points=4",
                                                        "train.gain_episodes=2", "record.snapshots=2"], 2),
    "closed-loop-surrogate": ("closed-loop-surrogate", ["train.steps=20", "record.points=5"], 1),
    "lrnn": ("lrnn-modes", ["train.steps=50", "record.points=6", "record.snapshots=2"], 2),
    "grokking": ("grokking", ["task.modulus=11", "model.width=16", "train.steps=20", "record.points=5",
                              "train.diagnostics_every=10", "record.writes=1"], 2),
    "grokking-energy": ("grokking-energy", ["task.modulus=7", "train.steps=20", "record.points=5"], 2),
    "task-rnn": ("flip-flop", ["model.n=8", "train.steps=5", "task.duration=200", "task.batch=8",
                               "train.test_batch=8", "record.points=3", "record.writes=1",
                               "fixed_points.inits=8", "fixed_points.steps=20", "fixed_points.max_points=4"], 2),
    "dmft-random": ("dmft-random-network", ["model.n=40", "train.steps=400", "train.burn=100", "train.units=8",
                                            "train.max_lag=2.0", "record.writes=1"], 2),
}


def fingerprint(ds) -> dict:
    """Numbers that pin a result set: per numeric variable its NaN-aware sum and sum of squares,
    and its count of finite entries (a complex variable as real and imaginary parts)."""
    import numpy as np

    out = {}
    for name in sorted(ds.data_vars):
        a = np.asarray(ds[name].values)
        if a.dtype.kind not in "biufc":
            continue
        a = a.astype(complex if a.dtype.kind == "c" else float)
        parts = {"re": a.real, "im": a.imag} if a.dtype.kind == "c" else {"": a}
        for tag, x in parts.items():
            fin = np.isfinite(x)
            out[name + (f".{tag}" if tag else "")] = [float(np.sum(x[fin])), float(np.sum(x[fin] ** 2)),
                                                      int(fin.sum())]
    return out


def run_case(name: str):
    """The in-memory result set of one case (float64 where the family computes in float64)."""
    import learndyn

    experiment, overrides, seeds = CASES[name]
    spec = learndyn.resolve_spec(experiment, overrides, seeds=seeds)
    return learndyn.run(spec)
