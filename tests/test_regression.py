"""Every family's numbers are pinned: small runs against ``tests/regression/summaries.json``,
recorded before the family/registry restructuring (issue: learndyn as a library). A variable may
be added (e.g. stage boundaries now stored once); every pinned one must agree to 1e-10."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent / "regression"))
from cases import CASES, fingerprint, run_case  # noqa: E402

EXPECTED = json.loads((Path(__file__).parent / "regression" / "summaries.json").read_text())


@pytest.mark.parametrize("name", list(CASES))
def test_family_numbers_unchanged(name):
    got = fingerprint(run_case(name))
    want = EXPECTED[name]
    assert set(want) <= set(got), f"{name}: variables lost: {sorted(set(want) - set(got))}"
    for var, (s, s2, n) in want.items():
        gs, gs2, gn = got[var]
        assert gn == n, f"{name}.{var}: finite count {gn} != {n}"
        np.testing.assert_allclose([gs, gs2], [s, s2], rtol=1e-10, atol=1e-12, err_msg=f"{name}.{var}")
