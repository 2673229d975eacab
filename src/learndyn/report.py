"""One static HTML page per run: config, headline table, every figure embedded."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import xarray as xr


def write_report(path: Path, ds: xr.Dataset, figures: list[Path],
                 table: tuple[list[str], list[list[str]]]) -> Path:
    """Write ``report.html`` (self-contained: figures are base64 PNGs) with the headline ``table``
    (columns, rows: the family's, or a sweep's point table)."""
    cols, rows = table
    table = "<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "</tr>\n"
    table += "\n".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in r) + "</tr>" for r in rows)
    imgs = "\n".join(
        f'<figure><img src="data:image/png;base64,{base64.b64encode(p.read_bytes()).decode()}" '
        f'alt="{html.escape(p.stem)}"><figcaption>{html.escape(p.name)}</figcaption></figure>'
        for p in figures
    )
    versions = ds.attrs.get("versions", {})
    label = ds.attrs.get("label", "")
    status = "complete" if ds.attrs.get("complete") else f"partial (step {ds.attrs.get('checkpoint_step')})"
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>learndyn: {html.escape(ds.attrs.get('experiment', ''))}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;font-size:14px}} td,th{{border:1px solid #ccc;padding:3px 8px}}
th{{background:#f3f3f3}} pre{{background:#f7f7f7;padding:1em;font-size:13px}}
figure{{display:inline-block;margin:1em}} img{{max-width:520px}}
</style></head><body>
<h1>{html.escape(ds.attrs.get('experiment', ''))}</h1>
<p>{html.escape(label)} — {status}</p>
<h2>Headline</h2>
<table>{table}</table>
<h2>Figures</h2>
{imgs}
<h2>Config (fully resolved)</h2>
<pre>{html.escape(ds.attrs.get('config_toml', ''))}</pre>
<h2>Versions</h2>
<pre>{html.escape(', '.join(f'{k} {v}' for k, v in versions.items()))}</pre>
</body></html>
"""
    path.write_text(page)
    return path
