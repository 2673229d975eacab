"""The linear-RNN experiment family through the one runner (Proca et al. 2025 (docs/lrnn.md; checks in docs/reproductions.md) §4–5, fast checks)."""

import json

import numpy as np
import pytest

import learndyn
from learndyn.experiments import validate_spec
from learndyn.experiments._registry import default_data


def _spec(name, sets=(), seeds=None, grid=None):
    if grid is None:
        return learndyn.resolve_spec(name, list(sets), seeds=seeds)
    data = default_data(name)
    data["grid"] = grid
    spec = validate_spec(data)
    return learndyn.resolve_spec(name, list(sets), seeds=seeds).model_copy(update={"grid": spec.grid})


def test_check1_mode_odes_track_full_matrix_gd(tmp_path):
    """§5 check 1 (acceptance 2): aligned full-matrix GD vs the mode ODE at every 200th step —
    modes within 5e-3, loss within 1 %, off-diagonal coupling ≤ 1e-10; final values; summary keys;
    theory and simulation in one result set with one figure overlaying both (acceptance 5)."""
    ds = learndyn.run(_spec("lrnn-modes", seeds=1), tmp_path / "run")
    assert list(ds["step"].values[:3]) == [0, 200, 400] and int(ds["step"][-1]) == 12000
    assert float(abs(ds["b"] - ds["b_theory"]).max()) <= 5e-3
    assert float(abs(ds["ac"] - ds["ac_theory"]).max()) <= 5e-3
    assert float((abs(ds["loss"] - ds["loss_theory"]) / ds["loss_theory"]).max()) <= 0.01
    assert float(ds["offdiag"].max()) <= 1e-10
    last = ds.isel(step=-1, seed=0)
    np.testing.assert_allclose(last["b"], [0.9, 0.7, 0.4992, 0.9993], atol=1e-3)
    np.testing.assert_allclose(last["ac"], [1.0, 0.8, 0.6005, 0.4007], atol=1e-3)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    for key in ("final_loss", "mode_strengths", "mode_error"):
        assert key in summary["metrics"]
    assert summary["metrics"]["mode_error"][0] <= 5e-3
    assert (tmp_path / "run" / "figures" / "modes.png").is_file()


def test_check2_discrete_mode_gd_equals_full_matrix_gd():
    """§5 check 2: the Euler step on (a, b, c) reproduces the read-back modes of full-matrix GD
    (η = 0.002, 6000 steps) to ≤ 1e-12."""
    sets = ["train.lr=0.002", "train.steps=6000", "record.points=31"]
    net = learndyn.run(_spec("lrnn-modes", sets, seeds=1))
    modes = learndyn.run(_spec("lrnn-modes", sets + ["train.level='modes'"], seeds=1))
    for name in ("a", "b", "c"):
        assert float(abs(net[name] - modes[name]).max()) <= 1e-12


def test_mean_loss_time_scale_overlays_theory():
    """§3.11 / pitfall P1: with the mean loss (no ½) and sum whitening τ = P·N_y/(2η); choosing
    η = P·N_y/2000 gives τ = 1000 steps and the same overlay as check 1."""
    sets = ["train.loss='mean'", f"train.lr={400 * 4 / 2000}", "train.steps=4000", "record.points=21"]
    ds = learndyn.run(_spec("lrnn-modes", sets, seeds=1))
    assert float(ds["tau_steps"].max()) == pytest.approx(1000)
    assert float(abs(ds["b"] - ds["b_theory"]).max()) <= 5e-3
    assert float((abs(ds["loss"] - ds["loss_theory"]) / ds["loss_theory"]).max()) <= 0.01


def test_frozen_recurrence_follows_the_closed_form():
    """§3.4 through the runner: W_h frozen, a = c at init ⇒ ac(t) follows the sigmoid of Eq. 47."""
    ds = learndyn.run(_spec("lrnn-modes", ["train.params=['W_x', 'W_y']", "train.steps=6000",
                                           "record.points=31"], seeds=1))
    assert float(abs(ds["b"] - 0.1).max()) <= 1e-12
    assert float(abs(ds["ac"] - ds["u_closed_form"]).max()) <= 5e-3


def test_check8_larger_and_later_learned_faster():
    """§5 check 8: late importance (δ 1.1, λ 0.5) is learned before early importance (δ 0.5, λ 1.1);
    both reach their targets by step 3000; values at step 300."""
    ds = learndyn.run(_spec("lrnn-temporal-order", ["record.points=1501"]))  # every 2nd step
    at = ds.sel(step=300).isel(seed=0)
    np.testing.assert_allclose(at["ac"], [1.057, 0.231], atol=0.01)
    np.testing.assert_allclose(at["b"], [0.507, 0.287], atol=0.01)
    last = ds.isel(step=-1, seed=0)
    np.testing.assert_allclose(last["ac"], [1.1, 0.5], atol=1e-3)
    np.testing.assert_allclose(last["b"], [0.5, 1.1], atol=1e-3)
    steps = learndyn.families.lrnn.experiment.learned_step(ds).isel(seed=0).values
    assert abs(steps[0] - 292) <= 5 and abs(steps[1] - 444) <= 5 and steps[0] < steps[1]


def test_check11_ntk_distance_one_cell_and_lazy_t1():
    """§5 check 11 (fast cells): aligned init, T = 2, scale 0.12 → D = 0.452 ± 0.02; T = 1 → D ≤ 1e-6."""
    ds = learndyn.run(_spec("lrnn-ntk", ["train.steps=8000", "record.points=4"],
                            grid={"task.length": [1, 2], "model.init_scale": [0.118889, 0.5]}))
    d = ds["kernel_distance"].isel(seed=0)
    # the grid dim is "task.length": "length" is the dim of the extrapolation lengths
    assert float(abs(d.sel({"task.length": 1})).max()) <= 1e-6
    assert abs(float(d.sel({"task.length": 2, "init_scale": 0.118889})) - 0.452) <= 0.02
    assert abs(float(d.sel({"task.length": 2, "init_scale": 0.5})) - 0.127) <= 0.02
    assert float(ds["loss"].isel(step=-1).max()) < 1e-6  # trained until L < 1e-6


def test_extrapolation_constant_and_inverse_exponential_but_not_exponential():
    """§4.4: after training at T = 5, constant and inverse-exponential modes have zero error at every
    T'; the exponential mode's error is zero at T' = T and grows with |T' − T|; theory agrees."""
    ds = learndyn.run(_spec("lrnn-extrapolation", ["train.steps=8000", "record.points=8"], grid={"task.lam": [0.8]}))
    err = ds["test_loss_mode"].isel(step=-1, seed=0, lam=0)
    assert float(err.isel(mode=slice(0, 2)).max()) <= 1e-12
    exp = err.isel(mode=2).values
    t = ds["length"].values
    assert exp[t == 5][0] <= 1e-12
    assert np.all(np.diff(exp[t >= 5]) > 0) and np.all(exp[t != 5] > 1e-3)
    th = ds["test_loss_mode_theory"].isel(seed=0, lam=0, mode=2).values
    np.testing.assert_allclose(exp, th, rtol=1e-3, atol=1e-10)


def test_modified_constant_task_jumps_from_feedforward_to_recurrent():
    """§3.8 / §4.3: small δ keeps the feed-forward solution (b ≈ 0, ac ≈ κ); large δ the recurrent one
    (b ≈ 1); critical points of the Dirac scan in the summary (acceptance 3)."""
    ds = learndyn.run(_spec("lrnn-phase-transition", ["record.points=5", "train.steps=20000"],
                            grid={"task.delta": [0.0, 2.0], "task.kappa": [0.6]}))
    last = ds.isel(step=-1, seed=0, mode=0, kappa=0)
    assert abs(float(last["b"].sel(delta=0.0))) < 1e-3 and abs(float(last["ac"].sel(delta=0.0)) - 0.6) < 1e-3
    assert 0.9 < float(last["b"].sel(delta=2.0)) < 1.2
    crit = learndyn.experiments.summary_dict(ds)["theory"]["critical_point"]
    assert abs(crit[3] - 1 / np.sqrt(2)) <= 0.01 and abs(crit[4] - 1.0) <= 0.01


@pytest.mark.parametrize(("args", "fragment"), [
    (["lrnn-modes", "--set", "task.delta=[1, 2]"], "task.delta has 2 values"),
    (["lrnn-modes", "--set", "task.samples=10"], "must exceed task.length·task.n"),
    (["sensory-integration", "--set", "model.init='aligned'"], "needs task.kind = 'correlation'"),
    (["lrnn-modes", "--set", "task.dynamics='sine'"], "task.dynamics"),
    (["sensory-integration", "--set", "train.level='modes'"], "train.level = 'modes'"),
])
def test_bad_lrnn_input_is_one_line_exit_2(tmp_path, args, fragment):
    from typer.testing import CliRunner

    from learndyn.cli import app

    result = CliRunner().invoke(app, ["run", *args, "--out", str(tmp_path / "x")])
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()
