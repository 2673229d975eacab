import jax
import jax.numpy as jnp
import jax.random as jr
import pytest

import learndyn  # noqa: F401  (turns on float64)
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
