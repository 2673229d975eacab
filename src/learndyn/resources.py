"""Memory a run needs, and memory the machine has: checked before anything is written.

A run that cannot fit fails with one line ("needs ≈ X GB, this machine has Y GB") instead of
an allocator traceback minutes later. The estimate is deliberately simple and errs high:

    bytes ≈ 4 · |params| + |data|

(parameters, their gradients and two optimiser moments; the task data), for all networks
together. What it cannot see in advance (activations, recorded curves) is caught when the
allocator fails and reported as the same kind of one-line error.
"""

from __future__ import annotations

import os
from typing import Any

import jax
import numpy as np

from .errors import ResourceError

GB = 1024**3


def tree_bytes(tree: Any) -> int:
    """Bytes held by the array leaves of a pytree (shape × itemsize; nothing is transferred)."""
    total = 0
    for leaf in jax.tree.leaves(tree):
        shape, dtype = getattr(leaf, "shape", None), getattr(leaf, "dtype", None)
        if shape is not None and dtype is not None:
            total += int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    return total


def available_memory() -> int | None:
    """Bytes free for a new run on JAX's default device: the accelerator's free memory, else the
    host's available memory (``MemAvailable``); ``None`` when unknown."""
    try:
        device = jax.devices()[0]
        if device.platform != "cpu":
            stats = device.memory_stats() or {}
            if "bytes_limit" in stats:
                return int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0))
    except Exception:  # noqa: BLE001 - no device information: fall back to the host
        pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def run_bytes(params: Any, data: Any, copies: int = 1) -> int:
    """The estimate above for ``params`` of all networks, or of one network repeated ``copies``
    times, and ``data`` (shared, counted once)."""
    return 4 * tree_bytes(params) * copies + tree_bytes(data)


def check_fits(needed: int, what: str, available: int | None = None) -> None:
    """Raise :class:`ResourceError` when ``needed`` bytes exceed the memory available.

    Raises:
        ResourceError: "<what> needs ≈ X GB, this machine has Y GB available".
    """
    available = available_memory() if available is None else available
    if available is not None and needed > available:
        raise ResourceError(f"{what} needs ≈ {human_bytes(needed)} of memory, this machine has "
                            f"{human_bytes(available)} available; use fewer seeds or smaller networks")


def human_bytes(n: int) -> str:
    """``1.5 GB``, ``320 MB``, ``12 kB``."""
    for unit, size in (("GB", GB), ("MB", 1024**2), ("kB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"
