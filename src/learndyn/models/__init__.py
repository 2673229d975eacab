"""Networks as equinox modules (frozen pytrees); sizes are static, arrays are leaves."""

from ._linear_rnn import (
    LinearRNN as LinearRNN,
    init_linear_rnn as init_linear_rnn,
    two_neuron_init as two_neuron_init,
)
from ._controller import (
    Controller as Controller,
    LeakyController as LeakyController,
    Rank1Controller as Rank1Controller,
    controller_matrices as controller_matrices,
    init_leaky_controller as init_leaky_controller,
    init_rank1_controller as init_rank1_controller,
    overlaps as overlaps,
    set_zm_overlap as set_zm_overlap,
)
from ._discrete_linear_rnn import (
    DiscreteLinearRNN as DiscreteLinearRNN,
    ModeParams as ModeParams,
    aligned_init as aligned_init,
    final_output as final_output,
    gaussian_init as gaussian_init,
    lag_products as lag_products,
    mode_matrices as mode_matrices,
    printed_aligned_init as printed_aligned_init,
    read_back_modes as read_back_modes,
)
from ._task_rnn import (
    GRU as GRU,
    LSTM as LSTM,
    LeakyRNN as LeakyRNN,
    LowRankRNN as LowRankRNN,
    TaskRNN as TaskRNN,
    frozen_leaves as frozen_leaves,
    init_task_rnn as init_task_rnn,
    same_structure as same_structure,
    simulate as simulate,
)
