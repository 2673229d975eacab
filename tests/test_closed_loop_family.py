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
    m, steps = summary["metrics"], ds["step"].values
    for s in range(2):  # the peak is the open student's largest test loss; the ratio is read there
        o, c = (ds["test_loss"].isel(seed=s).sel(loop=lp).values for lp in ("open", "closed"))
        i = int(np.argmax(o))
        assert m["open_peak_test_loss"][s] == o[i] and m["open_peak_epoch"][s] == steps[i]
        assert abs(m["open_peak_ratio"][s] - o[i] / c[i]) <= 1e-12 * o[i] / c[i]
        assert m["open_peak_rises"][s] == bool(o[i] > o[0])
        assert m["open_max_ratio"][s] == np.max(o / c) and m["open_max_ratio_epoch"][s] == steps[np.argmax(o / c)]


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
    from learndyn.families.closed_loop.experiment import _p_eff_loss

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
    m = learndyn.experiments.summary_dict(ds)["metrics"]
    assert m["acquisition_epochs"] == [[None] * 4] and m["acquisition_pair_mismatch"] == [[None] * 4]


@pytest.mark.parametrize(("scale", "clamped"), [(0.1, False), (2.0, True)])
def test_superposed_tracking_loss_equals_the_rolled_out_batch(scale, clamped):
    """Linear controller, tracking plant: loss and gradient of 16 episodes from the 8 basis episodes
    equal the 16 rolled out (1e-10), closed loop and teacher-forced imitation; with the clamp
    reached, the fallback gives the same."""
    import jax
    import jax.random as jr

    from learndyn.envs import (TrackingReference, reference_basis, reference_coefficients, tracking_plant,
                               tracking_reference)
    from learndyn.models import init_leaky_controller
    from learndyn.training.closed_loop import (ControllerDynamics, closed_loop_rollout, imitation_loss,
                                               superposed_imitation_loss, superposed_tracking_loss, tracking_loss)

    ref, plant, dyn = TrackingReference(), tracking_plant(0.1, 10.0), ControllerDynamics(0.1, "linear")
    p = init_leaky_controller(key=jr.key(0), n=24, d_in=4, d_out=2, g=0.2, in_init="uniform", in_scale=scale,
                              out_init="uniform", out_scale=scale)

    def rolled(p):
        r = tracking_reference(jr.key(1), ref, 16)
        x = closed_loop_rollout(p, plant, jnp.zeros((16, 4)), dyn, steps=300, reference=r, silent_first=False)
        return tracking_loss(x["x_next"], r, plant.dt), jnp.max(jnp.abs(x["x_next"]))

    coef, basis = reference_coefficients(jr.key(1), ref, 16), jnp.asarray(reference_basis(ref))
    (a, reach), ga = jax.value_and_grad(rolled, has_aux=True)(p)
    b, gb = jax.value_and_grad(lambda p: superposed_tracking_loss(p, plant, dyn, coef, basis))(p)
    assert (float(reach) >= 10.0) == clamped
    assert abs(float(a - b)) <= 1e-10 * float(a)
    for x, y in zip(jax.tree.leaves(ga), jax.tree.leaves(gb)):
        assert float(jnp.max(jnp.abs(x - y))) <= 1e-10 * float(jnp.max(jnp.abs(x)))
    with pytest.raises(ValueError, match="linear controller"):
        superposed_tracking_loss(p, plant, ControllerDynamics(0.1, "tanh"), coef, basis)
    # teacher-forced imitation of another linear controller (the tracking open loop)
    teacher = init_leaky_controller(key=jr.key(2), n=24, d_in=4, d_out=2, g=0.2, in_init="uniform",
                                    in_scale=scale, out_init="uniform", out_scale=scale)

    def imitation(p):
        r = tracking_reference(jr.key(1), ref, 16)
        u_t = closed_loop_rollout(teacher, plant, jnp.zeros((16, 4)), dyn, steps=300, reference=r,
                                  silent_first=False)["u"]
        s = closed_loop_rollout(p, plant, jnp.zeros((16, 4)), dyn, steps=300, reference=r, silent_first=False,
                                control=u_t)
        return imitation_loss(s["u"], u_t, plant.dt, "mean")

    a, ga = jax.value_and_grad(imitation)(p)
    b, gb = jax.value_and_grad(lambda p: superposed_imitation_loss(p, teacher, plant, dyn, coef, basis))(p)
    assert abs(float(a - b)) <= 1e-10 * float(a)
    for x, y in zip(jax.tree.leaves(ga), jax.tree.leaves(gb)):
        assert float(jnp.max(jnp.abs(x - y))) <= 1e-10 * float(jnp.max(jnp.abs(x)))


def test_train_input_open_trains_w_in_only_in_the_student():
    """train.train_input = 'open' (the reference's tracking run): W_in fixed in the closed loop,
    trained in the open-loop student; true trains it in both; false in neither."""
    import jax.random as jr

    from learndyn.families.closed_loop.experiment import init_controller, trainable_mask

    for value, closed, opened in (("'open'", False, True), ("true", True, True), ("false", False, False)):
        spec = learndyn.resolve_spec("tracking", [f"train.train_input={value}", "model.n=8"])
        p = init_controller(spec, jr.key(0))
        assert trainable_mask(spec, p, "closed").w_in is closed
        assert trainable_mask(spec, p, "open").w_in is opened
        assert trainable_mask(spec, p, "open").w is True


def test_acquisition_and_pair_mismatch_on_a_synthetic_history():
    """Acquisition = first epoch whose centred 51-epoch mean is < 1; mismatch = min |Im λ − ω|/ω there."""
    from learndyn.analysis import (acquisition_epochs, frequency_mismatch, mismatch_at_acquisition,
                                   pair_around_acquisition)

    steps = np.arange(400)
    probe = np.stack([np.where(steps < 150, 2.5, 0.1), np.full(400, 2.5)], axis=-1)  # probe 1 never learnt
    # a pair whose imaginary part rises linearly 0 → 0.8 over the run, plus a fixed real bulk
    im = 0.002 * steps
    eig = np.stack([np.full(400, 0.1 + 0j), 0.5 + 1j * im, 0.5 - 1j * im], axis=-1)
    # the centred mean is < 1 once ≥ 32 of its 51 records are 0.1 (0.1 f + 2.5 (1 − f) < 1): epoch 156
    mean_at = lambda e: probe[max(0, e - 25):e + 26, 0].mean()  # noqa: E731
    expected = next(int(e) for e in steps if e >= 25 and mean_at(e) < 1.0)
    assert expected == 156 and acquisition_epochs(probe, steps) == [expected, None]
    omegas = np.array([0.5, 1.0])
    got = mismatch_at_acquisition(probe, eig, steps, omegas)
    assert got[1] is None
    assert abs(got[0] - abs(0.002 * expected - 0.5) / 0.5) < 1e-12
    assert abs(frequency_mismatch(np.array([0.3 + 0.45j, 0.3 - 0.45j, 0.9]), 0.5) - 0.1) < 1e-12
    # the pair around the acquisition: Im/ω = 0.002 e / 0.5 at e = 156, and 300 epochs later (capped
    # by the run's last epoch 399) the largest Im nearest ω = 0.5 is 0.002·399 = 0.798 → 1.596
    rise = pair_around_acquisition(probe[:, 0], eig, steps, 0.5)
    assert rise["acquisition"] == 156 and abs(rise["at"] - 0.002 * 156 / 0.5) < 1e-12
    assert abs(rise["reached"] - 0.002 * 399 / 0.5) < 1e-12
    assert abs(pair_around_acquisition(probe[:, 0], eig, steps, 0.5, after=44)["reached"] - 0.8) < 1e-12
    assert pair_around_acquisition(probe[:, 1], eig, steps, 1.0) is None


def test_surrogate_experiment_entry_order():
    """closed-loop-surrogate through the runner: entry steps decrease with α; α = 0 never enters."""
    from learndyn.families.closed_loop.surrogate import entry_step

    ds = learndyn.run(learndyn.default_spec("closed-loop-surrogate"))
    enter = entry_step(ds)
    assert enter[0] == -1
    assert enter[1] > enter[2] > enter[3] > 0


@pytest.mark.parametrize(("args", "fragment"), [
    (["closed-loop-rank1", "--set", "model.activation='tanh'"], "model.kind='rank1'"),
    (["closed-loop-rank1", "--set", "train.optimiser='adam'"], "unknown key 'train.optimiser'"),
    (["closed-loop-nonlinear", "--set", "train.method='exact'"], "train.method='exact'"),
    (["closed-loop-rank1", "--set", "train.restart_step=2000"], "restart_step"),
    (["tracking", "--set", "train.train_input='both'"], "train.train_input"),
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
