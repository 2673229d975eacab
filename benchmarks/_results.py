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
