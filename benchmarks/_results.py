"""Writing one section of benchmarks/RESULTS.md without touching the others."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).parent / "RESULTS.md"


def write_section(title: str, lines: list[str], path: Path = RESULTS) -> Path:
    """Replace the section ``## title`` of ``path`` by ``lines`` (appended if absent)."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    header = f"## {title}"
    body = "\n".join([header, "", *lines]).rstrip("\n") + "\n"
    if header in text:
        head, _, rest = text.partition(header)
        tail = rest.split("\n## ", 1)
        text = head + body + ("\n## " + tail[1] if len(tail) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + body
    path.write_text(text)
    return path


def provenance(script: str) -> list[str]:
    """The first lines of a section: which script wrote it and when, the machine, the versions."""
    import os
    import platform
    import time

    from learndyn.results import package_versions

    return [
        f"Written by `python benchmarks/{script}` on {time.strftime('%Y-%m-%d')}.",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPU cores, {platform.platform()}",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in package_versions().items()),
    ]
