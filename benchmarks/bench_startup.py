"""Start-up time of the command line: ``learndyn --help`` and ``learndyn list``.

Each command runs in a fresh process (as a user types it); the median wall time of several
repeats is reported. ``--help`` must not import JAX (target < 1 s); ``list`` loads every family.
Writes the section "CLI start-up" of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import time
from importlib import metadata

from _results import write_section


def median_seconds(args: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    opts = parser.parse_args()
    exe = shutil.which("learndyn") or sys.exit("learndyn is not on PATH (activate the venv)")
    no_jax = subprocess.run([sys.executable, "-c", "import sys, learndyn.cli; print('jax' in sys.modules)"],
                            capture_output=True, text=True, check=True).stdout.strip() == "False"
    rows = [(cmd, median_seconds([exe, *cmd.split()], opts.repeats)) for cmd in ("--help", "run --help", "list")]
    lines = [f"Machine: {platform.machine()}, {platform.system()}, Python {platform.python_version()}, "
             f"learndyn {metadata.version('learndyn')}, jax {metadata.version('jax')}; median of "
             f"{opts.repeats} fresh processes. `import learndyn.cli` leaves JAX unimported: {no_jax}.", "",
             "| command | median wall time |", "|---|---|"]
    lines += [f"| `learndyn {cmd}` | {seconds:.2f} s |" for cmd, seconds in rows]
    write_section("CLI start-up", lines)
    for cmd, seconds in rows:
        print(f"learndyn {cmd}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
