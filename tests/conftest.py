import atexit
import shutil
import tempfile

import jax
import jax.numpy as jnp
import jax.random as jr
import pytest

import learndyn  # noqa: F401  (turns on float64)

# Many tests run the same small programs (same shapes) in separate runs; a session-local
# persistent compilation cache lets identical programs skip XLA compilation (≈ 30 % of the suite's
# time on 2 cores). Fresh per session and removed at exit, so no state outlives a test run.
_CACHE = tempfile.mkdtemp(prefix="learndyn-test-jax-cache-")
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
jax.config.update("jax_compilation_cache_dir", _CACHE)
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
from learndyn.models import LinearRNN


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
