"""Throughput of the integrate engines: steps per second at N = 100 for 1, 8 and 64 seeds.

Times the production path (``experiments.integrate.build`` → the trainer's compiled ``advance``),
after compilation, as the median of several repeats; writes ``benchmarks/RESULTS.md``.

    python benchmarks/bench_integrate.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import jax

import learndyn

# a benchmark is an application: it calls learndyn's engines directly, in float64 as learndyn's runs do
jax.config.update("jax_enable_x64", True)

from learndyn.families.integrate import experiment as integrate
from learndyn.results import package_versions

from _results import write_section  # noqa: E402  (benchmarks/ is the script's directory)
from _timing import time_advance  # noqa: E402

HERE = Path(__file__).parent

NOTES = [
    "Notes:",
    "",
    "- The exact engine dominates: a 4000-step, 4-seed N = 100 run (the demo) trains in about a minute.",
    "- Per-network throughput falls below the 1-seed rate at 64 seeds for both engines on this 2-core",
    "  CPU. For `sampled` the BPTT memory (1000 steps × batch × N per network) makes the engine run",
    "  its Monte-Carlo groups one after another at 64 seeds (`_groups_at_once`, 2 GB budget); for",
    "  `exact` the vmapped sign-function loop runs to the slowest network's iteration count and",
    "  XLA's batched small inverses are less efficient than single ones. Making vmapped seeds never",
    "  slower per network than sequential runs is an acceptance item of the scaling work item.",
    "",
]


def time_engine(method: str, seeds: int, steps: int, repeats: int, n: int = 100) -> dict:
    spec = learndyn.resolve_spec("integrate-leaky", [f"model.n={n}", f"train.method='{method}'"], seeds=seeds)
    built = integrate.build(spec, record_steps=[0])
    med, compile_s = time_advance(built.problem, steps, repeats)
    return {"method": method, "seeds": seeds, "n": n, "s_per_step": med, "steps_per_s": 1 / med,
            "network_steps_per_s": seeds / med, "compile_s": compile_s, "repeats": repeats, "steps": steps}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer steps (smoke run)")
    args = parser.parse_args()
    plan = {"exact": (40, 3), "sampled": (3, 3)}
    if args.quick:
        plan = {"exact": (5, 1), "sampled": (1, 1)}
    rows = []
    for method, (steps, repeats) in plan.items():
        for seeds in (1, 8, 64):
            s = max(1, steps // (8 if (method == "sampled" and seeds == 64) else 1))
            row = time_engine(method, seeds, s, repeats)
            rows.append(row)
            print(f"{method:8s} seeds={seeds:3d}: {row['steps_per_s']:9.3f} steps/s "
                  f"({row['network_steps_per_s']:9.2f} network-steps/s; compile {row['compile_s']:.1f} s)",
                  flush=True)
    v = package_versions()
    lines = [
        "Written by `python benchmarks/bench_integrate.py` (`make bench`). Times are medians over "
        "repeats after compilation; a *step* is one gradient step of every network in the batch.",
        "",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPU cores, {platform.platform()}; "
        f"JAX devices: {', '.join(str(d) for d in jax.devices())}",
        "- versions: " + ", ".join(f"{k} {v[k]}" for k in ("learndyn", "jax", "jaxlib", "numpy", "python")),
        f"- date: {time.strftime('%Y-%m-%d')}",
        "- exact: two Lyapunov solves of size 101 per network-step (sign-function iteration);"
        " sampled: BPTT over 1000 Euler steps (horizon 10/c⋆ = 50, dt 0.05), batch 256, 32 groups",
        "",
        "| engine | seeds | steps/s | network-steps/s | per-network speed-up vs 1 seed | compile (s) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        base = next(b for b in rows if b["method"] == r["method"] and b["seeds"] == 1)
        ratio = r["network_steps_per_s"] / base["network_steps_per_s"]
        lines.append(f"| {r['method']} | {r['seeds']} | {r['steps_per_s']:.3f} | "
                     f"{r['network_steps_per_s']:.2f} | {ratio:.2f}× | {r['compile_s']:.1f} |")
    ex = {r["seeds"]: r for r in rows if r["method"] == "exact"}
    sa = {r["seeds"]: r for r in rows if r["method"] == "sampled"}
    lines += ["", f"exact / sampled speed ratio at 1 seed: {ex[1]['steps_per_s'] / sa[1]['steps_per_s']:.0f}×; "
              f"at 64 seeds: {ex[64]['steps_per_s'] / sa[64]['steps_per_s']:.0f}×.", ""]
    lines += NOTES
    print(f"wrote {write_section('integrate: exact vs sampled engine, N = 100', lines)}")


if __name__ == "__main__":
    main()
