"""Reading the reference implementation of Ger & Barak at run time (never copied into learndyn)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

def reference_paths(repo: str | None, python: str | None) -> tuple[Path, str]:
    """The snapshot and the torch Python: arguments, else ``LEARNDYN_REFERENCE_REPO`` /
    ``LEARNDYN_REFERENCE_PYTHON`` (no machine-specific default: both must be given)."""
    repo = repo or os.environ.get("LEARNDYN_REFERENCE_REPO")
    python = python or os.environ.get("LEARNDYN_REFERENCE_PYTHON")
    if not repo or not python:
        raise SystemExit("give the reference snapshot and its Python: LEARNDYN_REFERENCE_REPO=... "
                         "LEARNDYN_REFERENCE_PYTHON=... (make bench-reference REFERENCE_REPO=... REFERENCE_PYTHON=...)")
    return Path(repo), python


def git_file(repo: Path, path: str) -> str:
    """A file of the reference snapshot (a work tree, or a bare mirror read with ``git show``)."""
    if (repo / path).is_file():
        return (repo / path).read_text()
    return subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{path}"], check=True,
                          capture_output=True, text=True).stdout
