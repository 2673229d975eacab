"""Every family's numbers are pinned: small runs against ``tests/regression/summaries.json``,
recorded before the family/registry restructuring (issue: learndyn as a library). A variable may
be added (e.g. stage boundaries now stored once); every pinned one must agree to 1e-10. The
closed-loop-nonlinear case was re-recorded (2026-12-07) when that experiment's registered defaults
became the reference notebook's init with all three matrices trained.

Each case runs in a fresh process with XLA's default optimisation, as the fixture was recorded:
the rest of the suite compiles at LLVM level 0 for speed (conftest.py), which contracts no
multiply-adds into FMAs, so float32 families (task RNNs, DMFT) differ in the last bits there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent / "regression"))
from cases import CASES  # noqa: E402

EXPECTED = json.loads((Path(__file__).parent / "regression" / "summaries.json").read_text())


@pytest.mark.parametrize("name", list(CASES))
def test_family_numbers_unchanged(name):
    env = {**os.environ, "XLA_FLAGS": " ".join(f for f in os.environ.get("XLA_FLAGS", "").split()
                                                if not f.startswith("--xla_backend_optimization_level"))}
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from cases import fingerprint, run_case; "
            "print(json.dumps(fingerprint(run_case(sys.argv[2]))))")
    proc = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent / "regression"), name],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    want = EXPECTED[name]
    assert set(want) <= set(got), f"{name}: variables lost: {sorted(set(want) - set(got))}"
    for var, (s, s2, n) in want.items():
        gs, gs2, gn = got[var]
        assert gn == n, f"{name}.{var}: finite count {gn} != {n}"
        np.testing.assert_allclose([gs, gs2], [s, s2], rtol=1e-10, atol=1e-12, err_msg=f"{name}.{var}")
