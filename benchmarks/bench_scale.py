"""Scale: FLOPs per training step, time per network-step at 1…4096 concurrent networks, and the
achieved FLOP/s as a fraction of the measured matmul peak of the same device.

For every family a representative configuration is built by the family itself (the production
path: ``family.build`` → the trainer's compiled ``advance``); FLOPs per network-step are counted
on the traced engine (forward + backward, learndyn.training.step_flops: loops counted with their
trip count); time is the median over repeats after compilation. On the CPU the harness also
compares vmapping S networks with running them one after another (``vector_width=1``: the same
program loops over the networks), which is what S sequential runs cost once compiled.

    python benchmarks/bench_scale.py [--device cpu|gpu] [--networks 1 8 64] [--quick]

Writes the section "scale" of benchmarks/RESULTS.md (one sub-table per device).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import sys
import time

import jax
import jax.numpy as jnp

import learndyn

# a benchmark is an application: it calls learndyn's engines directly, in float64 as learndyn's runs do
jax.config.update("jax_enable_x64", True)

from learndyn.experiments import get_family
from learndyn.results import package_versions
from learndyn.training._flops import step_flops

sys.path.insert(0, os.path.dirname(__file__))
from _results import write_section  # noqa: E402
from _timing import time_advance  # noqa: E402

# (label, experiment, overrides); the first is the acceptance configuration of the scaling issue
CASES = [
    ("leaky tanh RNN, N=100, T=200, batch 64 (task-rnn accumulate)", "accumulate",
     ["model.n=100", "task.stimulus=3500", "task.decision=400", "task.batch=64"]),
    ("integrate exact, N=100", "integrate-leaky", ["model.n=100"]),
    ("closed loop tanh N=100, B=100, T=50", "closed-loop-nonlinear", []),
    ("grokking Z_23, K=512, p=0.4", "grokking", ["task.modulus=23", "model.width=512"]),
    ("linear RNN (lrnn-modes)", "lrnn-modes", []),
]


def matmul_peak(device, dtype, n: int, repeats: int = 5) -> float:
    """Measured FLOP/s of an ``n × n`` matmul (the device's practical peak for this dtype)."""
    with jax.default_device(device):
        a = jnp.ones((n, n), dtype) / n
        f = jax.jit(lambda x: x @ x)
        jax.block_until_ready(f(a))
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            jax.block_until_ready(f(a))
            times.append(time.perf_counter() - t0)
    return 2 * n**3 / statistics.median(times)


def time_case(experiment: str, overrides: list[str], networks: int, device, *, width=None,
              steps: int = 3, repeats: int = 3) -> dict:
    spec = learndyn.resolve_spec(experiment, overrides, seeds=networks)
    family = get_family(spec.family)
    with jax.default_device(device):
        phase = family.phases(spec)[0][0] if hasattr(family, "phases") else "main"
        built = family.build(spec, record_steps=[0], phase=phase)
        problem = dataclasses.replace(built.problem, vector_width=width)
        t, compile_s = time_advance(problem, steps, repeats)
    flops = step_flops(problem)
    dtype = jax.tree.leaves(problem.params)[0].dtype
    return {"networks": networks, "s_per_step": t, "ms_per_network_step": 1e3 * t / networks,
            "flops": flops.flops, "lower_bound": flops.lower_bound, "dtype": str(dtype),
            "flop_rate": flops.flops * networks / t, "compile_s": compile_s, "width": width}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu", choices=["cpu", "gpu"])
    parser.add_argument("--networks", type=int, nargs="*", default=None)
    parser.add_argument("--cases", type=int, nargs="*", default=None, help="indices into CASES")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    device = jax.devices(args.device)[0]
    nets = args.networks or ([1, 8, 64] if args.device == "cpu" else [1, 16, 64, 256, 1024, 4096])
    cases = [CASES[i] for i in (args.cases if args.cases is not None else range(len(CASES)))]
    peak = {dt: matmul_peak(device, dt, 2048 if args.device == "cpu" else 8192)
            for dt in (jnp.float32, jnp.float64)}
    print(f"matmul peak on {device}: float32 {peak[jnp.float32] / 1e9:.1f} GFLOP/s, "
          f"float64 {peak[jnp.float64] / 1e9:.1f} GFLOP/s", flush=True)
    rows = []
    for label, exp, sets in cases:
        for s in nets:
            steps = 1 if args.quick or s >= 256 else 3
            row = time_case(exp, sets, s, device, steps=steps, repeats=2 if args.quick else 3)
            row.update(label=label, mode="vmap")
            rows.append(row)
            print(f"{label} | {s:5d} networks vmap: {row['ms_per_network_step']:.4f} ms/network-step, "
                  f"{row['flop_rate'] / 1e9:.2f} GFLOP/s", flush=True)
            if args.device == "cpu" and s > 1:
                seq = time_case(exp, sets, s, device, width=1, steps=steps, repeats=2 if args.quick else 3)
                seq.update(label=label, mode="one after another")
                rows.append(seq)
                print(f"{label} | {s:5d} networks one after another: {seq['ms_per_network_step']:.4f} "
                      f"ms/network-step", flush=True)
    v = package_versions()
    lines = [
        f"Written by `python benchmarks/bench_scale.py --device {args.device}` on {time.strftime('%Y-%m-%d')}.",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPU cores, {platform.platform()}; device: {device} "
        f"({getattr(device, 'device_kind', '')})",
        "- versions: " + ", ".join(f"{k} {v[k]}" for k in ("learndyn", "jax", "jaxlib", "numpy", "python") if k in v),
        f"- measured matmul peak: float32 {peak[jnp.float32] / 1e9:.1f} GFLOP/s, float64 "
        f"{peak[jnp.float64] / 1e9:.1f} GFLOP/s",
        "- FLOPs per network-step: the traced engine (forward + backward, loops × trip count); ≥ marks a "
        "count with a while loop counted once (a lower bound). Time: median after compilation. "
        "*one after another*: the same S networks looped inside one program (vector_width = 1), the "
        "steady-state cost of S sequential runs.",
        "",
        "| configuration | dtype | networks | mode | FLOPs / network-step | ms / network-step | GFLOP/s | "
        "fraction of peak | vs one after another |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        pk = peak[jnp.float32] if r["dtype"] == "float32" else peak[jnp.float64]
        seq = next((q for q in rows if q["label"] == r["label"] and q["networks"] == r["networks"]
                    and q["mode"] != "vmap"), None)
        ratio = f"{seq['ms_per_network_step'] / r['ms_per_network_step']:.2f}× faster" \
            if (seq and r["mode"] == "vmap") else ""
        lines.append(f"| {r['label']} | {r['dtype']} | {r['networks']} | {r['mode']} | "
                     f"{'≥ ' if r['lower_bound'] else ''}{r['flops']:.3g} | {r['ms_per_network_step']:.4g} | "
                     f"{r['flop_rate'] / 1e9:.2f} | {r['flop_rate'] / pk:.1%} | {ratio} |")
    lines.append("")
    title = f"scale ({args.device})"
    print(f"wrote {write_section(title, lines)}")


if __name__ == "__main__":
    main()
