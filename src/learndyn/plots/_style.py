"""Shared figure style (talk-sized fonts, no top/right spines), grid captions and saving.

Importing learndyn selects no matplotlib backend (matplotlib falls back to Agg without a display).
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from pathlib import Path

import matplotlib.pyplot as plt

STYLE = {
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 13,
    "legend.fontsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
}
THEORY = "black"


def figure(*args, **kwargs):
    """``plt.subplots`` under the learndyn style."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(*args, **kwargs)
    return fig, ax


def seed_colors(n: int):
    cmap = plt.get_cmap("viridis")
    return [cmap(0.15 + 0.7 * i / max(n - 1, 1)) for i in range(n)]


_GRID: contextvars.ContextVar[dict[str, tuple[str, list]] | None] = contextvars.ContextVar("grid", default=None)


@contextlib.contextmanager
def grid_caption(ds):
    """Within this context, :func:`save_figure` makes every figure name the run's grid: a figure
    whose text does not label a grid key gets a one-line caption ``grid of this run: train.lr =
    0.01, 0.02``, so no figure of a grid run leaves its coordinates unsaid."""
    grid = {d: (k, [float(v) for v in ds[d].values]) for d, k in ds.attrs.get("grid_keys", {}).items()
            if d in ds.coords}
    token = _GRID.set(grid or None)
    try:
        yield
    finally:
        _GRID.reset(token)


def figure_texts(fig) -> str:
    """Every piece of text drawn on ``fig`` (titles, axis and tick labels, legends, annotations)."""
    from matplotlib.text import Text

    return "\n".join(t.get_text() for t in fig.findobj(Text) if t.get_text())


def names_grid_key(text: str, name: str) -> bool:
    """``text`` labels a value of ``name`` (``name = …``) or has an axis/line that is ``name``."""
    pattern = rf"(?<![\w.]){re.escape(name)}\s*="
    return re.search(pattern, text) is not None or name in text.splitlines()


def _caption(fig) -> None:
    grid = _GRID.get()
    if not grid:
        return
    text = figure_texts(fig)
    missing = {d: kv for d, kv in grid.items() if not names_grid_key(text, d) and not names_grid_key(text, kv[0])}
    if missing:
        line = "; ".join(f"{k} = {', '.join(f'{v:g}' for v in vals)}" for k, vals in missing.values())
        fig.text(0.01, -0.01, f"grid of this run: {line}", fontsize=8, color="0.3", ha="left", va="top")


def save_figure(fig, path: str | Path) -> Path:
    """Save and close; returns the path (inside :func:`grid_caption`, the grid is named)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _caption(fig)
    with plt.rc_context(STYLE):
        fig.savefig(path)
    plt.close(fig)
    return path


def grid_slices(ds, keep: int = 1):
    """Split a result set along the grid dims after the first ``keep``: yields ``(label, suffix,
    sub)`` per combination — ``label`` names the values (``"train.lr = 0.01"``), ``suffix`` is a
    file-name tag (``"_lr_0.01"``) and ``sub`` has those dims selected and dropped from its
    ``grid_keys``. A figure function written for ``keep`` grid dims then serves any grid."""
    import itertools

    keys = ds.attrs.get("grid_keys", {})
    extra = [d for d in list(keys)[keep:] if d in ds.dims]
    for point in itertools.product(*(range(ds.sizes[d]) for d in extra)):
        sel = dict(zip(extra, point, strict=True))
        sub = ds.isel(sel)
        sub.attrs = {**ds.attrs, "grid_keys": {d: k for d, k in keys.items() if d not in sel}}
        label = ", ".join(f"{keys[d]} = {ds[d].values[i]:g}" for d, i in sel.items())
        suffix = "".join(f"_{d}_{ds[d].values[i]:g}" for d, i in sel.items())
        yield label, suffix, sub
