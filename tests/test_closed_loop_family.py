"""The closed-loop experiment family through the one runner: phases, identities, resume, bad input."""

import json

import jax.numpy as jnp
import numpy as np
import pytest

import learndyn
from learndyn.training.closed_loop import RegulationLoss

SMALL_NONLINEAR = ["model.n=20", "train.steps=12", "train.batch=20", "record.points=13"]


def test_closed_vs_open_shares_epoch0_and_records_both_loops():
    """The student starts from the closed-loop epoch-0 weights: identical epoch-0 test loss and gains."""
    spec = learndyn.resolve_spec("closed-loop-nonlinear", SMALL_NONLINEAR, seeds=2)
    ds = learndyn.run(spec)
    assert list(ds["loop"].values) == ["closed", "open"]
    t0 = ds["test_loss"].sel(step=0)
    np.testing.assert_array_equal(t0.sel(loop="closed").values, t0.sel(loop="open").values)
    np.testing.assert_array_equal(ds["gains"].sel(step=0, loop="closed").values,
                                  ds["gains"].sel(step=0, loop="open").values)
    # closed-loop training reduces the closed-loop test loss; both loops trained all steps
    assert np.all(ds["test_loss"].sel(loop="closed").isel(step=-1) < t0.sel(loop="closed"))
    assert np.isfinite(ds["test_loss"].sel(loop="open").isel(step=-1)).all()
    summary = learndyn.experiments.summary_dict(ds)
    for key in ("final_test_loss", "ep_of_stab", "stage1_end", "final_gains", "final_eigenvalues",
                "open_peak_test_loss", "open_peak_epoch"):
        assert len(summary["metrics"][key]) == 2


def test_resume_inside_second_phase_equals_uninterrupted(tmp_path):
    """Interrupt during the open-loop phase, resume: the results equal an uninterrupted run."""
    spec = learndyn.resolve_spec("closed-loop-nonlinear", SMALL_NONLINEAR + ["record.writes=4"], seeds=1)
    full = learndyn.run(spec)

    class Stop(Exception):
        pass

    def stop_in_open(step, total):
        if step >= total * 3 // 4:
            raise Stop

    out = tmp_path / "run"
    with pytest.raises(Stop):
        learndyn.run(spec, out, progress=stop_in_open)
    partial = learndyn.load_run(out)
    assert not partial.attrs["complete"]
    resumed = learndyn.run(spec, out, resume=True)
    for name in ("test_loss", "train_loss", "gains"):
        np.testing.assert_array_equal(resumed[name].values, full[name].values)


def test_rank1_stage_one_and_exact_loss_identity():
    """Rank-1 run: stage 1 (loss falls ≥ 100× within 30 epochs from a σ_zm > 0 start); the recorded
    exact loss equals the P_eff loss of the recorded overlaps (P ≡ P_eff)."""
    spec = learndyn.resolve_spec("closed-loop-rank1", ["train.steps=30", "model.zm_start=0.1",
                                                       "record.points=31"], seeds=2)
    ds = learndyn.run(spec)
    test = ds["test_loss"].sel(loop="closed")
    assert np.all(test.isel(step=0) / test.isel(step=-1) > 100)
    np.testing.assert_allclose(ds["overlaps"].sel(step=0, loop="closed", ov="s_zm"), 0.1, rtol=1e-12)
    from learndyn.experiments.closed_loop import _p_eff_loss

    f = _p_eff_loss(spec, 0.0, 50.0)
    for seed in range(2):
        ov = ds["overlaps"].isel(seed=seed, step=-1).sel(loop="closed").values[:4]
        exact = float(ds["exact_loss"].isel(seed=seed, step=-1).sel(loop="closed"))
        assert abs(float(f(jnp.asarray(ov))) - exact) < 1e-9 * exact
    # σ_zm falls linearly under clipping in stage 1 (≈ lr·‖m‖ per epoch)
    s = ds["overlaps"].sel(loop="closed", ov="s_zm").isel(seed=0).values
    mm = float(ds["overlaps"].sel(loop="closed", ov="mm").isel(seed=0, step=0))
    assert abs((s[0] - s[5]) / 5 - 1e-2 * np.sqrt(mm)) < 0.3e-2 * np.sqrt(mm)


def test_control_cost_conventions():
    """per_sample: β Σ_t dt mean_b u²; reference: (β/100) Σ_t dt Σ_b u² — equal at B = 100 only."""
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(100, 50, 2)))
    u = jnp.asarray(rng.normal(size=(100, 50, 1)))
    a = RegulationLoss("sum", 1.0, 0.5, "per_sample")(x, u)
    b = RegulationLoss("sum", 1.0, 0.5, "reference")(x, u)
    assert abs(float(a) - float(b)) < 1e-9 * float(a)
    a50 = RegulationLoss("sum", 1.0, 0.5, "per_sample")(x[:50], u[:50])
    b50 = RegulationLoss("sum", 1.0, 0.5, "reference")(x[:50], u[:50])
    state = RegulationLoss("sum", 1.0, 0.0)(x[:50], u[:50])
    assert abs((float(b50) - float(state)) - 0.5 * (float(a50) - float(state))) < 1e-9 * float(a50)


def test_tracking_runs_both_loops_with_probes():
    """Tracking (small): probes in increasing ω, teacher-forced student, silent start ≈ a²/2 on y."""
    spec = learndyn.resolve_spec("tracking", ["model.n=16", "train.steps=3", "train.batch=8",
                                              "train.test_batch=8", "record.points=4"], seeds=1)
    ds = learndyn.run(spec)
    np.testing.assert_allclose(ds["probe_omega"].values, 2 * np.pi * np.array([0.1, 0.2, 0.3, 0.4]))
    assert ds["probe_loss"].sizes["probe"] == 4 and ds["eig_w"].sizes["unit"] == 16
    assert np.isfinite(ds["test_loss"].sel(loop="open")).all()
    # with the tiny initial readout the controller is nearly silent: y-probe loss ≈ mean r² ≈ a²/2
    y_probe = float(ds["probe_loss"].isel(seed=0, step=0).sel(loop="closed").isel(probe=1))
    assert abs(y_probe - 2.31**2 / 2) < 0.3


def test_surrogate_experiment_entry_order():
    """closed-loop-surrogate through the runner: entry steps decrease with α; α = 0 never enters."""
    from learndyn.experiments.closed_loop_surrogate import entry_step

    ds = learndyn.run(learndyn.default_spec("closed-loop-surrogate"))
    enter = entry_step(ds)
    assert enter[0] == -1
    assert enter[1] > enter[2] > enter[3] > 0


@pytest.mark.parametrize(("args", "fragment"), [
    (["closed-loop-rank1", "--set", "model.activation='tanh'"], "model.kind='rank1'"),
    (["closed-loop-rank1", "--set", "train.optimiser='adam'"], "unknown key 'train.optimiser'"),
    (["closed-loop-nonlinear", "--set", "train.method='exact'"], "train.method='exact'"),
    (["closed-loop-rank1", "--set", "train.restart_step=2000"], "restart_step"),
])
def test_bad_closed_loop_input_is_one_line_exit_2(tmp_path, args, fragment):
    from typer.testing import CliRunner

    from learndyn.cli import app

    result = CliRunner().invoke(app, ["run", *args, "--out", str(tmp_path / "x")])
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


def test_summary_json_is_valid(tmp_path):
    spec = learndyn.resolve_spec("closed-loop-rank1", ["train.steps=5", "model.n=10", "record.points=6"], seeds=1)
    learndyn.run(spec, tmp_path / "r")
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["experiment"] == "closed-loop-rank1" and summary["status"] == ["ok"]
    assert (tmp_path / "r" / "figures" / "loss.png").is_file()
