"""Reading the reference implementation of Ger & Barak at run time (never copied into learndyn)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

DEFAULT_REPO = "/work/.mirror/yoavger+closed_loop_rnn_learning_dynamics/repo"
DEFAULT_PYTHON = "/work/refvenv/bin/python"


def reference_paths(repo: str | None, python: str | None) -> tuple[Path, str]:
    """The snapshot and the torch Python: arguments, else ``LEARNDYN_REFERENCE_*``, else defaults."""
    return (Path(repo or os.environ.get("LEARNDYN_REFERENCE_REPO") or DEFAULT_REPO),
            python or os.environ.get("LEARNDYN_REFERENCE_PYTHON") or DEFAULT_PYTHON)


def git_file(repo: Path, path: str) -> str:
    """A file of the reference snapshot (a work tree, or a bare mirror read with ``git show``)."""
    if (repo / path).is_file():
        return (repo / path).read_text()
    return subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{path}"], check=True,
                          capture_output=True, text=True).stdout
