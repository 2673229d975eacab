"""A pytest plugin that keeps a record of every test it runs: ``--record-reproductions DIR``.

``make test-slow`` passes it, so each run of a slow reproduction leaves a JSON record under
``docs/reproductions/`` — test id, outcome, duration (setup, call and teardown: a module fixture
that runs the experiment is timed with the first test that uses it), git commit and whether the
working tree had uncommitted changes, date, machine and versions, the XLA flags it ran with, and
what the test printed (its numbers; the last 4000 characters) —
and ``docs/reproductions/index.md`` lists the latest record of every test. A record is replaced only
by a newer run of the same test id; records of tests not run this time are kept.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import re
import subprocess
from pathlib import Path

_PHASES = ("setup", "call", "teardown")


def pytest_addoption(parser):
    parser.addoption("--record-reproductions", metavar="DIR", default=None,
                     help="write one JSON record per test run (outcome, duration, commit, date, machine) to DIR")


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _provenance() -> dict:
    import jax

    import learndyn

    # the records and the page they are written into are not changes to what was run
    dirty = [line for line in _git("status", "--porcelain").splitlines()
             if "docs/reproductions" not in line]
    return {
        "commit": _git("rev-parse", "--short=10", "HEAD") or "unknown",
        "uncommitted_changes": bool(dirty),
        "machine": {"cpu": _cpu_model(), "cores": os.cpu_count(), "system": platform.platform(),
                    "python": platform.python_version()},
        "versions": {"learndyn": learndyn.__version__, "jax": jax.__version__},
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        "jax_platforms": os.environ.get("JAX_PLATFORMS", ""),
    }


def code_fingerprint(source: str) -> str:
    """What a test file executes: its syntax tree with every docstring removed (comments are not in
    the tree). Two versions of a file with the same fingerprint differ only in prose, so a record of
    one is a record of the other."""
    import ast
    import hashlib

    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree, include_attributes=False).encode()).hexdigest()


def record_path(directory: Path, nodeid: str) -> Path:
    """``tests/test_x.py::test_y[a-b]`` → ``DIR/test_x/test_y[a-b].json`` (odd characters replaced)."""
    module, _, name = nodeid.partition("::")
    safe = re.sub(r"[^A-Za-z0-9_.\-\[\]=,]", "_", name)
    return directory / Path(module).stem / f"{safe}.json"


class Recorder:
    def __init__(self, directory: Path):
        self.directory = directory
        self.provenance = _provenance()
        self.pending: dict[str, dict] = {}

    def pytest_runtest_logreport(self, report):
        entry = self.pending.setdefault(report.nodeid, {"durations_s": {}, "outcome": "passed"})
        entry["durations_s"][report.when] = round(report.duration, 3)
        if report.when == "call" and hasattr(report, "wasxfail"):
            entry["outcome"] = "xpassed" if report.passed else "xfailed"
        elif report.failed:
            entry["outcome"] = "failed" if report.when == "call" else f"error in {report.when}"
        elif report.skipped and entry["outcome"] == "passed":
            entry["outcome"] = "xfailed" if hasattr(report, "wasxfail") else "skipped"
        if report.when == "call" and report.capstdout:  # what the test printed: its numbers
            entry["stdout"] = report.capstdout[-4000:]
        if report.failed and report.longrepr is not None:
            entry["message"] = str(report.longrepr).strip().splitlines()[-1][:500]
        if report.when == "teardown":
            self._write(report.nodeid, self.pending.pop(report.nodeid))

    def _write(self, nodeid: str, entry: dict) -> None:
        record = {"test": nodeid, "outcome": entry["outcome"],
                  "duration_s": round(sum(entry["durations_s"].values()), 1),
                  "durations_s": entry["durations_s"],
                  "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                  **({"message": entry["message"]} if "message" in entry else {}),
                  **({"stdout": entry["stdout"]} if "stdout" in entry else {}),
                  **self.provenance}
        path = record_path(self.directory, nodeid)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=1) + "\n")

    def pytest_sessionfinish(self, session):
        write_index(self.directory)


START, END = "<!-- records:start -->", "<!-- records:end -->"


def record_table(directory: Path, link_prefix: str = "") -> list[str]:
    """Markdown rows, one per record under ``directory`` (the latest run of each test)."""
    rows = ["| test | outcome | duration | commit | date | record |", "|---|---|---|---|---|---|"]
    for path in sorted(directory.glob("*/*.json")):
        r = json.loads(path.read_text())
        commit = r["commit"] + (" + uncommitted" if r.get("uncommitted_changes") else "")
        rel = f"{link_prefix}{path.relative_to(directory).as_posix()}"
        rows.append(f"| `{r['test']}` | {r['outcome']} | {r['duration_s']:.0f} s | {commit} | "
                    f"{r['date'][:10]} | [{rel}]({rel}) |")
    return rows


def write_index(directory: Path) -> None:
    """``DIR/index.md`` (one row per recorded test), and the block between ``<!-- records:start -->`` and
    ``<!-- records:end -->`` of ``DIR/../reproductions.md`` if that page has one."""
    head = ["# Recorded test runs", "",
            "Written by `make test-slow` (pytest `--record-reproductions docs/reproductions`): the latest",
            "run of each test, with its JSON record (outcome, phase durations, commit, date, machine,",
            "versions, XLA flags). A module fixture that runs an experiment is timed with the first",
            "test that uses it.", ""]
    (directory / "index.md").write_text("\n".join(head + record_table(directory)) + "\n")
    page = directory.parent / "reproductions.md"
    if page.exists():
        text = page.read_text()
        if START in text and END in text:
            before, rest = text.split(START, 1)
            after = rest.split(END, 1)[1]
            block = "\n".join(record_table(directory, f"{directory.name}/"))
            page.write_text(f"{before}{START}\n{block}\n{END}{after}")


def pytest_configure(config):
    directory = config.getoption("--record-reproductions")
    # under pytest-xdist the controller receives every worker's reports: record there only
    if directory and not hasattr(config, "workerinput"):
        config.pluginmanager.register(Recorder(Path(directory)), "learndyn-reproduction-records")
