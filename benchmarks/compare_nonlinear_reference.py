"""Non-linear controller, closed vs open loop: learndyn beside the reference code, over seeds.

Item 9 of the closed-loop acceptance (Ger & Barak 2025, Figs 1c and 2): the open-loop student's
closed-loop test loss *peaks* (rises above its start) far above the closed loop's, the final test
losses agree, and the closed-loop gains enter the stable wedge first. The published curves are one
unseeded run; this script asks the same questions of both implementations over several seeds, with
the notebook's own initialisation (W = 0.1·N(0, 1/N), input and readout weights N(0, 0.01²)):

* the reference: the authors' PyTorch code, read at run time from a local snapshot of
  github:yoavger/closed_loop_rnn_learning_dynamics (never copied into learndyn). The cells of
  `code/train_non_linear.ipynb` are executed as they are — closed-loop training (1001 epochs,
  a checkpoint per epoch), the open-loop student from the closed-loop epoch-0 weights with the
  epoch-1000 teacher, then the evaluation cell (test loss and effective gains per checkpoint) —
  after ``np.random.seed(s)``, ``torch.manual_seed(s)``; only its plots are skipped (Agg backend);
* learndyn: `learndyn run closed-loop-nonlinear` with the same init, all seeds in one run, every
  epoch recorded.

Test losses are in the published (sum) form, Σ_t mean_b ‖x_t‖²: the notebook's evaluation cell
averages over (t, b, component), i.e. 100× less, so its numbers are multiplied by 100.

Writes the section "non-linear closed vs open vs reference" of benchmarks/RESULTS.md and the figure
docs/figures/closed_loop/nonlinear_vs_reference.png; per-seed reference histories are kept in
``--out`` (a rerun reuses them).

    python benchmarks/compare_nonlinear_reference.py [--seeds 5] [--jobs 2]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _reference import (DRIVER_HEAD, provenance_lines, reference_arguments, reference_paths,  # noqa: E402
                        run_notebook_seeds)
from _results import write_section  # noqa: E402

SECTION = "non-linear closed vs open vs reference"
FIGURE = Path(__file__).parents[1] / "docs" / "figures" / "closed_loop" / "nonlinear_vs_reference.png"
# the notebook's init and all three matrices trained: the registered defaults, restated so that a
# change of the defaults cannot silently change what this script compares
NOTEBOOK_INIT = ["model.g=0.1", "model.in_scale=0.01", "model.out_scale=0.01", "train.train_input=true"]

DRIVER = DRIVER_HEAD + r'''
closed = next(c for c in cells if "net_name = 'closed_loop'" in c and "train_rnn(" in c)
student = next(c for c in cells if "train_rnn_teacher_student(" in c)
evaluate = next(c for c in cells if "all_paths" in c and "LinearRegression" in c)
evaluate = evaluate[:evaluate.index("colors = [")]     # stop before the plots and the LQR landscape
exec(closed, g)
exec(student, g)
exec(evaluate, g)
np.savez(out, closed_train=np.array(g["loss"]), open_train=np.array(g["loss2"]),
         test=np.array(g["all_loss"]) * 100, gains=np.array(g["all_k"]), torch=torch.__version__)
'''


def run_learndyn(seeds: int, out: Path, init: list[str]):
    """All seeds in one learndyn run, every epoch recorded (reused if ``out`` already holds it)."""
    import learndyn

    spec = learndyn.resolve_spec("closed-loop-nonlinear", init + ["record.points=1001", "record.spacing='linear'"],
                                 seeds=seeds)
    path = out / "learndyn"
    if (path / "summary.json").exists():  # a finished run of an earlier call (delete --out to rerun)
        return learndyn.experiments.load_run(path), None
    t0 = time.perf_counter()
    ds = learndyn.run(spec, out=path, force=True)
    return ds, time.perf_counter() - t0


def seed_metrics(closed_test: np.ndarray, open_test: np.ndarray, closed_gains: np.ndarray,
                 open_gains: np.ndarray) -> dict:
    """The quantities of item 9 for one seed, from per-epoch test losses (sum form) and gains (epochs 0…999)."""
    from learndyn.theory.closed_loop import ep_of_stab, reduced_matrix

    def stab(gains):
        radius = np.max(np.abs(np.linalg.eigvals(reduced_matrix(gains[:, 0], gains[:, 1]))), axis=-1)
        return ep_of_stab(radius)

    peak = int(np.argmax(open_test))
    ratio = open_test / closed_test
    above = np.flatnonzero(ratio >= 100)
    m = {
        "test0": float(closed_test[0]),
        "open_peak": float(open_test[peak]), "open_peak_epoch": peak,
        "open_rises": bool(open_test[peak] > open_test[0]),
        "ratio_at_open_peak": float(ratio[peak]),
        "max_ratio": float(np.max(ratio)), "max_ratio_epoch": int(np.argmax(ratio)),
        "ratio_above_100": (int(above[0]), int(above[-1])) if above.size else None,
        "closed_24": float(closed_test[24]), "closed_60": float(closed_test[60]),
        "closed_stab": stab(closed_gains), "open_stab": stab(open_gains),
        "closed_final": float(closed_test[-1]), "open_final": float(open_test[-1]),
        "closed_final_gains": closed_gains[-1].tolist(), "open_final_gains": open_gains[-1].tolist(),
    }
    a, b = m["closed_final"], m["open_final"]
    m["item9"] = {
        "peak": m["open_rises"] and m["ratio_at_open_peak"] >= 100,
        "finals": abs(a - b) <= 0.2 * max(a, b),
        "closed_first": m["closed_stab"] is not None and (m["open_stab"] is None or m["closed_stab"] < m["open_stab"]),
    }
    return m


def reference_rows(files: list[Path]) -> tuple[list[dict], list[dict]]:
    rows, curves = [], []
    for f in files:
        d = np.load(f)
        rows.append(seed_metrics(d["test"][0], d["test"][1], d["gains"][0], d["gains"][1]))
        curves.append({"closed": d["test"][0], "open": d["test"][1], "gains": d["gains"]})
    return rows, curves


def learndyn_rows(ds) -> tuple[list[dict], list[dict]]:
    rows, curves = [], []
    test = ds["test_loss"].sel(step=slice(0, 999))
    gains = ds["gains"].sel(step=slice(0, 999))
    for s in range(ds.sizes["seed"]):
        c, o = (test.isel(seed=s).sel(loop=lp).values for lp in ("closed", "open"))
        gc, go = (gains.isel(seed=s).sel(loop=lp).values for lp in ("closed", "open"))
        rows.append(seed_metrics(c, o, gc, go))
        curves.append({"closed": c, "open": o, "gains": np.stack([gc, go])})
    return rows, curves


def figure(curves: dict, published: dict | None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from learndyn.plots import save_figure

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    epochs = np.arange(1000)
    for ax, impl in zip(axes[:2], ("reference", "learndyn")):
        for k, c in enumerate(curves[impl]):
            ax.plot(epochs + 1, c["closed"], color="tab:blue", lw=1, alpha=0.7, label="closed loop" if k == 0 else None)
            ax.plot(epochs + 1, c["open"], color="tab:red", lw=1, alpha=0.7, label="open loop" if k == 0 else None)
        if published is not None:
            ax.plot(epochs + 1, published["closed"], color="k", lw=1.5, ls="--", label="published closed")
            ax.plot(epochs + 1, published["open"], color="0.4", lw=1.5, ls=":", label="published open")
        ax.set(xscale="log", yscale="log", xlabel="epoch + 1", ylabel="closed-loop test loss Σ_t mean_b ‖x_t‖²",
               title=f"{impl} ({len(curves[impl])} seeds, notebook init)")
        ax.legend(fontsize=7)
    ax = axes[2]
    k1 = np.linspace(-1.2, 0.6, 2)
    ax.fill_between([-1.2, 0], [-1.2, 0], -1.2, color="tab:green", alpha=0.12, label="stable wedge")
    for impl, colour in (("reference", "0.5"), ("learndyn", "tab:blue")):
        for k, c in enumerate(curves[impl]):
            ax.plot(*c["gains"][0].T, color=colour, lw=1, label=f"{impl} closed" if k == 0 else None)
            ax.plot(*c["gains"][1].T, color=colour, lw=1, ls=":", label=f"{impl} open" if k == 0 else None)
    ax.plot(k1, k1, color="k", lw=0.5)
    ax.set(xlim=(-0.6, 0.1), ylim=(-1.2, 0.2), xlabel="k1", ylabel="k2", title="effective gains (closed —, open ⋯)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, FIGURE)


def published_curves() -> dict | None:
    """The published non-linear run, read from ``LEARNDYN_REFERENCE_DIR`` if it holds the arrays
    (they are the authors' and are not shipped with learndyn); ``None`` otherwise."""
    from learndyn.families.closed_loop.experiment import reference_dir

    ref = reference_dir()
    if ref is None or not (ref / "nonlinear_closed.npz").exists():
        return None
    closed, open_ = (np.load(ref / f"nonlinear_{k}.npz") for k in ("closed", "open"))
    gains = np.load(ref / "nonlinear_gains.npz")["k_eff"]
    return {"closed": closed["test_loss"], "open": open_["test_loss"], "gains": gains}


def _fmt_row(impl: str, s: int, m: dict) -> str:
    span = "–" if m["ratio_above_100"] is None else f"{m['ratio_above_100'][0]}–{m['ratio_above_100'][1]}"
    stab = lambda e: "never" if e is None else str(e)  # noqa: E731
    ok = "".join("✓" if v else "✗" for v in m["item9"].values())
    g = lambda k: f"({k[0]:.3f}, {k[1]:.3f})"  # noqa: E731
    return (f"| {impl} | {s} | {m['test0']:.3g} | {m['open_peak']:.3g} @ {m['open_peak_epoch']}"
            f"{'' if m['open_rises'] else ' (= start)'} | {m['ratio_at_open_peak']:.3g} | "
            f"{m['max_ratio']:.3g} @ {m['max_ratio_epoch']} | {span} | {m['closed_24']:.3g} / {m['closed_60']:.3g} | "
            f"{stab(m['closed_stab'])} / {stab(m['open_stab'])} | {m['closed_final']:.3g} / {m['open_final']:.3g} | "
            f"{g(m['closed_final_gains'])} / {g(m['open_final_gains'])} | {ok} |")


def main() -> None:
    args = reference_arguments(__doc__.splitlines()[0], seeds=5, out="runs/nonlinear-vs-reference").parse_args()
    repo, python = reference_paths(args.reference_repo, args.reference_python)
    t0 = time.perf_counter()
    ref_files = run_notebook_seeds(repo, python, "code/train_non_linear.ipynb", DRIVER, args.seeds, args.out, args.jobs)
    t_ref = time.perf_counter() - t0
    ds, t_ld = run_learndyn(args.seeds, args.out, NOTEBOOK_INIT)
    rows, curves = {}, {}
    rows["reference"], curves["reference"] = reference_rows(ref_files)
    rows["learndyn"], curves["learndyn"] = learndyn_rows(ds)
    published = published_curves()
    path = figure(curves, published)

    lines = provenance_lines(f"python benchmarks/compare_nonlinear_reference.py --seeds {args.seeds}", str(np.load(ref_files[0])["torch"]),
                             "code/train_non_linear.ipynb", "compare-nonlinear-reference") + [
        "- both with the notebook's init: W = 0.1·N(0, 1/N), input and readout weights N(0, 0.01²), all three "
        f"trained (learndyn's registered defaults: `{' '.join(NOTEBOOK_INIT)}`); learndyn: {args.seeds} seeds in one run"
        + ("" if t_ld is None else f", {t_ld:.0f} s") + "; reference: one process per seed"
        + ("" if t_ref < 1 else f", {t_ref:.0f} s for all (cached seeds not rerun)"),
        "- test loss Σ_t mean_b ‖x_t‖² on each implementation's fixed test batch (reference: 10 states, its "
        "evaluation cell × 100; learndyn: its own fixed batch); *open peak*: the open-loop student's largest test "
        "loss (\"= start\" when that is epoch 0, i.e. it never rises above its start); *ratio*: open / closed at that "
        "epoch; *max ratio* over all epochs; *>100×*: first–last epoch with ratio ≥ 100; *stab*: epoch from which "
        "the gains stay in the stable region (ρ(P_red) < 1); item 9: peak (rises and ≥ 100× the closed loop at its "
        "peak) / finals within 20 % / closed gains stable first.",
        "",
        "| impl | seed | epoch-0 test | open peak @ epoch | ratio there | max ratio @ epoch | >100× | closed at 24 / 60 | "
        "stab closed / open | final closed / open | final gains closed / open | item 9 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    if published is not None:
        pm = seed_metrics(published["closed"], published["open"], published["gains"][0], published["gains"][1])
        lines.append(_fmt_row("published", "–", pm))
    for impl in ("reference", "learndyn"):
        for s, m in enumerate(rows[impl]):
            lines.append(_fmt_row(impl, s, m))
    counts = {impl: {k: sum(m["item9"][k] for m in r) for k in ("peak", "finals", "closed_first")}
              for impl, r in rows.items()}
    lines += ["", "Seeds meeting each criterion of item 9 (peak / finals / closed first): "
              + "; ".join(f"{impl} {c['peak']}/{c['finals']}/{c['closed_first']} of {len(rows[impl])}"
                          for impl, c in counts.items())
              + f". Figure: `{path.relative_to(FIGURE.parents[3])}`.", ""]
    print("\n".join(lines))
    print(f"wrote {write_section(SECTION, lines)}")


if __name__ == "__main__":
    sys.exit(main())
