"""Numerical precision, scoped: learndyn never changes JAX's global configuration.

learndyn's comparisons with theory need float64 (an exact Lyapunov loss, a fixed point to
q < 1e-20). Its entry points (:func:`learndyn.run`, sweeps, ``learndyn analyze``) therefore run
inside :func:`float64`, a context that turns on ``jax_enable_x64`` for the computations inside it
and restores the caller's setting afterwards; a family that trains in float32
(``train.precision``) casts its own arrays. Importing learndyn leaves ``jax_enable_x64`` as it
found it, so a user's own model in the same process keeps its precision.

Calling learndyn's lower-level functions directly (a theory ODE, an exact loss) follows the
caller's setting; wrap them in ``with learndyn.float64():`` for double precision.
"""

from __future__ import annotations

import contextlib

import jax


@contextlib.contextmanager
def float64():
    """Context manager: JAX computations inside use 64-bit floats (``jax_enable_x64``), the
    previous setting is restored on exit (thread-local, so other threads are unaffected)."""
    with jax.enable_x64(True):
        yield
