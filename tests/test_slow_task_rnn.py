"""Task-trained RNNs at their default configs (4 seeds, N = 64): outcomes recorded in
docs/reproductions.md ("Task-trained RNNs: default configs")."""

import numpy as np
import pytest

from learndyn.experiments import resolve_spec, run

pytestmark = pytest.mark.slow


def _final(ds, name):
    return ds[name].isel(step=-1).values


def test_default_flip_flop_eight_memories():
    ds = run(resolve_spec("flip-flop"))
    assert np.all(_final(ds, "accuracy") >= 0.97)
    stable = (ds["fp_fixed"] & ds["fp_stable"]).sum(("condition", "fp")).values
    assert np.sum(stable == 8) >= 3, stable


def test_default_accumulate_near_ideal():
    ds = run(resolve_spec("accumulate"))
    ideal = float(ds["ideal_accuracy_test"])
    assert np.all(_final(ds, "accuracy") >= ideal - 0.03)


def test_default_context_lines_delay_match_multisensory():
    ctx = run(resolve_spec("context-integrate"))
    assert np.all(_final(ctx, "accuracy") >= 0.85)
    assert np.sum(np.all(ctx["fp_line_fraction"].values >= 0.9, axis=-1)) >= 3
    dm = run(resolve_spec("delay-match"))
    assert np.all(_final(dm, "accuracy") >= 0.98)
    ms = run(resolve_spec("multisensory-decision"))
    assert np.all(_final(ms, "accuracy") >= 0.9)
