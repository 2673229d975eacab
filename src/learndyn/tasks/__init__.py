"""Tasks are data: keyed generators of inputs and targets, separate from the networks."""

from ._white_noise import (
    TargetSystem as TargetSystem,
    leaky_target as leaky_target,
    multiscale_target as multiscale_target,
    oscillator_target as oscillator_target,
    target_eigenvalues as target_eigenvalues,
    target_initial_loss as target_initial_loss,
    target_system as target_system,
    white_noise as white_noise,
)
from ._correlation import (
    DYNAMICS as DYNAMICS,
    CorrelationTask as CorrelationTask,
    correlation_matrices as correlation_matrices,
    correlation_task as correlation_task,
    input_gram as input_gram,
    random_orthogonal as random_orthogonal,
    task_dynamics as task_dynamics,
    whitened_inputs as whitened_inputs,
)
from ._multisensory import (
    multisensory_means as multisensory_means,
    multisensory_trials as multisensory_trials,
    sensory_weights as sensory_weights,
)
from ._neurogym import neurogym_batch as neurogym_batch
from ._groups import (
    Group as Group,
    cyclic_group as cyclic_group,
    dihedral_characters as dihedral_characters,
    dihedral_group as dihedral_group,
    isotypic_projectors as isotypic_projectors,
    make_group as make_group,
    product_group as product_group,
    split_pairs as split_pairs,
    train_size as train_size,
)
from ._cognitive import (
    TASKS as TASKS,
    Batch as Batch,
    accumulate as accumulate,
    accumulate_ideal_accuracy as accumulate_ideal_accuracy,
    context_integrate as context_integrate,
    delay_match as delay_match,
    flip_flop as flip_flop,
    make_batch as make_batch,
    multisensory as multisensory,
    n_steps as n_steps,
    period_steps as period_steps,
    task_accuracy as task_accuracy,
    task_periods as task_periods,
    task_sizes as task_sizes,
)
