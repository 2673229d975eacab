"""Every registered experiment (learndyn's and the installed example's) end to end at a tiny
size, as registered: the store opens, summary.json parses,
every figure is written."""

import pytest
from smoke import run_and_check

import learndyn


@pytest.mark.parametrize("name", sorted(learndyn.all_experiments()))
def test_every_experiment_plain(name, tmp_path, monkeypatch):
    run_and_check(name, tmp_path / "run", grid=False, monkeypatch=monkeypatch)
