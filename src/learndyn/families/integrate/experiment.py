r"""The ``integrate-*`` experiment family (Bordelon et al. 2025; docs/integrate.md — a reconstruction).

A linear RNN with leak learns to reproduce white noise filtered by a leaky, damped-oscillator or
multi-timescale filter. Simulation: many networks (grid points × seeds) trained together by
:func:`learndyn.training.train`. Theory on the same configuration and steps: the exact σ=0
two-neuron system (same gradient descent, ``N = 2``), the single-mode ansatz ODE, the quasi-static
closed form, the predicted final eigenvalues, the multi-timescale plateau.

Labels: the model, loss and every theory curve here are **learndyn formulations** of Bordelon,
Cotler, Pehlevan & Zavatone-Veth (arXiv 2503.18754), whose body could not be read; only "one
outlier escapes the bulk", "a conjugate pair for an oscillatory target", "rich vs lazy" and the
multi-timescale animation are confirmed (paper / reference code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import xarray as xr

import learndyn
from learndyn.analysis import (
    conserved_matrix,
    count_outliers,
    learned_modes,
    outlier_eigenvalues,
    spectrum_and_residues,
    top_modes,
    track_backward,
    weight_change,
)
from learndyn.config import grid_dims, grid_points, spec_at
from learndyn.models import LinearRNN, init_linear_rnn, two_neuron_init
from learndyn.tasks import TargetSystem, target_eigenvalues, target_initial_loss, target_system
from learndyn.theory import integrate as theory
from learndyn.theory import free_limit
from learndyn.theory import kernel as kernel_theory
from learndyn.family import grid_labels, isolated, network_rows, stack_networks
from learndyn.training import (
    Problem,
    SampledWindow,
    TrainState,
    exact_loss_and_grad,
    recorded_steps,
    sampled_loss_and_grad,
    train,
    window_from_horizon,
)

from .schema import IntegrateSpec
from .theory_gap import kernel_theory_gap, large_n_theory_gap
from .report_text import LABEL
from .report_text import RESERVED as _RESERVED




class NetworkData(eqx.Module):
    """Per-network constants: the target filter and (sampled engine) the loss window."""

    target: TargetSystem
    window: SampledWindow | None


@dataclass
class Built(learndyn.Built):
    """Everything the runner needs to train and label one integrate experiment."""

    w0: np.ndarray  # (net, n, n)
    q0: np.ndarray  # (net, n, n)
    sigma: np.ndarray  # (net,)
    target_eigs: np.ndarray  # (net, mode)
    horizon: np.ndarray  # (net,) NaN for exact
    unstable_init: np.ndarray  # (net,) bool




def build(spec: IntegrateSpec, *, record_steps: list[int] | None = None, phase: str = "main",
          previous=None) -> Built:
    """Initialise every network (grid point × seed), resolve ``lr``/``horizon``, define the engine.

    One phase; ``record_steps`` defaults to ``record.points`` log-spaced steps.
    """
    if record_steps is None:
        record_steps = recorded_steps(spec.train.steps, spec.record)
    points = grid_points(spec)
    keys = jr.split(jr.key(spec.seed), spec.seeds)
    noise_keys = jr.split(jr.fold_in(jr.key(spec.seed), 1), spec.seeds)  # per seed, not per grid point
    nets, datas, lrs, horizons, burns, sigmas, teigs, unstable = [], [], [], [], [], [], [], []
    warnings: list[str] = []
    tr = spec.train
    for point in points:
        s = spec_at(spec, point)
        target = target_system(s.task)
        batch = jax.vmap(
            lambda k, s=s: init_linear_rnn(key=k, n=s.model.n, sigma=s.model.sigma, init_uv=s.model.init_uv)
        )(keys)
        if s.model.antithetic:
            batch = antithetic_pairs(batch)
        c_min = min(s.task.decay_rates)
        where = "".join(f" {k}={v}" for k, v in point.items())
        fast = []  # (seed, bound) above the stability bound: one warning per grid point
        for i in range(spec.seeds):
            w0 = np.asarray(batch.w[i])
            c_eff = theory.effective_rate(c_min, w0)
            bad = c_eff <= 0
            if bad:
                warnings.append(
                    f"seed {i}{where}: max Re λ(W0) ≥ 1 (unstable initial network); marked diverged"
                )
                c_eff = c_min
            lr = theory.auto_learning_rate(c_eff) if s.train.lr == "auto" else float(s.train.lr)
            if s.train.lr != "auto" and lr > theory.learning_rate_warning_threshold(c_eff) and not bad:
                fast.append((i, theory.learning_rate_warning_threshold(c_eff)))
            horizon = theory.auto_horizon(c_eff) if s.train.horizon == "auto" else float(s.train.horizon)
            nets.append(jax.tree.map(lambda x, i=i: x[i], batch))
            datas.append(target)
            lrs.append(lr)
            horizons.append(horizon)
            burns.append(s.train.burn)
            sigmas.append(s.model.sigma)
            teigs.append(target_eigenvalues(s.task))
            unstable.append(bad)
        if fast:
            seeds = ", ".join(str(i) for i, _ in fast) if len(fast) <= 4 else f"{len(fast)} of {spec.seeds}"
            warnings.append(
                f"train.lr={float(s.train.lr):g} is above the stability bound 4.4·c_eff³ "
                f"(≥ {min(b for _, b in fast):.4g}) for seed(s) {seeds}{where}; it may oscillate or "
                "diverge over a long run (use lr='auto')"
            )
    params = stack_networks(nets)
    targets = stack_networks(datas)
    if tr.method == "sampled":
        los, his = zip(*(window_from_horizon(h, tr.dt, b) for h, b in zip(horizons, burns, strict=True)),
                       strict=True)
        n_steps = max(his)
        window = SampledWindow(tr.dt, n_steps, jnp.asarray(los), jnp.asarray(his))
        groups_at_once = _groups_at_once(tr, spec.model.n, n_steps, len(lrs))

        def engine(p, data, key):
            return sampled_loss_and_grad(
                p, data.target, key, data.window, batch=tr.batch, groups=tr.mc_groups,
                groups_at_once=groups_at_once,
            )

        data = NetworkData(targets, window)
        horizon_arr = np.asarray(horizons)
    else:

        def engine(p, data, key):
            return exact_loss_and_grad(p, data.target)

        data = NetworkData(targets, None)
        horizon_arr = np.full(len(lrs), np.nan)
    trainable = LinearRNN(*(name in tr.params for name in ("W", "u", "v")))
    unstable_arr = np.asarray(unstable)
    problem = Problem(
        params=params, data=data, lr=jnp.asarray(lrs), keys=jnp.concatenate([noise_keys] * len(points)),
        engine=engine, trainable=trainable, optimizer=tr.optimizer,
    )
    w0 = np.asarray(params.w)
    dims, values = grid_labels(spec, _RESERVED)
    built = Built(
        spec=spec, phase=phase, problem=problem, record_steps=record_steps, grid_dims=dims, grid_values=values,
        w0=w0, q0=conserved_matrix(w0, np.asarray(params.u), np.asarray(params.v)),
        sigma=np.asarray(sigmas), target_eigs=np.asarray(teigs), horizon=horizon_arr,
        unstable_init=unstable_arr, warnings=warnings,
    )
    built.observe = _make_observer(built)
    return built


def antithetic_pairs(nets: LinearRNN) -> LinearRNN:
    """Networks ``2i + 1`` become networks ``2i`` with ``v0 → −v0`` (same ``W0``, ``u0``): the initial
    output ``f0 = v0ᵀe^{(W0 − I)s}u0`` flips sign, so the part of the loss linear in ``f0`` — the
    O(N^{-1/2}) seed-to-seed noise of ``L = ½‖f0 − f⋆‖²`` — cancels in the mean over seeds. Both
    members are draws of the same distribution, so seed means stay unbiased."""
    w = nets.w.at[1::2].set(nets.w[0::2])
    u = nets.u.at[1::2].set(nets.u[0::2])
    v = nets.v.at[1::2].set(-nets.v[0::2])
    return LinearRNN(w, u, v)


def _groups_at_once(tr, n: int, n_steps: int, n_nets: int, budget: float = 2e9) -> int:
    """Largest number of batch groups to vmap together within a memory budget (bytes)."""
    per_group = 8.0 * (n + 4) * n_steps * (tr.batch // tr.mc_groups) * 3 * n_nets
    return int(max(1, min(tr.mc_groups, budget // max(per_group, 1.0))))


def _make_observer(built: Built):
    problem = built.problem
    sampled = built.spec.train.method == "sampled"
    spectra = built.spec.record.spectra
    exact_batch = jax.jit(jax.vmap(lambda p, d: exact_loss_and_grad(p, d.target).loss))
    train_batch = jax.jit(
        jax.vmap(lambda p, d, k, s: problem.engine(p, d, jr.fold_in(k, s)), in_axes=(0, 0, 0, None))
    )

    def observe(state: TrainState) -> dict[str, np.ndarray]:
        p = state.params
        diverged = np.asarray(state.diverged) | built.unstable_init
        loss = np.asarray(exact_batch(p, problem.data))
        if sampled:
            out = train_batch(p, problem.data, problem.keys, jnp.asarray(state.step))
            loss_train, loss_se = np.asarray(out.loss), np.asarray(out.loss_se)
        else:
            loss_train, loss_se = loss, np.zeros_like(loss)
        w, u, v = (np.asarray(x) for x in (p.w, p.u, p.v))
        q = conserved_matrix(w, u, v)
        nan = lambda x: np.where(diverged.reshape((-1,) + (1,) * (x.ndim - 1)), np.nan, x)  # noqa: E731
        wc = weight_change(w, built.w0, k=3 if spectra else 0)
        rec = {
            "loss": nan(loss),
            "loss_train": nan(loss_train),
            "loss_train_se": nan(loss_se),
            **wc,
            "Q_drift": np.linalg.norm(q - built.q0, axis=(-2, -1)),
            "uv": np.sum(u * v, axis=-1),
            "du": np.linalg.norm(u - np.asarray(problem.params.u), axis=-1),
            "dv": np.linalg.norm(v - np.asarray(problem.params.v), axis=-1),
        }
        if spectra:
            rec["eig"], rec["residue"] = spectrum_and_residues(w, u, v)
        return rec

    return observe


_VAR_ATTRS = {
    "loss": ("stationary loss L = ½∫(f - f⋆)² (closed form)", "1"),
    "loss_train": ("training objective (sampled estimate for method='sampled')", "1"),
    "loss_train_se": ("Monte-Carlo standard error of loss_train", "1"),
    "eig": ("eigenvalues of W, sorted by modulus", "1"),
    "residue": ("residues ρ_k = (v·r_k)(l_k·u)", "1"),
    "outlier": ("largest-|λ| eigenvalues (as many as the target has modes)", "1"),
    "learned": ("eigenvalue nearest each target eigenvalue", "1"),
    "tracked": ("learned modes followed back in time by continuity from the last step", "1"),
    "n_outliers": ("number of eigenvalues with |λ| > σ + 0.1", "1"),
    "dW_fro": ("‖W - W0‖_F", "1"),
    "dW_rel": ("‖W - W0‖_F / ‖W0‖_F (NaN at σ = 0)", "1"),
    "dW_sv": ("top singular values of ΔW = W - W0", "1"),
    "Q_drift": ("‖Q - Q0‖_F, Q = WWᵀ - WᵀW + uuᵀ - vvᵀ", "1"),
    "uv": ("u·v", "1"),
    "du": ("‖u - u0‖", "1"),
    "dv": ("‖v - v0‖", "1"),
}


def to_dataset(phases) -> xr.Dataset:
    """Label the recorded arrays: dims ``(*grid, seed, step, ...)`` plus per-network variables."""
    built, records, state = phases[-1].built, phases[-1].records, phases[-1].state
    spec = built.spec
    steps = built.record_steps[: len(records)]

    label = built.label
    data_vars: dict[str, Any] = {}
    if records:
        for name, extra in (("loss", ()), ("loss_train", ()), ("loss_train_se", ()),
                            ("eig", ("eig_index",)), ("residue", ("eig_index",)), ("dW_fro", ()),
                            ("dW_rel", ()), ("dW_sv", ("sv",)), ("Q_drift", ()), ("uv", ()),
                            ("du", ()), ("dv", ())):
            if name in records[0]:
                stacked = np.stack([r[name] for r in records], axis=1)  # (net, step, ...)
                data_vars[name] = label(stacked, ("step",) + extra)
    if records and "eig" in records[0]:
        eig = np.stack([r["eig"] for r in records], axis=1)
        m = built.target_eigs.shape[-1]
        data_vars["outlier"] = label(top_modes(eig, m), ("step", "mode"))
        learned = np.stack(
            [learned_modes(eig[i], built.target_eigs[i]) for i in range(eig.shape[0])]
        )
        data_vars["learned"] = label(learned, ("step", "mode"))
        tracked = np.stack([track_backward(eig[i], learned[i, -1]) for i in range(eig.shape[0])])
        data_vars["tracked"] = label(tracked, ("step", "mode"))
        data_vars["n_outliers"] = label(count_outliers(eig, built.sigma[:, None, None]), ("step",))
    diverged = np.asarray(state.diverged) | built.unstable_init
    div_step = np.where(built.unstable_init, 0, np.asarray(state.diverged_step))
    data_vars["diverged"] = label(diverged, ())
    data_vars["diverged_step"] = label(div_step, ())
    data_vars["lr"] = label(np.asarray(built.problem.lr), ())
    data_vars["horizon"] = label(built.horizon, ())
    data_vars["sigma_net"] = label(built.sigma, ())
    data_vars["target_eig"] = label(built.target_eigs, ("mode",))
    coords: dict[str, Any] = {"step": np.asarray(steps, dtype=np.int64), "seed": np.arange(spec.seeds)}
    coords.update({d: np.asarray(v, float) for d, v in built.grid_values.items()})
    ds = xr.Dataset(data_vars, coords=coords)
    ds = ds.assign_coords(tau=ds["lr"] * ds["step"])
    for name, (long, units) in _VAR_ATTRS.items():
        if name in ds:
            ds[name].attrs.update(long_name=long, units=units, source="sim")
    ds["tau"].attrs.update(long_name="gradient-flow time τ = lr·step")
    ds.attrs.update(source="sim", label=LABEL, grid_keys=dict(built.grid_dims),
                    antithetic=int(spec.model.antithetic))
    return ds


# ----------------------------------------------------------------------------- theory


def theory_dataset(spec: IntegrateSpec, phases, sim: xr.Dataset | None = None) -> xr.Dataset:
    r"""Theory on the same configuration and recorded steps.

    * ``loss_theory``, ``eig_theory``: the exact σ=0 two-neuron system (§3.3) under the same
      gradient descent (learning rate ``3c_min³`` for ``lr='auto'``, the σ=0 value, else ``lr``);
      exact for σ = 0 with orthonormal ``u0, v0``, the small-σ prediction otherwise.
    * ``lambda_ansatz``, ``loss_ansatz``: the single-mode ansatz ODE (§3.4), leaky target only.
    * ``lambda_quasistatic``: the quasi-static closed form (§3.5), leaky target only.
    * ``target_eig_theory``: the predicted final eigenvalues ``1 + eig(B⋆)`` (§3.7).
    * ``initial_loss_theory`` (§2.3), ``plateau_loss``, ``plateau_lambda`` (§3.8, multiscale).
    * ``loss_kernel_theory``: the large-N kernel (lazy) theory of ``learndyn.theory.kernel`` under
      the same gradient descent — the early phase of any σ (docs/theory/dmft.md, part 4).
    * ``loss_large_n_theory``, ``outlier_large_n_theory`` (when ``large_n.words > 0``): the N → ∞
      limit of the whole run — the same gradient descent on the truncated free Fock-space network
      of :mod:`learndyn.theory.free_limit`; the outlier is NaN while the learned mode is in the bulk.
    """
    points = grid_points(spec)
    gdims = grid_dims(spec, _RESERVED)
    steps = np.asarray(phases[-1].built.record_steps)
    specs = [spec_at(spec, p) for p in points]
    lrs = np.array([
        theory.auto_learning_rate(min(s.task.decay_rates)) if s.train.lr == "auto" else float(s.train.lr)
        for s in specs
    ])
    nets = stack_networks([two_neuron_init() for _ in specs])
    targets = stack_networks([target_system(s.task) for s in specs])
    problem = Problem(
        params=nets, data=targets, lr=jnp.asarray(lrs), keys=jr.split(jr.key(0), len(specs)),
        engine=lambda p, d, k: exact_loss_and_grad(p, d),
    )
    loss_batch = jax.jit(jax.vmap(lambda p, d: exact_loss_and_grad(p, d).loss))

    def observe(state):
        w = np.asarray(state.params.w)
        lam = np.sort_complex(np.linalg.eigvals(w))[..., ::-1]
        order = np.argsort(-np.abs(lam), axis=-1, kind="stable")
        return {"loss": np.asarray(loss_batch(state.params, targets)),
                "eig": np.take_along_axis(lam, order, -1)}

    _, recs = train(problem, list(steps), observe)
    loss2 = np.stack([r["loss"] for r in recs], axis=1)
    eig2 = np.stack([r["eig"] for r in recs], axis=1)
    m = max(len(target_eigenvalues(s.task)) for s in specs)
    gshape = tuple(len(v) for v in spec.grid.values())
    n_t = len(steps)
    lam_ans = np.full((len(specs), n_t), np.nan)
    loss_ans = np.full((len(specs), n_t), np.nan)
    lam_qs = np.full((len(specs), n_t), np.nan)
    plateau_l = np.full(len(specs), np.nan)
    plateau_lam = np.full(len(specs), np.nan)
    for i, s in enumerate(specs):
        taus = lrs[i] * steps
        if s.task.kind == "leaky":
            sm = isolated(theory.solve_single_mode, s.task.c_star, np.maximum(taus, 0.0),
                          fill={"lambda": np.nan, "loss": np.nan}, what=f"the single-mode ansatz at lr={lrs[i]:g}")
            lam_ans[i], loss_ans[i] = sm["lambda"], sm["loss"]
            lam_qs[i] = isolated(theory.quasi_static_lambda, taus, s.task.c_star,
                                 what=f"the quasi-static closed form at lr={lrs[i]:g}")
        if s.task.kind == "multiscale":
            pl = theory.plateau(s.task.decay_rates, s.task.gains)
            plateau_l[i], plateau_lam[i] = pl["loss"], pl["lambda"]
    teig = np.stack([np.pad(target_eigenvalues(s.task), (0, m - len(target_eigenvalues(s.task))),
                            constant_values=np.nan) for s in specs])
    l0 = np.array([target_initial_loss(s.task) for s in specs])
    kernel = np.stack([isolated(_kernel_curve, s, lrs[i], steps, fill=lambda: np.full(len(steps), np.nan),
                                what=f"the kernel theory at lr={lrs[i]:g}") for i, s in enumerate(specs)])
    g = tuple(gdims)
    shp = lambda x: x.reshape(gshape + x.shape[1:])  # noqa: E731
    large_n = {}
    if spec.large_n.words:
        lrs_inf = np.array([_large_n_learning_rate(s) for s in specs])
        loss_inf, out_inf = isolated(
            _large_n_curves, specs, lrs_inf, steps, teig,
            fill=lambda: (np.full((len(specs), len(steps)), np.nan),
                          np.full((len(specs), len(steps), m), np.nan + 0j)),
            what="the large-N theory")
        large_n = {
            "loss_large_n_theory": (g + ("step",), shp(loss_inf)),
            "outlier_large_n_theory": (g + ("step", "mode"), shp(out_inf)),
            "lr_large_n_theory": (g, shp(lrs_inf)),
        }
    ds = xr.Dataset(
        {
            "loss_theory": (g + ("step",), shp(loss2)),
            "eig_theory": (g + ("step", "neuron2"), shp(eig2)),
            "lambda_ansatz": (g + ("step",), shp(lam_ans)),
            "loss_ansatz": (g + ("step",), shp(loss_ans)),
            "lambda_quasistatic": (g + ("step",), shp(lam_qs)),
            "target_eig_theory": (g + ("mode",), shp(teig)),
            "initial_loss_theory": (g, shp(l0)),
            "plateau_loss": (g, shp(plateau_l)),
            "plateau_lambda": (g, shp(plateau_lam)),
            "lr_theory": (g, shp(lrs)),
            "loss_kernel_theory": (g + ("step",), shp(kernel)),
            **large_n,
        },
        coords={"step": steps.astype(np.int64),
                **{d: np.asarray(spec.grid[k], float) for d, k in gdims.items()}},
    )
    ds = ds.assign_coords(tau_theory=ds["lr_theory"] * ds["step"])
    for name in ds.data_vars:
        ds[name].attrs.update(source="theory", label=LABEL)
    ds["loss_theory"].attrs["long_name"] = "σ=0 two-neuron system, same gradient descent (§3.3)"
    ds["lambda_ansatz"].attrs["long_name"] = "single-mode ansatz ODE (§3.4)"
    ds["lambda_quasistatic"].attrs["long_name"] = "quasi-static closed form (§3.5)"
    ds["loss_kernel_theory"].attrs["long_name"] = "large-N kernel (lazy) theory, same gradient descent"
    if large_n:
        words = f"K = {spec.large_n.words}, d = {spec.large_n.alternations}"
        ds["loss_large_n_theory"].attrs["long_name"] = f"N → ∞ limit, free Fock-space network ({words})"
        ds["outlier_large_n_theory"].attrs["long_name"] = (
            f"learned outlier of the N → ∞ limit, NaN inside the bulk |λ| ≤ σ ({words})")
    return ds


def _large_n_learning_rate(s: IntegrateSpec) -> float:
    """The learning rate of the N → ∞ run: ``train.lr``, or for ``'auto'`` the bulk-aware rule at
    the limiting bulk edge ``max Re λ(W0) = σ``: ``3 min(c_min, 1 − σ)³``."""
    if s.train.lr != "auto":
        return float(s.train.lr)
    return theory.auto_learning_rate(min(min(s.task.decay_rates), 1.0 - s.model.sigma))


def _large_n_curves(specs: list[IntegrateSpec], lrs: np.ndarray, steps: np.ndarray, teig: np.ndarray):
    """Loss ``(point, step)`` and learned outliers ``(point, step, mode)`` of the free Fock-space
    network (``learndyn.theory.free_limit``) of every grid point, trained together (one compiled
    program: the truncation is the same for all) by the same gradient descent, at the recorded steps;
    ``teig`` ``(point, mode)``: the target eigenvalues, NaN-padded."""
    nets = stack_networks([free_limit.free_limit_network(s.model.sigma, s.large_n.words, s.large_n.alternations)
                           for s in specs])
    targets = stack_networks([target_system(s.task) for s in specs])
    sigmas = np.array([s.model.sigma for s in specs])
    trainable = LinearRNN(*(name in specs[0].train.params for name in ("W", "u", "v")))
    problem = Problem(params=nets, data=targets, lr=jnp.asarray(lrs), keys=jr.split(jr.key(0), len(specs)),
                      engine=lambda p, d, k: exact_loss_and_grad(p, d), trainable=trainable)
    loss_batch = jax.jit(jax.vmap(lambda p, d: exact_loss_and_grad(p, d).loss))

    def observe(state):
        eig = np.linalg.eigvals(np.asarray(state.params.w))
        return {"loss": np.asarray(loss_batch(state.params, targets)),
                "outlier": np.stack([free_limit.free_limit_outliers(eig[i], teig[i], sigmas[i])
                                     for i in range(len(specs))])}

    state, recs = train(problem, list(steps), observe)
    loss = np.stack([r["loss"] for r in recs], axis=1)
    gone = np.asarray(state.diverged)[:, None] & (steps[None, :] >= np.asarray(state.diverged_step)[:, None])
    loss[gone] = np.nan
    return loss, np.stack([r["outlier"] for r in recs], axis=1)


def _kernel_curve(s: IntegrateSpec, lr: float, steps: np.ndarray) -> np.ndarray:
    """Large-N kernel-theory loss at the recorded steps under gradient descent of step ``lr``
    (``learndyn.theory.kernel``; ``‖u0‖² = ‖v0‖² = 1`` for both inits)."""
    t = target_system(s.task)
    s_max = kernel_theory.quadrature_range(s.task.decay_rates, s.model.sigma)
    return kernel_theory.kernel_learning_curve(
        kernel_theory.target_response(t.b_mat, t.b_in, t.c_out), s.model.sigma, lr * steps,
        s_max=s_max, lr=lr)


# ----------------------------------------------------------------------------- summary


def summarize(ds: xr.Dataset) -> dict[str, Any]:
    """``metrics`` per seed (nested by grid dims) and ``theory`` values for summary.json."""
    gdims = list(ds.attrs.get("grid_keys", {}))
    last = ds.isel(step=-1) if ds.sizes.get("step", 0) else None
    status = xr.where(ds["diverged"], "diverged", "ok")

    def per_seed(fn):
        arr = np.empty(ds["diverged"].shape, dtype=object)
        for idx in np.ndindex(*arr.shape):
            arr[idx] = fn(dict(zip(gdims + ["seed"], idx, strict=True)))
        return arr.tolist()

    metrics: dict[str, Any] = {}
    if last is not None:
        def final(name):
            return lambda ix: last[name].isel(ix).item()

        def outliers(ix):
            cell = last.isel(ix)
            return [complex(z) for z in outlier_eigenvalues(cell["eig"].values, float(cell["sigma_net"]))]

        metrics = {"final_loss": per_seed(final("loss")), "dW_rel": per_seed(final("dW_rel")),
                   "dW_fro": per_seed(final("dW_fro"))}
        if "eig" in ds:  # record.spectra
            metrics.update(
                outlier_eigenvalues=per_seed(outliers), n_outliers=per_seed(final("n_outliers")),
                learned_eigenvalues=per_seed(lambda ix: [complex(z) for z in last["learned"].isel(ix).values]),
            )
    th: dict[str, Any] = {}
    if "target_eig_theory" in ds:
        def per_point(name, conv):
            da = ds[name]
            if not gdims:
                return conv(da.values)
            shape = [ds.sizes[d] for d in gdims]
            out = np.empty(shape, dtype=object)  # filled one by one: a value may itself be a list
            for idx in np.ndindex(*shape):
                out[idx] = conv(da.isel(dict(zip(gdims, idx, strict=True))).values)
            return out.tolist()

        cplx = lambda v: [complex(z) for z in np.asarray(v) if np.isfinite(z)]  # noqa: E731
        th = {
            "final_outlier": per_point("target_eig_theory", cplx),
            "initial_loss": per_point("initial_loss_theory", float),
            "two_neuron_final_loss": per_point("loss_theory", lambda v: float(np.asarray(v)[-1])),
        }
        gap = _gap_or_none(ds)
        if gap is not None:
            th["kernel_early_phase_end"] = gap["tau_early"].values.tolist()
            th["kernel_max_gap_early"] = gap["max_gap_early"].values.tolist()
        large = _gap_or_none(ds, "loss_large_n_theory")
        if large is not None:
            th["large_n_max_gap"] = large["max_gap"].values.tolist()
            th["large_n_tau_reached"] = large["tau_reached"].values.tolist()
            if "max_outlier_gap" in large:
                th["large_n_max_outlier_gap"] = large["max_outlier_gap"].values.tolist()
        if np.isfinite(ds["plateau_loss"].values).any():
            th["plateau_loss"] = per_point("plateau_loss", float)
            th["plateau_eigenvalue"] = per_point("plateau_lambda", float)
    return {"status": status.values.tolist(), "metrics": metrics, "theory": th}


def headline_rows(ds: xr.Dataset) -> tuple[list[str], list[list[str]]]:
    """Rows of the headline table: one per grid point and seed."""
    cols = ["step", "loss", "learned λ", "n_out", "dW_rel"]
    if not ds.sizes.get("step", 0):
        return network_rows(ds, cols)

    def cells(cell, ix):
        spectra = "learned" in cell
        lam = ", ".join(_fmt_complex(z) for z in cell["learned"].values) if spectra else "—"
        return [str(int(cell["step"])), f"{float(cell['loss']):.3e}", lam,
                str(int(cell["n_outliers"])) if spectra else "—", f"{float(cell['dW_rel']):.3f}"]

    return network_rows(ds, cols, cells)


def notes(ds: xr.Dataset) -> list[str]:
    """The theory's final eigenvalue(s) and initial loss, under the headline table."""
    if "initial_loss_theory" not in ds:
        return []
    tgt = ds["target_eig_theory"].values.ravel()
    tgt = ", ".join(_fmt_complex(z) for z in np.unique(tgt[np.isfinite(tgt)]))
    return [f"theory: final eigenvalue(s) {tgt}; initial loss {float(np.nanmax(ds['initial_loss_theory'].values)):.4f}"]


def _fmt_complex(z: complex) -> str:
    if abs(z.imag) < 5e-4:
        return f"{z.real:.4f}"
    return f"{z.real:.4f}{z.imag:+.4f}i"


# ----------------------------------------------------------------------------- figures


def figures(ds: xr.Dataset, outdir) -> list:
    """Write the family's figures; returns their paths."""
    from pathlib import Path

    from learndyn.plots import (
        kernel_theory_overlay,
        large_n_theory_overlay,
        loss_curves,
        outlier_trajectory,
        residue_trajectory,
        rich_lazy_summary,
        save_figure,
        spectrum_over_training,
    )

    outdir = Path(outdir)
    name = ds.attrs.get("experiment", "integrate")
    gdims = list(ds.attrs.get("grid_keys", {}))
    paths = []
    if not ds.sizes.get("step", 0):
        return paths
    gap = _gap_or_none(ds)
    if gap is not None:
        paths.append(save_figure(kernel_theory_overlay(ds, gap, title=f"{name}: simulation vs large-N kernel "
                                                       f"theory\n{LABEL}"), outdir / "kernel_theory.png"))
    large = _gap_or_none(ds, "loss_large_n_theory")
    if large is not None:
        paths.append(save_figure(large_n_theory_overlay(ds, large, title=f"{name}: simulation vs the N → ∞ "
                                                        f"theory of the whole run\n{LABEL}"),
                                 outdir / "large_n_theory.png"))
    if "eig" not in ds:  # record.spectra = false: loss curves only
        if not gdims:
            paths.append(save_figure(loss_curves(ds, title=f"{name} — {LABEL}", theory_dashed=True),
                                     outdir / "loss.png"))
        return paths
    if gdims:
        keys = ds.attrs["grid_keys"]
        sigma = next((d for d in gdims if keys[d] == "model.sigma"), None)
        if sigma is not None:  # the rich-lazy summary is a figure over the bulk radius σ only
            rest = {d: 0 for d in gdims if d != sigma}
            paths.append(save_figure(rich_lazy_summary(ds.isel(rest), dim=sigma, title=f"{name} — {LABEL}"
                                                       + "".join(f", {keys[d]} = {ds[d].values[0]:g}" for d in rest)),
                                     outdir / "rich_lazy.png"))
        dim = gdims[0]
        others = {d: 0 for d in gdims[1:]}
        for i, value in enumerate(ds[dim].values):
            cell = ds.isel({dim: i, **others})
            tag = ", ".join(f"{keys[d]} = {ds[d].values[j]:g}" for d, j in {dim: i, **others}.items())
            paths.append(save_figure(spectrum_over_training(cell, title=f"spectrum over training, {tag}"),
                                     outdir / f"spectrum_{dim}_{value:g}.png"))
        return paths
    dashed = float(ds["sigma_net"].max()) > 0 or ds.attrs.get("init_uv") != "orthonormal"
    sub = f"{name} — {LABEL}"
    paths.append(save_figure(loss_curves(ds, title=sub, theory_dashed=dashed), outdir / "loss.png"))
    paths.append(save_figure(spectrum_over_training(ds, title="spectrum of W over training (seed 0)"),
                             outdir / "spectrum.png"))
    paths.append(save_figure(outlier_trajectory(ds, title=sub, theory_dashed=dashed),
                             outdir / "outlier.png"))
    paths.append(save_figure(residue_trajectory(ds, title="residues of the learned modes"),
                             outdir / "residues.png"))
    return paths


def _gap_or_none(ds: xr.Dataset, theory: str = "loss_kernel_theory") -> xr.Dataset | None:
    """The gap of the seed mean to a large-N theory curve (``loss_kernel_theory``: the kernel level;
    ``loss_large_n_theory``: the whole run) where it is defined — the theory is in the set and there
    is one learning rate per grid point — else ``None``."""
    if theory not in ds:
        return None
    try:
        return (kernel_theory_gap if theory == "loss_kernel_theory" else large_n_theory_gap)(ds)
    except ValueError:  # lr = 'auto' with per-seed learning rates: no common τ grid
        return None


def recurrent_weights(built: Built, params) -> np.ndarray:
    """``(net, n, n)`` recurrent matrices ``W`` for the weight snapshots (``learndyn analyze``)."""
    return np.asarray(params.w)
