r"""Closed-loop and open-loop rollouts and losses (Ger & Barak 2025; docs/closed_loop.md).

Closed loop: the controller and the plant are rolled out together in one ``lax.scan`` and the
episode loss is differentiated through the rollout, plant included (BPTT through a known
differentiable plant — not REINFORCE). At step ``t`` the controller reads the observation
``s_t = (C x_t, r_t)``, updates ``h``, emits ``u_t``, then the plant steps. With
``silent_first`` (double integrator, reference code) the controller is not called at ``t = 0``:
``h_0 = 0`` and ``u_0 = 0``.

All functions take a batch of episodes (leading axis ``batch``) for one network; ``vmap`` over
networks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from .._types import Array, Float, PRNGKeyArray
from ..envs import LinearPlant, plant_step
from ..models import Controller, controller_matrices

_ACTIVATIONS = {"tanh": jnp.tanh, "linear": lambda x: x}


@dataclass(frozen=True)
class ControllerDynamics:
    """Static settings of the controller update: ``a = dt/τ`` and the non-linearity φ."""

    alpha: float = 1.0
    activation: str = "tanh"

    def phi(self, x):
        return _ACTIVATIONS[self.activation](x)


def controller_update(dyn: ControllerDynamics, w, m, h, s):
    """``h' = (1 − a) h + a φ(W h + M s)`` for a batch ``h (B, n)``, ``s (B, d_in)``."""
    return (1 - dyn.alpha) * h + dyn.alpha * dyn.phi(h @ w.T + s @ m.T)


def closed_loop_rollout(
    params: Controller,
    plant: LinearPlant,
    x0: Float[Array, "batch k"],
    dyn: ControllerDynamics,
    *,
    steps: int,
    reference: Float[Array, "batch T r"] | None = None,
    silent_first: bool = True,
    key: PRNGKeyArray | None = None,
    control: Float[Array, "batch T p"] | None = None,
) -> dict[str, Array]:
    """Roll out controller and plant for ``steps`` steps.

    Args:
        reference: appended to the observation at each step (tracking); ``None`` for regulation.
        control: if given, the plant is driven by this control instead of the controller's
            (teacher forcing); the controller still reads the resulting trajectory.

    Returns:
        ``x (batch, T, k)`` states ``x_0 … x_{T−1}``, ``x_next (batch, T, k)`` states
        ``x_1 … x_T``, ``u (batch, T, p)`` the controller's outputs ``u_0 … u_{T−1}``.
    """
    w, m, z = controller_matrices(params)
    batch = x0.shape[0]
    h0 = jnp.zeros((batch, w.shape[0]), x0.dtype)
    keys = jax.random.split(key, steps) if key is not None else jnp.zeros((steps,))
    ref_t = jnp.swapaxes(reference, 0, 1) if reference is not None else jnp.zeros((steps, batch, 0))
    ctl_t = jnp.swapaxes(control, 0, 1) if control is not None else jnp.zeros((steps, batch, 0))

    def step(carry, inp):
        x, h = carry
        t, r, k, c = inp
        s = jnp.concatenate([x @ plant.c_obs.T.astype(x.dtype), r.astype(x.dtype)], axis=-1)
        h_new = controller_update(dyn, w, m, h, s)
        if silent_first:
            h_new = jnp.where(t == 0, h, h_new)
        u = h_new @ z
        drive = c if control is not None else u
        x_new = plant_step(plant, x, drive, k if key is not None else None)
        return (x_new, h_new), (x, x_new, u)

    _, (xs, xn, us) = jax.lax.scan(step, (x0, h0), (jnp.arange(steps), ref_t, keys, ctl_t))
    return {"x": jnp.swapaxes(xs, 0, 1), "x_next": jnp.swapaxes(xn, 0, 1), "u": jnp.swapaxes(us, 0, 1)}


def open_loop_outputs(
    params: Controller, inputs: Float[Array, "batch T d_in"], dyn: ControllerDynamics
) -> Float[Array, "batch T p"]:
    """Controller outputs ``u_t = Zᵀ h_t`` for an input sequence (no plant), ``h_0 = 0``."""
    w, m, z = controller_matrices(params)
    h0 = jnp.zeros((inputs.shape[0], w.shape[0]), inputs.dtype)

    def step(h, s):
        h = controller_update(dyn, w, m, h, s)
        return h, h @ z

    _, us = jax.lax.scan(step, h0, jnp.swapaxes(inputs, 0, 1))
    return jnp.swapaxes(us, 0, 1)


@dataclass(frozen=True)
class RegulationLoss:
    r"""Regulation loss of the k-integrator (§3.2).

    ``state_reduction = "sum"`` (non-linear run): ``Σ_t dt·mean_b ½‖x_t‖²``;
    ``"mean"`` (rank-1 run): ``(1/T) Σ_t mean_b ½‖x_t‖²`` (both = the reference's mean over
    components). Control term, convention ``"per_sample"``: ``β Σ_t dt·mean_b ‖u_t‖²``;
    ``"reference"``: ``(β/100)·Σ_t dt·Σ_b ‖u_t‖²`` (the reference sums over the batch, so the
    weight scales with the batch size; equal at B = 100).
    """

    state_reduction: str = "mean"
    dt: float = 1.0
    beta: float = 0.0
    convention: str = "per_sample"

    @staticmethod
    def live(steps: int, horizon=None) -> Array:
        """1 for the steps inside the loss horizon, 0 after it (all ones without a horizon)."""
        return jnp.ones(steps) if horizon is None else (jnp.arange(steps) < horizon).astype(float)

    def state_weights(self, steps: int, horizon=None) -> Array:
        """Per-step weights ``w_t`` of ``½‖x_t‖²`` (``horizon ≤ steps`` masks later steps)."""
        live = self.live(steps, horizon)
        if self.state_reduction == "mean":
            return live / (steps if horizon is None else horizon)
        return live * self.dt

    def control_weights(self, steps: int, horizon=None) -> Array:
        """Per-step weights ``dt`` of ``‖u_t‖²`` inside the horizon."""
        return self.live(steps, horizon) * self.dt

    def __call__(self, x, u, horizon=None, beta=None):
        beta = self.beta if beta is None else beta
        steps = x.shape[1]
        sw = self.state_weights(steps, horizon)
        cw = self.control_weights(steps, horizon)
        state = jnp.sum(sw * jnp.mean(0.5 * jnp.sum(x**2, -1), axis=0))
        u2 = jnp.sum(u**2, -1)
        if self.convention == "reference":
            control = beta / 100.0 * jnp.sum(cw * jnp.sum(u2, axis=0))
        else:
            control = beta * jnp.sum(cw * jnp.mean(u2, axis=0))
        return state + control


def tracking_loss(x_next, reference, dt: float, position_index=(0, 2)):
    r"""``(1/T) Σ_i dt·Σ_axes mean_b (pos_{i+1} − r(t_i))²`` (§1.2)."""
    pos = x_next[..., jnp.asarray(position_index)]
    return dt * jnp.mean(jnp.sum(jnp.mean((pos - reference) ** 2, axis=0), -1))


def _superposed_or_rolled(coef, x_basis, err_basis, rolled_out, bound: float, scale):
    r"""``scale · mean_b c_bᵀ G c_b`` with ``G_jk = Σ ε_j·ε_k`` (all non-basis axes) if every state
    ``Σ_j c_bj x_j`` of the batch stays inside the clamp, else ``rolled_out()`` (``lax.cond``)."""
    inside = jnp.max(jnp.abs(jnp.einsum("bj,jtk->btk", coef, x_basis))) < bound

    def superposed(_):
        err = err_basis.reshape(err_basis.shape[0], -1)
        return scale * jnp.sum((err @ err.T) * (coef.T @ coef)) / coef.shape[0]

    return jax.lax.cond(inside, superposed, lambda _: rolled_out(), None)


def superposable(dyn: ControllerDynamics, plant: LinearPlant) -> bool:
    """Tracking episodes from rest superpose: a linear controller on a noise-free plant."""
    return dyn.activation == "linear" and plant.noise == 0


def _check_superposable(dyn: ControllerDynamics, plant: LinearPlant) -> LinearPlant:
    """The plant without its clamp, for the basis episodes (which the clamp check then covers)."""
    if not superposable(dyn, plant):
        raise ValueError("superposition needs a linear controller and a noise-free plant")
    return dataclasses.replace(plant, bound=float("inf"))


def rolled_tracking_loss(
    params: Controller,
    plant: LinearPlant,
    dyn: ControllerDynamics,
    coef: Float[Array, "batch J"],
    basis: Float[Array, "J T 2"],
    position_index=(0, 2),
    key: PRNGKeyArray | None = None,
):
    """:func:`tracking_loss` of the references ``r_b = Σ_j c_bj ψ_j``, each episode rolled out from
    rest (any controller; ``key`` for the plant's process noise)."""
    ref = jnp.einsum("bj,jta->bta", coef, basis)
    x0 = jnp.zeros((coef.shape[0], plant.state_dim), coef.dtype)
    roll = closed_loop_rollout(params, plant, x0, dyn, steps=basis.shape[1], reference=ref, silent_first=False,
                               key=key if plant.noise > 0 else None)
    return tracking_loss(roll["x_next"], ref, plant.dt, position_index)


def superposed_tracking_loss(
    params: Controller,
    plant: LinearPlant,
    dyn: ControllerDynamics,
    coef: Float[Array, "batch J"],
    basis: Float[Array, "J T 2"],
    position_index=(0, 2),
):
    r""":func:`tracking_loss` of the batch of references ``r_b = Σ_j c_bj ψ_j``, by superposition.

    A linear controller (φ = identity) on a linear plant without process noise, started from rest
    (``x_0 = 0``, ``h_0 = 0``), responds linearly to its reference while no state reaches the clamp:
    the episode of ``r_b`` is ``Σ_j c_bj`` times the episode of ψ_j (learndyn formulation). With the
    errors ``ε_j(t) = pos_j(t+1) − ψ_j(t)`` of the J basis episodes and their Gram matrix
    ``G_jk = Σ_t ε_j(t)·ε_k(t)``,

        L = (dt/T) · mean_b c_bᵀ G c_b = (dt/T) · tr(G · mean_b c_b c_bᵀ),

    the loss and its gradient for B episodes at the cost of J (J = 8, B = 100 for the published
    task). If any state of any of the B episodes reaches the clamp, the B episodes are rolled out
    as they are instead (:func:`rolled_tracking_loss`, ``lax.cond``): the value is exact either way.
    Under ``vmap`` the branch becomes a select and both sides run, so the saving needs networks
    looped (the CPU schedule).
    """
    free = _check_superposable(dyn, plant)
    steps = basis.shape[1]
    roll = closed_loop_rollout(params, free, jnp.zeros((basis.shape[0], plant.state_dim), coef.dtype), dyn,
                               steps=steps, reference=basis, silent_first=False)
    err = roll["x_next"][..., jnp.asarray(position_index)] - basis
    return _superposed_or_rolled(
        coef, roll["x_next"], err, lambda: rolled_tracking_loss(params, plant, dyn, coef, basis, position_index),
        plant.bound, plant.dt / steps)


def _teacher_forced_episodes(student, teacher, plant, dyn, ref):
    """The teacher drives the plant from rest; the student reads that trajectory. Returns the
    teacher's states, the student's and the teacher's controls (the latter without gradient)."""
    x0 = jnp.zeros((ref.shape[0], plant.state_dim), ref.dtype)
    t = closed_loop_rollout(teacher, plant, x0, dyn, steps=ref.shape[1], reference=ref, silent_first=False)
    u_t = jax.lax.stop_gradient(t["u"])
    s = closed_loop_rollout(student, plant, x0, dyn, steps=ref.shape[1], reference=ref, silent_first=False,
                            control=u_t)
    return t["x_next"], s["u"], u_t


def rolled_imitation_loss(
    student: Controller,
    teacher: Controller,
    plant: LinearPlant,
    dyn: ControllerDynamics,
    coef: Float[Array, "batch J"],
    basis: Float[Array, "J T 2"],
):
    """Teacher-forced open-loop loss ``(1/T) Σ_t dt·mean_{b,out} (u_T − u_S)²`` of the references
    ``r_b = Σ_j c_bj ψ_j``, each episode rolled out (any controllers)."""
    _, u_s, u_t = _teacher_forced_episodes(student, teacher, plant, dyn, jnp.einsum("bj,jta->bta", coef, basis))
    return imitation_loss(u_s, u_t, plant.dt, "mean")


def superposed_imitation_loss(
    student: Controller,
    teacher: Controller,
    plant: LinearPlant,
    dyn: ControllerDynamics,
    coef: Float[Array, "batch J"],
    basis: Float[Array, "J T 2"],
):
    r""":func:`rolled_imitation_loss` by superposition (see :func:`superposed_tracking_loss`).

    The plant is driven by the (linear) teacher, and the linear student reads that trajectory, so
    both outputs are ``Σ_j c_bj`` times their basis outputs while the teacher's states stay inside
    the clamp; otherwise the B episodes are rolled out.
    """
    free = _check_superposable(dyn, plant)
    x_basis, u_s, u_t = _teacher_forced_episodes(student, teacher, free, dyn, basis)
    err = u_s - u_t
    return _superposed_or_rolled(
        coef, x_basis, err, lambda: rolled_imitation_loss(student, teacher, plant, dyn, coef, basis),
        plant.bound, plant.dt / (basis.shape[1] * err.shape[-1]))


def imitation_loss(u_student, u_teacher, dt: float, reduction: str = "sum"):
    r"""Open-loop teacher–student loss: ``Σ_t dt·mean_b ‖u_S − u_T‖²`` (white noise, §3) or
    ``(1/T) Σ_t dt·mean_{b,out} (u_T − u_S)²`` (``reduction="mean"``, teacher forcing)."""
    err = (u_student - u_teacher) ** 2
    if reduction == "mean":
        return dt * jnp.mean(err)
    return dt * jnp.sum(jnp.mean(jnp.sum(err, -1), axis=0))


def uniform_initial_states(key: PRNGKeyArray, batch: int, dim: int, half_width: float) -> Array:
    """Initial plant states i.i.d. ``U(−a, a)`` per batch element and component (§1.1)."""
    return jax.random.uniform(key, (batch, dim), minval=-half_width, maxval=half_width)


def fixed_batch(seed: int, batch: int, dim: int, half_width: float) -> np.ndarray:
    """A fixed test batch of initial states (same for every network of a run)."""
    return np.asarray(uniform_initial_states(jax.random.key(seed), batch, dim, half_width))
