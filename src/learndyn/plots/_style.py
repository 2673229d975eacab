"""Shared figure style (talk-sized fonts, no top/right spines) and saving."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

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


def save_figure(fig, path: str | Path) -> Path:
    """Save and close; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(STYLE):
        fig.savefig(path)
    plt.close(fig)
    return path
