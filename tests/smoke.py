"""Every registered experiment end to end at a tiny size (test_smoke_a.py, test_smoke_b.py).

The sizes below only shrink an experiment (networks, steps, batches, records); its own structure
(task, grid, phases) stays as registered. ``LR`` names the key and two values of the learning-rate
grid each experiment is also run with.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import learndyn
from learndyn.errors import ConfigError
from learndyn.experiments import validate_spec

TINY: dict[str, list[str]] = {
    "integrate": ["model.n=6", "train.steps=6", "record.points=3", "record.snapshots=2"],
    "closed-loop": ["model.n=6", "train.steps=4", "train.batch=4", "train.horizon=6", "train.test_batch=4",
                    "record.points=3", "train.gain_episodes=2", "record.snapshots=2"],
    "closed-loop-surrogate": ["train.steps=4", "record.points=3"],
    "lrnn": ["train.steps=6", "record.points=3", "record.snapshots=2"],
    "grokking": ["task.modulus=7", "model.width=8", "train.steps=6", "record.points=3", "train.diagnostics_every=3",
                 "record.writes=1"],
    "grokking-energy": ["task.modulus=5", "train.steps=6", "record.points=3"],
    "task-rnn": ["model.n=6", "train.steps=3", "task.batch=4", "train.test_batch=4", "record.points=3",
                 "record.writes=1", "fixed_points.inits=4", "fixed_points.steps=5", "fixed_points.max_points=3",
                 "task.fixation=20", "task.stimulus=100", "task.decision=40", "task.duration=200",
                 "record.snapshots=2", "fixed_points.enabled=false"],
    "dmft-random": ["model.n=20", "train.steps=100", "train.burn=20", "train.units=5", "train.max_lag=1.0",
                    "record.writes=1"],
    "interval-timing": ["model.n=6", "train.steps=4", "task.batch=4", "train.test_batch=4", "record.points=3",
                        "task.intervals=[100.0]", "record.snapshots=2"],
}
LR_WHEN_NOT_NUMERIC = {"integrate": [0.01, 0.005], "lrnn": [1e-3, 5e-4], "grokking-energy": [0.05, 0.1]}


def tiny_overrides(name: str) -> list[str]:
    """``--set`` values that make experiment ``name`` tiny (with its own structure kept)."""
    spec = learndyn.default_spec(name)
    out = [o for o in TINY[spec.family] if not o.startswith("record.writes")] + ["record.writes=1"]
    train = getattr(spec, "train", None)
    if getattr(train, "restart_step", 0):
        out.append("train.restart_step=2")
    if spec.family == "lrnn" and spec.task.kind == "sensory":
        out += ["task.samples=40", "task.test_samples=8", "task.test_lengths=[4, 8]"]
    if spec.family == "integrate" and spec.model.n > 100:  # the large-N kernel experiment
        out += ["record.spectra=false"]
    return out


def lr_grid(spec) -> tuple[str, list[float]]:
    """The learning-rate grid of a spec: ``train.lr`` at its value and half of it (or a family's
    pair where its default is a rule such as 'auto'); ``model.g`` for a family without a rate."""
    train = getattr(spec, "train", None)
    if train is None or not hasattr(train, "lr"):
        return "model.g", [0.5, 1.5]
    lr = train.lr
    if isinstance(lr, str):
        return "train.lr", LR_WHEN_NOT_NUMERIC[spec.family]
    return "train.lr", [float(lr), float(lr) / 2]


def tiny_spec(name: str, *, grid: bool):
    """The tiny spec of ``name``: 2 seeds as registered; with ``grid``, 1 seed at each of the two
    learning rates — the same number of networks, so the grid run reuses the plain run's compiled
    programs."""
    try:
        spec = learndyn.resolve_spec(name, tiny_overrides(name), seeds=1 if grid else 2)
    except ConfigError:  # e.g. antithetic seed pairs need an even number of seeds
        spec = learndyn.resolve_spec(name, tiny_overrides(name), seeds=2)
    if not grid:
        return spec, None
    key, values = lr_grid(spec)
    data = spec.model_dump()
    data["grid"] = {**data["grid"], key: values}
    return validate_spec(data), key


def run_and_check(name: str, out: Path, *, grid: bool, monkeypatch) -> None:
    """Run ``name`` into ``out`` and check the store, the summary and the figures (with ``grid``:
    that every figure names the grid key)."""
    import learndyn.plots as plots

    spec, key = tiny_spec(name, grid=grid)
    texts: dict[str, str] = {}
    real_save = plots.save_figure

    def recording_save(fig, path):
        plots._style._caption(fig)  # what save_figure adds: record the figure as it is written
        texts[Path(path).name] = plots.figure_texts(fig)
        return real_save(fig, path)

    monkeypatch.setattr(plots, "save_figure", recording_save)
    monkeypatch.setitem(plots.STYLE, "savefig.dpi", 40)  # a smoke test reads the text, not the pixels
    learndyn.run(spec, out)
    ds = learndyn.load_run(out)
    assert ds.attrs["complete"] and ds.attrs["experiment"] == name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["experiment"] == name
    networks = int(np.prod([ds.sizes[d] for d in ds.attrs.get("grid_keys", {})])) * ds.sizes["seed"]
    assert np.asarray(summary["status"], dtype=object).size == networks, f"{name}: one status per network"
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert figures, f"{name}: no figure written"
    assert set(figures) == set(texts), f"{name}: figures saved outside learndyn.plots.save_figure"
    for f in figures:
        assert (out / "figures" / f).stat().st_size > 1_000, f"{name}: {f} is empty"
    check_report(out, ds, figures)
    if grid:
        dim = next(d for d, k in ds.attrs["grid_keys"].items() if k == key)
        assert ds.sizes[dim] == 2 and summary["grid"][dim] == lr_grid(spec)[1]
        for f, text in texts.items():
            assert plots.names_grid_key(text, dim) or plots.names_grid_key(text, key), \
                f"{name}: {f} does not name the grid key {key}"


def check_report(out: Path, ds, figures: list[str]) -> None:
    """The report is a page to share: viewport meta, a caption from the family for every figure, a
    definition for every headline column, the provenance header, every figure embedded."""
    from learndyn.report import caption_for, column_definition

    family = learndyn.get_family(ds.attrs["family"])
    page = (out / "report.html").read_text()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    missing = [f for f in figures if caption_for(Path(f).stem, family.figure_captions) is None]
    assert not missing, f"{ds.attrs['experiment']}: figures without a caption: {missing}"
    cols, _ = family.headline_rows(ds)
    undefined = [c for c in cols if column_definition(c, ds, family.column_definitions) is None]
    assert not undefined, f"{ds.attrs['experiment']}: headline columns without a definition: {undefined}"
    assert page.count("<figure>") == len(figures) and "not defined by the family" not in page
    for field in ("command", "date", "wall time", "machine"):
        assert f"<dt>{field}</dt>" in page


def names(half: int) -> list[str]:
    """The registered experiments, in two alphabetical halves (two test files run in parallel)."""
    every = sorted(learndyn.all_experiments())
    mid = (len(every) + 1) // 2
    return every[:mid] if half == 0 else every[mid:]
