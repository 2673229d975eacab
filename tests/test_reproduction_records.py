"""Every slow reproduction has a recorded pytest run (``make test-slow`` writes them under
docs/reproductions/), made at or after the last commit that changed its test file, and
docs/reproductions.md cites each record."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from _reproduction_records import record_path

ROOT = Path(__file__).parents[1]
RECORDS = ROOT / "docs" / "reproductions"


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def slow_ids():
    import sys

    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "slow",
                          "-p", "no:cacheprovider", "-p", "no:xdist"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    ids = [line.strip() for line in out.splitlines() if "::" in line]
    assert len(ids) > 30  # the collection itself worked
    return ids


def test_every_slow_test_has_a_record_from_its_current_code(slow_ids):
    """A record per slow test; it passed (or xfailed); its commit contains the last change of the
    test's file (so the record is of the test as it now reads)."""
    if _git("rev-parse", "--is-inside-work-tree").returncode != 0:
        pytest.skip("not a git checkout: commit ancestry cannot be checked")
    missing, failed, stale = [], [], []
    for nodeid in slow_ids:
        path = record_path(RECORDS, nodeid)
        if not path.exists():
            missing.append(nodeid)
            continue
        rec = json.loads(path.read_text())
        assert rec["test"] == nodeid
        if rec["outcome"] not in ("passed", "xfailed"):
            failed.append((nodeid, rec["outcome"]))
        last_change = _git("log", "-1", "--format=%H", "--", nodeid.split("::")[0]).stdout.strip()
        if last_change and _git("merge-base", "--is-ancestor", last_change, rec["commit"]).returncode != 0:
            stale.append((nodeid, rec["commit"]))
    assert not missing, f"slow tests without a record (make test-slow TESTS=...): {missing}"
    assert not failed, f"slow tests whose last recorded run did not pass: {failed}"
    assert not stale, f"records older than the last change of their test file: {stale}"


def test_reproductions_page_cites_every_record(slow_ids):
    """docs/reproductions.md links each slow test's record, and lists no record that does not exist."""
    page = (ROOT / "docs" / "reproductions.md").read_text()
    uncited = [n for n in slow_ids if str(record_path(RECORDS, n).relative_to(ROOT / "docs")) not in page]
    assert not uncited, f"records not cited in docs/reproductions.md: {uncited}"
    import re

    for cited in re.findall(r"\((reproductions/[^)]+\.json)\)", page):
        assert (ROOT / "docs" / cited).exists(), cited
