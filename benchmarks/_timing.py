"""Timing the trainer's compiled step, shared by the benchmarks."""

from __future__ import annotations

import statistics
import time

import jax
import jax.numpy as jnp

from learndyn.training import init_state
from learndyn.training._trainer import _make_advance


def time_advance(problem, steps: int, repeats: int) -> tuple[float, float]:
    """``(median seconds per step of all networks, compile seconds)`` of the production path: the
    trainer's compiled ``advance`` on ``problem``, timed after one compiling call."""
    advance = _make_advance(problem)
    st = init_state(problem)
    args = (st.params, st.opt_state, st.diverged, st.diverged_step)
    t0 = time.perf_counter()
    jax.block_until_ready(advance(*args, jnp.asarray(0), jnp.asarray(1)))
    compile_s = time.perf_counter() - t0
    times = []
    for r in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(advance(*args, jnp.asarray(1 + r * steps), jnp.asarray(steps)))
        times.append((time.perf_counter() - t0) / steps)
    return statistics.median(times), compile_s


def integrate_step_seconds(spec, networks: int = 2, sigma: float = 0.6) -> float:
    """Seconds per network-step of the production training step of an integrate experiment at its
    N (one grid point, ``networks`` seeds, timed after compilation; median of 3)."""
    from learndyn.families.integrate import experiment as integrate

    small = spec.model_copy(update={"seeds": networks, "grid": {"model.sigma": [sigma]}})
    built = integrate.build(small, record_steps=[0])
    med, _ = time_advance(built.problem, 1, 3)
    return med / networks
