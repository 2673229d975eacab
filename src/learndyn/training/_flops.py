"""Counting floating-point operations of a traced JAX function (for the scaling benchmarks).

XLA's own cost analysis counts the body of a loop once, so a BPTT step over T time steps comes
out T times too small. :func:`count_flops` walks the jaxpr instead: a matrix product
``dot_general`` costs ``2·(output size)·(contracted size)``, an elementwise or reduction primitive
one operation per element it reads or writes, a ``scan`` its body times its length. A
``while_loop`` has no static trip count: its body is counted once and the count is flagged as a
lower bound. Memory movement (gather, scatter, slicing, transposes) is free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax
from jax.extend import core as jcore

_FREE = {
    "broadcast_in_dim", "reshape", "squeeze", "expand_dims", "transpose", "slice", "dynamic_slice",
    "dynamic_update_slice", "gather", "scatter", "concatenate", "pad", "convert_element_type", "iota",
    "select_n", "copy", "rev", "stop_gradient", "random_bits", "random_seed", "random_wrap",
    "random_unwrap", "random_fold_in", "threefry2x32", "shift_right_logical", "shift_left",
    "sharding_constraint", "device_put", "bitcast_convert_type", "eq", "ne", "lt", "le", "gt", "ge",
    "and", "or", "not", "xor", "argmax", "argmin", "split", "clamp", "sort",
}


@dataclass(frozen=True)
class FlopCount:
    """``flops``: operations counted; ``lower_bound``: a while loop was counted once."""

    flops: float
    lower_bound: bool = False

    def __add__(self, other: FlopCount) -> FlopCount:
        return FlopCount(self.flops + other.flops, self.lower_bound or other.lower_bound)

    def __mul__(self, k: float) -> FlopCount:
        return FlopCount(self.flops * k, self.lower_bound)


def _size(aval) -> int:
    return int(math.prod(getattr(aval, "shape", ()))) if hasattr(aval, "shape") else 1


def _sub_jaxprs(eqn) -> list:
    out = []
    for v in eqn.params.values():
        for item in v if isinstance(v, (list, tuple)) else [v]:
            if isinstance(item, jcore.ClosedJaxpr):
                out.append(item.jaxpr)
            elif isinstance(item, jcore.Jaxpr):
                out.append(item)
    return out


def _count_jaxpr(jaxpr) -> FlopCount:
    total = FlopCount(0.0)
    for eqn in jaxpr.eqns:
        name = eqn.primitive.name
        if name == "dot_general":
            (lc, _), _ = eqn.params["dimension_numbers"]
            lhs = eqn.invars[0].aval
            contracted = math.prod(lhs.shape[d] for d in lc) if lc else 1
            total += FlopCount(2.0 * _size(eqn.outvars[0].aval) * contracted)
        elif name == "scan":
            total += _count_jaxpr(eqn.params["jaxpr"].jaxpr) * eqn.params["length"]
        elif name == "while":
            body = _count_jaxpr(eqn.params["body_jaxpr"].jaxpr) + _count_jaxpr(eqn.params["cond_jaxpr"].jaxpr)
            total += FlopCount(body.flops, True)
        elif name == "cond":
            branches = [_count_jaxpr(b.jaxpr) for b in eqn.params["branches"]]
            worst = max(branches, key=lambda c: c.flops)
            total += FlopCount(worst.flops, worst.lower_bound or any(b.lower_bound for b in branches))
        elif _sub_jaxprs(eqn):  # pjit, custom_jvp/vjp, remat, closed_call: count the callee
            for sub in _sub_jaxprs(eqn)[:1]:
                total += _count_jaxpr(sub)
        elif name in _FREE:
            continue
        elif name.startswith("reduce_") or name in ("cumsum", "cumprod", "cummax", "argsort"):
            total += FlopCount(float(sum(_size(v.aval) for v in eqn.invars)))
        else:  # elementwise arithmetic and transcendentals: one per output element
            total += FlopCount(float(sum(_size(v.aval) for v in eqn.outvars)))
    return total


def count_flops(fn, *args, **kwargs) -> FlopCount:
    """Floating-point operations of one call ``fn(*args, **kwargs)`` (traced, not run)."""
    closed = jax.make_jaxpr(fn)(*args, **kwargs)
    return _count_jaxpr(closed.jaxpr)


def step_flops(problem) -> FlopCount:
    """Operations of one training step of one network of ``problem`` (forward and backward: the
    engine returns the gradient), the optimiser update excluded."""
    one = jax.tree.map(lambda x: x[0], (problem.params, problem.data, problem.keys))
    return count_flops(problem.engine, *one)


#: step FLOPs above which a CPU loops over networks rather than vmapping them (see auto_vector_width)
CPU_LOOP_FLOPS = 1e6


def default_platform() -> str:
    """The platform JAX computes on by default: ``"cpu"``, ``"gpu"``, ``"tpu"``."""
    device = jax.config.jax_default_device or jax.devices()[0]
    return device if isinstance(device, str) else getattr(device, "platform", "cpu")


def auto_vector_width(problem) -> int | None:
    """learndyn's default schedule: ``None`` (all networks vmapped) on accelerators and for small
    steps; ``1`` (networks looped inside the one compiled program) on a CPU when a step costs at
    least ``CPU_LOOP_FLOPS`` — there XLA's batched matrix products run below its unbatched ones
    (benchmarks/RESULTS.md, "scale (cpu)": vmapping 8–64 networks was 0.46–0.79× the speed of
    looping them for every family above 10⁷ FLOPs per step). A single network is "looped" too: then
    nothing is vmapped, so a ``lax.cond`` in its loss (the tracking superposition) stays a branch."""
    if default_platform() != "cpu":
        return None
    return 1 if step_flops(problem).flops >= CPU_LOOP_FLOPS else None
