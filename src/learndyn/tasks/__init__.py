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
