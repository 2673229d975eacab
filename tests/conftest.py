import atexit
import os
import shutil
import tempfile

# Most of a test's time is XLA compiling tiny programs, not running them: the tests (and the CLI
# processes they start, which inherit this environment) compile with the CPU backend's LLVM
# optimisation level 0 — about 28 % less time for the suite on 2 cores. The arithmetic is the same
# IEEE arithmetic (XLA uses no fast-math at any level), so every asserted number means the same.
if "--xla_backend_optimization_level" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=0").strip()

import jax
import jax.numpy as jnp
import jax.random as jr
import pytest

import learndyn  # noqa: F401

# The tests call learndyn's low-level functions (theory ODEs, exact losses) directly and compare
# them to 1e-10: the test process runs in float64. learndyn itself never sets this globally
# (tests/test_library.py checks that in a fresh process); its entry points scope float64.
jax.config.update("jax_enable_x64", True)

# Many tests run the same small programs (same shapes) in separate runs; a session-local
# persistent compilation cache lets identical programs skip XLA compilation (≈ 30 % of the suite's
# time on 2 cores). Fresh per session and removed at exit, so no state outlives a test run.
# One cache for the whole session: the first process to import this (pytest's controller) creates
# it and passes it to the xdist workers through the environment, so a program one worker compiled
# is loaded, not recompiled, by the other.
if "LEARNDYN_TEST_JAX_CACHE" not in os.environ:
    os.environ["LEARNDYN_TEST_JAX_CACHE"] = tempfile.mkdtemp(prefix="learndyn-test-jax-cache-")
    atexit.register(shutil.rmtree, os.environ["LEARNDYN_TEST_JAX_CACHE"], ignore_errors=True)
_CACHE = os.environ["LEARNDYN_TEST_JAX_CACHE"]
jax.config.update("jax_compilation_cache_dir", _CACHE)
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
from learndyn.models import LinearRNN
from _reproduction_records import pytest_addoption, pytest_configure  # noqa: F401  (--record-reproductions)


@pytest.fixture
def getkey():
    """A fresh PRNG key per call (equinox's test idiom)."""
    state = {"i": 0}

    def _getkey():
        state["i"] += 1
        return jr.key(1000 + state["i"])

    return _getkey


def tree_vdot(a, b):
    return sum(jnp.vdot(x, y) for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True))


def random_direction(net: LinearRNN, key) -> LinearRNN:
    leaves, treedef = jax.tree.flatten(net)
    keys = jr.split(key, len(leaves))
    return jax.tree.unflatten(treedef, [jr.normal(k, x.shape) for k, x in zip(keys, leaves, strict=True)])


@pytest.fixture
def kill_when():
    """:func:`start_and_kill_when` (a fixture, so resume tests need no import)."""
    return start_and_kill_when


def start_and_kill_when(args: list, env: dict, ready, what: str, timeout: float = 240.0) -> None:
    """Start ``args`` in its own process group, wait until ``ready()`` is true, then SIGKILL the
    group (a hard interruption for resume tests). Fails if the process ends first or ``what``
    does not happen within ``timeout`` seconds."""
    import os
    import signal
    import subprocess
    import time

    proc = subprocess.Popen([str(a) for a in args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if ready():
                return
            assert proc.poll() is None, f"the process ended before {what}"
            time.sleep(0.2)
        raise AssertionError(f"no {what} within {timeout:.0f} s")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def pytest_terminal_summary(terminalreporter):
    """Print the number of fuzzed bad inputs (tests/test_fuzz.py), also under xdist."""
    best = None
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        for name, value in getattr(report, "user_properties", []):
            if name == "fuzz_cases" and (best is None or value["count"] > best["count"]):
                best = value
    if best is not None:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(best["kinds"].items()))
        terminalreporter.write_line(f"fuzz: {best['count']} invalid configs, each exit 2 with one line "
                                    f"and the existing run untouched ({kinds})")
