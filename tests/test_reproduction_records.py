"""Every slow reproduction has a recorded pytest run (``make test-slow`` writes them under
docs/reproductions/) of its test file's current code — made at or after the last commit that
changed the file, or at a commit where the file differed only in docstrings and comments — and
docs/reproductions.md cites each record — or the page lists the test, by id, under "Not yet
recorded" (so a missing record is stated in the docs, never silent)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from _reproduction_records import code_fingerprint, record_path

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


def _same_code(test_file: str, commit: str) -> bool:
    """The test file at ``commit`` executes the same code as the working tree's (docstrings and
    comments aside)."""
    then = _git("show", f"{commit}:{test_file}")
    if then.returncode != 0:
        return False
    return code_fingerprint(then.stdout) == code_fingerprint((ROOT / test_file).read_text())


def _not_yet_recorded(page: str) -> set[str]:
    """Test ids listed (in backticks) in the "Not yet recorded" section of the page."""
    import re

    if "### Not yet recorded" not in page:
        return set()
    section = page.split("### Not yet recorded", 1)[1].split("\n#", 1)[0]
    return set(re.findall(r"`(tests/[^`]+::[^`]+)`", section))


def test_every_slow_test_has_a_record_from_its_current_code(slow_ids):
    """A record per slow test (or the test listed as not yet recorded); a record passed (or
    xfailed) and its commit contains the last change of the test's file, or the file then differed
    from now only in docstrings and comments (so it is a record of the test as it now runs); a
    test listed as not yet recorded has no current passing record."""
    if _git("rev-parse", "--is-inside-work-tree").returncode != 0:
        pytest.skip("not a git checkout: commit ancestry cannot be checked")
    pending = _not_yet_recorded((ROOT / "docs" / "reproductions.md").read_text())
    assert pending <= set(slow_ids), f"listed as not yet recorded but not a slow test: {sorted(pending - set(slow_ids))}"
    missing, failed, stale = [], [], []
    for nodeid in slow_ids:
        path = record_path(RECORDS, nodeid)
        if not path.exists():
            if nodeid not in pending:
                missing.append(nodeid)
            continue
        rec = json.loads(path.read_text())
        assert rec["test"] == nodeid
        if rec["outcome"] not in ("passed", "xfailed"):
            failed.append((nodeid, rec["outcome"]))
        last_change = _git("log", "-1", "--format=%H", "--", nodeid.split("::")[0]).stdout.strip()
        current = (not last_change
                   or _git("merge-base", "--is-ancestor", last_change, rec["commit"]).returncode == 0
                   or _same_code(nodeid.split("::")[0], rec["commit"]))
        if not current and nodeid not in pending:
            stale.append((nodeid, rec["commit"]))
        if current and rec["outcome"] in ("passed", "xfailed"):
            assert nodeid not in pending, f"{nodeid} has a current record: remove it from 'Not yet recorded'"
    assert not missing, f"slow tests without a record (make test-slow TESTS=...): {missing}"
    assert not failed, f"slow tests whose last recorded run did not pass: {failed}"
    assert not stale, f"records older than the last change of their test file: {stale}"


def test_reproductions_page_cites_every_record(slow_ids):
    """docs/reproductions.md links each slow test's record, and lists no record that does not exist."""
    page = (ROOT / "docs" / "reproductions.md").read_text()
    uncited = [n for n in slow_ids if record_path(RECORDS, n).exists()
               and str(record_path(RECORDS, n).relative_to(ROOT / "docs")) not in page]
    assert not uncited, f"records not cited in docs/reproductions.md: {uncited}"
    import re

    for cited in re.findall(r"\((reproductions/[^)]+\.json)\)", page):
        assert (ROOT / "docs" / cited).exists(), cited


def test_code_fingerprint_ignores_prose_only():
    """Docstrings and comments do not change the fingerprint; a changed number or statement does."""
    a = '"""Doc."""\nimport x\n\ndef test_a():\n    """Check 9."""\n    assert f(1) < 2  # bound\n'
    prose = '"""Other doc."""\nimport x\n\ndef test_a():\n    """Check 9, restated."""\n    assert f(1) < 2\n'
    code = '"""Doc."""\nimport x\n\ndef test_a():\n    """Check 9."""\n    assert f(1) < 3  # bound\n'
    emptied = '"""Doc."""\nimport x\n\ndef test_a():\n    """Only a docstring."""\n'
    assert code_fingerprint(a) == code_fingerprint(prose)
    assert code_fingerprint(a) != code_fingerprint(code)
    assert code_fingerprint(a) != code_fingerprint(emptied)
