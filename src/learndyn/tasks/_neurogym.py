r"""Optional adapter: neurogym environments → learndyn batches (``pip install learndyn[neurogym]``).

neurogym's ``TrialEnv`` builds one trial per ``new_trial()`` and exposes its observations
``env.ob`` (time × channels) and period boundaries ``env.start_ind[period]``,
``env.end_ind[period]``. :func:`neurogym_batch` stacks the observations of one period of many
trials into a ``(B, T, C)`` array, so a learndyn task can be cross-checked against the
reference environment (e.g. ``MultiSensoryIntegration`` against
:func:`learndyn.tasks.multisensory_trials`). The adapter only reads those attributes (duck
typing): learndyn does not import neurogym.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def neurogym_batch(
    env, n_trials: int, period: str = "stimulus", channels: Sequence[int] | None = None,
    seed: int | None = None,
) -> np.ndarray:
    """Observations of ``period`` for ``n_trials`` fresh trials, ``(B, T, C)``.

    Args:
        env: a neurogym ``TrialEnv`` (anything with ``new_trial()``, ``ob``, ``start_ind``, ``end_ind``).
        n_trials: number of trials B.
        period: the period to cut out (e.g. ``"stimulus"``).
        channels: observation channels to keep (default all; ``range(1, 5)`` drops
            ``MultiSensoryIntegration``'s fixation channel, as the linear-RNN paper does).
        seed: reseeds the environment first (``env.seed``) when given.

    Raises:
        ValueError: the period is missing or trials differ in its length.
    """
    if seed is not None:
        env.seed(seed)
    trials = []
    for _ in range(n_trials):
        env.new_trial()
        if period not in env.start_ind:
            raise ValueError(f"neurogym trial has no period {period!r} (periods: {sorted(env.start_ind)})")
        ob = np.asarray(env.ob, float)[env.start_ind[period]:env.end_ind[period]]
        trials.append(ob if channels is None else ob[:, list(channels)])
    lengths = {t.shape[0] for t in trials}
    if len(lengths) != 1:
        raise ValueError(f"trials differ in the length of {period!r}: {sorted(lengths)}; use constant timing")
    return np.stack(trials)
