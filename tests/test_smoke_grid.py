"""Every registered experiment (learndyn's and the installed example's) end to end at a tiny
size, with a two-value grid over its learning rate: the store opens, summary.json parses,
every figure is written and names the grid key."""

import pytest
from smoke import run_and_check

import learndyn


@pytest.mark.parametrize("name", sorted(learndyn.all_experiments()))
def test_every_experiment_grid(name, tmp_path, monkeypatch):
    run_and_check(name, tmp_path / "run", grid=True, monkeypatch=monkeypatch)
