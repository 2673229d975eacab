r"""The linear-RNN family (``lrnn-*``, ``sensory-integration``; Proca et al. 2025; docs/lrnn.md).

Simulation: discrete linear RNNs read out after the last input, trained by full-batch gradient
descent on ``(W_x, W_h, W_y)`` (``train.level = "network"``) or directly on the mode strengths
``(a, b, c)`` (``"modes"``, the Euler step of §3.2). Every grid point × seed is one network; runs
with different ``task.length`` share one compiled program by left-padding with zero inputs.

Theory on the same configuration and recorded steps: the mode ODE of §3.2 (aligned init), the
frozen-b closed form of §3.4, zero-loss solutions (§3.7), the mean-task extrapolation error of
the zero-loss solution (§2.4, §4.6), the Dirac critical point (§3.8), and the NTK kernel
distance (§3.10). Labels: (paper) unless a docstring says (learndyn formulation).
"""

from __future__ import annotations

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
from learndyn.analysis import kernel_distance, neural_tangent_kernel
from learndyn.config import grid_dims, grid_points, spec_at
from learndyn.models import (
    DiscreteLinearRNN,
    ModeParams,
    aligned_init,
    final_output,
    gaussian_init,
    read_back_modes,
)
from learndyn.tasks import correlation_task, multisensory_trials, random_orthogonal, task_dynamics
from learndyn.theory import lrnn as theory
from learndyn.training import EngineOutput, Problem, TrainState, gradient_engine, recorded_steps
from learndyn.family import grid_labels, network_rows, per_network, stack_networks

from .schema import LRNNSpec
from .report_text import LABEL
from .report_text import RESERVED as _RESERVED




class NetworkData(eqx.Module):
    """Per-network constants: training data, task bases and the extrapolation sets."""

    x: Any  # (P, T_max, N_x)
    y: Any  # (P, N_y)
    u: Any  # (N_y, N_y) output singular vectors (identity for sensory)
    v: Any  # (N_x, N_x)
    r: Any  # (N_h, N_h) hidden basis of the aligned init
    s: Any  # (T_max, n) task dynamics (zeros for sensory)
    mask: Any  # (T_max,)
    test: Any  # correlation: (L, T'_max, n) dynamics; sensory: (L, P', T'_max, 4) inputs
    test_y: Any  # sensory: (L, P', 4) targets; correlation: None
    test_mask: Any  # (L, T'_max)


@dataclass
class Built(learndyn.Built):
    specs: list[LRNNSpec]  # per network
    tau: np.ndarray  # (net,) time constant in steps (§3.11)


def mode_dynamics(task, length: int) -> np.ndarray:
    """``(T, n)`` task dynamics of every mode at sequence length ``T`` (§2.2; host NumPy)."""
    cols = [task_dynamics(k, d, lam, length, kappa=kap, beta=b)
            for k, d, lam, kap, b in zip(task.per_mode("dynamics"), task.per_mode("delta"),
                                         task.per_mode("lam"), task.per_mode("kappa"),
                                         task.per_mode("beta"), strict=True)]
    return np.stack(cols, axis=1)


def learning_rate(s: LRNNSpec) -> float:
    return theory.ntk_learning_rate(s.task.length) if s.train.lr == "ntk" else float(s.train.lr)


def _pad_front(x: np.ndarray, length: int, axis: int) -> np.ndarray:
    pad = [(0, 0)] * x.ndim
    pad[axis] = (length - x.shape[axis], 0)
    return np.pad(x, pad)


def _network_data(s: LRNNSpec, key, t_max: int, test_max: int) -> tuple[NetworkData, Any]:
    """Data and initial parameters of one network."""
    task, model = s.task, s.model
    k_task, k_r, k_init, k_test = jr.split(key, 4)
    n_h = model.n_hidden or task.n
    r = random_orthogonal(k_r, n_h)
    lengths = task.test_lengths
    if task.kind == "correlation":
        dyn = mode_dynamics(task, task.length)
        ct = correlation_task(k_task, dyn, task.samples, t_max)
        x, y, u, v, sd, mask = ct.x, ct.y, ct.u, ct.v, ct.s, ct.mask
        test = np.stack([_pad_front(mode_dynamics(task, t), test_max, 0) for t in lengths]) if lengths else None
        test_y = None
    else:
        x, y = multisensory_trials(k_task, task.samples, task.length, task.target, t_max)
        u = v = jnp.eye(4)
        sd = jnp.zeros((t_max, 4))
        mask = jnp.concatenate([jnp.zeros(t_max - task.length), jnp.ones(task.length)])
        test, test_y = None, None
        if lengths:
            sets = [multisensory_trials(jr.fold_in(k_test, t), task.test_samples, t, task.target, test_max)
                    for t in lengths]
            test, test_y = jnp.stack([a for a, _ in sets]), jnp.stack([b for _, b in sets])
    test_mask = (np.stack([(np.arange(test_max) >= test_max - t).astype(float) for t in lengths])
                 if lengths else None)
    data = NetworkData(x, y, u, v, r, sd, mask, test, test_y, test_mask)
    if s.model.init == "aligned":
        modes = ModeParams(jnp.full(task.n, model.init_scale), jnp.full(task.n, model.recurrent_scale),
                           jnp.full(task.n, model.init_scale))
        params = modes if s.train.level == "modes" else aligned_init(r, u, v, modes)
    else:
        params = gaussian_init(k_init, task.n, n_h, task.n, model.init_scale, model.recurrent_scale)
    return data, params


def training_loss(params, data: NetworkData, loss: str, level: str):
    """The training objective: ``½ Σ_p ‖y − ŷ‖²`` (``half_sum``, theory convention) or the mean
    over ``(P, N_y)`` without ½ (``mean``, the paper's simulations, §1.2); at mode level the
    energy of §3.2 (equal to ``half_sum`` on sum-whitened inputs)."""
    if level == "modes":
        return theory.mode_energy(params, data.s, data.mask)
    err = data.y - final_output(params, data.x)
    return 0.5 * jnp.sum(err**2) if loss == "half_sum" else jnp.mean(err**2)


def _stopping_engine(engine, stop_loss: float):
    """Zero the gradient of a network whose loss is below ``stop_loss`` ("train until L < …")."""
    if stop_loss <= 0:
        return engine

    def stopped(params, data, key) -> EngineOutput:
        out = engine(params, data, key)
        go = (out.loss >= stop_loss).astype(out.loss.dtype)
        return eqx.tree_at(lambda o: o.grad, out, jax.tree.map(lambda g: g * go, out.grad))

    return stopped


def build(spec: LRNNSpec, *, record_steps=None, phase: str = "main", previous=None) -> Built:
    """Data and initial parameters of every network (grid point × seed); one phase."""
    points = grid_points(spec)
    specs_at = [spec_at(spec, p) for p in points]
    t_max = max(s.task.length for s in specs_at)
    test_max = max([max(s.task.test_lengths) for s in specs_at if s.task.test_lengths] or [1])
    keys = jr.split(jr.key(spec.seed), spec.seeds)  # common random numbers across grid points
    datas, params, lrs, specs, taus = [], [], [], [], []
    for s in specs_at:
        for i in range(spec.seeds):
            d, p = _network_data(s, keys[i], t_max, test_max)
            datas.append(d)
            params.append(p)
            lrs.append(learning_rate(s))
            specs.append(s)
            n_out = s.task.n
            taus.append(theory.tau_steps(lrs[-1], s.train.loss, s.task.samples, n_out))
    level, loss = spec.train.level, spec.train.loss
    engine = gradient_engine(lambda p, d, k: training_loss(p, d, loss, level))
    engine = _stopping_engine(engine, spec.train.stop_loss)
    if level == "modes":
        trainable = ModeParams(*("W_x" in spec.train.params and "W_y" in spec.train.params,
                                 "W_h" in spec.train.params,
                                 "W_x" in spec.train.params and "W_y" in spec.train.params))
    else:
        trainable = DiscreteLinearRNN(*(name in spec.train.params for name in ("W_x", "W_h", "W_y")))
    problem = Problem(params=stack_networks(params), data=stack_networks(datas), lr=jnp.asarray(lrs, float),
                      keys=jr.split(jr.key(spec.seed), len(lrs)), engine=engine, trainable=trainable)
    steps = record_steps or recorded_steps(spec.train.steps, spec.record)
    built = Built(spec, phase, problem, list(steps), *grid_labels(spec, _RESERVED),
                  specs, np.asarray(taus))
    built.observe = _make_observer(built)
    return built


def _modes_of(params, data: NetworkData, level: str):
    """Mode strengths ``(a, b, c)`` and the largest off-diagonal read-back entry."""
    if level == "modes":
        return params, jnp.zeros(())
    return read_back_modes(params, data.r, data.u, data.v)


def _test_losses(params, data: NetworkData, spec: LRNNSpec):
    """Loss at every test length ``T'`` in the training convention (§3.7, §4.4, §4.6): ``(L,)``
    totals and, for correlation tasks, ``(L, n)`` per output mode ``α`` (the residual projected on
    ``u_α``; they sum to the total)."""
    n_len = len(spec.task.test_lengths)
    if not n_len:
        return jnp.zeros((0,)), jnp.zeros((0, 0))
    if spec.task.kind == "sensory":
        def one(x, y):
            err = y - final_output(params, x)
            return 0.5 * jnp.sum(err**2) if spec.train.loss == "half_sum" else jnp.mean(err**2)

        return jax.vmap(one)(data.test, data.test_y), jnp.zeros((n_len, 0))
    if spec.train.level == "modes":
        per_mode = jax.vmap(lambda s, m: theory.mode_energies(params, s, m))(data.test, data.test_mask)
    else:
        sig = jnp.einsum("ij,ltj,kj->ltik", data.u, data.test, data.v)
        per_mode = jax.vmap(lambda g, m: theory.correlation_loss_per_mode(params, g, data.u, m))(
            sig, data.test_mask)
    # with sum whitening the half-sum loss is the exact correlation residual; the mean convention
    # is 2·(half sum) / (P·N_y)
    if spec.train.loss == "mean":
        per_mode = 2 * per_mode / (spec.task.samples * spec.task.n)
    return per_mode.sum(-1), per_mode


def _singular_values(params, level: str):
    """Singular values of ``W_h`` ("recurrent") and of ``W_y W_x`` ("input–output"); at mode
    level ``|b|`` and ``|ac|`` sorted (P4)."""
    if level == "modes":
        return -jnp.sort(-jnp.abs(params.b)), -jnp.sort(-jnp.abs(params.a * params.c))
    return jnp.linalg.svd(params.wh, compute_uv=False), jnp.linalg.svd(params.wy @ params.wx, compute_uv=False)


def _make_observer(built: Built):
    spec, problem = built.spec, built.problem
    level = spec.train.level

    def one(params, data):
        modes, off = _modes_of(params, data, level)
        sv_rec, sv_io = _singular_values(params, level)
        test, test_mode = _test_losses(params, data, spec)
        return {"loss": training_loss(params, data, spec.train.loss, level), "a": modes.a, "b": modes.b,
                "c": modes.c, "offdiag": off, "sv_rec": sv_rec, "sv_io": sv_io,
                "test_loss": test, "test_loss_mode": test_mode}

    batch = jax.jit(jax.vmap(one))

    def observe(state: TrainState) -> dict[str, np.ndarray]:
        out = {k: np.asarray(v) for k, v in batch(state.params, problem.data).items()}
        bad = np.asarray(state.diverged)
        for k, v in out.items():
            out[k] = np.where(bad.reshape((-1,) + (1,) * (v.ndim - 1)), np.nan, v)
        return out

    return observe


_VAR_ATTRS = {
    "loss": "training loss (train.loss convention)",
    "a": "input mode strength a (read back: diag Rᵀ W_x V)",
    "b": "recurrent mode strength b (diag Rᵀ W_h R)",
    "c": "output mode strength c (diag Uᵀ W_y R)",
    "ac": "input–output mode strength ac",
    "offdiag": "largest off-diagonal entry of the read-back mode matrices",
    "sv_rec": "singular values of W_h (recurrent)",
    "sv_io": "singular values of W_y W_x (input–output)",
    "test_loss": "loss at test length T' (extrapolation)",
    "test_loss_mode": "loss at test length T' carried by output mode α",
}


def to_dataset(phases) -> xr.Dataset:
    res = phases[-1]
    built, records = res.built, res.records
    spec = built.spec
    steps = np.asarray(built.record_steps[: len(records)], dtype=np.int64)
    data: dict[str, Any] = {}
    if records:
        for name, extra in (("loss", ()), ("a", ("mode",)), ("b", ("mode",)), ("c", ("mode",)),
                            ("offdiag", ()), ("sv_rec", ("sv",)), ("sv_io", ("sv_io",)),
                            ("test_loss", ("length",)), ("test_loss_mode", ("length", "mode"))):
            stacked = np.stack([r[name] for r in records], axis=1)
            if name.startswith("test_loss") and 0 in stacked.shape:
                continue
            data[name] = built.label(stacked, ("step",) + extra)
        data["ac"] = (data["a"][0], data["a"][1] * data["c"][1])
    data["diverged"] = built.label(np.asarray(res.state.diverged), ())
    data["diverged_step"] = built.label(np.asarray(res.state.diverged_step), ())
    data["lr"] = built.label(np.asarray(built.problem.lr), ())
    data["tau_steps"] = built.label(built.tau, ())
    data["task_length"] = built.label(np.asarray([s.task.length for s in built.specs]), ())
    coords: dict[str, Any] = {"step": steps, "seed": np.arange(spec.seeds), "mode": np.arange(spec.task.n),
                              **{d: np.asarray(v, float) for d, v in built.grid_values.items()}}
    if spec.task.test_lengths:
        coords["length"] = np.asarray(spec.task.test_lengths)
    ds = xr.Dataset(data, coords=coords)
    for name, long in _VAR_ATTRS.items():
        if name in ds:
            ds[name].attrs.update(long_name=long, source="sim")
    ds.attrs.update(source="sim", label=LABEL, grid_keys=dict(built.grid_dims),
                    mode_dynamics=[str(k) for k in spec.task.per_mode("dynamics")]
                    if spec.task.kind == "correlation" else [])
    return ds


# ----------------------------------------------------------------------------- theory


def _zero_loss(s: LRNNSpec) -> np.ndarray:
    """``(mode, 2)``: zero-loss ``(b, ac)`` per mode (NaN where none; §2.2, §3.7)."""
    t = s.task
    out = np.full((t.n, 2), np.nan)
    if t.kind == "sensory":
        out[:, 0] = 1.0
        out[:, 1] = {"sum": 1.0, "mean": 1.0 / t.length}.get(t.target, np.nan)
        return out
    for m, (k, d, lam, kap) in enumerate(zip(t.per_mode("dynamics"), t.per_mode("delta"), t.per_mode("lam"),
                                            t.per_mode("kappa"), strict=True)):
        if kap is not None or k == "dirac":
            continue
        sol = theory.zero_loss_solution(k, d, lam, t.length)
        if sol is not None:
            out[m] = sol
    return out


def theory_dataset(spec: LRNNSpec, phases, sim: xr.Dataset | None = None) -> xr.Dataset:
    r"""Theory beside the simulation (same ``step`` coordinate, same networks).

    * ``a_theory``, ``b_theory``, ``c_theory``, ``loss_theory``: the mode ODE of §3.2 from the
      same initial modes, time ``step/τ_steps`` (§3.11), with frozen entries where
      ``train.params`` freezes a matrix (aligned init only).
    * ``u_closed_form``: §3.4's sigmoid ``u(t)`` when ``W_h`` is frozen (``a = c`` at init).
    * ``b_target``, ``ac_target``: zero-loss solutions (§3.7; sensory: 1 and 1 or 1/T).
    * ``test_loss_theory``: the loss of the zero-loss solution at each test length (sensory mean
      task: ``(T'/T − 1)² E[m²] + 0.01 T'(1/T − 1/T')²``, learndyn formulation of §4.6; zero for
      tasks whose solution does not depend on T).
    * ``kernel_distance``: NTK distance between initial and final networks (``theory.ntk``).
    * ``critical_point``: the Dirac β_c per ``theory.critical_lengths`` (§3.8, checks 6–7).
    """
    built = phases[-1].built
    state = phases[-1].state
    problem = built.problem
    steps = np.asarray(built.record_steps, float)
    n_net = problem.n_networks
    out: dict[str, Any] = {}
    zl = np.stack([_zero_loss(s) for s in built.specs])
    out["b_target"] = built.label(zl[..., 0], ("mode",))
    out["ac_target"] = built.label(zl[..., 1], ("mode",))
    if spec.model.init == "aligned":
        data = problem.data
        modes0 = (problem.params if spec.train.level == "modes"
                  else jax.vmap(lambda p, d: _modes_of(p, d, "network")[0])(problem.params, data))
        trainable = ("W_x" in spec.train.params and "W_y" in spec.train.params, "W_h" in spec.train.params,
                     "W_x" in spec.train.params and "W_y" in spec.train.params)

        def solve(m0, s, mask, tau):
            return theory.solve_mode_ode(m0, s, steps, mask, trainable, rate=1.0 / tau)

        ys = jax.vmap(solve)(modes0, data.s, data.mask, jnp.asarray(built.tau))  # (net, step, n)
        energy = jax.vmap(jax.vmap(theory.mode_energy, in_axes=(0, None, None)))(ys, data.s, data.mask)
        scale = 1.0 if spec.train.loss == "half_sum" else 2.0 / (spec.task.samples * spec.task.n)
        for name in ("a", "b", "c"):
            out[f"{name}_theory"] = built.label(np.asarray(getattr(ys, name)), ("step", "mode"))
        out["ac_theory"] = built.label(np.asarray(ys.a * ys.c), ("step", "mode"))
        out["loss_theory"] = built.label(np.asarray(energy) * scale, ("step",))
        if not trainable[1]:
            def closed(m0, s, mask, tau):
                sb, qb = jax.vmap(lambda b, sc: theory.io_strengths(b, sc, mask), in_axes=(0, 1))(m0.b, s)
                return jax.vmap(lambda u0, x, y: theory.io_mode_solution(jnp.asarray(steps) / tau, u0, x, y),
                                out_axes=1)(m0.a * m0.c, sb, qb)

            u = jax.vmap(closed)(modes0, data.s, data.mask, jnp.asarray(built.tau))
            out["u_closed_form"] = built.label(np.asarray(u), ("step", "mode"))
    if spec.task.kind == "correlation":
        glob = np.full((n_net, spec.task.n, 2), np.nan)
        for i, s in enumerate(built.specs):
            dyn = np.asarray(mode_dynamics(s.task, s.task.length))
            for m in range(s.task.n):
                b_star, u_star, _ = theory.mode_global_minimum(dyn[:, m], spec.theory.b_max)
                glob[i, m] = b_star, u_star
        out["b_global"] = built.label(glob[..., 0], ("mode",))
        out["ac_global"] = built.label(glob[..., 1], ("mode",))
    if spec.task.test_lengths:
        n_len = len(spec.task.test_lengths)
        tl = np.zeros((n_net, n_len))
        tlm = np.full((n_net, n_len, spec.task.n), np.nan)
        scale = 1.0 if spec.train.loss == "half_sum" else 2.0 / (spec.task.samples * spec.task.n)
        for i, s in enumerate(built.specs):
            if s.task.kind == "sensory" and s.task.target == "mean":
                tl[i] = [theory.mean_task_extrapolation_mse(s.task.length, t) for t in s.task.test_lengths]
            elif s.task.kind == "correlation":
                tlm[i] = scale * np.stack([theory.zero_solution_extrapolation_losses(
                    zl[i, :, 0], zl[i, :, 1], mode_dynamics(s.task, t)) for t in s.task.test_lengths])
                tl[i] = tlm[i].sum(-1)
            elif s.task.target != "sum":
                tl[i] = np.nan
        out["test_loss_theory"] = built.label(tl, ("length",))
        if spec.task.kind == "correlation":
            out["test_loss_mode_theory"] = built.label(tlm, ("length", "mode"))
    if spec.theory.ntk:
        fn = lambda p, x: final_output(p, x)  # noqa: E731
        k0 = jax.vmap(lambda p, d: neural_tangent_kernel(fn, p, d.x))(problem.params, problem.data)
        k1 = jax.vmap(lambda p, d: neural_tangent_kernel(fn, p, d.x))(state.params, problem.data)
        dist = np.asarray(jax.vmap(kernel_distance)(k0, k1))
        out["kernel_distance"] = built.label(np.where(np.asarray(state.diverged), np.nan, dist), ())
    coords: dict[str, Any] = {"step": steps.astype(np.int64), "seed": np.arange(spec.seeds),
                              "mode": np.arange(spec.task.n),
                              **{d: np.asarray(v, float) for d, v in built.grid_values.items()}}
    if spec.task.test_lengths:
        coords["length"] = np.asarray(spec.task.test_lengths)
    if spec.theory.critical_lengths:
        lengths = spec.theory.critical_lengths
        out["critical_point"] = (("crit_T",), np.asarray([theory.critical_point(t, b_max=spec.theory.b_max)
                                                          for t in lengths]))
        betas = np.linspace(0.3, 3.0, 271)
        land = [theory.dirac_landscape(betas, t, spec.theory.b_max) for t in lengths]
        out["dirac_b_star"] = (("crit_T", "beta_theory"), np.stack([x[0] for x in land]))
        out["dirac_u_star"] = (("crit_T", "beta_theory"), np.stack([x[1] for x in land]))
        out["dirac_e_star"] = (("crit_T", "beta_theory"), np.stack([x[2] for x in land]))
        coords["crit_T"] = np.asarray(lengths)
        coords["beta_theory"] = betas
    ds = xr.Dataset(out, coords=coords)
    for name in ds.data_vars:
        ds[name].attrs.update(source="theory", label=LABEL)
    return ds


# ----------------------------------------------------------------------------- summary


def mode_error(ds: xr.Dataset) -> xr.DataArray | None:
    """``max`` over recorded steps and modes of ``|sim − theory|`` for ``b`` and ``ac`` (§4)."""
    if "b_theory" not in ds or "b" not in ds:
        return None
    err_b = abs(ds["b"] - ds["b_theory"]).max(("step", "mode"))
    err_ac = abs(ds["ac"] - ds["ac_theory"]).max(("step", "mode"))
    return xr.concat([err_b, err_ac], "q").max("q")


def learned_step(ds: xr.Dataset, rel: float = 0.05, suffix: str = "") -> xr.DataArray | None:
    """Per mode: first recorded step after which ``ac`` and ``b`` stay within ``rel`` of their
    zero-loss targets (−1 if not by the end; §5 check 8). ``suffix="_theory"``: the same for the
    mode ODE."""
    ac, b = f"ac{suffix}", f"b{suffix}"
    if ac not in ds or not ds.sizes.get("step", 0):
        return None
    ok = (abs(ds[ac] - ds["ac_target"]) <= rel * abs(ds["ac_target"])) & (
        abs(ds[b] - ds["b_target"]) <= rel * abs(ds["b_target"]))
    bad_after = ok.isel(step=slice(None, None, -1)).cumprod("step").isel(step=slice(None, None, -1))
    stays = bad_after.astype(bool)
    first = stays.argmax("step")
    steps = ds["step"].values
    return xr.where(stays.any("step"), xr.DataArray(steps[first.values], dims=first.dims), -1)


def summarize(ds: xr.Dataset) -> dict[str, Any]:
    gdims = list(ds.attrs.get("grid_keys", {}))
    status = xr.where(ds["diverged"], "diverged", "ok")
    metrics: dict[str, Any] = {}
    th: dict[str, Any] = {}

    def nested(da: xr.DataArray) -> list:
        return per_network(ds, da)

    if ds.sizes.get("step", 0) and "loss" in ds:
        last = ds.isel(step=-1)
        metrics["final_loss"] = nested(last["loss"])
        aligned = "b_theory" in ds
        metrics["mode_strengths"] = nested(last["ac"] if aligned else last["sv_io"])
        metrics["recurrent_strengths"] = nested(last["b"] if aligned else last["sv_rec"])
        err = mode_error(ds)
        if err is not None:
            metrics["mode_error"] = nested(err)
        if "test_loss" in ds:
            metrics["extrapolation_error"] = nested(last["test_loss"])
        steps = learned_step(ds)
        if steps is not None and np.isfinite(ds["ac_target"].values).any():
            metrics["learned_step"] = nested(steps)
            th_steps = learned_step(ds, suffix="_theory")
            if th_steps is not None:
                th["learned_step"] = nested(th_steps)
    if "kernel_distance" in ds:
        metrics["kernel_distance"] = nested(ds["kernel_distance"])
    if "critical_point" in ds:
        th["critical_point"] = {int(t): float(v) for t, v in zip(ds["crit_T"].values,
                                                               ds["critical_point"].values, strict=True)}
    if "test_loss_theory" in ds:
        th["extrapolation_error"] = nested(ds["test_loss_theory"])
    return {"status": nested(status), "metrics": metrics, "theory": th}


def headline_rows(ds: xr.Dataset):
    cols = ["step", "loss", "ac (or σ(W_yW_x))", "b (or σ(W_h))", "mode error"]
    if not ds.sizes.get("step", 0) or "loss" not in ds:
        return network_rows(ds, cols)
    aligned = "b_theory" in ds
    err = mode_error(ds)

    def cells(cell, ix):
        io = cell["ac"] if aligned else cell["sv_io"]
        rec = cell["b"] if aligned else cell["sv_rec"]
        return [str(int(cell["step"])), f"{float(cell['loss']):.3e}", " ".join(f"{x:.4f}" for x in io.values),
                " ".join(f"{x:.4f}" for x in rec.values), f"{float(err.isel(ix)):.2e}" if err is not None else "—"]

    return network_rows(ds, cols, cells)


def figures(ds: xr.Dataset, outdir) -> list:
    from . import figures as plots
    from learndyn.plots import save_figure

    outdir = Path(outdir)
    name = ds.attrs.get("experiment", "lrnn")
    title = f"{name} — {LABEL}"
    paths = []
    if not ds.sizes.get("step", 0) or "loss" not in ds:
        return paths
    gdims = list(ds.attrs.get("grid_keys", {}))
    if "b_theory" in ds and not gdims:
        paths.append(save_figure(plots.modes_over_training(ds, title=title), outdir / "modes.png"))
    if "b_theory" not in ds:
        paths.append(save_figure(plots.singular_values_over_training(ds, title=title),
                                 outdir / "singular_values.png"))
    if "test_loss" in ds:
        paths.append(save_figure(plots.extrapolation(ds, title=title), outdir / "extrapolation.png"))
    if gdims and "b" in ds:
        paths.append(save_figure(plots.final_modes_over_grid(ds, title=title), outdir / "final_modes.png"))
    steps = learned_step(ds)
    if len(gdims) == 2 and steps is not None and np.isfinite(ds["ac_target"].values).all():
        paths.append(save_figure(plots.learned_step_map(ds, steps, learned_step(ds, suffix="_theory"), title=title),
                                 outdir / "learned_step.png"))
    if "kernel_distance" in ds and len(gdims) == 2:
        paths.append(save_figure(plots.kernel_distance_map(ds, title=title), outdir / "kernel_distance.png"))
    if "critical_point" in ds:
        paths.append(save_figure(plots.dirac_landscape(ds, title=title), outdir / "phase_transition_theory.png"))
    return paths


def recurrent_weights(built: Built, params):
    """``(net, h, h)`` recurrent matrices ``W_h`` for the weight snapshots; ``None`` at the mode level."""
    return np.asarray(params.wh) if hasattr(params, "wh") else None
