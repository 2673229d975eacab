"""Training: gradient engines (exact, sampled), optimisers and the one trainer."""

from ._engine_output import EngineOutput as EngineOutput, gradient_engine as gradient_engine
from ._exact import (
    euler_discrete_loss_and_grad as euler_discrete_loss_and_grad,
    exact_loss as exact_loss,
    exact_loss_and_grad as exact_loss_and_grad,
)
from ._optim import OPTIMIZERS as OPTIMIZERS, make_optimizer as make_optimizer
from ._sampled import (
    SampledWindow as SampledWindow,
    sampled_loss as sampled_loss,
    sampled_loss_and_grad as sampled_loss_and_grad,
    window_from_horizon as window_from_horizon,
)
from ._trainer import (
    Problem as Problem,
    TrainState as TrainState,
    init_state as init_state,
    log_spaced_steps as log_spaced_steps,
    recorded_steps as recorded_steps,
    state_from_leaves as state_from_leaves,
    state_leaves as state_leaves,
    train as train,
    write_points as write_points,
)
from ._flops import auto_vector_width as auto_vector_width, default_platform as default_platform
from . import closed_loop as closed_loop
