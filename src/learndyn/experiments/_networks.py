"""Labelling per-network arrays: the leading ``net`` axis (grid points × seeds, C order) becomes
the grid dimensions and ``seed``."""

from __future__ import annotations

import numpy as np


def label_networks(
    grid_dims: dict[str, str], grid_values: dict[str, list], seeds: int, x: np.ndarray, extra: tuple[str, ...]
) -> tuple[tuple[str, ...], np.ndarray]:
    """``(dims, array)`` for an xarray variable: ``x`` of shape ``(net, *rest)`` reshaped to
    ``(*grid, seed, *rest)`` with dims ``(*grid_dims, "seed", *extra)``."""
    gshape = tuple(len(v) for v in grid_values.values())
    return tuple(grid_dims) + ("seed",) + extra, np.asarray(x).reshape(gshape + (seeds,) + np.shape(x)[1:])
