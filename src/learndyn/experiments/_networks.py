"""Labelling per-network arrays: the leading ``net`` axis (grid points × seeds, C order) becomes
the grid dimensions and ``seed``."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr


def label_networks(
    grid_dims: dict[str, str], grid_values: dict[str, list], seeds: int, x: np.ndarray, extra: tuple[str, ...]
) -> tuple[tuple[str, ...], np.ndarray]:
    """``(dims, array)`` for an xarray variable: ``x`` of shape ``(net, *rest)`` reshaped to
    ``(*grid, seed, *rest)`` with dims ``(*grid_dims, "seed", *extra)``."""
    gshape = tuple(len(v) for v in grid_values.values())
    return tuple(grid_dims) + ("seed",) + extra, np.asarray(x).reshape(gshape + (seeds,) + np.shape(x)[1:])


def stack_networks(xs: list):
    """Stack per-network pytrees (arrays, NumPy arrays or scalars) along a new leading ``net`` axis."""
    return jax.tree.map(lambda *a: jnp.stack([jnp.asarray(x) for x in a]), *xs)


def per_network(ds: xr.Dataset, da: xr.DataArray) -> list:
    """``da`` as nested lists in ``summary.json`` order: grid dims (``grid_keys``), then ``seed``."""
    return da.transpose(*ds.attrs.get("grid_keys", {}), "seed", ...).values.tolist()
