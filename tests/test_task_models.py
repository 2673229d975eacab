"""Task networks (models/_task_rnn.py): update equations, noise scaling, frozen parts, gated cells."""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from learndyn.models import GRU, LSTM, LeakyRNN, LowRankRNN, frozen_leaves, init_task_rnn, same_structure, simulate


def test_leaky_step_is_euler_of_the_rate_equation():
    net = init_task_rnn(jr.key(0), "leaky", n=20, n_in=3, n_out=2, g=1.2)
    net = eqx.tree_at(lambda m: m.b, net, jr.normal(jr.key(1), (20,)))
    x, u, a = jr.normal(jr.key(2), (20,)), jr.normal(jr.key(3), (3,)), 0.2
    expect = (1 - a) * x + a * (net.w @ jnp.tanh(x) + net.w_in @ u + net.b)
    np.testing.assert_allclose(net.step(x, u, a), expect, atol=1e-14)
    np.testing.assert_allclose(net.readout(x), net.w_out @ jnp.tanh(x) + net.b_out, atol=1e-14)
    # the bulk: W = gJ with J_ij ~ N(0, 1/N)
    big = init_task_rnn(jr.key(4), "leaky", n=400, n_in=1, n_out=1, g=0.7)
    assert abs(np.sqrt(400) * np.std(np.asarray(big.w)) - 0.7) < 0.01


def test_recurrent_noise_gives_stationary_variance():
    """W = 0, no input, linear φ: x_{t+1} = (1−α)x_t + √(2α)σξ, stationary variance 2σ²/(2−α)."""
    n, alpha, sigma = 200, 0.2, 0.3
    net = LeakyRNN(jnp.zeros((n, n)), jnp.zeros((n, 1)), jnp.zeros(n), jnp.zeros((1, n)), jnp.zeros(1), "linear")
    states, _ = simulate(net, jnp.zeros((3000, 1)), alpha=alpha, key=jr.key(0), recurrent_noise=sigma)
    var = float(np.var(np.asarray(states[200:])))
    assert abs(var / (2 * sigma**2 / (2 - alpha)) - 1) < 0.03


def test_low_rank_matrix_and_frozen_random_part():
    net = init_task_rnn(jr.key(0), "low_rank", n=30, n_in=2, n_out=1, g=0.5, rank=2)
    assert isinstance(net, LowRankRNN)
    np.testing.assert_allclose(net.recurrent_matrix(), net.m @ net.n_vec.T / 30 + net.j, atol=1e-14)
    mask = frozen_leaves(net)
    assert mask.j is False and mask.m is True and mask.n_vec is True


def test_gru_and_lstm_identities():
    gru = init_task_rnn(jr.key(0), "gru", n=16, n_in=3, n_out=2, g=1.0)
    assert isinstance(gru, GRU) and gru.hidden_size == 16
    # zero state and zero input with zero biases: the origin is a fixed point of the map
    np.testing.assert_allclose(gru.step(jnp.zeros(16), jnp.zeros(3)), 0.0, atol=1e-15)
    # update gate shut (z → 0): the state is carried unchanged
    shut = eqx.tree_at(lambda m: m.b, gru, gru.b.at[:16].set(-1e3))
    h = jr.normal(jr.key(1), (16,))
    np.testing.assert_allclose(shut.step(h, jr.normal(jr.key(2), (3,))), h, atol=1e-12)
    lstm = init_task_rnn(jr.key(3), "lstm", n=8, n_in=2, n_out=1, g=1.0)
    assert isinstance(lstm, LSTM) and lstm.hidden_size == 16
    # forget gate open and input gate shut: the cell state is conserved, h = o ⊙ tanh(c)
    b = lstm.b.at[:8].set(-1e3).at[8:16].set(1e3)
    held = eqx.tree_at(lambda m: m.b, lstm, b)
    x = jr.normal(jr.key(4), (16,))
    out = held.step(x, jr.normal(jr.key(5), (2,)))
    np.testing.assert_allclose(out[8:], x[8:], atol=1e-12)
    gate_o = jax.nn.sigmoid(held.w_in[24:] @ jr.normal(jr.key(5), (2,)) + held.u[24:] @ x[:8] + b[24:])
    np.testing.assert_allclose(out[:8], gate_o * jnp.tanh(x[8:]), atol=1e-12)



def test_low_rank_latent_reduction_is_exact():
    """W = M Nᵀ/N (no random part), constant input u: on the plane x = Mκ + v₀ (v₀ = W_in u + b)
    the network's velocity is M κ̇ with κ̇ = −κ + Nᵀφ(Mκ + v₀)/N — an identity (to 1e-12)."""
    net = init_task_rnn(jr.key(0), "low_rank", n=40, n_in=3, n_out=1, g=0.0, rank=2)
    net = eqx.tree_at(lambda m: m.b, net, 0.3 * jr.normal(jr.key(1), (40,)))
    u = jr.normal(jr.key(2), (3,))
    kappa = jr.normal(jr.key(3), (5, 2))
    x = kappa @ net.m.T + net.latent_offset(u)
    full = jax.vmap(lambda xi: net.velocity(xi, u))(x)
    latent = jax.vmap(lambda k: net.latent_velocity(k, u))(kappa)
    np.testing.assert_allclose(full, latent @ net.m.T, atol=1e-12)


def test_low_rank_without_random_part_is_the_same_network():
    """``g = 0`` gives ``random_part = False``: the O(N R) step equals ``W φ`` with the full matrix
    (float32 rounding), and a grid mixing ``g = 0`` and ``g > 0`` is stacked with the random part kept."""
    key = jr.key(3)
    a = init_task_rnn(key, "low_rank", n=40, n_in=3, n_out=2, g=0.0, rank=2)
    b = init_task_rnn(key, "low_rank", n=40, n_in=3, n_out=2, g=0.4, rank=2)
    assert not a.random_part and b.random_part
    x, u = jr.normal(jr.key(4), (40,)), jr.normal(jr.key(5), (3,))
    for net in (a, b):
        full = -x + net.recurrent_matrix() @ jnp.tanh(x) + net.w_in @ u + net.b
        np.testing.assert_allclose(net.velocity(x, u), full, atol=1e-5)
    mixed = same_structure([a, b])
    assert all(n.random_part for n in mixed)
    np.testing.assert_allclose(mixed[0].velocity(x, u), a.velocity(x, u), atol=1e-6)
    _, out_a = simulate(a, jnp.ones((20, 3)), alpha=0.2)
    _, out_m = simulate(mixed[0], jnp.ones((20, 3)), alpha=0.2)
    np.testing.assert_allclose(out_a, out_m, atol=1e-5)
