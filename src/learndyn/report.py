"""One static HTML page per run, to share: what the run shows, where it came from, the headline
table with every column defined, captioned figures (headline figures first), config and versions.

The page is self-contained (figures are embedded as base64 PNGs) and responsive: it reads on a
phone (390 px) as on a desktop — images scale to the column, wide tables and code scroll inside
their own box, and nothing overflows the page horizontally.
"""

from __future__ import annotations

import base64
import html
import os
import platform
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import xarray as xr

GENERIC_COLUMNS = {
    "seed": "index of the network within its grid point; network i is trained from the PRNG key "
            "split(key(seed), seeds)[i]",
    "status": "ok, or diverged: the network's loss became non-finite (or left its stable region); it "
              "was frozen there and the other networks went on",
    "step": "the last recorded training step",
    "loss": "training loss at that step",
    "epoch": "the last recorded epoch",
    "point": "grid point (one value per grid key)",
    "chunk": "the sweep chunk (one compiled run) that computed the point",
    "seconds": "wall time of the chunk",
    "state": "done, failed or pending: whether the grid point's chunk finished (see sweep.json)",
}
"""Definitions of the columns every family's table may show (a family adds its own)."""


def run_provenance(started: float | None = None) -> dict[str, str]:
    """Where a run came from: the command line (or the Python API), learndyn's git commit when
    it runs from a git checkout, the date, the wall time since ``started`` (``time.time()``), the
    machine."""
    argv0 = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    command = ("learndyn " + " ".join(sys.argv[1:])) if argv0 in ("learndyn", "learndyn.exe") \
        else "Python API (learndyn.run / learndyn.sweep.sweep)"
    out = {"command": command}
    commit = _git_commit(Path(__file__).resolve().parent)
    if commit:
        out["learndyn commit"] = commit
    out["date"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    if started is not None:
        out["wall time"] = f"{time.time() - started:.1f} s (this session of the run)"
    out["machine"] = f"{platform.node() or 'unknown host'} — {platform.platform()}, {os.cpu_count()} CPUs"
    return out


def _git_commit(where: Path) -> str:
    """``HEAD`` of the git checkout holding ``where`` (with ``+ local changes`` when dirty), or ''."""
    try:
        head = subprocess.run(["git", "-C", str(where), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                              text=True, timeout=5)
        if head.returncode != 0:
            return ""
        dirty = subprocess.run(["git", "-C", str(where), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5)
        return head.stdout.strip() + (" + local changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return ""


def caption_for(stem: str, captions: dict[str, str]) -> str | None:
    """The caption of figure ``stem``: its own entry, or the longest entry it starts with
    (``loss`` for ``loss_open``)."""
    matches = [k for k in captions if _names(k, stem)]
    return captions[max(matches, key=len)] if matches else None


def _names(key: str, stem: str) -> bool:
    """Whether caption key ``key`` is for figure ``stem`` (itself or a suffixed variant)."""
    return stem == key or stem.startswith((key + "_", key + "-"))


def column_definition(column: str, ds: xr.Dataset, columns: dict[str, str]) -> str | None:
    """The definition of a headline column: the family's, a grid key's, or a generic one."""
    if column in columns:
        return columns[column]
    grid = ds.attrs.get("grid_keys", {})
    if column in grid:
        return f"grid coordinate: the value of {grid[column]} at this point"
    if column in grid.values():
        return f"grid coordinate: the value of {column} at this point"
    if column.startswith("final ") and column.endswith(" (seed mean)"):
        return f"the last recorded value of {column[6:-12]}, averaged over the point's seeds"
    return GENERIC_COLUMNS.get(column)


def ordered_figures(figures: list[Path], captions: dict[str, str]) -> list[Path]:
    """Figures in the order of ``captions`` (the family's headline figures first), then the rest
    in their own order."""
    order = list(captions)

    def rank(p: Path) -> int:
        return next((i for i, key in enumerate(order) if _names(key, p.stem)), len(order))

    return sorted(figures, key=rank)  # stable: ties keep the family's order


_STYLE = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:0 auto;padding:1em;
  color:#222;line-height:1.45}
h1{font-size:1.6em;margin:.3em 0;overflow-wrap:anywhere} h2{font-size:1.25em;margin-top:1.6em}
.lead{font-size:1.1em} .muted{color:#555}
.scroll{overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;font-size:14px} td,th{border:1px solid #ccc;padding:3px 8px;white-space:nowrap}
th{background:#f3f3f3}
pre{background:#f7f7f7;padding:1em;font-size:13px;margin:0}
dl.kv{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.25em 1em}
dl.kv dt{font-weight:600} dl.kv dd{margin:0;overflow-wrap:anywhere}
dl.defs dt{font-weight:600;margin-top:.4em} dl.defs dd{margin-left:1.2em}
figure{margin:1.5em 0} figure img{max-width:100%;height:auto;display:block;border:1px solid #eee}
figcaption{font-size:.95em;margin-top:.4em}
code{overflow-wrap:anywhere}
@media (max-width:640px){dl.kv{grid-template-columns:minmax(0,1fr)} dl.kv dd{margin-bottom:.4em}}
"""


def write_report(path: Path, ds: xr.Dataset, figures: list[Path],
                 table: tuple[list[str], list[list[str]]], *, citation: str = "",
                 columns: dict[str, str] | None = None, captions: dict[str, str] | None = None,
                 provenance: dict[str, str] | None = None) -> Path:
    """Write ``report.html`` (self-contained) for result set ``ds``.

    Args:
        path: the file to write.
        ds: the result set (its attrs give the experiment, status, config and versions).
        figures: the run's figure files.
        table: the headline table ``(columns, rows)`` (the family's, or a sweep's point table).
        citation: the work the experiment follows.
        columns: the family's definitions of its headline columns.
        captions: ``{figure stem: caption}``; its order puts the headline figures first.
        provenance: from :func:`run_provenance`.
    """
    columns, captions = columns or {}, captions or {}
    e = html.escape
    cols, rows = table
    head = "<tr>" + "".join(f"<th>{e(c)}</th>" for c in cols) + "</tr>\n"
    body = "\n".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in r) + "</tr>" for r in rows)
    defs = "".join(f"<dt>{e(c)}</dt><dd>{e(column_definition(c, ds, columns) or 'not defined by the family')}</dd>"
                   for c in cols)
    figs = []
    for p in ordered_figures(figures, captions):
        caption = caption_for(p.stem, captions)
        text = f"<b>{e(p.name)}</b> — {e(caption)}" if caption else f"<b>{e(p.name)}</b>"
        figs.append(f'<figure><img src="data:image/png;base64,{base64.b64encode(p.read_bytes()).decode()}" '
                    f'alt="{e(caption or p.stem)}"><figcaption>{text}</figcaption></figure>')
    try:
        config = tomllib.loads(ds.attrs.get("config_toml", ""))
    except tomllib.TOMLDecodeError:
        config = {}
    experiment = ds.attrs.get("experiment", "")
    description = config.get("description", "")
    status = ("complete" if ds.attrs.get("complete")
              else f"partial — trained to step {ds.attrs.get('checkpoint_step')} of {ds.attrs.get('total_steps')}")
    facts = {"status": status, "networks": _networks(ds), "result set created": ds.attrs.get("created", ""),
             **(provenance or {})}
    if citation:
        facts = {"follows": citation, **facts}
    kv = "".join(f"<dt>{e(k)}</dt><dd>{e(str(v))}</dd>" for k, v in facts.items() if v != "")
    versions = ", ".join(f"{k} {v}" for k, v in ds.attrs.get("versions", {}).items())
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>learndyn: {e(experiment)}</title>
<style>{_STYLE}</style></head><body>
<h1>{e(experiment)}</h1>
<p class="lead">{e(description)}</p>
<p class="muted">{e(ds.attrs.get('label', ''))}</p>
<dl class="kv">{kv}</dl>
<h2>Headline</h2>
<div class="scroll"><table>{head}{body}</table></div>
<details open><summary>What the columns mean</summary><dl class="defs">{defs}</dl></details>
<h2>Figures</h2>
{chr(10).join(figs) or '<p>No figures were drawn for this run.</p>'}
<h2>Config (fully resolved)</h2>
<p class="muted">Save it as a file and run it again with <code>learndyn run FILE.toml</code>.</p>
<div class="scroll"><pre>{e(ds.attrs.get('config_toml', ''))}</pre></div>
<h2>Versions</h2>
<p><code>{e(versions)}</code></p>
</body></html>
"""
    path.write_text(page)
    return path


def _networks(ds: xr.Dataset) -> str:
    grid = ds.attrs.get("grid_keys", {})
    sizes = [f"{ds.sizes[d]} × {k}" for d, k in grid.items() if d in ds.sizes]
    seeds = ds.sizes.get("seed", 0)
    return " × ".join([*sizes, f"{seeds} seed{'s' if seeds != 1 else ''}"])
