r"""The ``closed-loop-*`` and ``tracking`` experiment family (Ger & Barak 2025; docs/closed_loop.md).

An RNN controller learns to drive a plant — the double integrator from position observations, or
a 2-D point mass tracking a multi-frequency reference — by gradient descent through the
closed-loop rollout (BPTT through the plant). The same controller trained open loop (a student
imitating the closed-loop teacher) takes a different path. Phases, all through the one trainer:

* ``pretrain`` (only with ``train.restart_step``): the registered settings up to the restart step;
* ``closed``: closed-loop training of every grid point × seed (from the pre-trained state);
* ``open`` (``train.mode = "closed_vs_open"``): students from the closed-loop epoch-0 weights
  imitate the final closed-loop network, on white noise or by teacher forcing.

Labels: settings and reference behaviour are **(reference code)** of Ger & Barak (arXiv
2505.13567); the general joint matrix, exact expected loss, stage boundaries and Gram/overlap flows
are **learndyn formulations** (docs/closed_loop.md).
"""

from __future__ import annotations

import functools

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import xarray as xr

import learndyn
from learndyn.family import grid_labels
from learndyn.analysis import acquisition_epochs, mismatch_at_acquisition
from learndyn.config import grid_dims, grid_points, spec_at
from learndyn.envs import (
    TrackingReference,
    k_integrator,
    probe_reference,
    reference_basis,
    reference_coefficients,
    tracking_plant,
)
from learndyn.models import (
    LeakyController,
    Rank1Controller,
    controller_matrices,
    init_leaky_controller,
    init_rank1_controller,
    overlaps,
    set_zm_overlap,
)
from learndyn.theory import closed_loop as theory
from learndyn.training import Problem, TrainState, default_platform, gradient_engine, recorded_steps
from learndyn.training.closed_loop import (
    ControllerDynamics,
    RegulationLoss,
    closed_loop_rollout,
    fixed_batch,
    imitation_loss,
    open_loop_outputs,
    rolled_imitation_loss,
    rolled_tracking_loss,
    superposable,
    superposed_imitation_loss,
    superposed_tracking_loss,
    uniform_initial_states,
)

from .schema import ClosedLoopSpec
from .report_text import LABEL
from .report_text import RESERVED as _RESERVED


TEST_SEED = 20250513  # fixed test batch, the same for every network of every run


class NetData(eqx.Module):
    """Per-network constants: control cost, loss horizon and (open loop) the teacher."""

    beta: Any
    horizon: Any
    teacher: Any


@dataclass
class Built(learndyn.Built):
    """One phase of a closed-loop experiment, ready for the trainer."""


_PHASE_TAG = {"pretrain": 5, "closed": 7, "open": 11}


def _phase_span(spec: ClosedLoopSpec, phase: str) -> tuple[int, int]:
    """``(steps, first epoch)`` of a phase: ``pretrain`` covers ``[0, restart_step)``, the loops the rest."""
    if phase == "pretrain":
        return spec.train.restart_step, 0
    return spec.train.steps - spec.train.restart_step, spec.train.restart_step


def phases(spec: ClosedLoopSpec) -> list[tuple[str, int]]:
    """``(name, steps)``: ``pretrain`` (if restarting), ``closed``, and ``open`` for closed-vs-open runs."""
    names = ["pretrain"] if spec.train.restart_step else []
    names.append("closed")
    if spec.train.mode == "closed_vs_open":
        names.append("open")
    return [(name, _phase_span(spec, name)[0]) for name in names]


# ----------------------------------------------------------------------------- system pieces


def plant_of(spec: ClosedLoopSpec):
    p = spec.plant
    if p.kind == "tracking":
        return tracking_plant(p.dt, p.bound)
    return k_integrator(p.order, p.dt, p.noise)


def reference_of(spec: ClosedLoopSpec) -> TrackingReference:
    p = spec.plant
    return TrackingReference(tuple(p.freqs_x), tuple(p.freqs_y), p.amplitude, p.ramp, p.dt, spec.train.horizon)


def dynamics_of(spec: ClosedLoopSpec) -> ControllerDynamics:
    return ControllerDynamics(alpha=spec.model.dt / spec.model.tau, activation=spec.model.activation)


def regulation_loss_of(spec: ClosedLoopSpec) -> RegulationLoss:
    return RegulationLoss(spec.train.state_reduction, spec.plant.dt, spec.train.beta,
                          spec.train.control_cost_convention)


def init_controller(spec: ClosedLoopSpec, key):
    """Initial controller of one network (§2)."""
    m = spec.model
    plant = plant_of(spec)
    if m.kind == "rank1":
        params = init_rank1_controller(key=key, n=m.n, g=m.g)
        return set_zm_overlap(params, m.zm_start) if m.zm_start != "random" else params
    d_in = plant.c_obs.shape[0] + (2 if spec.plant.kind == "tracking" else 0)
    return init_leaky_controller(key=key, n=m.n, d_in=d_in, d_out=plant.control_dim, g=m.g,
                                 in_init=m.in_init, in_scale=m.in_scale, out_init=m.out_init,
                                 out_scale=m.out_scale)


def trainable_mask(spec: ClosedLoopSpec, params, phase: str = "closed"):
    """Which leaves are trained: z, u, v (rank-1; m too with train_input); W, W_out (+ W_in).

    ``train.train_input``: ``true`` trains the input weights in every phase, ``"open"`` only in
    the open-loop student (the reference's tracking run: its closed-loop net keeps W_in fixed,
    its student trains it, docs/closed_loop.md)."""
    ti = spec.train.train_input is True or (spec.train.train_input == "open" and phase == "open")
    if isinstance(params, Rank1Controller):
        return Rank1Controller(m=ti, z=True, u=True, v=True, j=False)
    return LeakyController(w=True, w_in=ti, w_out=True)


def _dtype(params):
    return jax.tree.leaves(params)[0].dtype


def _max_horizon(spec: ClosedLoopSpec) -> int:
    return int(max(spec.grid.get("train.horizon", [spec.train.horizon])))


# ----------------------------------------------------------------------------- losses


def closed_loss_fn(spec: ClosedLoopSpec):
    """``loss(params, data, key)`` of one network: the closed-loop training objective (§3.2)."""
    plant, dyn, tr = plant_of(spec), dynamics_of(spec), spec.train
    steps = _max_horizon(spec)
    if spec.plant.kind == "tracking":
        ref_cfg = reference_of(spec)

        def loss(p, d, key):
            kr, kn = jr.split(key)
            coef = reference_coefficients(kr, ref_cfg, tr.batch).astype(_dtype(p))
            return _tracking_episodes_loss(p, plant, dyn, coef, ref_cfg, kn)

        return loss
    reg = regulation_loss_of(spec)
    if tr.method == "exact":
        return lambda p, d, key: exact_regulation_loss(spec, p, d.beta, d.horizon)

    def loss(p, d, key):
        kx, kn = jr.split(key)
        x0 = uniform_initial_states(kx, tr.batch, plant.state_dim, spec.plant.init_range).astype(_dtype(p))
        roll = closed_loop_rollout(p, plant, x0, dyn, steps=steps, key=kn if plant.noise > 0 else None)
        return reg(roll["x"], roll["u"], horizon=d.horizon, beta=d.beta)

    return loss


def _tracking_episodes_loss(p, plant, dyn, coef, ref_cfg: TrackingReference, key):
    """Tracking loss of the episodes with references ``coef @ basis`` (§1.2): by superposition of the
    basis episodes for a linear controller on a noise-free plant (exact, see
    :func:`~learndyn.training.closed_loop.superposed_tracking_loss`), else rolled out one by one."""
    basis = jnp.asarray(reference_basis(ref_cfg), coef.dtype)
    if superposable(dyn, plant):
        return superposed_tracking_loss(p, plant, dyn, coef, basis)
    return rolled_tracking_loss(p, plant, dyn, coef, basis, key=key)


def exact_regulation_loss(spec: ClosedLoopSpec, params, beta, horizon):
    r"""Exact expected training loss of a linear controller over ``U(−a, a)`` initial states (§4.9)."""
    plant, reg, tr = plant_of(spec), regulation_loss_of(spec), spec.train
    w, m, z = controller_matrices(params)
    p_mat = theory.joint_matrix(plant.a_mat, plant.b_mat, plant.c_obs, w, m, z, spec.model.dt / spec.model.tau)
    k = plant.state_dim
    steps = _max_horizon(spec)
    sig0 = theory.uniform_state_covariance(p_mat.shape[0], k, spec.plant.init_range)
    scale = tr.batch / 100.0 if tr.control_cost_convention == "reference" else 1.0
    c = jnp.concatenate([jnp.zeros(k), z[:, 0]])
    return theory.expected_loss(p_mat, sig0, steps, state_weight=reg.state_weights(steps, horizon), state_index=k,
                                control=c, beta=beta * scale, control_weight=reg.control_weights(steps, horizon))


def open_loss_fn(spec: ClosedLoopSpec):
    """``loss(student, data, key)``: imitation of ``data.teacher`` (§3, open loop)."""
    plant, dyn, tr = plant_of(spec), dynamics_of(spec), spec.train
    if tr.open_input == "teacher_forcing":
        ref_cfg = reference_of(spec)
        basis = reference_basis(ref_cfg)
        imitate = superposed_imitation_loss if superposable(dyn, plant) else rolled_imitation_loss

        def loss(p, d, key):
            coef = reference_coefficients(key, ref_cfg, tr.batch).astype(_dtype(p))
            return imitate(p, d.teacher, plant, dyn, coef, jnp.asarray(basis, coef.dtype))

        return loss
    d_in = plant.c_obs.shape[0]

    def loss(p, d, key):
        y = jr.normal(key, (tr.batch, tr.horizon, d_in), _dtype(p))
        u_t = jax.lax.stop_gradient(open_loop_outputs(d.teacher, y, dyn))
        return imitation_loss(open_loop_outputs(p, y, dyn), u_t, plant.dt, "sum")

    return loss


# ----------------------------------------------------------------------------- build


def build(spec: ClosedLoopSpec, *, record_steps=None, phase: str = "closed", previous=None) -> Built:
    """Networks, engine and observer of one phase (see :func:`phases`)."""
    tr = spec.train
    keys = jr.split(jr.key(spec.seed), spec.seeds)
    noise_keys = jr.split(jr.fold_in(jr.key(spec.seed), 1), spec.seeds)
    warnings: list[str] = []
    if tr.control_cost_convention == "reference" and tr.batch != 100 and tr.beta > 0:
        warnings.append(f"train.control_cost_convention='reference' with train.batch={tr.batch}: the control "
                        "cost is summed over the batch, so its weight is batch/100 × β (docs/closed_loop.md)")
    if phase == "pretrain":
        base = spec.model_copy(update={"grid": {}})
        points, specs = [{}], [base]
    else:
        points = grid_points(spec)
        specs = [spec_at(spec, p) for p in points]
    n_pts = len(points)
    if phase == "closed" and previous is not None:  # continue from the pre-trained seeds
        params = jax.tree.map(lambda x: jnp.concatenate([x] * n_pts), previous.state.params)
    elif phase == "open":
        params = previous.built.problem.params  # the closed-loop epoch-0 weights
    else:
        per_point = [jax.jit(jax.vmap(lambda k, s=s: init_controller(s, k)))(keys) for s in specs]
        params = jax.tree.map(lambda *a: jnp.concatenate(a).astype(tr.precision), *per_point)
    teacher = previous.state.params if phase == "open" else None
    beta = jnp.asarray([s.train.beta for s in specs for _ in range(spec.seeds)], float)
    horizon = jnp.asarray([s.train.horizon for s in specs for _ in range(spec.seeds)], float)
    lrs = jnp.asarray([s.train.lr for s in specs for _ in range(spec.seeds)], float)
    loss = open_loss_fn(spec) if phase == "open" else closed_loss_fn(spec)
    problem = Problem(
        params=params, data=NetData(beta, horizon, teacher), lr=lrs,
        keys=jnp.concatenate([jax.vmap(lambda k: jr.fold_in(k, _PHASE_TAG[phase]))(noise_keys)] * n_pts),
        engine=gradient_engine(loss),
        trainable=trainable_mask(spec, jax.tree.map(lambda x: x[0], params), phase),
        optimizer=tr.optimizer, clip=tr.clip if tr.clip > 0 else None,
    )
    total, offset = _phase_span(spec, phase)
    if record_steps is None:
        record_steps = [total] if phase == "pretrain" else recorded_steps(total, spec.record)
    gd, gv = grid_labels(spec, _RESERVED) if phase != "pretrain" else ({}, {})
    built = Built(spec, phase, problem, list(record_steps), gd, gv, warnings=warnings, step_offset=offset)
    built.observe = _make_observer(built, loss)
    return built


# ----------------------------------------------------------------------------- observation


def _test_metric_fn(spec: ClosedLoopSpec):
    """Closed-loop test metric on a fixed batch (§3.2): per network ``metric(params, data)``."""
    plant, dyn, tr = plant_of(spec), dynamics_of(spec), spec.train
    if spec.plant.kind == "tracking":
        ref_cfg = reference_of(spec)
        coef = reference_coefficients(jr.key(TEST_SEED), ref_cfg, tr.test_batch)

        def metric(p, d):
            return _tracking_episodes_loss(p, plant, dyn, coef.astype(_dtype(p)), ref_cfg, None)

        return metric
    x0 = jnp.asarray(fixed_batch(TEST_SEED, tr.test_batch, plant.state_dim, tr.test_range))
    steps = _max_horizon(spec)

    def metric(p, d):
        roll = closed_loop_rollout(p, plant, x0, dyn, steps=steps)
        per_t = jnp.mean(jnp.sum(roll["x"] ** 2, -1), axis=0) * RegulationLoss.live(steps, d.horizon)
        return jnp.sum(per_t) / (d.horizon if tr.test_reduction == "mean" else 1.0)

    return metric


def _gain_fn(spec: ClosedLoopSpec):
    """Effective gains from ``gain_episodes`` closed-loop episodes from fixed U(−1, 1) states (§4.7)."""
    plant, dyn, tr = plant_of(spec), dynamics_of(spec), spec.train
    x0 = jnp.asarray(fixed_batch(TEST_SEED + 1, tr.gain_episodes, plant.state_dim, 1.0))

    def gains(p):
        roll = closed_loop_rollout(p, plant, x0, dyn, steps=tr.horizon)
        x, u = roll["x"][:, 1:], roll["u"][:, 1:, 0]
        feats = x[..., :2].reshape(-1, 2)
        return jnp.linalg.lstsq(feats, u.reshape(-1))[0]

    return gains


def _probe_fn(spec: ClosedLoopSpec):
    """Per-probe loss: mean over steps of the squared tracking error of each single-frequency probe."""
    plant, dyn, tr = plant_of(spec), dynamics_of(spec), spec.train
    refs, _, _ = probe_reference(reference_of(spec))
    refs = jnp.asarray(refs)
    x0 = jnp.zeros((refs.shape[0], plant.state_dim))

    def probes(p):
        roll = closed_loop_rollout(p, plant, x0, dyn, steps=tr.horizon, reference=refs, silent_first=False)
        pos = roll["x_next"][..., jnp.array([0, 2])]
        return jnp.mean(jnp.sum((pos - refs) ** 2, -1), axis=-1)

    return probes


def _map_networks(f):
    """``vmap`` over the leading (network) axis on accelerators; ``lax.map`` on a CPU (no vmap, so
    ``lax.cond`` stays a branch — the schedule of :func:`~learndyn.training._flops.auto_vector_width`)."""
    if default_platform() != "cpu":
        return jax.vmap(f)
    return lambda *args: jax.lax.map(lambda a: f(*a), args)


def _make_observer(built: Built, loss):
    spec, problem = built.spec, built.problem
    integrator = spec.plant.kind == "integrator"
    linear = spec.model.activation == "linear"
    plant = plant_of(spec)
    # tracking with a linear controller branches inside its loss (superposition or rollout): on a
    # CPU map the networks one after another so that the branch is not turned into a select
    superposed = spec.plant.kind == "tracking" and superposable(dynamics_of(spec), plant)
    per_net = _map_networks if superposed else jax.vmap
    metric = jax.jit(per_net(_test_metric_fn(spec)))
    train_loss = jax.jit(lambda p, d, k, s: per_net(lambda p, d, k: loss(p, d, jr.fold_in(k, s)))(p, d, k))
    gains = jax.jit(jax.vmap(_gain_fn(spec))) if integrator else None
    probes = jax.jit(jax.vmap(_probe_fn(spec))) if not integrator else None
    exact = (jax.jit(jax.vmap(lambda p, d: exact_regulation_loss(spec, p, d.beta, d.horizon)))
             if integrator and linear else None)
    alpha = spec.model.dt / spec.model.tau

    def joint(p):
        w, m, z = controller_matrices(p)
        return theory.joint_matrix(plant.a_mat, plant.b_mat, plant.c_obs, w, m, z, alpha)

    joint_batch = jax.jit(jax.vmap(joint))

    def observe(state: TrainState) -> dict[str, np.ndarray]:
        p, d = state.params, problem.data
        out = {
            "test_loss": np.asarray(metric(p, d)),
            "train_loss": np.asarray(train_loss(p, d, problem.keys, jnp.asarray(state.step))),
        }
        if exact is not None:
            out["exact_loss"] = np.asarray(exact(p, d))
        if integrator:
            k = np.asarray(gains(p))
            out["gains"] = k
            red = theory.reduced_matrix(k[:, 0], k[:, 1], spec.plant.dt)
            lam_red = np.linalg.eigvals(red)
            out["eig_gain"] = lam_red
        if integrator and linear:
            lam = np.linalg.eigvals(np.asarray(joint_batch(p)))
            order = np.argsort(-np.abs(lam), axis=-1, kind="stable")
            lam = np.take_along_axis(lam, order, -1)[:, :4]
            out["eig_closed"] = lam
            out["radius"] = np.abs(lam[:, 0])
        elif integrator:
            out["radius"] = np.max(np.abs(out["eig_gain"]), axis=-1)
        if isinstance(p, Rank1Controller):
            out["overlaps"] = np.asarray(jax.vmap(overlaps)(p))
        if not integrator:
            out["probe_loss"] = np.asarray(probes(p))
            lam = np.linalg.eigvals(np.asarray(p.w))
            order = np.argsort(-lam.imag, axis=-1, kind="stable")
            out["eig_w"] = np.take_along_axis(lam, order, -1)
        return out

    return observe


# ----------------------------------------------------------------------------- dataset

_VAR_ATTRS = {
    "test_loss": "closed-loop test metric on a fixed batch (docs/closed_loop.md)",
    "train_loss": "training objective on the step's batch",
    "exact_loss": "exact expected training loss (covariance propagation, §4.9)",
    "gains": "effective gains (k1, k2), least squares without intercept (§4.7)",
    "eig_gain": "eigenvalues of P_red from the effective gains",
    "eig_closed": "largest-modulus eigenvalues of the closed-loop matrix P (linear controller)",
    "radius": "spectral radius of the closed-loop matrix (P, or P_red for non-linear)",
    "overlaps": "σ_zm, σ_zu, σ_vm, σ_vu, ‖u‖², ‖z‖², ‖v‖², mᵀu, zᵀv, ‖m‖²",
    "probe_loss": "per-probe tracking loss (mean over steps, no dt)",
    "eig_w": "eigenvalues of W, sorted by decreasing imaginary part",
}
_EXTRA_DIMS = {"gains": ("gain",), "eig_gain": ("eig2",), "eig_closed": ("eig",), "overlaps": ("ov",),
               "probe_loss": ("probe",), "eig_w": ("unit",)}


def _pad_steps(arr: np.ndarray, n_steps: int) -> np.ndarray:
    """Pad the step axis (1) with NaN to ``n_steps`` (a partial run's future records)."""
    pad = n_steps - arr.shape[1]
    if pad <= 0:
        return arr
    dtype = complex if arr.dtype.kind == "c" else float
    fill = np.full((arr.shape[0], pad) + arr.shape[2:], np.nan, dtype=dtype)
    return np.concatenate([arr.astype(dtype), fill], axis=1)


def to_dataset(phase_results) -> xr.Dataset:
    """Label the records: dims ``(*grid, seed, loop, step, ...)``, ``loop`` = closed / open."""
    looped = [r for r in phase_results if r.built.phase in ("closed", "open")]
    first = phase_results[0].built
    spec = first.spec
    loops = ["closed", "open"] if spec.train.mode == "closed_vs_open" else ["closed"]
    if not looped:
        return xr.Dataset(attrs={"source": "sim", "label": LABEL, "grid_keys": {}, "phase": "pretrain"})
    main = looped[0].built
    steps = np.asarray(main.record_steps) + main.step_offset
    gdims = tuple(main.grid_dims)
    gshape = tuple(len(v) for v in main.grid_values.values())
    net_shape = gshape + (spec.seeds,)
    names = list(looped[0].records[0]) if looped[0].records else []
    data_vars: dict[str, Any] = {}
    for name in names:
        closed = np.stack([r[name] for r in looped[0].records], axis=1)  # (net, step, ...)
        per_loop = [closed]
        for li in range(1, len(loops)):  # a loop not trained yet is all NaN
            recs = looped[li].records if li < len(looped) else []
            per_loop.append(np.stack([r[name] for r in recs], axis=1) if recs else closed[:, :0])
        stacked = np.stack([_pad_steps(a, len(steps)) for a in per_loop], axis=1)  # (net, loop, step, ...)
        data_vars[name] = (gdims + ("seed", "loop", "step") + _EXTRA_DIMS.get(name, ()),
                           stacked.reshape(net_shape + stacked.shape[1:]))
    div, div_step = [], []
    for li in range(len(loops)):
        if li < len(looped):
            div.append(np.asarray(looped[li].state.diverged))
            div_step.append(np.asarray(looped[li].state.diverged_step) + main.step_offset)
        else:
            div.append(np.zeros(int(np.prod(net_shape)), bool))
            div_step.append(np.full(int(np.prod(net_shape)), -1))
    data_vars["diverged"] = (gdims + ("seed", "loop"), np.stack(div, 1).reshape(net_shape + (len(loops),)))
    data_vars["diverged_step"] = (gdims + ("seed", "loop"), np.stack(div_step, 1).reshape(net_shape + (len(loops),)))
    data_vars["lr"] = (gdims + ("seed",), np.asarray(main.problem.lr).reshape(net_shape))
    coords: dict[str, Any] = {"step": steps.astype(np.int64), "seed": np.arange(spec.seeds), "loop": loops}
    coords.update({d: np.asarray(v, float) for d, v in main.grid_values.items()})
    if "overlaps" in data_vars:
        coords["ov"] = list(theory.GRAM_NAMES)
    if "probe_loss" in data_vars:
        coords["probe_omega"] = ("probe", probe_reference(reference_of(spec))[2])
    ds = xr.Dataset(data_vars, coords=coords)
    for name, long in _VAR_ATTRS.items():
        if name in ds:
            ds[name].attrs.update(long_name=long, source="sim")
    ds["step"].attrs.update(long_name="epoch (one gradient step on a fresh batch)")
    ds.attrs.update(source="sim", label=LABEL, grid_keys=dict(main.grid_dims),
                    restart_step=int(spec.train.restart_step))
    return ds


# ----------------------------------------------------------------------------- theory


def stage_boundaries(ds: xr.Dataset) -> dict[str, np.ndarray]:
    """Per network and loop: ``ep_of_stab`` and ``stage1_end`` (§4.8; −1 where undefined). Read from
    ``ds`` where the run stored them (its theory step computes them once), else computed."""
    if "ep_of_stab" in ds and "stage1_end" in ds:
        return {k: ds[k].values for k in ("ep_of_stab", "stage1_end")}
    if "radius" not in ds:
        return {}
    eig = ds["eig_closed"] if "eig_closed" in ds else ds["eig_gain"]
    steps = ds["step"].values
    lead = ds["radius"].shape[:-1]
    stab = np.full(lead, -1, np.int64)
    s1 = np.full(lead, -1, np.int64)
    rad = ds["radius"].values
    lam = eig.values
    for idx in np.ndindex(*lead):
        ok = np.isfinite(rad[idx])
        if not ok.any():
            continue
        e = theory.ep_of_stab(rad[idx][ok], steps[ok])
        stab[idx] = -1 if e is None else e
        e1 = theory.stage1_end(lam[idx][ok], steps[ok])
        s1[idx] = -1 if e1 is None else e1
    return {"ep_of_stab": stab, "stage1_end": s1}


def _p_eff_loss(spec: ClosedLoopSpec, beta, horizon):
    reg = regulation_loss_of(spec)
    steps = _max_horizon(spec)
    sig0 = theory.uniform_state_covariance(4, 2, spec.plant.init_range)

    def loss(s):
        return theory.expected_loss(theory.effective_matrix(*s), sig0, steps,
                                    state_weight=reg.state_weights(steps, horizon), state_index=2,
                                    control=jnp.array([0.0, 0.0, s[0], s[1]]), beta=beta,
                                    control_weight=reg.control_weights(steps, horizon))

    return loss


@functools.partial(jax.jit, static_argnames=("loss", "steps", "clip"))
def _peff_paths(loss, x0, y0, lr, idx, *, steps: int, clip: float | None):
    """P_eff by clipped GD on the four overlaps from ``x0`` and the Gram-map descent of the full
    model from ``y0`` (§ "Stage 3" of docs/closed_loop.md), read at the epochs ``idx``: the P_eff
    overlaps, its loss, and the Gram-map loss — one compiled program for all networks that share
    the loss function and the number of steps."""
    sel = theory.clipped_gd(loss, x0, lr=lr, steps=steps, clip=clip)[idx]
    gram = theory.gram_descent(y0, loss, lr=lr, steps=steps, clip=clip)[idx]
    return sel, jax.vmap(loss)(sel), jax.vmap(loss)(gram)


def theory_dataset(spec: ClosedLoopSpec, phase_results, sim: xr.Dataset) -> xr.Dataset:
    """Theory on the same configuration and epochs.

    * rank-1 runs: ``peff_loss``, ``peff_eig`` — P_eff from the overlaps at ``ep_of_stab`` (or at
      the restart step), plain clipped GD on the four σ's with the exact loss (§4.6, §7 item 8);
      ``stage1_loss_theory`` / ``stage1_loss_sim`` over ``s_zm_scan`` (§4.4);
    * integrator runs: the LQR and deadbeat benchmark gains (attrs, §4.7).
    """
    out = xr.Dataset()
    bounds_all = stage_boundaries(sim)
    if bounds_all:  # once per run: summary, headline and figures read them back
        dims = sim["radius"].dims[:-1]
        for key, value in bounds_all.items():
            out[key] = (dims, value)
            out[key].attrs.update(source="theory", long_name=f"{key} epoch from the recorded spectra (−1: none)")
    if spec.plant.kind == "integrator" and spec.plant.order == 2:
        plant = plant_of(spec)
        a, b = np.asarray(plant.a_mat), np.asarray(plant.b_mat)
        out.attrs["lqr_gains_r0"] = theory.lqr_gains(a, b, np.eye(2), 1e-9).tolist()
        out.attrs["lqr_gains_r1"] = theory.lqr_gains(a, b, np.eye(2), 1.0).tolist()
        out.attrs["deadbeat_gains"] = [-1.0, -2.0]
    if spec.model.kind != "rank1" or "overlaps" not in sim:
        return out
    closed = sim.sel(loop="closed")
    steps = sim["step"].values
    bounds = {k: v[..., list(sim["loop"].values).index("closed")] for k, v in bounds_all.items()}
    gdims = list(sim.attrs.get("grid_keys", {}))
    flat_ov = closed["overlaps"].values.reshape(-1, len(steps), 10)
    starts = np.full(flat_ov.shape[0], -1)
    if spec.train.restart_step:
        starts[:] = 0
    else:
        for i, e in enumerate(bounds["ep_of_stab"].reshape(-1)):
            starts[i] = np.searchsorted(steps, e) if e >= 0 else -1
    specs = [spec_at(spec, p) for p in grid_points(spec) for _ in range(spec.seeds)]
    loss_out = np.full((flat_ov.shape[0], len(steps)), np.nan)
    gram_out = np.full((flat_ov.shape[0], len(steps)), np.nan)
    eig_out = np.full((flat_ov.shape[0], len(steps), 3), np.nan, complex)
    losses: dict[tuple[float, float], Any] = {}  # one loss function (one compiled program) per (β, horizon)
    for i, s in enumerate(specs):
        if starts[i] < 0:
            continue
        key = (float(s.train.beta), float(s.train.horizon))
        f = losses.setdefault(key, _p_eff_loss(spec, *key))
        remaining = int(steps[-1] - steps[starts[i]])
        idx = steps[starts[i]:] - steps[starts[i]]
        padded = np.concatenate([idx, np.full(len(steps) - len(idx), idx[-1])])  # one shape for all starts
        sel, loss_sel, gram_sel = _peff_paths(f, jnp.asarray(flat_ov[i, starts[i], :4]),
                                              jnp.asarray(flat_ov[i, starts[i]]), s.train.lr, jnp.asarray(padded),
                                              steps=max(remaining, 1), clip=s.train.clip if s.train.clip > 0 else None)
        n = len(idx)
        loss_out[i, starts[i]:] = np.asarray(loss_sel)[:n]
        eig_out[i, starts[i]:] = theory.overlap_roots(np.asarray(sel)[:n])
        gram_out[i, starts[i]:] = np.asarray(gram_sel)[:n]
    shape = tuple(sim.sizes[d] for d in gdims) + (spec.seeds,)
    dims = tuple(gdims) + ("seed",)
    out["peff_loss"] = (dims + ("step",), loss_out.reshape(shape + (len(steps),)))
    out["peff_eig"] = (dims + ("step", "eig3"), eig_out.reshape(shape + (len(steps), 3)))
    out["gram_loss"] = (dims + ("step",), gram_out.reshape(shape + (len(steps),)))
    out["gram_loss"].attrs.update(source="theory", long_name="full model's exact-loss clipped SGD via the Gram map (§4.6)")
    out["peff_start"] = (dims, np.where(starts >= 0, steps[np.maximum(starts, 0)], -1).reshape(shape))
    out["peff_loss"].attrs.update(source="theory", long_name="P_eff from ep_of_stab (or restart), exact loss")
    # stage 1: geometric loss vs the full model with controlled σ_zm (seed-0 initial network)
    scan = np.array([-0.5, -0.3, -0.1, -0.05, -0.03, -0.005, 0.005, 0.03, 0.1, 0.2, 0.3])
    base = init_controller(spec.model_copy(update={"grid": {}}), jr.split(jr.key(spec.seed), spec.seeds)[0])
    plant, dyn = plant_of(spec), dynamics_of(spec)

    def log_sim(s):
        p = set_zm_overlap(base, s)
        roll = closed_loop_rollout(p, plant, jnp.array([[1.0, -1.0]]), dyn, steps=100)
        return jnp.log(jnp.sum(0.5 * jnp.sum(roll["x"][0] ** 2, -1)))

    out = out.assign_coords(s_zm_scan=scan)
    out["stage1_loss_theory"] = ("s_zm_scan", np.log(theory.stage1_geometric_loss(scan)))
    out["stage1_loss_sim"] = ("s_zm_scan", np.asarray(jax.vmap(log_sim)(jnp.asarray(scan))))
    out["stage1_loss_theory"].attrs.update(source="theory", long_name="log L_th, geometric stage-1 loss (§4.4)")
    return out


# ----------------------------------------------------------------------------- summary


def summarize(ds: xr.Dataset) -> dict[str, Any]:
    """``metrics`` per seed (nested by grid dims) and ``theory`` values for summary.json."""
    if "test_loss" not in ds:
        return {"status": [], "metrics": {}, "theory": {}}
    steps = ds["step"].values
    bounds = stage_boundaries(ds)
    closed = ds.sel(loop="closed")
    status = xr.where(closed["diverged"], "diverged", "ok").values.tolist()
    lead = closed["diverged"].shape

    def per_seed(fn):
        arr = np.empty(lead, dtype=object)
        for idx in np.ndindex(*lead):
            arr[idx] = fn(idx)
        return arr.tolist()

    def last_finite(x):
        ok = np.flatnonzero(np.isfinite(x))
        return x[ok[-1]] if ok.size else np.nan

    def loop_metrics(li: int, prefix: str):
        sub = ds.isel(loop=li)
        test = sub["test_loss"].values
        m = {
            f"{prefix}final_test_loss": per_seed(lambda ix: float(last_finite(test[ix]))),
        }
        if bounds:
            stab = bounds["ep_of_stab"][..., li]
            s1 = bounds["stage1_end"][..., li]
            m[f"{prefix}ep_of_stab"] = per_seed(lambda ix: None if stab[ix] < 0 else int(stab[ix]))
            m[f"{prefix}stage1_end"] = per_seed(lambda ix: None if s1[ix] < 0 else int(s1[ix]))
        if "gains" in sub:
            g = sub["gains"].values
            m[f"{prefix}final_gains"] = per_seed(lambda ix: g[ix][-1].tolist())
        if "eig_closed" in sub:
            e = sub["eig_closed"].values
            m[f"{prefix}final_eigenvalues"] = per_seed(lambda ix: [complex(z) for z in e[ix][-1]])
        elif "eig_w" in sub:
            e = sub["eig_w"].values
            m[f"{prefix}final_eigenvalues"] = per_seed(lambda ix: [complex(z) for z in e[ix][-1][:8]])
        elif "eig_gain" in sub:
            e = sub["eig_gain"].values
            m[f"{prefix}final_eigenvalues"] = per_seed(lambda ix: [complex(z) for z in e[ix][-1]])
        if "train_loss" in sub:
            tl = sub["train_loss"].values
            m[f"{prefix}final_train_loss"] = per_seed(lambda ix: float(last_finite(tl[ix])))
        if "probe_loss" in sub:
            pl = sub["probe_loss"].values
            m[f"{prefix}acquisition_epochs"] = per_seed(lambda ix: acquisition_epochs(pl[ix], steps))
            if "eig_w" in sub:
                ew, om = sub["eig_w"].values, ds["probe_omega"].values
                m[f"{prefix}acquisition_pair_mismatch"] = per_seed(
                    lambda ix: mismatch_at_acquisition(pl[ix], ew[ix], steps, om))
        return m

    metrics = loop_metrics(0, "")
    if ds.sizes.get("loop", 1) > 1:
        metrics.update(loop_metrics(1, "open_"))
        open_test = ds["test_loss"].isel(loop=1).values
        closed_test = ds["test_loss"].isel(loop=0).values

        def peak(ix):  # the open student's worst test loss (Fig. 1c's excursion), and the closed loop there
            o, c = open_test[ix], closed_test[ix]
            if not np.isfinite(o).any():
                return None, None, None, None
            i = int(np.nanargmax(o))
            return float(o[i]), int(steps[i]), float(o[i] / c[i]), bool(o[i] > o[0])

        def worst_ratio(ix):  # the epoch where the open student is worst relative to the closed loop
            ratio = open_test[ix] / closed_test[ix]
            if not np.isfinite(ratio).any():
                return None, None
            i = int(np.nanargmax(ratio))
            return float(ratio[i]), int(steps[i])

        metrics["open_peak_test_loss"] = per_seed(lambda ix: peak(ix)[0])
        metrics["open_peak_epoch"] = per_seed(lambda ix: peak(ix)[1])
        metrics["open_peak_ratio"] = per_seed(lambda ix: peak(ix)[2])
        metrics["open_peak_rises"] = per_seed(lambda ix: peak(ix)[3])
        metrics["open_max_ratio"] = per_seed(lambda ix: worst_ratio(ix)[0])
        metrics["open_max_ratio_epoch"] = per_seed(lambda ix: worst_ratio(ix)[1])
    th: dict[str, Any] = {}
    for key in ("lqr_gains_r0", "lqr_gains_r1", "deadbeat_gains"):
        if key in ds.attrs:
            th[key] = ds.attrs[key]
    if "peff_loss" in ds:
        pl = ds["peff_loss"].values
        metrics["peff_final_loss"] = per_seed(lambda ix: float(last_finite(pl[ix])))
        metrics["peff_start_epoch"] = per_seed(lambda ix: int(ds["peff_start"].values[ix]))
    if "probe_omega" in ds.coords:
        th["probe_omega"] = ds["probe_omega"].values.tolist()
    return {"status": status, "metrics": metrics, "theory": th}


def headline_rows(ds: xr.Dataset) -> tuple[list[str], list[list[str]]]:
    """One row per grid point, seed and loop."""
    gdims = list(ds.attrs.get("grid_keys", {}))
    cols = gdims + ["seed", "loop", "status", "epoch", "test loss", "train loss", "ep_of_stab", "final λ / gains"]
    rows: list[list[str]] = []
    if "test_loss" not in ds:
        return cols, rows
    bounds = stage_boundaries(ds)
    for idx in np.ndindex(*ds["diverged"].shape):
        ix = dict(zip(gdims + ["seed", "loop"], idx, strict=True))
        cell = ds.isel(ix)
        test = cell["test_loss"].values
        ok = np.flatnonzero(np.isfinite(test))
        if not ok.size:
            continue
        last = cell.isel(step=int(ok[-1]))
        if "eig_closed" in cell:
            lam = ", ".join(_fmt(z) for z in last["eig_closed"].values[:3])
        elif "gains" in cell:
            lam = "k = (" + ", ".join(f"{g:.3f}" for g in last["gains"].values) + ")"
        else:
            lam = ", ".join(_fmt(z) for z in last["eig_w"].values[:4])
        stab = "—" if not bounds else str(bounds["ep_of_stab"][idx]) if bounds["ep_of_stab"][idx] >= 0 else "never"
        rows.append([f"{ds[d].values[ix[d]]:g}" for d in gdims] + [
            str(ix["seed"]), str(ds["loop"].values[ix["loop"]]),
            "diverged" if bool(cell["diverged"]) else "ok", str(int(last["step"])),
            f"{float(last['test_loss']):.4g}", f"{float(last['train_loss']):.4g}", stab, lam])
    return cols, rows


def _fmt(z: complex) -> str:
    return f"{z.real:.3f}" if abs(z.imag) < 5e-4 else f"{z.real:.3f}{z.imag:+.3f}i"


# ----------------------------------------------------------------------------- figures


def reference_dir() -> Path | None:
    """The published reference arrays of Ger & Barak, if ``LEARNDYN_REFERENCE_DIR`` names a
    folder holding them (``closed_loop/`` inside it, or the folder itself).

    The arrays are the authors' (no license granted): they are read for comparison, never shipped.
    """
    env = os.environ.get("LEARNDYN_REFERENCE_DIR")
    if not env:
        return None
    for c in (Path(env) / "closed_loop", Path(env)):
        if c.is_dir() and any(c.iterdir()):
            return c
    return None


def figures(ds: xr.Dataset, outdir) -> list:
    """Write the family's figures (one set per value of any grid dim after the first); returns
    their paths."""
    from learndyn.plots import grid_slices

    if "test_loss" not in ds:
        return []
    paths = []
    for label, suffix, sub in grid_slices(ds, keep=1):
        paths += _figures(sub, Path(outdir), label, suffix)
    return paths


def _figures(ds: xr.Dataset, outdir: Path, label: str, suffix: str) -> list:
    from learndyn.plots import save_figure

    from . import figures as cl_plots

    name = ds.attrs.get("experiment", "closed-loop") + (f" ({label})" if label else "")
    ref = reference_dir()
    paths = [save_figure(cl_plots.loss_curves(ds, title=f"{name} — {LABEL}", reference=ref, experiment=name),
                         outdir / f"loss{suffix}.png")]
    if "gains" in ds:
        paths.append(save_figure(cl_plots.gain_paths(ds, reference=ref, experiment=name), outdir / f"gains{suffix}.png"))
    if "eig_closed" in ds:
        paths.append(save_figure(cl_plots.eigenvalue_paths(ds, reference=ref, experiment=name),
                                 outdir / f"eigenvalues{suffix}.png"))
    if "overlaps" in ds:
        paths.append(save_figure(cl_plots.overlap_curves(ds), outdir / f"overlaps{suffix}.png"))
    if "stage1_loss_sim" in ds:
        paths.append(save_figure(cl_plots.stage1(ds), outdir / f"stage1{suffix}.png"))
    if "probe_loss" in ds:  # seed 0 of one grid point per figure
        from learndyn.plots import grid_slices

        for point, tag, one in grid_slices(ds, keep=0):
            for draw, stem in ((cl_plots.probe_curves, "probes"), (cl_plots.tracking_spectrum, "spectrum")):
                fig = draw(one, reference=ref)
                if point:
                    fig.axes[0].set_title(f"{fig.axes[0].get_title()}\n{point}", fontsize=10)
                paths.append(save_figure(fig, outdir / f"{stem}{suffix}{tag}.png"))
    return paths


def recurrent_weights(built: Built, params):
    """``(net, n, n)`` recurrent matrices (``W`` or ``u vᵀ + gJ``) for the weight snapshots of the
    closed- and open-loop phases (none for the restart's pre-training)."""
    if built.phase == "pretrain":
        return None
    return np.asarray(jax.vmap(lambda p: controller_matrices(p)[0])(params))
