"""What a Dask worker (or the serial loop) runs for one chunk: the ordinary runner, resumable."""

from __future__ import annotations

import time
import traceback
from typing import Any


def use_device(device: str):
    """Context manager placing JAX computations on ``device`` (``cpu`` or ``gpu``).

    Raises:
        ConfigError: no such device is visible to JAX (e.g. ``gpu`` without ``learndyn[gpu]``).
    """
    import jax

    from ..errors import ConfigError

    try:
        devices = jax.devices(device)
    except RuntimeError:
        raise ConfigError(f"--device {device}: no {device.upper()} visible to JAX "
                          "(install `learndyn[gpu]` for CUDA, or use --device cpu)") from None
    return jax.default_device(devices[0])


def run_chunk(spec_data: dict[str, Any], out: str, device: str = "cpu", family_ref: str | None = None) -> dict[str, Any]:
    """Validate and run one chunk into ``out`` (continuing a partial run there); ``family_ref``
    (``module:Class``) finds the family in a fresh worker process where its name is not registered.

    Never raises: returns ``{"status": "done", "seconds": ...}`` or ``{"status": "failed",
    "error": one line, "detail": traceback}`` so one bad point cannot stop the sweep.
    """
    from ..experiments import family_of, run, validate_spec

    t0 = time.perf_counter()
    try:
        family_of({"family": spec_data.get("family"), "family_ref": family_ref})
        spec = validate_spec(spec_data)
        with use_device(device):
            ds = run(spec, out, resume=True, finish=False)
        diverged = int(ds["diverged"].sum()) if "diverged" in ds else 0
        return {"status": "done", "seconds": time.perf_counter() - t0, "diverged": diverged}
    except Exception as err:  # noqa: BLE001 - recorded per point, the sweep goes on
        return {"status": "failed", "seconds": time.perf_counter() - t0,
                "error": f"{type(err).__name__}: {err}".splitlines()[0][:500],
                "detail": traceback.format_exc(limit=8)}
