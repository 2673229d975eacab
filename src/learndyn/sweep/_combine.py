"""Combining the chunks of a sweep into one labelled result set (grid keys as coordinates)."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from ._plan import Chunk


def reserved_dims(chunk: Chunk, ds: xr.Dataset) -> set[str]:
    """Names a chunk's dataset uses (dimensions, coordinates, variables) other than its grid dims."""
    return (set(ds.dims) | set(ds.variables)) - {_family_dim(ds, k) for k, _ in chunk.grid}


def _family_dim(ds: xr.Dataset, key: str) -> str:
    """The dimension a family gave to vmapped grid key ``key`` in a chunk's dataset."""
    for dim, k in (ds.attrs.get("grid_keys") or {}).items():
        if k == key and dim in ds.dims:
            return dim
    short = key.rsplit(".", 1)[-1]
    for cand in (short, key):
        if cand in ds.dims:
            return cand
    raise KeyError(f"grid key {key} has no dimension in the chunk's result set")


def combine(chunks: list[Chunk], datasets: dict[str, xr.Dataset], keys: list[str],
            values: dict[str, list[Any]], names: dict[str, str]) -> xr.Dataset:
    """One dataset over every grid key (in ``keys`` order, values in ``values`` order).

    Chunks that differ in a structural key (``model.n``, ``train.steps``, ...) are aligned by an
    outer join: a dimension they do not share (e.g. ``step`` at different ``train.steps``) is the
    union of their coordinates, NaN where a chunk has none. Chunks missing from ``datasets``
    (failed or pending) leave NaN; ``point_status`` says which.
    """
    parts = []
    for chunk in chunks:
        ds = datasets.get(chunk.id)
        if ds is None:
            continue
        ds = ds.drop_encoding().rename({_family_dim(ds, k): names[k] for k, _ in chunk.grid})
        if chunk.fixed:
            ds = ds.reset_coords()  # non-index coordinates may differ between structural points
            # dims without coordinates (unit, eig, row, ...) may differ in size: index them so
            # the outer join pads the shorter ones
            ds = ds.assign_coords({d: np.arange(n) for d, n in ds.sizes.items() if d not in ds.indexes})
            ds = ds.expand_dims({names[k]: [v] for k, v in chunk.fixed})
        ds.attrs = {}
        parts.append(ds)
    out = xr.merge(parts, compat="no_conflicts", join="outer", combine_attrs="drop") if parts else xr.Dataset()
    out = out.reindex({names[k]: values[k] for k in keys if names[k] in out.dims})
    out = out.transpose(*[names[k] for k in keys if names[k] in out.dims], ...)
    for name, var in out.data_vars.items():  # the outer join turned flags into floats (NaN pad)
        if all(p[name].dtype == bool for p in parts if name in p) and not bool(var.isnull().any()):
            out[name] = var.astype(bool)
    out.attrs.update(_common_attrs(list(datasets.values())))
    out.attrs["grid_keys"] = {names[k]: k for k in keys}
    return out


_RUN_ATTRS = {"grid_keys", "config_toml", "versions", "complete", "checkpoint_step", "total_steps", "created"}


def _common_attrs(datasets: list[xr.Dataset]) -> dict[str, Any]:
    """Attributes every chunk has with the same value (labels, family flags), less the per-run ones."""
    if not datasets:
        return {}
    first = datasets[0].attrs
    return {k: v for k, v in first.items()
            if k not in _RUN_ATTRS and all(k in d.attrs and d.attrs[k] == v for d in datasets[1:])}


def point_status(chunks: list[Chunk], status: dict[str, str], keys: list[str],
                 values: dict[str, list[Any]], names: dict[str, str]) -> xr.DataArray:
    """``done`` / ``failed`` / ``pending`` for every grid point (dims: the grid keys)."""
    shape = tuple(len(values[k]) for k in keys)
    arr = np.full(shape, "pending", dtype=object)
    index = {k: {repr(v): i for i, v in enumerate(values[k])} for k in keys}
    for chunk in chunks:
        own = dict(chunk.fixed) | {k: list(v) for k, v in chunk.grid}
        sel = tuple(
            [index[k][repr(own[k])]] if not isinstance(own[k], list) else [index[k][repr(v)] for v in own[k]]
            for k in keys
        )
        arr[np.ix_(*sel)] = status.get(chunk.id, "pending")
    return xr.DataArray(arr.astype(str), dims=[names[k] for k in keys],
                        coords={names[k]: values[k] for k in keys},
                        attrs={"long_name": "state of each grid point's chunk (done, failed, pending)"})
