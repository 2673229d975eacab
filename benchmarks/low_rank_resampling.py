"""How much task accuracy networks resampled from a trained low-rank network's loadings keep, by
the size of the resampled network and the fit — with the trained units themselves resampled
(bootstrap) as the finite-size reference.

Reads a finished low-rank `task-rnn` run (e.g. `learndyn run flip-flop-rank2 --seeds 5`), and for
each of its networks draws `--draws` networks of `size × N` units from: the trained units with
replacement (bootstrap), one Gaussian, and Gaussian mixtures of `--populations` components
(learndyn.theory.low_rank), each with a fresh random part g·J. All are scored on the run's test
trials and noise, as the run scored the trained network. Writes the section "low-rank resampling
vs size" of benchmarks/RESULTS.md.

    python benchmarks/low_rank_resampling.py runs/flip-flop-rank2 [--sizes 1 2 8] [--populations 1 2 8]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _results import write_section  # noqa: E402

SECTION = "low-rank resampling vs size"


def main() -> None:
    import jax
    import jax.numpy as jnp
    import jax.random as jr

    from learndyn.experiments import load_run, validate_spec
    from learndyn.families.task_rnn.experiment import build, stored_networks, task_object, trial_outputs
    from learndyn.families.task_rnn.low_rank import _network_of
    from learndyn.tasks import task_accuracy
    from learndyn.theory import low_rank as lr

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--sizes", type=float, nargs="+", default=[1, 2, 8], help="resampled N / trained N")
    ap.add_argument("--populations", type=int, nargs="+", default=[1, 2, 8])
    ap.add_argument("--draws", type=int, default=10)
    args = ap.parse_args()

    import tomllib

    ds = load_run(args.run)
    spec = validate_spec(tomllib.loads(ds.attrs["config_toml"]))
    built = build(spec)
    params = stored_networks(ds, spec, built)
    test, data = built.test, built.problem.data
    noise_key = jr.fold_in(jr.key(spec.seed), 11)
    accuracy = getattr(task_object(spec.task), "accuracy", task_accuracy)
    score = jax.jit(jax.vmap(lambda net, d: accuracy(trial_outputs(
        jax.tree.map(lambda a: a.astype(test.inputs.dtype), net), test.inputs, d, noise_key)[1], test),
        in_axes=(0, None)))
    n_net = int(np.asarray(data.alpha).shape[0])
    fits = ["bootstrap"] + [f"{p} Gaussian" + ("" if p == 1 else "s") for p in args.populations]
    table_acc = np.full((n_net, len(fits), len(args.sizes)), np.nan)
    trained = np.full(n_net, np.nan)
    for i in range(n_net):
        net = jax.tree.map(lambda a: jnp.asarray(a[i]), params)
        d = jax.tree.map(lambda a: a[i], data)
        trained[i] = float(score(jax.tree.map(lambda a: a[None], net), d)[0])
        table, lay = lr.loadings(net.m, net.n_vec, net.w_in, net.b, net.w_out)
        dists = [None] + [lr.fit_loadings(table, lay, p, seed=spec.seed + i) for p in args.populations]
        for f, dist in enumerate(dists):
            for k, factor in enumerate(args.sizes):
                size = max(2, int(round(factor * spec.model.n)))
                nets = []
                for r in range(args.draws):
                    kt, kj = jr.split(jr.fold_in(jr.key(7919 * (i + 1) + 31 * f), 1000 * k + r))
                    sample = (table[np.asarray(jr.choice(kt, table.shape[0], (size,)))] if dist is None
                              else lr.sample_loadings(dist, kt, size))
                    j = spec.model.g * jr.normal(kj, (size, size)) / np.sqrt(size)
                    nets.append(_network_of(net, sample, lay, j))
                table_acc[i, f, k] = float(np.mean(score(jax.tree.map(lambda *a: jnp.stack(a), *nets), d)))
        print(f"network {i}: trained {trained[i]:.3f}", flush=True)
    ratio = table_acc / trained[:, None, None]
    lines = [f"Written by `python benchmarks/low_rank_resampling.py {args.run} --sizes "
             f"{' '.join(f'{s:g}' for s in args.sizes)} --populations {' '.join(map(str, args.populations))}` on "
             f"{time.strftime('%Y-%m-%d')} (experiment `{ds.attrs.get('experiment')}`, N = {spec.model.n}, "
             f"{n_net} networks, {args.draws} draws each; trained accuracy {trained.min():.3f}–{trained.max():.3f}).",
             "Accuracy kept, resampled / trained, min–max over the networks (mean of the draws per network):", "",
             "| source | " + " | ".join(f"{s:g} × N" for s in args.sizes) + " |",
             "|---|" + "---|" * len(args.sizes)]
    for f, name in enumerate(fits):
        cells = [f"{ratio[:, f, k].min():.2f}–{ratio[:, f, k].max():.2f}" for k in range(len(args.sizes))]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    print("\n".join(lines))
    print(f"wrote {write_section(SECTION, lines)}")


if __name__ == "__main__":
    from learndyn.numerics import float64

    with float64():  # as the run's own analysis scores its networks (same noise draws)
        sys.exit(main())
