"""Cognitive tasks (tasks/_cognitive.py): shapes, masks, keyed reproducibility, exact targets and
stimulus statistics."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from learndyn.families.task_rnn.schema import CognitiveTask
from learndyn.tasks import (
    TASKS,
    accumulate_ideal_accuracy,
    make_batch,
    multisensory_means,
    n_steps,
    task_accuracy,
    task_periods,
    task_sizes,
)


@pytest.mark.parametrize("kind", sorted(TASKS))
def test_every_task_shapes_masks_and_keys(kind):
    spec = CognitiveTask(kind=kind, batch=16, delay=200.0)
    b = make_batch(jr.key(0), spec)
    n_in, n_out = task_sizes(spec)
    t = n_steps(spec)
    assert b.inputs.shape == (16, t, n_in)
    assert b.targets.shape == b.mask.shape == b.response.shape == (16, t, n_out)
    assert set(np.unique(np.asarray(b.mask))) <= {0.0, 1.0, spec.decision_weight}
    assert set(np.unique(np.asarray(b.response))) <= {0.0, 1.0}
    assert float(jnp.sum(b.response)) > 0
    # scored entries carry a ±1 answer and are inside the loss mask
    resp = np.asarray(b.response) > 0
    assert np.all(np.abs(np.asarray(b.targets)[resp]) == 1.0)
    assert np.all(np.asarray(b.mask)[resp] > 0)
    again = make_batch(jr.key(0), spec)
    other = make_batch(jr.key(1), spec)
    assert np.array_equal(np.asarray(again.inputs), np.asarray(b.inputs))
    assert not np.array_equal(np.asarray(other.inputs), np.asarray(b.inputs))
    # a perfect output scores 1, its negation 0
    assert float(task_accuracy(b.targets, b)) == 1.0
    assert float(task_accuracy(-b.targets, b)) == 0.0


def test_periods_in_steps():
    spec = CognitiveTask(kind="delay_match", dt=20, fixation=100, stimulus=300, delay=600, decision=200)
    p = task_periods(spec)
    assert p == {"fixation": (0, 5), "sample": (5, 20), "delay": (20, 50), "test": (50, 65), "decision": (65, 75)}
    assert n_steps(spec) == 75


def test_accumulate_statistics_and_ideal_observer():
    spec = CognitiveTask(kind="accumulate", batch=20000, coherences=[0.05, 0.1, 0.2], noise=1.0)
    b = make_batch(jr.key(3), spec)
    p = task_periods(spec)
    s = np.asarray(b.inputs[:, p["stimulus"][0]: p["stimulus"][1], 1])
    target = np.asarray(b.targets[:, -1, 0])
    # the stimulus is c + σξ: residual std σ, |mean| from the coherence set, sign = target
    coh = s.mean(1)
    assert abs(np.std(s - s.mean(1, keepdims=True)) * np.sqrt(s.shape[1] / (s.shape[1] - 1)) - 1.0) < 0.01
    # the perfect integrator's empirical accuracy matches the closed form
    emp = np.mean(np.sign(coh) == target)
    assert abs(emp - accumulate_ideal_accuracy(spec)) < 0.01
    # outside the stimulus period the stream is silent
    assert np.all(np.asarray(b.inputs[:, : p["stimulus"][0], 1]) == 0)
    assert np.all(np.asarray(b.inputs[:, p["decision"][0]:, 0]) == 0)  # go cue: fixation off


def test_accumulate_sum_report_is_the_running_mean():
    spec = CognitiveTask(kind="accumulate", batch=8, report="sum")
    b = make_batch(jr.key(0), spec)
    p = task_periods(spec)
    n = p["stimulus"][1] - p["stimulus"][0]
    expect = np.cumsum(np.asarray(b.inputs[..., 1]), axis=1) / n
    np.testing.assert_allclose(np.asarray(b.targets[..., 0]), expect, atol=1e-12)


def test_delay_match_and_context_targets_exact_without_noise():
    dm = CognitiveTask(kind="delay_match", batch=512, n_stimuli=3, noise=0.0, stimulus=300, delay=600)
    b = make_batch(jr.key(5), dm)
    p = task_periods(dm)
    sample = np.asarray(b.inputs[:, p["sample"][0], 1:])
    test = np.asarray(b.inputs[:, p["test"][0], 1:])
    match = np.all(sample == test, axis=1)
    np.testing.assert_array_equal(np.asarray(b.targets[:, -1, 0]), np.where(match, 1.0, -1.0))
    assert 0.4 < match.mean() < 0.6

    cx = CognitiveTask(kind="context_integrate", batch=512, noise=0.0)
    b = make_batch(jr.key(6), cx)
    p = task_periods(cx)
    x = np.asarray(b.inputs[:, p["stimulus"][0]])
    cued = np.where(x[:, 1] == 1, x[:, 3], x[:, 4])
    np.testing.assert_array_equal(np.asarray(b.targets[:, -1, 0]), np.sign(cued))
    assert np.all(x[:, 1] + x[:, 2] == 1)  # exactly one context cue


def test_multisensory_means_and_side():
    spec = CognitiveTask(kind="multisensory", batch=4096, noise=0.0, stimulus=500)
    key = jr.key(8)
    b = make_batch(key, spec)
    p = task_periods(spec)
    m = np.asarray(multisensory_means(jr.split(key)[0], 4096))  # same generator as Proca et al. 2025 (docs/lrnn.md; checks in docs/reproductions.md) §2.4
    np.testing.assert_allclose(np.asarray(b.inputs[:, p["stimulus"][0], 1:]), m, atol=1e-12)
    side = np.sign(m[:, 0] - m[:, 1] + m[:, 2] - m[:, 3])
    np.testing.assert_array_equal(np.asarray(b.targets[:, -1, 0]), side)


def test_flip_flop_targets_hold_last_pulse():
    spec = CognitiveTask(kind="flip_flop", batch=64, bits=3, duration=600, pulse_probability=0.1, settle=2)
    b = make_batch(jr.key(2), spec)
    u, y, r = (np.asarray(a) for a in (b.inputs, b.targets, b.response))
    expect = np.zeros_like(y)
    since = np.zeros_like(y)
    state = np.zeros((64, 3))
    last = np.zeros((64, 3))
    for t in range(u.shape[1]):
        hit = u[:, t] != 0
        state = np.where(hit, u[:, t], state)
        last = np.where(hit, t, last)
        expect[:, t] = state
        since[:, t] = t - last
    np.testing.assert_array_equal(y, expect)
    np.testing.assert_array_equal(r, (since >= 2).astype(float))
    assert np.all(u[:, 0] != 0)
