"""Every registered experiment (learndyn's and the installed example's) end to end at a tiny size,
once as registered and once with a two-value grid over its learning rate: the store opens,
summary.json parses, every figure is written, and in the grid run every figure names the grid key.
(Half 1 of 2, alphabetically, so the two halves run on the two test workers.)"""

import pytest
from smoke import names, run_and_check


@pytest.mark.parametrize("name", names(0))
def test_every_experiment_plain_and_over_its_learning_rate(name, tmp_path, monkeypatch):
    run_and_check(name, tmp_path / "plain", grid=False, monkeypatch=monkeypatch)
    run_and_check(name, tmp_path / "grid", grid=True, monkeypatch=monkeypatch)
