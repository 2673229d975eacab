r"""Cognitive tasks as data: keyed, vectorised trials built from named periods (learndyn formulation).

Every task is one pure function ``(key, spec) -> Batch`` returning ``(B, T, ·)`` arrays: inputs,
targets, a loss mask and a ``response`` mask (where the answer is scored). Vocabulary follows
neurogym (periods ``fixation``, ``stimulus``, ``delay``, ``decision``; durations in ms converted
with ``dt``), but trials are generated for a whole batch at once with JAX keys, so a fresh batch
per training step costs one fused kernel inside the compiled step.

Tasks (defaults and units in docs/tasks.md):

* ``accumulate`` — perceptual decision making: one noisy stream ``s_t = c + σ ξ_t`` during the
  stimulus; report ``sign(c)`` (``report = "choice"``) or the running mean (``"sum"``).
* ``delay_match`` — delayed match-to-sample: sample stimulus, delay, test stimulus; answer ``+1``
  for a match and ``−1`` for a non-match.
* ``context_integrate`` — Mante et al. (2013): two noisy streams (motion, colour) and a context
  cue; report the sign of the cued stream's coherence.
* ``multisensory`` — two modalities with neurogym ``MultiSensoryIntegration`` statistics (the
  generator of Proca et al. 2025; docs/lrnn.md); report the side (``+1`` for ground truth 0).
* ``flip_flop`` — Sussillo & Barak (2013): ``K`` channels of ±1 pulses; each output holds the
  sign of its channel's last pulse.

The ideal observer of ``accumulate`` (integrate the stream perfectly) has accuracy
``mean_c Φ(|c| √n_stim / σ)`` (:func:`accumulate_ideal_accuracy`), the benchmark a trained
network is compared with.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr

from .._types import Array, Float, PRNGKeyArray
from ._multisensory import multisensory_means


class Batch(eqx.Module):
    """One batch of trials (neurogym's ``ob``, ``gt`` and masks, vectorised).

    Attributes:
        inputs: ``(B, T, n_in)`` network inputs.
        targets: ``(B, T, n_out)`` desired outputs.
        mask: ``(B, T, n_out)`` loss weights (0 where the output is free; ``decision_weight`` in
            the decision period of decision tasks).
        response: ``(B, T, n_out)`` 1 where the answer is scored (:func:`task_accuracy`).
    """

    inputs: Float[Array, "batch time n_in"]
    targets: Float[Array, "batch time n_out"]
    mask: Float[Array, "batch time n_out"]
    response: Float[Array, "batch time n_out"]


def period_steps(durations_ms: dict[str, float], dt: float) -> dict[str, tuple[int, int]]:
    """``name -> (start, stop)`` step indices of consecutive periods (durations rounded to steps)."""
    out, t = {}, 0
    for name, ms in durations_ms.items():
        n = int(round(ms / dt))
        out[name] = (t, t + n)
        t += n
    return out


def n_steps(spec) -> int:
    """Trial length in steps of the task ``spec``."""
    if spec.kind == "flip_flop":
        return int(round(spec.duration / spec.dt))
    return max(stop for _, stop in task_periods(spec).values())


def task_periods(spec) -> dict[str, tuple[int, int]]:
    """The periods of a trial of ``spec`` (empty for ``flip_flop``, which has none)."""
    d = {"fixation": spec.fixation, "stimulus": spec.stimulus, "delay": spec.delay,
         "decision": spec.decision}
    if spec.kind == "delay_match":
        d = {"fixation": spec.fixation, "sample": spec.stimulus, "delay": spec.delay,
             "test": spec.stimulus, "decision": spec.decision}
    if spec.kind == "flip_flop":
        return {}
    return period_steps(d, spec.dt)


def _window(t: int, period: tuple[int, int]) -> Array:
    return ((jnp.arange(t) >= period[0]) & (jnp.arange(t) < period[1])).astype(float)


def _fixation_channel(t: int, periods: dict[str, tuple[int, int]]) -> Array:
    """1 until the decision period starts (the go cue is the fixation cue switching off)."""
    return (jnp.arange(t) < periods["decision"][0]).astype(float)


def _decision_masks(t: int, periods, n_out: int, b: int, weight: float = 1.0) -> tuple[Array, Array]:
    """Loss mask (1 before the decision period, ``weight`` in it; Yang et al. 2019 weight the
    response 5×) and response mask (the decision period)."""
    dec = _window(t, periods["decision"])
    fix = jnp.arange(t) < periods["decision"][0]
    mask = jnp.where(fix, 1.0, weight * dec)
    return (jnp.broadcast_to(mask[None, :, None], (b, t, n_out)),
            jnp.broadcast_to(dec[None, :, None], (b, t, n_out)))


def _signed_coherences(key: PRNGKeyArray, b: int, coherences) -> Array:
    kc, ks = jr.split(key)
    coh = jnp.asarray(coherences, float)[jr.randint(kc, (b,), 0, len(coherences))]
    return coh * jnp.where(jr.bernoulli(ks, 0.5, (b,)), 1.0, -1.0)


def accumulate(key: PRNGKeyArray, spec) -> Batch:
    r"""Perceptual decision making (evidence accumulation).

    Inputs ``[fixation, s_t]`` with ``s_t = c + σ ξ_t`` in the stimulus period (``c`` drawn from
    ``±spec.coherences``). ``report = "choice"``: target ``sign(c)`` in the decision period, 0
    during fixation. ``report = "sum"``: target ``(1/n_stim) Σ_{t' ≤ t} s_{t'}`` (the running
    mean), held through delay and decision; the loss covers the whole trial.
    """
    b, t = spec.batch, n_steps(spec)
    p = task_periods(spec)
    kc, kn = jr.split(key)
    coh = _signed_coherences(kc, b, spec.coherences)
    stim = _window(t, p["stimulus"])
    s = stim[None, :] * (coh[:, None] + spec.noise * jr.normal(kn, (b, t)))
    inputs = jnp.stack([jnp.broadcast_to(_fixation_channel(t, p), (b, t)), s], axis=-1)
    if spec.report == "sum":
        n_stim = p["stimulus"][1] - p["stimulus"][0]
        target = jnp.cumsum(s, axis=1)[..., None] / n_stim
        dec = jnp.broadcast_to(_window(t, p["decision"])[None, :, None], (b, t, 1))
        return Batch(inputs, target, jnp.ones((b, t, 1)), dec)
    mask, resp = _decision_masks(t, p, 1, b, spec.decision_weight)
    target = resp * jnp.sign(coh)[:, None, None]
    return Batch(inputs, target, mask, resp)


def accumulate_ideal_accuracy(spec) -> float:
    r"""Accuracy of the perfect integrator on ``accumulate``: ``mean_c Φ(|c| √n_stim / σ)``."""
    p = task_periods(spec)
    n_stim = p["stimulus"][1] - p["stimulus"][0]
    if spec.noise == 0:
        return 1.0
    phi = [0.5 * (1 + math.erf(abs(c) * math.sqrt(n_stim) / spec.noise / math.sqrt(2)))
           for c in spec.coherences]
    return float(sum(phi) / len(phi))


def delay_match(key: PRNGKeyArray, spec) -> Batch:
    r"""Delayed match-to-sample with ``spec.n_stimuli`` one-hot stimuli.

    Inputs ``[fixation, one-hot(sample or test) + σ ξ]``; the sample is shown in ``sample``, the
    test in ``test`` (equal to the sample with probability ½). Target ``+1`` (match) or ``−1``
    (non-match) in the decision period, 0 during fixation.
    """
    b, t, k = spec.batch, n_steps(spec), spec.n_stimuli
    p = task_periods(spec)
    ks, km, ko, kn = jr.split(key, 4)
    sample = jr.randint(ks, (b,), 0, k)
    match = jr.bernoulli(km, 0.5, (b,))
    other = (sample + jr.randint(ko, (b,), 1, k)) % k  # uniformly one of the other stimuli
    test = jnp.where(match, sample, other)
    stim = (_window(t, p["sample"])[None, :, None] * jax.nn.one_hot(sample, k)[:, None, :]
            + _window(t, p["test"])[None, :, None] * jax.nn.one_hot(test, k)[:, None, :])
    on = (_window(t, p["sample"]) + _window(t, p["test"]))[None, :, None]
    stim = stim + on * spec.noise * jr.normal(kn, (b, t, k))
    fix = jnp.broadcast_to(_fixation_channel(t, p)[None, :, None], (b, t, 1))
    mask, resp = _decision_masks(t, p, 1, b, spec.decision_weight)
    target = resp * jnp.where(match, 1.0, -1.0)[:, None, None]
    return Batch(jnp.concatenate([fix, stim], axis=-1), target, mask, resp)


def context_integrate(key: PRNGKeyArray, spec) -> Batch:
    r"""Context-dependent integration (Mante, Sussillo, Shenoy & Newsome 2013).

    Inputs ``[fixation, cue_motion, cue_colour, s^m_t, s^c_t]``: the context cue is on for the
    whole trial; ``s^x_t = c_x + σ ξ^x_t`` in the stimulus period with independent signed
    coherences. Target ``sign(c_cued)`` in the decision period.
    """
    b, t = spec.batch, n_steps(spec)
    p = task_periods(spec)
    kx, km, kc, kn = jr.split(key, 4)
    ctx = jr.bernoulli(kx, 0.5, (b,)).astype(int)  # 0: motion, 1: colour
    coh = jnp.stack([_signed_coherences(km, b, spec.coherences),
                     _signed_coherences(kc, b, spec.coherences)], axis=1)
    stim = _window(t, p["stimulus"])[None, :, None]
    s = stim * (coh[:, None, :] + spec.noise * jr.normal(kn, (b, t, 2)))
    cue = jnp.broadcast_to(jax.nn.one_hot(ctx, 2)[:, None, :], (b, t, 2))
    fix = jnp.broadcast_to(_fixation_channel(t, p)[None, :, None], (b, t, 1))
    mask, resp = _decision_masks(t, p, 1, b, spec.decision_weight)
    cued = jnp.take_along_axis(coh, ctx[:, None], axis=1)[:, 0]
    return Batch(jnp.concatenate([fix, cue, s], axis=-1), resp * jnp.sign(cued)[:, None, None], mask, resp)


def multisensory(key: PRNGKeyArray, spec) -> Batch:
    r"""Multisensory integration with the statistics of Proca et al. 2025; docs/lrnn.md (neurogym).

    Inputs ``[fixation, m_1 + σξ, m_2 + σξ]`` (4 stimulus channels, two per modality) in the
    stimulus period; target ``+1`` if the evidence favours side 0 (``m_{·,0} > m_{·,1}`` summed
    over modalities, i.e. ground truth 0), else ``−1``, in the decision period.
    """
    b, t = spec.batch, n_steps(spec)
    p = task_periods(spec)
    km, kn = jr.split(key)
    m = multisensory_means(km, b)
    stim = _window(t, p["stimulus"])[None, :, None]
    x = stim * (m[:, None, :] + spec.noise * jr.normal(kn, (b, t, 4)))
    side = jnp.sign((m[:, 0] - m[:, 1]) + (m[:, 2] - m[:, 3]))
    fix = jnp.broadcast_to(_fixation_channel(t, p)[None, :, None], (b, t, 1))
    mask, resp = _decision_masks(t, p, 1, b, spec.decision_weight)
    return Batch(jnp.concatenate([fix, x], axis=-1), resp * side[:, None, None], mask, resp)


def flip_flop(key: PRNGKeyArray, spec) -> Batch:
    r"""``K``-bit flip-flop (Sussillo & Barak 2013).

    Input channel ``k`` carries a ±1 pulse with probability ``spec.pulse_probability`` per step
    (and always at ``t = 0``, so every target is defined); output ``k`` must hold the sign of the
    last pulse. The loss covers every step; the answer is scored except during the
    ``spec.settle`` steps that follow each pulse on that channel.
    """
    b, t, k = spec.batch, n_steps(spec), spec.bits
    kp, ks = jr.split(key)
    pulse = jr.bernoulli(kp, spec.pulse_probability, (b, t, k)).at[:, 0, :].set(True)
    sign = jnp.where(jr.bernoulli(ks, 0.5, (b, t, k)), 1.0, -1.0)
    inputs = jnp.where(pulse, sign, 0.0)

    def hold(carry, x):
        p, s = x
        new = jnp.where(p, s, carry)
        return new, new

    _, target = jax.lax.scan(hold, jnp.zeros((b, k)), (jnp.swapaxes(pulse, 0, 1), jnp.swapaxes(sign, 0, 1)))
    target = jnp.swapaxes(target, 0, 1)
    # steps since the last pulse on each channel
    idx = jnp.where(pulse, jnp.arange(t)[None, :, None], -1)
    last = jax.lax.cummax(idx, axis=1)
    settled = (jnp.arange(t)[None, :, None] - last) >= spec.settle
    return Batch(inputs, target, jnp.ones((b, t, k)), settled.astype(float))


TASKS: dict[str, Callable[[PRNGKeyArray, Any], Batch]] = {
    "accumulate": accumulate, "delay_match": delay_match, "context_integrate": context_integrate,
    "multisensory": multisensory, "flip_flop": flip_flop,
}


def task_sizes(spec) -> tuple[int, int]:
    """``(n_in, n_out)`` of a task."""
    return {"accumulate": (2, 1), "delay_match": (1 + spec.n_stimuli, 1), "context_integrate": (5, 1),
            "multisensory": (5, 1), "flip_flop": (spec.bits, spec.bits)}[spec.kind]


def make_batch(key: PRNGKeyArray, spec) -> Batch:
    """A batch of ``spec.kind`` trials (the registry ``TASKS``)."""
    return TASKS[spec.kind](key, spec)


def task_accuracy(outputs: Float[Array, "batch time n_out"], batch: Batch) -> Float[Array, ""]:
    r"""Share of scored entries whose output has the target's sign:
    ``Σ response·[sign y = sign y*] / Σ response``."""
    hit = (jnp.sign(outputs) == jnp.sign(batch.targets)).astype(float)
    return jnp.sum(batch.response * hit) / jnp.maximum(jnp.sum(batch.response), 1.0)
